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
