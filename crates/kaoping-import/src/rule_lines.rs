//! The exact rule lines of Kaoping's own Excel export (计分规则 column and 考评设置 sheet):
//! `code｜kind｜key=value;…｜who｜text`. Read back without interpretation, so export → import is exact.

use std::str::FromStr;

use kaoping_core::rubric::{
    AppliesTo, BonusCombine, BonusRuleSpec, GradeSpec, LevelSpec, MatterScope, RateRounding,
    RoundSpec, RubricSpec, RuleKindSpec, RuleSpec, VetoEffectSpec, VetoSpec,
};
use kaoping_core::Decimal;

type LineError = (String, String);

fn params(text: &str) -> Vec<(&str, &str)> {
    text.split(';')
        .filter_map(|kv| kv.split_once('='))
        .collect()
}

fn get<'a>(p: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn dec(p: &[(&str, &str)], key: &str) -> Result<Decimal, String> {
    let v = get(p, key).ok_or_else(|| format!("缺少{key}"))?;
    Decimal::from_str(v).map_err(|_| format!("{key}的值“{v}”不是数字"))
}

fn levels(text: &str) -> Result<Vec<LevelSpec>, String> {
    text.split(',')
        .map(|l| {
            let (name, points) = l
                .rsplit_once(':')
                .ok_or_else(|| format!("等级“{l}”应写成 名称:分值"))?;
            let points =
                Decimal::from_str(points).map_err(|_| format!("等级“{l}”的分值不是数字"))?;
            Ok(LevelSpec {
                name: name.to_string(),
                points: Some(points),
            })
        })
        .collect()
}

/// `max_count=N`, when given.
fn max_count(p: &[(&str, &str)]) -> Result<Option<u32>, String> {
    get(p, "max_count")
        .map(|m| m.parse().map_err(|_| format!("max_count“{m}”不是整数")))
        .transpose()
}

fn kind(name: &str, p: &[(&str, &str)]) -> Result<RuleKindSpec, String> {
    Ok(match name {
        "fixed" => RuleKindSpec::Fixed {
            amount: dec(p, "amount")?,
        },
        "per_occurrence" => RuleKindSpec::PerOccurrence {
            amount: dec(p, "amount")?,
            max_count: max_count(p)?,
        },
        "earned" => RuleKindSpec::Earned {
            amount: dec(p, "amount")?,
            max_count: max_count(p)?,
        },
        "range_deduction" => RuleKindSpec::RangeDeduction {
            min: dec(p, "min")?,
            max: dec(p, "max")?,
        },
        "zero" => RuleKindSpec::Zero,
        "discretionary" => RuleKindSpec::Discretionary,
        "graded" => RuleKindSpec::Graded {
            levels: levels(get(p, "levels").unwrap_or(""))?,
        },
        "progressive" => RuleKindSpec::Progressive {
            first: dec(p, "first")?,
            step: dec(p, "step")?,
            cap: get(p, "cap").map(|_| dec(p, "cap")).transpose()?,
        },
        "rate" => RuleKindSpec::Rate {
            threshold: dec(p, "threshold")?,
            per_point: dec(p, "per_point")?,
            rounding: match get(p, "rounding") {
                Some("down") => Some(RateRounding::Down),
                Some("up") => Some(RateRounding::Up),
                Some("exact") => Some(RateRounding::Exact),
                _ => None,
            },
        },
        "conversion" => RuleKindSpec::Conversion {
            scale_min: dec(p, "scale_min")?,
            scale_max: dec(p, "scale_max")?,
            decimals: get(p, "decimals").and_then(|d| d.parse().ok()).unwrap_or(2),
            expected: get(p, "expected")
                .map(|e| e.parse().map_err(|_| format!("expected“{e}”不是整数")))
                .transpose()?,
        },
        "frequency" => RuleKindSpec::Frequency {
            expected: get(p, "expected")
                .and_then(|e| e.parse().ok())
                .ok_or("缺少expected")?,
            amount: dec(p, "amount")?,
        },
        "deadline" => RuleKindSpec::Deadline {
            penalty: get(p, "amount").map(|_| dec(p, "amount")).transpose()?,
        },
        other => return Err(format!("未知的规则类型“{other}”")),
    })
}

/// An item's rules, and whether its score is inherited from a group.
pub fn parse_rule_lines(text: &str) -> Result<(Vec<RuleSpec>, bool), LineError> {
    let mut rules = Vec::new();
    let mut inherit = false;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let err = |reason: String| (line.to_string(), reason);
        let parts: Vec<&str> = line.splitn(5, '｜').collect();
        let [code, kind_name, p, who, rule_text] = parts[..] else {
            return Err(err("应为 编号｜类型｜参数｜对象｜原文 五段".into()));
        };
        let applies_to = match who {
            "group" => Some(AppliesTo::Group),
            "unit" => Some(AppliesTo::Unit),
            "any" => Some(AppliesTo::Any),
            "inherit" => {
                inherit = true;
                None
            }
            _ => None,
        };
        rules.push(RuleSpec {
            code: Some(code.to_string()).filter(|c| !c.is_empty()),
            text: rule_text.to_string(),
            kind: kind(kind_name, &params(p)).map_err(err)?,
            applies_to,
            feed: None,
        });
    }
    Ok((rules, inherit))
}

/// Applies the 考评设置 sheet (`key`, `value` rows) to an imported rubric.
pub fn apply_settings(spec: &mut RubricSpec, rows: &[Vec<String>]) -> Result<(), LineError> {
    let mut bonus_rules = Vec::new();
    for row in rows.iter().skip(1) {
        let (Some(key), Some(value)) = (row.first(), row.get(1)) else {
            continue;
        };
        let err = |reason: &str| (format!("{key} {value}"), reason.to_string());
        let number = |v: &str| Decimal::from_str(v.trim()).map_err(|_| err("不是数字"));
        let parts: Vec<&str> = value.split('｜').collect();
        match key.trim() {
            "title" => spec.title.clone_from(value),
            "issuer" => spec.issuer = Some(value.clone()),
            "issued" => spec.issued = Some(value.clone()),
            "total" => spec.total = number(value)?,
            "pass_mark" => spec.pass_mark = Some(number(value)?),
            "decimals" => {
                spec.total_decimals = Some(value.trim().parse().map_err(|_| err("不是整数"))?)
            }
            "round" => match parts[..] {
                [name, code, weight] => spec.rounds.push(RoundSpec {
                    code: Some(code.to_string()),
                    name: name.to_string(),
                    weight: number(weight)?,
                }),
                _ => return Err(err("应为 名称｜编号｜权重")),
            },
            "grade" => match parts[..] {
                [name, min] => spec.grades.push(GradeSpec {
                    name: name.to_string(),
                    min: number(min)?,
                }),
                _ => return Err(err("应为 名称｜下限")),
            },
            "bonus_cap" => spec.bonus.cap = Some(number(value)?),
            "bonus_threshold" => spec.bonus.threshold = Some(number(value)?),
            "bonus_matter_scope" => {
                spec.bonus.matter_scope = match value.trim() {
                    "rule" => MatterScope::PerRule,
                    _ => MatterScope::AllRules,
                }
            }
            "bonus_matter_required" => spec.bonus.matter_optional = value.trim() == "false",
            "bonus" => match parts[..] {
                [code, combine, p, title, text] => {
                    let p = params(p);
                    bonus_rules.push(BonusRuleSpec {
                        code: Some(code.to_string()),
                        title: title.to_string(),
                        text: text.to_string(),
                        combine: if combine == "sum" {
                            BonusCombine::Sum
                        } else {
                            BonusCombine::HighestPerMatter
                        },
                        levels: get(&p, "levels")
                            .map(levels)
                            .transpose()
                            .map_err(|e| err(&e))?
                            .unwrap_or_default(),
                        amount: get(&p, "amount").map(number).transpose()?,
                    });
                }
                _ => return Err(err("应为 编号｜方式｜参数｜名称｜原文")),
            },
            "veto" => match parts[..] {
                [code, effect, title, text] => spec.vetoes.push(VetoSpec {
                    code: Some(code.to_string()),
                    title: title.to_string(),
                    text: text.to_string(),
                    effect: match effect.strip_prefix("max_grade=") {
                        Some(g) => VetoEffectSpec::MaxGrade(g.to_string()),
                        None => VetoEffectSpec::Fail,
                    },
                }),
                _ => return Err(err("应为 编号｜效果｜名称｜原文")),
            },
            _ => {}
        }
    }
    if !bonus_rules.is_empty() {
        spec.bonus.rules = bonus_rules;
    }
    Ok(())
}
