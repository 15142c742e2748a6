//! Scheme C (方案C): the family-planning bureau (计生局) assesses each of its ten staff. Everyone belongs to a
//! 科室 (办公室, 政策法规科, 统计科) and some to an investigation team (调查一组, 调查二组): the org tree holds
//! these groups, and a finding on a group (a 科室's late report, a team's missed problem, a 科室's hygiene
//! score) counts for each member, as `kaoping score --units` counts it.
//!
//! 2023 holds the year's findings except the 民主评议 (rule 8.1): that item is filled by the staff's
//! year-end ballot, so the period stays open (not reviewed, not published) until it is.

use kaoping_store::{Role, Store};

use super::{Demo, DemoAccount, File, Year, YearState};
use crate::error::AppError;

/// The name of the period whose 民主评议 (rule [`BALLOT_RULE`]) the staff's ballot fills.
pub(crate) const BALLOT_PERIOD: &str = "2023年度岗位目标责任制考核";
/// The year of [`BALLOT_PERIOD`].
pub(crate) const BALLOT_YEAR: i32 = 2023;
/// 民主评议: each member of staff's year-end score (0–100), converted to the item's 5 points.
pub(crate) const BALLOT_RULE: &str = "8.1";

/// The id of [`BALLOT_PERIOD`] in a database filled with this demo; `None` in any other database.
pub(crate) async fn ballot_period(store: &Store) -> Result<Option<i64>, AppError> {
    if super::seeded_scheme(store).await? != Some(super::DemoScheme::Jishengju) {
        return Ok(None);
    }
    Ok(store
        .periods()
        .await?
        .into_iter()
        .find(|p| p.name == BALLOT_PERIOD && p.year == BALLOT_YEAR)
        .map(|p| p.id))
}

/// The title of the demo's open ballot campaign.
pub(crate) const BALLOT_TITLE: &str = "2023年度民主评议";

/// The year-end 民主评议 of the staff, as the office sets it up: every member of staff a candidate, the
/// bureau's leaders and the staff voting as two weighted classes, graded, at most 30% 优秀 a ballot,
/// two thirds to vote. Its codes are not issued: the administrator issues them and prints the slips,
/// which are shown once.
pub(crate) async fn open_ballot(store: &Store) -> Result<(), AppError> {
    let Some(period) = ballot_period(store).await? else {
        return Ok(());
    };
    let admin = store
        .user_by_username("admin")
        .await?
        .ok_or_else(|| AppError::Internal("演示数据缺少管理员".into()))?;
    let actor = crate::Actor {
        user: admin,
        department: None,
    };
    let grade = |name: &str, value: &str| crate::GradeInput {
        name: name.into(),
        value: crate::Num::Text(value.into()),
    };
    let input = crate::CampaignInput {
        title: BALLOT_TITLE.into(),
        code: BALLOT_RULE.into(),
        round: String::new(),
        candidates: Vec::new(),
        classes: vec![
            crate::ClassInput {
                name: "局领导".into(),
                weight: crate::Num::Text("0.3".into()),
                voters: 3,
            },
            crate::ClassInput {
                name: "工作人员".into(),
                weight: crate::Num::Text("0.7".into()),
                voters: 10,
            },
        ],
        scale: crate::ScaleInput::Grades {
            grades: vec![
                grade("优秀", "100"),
                grade("称职", "80"),
                grade("基本称职", "60"),
                grade("不称职", "0"),
            ],
        },
        max_excellent_share: Some(crate::Num::Text("0.3".into())),
        trim: 0,
        quorum: crate::Num::Text("0.67".into()),
    };
    crate::App::new(store.clone())
        .create_campaign(&actor, period, input)
        .await?;
    Ok(())
}

const ACCOUNTS: &[DemoAccount] = &[
    ("admin", "计生局办公室管理员", Role::Admin, ""),
    ("bangong", "办公室考核员", Role::Assessor, "BGS"),
    ("fagui", "政策法规科考核员", Role::Assessor, "ZCFGK"),
    ("jijian", "纪检组考核员", Role::Assessor, "JJZ"),
    ("dangzu", "局党组考核员", Role::Assessor, "JDZ"),
    ("j01", "王建国（办公室）", Role::Leader, "J01"),
    ("lingdao", "局领导", Role::Viewer, ""),
];

pub(super) const DEMO: Demo = Demo {
    title: "方案C：计生局考核10名工作人员，按科室和调查组计分（2023年度待民主评议，进行中）",
    rubric_name: "计生局岗位目标责任制考核方案",
    rubric: File {
        name: "jishengju-2023.toml",
        text: include_str!("../../../../rubrics/jishengju-2023.toml"),
    },
    units: File {
        name: "jishengju-units.csv",
        text: include_str!("../../../../examples/jishengju-units.csv"),
    },
    findings: File {
        name: "jishengju-findings.csv",
        text: include_str!("../../../../examples/jishengju-findings.csv"),
    },
    organisation: ("JSJ", "计生局"),
    // The departments the rubric's items name as their owners.
    departments: &[
        ("BGS", "办公室"),
        ("ZCFGK", "政策法规科"),
        ("JJZ", "纪检组"),
        ("JDZ", "局党组"),
    ],
    accounts: ACCOUNTS,
    years: &[Year {
        name: BALLOT_PERIOD,
        year: BALLOT_YEAR,
        state: YearState::InProgress {
            without: &[BALLOT_RULE],
        },
    }],
};
