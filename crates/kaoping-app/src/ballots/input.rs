//! A campaign as the API and the form give it, and as it is stored: numbers as text or JSON numbers,
//! checked against the core with every problem named at its field; paper slips typed one per line.

use kaoping_core::ballot::{Campaign, CampaignProblem, CampaignSpec, ClassSpec, Grade, Scale};
use kaoping_core::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A number as JSON gives it: `"0.3"` or `0.3`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Num {
    Text(String),
    Number(serde_json::Number),
}

impl Num {
    fn text(&self) -> String {
        match self {
            Num::Text(t) => t.trim().to_string(),
            Num::Number(n) => n.to_string(),
        }
    }

    fn decimal(&self, problems: &mut Vec<CampaignProblem>, path: &str) -> Option<Decimal> {
        let text = self.text();
        match text.parse::<Decimal>() {
            Ok(d) => Some(d.normalize()),
            Err(_) => {
                problems.push(CampaignProblem {
                    path: path.into(),
                    message: format!("“{text}”不是数字"),
                });
                None
            }
        }
    }
}

impl From<Decimal> for Num {
    fn from(d: Decimal) -> Num {
        Num::Text(d.normalize().to_string())
    }
}

/// A campaign as the API or the form gives it, and as it is stored (`settings`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    pub title: String,
    /// The conversion rule its raw scores go to (`8.1`).
    pub code: String,
    #[serde(default)]
    pub round: String,
    /// Unit codes; empty means every unit of the period.
    #[serde(default)]
    pub candidates: Vec<String>,
    pub classes: Vec<ClassInput>,
    pub scale: ScaleInput,
    #[serde(default)]
    pub max_excellent_share: Option<Num>,
    #[serde(default)]
    pub trim: u32,
    pub quorum: Num,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClassInput {
    pub name: String,
    pub weight: Num,
    pub voters: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ScaleInput {
    Grades { grades: Vec<GradeInput> },
    Score { min: Num, max: Num },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GradeInput {
    pub name: String,
    pub value: Num,
}

impl CampaignInput {
    /// The core's spec, and every number that is not one, named at its field (the spec then holds a
    /// stand-in, so the core can still find every other problem).
    fn spec(&self) -> (CampaignSpec, Vec<CampaignProblem>) {
        let mut problems = Vec::new();
        let classes = self
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| ClassSpec {
                name: c.name.clone(),
                weight: c
                    .weight
                    .decimal(&mut problems, &format!("classes[{i}].weight"))
                    .unwrap_or(Decimal::ONE),
                voters: c.voters,
            })
            .collect();
        let scale = match &self.scale {
            ScaleInput::Score { min, max } => Scale::Score {
                min: min.decimal(&mut problems, "scale.min").unwrap_or_default(),
                max: max
                    .decimal(&mut problems, "scale.max")
                    .unwrap_or(Decimal::ONE_HUNDRED),
            },
            ScaleInput::Grades { grades } => Scale::Grades(
                grades
                    .iter()
                    .enumerate()
                    .map(|(i, g)| Grade {
                        name: g.name.clone(),
                        value: g
                            .value
                            .decimal(&mut problems, &format!("scale.grades[{i}].value"))
                            .unwrap_or_default(),
                    })
                    .collect(),
            ),
        };
        let max_excellent_share = self
            .max_excellent_share
            .as_ref()
            .and_then(|n| n.decimal(&mut problems, "max_excellent_share"));
        let quorum = self
            .quorum
            .decimal(&mut problems, "quorum")
            .unwrap_or(Decimal::ONE);
        let spec = CampaignSpec {
            title: self.title.clone(),
            candidates: self.candidates.clone(),
            classes,
            scale,
            max_excellent_share,
            trim: self.trim,
            quorum,
        };
        (spec, problems)
    }

    /// The campaign its rules make, or every problem with them at once.
    pub(super) fn campaign(&self) -> Result<Campaign, Vec<CampaignProblem>> {
        let (spec, mut problems) = self.spec();
        match Campaign::new(spec) {
            Ok(c) if problems.is_empty() => Ok(c),
            Ok(_) => Err(problems),
            Err(core) => {
                // A weight that is not a number stood in as 1: the sum the core then finds is not news.
                let bad_weight = problems.iter().any(|p| p.path.ends_with(".weight"));
                problems.extend(core.into_iter().filter(|p| {
                    !(bad_weight && p.path == "classes" && p.message.contains("权重之和"))
                }));
                problems.sort_by_key(|p| field_order(&p.path));
                Err(problems)
            }
        }
    }
}

/// Problems in the order of the fields of a campaign.
fn field_order(path: &str) -> usize {
    const FIELDS: [&str; 8] = [
        "title",
        "candidates",
        "classes",
        "scale",
        "max_excellent_share",
        "trim",
        "quorum",
        "",
    ];
    FIELDS
        .iter()
        .position(|f| path.starts_with(f))
        .unwrap_or(FIELDS.len())
}

/// Problems as one message, a line each (`classes[1].weight：…`).
pub(super) fn problems_message(problems: &[CampaignProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One paper slip as entered: its class and the ratings in candidate order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperSlip {
    pub class: String,
    pub ratings: Vec<String>,
}

/// Paper slips typed one per line: the class, then each candidate's rating in order, separated by tabs
/// (pasted from Excel) or commas; an empty field is a candidate left blank.
///
/// # Errors
/// Every line with the wrong number of fields, by line number.
pub fn paper_slips_from_text(text: &str, candidates: usize) -> Result<Vec<PaperSlip>, AppError> {
    let mut slips = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = if line.contains('\t') {
            line.split('\t').collect()
        } else {
            line.split([',', '，']).collect()
        };
        if fields.len() != candidates + 1 {
            errors.push(format!(
                "第{}行：应有{}栏（类别和{}名候选人的评价），实有{}栏",
                i + 1,
                candidates + 1,
                candidates,
                fields.len()
            ));
            continue;
        }
        slips.push(PaperSlip {
            class: fields[0].trim().to_string(),
            ratings: fields[1..].iter().map(|f| f.trim().to_string()).collect(),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors.join("\n")));
    }
    if slips.is_empty() {
        return Err(AppError::Invalid("没有录入任何纸质票".into()));
    }
    Ok(slips)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_slips_are_read_a_line_each_and_every_bad_line_named() {
        let slips = paper_slips_from_text("职工\t优秀\t称职\n\n班子成员,称职,\n", 2).unwrap();
        assert_eq!(slips.len(), 2);
        assert_eq!(slips[1].ratings, ["称职", ""]);
        let err = paper_slips_from_text("职工,优秀\n职工,优秀,称职,称职\n", 2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "第1行：应有3栏（类别和2名候选人的评价），实有2栏\n第2行：应有3栏（类别和2名候选人的评价），实有4栏"
        );
    }
}
