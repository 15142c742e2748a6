//! Charts drawn on the server as inline SVG: no script, no canvas, nothing fetched; they print as they
//! show. Each chart has a fixed coordinate box (`viewBox`) that CSS scales to the column's width, sized so
//! its 12-unit text stays readable from a 390 px phone to a desktop. Geometry is computed in exact
//! decimals and written to one decimal place. Every chart carries its numbers as text (labels, a
//! `<title>`), so a screen reader and a printout lose nothing.

use kaoping_app::ScoreBand;
use kaoping_core::Decimal;
use maud::{html, Markup};

use super::html::pts;

/// Width of every chart's coordinate box.
const WIDTH: i64 = 360;
/// Where horizontal bars start (labels to the left) and end (values to the right).
const BAR_LEFT: i64 = 110;
const BAR_RIGHT: i64 = 318;
const ROW: i64 = 22;

/// A coordinate as SVG text: one decimal place, no trailing zeros.
fn at(d: Decimal) -> String {
    d.round_dp(1).normalize().to_string()
}

/// `value / max` of `span` units (0 when max is not positive; never past `span` or below 0).
fn scaled(value: Decimal, max: Decimal, span: i64) -> Decimal {
    if max <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    (value / max * Decimal::from(span)).clamp(Decimal::ZERO, Decimal::from(span))
}

/// A label cut to `chars` characters, with … where cut.
fn short(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        label.to_string()
    } else {
        label.chars().take(chars - 1).chain(['…']).collect()
    }
}

/// One horizontal bar.
pub struct Bar {
    pub label: String,
    pub value: Decimal,
    /// The bar's full length stands for this.
    pub max: Decimal,
    /// Text at the bar's end (the value, or "8/12").
    pub text: String,
    /// A CSS class: `bad` draws it in the warning colour.
    pub class: &'static str,
}

/// Horizontal bars, one per row, with an optional marker line (a pass mark) at `mark` of each bar's max.
pub fn bars(title: &str, rows: &[Bar], mark: Option<(Decimal, String)>) -> Markup {
    // Room below the bars for the marker's label, if there is one.
    let height = ROW * i64::try_from(rows.len()).unwrap_or(0) + if mark.is_some() { 24 } else { 6 };
    let span = BAR_RIGHT - BAR_LEFT;
    html! {
        svg.chart viewBox=(format!("0 0 {WIDTH} {height}")) role="img" aria-label=(title) {
            title { (title) }
            @for (i, b) in rows.iter().enumerate() {
                @let y = ROW * i64::try_from(i).unwrap_or(0) + 4;
                @let w = scaled(b.value, b.max, span);
                g {
                    title { (b.label) "：" (b.text) }
                    text.label x=(BAR_LEFT - 6) y=(y + 14) text-anchor="end" { (short(&b.label, 8)) }
                    rect.track x=(BAR_LEFT) y=(y + 3) width=(span) height="14" rx="2" {}
                    rect.bar class=(b.class) x=(BAR_LEFT) y=(y + 3) width=(at(w)) height="14" rx="2" {}
                    text.value x=(at(Decimal::from(BAR_LEFT) + w + Decimal::from(4))) y=(y + 14) { (b.text) }
                }
            }
            @if let Some((m, label)) = &mark {
                @let x = at(Decimal::from(BAR_LEFT) + scaled(*m, rows.first().map_or(Decimal::ONE, |b| b.max), span));
                line.mark x1=(x) x2=(x) y1="2" y2=(height - 18) {}
                text.mark x=(x) y=(height - 6) text-anchor="middle" { (label) }
            }
        }
    }
}

/// Two bars per row, the first (this unit) above the second (the comparison), both as shares of the
/// row's max; a legend names them.
pub fn paired_bars(
    title: &str,
    rows: &[(String, Decimal, Decimal, Decimal)],
    names: (&str, &str),
) -> Markup {
    let pair = 34;
    let height = pair * i64::try_from(rows.len()).unwrap_or(0) + 30;
    let span = BAR_RIGHT - BAR_LEFT;
    html! {
        svg.chart viewBox=(format!("0 0 {WIDTH} {height}")) role="img" aria-label=(title) {
            title { (title) }
            rect.bar x=(BAR_LEFT) y="4" width="12" height="10" {}
            text.legend x=(BAR_LEFT + 16) y="13" { (names.0) }
            rect.bar.other x=(BAR_LEFT + 90) y="4" width="12" height="10" {}
            text.legend x=(BAR_LEFT + 106) y="13" { (names.1) }
            @for (i, (label, first, second, max)) in rows.iter().enumerate() {
                @let y = pair * i64::try_from(i).unwrap_or(0) + 24;
                @let (w1, w2) = (scaled(*first, *max, span), scaled(*second, *max, span));
                g {
                    title { (label) "：" (names.0) (pts(*first)) "，" (names.1) (pts(*second)) "（满分" (pts(*max)) "）" }
                    text.label x=(BAR_LEFT - 6) y=(y + 17) text-anchor="end" { (short(label, 8)) }
                    rect.track x=(BAR_LEFT) y=(y) width=(span) height="28" rx="2" {}
                    rect.bar x=(BAR_LEFT) y=(y + 1) width=(at(w1)) height="12" rx="2" {}
                    rect.bar.other x=(BAR_LEFT) y=(y + 15) width=(at(w2)) height="12" rx="2" {}
                    text.value x=(at(Decimal::from(BAR_LEFT) + w1 + Decimal::from(4))) y=(y + 11) { (pts(*first)) }
                    text.value x=(at(Decimal::from(BAR_LEFT) + w2 + Decimal::from(4))) y=(y + 25) { (pts(*second)) }
                }
            }
        }
    }
}

/// A histogram of final scores: one column per band, its count above it, the bands' lower bounds
/// beneath, and the pass mark as a dashed line.
pub fn histogram(title: &str, bands: &[ScoreBand], pass: Option<Decimal>) -> Markup {
    let (left, right, top, bottom) = (24_i64, WIDTH - 8, 18_i64, 150_i64);
    let height = bottom + 30;
    let n = i64::try_from(bands.len()).unwrap_or(1).max(1);
    let column = Decimal::from(right - left) / Decimal::from(n);
    let most = bands.iter().map(|b| b.units).max().unwrap_or(0).max(1);
    let most = Decimal::from(most);
    let (low, high) = match (bands.first(), bands.last()) {
        (Some(f), Some(l)) => (f.from, l.to),
        _ => (Decimal::ZERO, Decimal::ONE),
    };
    html! {
        svg.chart viewBox=(format!("0 0 {WIDTH} {height}")) role="img" aria-label=(title) {
            title { (title) }
            line.axis x1=(left) x2=(right) y1=(bottom) y2=(bottom) {}
            @for (i, b) in bands.iter().enumerate() {
                @let x = Decimal::from(left) + column * Decimal::from(i64::try_from(i).unwrap_or(0));
                @let h = scaled(Decimal::from(b.units), most, bottom - top);
                g {
                    title { (pts(b.from)) "–" (pts(b.to)) "分：" (b.units) "个单位" }
                    rect.bar.column x=(at(x + Decimal::ONE)) y=(at(Decimal::from(bottom) - h)) width=(at(column - Decimal::TWO)) height=(at(h)) {}
                    @if b.units > 0 {
                        text.value x=(at(x + column / Decimal::TWO)) y=(at(Decimal::from(bottom) - h - Decimal::from(4))) text-anchor="middle" { (b.units) }
                    }
                    text.tick x=(at(x)) y=(bottom + 14) text-anchor="middle" { (pts(b.from)) }
                }
            }
            text.tick x=(right) y=(bottom + 14) text-anchor="end" { (pts(high)) }
            @if let Some(p) = pass.filter(|p| *p >= low && *p <= high) {
                @let x = at(Decimal::from(left) + scaled(p - low, high - low, right - left));
                line.mark x1=(x) x2=(x) y1=(top - 6) y2=(bottom) {}
                text.mark x=(x) y=(bottom + 27) text-anchor="middle" { "合格线" (pts(p)) }
            }
        }
    }
}

/// A line through each period's score, labelled with the period and the value.
pub fn trend(title: &str, points: &[(String, Decimal)], max: Decimal) -> Markup {
    let (left, right, top, bottom) = (30_i64, WIDTH - 30, 20_i64, 120_i64);
    let height = bottom + 34;
    let n = points.len();
    let step = if n > 1 {
        Decimal::from(right - left) / Decimal::from(i64::try_from(n - 1).unwrap_or(1))
    } else {
        Decimal::ZERO
    };
    let x_of = |i: usize| {
        if n > 1 {
            Decimal::from(left) + step * Decimal::from(i64::try_from(i).unwrap_or(0))
        } else {
            Decimal::from((left + right) / 2)
        }
    };
    let y_of = |v: Decimal| Decimal::from(bottom) - scaled(v, max, bottom - top);
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| format!("{},{}", at(x_of(i)), at(y_of(*v))))
        .collect();
    html! {
        svg.chart viewBox=(format!("0 0 {WIDTH} {height}")) role="img" aria-label=(title) {
            title { (title) }
            line.axis x1=(left) x2=(right) y1=(bottom) y2=(bottom) {}
            @if n > 1 { polyline.trend points=(path.join(" ")) {} }
            @for (i, (label, v)) in points.iter().enumerate() {
                g {
                    title { (label) "：" (pts(*v)) "分" }
                    circle.point cx=(at(x_of(i))) cy=(at(y_of(*v))) r="3.5" {}
                    text.value x=(at(x_of(i))) y=(at(y_of(*v) - Decimal::from(8))) text-anchor="middle" { (pts(*v)) }
                    // The first and last labels keep inside the box.
                    @let anchor = if n > 1 && i == 0 { "start" } else if n > 1 && i == n - 1 { "end" } else { "middle" };
                    text.tick x=(at(x_of(i))) y=(bottom + 16) text-anchor=(anchor) { (short(label, 10)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_never_leaves_its_track() {
        assert_eq!(
            scaled(Decimal::from(150), Decimal::from(100), 200),
            Decimal::from(200)
        );
        assert_eq!(
            scaled(Decimal::from(-5), Decimal::from(100), 200),
            Decimal::ZERO
        );
        assert_eq!(scaled(Decimal::from(5), Decimal::ZERO, 200), Decimal::ZERO);
        assert_eq!(at(Decimal::new(12345, 3)), "12.3");
    }

    #[test]
    fn charts_carry_their_numbers_as_text() {
        let svg = bars(
            "各部门进度",
            &[Bar {
                label: "安全科".into(),
                value: Decimal::from(3),
                max: Decimal::from(4),
                text: "3/4".into(),
                class: "",
            }],
            None,
        )
        .into_string();
        assert!(svg.contains("安全科：3/4"), "{svg}");
        assert!(svg.contains("width=\"156\""), "3/4 of 208: {svg}");
        let bands = [
            ScoreBand {
                from: Decimal::from(60),
                to: Decimal::from(80),
                units: 2,
            },
            ScoreBand {
                from: Decimal::from(80),
                to: Decimal::from(100),
                units: 5,
            },
        ];
        let svg = histogram("得分分布", &bands, Some(Decimal::from(80))).into_string();
        assert!(svg.contains("80–100分：5个单位"), "{svg}");
        assert!(svg.contains("合格线80"), "{svg}");
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(short("余热发电车间党支部", 9), "余热发电车间党支部");
        assert_eq!(short("领导班子及干部队伍建设", 8), "领导班子及干部…");
    }
}
