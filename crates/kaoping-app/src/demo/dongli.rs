//! Scheme A (方案A): the power plant's Party committee (动力厂党委) assesses its 18 Party branches by the
//! departments that own the rubric's items. 2023 is recorded, reviewed and published; 2024 is open to try
//! recording in.
//!
//! Many tests rely on this demo as it is (period 1 published, period 2 open, these accounts): change it
//! only with them.

use kaoping_store::Role;

use super::{Demo, DemoAccount, File, Year, YearState};

const ACCOUNTS: &[DemoAccount] = &[
    ("admin", "党委工作部管理员", Role::Admin, ""),
    ("anquan", "安全科考核员", Role::Assessor, "AQK"),
    ("dangong", "党工部考核员", Role::Assessor, "DGB"),
    ("jiwei", "纪委考核员", Role::Assessor, "JW"),
    ("gonghui", "工会考核员", Role::Assessor, "GH"),
    ("d01", "供电车间党支部书记", Role::Leader, "D01"),
    ("lingdao", "厂领导", Role::Viewer, ""),
];

/// The factory's departments that own scheme A's items; scheme B's rubric names the same ones.
pub(super) const DEPARTMENTS: &[(&str, &str)] = &[
    ("DGB", "党工部"),
    ("JW", "纪委"),
    ("AQK", "安全科"),
    ("JSB", "计生办"),
    ("GH", "工会"),
    ("TW", "团委"),
    ("QGK", "企管科"),
];

pub(super) const DEMO: Demo = Demo {
    title: "方案A：动力厂党委考评18个党支部（2023年度已发布，2024年度进行中）",
    rubric_name: "动力厂党建考评细则",
    rubric: File {
        name: "dongli-2023.toml",
        text: include_str!("../../../../rubrics/dongli-2023.toml"),
    },
    units: File {
        name: "dongli-units.csv",
        text: include_str!("../../../../examples/dongli-units.csv"),
    },
    findings: File {
        name: "dongli-findings.csv",
        text: include_str!("../../../../examples/dongli-findings.csv"),
    },
    organisation: ("DLC", "动力厂"),
    departments: DEPARTMENTS,
    accounts: ACCOUNTS,
    years: &[
        Year {
            name: "2023年度党建工作考评",
            year: 2023,
            state: YearState::Published,
        },
        Year {
            name: "2024年度党建工作考评",
            year: 2024,
            state: YearState::Empty,
        },
    ],
};

/// A year of 记录本 for the open 2024 period, kept by the administrator for every branch but D01 (whose
/// secretary, `d01`, is left to try it): every 支委会, 党小组会, 党课 … on time, with a few gaps that the
/// sheets, the warnings and the confirmation then show. `kaoping serve --demo` adds it; tests seed the
/// demo without it.
pub async fn seed_records(store: &kaoping_store::Store) -> Result<(), crate::AppError> {
    use kaoping_core::date::Date;
    use kaoping_core::records::Schedule;
    use kaoping_store::{NewRecord, RecordAction};

    use crate::audit::AuditAction;

    let Some(period) = store.periods().await?.into_iter().find(|p| p.year == 2024) else {
        return Ok(());
    };
    let version = store.rubric(period.rubric_id).await?;
    let rubric = kaoping_formats::parse_rubric("rubric.toml", &version.toml)
        .map_err(|e| crate::AppError::Internal(e.to_string()))?;
    let admin = store
        .users()
        .await?
        .into_iter()
        .find(|u| u.username == "admin")
        .ok_or_else(|| crate::AppError::Internal("演示管理员不存在".into()))?;
    // (unit, kind, the month or quarter skipped; a quarter's 党费 paid after its deadline).
    const GAPS: &[(&str, &str, u8)] = &[
        ("D03", "支委会", 5),
        ("D05", "党员大会", 3),
        ("D05", "黑板报", 8),
        ("D07", "党费", 2),
        ("D11", "干部政治学习", 10),
        ("D11", "干部政治学习", 11),
        ("D14", "新闻稿", 4),
    ];
    let day = |m: u8, d: u8| Date::new(2024, m, d).expect("a day of 2024");
    let mut records = Vec::new();
    for (n, unit) in store
        .org_units()
        .await?
        .into_iter()
        .filter(|u| u.kind == kaoping_store::OrgKind::Unit && u.code != "D01")
        .enumerate()
    {
        let offset = (n % 9) as u8;
        let mut kinds: Vec<(String, Schedule)> = Vec::new();
        for rule in rubric.rules() {
            if let Some(kaoping_core::records::Feed::Records(links)) = &rule.feed {
                for l in links {
                    if !kinds.iter().any(|(k, _)| *k == l.kind) {
                        kinds.push((l.kind.clone(), l.schedule));
                    }
                }
            }
        }
        for (kind, schedule) in kinds {
            let skipped = |slot: u8| GAPS.contains(&(unit.code.as_str(), kind.as_str(), slot));
            let dates: Vec<Date> = match schedule {
                Schedule::Monthly { .. } => (1..=12)
                    .filter(|m| !skipped(*m))
                    .map(|m| day(m, 5 + offset))
                    .collect(),
                Schedule::Quarterly { .. } | Schedule::Yearly { .. } => (1..=4)
                    .filter(|q| !skipped(*q))
                    .map(|q| day(3 * q, 18 + offset))
                    .collect(),
                Schedule::QuarterlyBy { .. } => (1..=3)
                    .map(|q| {
                        if skipped(q) {
                            day(3 * q + 1, 9)
                        } else {
                            day(3 * q + 1, 2)
                        }
                    })
                    .chain(std::iter::once(day(12, 28)))
                    .collect(),
            };
            for held_on in dates {
                records.push(NewRecord {
                    unit_code: unit.code.clone(),
                    kind: kind.clone(),
                    held_on,
                    topic: format!("{}{}月{}", unit.name, held_on.month(), kind),
                    attendees: Some(8),
                    eligible: Some(9),
                    evidence_id: None,
                    action: RecordAction::Record,
                    replaces: None,
                    reason: String::new(),
                    recorded_by: admin.id,
                });
            }
        }
    }
    let mut tx = store.lock_period(period.id).await?;
    for r in &records {
        tx.append_record(r).await?;
    }
    tx.audit(
        Some(admin.id),
        AuditAction::Demo.key(),
        &format!("演示数据：2024年度记录本{}条", records.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
