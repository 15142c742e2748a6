//! What the filtered lists (the ledger's history, the audit log) share: a problem with a filter field,
//! said beside the field, and the day range typed as dates in China time.

use kaoping_core::date::Date;

use crate::china_time::day_start_ms;
use crate::limits::{bounded, NOTE_CHARS};

/// A filter value the list cannot use, with the form field it came from (`unit`, `from` …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
}

impl FieldProblem {
    pub(crate) fn new(field: &'static str, message: String) -> FieldProblem {
        FieldProblem { field, message }
    }
}

/// The problem with `field`, if there is one: what a form shows beside it.
pub fn problem_of<'p>(problems: &'p [FieldProblem], field: &str) -> Option<&'p str> {
    problems
        .iter()
        .find(|p| p.field == field)
        .map(|p| p.message.as_str())
}

/// Whole days from `from` to `to` (both `YYYY-MM-DD`, China time, inclusive) as unix milliseconds: the
/// first millisecond of `from` and the first after `to`. A date that is not one, or a range that ends
/// before it starts, is a problem of its field.
pub(crate) fn day_range(
    from: Option<&str>,
    to: Option<&str>,
    problems: &mut Vec<FieldProblem>,
) -> (Option<i64>, Option<i64>) {
    let mut day = |field: &'static str, what: &str, text: Option<&str>| -> Option<Date> {
        let text = text.map(str::trim).filter(|t| !t.is_empty())?;
        match text.parse::<Date>() {
            Ok(d) => Some(d),
            Err(e) => {
                problems.push(FieldProblem::new(field, format!("{what}：{e}")));
                None
            }
        }
    };
    let from = day("from", "起始日期", from);
    let to = day("to", "截止日期", to);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            problems.push(FieldProblem::new(
                "to",
                format!("截止日期{t}早于起始日期{f}"),
            ));
            return (None, None);
        }
    }
    (
        from.map(day_start_ms),
        to.map(|t| day_start_ms(t) + 86_400_000),
    )
}

/// The text to search for, bounded like a note.
pub(crate) fn search_text(text: Option<&str>, problems: &mut Vec<FieldProblem>) -> Option<String> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    if let Err(e) = bounded("搜索文字", text, NOTE_CHARS) {
        problems.push(FieldProblem::new("text", e));
        return None;
    }
    Some(text.to_string())
}

/// A user chosen by id in a select (`recorder`, `user`): a number, or a problem of the field.
pub(crate) fn user_id(
    field: &'static str,
    what: &str,
    text: Option<&str>,
    known: impl Fn(i64) -> bool,
    problems: &mut Vec<FieldProblem>,
) -> Option<i64> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    match text.parse::<i64>() {
        Ok(id) if known(id) => Some(id),
        _ => {
            problems.push(FieldProblem::new(
                field,
                format!("{what}：没有用户“{text}”"),
            ));
            None
        }
    }
}

/// The page count of `total` items, `size` a page (at least 1).
pub(crate) fn pages(total: i64, size: i64) -> i64 {
    ((total + size - 1) / size).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_ranges_are_whole_china_days() {
        let mut problems = Vec::new();
        let (from, until) = day_range(Some("2023-03-07"), Some("2023-03-07"), &mut problems);
        assert!(problems.is_empty());
        assert_eq!(from, Some(1_678_118_400_000));
        assert_eq!(until, Some(1_678_118_400_000 + 86_400_000));
        assert_eq!(day_range(None, Some(" "), &mut problems), (None, None));
        assert!(problems.is_empty());
    }

    #[test]
    fn bad_days_are_their_fields_problems() {
        let mut problems = Vec::new();
        day_range(Some("2023-02-30"), Some("明天"), &mut problems);
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].field, "from");
        assert!(
            problems[0].message.starts_with("起始日期："),
            "{problems:?}"
        );
        assert_eq!(problems[1].field, "to");
        let mut problems = Vec::new();
        assert_eq!(
            day_range(Some("2024-03-02"), Some("2024-03-01"), &mut problems),
            (None, None)
        );
        assert_eq!(
            problem_of(&problems, "to"),
            Some("截止日期2024-03-01早于起始日期2024-03-02")
        );
    }
}
