//! The year's records (记录本) as the rubric counts them: a rule may say that its findings come from a
//! unit's activity records (支委会 monthly, 党员大会 quarterly, 党费 by the 5th of the month after each
//! quarter) or from the attendance machine and the exams. This module holds those links as the rubric
//! states them ([`Feed`]) and the pure arithmetic: which months or quarters of a year a unit's records
//! leave empty, as of a day it is handed (the core reads no clock).
//!
//! A record kind is a name the rubric gives (支委会, 党课 …); records are matched to it by that name.

mod schedule;

pub use schedule::{missed, tally, Gap, Schedule, Slot, MAX_DUE_DAY, MAX_TIMES};

/// A record kind's name: non-empty, at most [`KIND_CHARS`] characters, no line breaks.
pub const KIND_CHARS: usize = 20;

/// Where a rule's findings come from when nobody types them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// Counted from activity records: every link's missed months or quarters add up.
    Records(Vec<RecordLink>),
    /// A figure of the attendance or exam imports.
    Measure(Measure),
}

impl Feed {
    /// The same feed with its kind names trimmed, as a validated rubric keeps them.
    pub fn trimmed(&self) -> Feed {
        match self {
            Feed::Records(links) => Feed::Records(
                links
                    .iter()
                    .map(|l| RecordLink {
                        kind: l.kind.trim().to_string(),
                        schedule: l.schedule,
                    })
                    .collect(),
            ),
            Feed::Measure(m) => Feed::Measure(*m),
        }
    }
}

/// One record kind and how often the rubric wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLink {
    pub kind: String,
    pub schedule: Schedule,
}

impl RecordLink {
    /// `支委会（每月至少1次）`: what [`parse_links`] reads back.
    pub fn describe(&self) -> String {
        format!("{}（{}）", self.kind, self.schedule.describe())
    }
}

/// Record links as a form writes them, separated by `；` or `;`: `支委会（每月至少1次）；党费（每季次月5日前）`.
/// A schedule reads `每月…N次`, `每季度…N次`, `每年N次` (N defaults to 1) or `每季次月N日前`.
pub fn parse_links(text: &str) -> Result<Vec<RecordLink>, String> {
    text.split(['；', ';'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let bad = || {
                format!("“{part}”应写成“记录类型（每月至少1次）”，频次可为每月、每季度、每年N次或每季次月N日前")
            };
            let (kind, rest) = part.split_once(['（', '(']).ok_or_else(bad)?;
            let schedule = rest.trim_end_matches(['）', ')']).trim();
            let digits: String = schedule.chars().filter(char::is_ascii_digit).collect();
            let n: Option<u32> = if digits.is_empty() { None } else { digits.parse().ok() };
            let schedule = if schedule.starts_with("每季次月") && schedule.ends_with("日前") {
                Schedule::QuarterlyBy {
                    day: n.and_then(|d| u8::try_from(d).ok()).ok_or_else(bad)?,
                }
            } else if schedule.starts_with("每月") {
                Schedule::Monthly { times: n.unwrap_or(1) }
            } else if schedule.starts_with("每季") {
                Schedule::Quarterly { times: n.unwrap_or(1) }
            } else if schedule.starts_with("每年") {
                Schedule::Yearly { times: n.unwrap_or(1) }
            } else {
                return Err(bad());
            };
            check_kind_name(kind)?;
            Ok(RecordLink {
                kind: kind.trim().to_string(),
                schedule,
            })
        })
        .collect()
}

/// What the attendance machine's export and the exam sheets give a rule (scheme C's 4.1–4.4 and 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// 出勤率: days present ÷ days due over the imported months, in percent (a `rate` rule).
    AttendanceRate,
    /// 迟到 count (a counting rule).
    Late,
    /// 早退 count.
    EarlyLeave,
    /// 旷工 count.
    Absence,
    /// A quarter's exam score (a `conversion` rule: each quarter one raw score).
    ExamScore,
}

impl Measure {
    pub const ALL: [Measure; 5] = [
        Measure::AttendanceRate,
        Measure::Late,
        Measure::EarlyLeave,
        Measure::Absence,
        Measure::ExamScore,
    ];

    /// The name in rubric files.
    pub fn name(self) -> &'static str {
        match self {
            Measure::AttendanceRate => "attendance_rate",
            Measure::Late => "late",
            Measure::EarlyLeave => "early_leave",
            Measure::Absence => "absence",
            Measure::ExamScore => "exam_score",
        }
    }

    /// The name users read.
    pub fn label(self) -> &'static str {
        match self {
            Measure::AttendanceRate => "出勤率",
            Measure::Late => "迟到次数",
            Measure::EarlyLeave => "早退次数",
            Measure::Absence => "旷工次数",
            Measure::ExamScore => "考试成绩",
        }
    }

    /// By its file name or its Chinese label.
    pub fn from_name(name: &str) -> Option<Measure> {
        let name = name.trim();
        Measure::ALL
            .into_iter()
            .find(|m| m.name() == name || m.label() == name)
    }
}

/// Whether `name` is a usable record kind name; the message says why not.
pub fn check_kind_name(name: &str) -> Result<(), String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("记录类型不能为空".into());
    }
    if trimmed.chars().count() > KIND_CHARS {
        return Err(format!("记录类型“{trimmed}”超过{KIND_CHARS}个字"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(format!("记录类型“{trimmed}”含有换行或控制字符"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_read_back_what_they_describe() {
        let links = vec![
            RecordLink {
                kind: "支委会".into(),
                schedule: Schedule::Monthly { times: 1 },
            },
            RecordLink {
                kind: "党员大会".into(),
                schedule: Schedule::Quarterly { times: 2 },
            },
            RecordLink {
                kind: "民主生活会".into(),
                schedule: Schedule::Yearly { times: 2 },
            },
            RecordLink {
                kind: "党费".into(),
                schedule: Schedule::QuarterlyBy { day: 5 },
            },
        ];
        let text: Vec<String> = links.iter().map(RecordLink::describe).collect();
        assert_eq!(parse_links(&text.join("；")).unwrap(), links);
        assert!(parse_links("").unwrap().is_empty());
        assert_eq!(
            parse_links("支委会每月").unwrap_err(),
            "“支委会每月”应写成“记录类型（每月至少1次）”，频次可为每月、每季度、每年N次或每季次月N日前"
        );
        assert!(parse_links("（每月）").is_err());
    }
}
