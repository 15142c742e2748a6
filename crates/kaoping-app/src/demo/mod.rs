//! The demos, one per customer scheme of the seed, each filled through the same steps: the scheme's
//! departments, organisation and units (with their groups), accounts, rubric, and its years — a year's
//! example findings recorded by the departments that own their items (deductions with a scanned page as
//! evidence), reviewed and published, or still in progress, or an open year to try recording in.
//!
//! - [`DemoScheme::Dongli`] (`dongli.rs`): scheme A, the power plant's 18 Party branches.
//! - [`DemoScheme::Village`] (`village.rs`): scheme B, a town's villages in two weighted rounds with bonus
//!   matters.
//! - [`DemoScheme::Jishengju`] (`jishengju.rs`): scheme C, the bureau's staff, each assessed, in their
//!   科室 and 调查组; its 2023 waits for the 民主评议.
//!
//! Also the first-start administrator account.

mod dongli;

pub use dongli::seed_records;
pub(crate) mod jishengju;
mod village;

use kaoping_core::finding::Resolver;
use kaoping_core::rubric::Coded;
use kaoping_formats::{parse_rubric, read_findings};
use kaoping_store::{NewEntry, NewOrgUnit, NewPeriod, NewUser, OrgKind, ReviewStatus, Role, Store};

use crate::audit::AuditAction;
use crate::auth::{hash_password, random_password};
use crate::error::AppError;

/// Every demo account has this password; the demo is for trying, never for real data.
pub const DEMO_PASSWORD: &str = "kaoping2023";

/// A demo account: (user name, display name, role, department code or unit code).
pub type DemoAccount = (&'static str, &'static str, Role, &'static str);

/// Which demo to fill a database with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DemoScheme {
    /// Scheme A: the power plant's Party committee assesses its 18 branches; 2023 published, 2024 open.
    #[default]
    Dongli,
    /// Scheme B: the town's Party committee assesses its villages and communities in two rounds (专项督查
    /// 30%, 年终考评 70%) with bonus points; 2023 published, 2024 open.
    Village,
    /// Scheme C: the family-planning bureau assesses each of its staff, with findings on their 科室 and
    /// 调查组; 2023 recorded except the 民主评议 (8.1), and open.
    Jishengju,
}

impl DemoScheme {
    /// Every demo, in the order of the seed's schemes.
    pub const ALL: [DemoScheme; 3] = [
        DemoScheme::Dongli,
        DemoScheme::Village,
        DemoScheme::Jishengju,
    ];

    /// The name on the command line (`kaoping serve --demo village`).
    pub fn name(self) -> &'static str {
        match self {
            DemoScheme::Dongli => "dongli",
            DemoScheme::Village => "village",
            DemoScheme::Jishengju => "jishengju",
        }
    }

    /// The demo a command-line name means.
    pub fn from_name(name: &str) -> Option<DemoScheme> {
        DemoScheme::ALL.into_iter().find(|s| s.name() == name)
    }

    /// What the demo holds, in a line of Chinese for the console.
    pub fn title(self) -> &'static str {
        self.demo().title
    }

    fn demo(self) -> &'static Demo {
        match self {
            DemoScheme::Dongli => &dongli::DEMO,
            DemoScheme::Village => &village::DEMO,
            DemoScheme::Jishengju => &jishengju::DEMO,
        }
    }
}

/// The demo's accounts, the administrator first; all of them have [`DEMO_PASSWORD`].
pub fn accounts(scheme: DemoScheme) -> &'static [DemoAccount] {
    scheme.demo().accounts
}

/// A demo: what [`fill`] creates, in this order.
struct Demo {
    /// One line for the console.
    title: &'static str,
    /// The rubric as saved (考评细则名称) and its file.
    rubric_name: &'static str,
    rubric: File,
    units: File,
    findings: File,
    /// The organisation (code, name) the units belong to, and so do their groups.
    organisation: (&'static str, &'static str),
    /// The departments (code, name); the rubric's items name them as their owners.
    departments: &'static [(&'static str, &'static str)],
    /// The administrator first; each assessor records the findings of their department's items.
    accounts: &'static [DemoAccount],
    /// The periods, oldest first, each over every unit.
    years: &'static [Year],
}

/// One of the example files, compiled in.
struct File {
    name: &'static str,
    text: &'static str,
}

/// A period of a demo.
struct Year {
    name: &'static str,
    year: i32,
    state: YearState,
}

/// What a demo's period holds.
enum YearState {
    /// Every finding of the example file recorded, each department's review submitted and approved, and
    /// the results published.
    Published,
    /// The example findings except those on these rules recorded; open, nothing reviewed yet.
    InProgress { without: &'static [&'static str] },
    /// Nothing recorded: a year to try recording in.
    Empty,
}

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
        .audit(None, AuditAction::FirstStart.key(), "创建管理员账号admin")
        .await?;
    Ok(Some(password))
}

/// Fills an empty database with scheme A's demo ([`DemoScheme::Dongli`]); see [`seed_scheme`].
pub async fn seed(store: &Store) -> Result<bool, AppError> {
    seed_scheme(store, DemoScheme::Dongli).await
}

/// Fills an empty database with a demo. Returns `false` (and changes nothing) if it is not empty.
/// Several processes starting together with `--demo` fill it once (see [`create_first_admin`]).
pub async fn seed_scheme(store: &Store, scheme: DemoScheme) -> Result<bool, AppError> {
    let lock = store.take_setup_lock().await?;
    let mut seeded = fill(store, scheme.demo()).await;
    if scheme == DemoScheme::Jishengju && matches!(seeded, Ok(true)) {
        seeded = jishengju::open_ballot(store).await.map(|()| true);
    }
    lock.release().await?;
    seeded
}

/// Which demo a database holds, found by its organisation; `None` for a database that holds none.
pub async fn seeded_scheme(store: &Store) -> Result<Option<DemoScheme>, AppError> {
    let org = store.org_units().await?;
    Ok(DemoScheme::ALL.into_iter().find(|scheme| {
        let (code, name) = scheme.demo().organisation;
        org.iter()
            .any(|u| u.kind == OrgKind::Organisation && u.code == code && u.name == name)
    }))
}

fn internal(e: impl ToString) -> AppError {
    AppError::Internal(e.to_string())
}

/// What [`fill`] has created and the later steps look up.
struct Made {
    rubric: kaoping_core::rubric::Rubric,
    units: kaoping_core::units::Units,
    /// (code, name, id), in the demo's order.
    departments: Vec<(&'static str, &'static str, i64)>,
    /// Every assessed unit's id, in the units file's order.
    unit_ids: Vec<i64>,
    /// By account, in the demo's order.
    user_ids: Vec<i64>,
    admin: i64,
}

impl Made {
    /// The assessor who records and submits a department's findings: its first assessor account, or
    /// the administrator for a department without one.
    fn assessor(&self, demo: &Demo, department: &str) -> i64 {
        demo.accounts
            .iter()
            .zip(&self.user_ids)
            .find(|((_, _, role, link), _)| *role == Role::Assessor && *link == department)
            .map_or(self.admin, |(_, id)| *id)
    }
}

async fn fill(store: &Store, demo: &Demo) -> Result<bool, AppError> {
    if !is_empty(store).await? {
        return Ok(false);
    }
    let rubric = parse_rubric(demo.rubric.name, demo.rubric.text).map_err(internal)?;
    let mut departments = Vec::new();
    for (code, name) in demo.departments {
        departments.push((*code, *name, store.create_department(code, name).await?));
    }
    let (code, name) = demo.organisation;
    let organisation = store
        .create_org_unit(&NewOrgUnit {
            code: code.into(),
            name: name.into(),
            parent_id: None,
            kind: OrgKind::Organisation,
            ranking_group: None,
            member_of: Vec::new(),
        })
        .await?;
    let units = kaoping_formats::read_units(demo.units.name, demo.units.text.as_bytes())
        .map_err(internal)?;
    // The groups (科室, 调查组) first: a unit names the groups it belongs to.
    for group in units.groups() {
        store
            .create_org_unit(&NewOrgUnit {
                code: group.code.clone(),
                name: group.code.clone(),
                parent_id: Some(organisation),
                kind: OrgKind::Group,
                ranking_group: None,
                member_of: Vec::new(),
            })
            .await?;
    }
    let mut unit_codes = Vec::new();
    for unit in units.units() {
        let id = store
            .create_org_unit(&NewOrgUnit {
                code: unit.code.clone(),
                name: unit.name.clone(),
                parent_id: Some(organisation),
                kind: OrgKind::Unit,
                ranking_group: unit.ranking_group.clone(),
                member_of: unit
                    .groups
                    .iter()
                    .map(|&g| units.group(g).code.clone())
                    .collect(),
            })
            .await?;
        unit_codes.push((unit.code.as_str(), id));
    }
    let hash = hash_password(DEMO_PASSWORD);
    let mut user_ids = Vec::new();
    for (username, display, role, link) in demo.accounts {
        let department_id = departments
            .iter()
            .find(|(c, _, _)| c == link)
            .map(|(_, _, id)| *id);
        let unit_id = unit_codes
            .iter()
            .find(|(c, _)| c == link)
            .map(|(_, id)| *id);
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
        user_ids.push(id);
    }
    let version = store
        .save_rubric(demo.rubric_name, demo.rubric.text, user_ids[0])
        .await?;
    let made = Made {
        unit_ids: unit_codes.iter().map(|(_, id)| *id).collect(),
        rubric,
        units,
        departments,
        admin: user_ids[0],
        user_ids,
    };
    for year in demo.years {
        let period = store
            .create_period(&NewPeriod {
                name: year.name.into(),
                year: year.year,
                rubric_id: version.id,
                unit_ids: made.unit_ids.clone(),
            })
            .await?;
        match year.state {
            YearState::Published => {
                record_findings(store, demo, &made, period, &[]).await?;
                review_and_publish(store, demo, &made, period).await?;
            }
            YearState::InProgress { without } => {
                record_findings(store, demo, &made, period, without).await?;
            }
            YearState::Empty => {}
        }
    }
    store
        .audit(Some(made.admin), AuditAction::Demo.key(), "创建演示数据")
        .await?;
    Ok(true)
}

/// Records the example findings (except those on the rules `without`), each by the department that owns
/// its item, as in real use; a deduction carries its evidence, a scanned page of the record book.
async fn record_findings(
    store: &Store,
    demo: &Demo,
    made: &Made,
    period: i64,
    without: &[&str],
) -> Result<(), AppError> {
    let rubric = &made.rubric;
    let resolver = Resolver::new(rubric, false);
    let mut rows = Vec::new();
    read_findings(
        demo.findings.name,
        demo.findings.text.as_bytes(),
        |input, line| {
            resolver
                .resolve_known(&made.units, input, line)
                .map_err(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>())?;
            if !without.contains(&input.code.trim()) {
                rows.push(NewEntry::record(period, input, made.admin));
            }
            Ok(())
        },
    )
    .map_err(internal)?;
    for (i, row) in rows.into_iter().enumerate() {
        let (unit, code) = (row.unit_code.clone(), row.code.clone());
        let department = crate::period::owner(rubric, &code)
            .and_then(|owner| made.departments.iter().find(|(_, name, _)| *name == owner));
        let recorded_by = department.map_or(made.admin, |(code, _, _)| made.assessor(demo, code));
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
                department_id: department.map(|(_, _, id)| *id),
                recorded_by,
                evidence_id,
                ..row
            })
            .await?;
    }
    Ok(())
}

/// Each department submits its year and the administrator approves it, then publishes: the demo's year
/// goes through the same review a real year does.
async fn review_and_publish(
    store: &Store,
    demo: &Demo,
    made: &Made,
    period: i64,
) -> Result<(), AppError> {
    for (code, _, department) in &made.departments {
        let assessor = made.assessor(demo, code);
        store
            .set_review(period, *department, ReviewStatus::Submitted, "", assessor)
            .await?;
        store
            .set_review(period, *department, ReviewStatus::Approved, "", made.admin)
            .await?;
    }
    crate::App::new(store.clone())
        .publish_as(
            made.admin,
            period,
            "",
            &kaoping_store::NoticeHeading::default(),
        )
        .await?;
    Ok(())
}
