//! The three demos of `kaoping serve --demo [dongli|village|jishengju]`, each seeded into a fresh database
//! on SQLite and on PostgreSQL: the administrator logs in with the demo password, the demo's 2023 scores
//! are what `kaoping score` gives for the example files (for scheme C, without the 民主评议 rows its
//! ballot will fill), its years are in the state the README describes, and seeding again does nothing.
//!
//! PostgreSQL is reached at `postgres://postgres@127.0.0.1:5432/test` (override with
//! `KAOPING_TEST_POSTGRES`). When it is unreachable the PostgreSQL half is skipped with a message, except
//! under CI (`CI=true`), where it fails.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::future::Future;

use kaoping_app::demo::{self, DemoScheme, DEMO_PASSWORD};
use kaoping_app::{App, AppError};
use kaoping_core::score::UnitResult;
use kaoping_core::units::Units;
use kaoping_core::Decimal;
use kaoping_store::{OrgKind, PeriodStatus, Role, Store};
use sqlx::{Connection, Executor};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).expect(path)
}

/// A unit's result as the summary and the notice show it.
#[derive(Debug, PartialEq)]
struct Line {
    total: Decimal,
    bonus: Decimal,
    final_score: Decimal,
    rank: usize,
    pass: Option<bool>,
    grade: Option<usize>,
    sections: Vec<Decimal>,
    rounds: Vec<Decimal>,
    incomplete: usize,
}

fn lines(units: &Units, results: &[impl Borrow<UnitResult>]) -> BTreeMap<String, Line> {
    results
        .iter()
        .map(Borrow::borrow)
        .map(|r| {
            (
                units.unit(r.unit).code.clone(),
                Line {
                    total: r.total,
                    bonus: r.bonus,
                    final_score: r.final_score,
                    rank: r.rank,
                    pass: r.pass,
                    grade: r.grade,
                    sections: r.sections.clone(),
                    rounds: r.rounds.iter().map(|round| round.total).collect(),
                    incomplete: r.incomplete.len(),
                },
            )
        })
        .collect()
}

/// What `kaoping score RUBRIC --units UNITS FINDINGS` computes, unit by unit.
fn cli_scores(scheme: &str, findings: &str) -> BTreeMap<String, Line> {
    let rubric_file = format!("{scheme}-2023.toml");
    let rubric =
        kaoping_formats::parse_rubric(&rubric_file, &read(&format!("rubrics/{rubric_file}")))
            .expect("rubric");
    let units_file = format!("examples/{scheme}-units.csv");
    let mut units =
        kaoping_formats::read_units(&units_file, read(&units_file).as_bytes()).expect("units");
    let results = kaoping_formats::score_findings(
        &rubric,
        &mut units,
        false,
        "findings.csv",
        findings.as_bytes(),
        false,
    )
    .expect("findings");
    lines(&units, &results)
}

/// The period's results as the administrator's summary (汇总表) shows them.
async fn server_scores(app: &App, period: i64) -> BTreeMap<String, Line> {
    let admin = app.actor_named("admin").await.expect("admin");
    let snapshot = app.summary(&admin, period).await.expect("summary");
    lines(&snapshot.units, snapshot.results())
}

/// Seeds `scheme` into an empty database and checks what every demo shares: it is seeded once, the
/// accounts are the demo's (the administrator first), every one of them has the demo password and the
/// administrator logs in with it.
async fn seed_and_log_in(store: &Store, scheme: DemoScheme) -> App {
    assert!(demo::seed_scheme(store, scheme).await.expect("seed"));
    let app = App::new(store.clone());
    assert_eq!(
        demo::seeded_scheme(store).await.expect("which demo"),
        Some(scheme)
    );
    let accounts = demo::accounts(scheme);
    assert_eq!(accounts[0].0, "admin");
    assert_eq!(accounts[0].2, Role::Admin);
    let users = store.users().await.expect("users");
    let departments = store.departments().await.expect("departments");
    let org = store.org_units().await.expect("org");
    assert_eq!(users.len(), accounts.len());
    for ((username, display, role, link), user) in accounts.iter().zip(&users) {
        assert_eq!(
            (&*user.username, &*user.display_name, user.role),
            (*username, *display, *role)
        );
        assert!(!user.must_change_password, "{username}");
        assert!(
            kaoping_app::verify_password(DEMO_PASSWORD, &user.password_hash),
            "{username}"
        );
        let department = user
            .department_id
            .map(|id| &departments.iter().find(|d| d.id == id).expect("dept").code);
        let unit = user
            .unit_id
            .map(|id| &org.iter().find(|u| u.id == id).expect("unit").code);
        match role {
            Role::Assessor => assert_eq!(department.map(String::as_str), Some(*link)),
            Role::Leader => assert_eq!(unit.map(String::as_str), Some(*link)),
            _ => assert_eq!((department, unit), (None, None), "{username}"),
        }
    }
    let (_, admin) = app
        .login("admin", DEMO_PASSWORD, "127.0.0.1")
        .await
        .expect("login")
        .expect("admin logs in with the demo password");
    assert_eq!(admin.role(), Role::Admin);
    assert!(app
        .login("admin", "kaoping2024", "127.0.0.1")
        .await
        .expect("login")
        .is_none());
    app
}

/// Seeding again (this demo or another) changes nothing.
async fn seeding_again_does_nothing(store: &Store, app: &App) {
    let before = (
        store.users().await.expect("users").len(),
        store.org_units().await.expect("org").len(),
        store.periods().await.expect("periods"),
    );
    let mut entries = Vec::new();
    for p in &before.2 {
        entries.push(store.entries(p.id).await.expect("entries").len());
    }
    for scheme in DemoScheme::ALL {
        assert!(!demo::seed_scheme(store, scheme).await.expect("seed again"));
    }
    assert!(!demo::seed(store).await.expect("seed again"));
    assert_eq!(store.users().await.expect("users").len(), before.0);
    assert_eq!(store.org_units().await.expect("org").len(), before.1);
    assert_eq!(store.periods().await.expect("periods"), before.2);
    for (p, n) in before.2.iter().zip(entries) {
        assert_eq!(store.entries(p.id).await.expect("entries").len(), n);
    }
    // The running application still reads the same periods.
    let admin = app.actor_named("admin").await.expect("admin");
    assert_eq!(
        app.visible_periods(&admin).await.expect("periods"),
        before.2
    );
}

/// Every entry on an item is recorded by the assessor of the department that owns it (the
/// administrator where the department has none), with its department.
async fn recorded_by_owners(store: &Store, app: &App, period: i64, scheme: DemoScheme) {
    let admin = app.actor_named("admin").await.expect("admin");
    let snapshot = app.summary(&admin, period).await.expect("summary");
    let departments = store.departments().await.expect("departments");
    let users = store.users().await.expect("users");
    for entry in store.entries(period).await.expect("entries") {
        let owner = snapshot.owner(&entry.code);
        let department = owner.map(|name| departments.iter().find(|d| d.name == name).expect(name));
        assert_eq!(entry.department_id, department.map(|d| d.id), "{entry:?}");
        let assessor = department.and_then(|d| {
            demo::accounts(scheme)
                .iter()
                .find(|a| a.2 == Role::Assessor && a.3 == d.code)
        });
        let by = users
            .iter()
            .find(|u| u.id == entry.recorded_by)
            .expect("user");
        assert_eq!(by.username, assessor.map_or("admin", |a| a.0), "{entry:?}");
    }
}

async fn dongli(store: Store) {
    let app = seed_and_log_in(&store, DemoScheme::Dongli).await;
    // Unchanged: the accounts the README and many tests name …
    let accounts: Vec<&str> = demo::accounts(DemoScheme::Dongli)
        .iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(
        accounts,
        ["admin", "anquan", "dangong", "jiwei", "gonghui", "d01", "lingdao"]
    );
    // … 2023 published (period 1), 2024 open (period 2) over the same 18 branches …
    let periods = store.periods().await.expect("periods");
    let summary: Vec<(i64, &str, i32, PeriodStatus, usize)> = periods
        .iter()
        .map(|p| (p.id, &*p.name, p.year, p.status, p.unit_ids.len()))
        .collect();
    assert_eq!(
        summary,
        [
            (2, "2024年度党建工作考评", 2024, PeriodStatus::Open, 18),
            (1, "2023年度党建工作考评", 2023, PeriodStatus::Published, 18),
        ]
    );
    assert!(store.entries(2).await.expect("entries").is_empty());
    // … and 2023 scored as `kaoping score` scores the example files.
    let findings = read("examples/dongli-findings.csv");
    assert_eq!(
        store.entries(1).await.expect("entries").len(),
        findings.lines().count() - 1
    );
    let expected = cli_scores("dongli", &findings);
    assert_eq!(expected.len(), 18);
    assert_eq!(server_scores(&app, 1).await, expected);
    recorded_by_owners(&store, &app, 1, DemoScheme::Dongli).await;
    // Every department's review approved before publishing.
    let reviews = store.reviews(1).await.expect("reviews");
    for d in store.departments().await.expect("departments") {
        let latest = reviews.iter().find(|r| r.department_id == d.id);
        assert_eq!(
            latest.map(|r| r.status),
            Some(kaoping_store::ReviewStatus::Approved),
            "{}",
            d.name
        );
    }
    seeding_again_does_nothing(&store, &app).await;
}

async fn village(store: Store) {
    let app = seed_and_log_in(&store, DemoScheme::Village).await;
    let periods = store.periods().await.expect("periods");
    let summary: Vec<(i64, i32, PeriodStatus, usize)> = periods
        .iter()
        .map(|p| (p.id, p.year, p.status, p.unit_ids.len()))
        .collect();
    assert_eq!(
        summary,
        [
            (2, 2024, PeriodStatus::Open, 8),
            (1, 2023, PeriodStatus::Published, 8),
        ]
    );
    assert!(store.entries(2).await.expect("entries").is_empty());
    // The town's departments are those the rubric's items name; each has an assessor.
    let departments = store.departments().await.expect("departments");
    let rubric = kaoping_formats::parse_rubric("v", &read("rubrics/village-2023.toml")).unwrap();
    for item in rubric.items() {
        let owner = item.department.as_deref().expect("owned");
        let d = departments.iter().find(|d| d.name == owner).expect(owner);
        assert!(demo::accounts(DemoScheme::Village)
            .iter()
            .any(|a| a.2 == Role::Assessor && a.3 == d.code));
    }

    // Both rounds were recorded, and the bonus matters.
    let entries = store.entries(1).await.expect("entries");
    let findings = read("examples/village-findings.csv");
    assert_eq!(entries.len(), findings.lines().count() - 1);
    let in_round = |round: &str| entries.iter().filter(|e| e.round == round).count();
    assert!(in_round("专项督查") >= 8, "{}", in_round("专项督查"));
    assert!(in_round("年终考评") >= 8, "{}", in_round("年终考评"));
    assert!(entries.iter().any(|e| e.code == "B1" && e.matter.is_some()));

    let expected = cli_scores("village", &findings);
    let got = server_scores(&app, 1).await;
    assert_eq!(got, expected);
    assert_eq!(got.len(), 8);
    for (code, line) in &got {
        assert_eq!(line.rounds.len(), 2, "{code}: two rounds");
        assert_eq!(line.incomplete, 0, "{code}");
    }
    // 东山村: 市级 (6) and 省级 (8) for one matter count once, the higher, plus 4 for a 县级 award on
    // another: 12, capped at 10.
    assert_eq!(got["V01"].bonus, Decimal::from(10));
    // 溪口村 is below the pass mark: its award earns nothing.
    assert_eq!(got["V07"].pass, Some(false));
    assert_eq!(got["V07"].bonus, Decimal::ZERO);
    recorded_by_owners(&store, &app, 1, DemoScheme::Village).await;

    // The village secretary sees their own village's published sheet.
    let (_, v01) = app
        .login("v01", DEMO_PASSWORD, "127.0.0.1")
        .await
        .expect("login")
        .expect("v01 logs in");
    let sheet = app.sheet(&v01, 1, "V01").await.expect("own sheet");
    assert_eq!(sheet.org().name, "东山村");
    seeding_again_does_nothing(&store, &app).await;
}

async fn jishengju(store: Store) {
    let app = seed_and_log_in(&store, DemoScheme::Jishengju).await;
    // One year, open: its 民主评议 awaits the staff's ballot.
    let periods = store.periods().await.expect("periods");
    let summary: Vec<(i64, &str, i32, PeriodStatus, usize)> = periods
        .iter()
        .map(|p| (p.id, &*p.name, p.year, p.status, p.unit_ids.len()))
        .collect();
    assert_eq!(
        summary,
        [(
            1,
            "2023年度岗位目标责任制考核",
            2023,
            PeriodStatus::Open,
            10
        )]
    );
    assert!(store.reviews(1).await.expect("reviews").is_empty());
    // The ballot that fills 8.1 is set up and waits for its codes: every member of staff a candidate.
    let campaigns = store.campaigns(1).await.expect("campaigns");
    assert_eq!(campaigns.len(), 1);
    assert_eq!(
        (
            &*campaigns[0].title,
            &*campaigns[0].rule_code,
            campaigns[0].codes_issued_at
        ),
        ("2023年度民主评议", "8.1", None)
    );
    let settings: serde_json::Value =
        serde_json::from_str(&campaigns[0].settings).expect("settings");
    assert_eq!(settings["candidates"].as_array().map(Vec::len), Some(10));

    // The org tree holds the 科室 and 调查组, and who belongs to them.
    let org = store.org_units().await.expect("org");
    let mut groups: Vec<&str> = org
        .iter()
        .filter(|u| u.kind == OrgKind::Group)
        .map(|u| u.code.as_str())
        .collect();
    groups.sort_unstable();
    assert_eq!(
        groups,
        ["办公室", "政策法规科", "统计科", "调查一组", "调查二组"]
    );
    let j01 = org.iter().find(|u| u.code == "J01").expect("J01");
    assert_eq!(j01.member_of, ["办公室", "调查一组"]);
    assert_eq!(j01.name, "王建国");

    // Every finding of the year is recorded but the 民主评议 (8.1), which no one has scored yet.
    let entries = store.entries(1).await.expect("entries");
    assert!(entries.iter().all(|e| e.code != "8.1"));
    assert!(entries.iter().any(|e| e.unit_code == "统计科"));
    assert!(entries.iter().any(|e| e.unit_code == "调查二组"));
    let findings = read("examples/jishengju-findings.csv");
    let without_ballot: String = findings
        .lines()
        .filter(|line| line.split(',').nth(1) != Some("8.1"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(
        findings.lines().count() - without_ballot.lines().count(),
        10,
        "one 民主评议 row per member of staff"
    );
    assert_eq!(entries.len(), without_ballot.lines().count() - 1);

    // Scored as `kaoping score rubrics/jishengju-2023.toml --units examples/jishengju-units.csv` scores
    // the same findings: group findings reach every member.
    let expected = cli_scores("jishengju", &without_ballot);
    let got = server_scores(&app, 1).await;
    assert_eq!(got, expected);
    assert_eq!(got.len(), 10);
    for (code, line) in &got {
        assert_eq!(line.incomplete, 1, "{code}: 民主评议 still to come");
    }
    // 统计科's late report (1.3, 5 points a member) reaches 吴丽 (J10) though no finding names her, and
    // 调查二组's missed problem (7.1, 10 a member) reaches its three members only.
    let section = |code: &str, n: usize| got[code].sections[n];
    assert_eq!(section("J10", 0), Decimal::from(25));
    assert_eq!(section("J01", 0), Decimal::from(30));
    for code in ["J03", "J06", "J09"] {
        assert_eq!(section(code, 6), Decimal::from(10), "{code}");
    }
    assert_eq!(section("J01", 6), Decimal::from(20));
    recorded_by_owners(&store, &app, 1, DemoScheme::Jishengju).await;

    // Publishing waits for the 民主评议.
    let admin = app.actor_named("admin").await.expect("admin");
    let refused = app
        .publish(
            &admin,
            1,
            "试发布",
            &kaoping_store::NoticeHeading::default(),
        )
        .await;
    assert!(
        matches!(&refused, Err(AppError::Conflict(m)) if m.contains("未评完")),
        "{refused:?}"
    );

    // 王建国 sees his own sheet, not a colleague's.
    let (_, leader) = app
        .login("j01", DEMO_PASSWORD, "127.0.0.1")
        .await
        .expect("login")
        .expect("j01 logs in");
    assert_eq!(
        app.sheet(&leader, 1, "J01").await.expect("own").org().code,
        "J01"
    );
    assert!(matches!(
        app.sheet(&leader, 1, "J02").await,
        Err(AppError::Forbidden(_))
    ));
    seeding_again_does_nothing(&store, &app).await;
}

async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_sqlite(dir.path()).await.expect("open sqlite");
    let result = tokio::spawn(body(store.clone())).await;
    store.close().await;
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn on_postgres<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin_url = std::env::var("KAOPING_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("PostgreSQL at {admin_url} is unreachable under CI: {e}");
            }
            eprintln!("SKIPPED on PostgreSQL: {admin_url} is unreachable ({e})");
            return;
        }
    };
    let name = format!("kaoping_demo_{:016x}", rand::random::<u64>());
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let (base, _) = admin_url.rsplit_once('/').expect("database url has a path");
    let store = Store::connect(&format!("{base}/{name}"))
        .await
        .expect("connect postgres");
    let result = tokio::spawn(body(store.clone())).await;
    store.close().await;
    // Best effort: a failed drop leaves a stray database, not a failed test.
    let _ = admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await;
    let _ = admin.close().await;
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// For each demo, a module with a `sqlite` and a `postgres` test.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::on_sqlite(super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                crate::on_postgres(super::$name).await
            }
        }
    )*};
}

on_both!(dongli, village, jishengju);

#[test]
fn every_demo_has_a_name_an_administrator_and_the_shared_password() {
    for scheme in DemoScheme::ALL {
        assert_eq!(DemoScheme::from_name(scheme.name()), Some(scheme));
        let admins: Vec<&str> = demo::accounts(scheme)
            .iter()
            .filter(|a| a.2 == Role::Admin)
            .map(|a| a.0)
            .collect();
        assert_eq!(admins, ["admin"], "{}", scheme.name());
    }
    assert_eq!(DemoScheme::from_name("nowhere"), None);
    assert_eq!(DemoScheme::default(), DemoScheme::Dongli);
    assert_eq!(DEMO_PASSWORD, "kaoping2023");
}
