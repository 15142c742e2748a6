//! A ballot campaign's rules (民主评议, 述职评议) as written, and their validation: every problem at once,
//! each with the path of its field, nothing built on failure.

use rust_decimal::Decimal;

use crate::limits::{decimals, MAX_DECIMALS, MAX_POINTS};

/// Candidates one campaign may list.
pub const MAX_CANDIDATES: usize = 1_000;
/// Rater classes one campaign may have.
pub const MAX_CLASSES: usize = 20;
/// Voters of all classes together (codes issued at once).
pub const MAX_VOTERS: u32 = 10_000;
/// Characters of a title, a class name or a grade name.
pub const MAX_NAME_CHARS: usize = 100;
/// Grades on a graded scale.
pub const MAX_GRADES: usize = 10;

/// A campaign as a form or the API gives it: plain data, unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignSpec {
    pub title: String,
    /// The candidates' unit codes, in the order the ballot lists them.
    pub candidates: Vec<String>,
    pub classes: Vec<ClassSpec>,
    pub scale: Scale,
    /// At most this share (0–1) of the candidates may get the highest grade on one ballot.
    pub max_excellent_share: Option<Decimal>,
    /// Drop each class's highest and lowest rating of a candidate when it has at least this many (0: never).
    pub trim: u32,
    /// The share (0–1) of issued codes that must have voted before the campaign can close.
    pub quorum: Decimal,
}

/// A rater class (班子成员, 中层干部, 职工代表): its weight in the raw score and how many vote in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSpec {
    pub name: String,
    pub weight: Decimal,
    pub voters: u32,
}

/// What a rater gives each candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scale {
    /// A score between `min` and `max` (百分制: 0–100).
    Score { min: Decimal, max: Decimal },
    /// A grade by name, worth its value (优秀 100 / 称职 80 / 基本称职 60 / 不称职 0).
    Grades(Vec<Grade>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    pub name: String,
    pub value: Decimal,
}

impl Scale {
    /// The usual four grades of a 民主评议.
    pub fn standard_grades() -> Scale {
        let grade = |name: &str, value: i64| Grade {
            name: name.into(),
            value: Decimal::from(value),
        };
        Scale::Grades(vec![
            grade("优秀", 100),
            grade("称职", 80),
            grade("基本称职", 60),
            grade("不称职", 0),
        ])
    }

    /// The lowest and highest value a rating can have.
    pub fn range(&self) -> (Decimal, Decimal) {
        match self {
            Scale::Score { min, max } => (*min, *max),
            Scale::Grades(grades) => {
                let values = grades.iter().map(|g| g.value);
                (
                    values.clone().min().unwrap_or_default(),
                    values.max().unwrap_or_default(),
                )
            }
        }
    }
}

/// One thing wrong with a campaign, at a field path (`classes[1].weight`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignProblem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for CampaignProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.path, self.message)
    }
}

/// A campaign whose rules hold together: only [`Campaign::new`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub(super) spec: CampaignSpec,
    /// The highest grade's name on a graded scale (what "优秀" means for the share limit).
    pub(super) top_grade: Option<String>,
}

fn problem(
    problems: &mut Vec<CampaignProblem>,
    path: impl Into<String>,
    message: impl Into<String>,
) {
    problems.push(CampaignProblem {
        path: path.into(),
        message: message.into(),
    });
}

/// A name that must be given and not too long.
fn check_name(problems: &mut Vec<CampaignProblem>, path: &str, what: &str, name: &str) {
    if name.trim().is_empty() {
        problem(problems, path, format!("请填写{what}"));
    } else if name.chars().count() > MAX_NAME_CHARS {
        problem(problems, path, format!("{what}最长{MAX_NAME_CHARS}个字"));
    }
}

/// A number of points: within ±10,000 with at most 4 decimals.
fn check_points(problems: &mut Vec<CampaignProblem>, path: &str, value: Decimal) -> bool {
    if value.abs() > MAX_POINTS || decimals(value) > MAX_DECIMALS {
        problem(
            problems,
            path,
            format!("须在0～{MAX_POINTS}之间，最多{MAX_DECIMALS}位小数"),
        );
        return false;
    }
    if value.is_sign_negative() && !value.is_zero() {
        problem(problems, path, "不能为负数");
        return false;
    }
    true
}

/// A share between 0 (exclusive) and 1 (inclusive).
fn check_share(problems: &mut Vec<CampaignProblem>, path: &str, value: Decimal) {
    if value <= Decimal::ZERO || value > Decimal::ONE || decimals(value) > MAX_DECIMALS {
        problem(
            problems,
            path,
            "须是大于0、不超过1的小数（如0.67表示三分之二），最多4位小数",
        );
    }
}

impl Campaign {
    /// Checks every rule of the campaign; on failure, every problem with its field path.
    ///
    /// # Errors
    /// The problems found, in field order.
    pub fn new(mut spec: CampaignSpec) -> Result<Campaign, Vec<CampaignProblem>> {
        let mut problems = Vec::new();
        spec.title = spec.title.trim().to_string();
        check_name(&mut problems, "title", "标题", &spec.title);

        for c in &mut spec.candidates {
            *c = c.trim().to_string();
        }
        if spec.candidates.is_empty() {
            problem(&mut problems, "candidates", "至少要有一名候选人");
        } else if spec.candidates.len() > MAX_CANDIDATES {
            problem(
                &mut problems,
                "candidates",
                format!("候选人最多{MAX_CANDIDATES}名"),
            );
        }
        for (i, code) in spec.candidates.iter().enumerate() {
            if code.is_empty() {
                problem(&mut problems, format!("candidates[{i}]"), "候选人编号为空");
            } else if spec.candidates[..i].contains(code) {
                problem(
                    &mut problems,
                    format!("candidates[{i}]"),
                    format!("候选人“{code}”重复"),
                );
            }
        }

        if spec.classes.is_empty() {
            problem(&mut problems, "classes", "至少要有一个评议人类别");
        } else if spec.classes.len() > MAX_CLASSES {
            problem(
                &mut problems,
                "classes",
                format!("评议人类别最多{MAX_CLASSES}个"),
            );
        }
        let mut weights = Decimal::ZERO;
        let mut voters: u64 = 0;
        for (i, class) in spec.classes.iter_mut().enumerate() {
            class.name = class.name.trim().to_string();
            let path = format!("classes[{i}]");
            check_name(
                &mut problems,
                &format!("{path}.name"),
                "类别名称",
                &class.name,
            );
            if class.weight <= Decimal::ZERO
                || class.weight > Decimal::ONE
                || decimals(class.weight) > MAX_DECIMALS
            {
                problem(
                    &mut problems,
                    format!("{path}.weight"),
                    "权重须大于0、不超过1（如0.3表示30%），最多4位小数",
                );
            } else {
                weights += class.weight;
            }
            if class.voters == 0 {
                problem(&mut problems, format!("{path}.voters"), "人数至少为1");
            }
            voters += u64::from(class.voters);
        }
        for (i, class) in spec.classes.iter().enumerate() {
            if !class.name.is_empty() && spec.classes[..i].iter().any(|c| c.name == class.name) {
                problem(
                    &mut problems,
                    format!("classes[{i}].name"),
                    format!("类别“{}”重复", class.name),
                );
            }
        }
        let weights_valid = spec
            .classes
            .iter()
            .all(|c| c.weight > Decimal::ZERO && c.weight <= Decimal::ONE);
        if !spec.classes.is_empty() && weights_valid && weights != Decimal::ONE {
            problem(
                &mut problems,
                "classes",
                format!("各类别权重之和须为1，现为{}", weights.normalize()),
            );
        }
        if voters > u64::from(MAX_VOTERS) {
            problem(
                &mut problems,
                "classes",
                format!("评议人合计最多{MAX_VOTERS}人，现为{voters}人"),
            );
        }

        let mut top_grade = None;
        match &mut spec.scale {
            Scale::Score { min, max } => {
                let ok = check_points(&mut problems, "scale.min", *min)
                    & check_points(&mut problems, "scale.max", *max);
                if ok && min >= max {
                    problem(&mut problems, "scale", "最低分须小于最高分");
                }
                if spec.max_excellent_share.is_some() {
                    problem(
                        &mut problems,
                        "max_excellent_share",
                        "优秀比例限制只用于等次评议（按分数评议时不设）",
                    );
                }
            }
            Scale::Grades(grades) => {
                if grades.len() < 2 {
                    problem(&mut problems, "scale.grades", "至少要有两个等次");
                } else if grades.len() > MAX_GRADES {
                    problem(
                        &mut problems,
                        "scale.grades",
                        format!("等次最多{MAX_GRADES}个"),
                    );
                }
                for (i, grade) in grades.iter_mut().enumerate() {
                    grade.name = grade.name.trim().to_string();
                    check_name(
                        &mut problems,
                        &format!("scale.grades[{i}].name"),
                        "等次名称",
                        &grade.name,
                    );
                    check_points(
                        &mut problems,
                        &format!("scale.grades[{i}].value"),
                        grade.value,
                    );
                }
                for (i, grade) in grades.iter().enumerate() {
                    if !grade.name.is_empty() && grades[..i].iter().any(|g| g.name == grade.name) {
                        problem(
                            &mut problems,
                            format!("scale.grades[{i}].name"),
                            format!("等次“{}”重复", grade.name),
                        );
                    }
                }
                let top = grades.iter().map(|g| g.value).max().unwrap_or_default();
                let tops: Vec<&Grade> = grades.iter().filter(|g| g.value == top).collect();
                if tops.len() > 1 && spec.max_excellent_share.is_some() {
                    problem(
                        &mut problems,
                        "scale.grades",
                        "最高分值的等次只能有一个（优秀比例按它计算）",
                    );
                }
                top_grade = tops.first().map(|g| g.name.clone());
            }
        }
        if let Some(share) = spec.max_excellent_share {
            check_share(&mut problems, "max_excellent_share", share);
        }
        if spec.trim == 1 || spec.trim == 2 {
            problem(
                &mut problems,
                "trim",
                "去掉最高、最低分至少要有3个评分（填0表示不去掉）",
            );
        } else if spec.trim > MAX_VOTERS {
            problem(&mut problems, "trim", format!("不能超过{MAX_VOTERS}"));
        }
        check_share(&mut problems, "quorum", spec.quorum);

        if problems.is_empty() {
            Ok(Campaign { spec, top_grade })
        } else {
            Err(problems)
        }
    }

    pub fn spec(&self) -> &CampaignSpec {
        &self.spec
    }

    pub fn title(&self) -> &str {
        &self.spec.title
    }

    pub fn candidates(&self) -> &[String] {
        &self.spec.candidates
    }

    pub fn classes(&self) -> &[ClassSpec] {
        &self.spec.classes
    }

    pub fn scale(&self) -> &Scale {
        &self.spec.scale
    }

    /// The name of the grade the excellent-share limit counts, on a graded scale.
    pub fn top_grade(&self) -> Option<&str> {
        self.top_grade.as_deref()
    }

    /// The most candidates one ballot may rate with the top grade, when limited: the share of the
    /// candidates, rounded down (at least one when there is a limit, so a share never forbids 优秀
    /// outright).
    pub fn max_excellent(&self) -> Option<usize> {
        let share = self.spec.max_excellent_share?;
        let n = Decimal::from(self.spec.candidates.len()) * share;
        let allowed = n.floor().try_into().unwrap_or(usize::MAX);
        Some(allowed.max(1))
    }

    /// Issued codes in all classes.
    pub fn voters(&self) -> u32 {
        self.spec.classes.iter().map(|c| c.voters).sum()
    }

    /// The position of a class by name.
    pub fn class_index(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        self.spec.classes.iter().position(|c| c.name == name)
    }
}
