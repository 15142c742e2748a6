//! Numbers as Chinese rubrics write them: `5`, `0.5`, `五`, `十二`, `两`, `半`, `百分之九十五`, full-width
//! digits. Exact decimals only.

use std::str::FromStr;

use kaoping_core::Decimal;

fn digit(c: char) -> Option<u32> {
    match c {
        '零' | '〇' => Some(0),
        '一' | '壹' => Some(1),
        '二' | '两' | '贰' => Some(2),
        '三' | '叁' => Some(3),
        '四' | '肆' => Some(4),
        '五' | '伍' => Some(5),
        '六' | '陆' => Some(6),
        '七' | '柒' => Some(7),
        '八' | '捌' => Some(8),
        '九' | '玖' => Some(9),
        _ => None,
    }
}

/// Full-width digits and point to ASCII.
pub fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '％' => '%',
            _ => c,
        })
        .collect()
}

/// A number written in Chinese numerals below ten thousand (`十二`, `二十`, `一百`), or `半` (0.5).
pub fn chinese(text: &str) -> Option<Decimal> {
    if text == "半" {
        return Some(Decimal::new(5, 1));
    }
    if text.is_empty() {
        return None;
    }
    let (mut total, mut current) = (0u32, 0u32);
    let mut any = false;
    for c in text.chars() {
        if let Some(d) = digit(c) {
            current = d;
            any = true;
            continue;
        }
        let unit = match c {
            '十' | '拾' => 10,
            '百' | '佰' => 100,
            '千' | '仟' => 1000,
            _ => return None,
        };
        total += if current == 0 && unit == 10 {
            10
        } else {
            current * unit
        };
        current = 0;
        any = true;
    }
    any.then(|| Decimal::from(total + current))
}

/// A number in either script: `5`, `0.5`, `五`, `两`, `半`.
pub fn number(text: &str) -> Option<Decimal> {
    let t = ascii_digits(text.trim());
    Decimal::from_str(&t).ok().or_else(|| chinese(&t))
}

/// The numeral characters a pattern may capture.
pub const NUM: &str = r"[0-9０-９.．]+|[零〇一二两三四五六七八九十百半壹贰叁肆伍陆柒捌玖拾佰]+";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_scripts() {
        for (text, want) in [
            ("5", "5"),
            ("0.5", "0.5"),
            ("五", "5"),
            ("十", "10"),
            ("十二", "12"),
            ("二十", "20"),
            ("两", "2"),
            ("半", "0.5"),
            ("九十五", "95"),
            ("一百", "100"),
            ("１０", "10"),
        ] {
            assert_eq!(
                number(text).map(|d| d.to_string()).as_deref(),
                Some(want),
                "{text}"
            );
        }
        assert_eq!(number("分"), None);
    }
}
