//! The JSON report. Decimals are JSON numbers with exactly their decimal digits (serde_json's arbitrary
//! precision), so `97.5` is `97.5` for every reader.

use std::io::{self, Write};
use std::str::FromStr;

use kaoping_core::finding::{Finding, Input, Target};
use kaoping_core::rubric::{Rubric, RuleKind};
use kaoping_core::score::{Effect, Subject, TraceEntry, UnitResult};
use kaoping_core::units::{Party, Units};
use kaoping_core::Decimal;
use serde_json::{json, Map, Number, Value};

use super::{incomplete_codes, points, ranked};

fn num(d: Decimal) -> Value {
    Value::Number(Number::from_str(&points(d)).expect("a normalized decimal is a JSON number"))
}

fn party_code(units: &Units, p: Party) -> &str {
    match p {
        Party::Unit(u) => &units.unit(u).code,
        Party::Group(g) => &units.group(g).code,
    }
}

fn finding_json(rubric: &Rubric, units: &Units, f: &Finding) -> Value {
    let mut m = Map::new();
    m.insert("line".into(), json!(f.origin));
    m.insert("unit".into(), json!(party_code(units, f.party)));
    if let Party::Group(_) = f.party {
        m.insert("via_group".into(), json!(true));
    }
    match &f.input {
        Input::Found => {}
        Input::Count(n) => {
            m.insert("count".into(), json!(n));
        }
        Input::Level(l) => {
            if let Target::Rule(r) = f.target {
                if let RuleKind::Graded { levels } = &rubric.rules()[r].kind {
                    m.insert("level".into(), json!(levels[*l].name));
                }
            }
        }
        Input::Value(v) => {
            m.insert("points".into(), num(*v));
        }
        Input::NotApplicable => {
            m.insert("level".into(), json!(kaoping_core::finding::NOT_APPLICABLE));
        }
        Input::Dates { done, due } => {
            m.insert("date".into(), json!(done.to_string()));
            m.insert("due".into(), json!(due.to_string()));
        }
        Input::Award {
            level,
            count,
            matter,
        } => {
            if let (Target::Bonus(b), Some(l)) = (f.target, level) {
                m.insert(
                    "level".into(),
                    json!(rubric.bonus().rules[b].levels[*l].name),
                );
            }
            m.insert("count".into(), json!(count));
            if !matter.is_empty() {
                m.insert("matter".into(), json!(&**matter));
            }
        }
    }
    if !f.note.is_empty() {
        m.insert("note".into(), json!(&*f.note));
    }
    Value::Object(m)
}

fn trace_json(rubric: &Rubric, units: &Units, e: &TraceEntry) -> Value {
    let mut m = Map::new();
    if let Some(r) = e.round {
        m.insert("round".into(), json!(rubric.rounds()[r].name));
    }
    match e.subject {
        Subject::Rule(r) => {
            let rule = &rubric.rules()[r];
            m.insert("code".into(), json!(rule.code));
            m.insert("item".into(), json!(rubric.items()[rule.item].code));
            m.insert("kind".into(), json!(rule.kind.name()));
            m.insert("criteria".into(), json!(rule.text));
        }
        Subject::Bonus(b) => {
            let rule = &rubric.bonus().rules[b];
            m.insert("code".into(), json!(rule.code));
            m.insert("kind".into(), json!("bonus"));
            m.insert(
                "criteria".into(),
                json!(if rule.text.is_empty() {
                    &rule.title
                } else {
                    &rule.text
                }),
            );
        }
        Subject::Veto(v) => {
            let veto = &rubric.vetoes()[v];
            m.insert("code".into(), json!(veto.code));
            m.insert("kind".into(), json!("veto"));
            m.insert(
                "criteria".into(),
                json!(if veto.text.is_empty() {
                    &veto.title
                } else {
                    &veto.text
                }),
            );
        }
    }
    m.insert(
        "findings".into(),
        Value::Array(
            e.findings
                .iter()
                .map(|f| finding_json(rubric, units, f))
                .collect(),
        ),
    );
    let (effect, amount) = match &e.effect {
        Effect::Deduct { requested, applied } => {
            m.insert("requested".into(), num(-*requested));
            ("deduct", Some(-*applied))
        }
        Effect::SetScore(v) => ("set", Some(*v)),
        Effect::Earn { requested, applied } => {
            m.insert("requested".into(), num(*requested));
            ("earn", Some(*applied))
        }
        Effect::Zero => ("zero", None),
        Effect::Missing => ("missing", None),
        Effect::OnTime => ("on_time", None),
        Effect::Bonus { requested, applied } => {
            m.insert("requested".into(), num(*requested));
            ("bonus", Some(*applied))
        }
        Effect::Veto => ("veto", None),
    };
    m.insert("effect".into(), json!(effect));
    m.insert("amount".into(), amount.map_or(Value::Null, num));
    // A converted score says how many raw scores it averages (3 quarterly exams of 4 must show).
    if let (Subject::Rule(r), Effect::SetScore(_)) = (e.subject, &e.effect) {
        if let RuleKind::Conversion { expected, .. } = rubric.rules()[r].kind {
            let raw = e
                .findings
                .iter()
                .filter(|f| matches!(f.input, Input::Value(_)))
                .count();
            if raw > 0 {
                m.insert("raw_scores".into(), json!(raw));
                m.insert("expected_raw_scores".into(), json!(expected));
            }
        }
    }
    m.insert(
        "capped".into(),
        Value::Array(
            e.caps
                .iter()
                .map(|c| match c {
                    kaoping_core::score::Cap::Inherited { group } => {
                        json!(format!("得分来自“{}”", units.group(*group).code))
                    }
                    other => json!(other.to_string()),
                })
                .collect(),
        ),
    );
    Value::Object(m)
}

fn unit_json(rubric: &Rubric, units: &Units, r: &UnitResult) -> Value {
    let unit = units.unit(r.unit);
    json!({
        "unit": unit.code,
        "name": unit.name,
        "group": unit.ranking_group,
        "total": num(r.total),
        "rounds": r.rounds.iter().map(|rs| {
            let round = &rubric.rounds()[rs.round];
            json!({"round": round.name, "weight": num(round.weight), "total": num(rs.total.normalize())})
        }).collect::<Vec<_>>(),
        "bonus": num(r.bonus),
        "bonus_eligible": r.bonus_eligible,
        "final": num(r.final_score),
        "pass": r.pass,
        "grade": r.grade.map(|g| rubric.grades()[g].name.clone()),
        "rank": r.rank,
        "incomplete": incomplete_codes(rubric, r),
        "vetoes": r.vetoes.iter().map(|v| {
            let veto = &rubric.vetoes()[v.veto];
            json!({"code": veto.code, "title": veto.title, "note": &*v.finding.note, "line": v.finding.origin})
        }).collect::<Vec<_>>(),
        "sections": rubric.sections().iter().zip(&r.sections).map(|(s, score)| {
            json!({"code": s.code, "points": num(s.points), "score": num(*score)})
        }).collect::<Vec<_>>(),
        "items": rubric.items().iter().zip(&r.items).map(|(it, score)| {
            json!({
                "code": it.code,
                "points": if rubric.sections()[it.section].pool { Value::Null } else { num(it.max) },
                "score": score.score.map_or(Value::Null, num),
                "deducted": num(score.deducted),
            })
        }).collect::<Vec<_>>(),
        "trace": r.trace.iter().map(|e| trace_json(rubric, units, e)).collect::<Vec<_>>(),
    })
}

/// The whole report as a JSON value: the rubric's identity and every unit in ranking order.
pub fn results_json(rubric: &Rubric, units: &Units, results: &[UnitResult]) -> Value {
    json!({
        "rubric": {
            "title": rubric.title(),
            "total": num(rubric.total()),
            "pass_mark": rubric.pass_mark().map(num),
            "rounds": rubric.rounds().iter().map(|r| json!({"code": r.code, "name": r.name, "weight": num(r.weight)})).collect::<Vec<_>>(),
        },
        "units": ranked(units, results).into_iter().map(|r| unit_json(rubric, units, r)).collect::<Vec<_>>(),
    })
}

/// Writes [`results_json`], pretty-printed.
///
/// # Errors
/// Writing failed.
pub fn write_json<W: Write>(
    mut out: W,
    rubric: &Rubric,
    units: &Units,
    results: &[UnitResult],
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, &results_json(rubric, units, results))?;
    writeln!(out)
}
