//! Test support: score a rubric and findings given as text, and render the result as a compact score sheet
//! that tests compare word for word, so a test reads like the seed: rubric, findings, expected sheet.

#![allow(dead_code)]

use std::fmt::Write;
use std::path::PathBuf;

use kaoping_core::rubric::Rubric;
use kaoping_core::score::{Effect, Subject, UnitResult};
use kaoping_core::units::Units;
use kaoping_formats::report::points;
use kaoping_formats::{parse_rubric, read_rubric_file, read_units, score_findings};

pub fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

pub fn rubric_file(name: &str) -> Rubric {
    read_rubric_file(&repo_file(&format!("rubrics/{name}"))).unwrap_or_else(|e| panic!("{e}"))
}

pub fn rubric(text: &str) -> Rubric {
    parse_rubric("test.toml", text).unwrap_or_else(|e| panic!("{e}"))
}

/// Scores `findings` (CSV text) with traces; `units` is an optional units CSV.
pub fn score(rubric: &Rubric, findings: &str, units: Option<&str>) -> (Units, Vec<UnitResult>) {
    let mut reg = units_of(units);
    let results = score_findings(
        rubric,
        &mut reg,
        units.is_none(),
        "findings.csv",
        findings.as_bytes(),
        true,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    (reg, results)
}

fn units_of(units: Option<&str>) -> Units {
    match units {
        Some(text) => read_units("units.csv", text.as_bytes()).unwrap_or_else(|e| panic!("{e}")),
        None => Units::new(),
    }
}

/// The error text a findings file produces (panics if it is accepted).
pub fn findings_error(rubric: &Rubric, findings: &str, units: Option<&str>) -> String {
    let mut reg = units_of(units);
    match score_findings(
        rubric,
        &mut reg,
        units.is_none(),
        "findings.csv",
        findings.as_bytes(),
        false,
    ) {
        Ok(_) => panic!("findings were accepted"),
        Err(e) => e.to_string(),
    }
}

/// One block per unit in ranking order: the headline, then every section that lost points, then every
/// trace entry that changed something.
pub fn sheet(rubric: &Rubric, units: &Units, results: &[UnitResult]) -> String {
    let mut out = String::new();
    for r in kaoping_formats::report::ranked(units, results) {
        let unit = units.unit(r.unit);
        write!(out, "{} 第{}名 总分{}", unit.code, r.rank, points(r.total)).unwrap();
        if rubric.rounds().len() > 1 {
            let rounds: Vec<String> = r.rounds.iter().map(|rs| points(rs.total)).collect();
            write!(out, "（{}）", rounds.join("/")).unwrap();
        }
        if r.bonus != kaoping_core::Decimal::ZERO || !rubric.bonus().rules.is_empty() {
            write!(
                out,
                " 加分{} 最终{}",
                points(r.bonus),
                points(r.final_score)
            )
            .unwrap();
        }
        match r.pass {
            Some(true) => out.push_str(" 合格"),
            Some(false) => out.push_str(" 不合格"),
            None => {}
        }
        if let Some(g) = r.grade {
            write!(out, " {}", rubric.grades()[g].name).unwrap();
        }
        if r.is_incomplete() {
            write!(
                out,
                " 未评完{}",
                kaoping_formats::report::incomplete_codes(rubric, r).join("、")
            )
            .unwrap();
        }
        out.push('\n');
        for (s, score) in rubric.sections().iter().zip(&r.sections) {
            if *score != s.points {
                writeln!(out, "  {} {}/{}", s.code, points(*score), points(s.points)).unwrap();
            }
        }
        for e in &r.trace {
            let code = match e.subject {
                Subject::Rule(i) => rubric.rules()[i].code.clone(),
                Subject::Bonus(b) => rubric.bonus().rules[b].code.clone(),
                Subject::Veto(v) => rubric.vetoes()[v].code.clone(),
            };
            let round = match e.round {
                Some(r) if rubric.rounds().len() > 1 => format!("[{}]", rubric.rounds()[r].name),
                _ => String::new(),
            };
            let effect = match &e.effect {
                Effect::Deduct { requested, applied } if requested == applied => {
                    format!("-{}", points(*applied))
                }
                Effect::Deduct { requested, applied } => {
                    format!("-{}（应扣{}）", points(*applied), points(*requested))
                }
                Effect::SetScore(v) => format!("={}", points(*v)),
                Effect::Earn { requested, applied } if requested == applied => {
                    format!("+{}", points(*applied))
                }
                Effect::Earn { requested, applied } => {
                    format!("+{}（应得{}）", points(*applied), points(*requested))
                }
                Effect::Zero => "不得分".into(),
                Effect::Missing => "缺评分".into(),
                Effect::OnTime => "按时".into(),
                Effect::Bonus { requested, applied } if requested == applied => {
                    format!("+{}", points(*applied))
                }
                Effect::Bonus { requested, applied } => {
                    format!("+{}（应加{}）", points(*applied), points(*requested))
                }
                Effect::Veto => "一票否决".into(),
            };
            let caps: Vec<String> = e.caps.iter().map(ToString::to_string).collect();
            let caps = if caps.is_empty() {
                String::new()
            } else {
                format!(" {}", caps.join("；"))
            };
            writeln!(out, "    {round}{code} {effect}{caps}").unwrap();
        }
    }
    out
}

/// Scores and renders in one go.
pub fn sheet_of(rubric: &Rubric, findings: &str, units: Option<&str>) -> String {
    let (reg, results) = score(rubric, findings, units);
    sheet(rubric, &reg, &results)
}

/// Compares with a readable diff on failure; leading indentation of `expected` is stripped uniformly.
#[track_caller]
pub fn assert_sheet(actual: &str, expected: &str) {
    let expected = dedent(expected);
    if actual.trim_end() != expected.trim_end() {
        panic!("score sheet differs\n--- expected\n{expected}\n--- actual\n{actual}");
    }
}

pub fn dedent(text: &str) -> String {
    let lines: Vec<&str> = text.lines().skip_while(|l| l.trim().is_empty()).collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
