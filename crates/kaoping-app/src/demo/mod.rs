//! The demo: scheme A's rubric, the factory with its 18 branches, a year of findings with evidence recorded
//! by the owning departments and published, and an open year to try recording in. Also the first-start
//! administrator account.

use kaoping_core::finding::Resolver;
use kaoping_core::rubric::Coded;
use kaoping_formats::{parse_rubric, read_findings};
use kaoping_store::{NewEntry, NewOrgUnit, NewPeriod, NewUser, OrgKind, ReviewStatus, Role, Store};

use crate::auth::{hash_password, random_password};
use crate::error::AppError;

const RUBRIC: &str = include_str!("../../../rubrics/dongli-2023.toml");
const UNITS: &str = include_str!("../../../examples/dongli-units.csv");
const FINDINGS: &str = include_str!("../../../examples/dongli-findings.csv");

/// Every demo account has this password; the demo is for trying, never for real data.
pub const DEMO_PASSWORD: &str = "kaoping2023";

/// The demo's accounts: (user name, display name, role, department code or unit code).
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    ("admin", "党委工作部管理员", Role::Admin, ""),
    ("anquan", "安全科考核员", Role::Assessor, "AQK"),
    ("dangong", "党工部考核员", Role::Assessor, "DGB"),
    ("jiwei", "纪委考核员", Role::Assessor, "JW"),
    ("gonghui", "工会考核员", Role::Assessor, "GH"),
    ("d01", "供电车间党支部书记", Role::Leader, "D01"),
    ("lingdao", "厂领导", Role::Viewer, ""),
];

const DEPARTMENTS: &[(&str, &str)] = &[
    ("DGB", "党工部"),
    ("JW", "纪委"),
    ("AQK", "安全科"),
    ("JSB", "计生办"),
    ("GH", "工会"),
    ("TW", "团委"),
    ("QGK", "企管科"),
];

/// A one-page PDF standing in for a scanned record book page.
fn evidence_pdf(title: &str) -> Vec<u8> {
    let text: String = title.chars().filter(char::is_ascii_alphanumeric).collect();
    format!(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
         3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n\
         4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 72 760 Td (record {text}) Tj ET\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    .into_bytes()
}

/// Whether the database is new (no users yet).
pub async fn is_empty(store: &Store) -> Result<bool, AppError> {
    Ok(store.count_users().await? == 0)
}

/// On first start: an administrator with a one-time random password, returned to be printed once.
///
/// Several processes starting together on an empty database create it once: they queue at the store's
/// setup lock, and the later ones find it done.
pub async fn create_first_admin(store: &Store) -> Result<Option<String>, AppError> {
    let lock = store.take_setup_lock().await?;
    let created = first_admin(store).await;
    lock.release().await?;
    created
}

async fn first_admin(store: &Store) -> Result<Option<String>, AppError> {
    if !is_empty(store).await? {
        return Ok(None);
    }
    let password = random_password();
    store
        .create_user(&NewUser {
            username: "admin".into(),
            display_name: "管理员".into(),
            password_hash: hash_password(&password),
            role: Role::Admin,
            department_id: None,
            unit_id: None,
            // Printed once on the console: the administrator chooses their own at first login.
            must_change_password: true,
        })
        .await?;
    store
        .audit(None, "first_start", "创建管理员账号admin")
        .await?;
    Ok(Some(password))
}

/// Fills an empty database with the demo. Returns `false` (and changes nothing) if it is not empty.
/// Several processes starting together with `--demo` fill it once (see [`create_first_admin`]).
pub async fn seed(store: &Store) -> Result<bool, AppError> {
    let lock = store.take_setup_lock().await?;
    let seeded = fill(store).await;
    lock.release().await?;
    seeded
}

async fn fill(store: &Store) -> Result<bool, AppError> {
    if !is_empty(store).await? {
        return Ok(false);
    }
    let rubric =
        parse_rubric("dongli-2023.toml", RUBRIC).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut dept_ids = Vec::new();
    for (code, name) in DEPARTMENTS {
        dept_ids.push((*code, *name, store.create_department(code, name).await?));
    }
    let factory = store
        .create_org_unit(&NewOrgUnit {
            code: "DLC".into(),
            name: "动力厂".into(),
            parent_id: None,
            kind: OrgKind::Organisation,
            ranking_group: None,
            member_of: Vec::new(),
        })
        .await?;
    let mut unit_ids = Vec::new();
    let units = kaoping_formats::read_units("dongli-units.csv", UNITS.as_bytes())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    for unit in units.units() {
        let id = store
            .create_org_unit(&NewOrgUnit {
                code: unit.code.clone(),
                name: unit.name.clone(),
                parent_id: Some(factory),
                kind: OrgKind::Unit,
                ranking_group: unit.ranking_group.clone(),
                member_of: Vec::new(),
            })
            .await?;
        unit_ids.push((unit.code.clone(), id));
    }
    let hash = hash_password(DEMO_PASSWORD);
    let mut user_ids = Vec::new();
    for (username, display, role, link) in DEMO_ACCOUNTS {
        let department_id = dept_ids
            .iter()
            .find(|(c, _, _)| c == link)
            .map(|(_, _, id)| *id);
        let unit_id = unit_ids.iter().find(|(c, _)| c == link).map(|(_, id)| *id);
        let id = store
            .create_user(&NewUser {
                username: username.to_string(),
                display_name: display.to_string(),
                password_hash: hash.clone(),
                role: *role,
                department_id,
                unit_id,
                // The demo's accounts share a published password on purpose: the demo is for trying.
                must_change_password: false,
            })
            .await?;
        user_ids.push((*username, id));
    }
    let admin = user_ids[0].1;
    let version = store
        .save_rubric("动力厂党建考评细则", RUBRIC, admin)
        .await?;
    let all_units: Vec<i64> = unit_ids.iter().map(|(_, id)| *id).collect();
    let year = store
        .create_period(&NewPeriod {
            name: "2023年度党建工作考评".into(),
            year: 2023,
            rubric_id: version.id,
            unit_ids: all_units.clone(),
        })
        .await?;

    // Each finding is recorded by the department that owns its item, as in real use.
    let resolver = Resolver::new(&rubric, true);
    let mut scratch = kaoping_core::units::Units::new();
    let mut rows = Vec::new();
    read_findings("dongli-findings.csv", FINDINGS.as_bytes(), |input, line| {
        resolver
            .resolve(&mut scratch, input, line)
            .map_err(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        rows.push(NewEntry::record(year, input, admin));
        Ok(())
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    for (i, row) in rows.into_iter().enumerate() {
        let (unit, code) = (row.unit_code.clone(), row.code.clone());
        let owner = crate::period::owner(&rubric, &code);
        let department = owner.and_then(|o| {
            dept_ids
                .iter()
                .find(|(_, name, _)| *name == o)
                .map(|(_, _, id)| *id)
        });
        let recorder = match dept_ids
            .iter()
            .find(|(_, _, id)| Some(*id) == department)
            .map(|(c, _, _)| *c)
        {
            Some("AQK") => "anquan",
            Some("JW") => "jiwei",
            Some("GH") => "gonghui",
            Some("DGB") => "dangong",
            _ => "admin",
        };
        let recorded_by = user_ids
            .iter()
            .find(|(u, _)| *u == recorder)
            .map_or(admin, |(_, id)| *id);
        // Deductions carry their evidence: a scanned page of the record book.
        let deduction = !matches!(rubric.lookup(&code), Some(Coded::Item(_)))
            && row.points.is_none()
            && row.level.is_none();
        let evidence_id = if deduction {
            Some(
                store
                    .put_evidence(
                        &evidence_pdf(&format!("{unit}-{code}-{i}")),
                        "application/pdf",
                        &format!("{unit}-{code}.pdf"),
                        recorded_by,
                    )
                    .await?
                    .id,
            )
        } else {
            None
        };
        store
            .append_entry(&NewEntry {
                department_id: department,
                recorded_by,
                evidence_id,
                ..row
            })
            .await?;
    }
    // Each department submits its year and the administrator approves it, then publishes: the demo's
    // 2023 went through the same review a real year does.
    for (code, _, dept) in &dept_ids {
        let assessor = DEMO_ACCOUNTS
            .iter()
            .zip(&user_ids)
            .find(|((_, _, role, link), _)| *role == Role::Assessor && link == code)
            .map_or(admin, |(_, (_, id))| *id);
        store
            .set_review(year, *dept, ReviewStatus::Submitted, "", assessor)
            .await?;
        store
            .set_review(year, *dept, ReviewStatus::Approved, "", admin)
            .await?;
    }
    crate::App::new(store.clone())
        .publish_as(admin, year, "")
        .await?;
    store
        .create_period(&NewPeriod {
            name: "2024年度党建工作考评".into(),
            year: 2024,
            rubric_id: version.id,
            unit_ids: all_units,
        })
        .await?;
    store.audit(Some(admin), "demo", "创建演示数据").await?;
    Ok(true)
}
