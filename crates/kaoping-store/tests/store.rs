//! The store's behaviour, one suite run on both backends (see `common`).

#[macro_use]
mod common;

use std::collections::HashSet;

use common::Db;
use kaoping_store::*;

on_both!(
    migrations_are_idempotent,
    users,
    sessions,
    login_failures,
    departments,
    org_tree_order,
    rubric_versions,
    periods_and_publish,
    ledger_history,
    ledger_is_append_only_in_the_database,
    batch_appends_all_or_nothing,
    publish_locks_and_appeals,
    appeal_rules,
    evidence_dedup,
    reviews_latest_per_department,
    audit_log_newest_first,
    concurrent_stores,
    rectification_steps_follow_their_state,
);

fn new_user(username: &str, role: Role) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: format!("{username} 显示名"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        role,
        department_id: None,
        unit_id: None,
        must_change_password: false,
    }
}

fn conflict(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Conflict(m)) => m,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Invalid(m)) => m,
        other => panic!("expected invalid, got {other:?}"),
    }
}

/// An administrator, a department, 厂 F with 车间 U1, U2 (U1 in group G), a rubric and an open period.
struct Fixture {
    admin: i64,
    dept: i64,
    factory: i64,
    u1: i64,
    u2: i64,
    period: i64,
}

async fn fixture(store: &Store) -> Fixture {
    let admin = store
        .create_user(&new_user("admin", Role::Admin))
        .await
        .unwrap();
    let dept = store.create_department("AQK", "安全科").await.unwrap();
    let factory = store
        .create_org_unit(&org("F", "第一厂", None, OrgKind::Organisation, &[]))
        .await
        .unwrap();
    store
        .create_org_unit(&org("G", "第一调查组", Some(factory), OrgKind::Group, &[]))
        .await
        .unwrap();
    let u1 = store
        .create_org_unit(&org("U1", "一车间", Some(factory), OrgKind::Unit, &["G"]))
        .await
        .unwrap();
    let u2 = store
        .create_org_unit(&org("U2", "二车间", Some(factory), OrgKind::Unit, &[]))
        .await
        .unwrap();
    let rubric = store
        .save_rubric("甲方案", "[rubric]\n", admin)
        .await
        .unwrap();
    let period = store
        .create_period(&NewPeriod {
            name: "2024年度".into(),
            year: 2024,
            rubric_id: rubric.id,
            unit_ids: vec![u2, u1],
        })
        .await
        .unwrap();
    Fixture {
        admin,
        dept,
        factory,
        u1,
        u2,
        period,
    }
}

fn org(
    code: &str,
    name: &str,
    parent_id: Option<i64>,
    kind: OrgKind,
    member_of: &[&str],
) -> NewOrgUnit {
    NewOrgUnit {
        code: code.into(),
        name: name.into(),
        parent_id,
        kind,
        ranking_group: None,
        member_of: member_of.iter().map(|s| s.to_string()).collect(),
    }
}

fn record(f: &Fixture, unit: &str, code: &str) -> NewEntry {
    NewEntry {
        period_id: f.period,
        unit_code: unit.into(),
        code: code.into(),
        round: String::new(),
        count: Some(1),
        level: None,
        points: None,
        note: "3月配电室一般性安全事故".into(),
        matter: None,
        date: None,
        due: None,
        source: Source::Assessor,
        department_id: Some(f.dept),
        recorded_by: f.admin,
        evidence_id: None,
        kind: EntryKind::Record,
        replaces: None,
        reason: String::new(),
    }
}

fn correction(f: &Fixture, of: &Entry, kind: EntryKind, reason: &str) -> NewEntry {
    NewEntry {
        kind,
        replaces: Some(of.id),
        reason: reason.into(),
        count: Some(2),
        ..record(f, &of.unit_code, &of.code)
    }
}

fn ids(entries: &[Entry]) -> Vec<i64> {
    entries.iter().map(|e| e.id).collect()
}

async fn migrations_are_idempotent(db: Db) {
    let user = db
        .store
        .create_user(&new_user("a", Role::Admin))
        .await
        .unwrap();
    // A second and third process starting on the same database: migrations run again, change nothing.
    let second = Store::connect(&db.url).await.unwrap();
    let third = Store::connect(&db.url).await.unwrap();
    second.migrate().await.unwrap();
    assert_eq!(second.backend(), db.store.backend());
    assert_eq!(third.count_users().await.unwrap(), 1);
    assert_eq!(third.user(user).await.unwrap().username, "a");
    second.close().await;
    third.close().await;
}

async fn users(db: Db) {
    let s = &db.store;
    assert_eq!(s.count_users().await.unwrap(), 0);
    let dept = s.create_department("JW", "纪委").await.unwrap();
    let mut assessor = new_user("zhang", Role::Assessor);
    assessor.department_id = Some(dept);
    let id = s.create_user(&assessor).await.unwrap();
    let viewer = s.create_user(&new_user("li", Role::Viewer)).await.unwrap();
    let msg = conflict(s.create_user(&new_user("zhang", Role::Leader)).await);
    assert!(msg.contains("用户名"), "{msg}");
    invalid(s.create_user(&new_user(" ", Role::Leader)).await);

    let u = s.user(id).await.unwrap();
    assert_eq!(u.username, "zhang");
    assert_eq!(u.display_name, "zhang 显示名");
    assert_eq!(u.role, Role::Assessor);
    assert_eq!(u.department_id, Some(dept));
    assert_eq!(u.unit_id, None);
    assert!(u.active);
    assert!(u.created_at > 0);
    assert_eq!(s.user_by_username("zhang").await.unwrap(), Some(u.clone()));
    assert_eq!(s.user_by_username("nobody").await.unwrap(), None);
    assert!(matches!(s.user(9999).await, Err(StoreError::NotFound(_))));
    assert_eq!(
        s.users()
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect::<Vec<_>>(),
        vec![id, viewer]
    );
    assert_eq!(s.user(viewer).await.unwrap().role, Role::Viewer);

    assert!(!s.user(id).await.unwrap().must_change_password);
    s.set_password(id, "new-hash", true).await.unwrap();
    assert_eq!(s.user(id).await.unwrap().password_hash, "new-hash");
    assert!(
        s.user(id).await.unwrap().must_change_password,
        "a reset must be changed"
    );
    s.set_password(id, "own-hash", false).await.unwrap();
    assert!(!s.user(id).await.unwrap().must_change_password);
    s.set_user_active(id, false).await.unwrap();
    assert!(!s.user(id).await.unwrap().active);
    s.set_user_active(id, true).await.unwrap();
    assert!(s.user(id).await.unwrap().active);
    assert!(matches!(
        s.set_password(9999, "x", false).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.count_users().await.unwrap(), 2);
    // A department that does not exist.
    let mut bad = new_user("wang", Role::Assessor);
    bad.department_id = Some(9999);
    invalid(s.create_user(&bad).await);
}

async fn sessions(db: Db) {
    let s = &db.store;
    let alice = s
        .create_user(&new_user("alice", Role::Leader))
        .await
        .unwrap();
    let bob = s.create_user(&new_user("bob", Role::Viewer)).await.unwrap();

    let live = s.create_session(alice, 3_600_000).await.unwrap();
    assert_eq!(live.id.len(), 43, "32 bytes in base64url");
    assert_eq!(live.csrf_token.len(), 43);
    assert_ne!(live.id, live.csrf_token);
    assert_eq!(live.expires_at - live.created_at, 3_600_000);
    let (got, user) = s.session(&live.id).await.unwrap().expect("live session");
    assert_eq!(got, live);
    assert_eq!(user.id, alice);

    let other = s.create_session(alice, 3_600_000).await.unwrap();
    assert_ne!(other.id, live.id);

    let expired = s.create_session(bob, -1).await.unwrap();
    assert!(s.session(&expired.id).await.unwrap().is_none());
    assert!(s.session("no-such-session").await.unwrap().is_none());

    s.delete_session(&other.id).await.unwrap();
    assert!(s.session(&other.id).await.unwrap().is_none());
    s.delete_session(&other.id).await.unwrap();

    // A deactivated user's session stops working, even after reactivation (it was ended).
    let bobs = s.create_session(bob, 3_600_000).await.unwrap();
    assert!(s.session(&bobs.id).await.unwrap().is_some());
    s.set_user_active(bob, false).await.unwrap();
    assert!(s.session(&bobs.id).await.unwrap().is_none());
    s.set_user_active(bob, true).await.unwrap();
    assert!(s.session(&bobs.id).await.unwrap().is_none());

    // Changing the password ends the sessions too.
    assert!(s.session(&live.id).await.unwrap().is_some());
    s.set_password(alice, "other", false).await.unwrap();
    assert!(s.session(&live.id).await.unwrap().is_none());

    // Sessions are shared: another store (another process) sees them.
    let fresh = s.create_session(alice, 3_600_000).await.unwrap();
    let second = Store::connect(&db.url).await.unwrap();
    assert!(second.session(&fresh.id).await.unwrap().is_some());
    second.close().await;
}

async fn login_failures(db: Db) {
    let s = &db.store;
    let limits = LoginLimits {
        window_ms: 60_000,
        per_pair: 2,
        per_address: 3,
    };
    let admit = |user: &'static str, ip: &'static str| {
        let s = s.clone();
        async move { s.admit_login(user, ip, limits).await.unwrap() }
    };
    let attempt = |a: Admission| match a {
        Admission::Admitted { attempt, .. } => attempt,
        Admission::Refused => panic!("refused"),
    };
    // Two failures of alice from one address: that pair is refused, alice elsewhere is not.
    attempt(admit("alice", "10.0.0.1").await);
    attempt(admit("alice", "10.0.0.1").await);
    assert_eq!(admit("alice", "10.0.0.1").await, Admission::Refused);
    match admit("alice", "10.0.0.2").await {
        Admission::Admitted {
            account_failures, ..
        } => assert_eq!(account_failures, 2, "the back-off sees every address"),
        Admission::Refused => panic!("another address is not refused"),
    }
    // Three failures from 10.0.0.2 over accounts: the address is refused for anyone.
    attempt(admit("bob", "10.0.0.2").await);
    attempt(admit("erin", "10.0.0.2").await);
    assert_eq!(admit("carol", "10.0.0.2").await, Admission::Refused);
    // A right password forgets the attempt and that address's failures for the account, no others.
    let ok = attempt(admit("dave", "10.0.0.3").await);
    attempt(admit("dave", "10.0.0.3").await);
    s.login_succeeded(ok, "dave", "10.0.0.3").await.unwrap();
    attempt(admit("dave", "10.0.0.3").await);
    // Shared by all processes.
    let second = Store::connect(&db.url).await.unwrap();
    assert_eq!(
        second
            .admit_login("alice", "10.0.0.1", limits)
            .await
            .unwrap(),
        Admission::Refused
    );
    second.close().await;
}

/// Two hundred simultaneous attempts for one account from one address, over two processes: exactly the
/// limit are admitted (the check and the record are one step).
async fn simultaneous_logins_are_admitted_up_to_the_limit(db: Db) {
    let limits = LoginLimits {
        window_ms: 60_000,
        per_pair: 5,
        per_address: 1000,
    };
    let second = Store::connect(&db.url).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let s = if i % 2 == 0 {
            db.store.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            s.admit_login("admin", "10.1.1.1", limits).await.unwrap()
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), Admission::Admitted { .. }) {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 5);
    second.close().await;
}

on_both!(simultaneous_logins_are_admitted_up_to_the_limit);

async fn departments(db: Db) {
    let s = &db.store;
    let jw = s.create_department("JW", "纪委").await.unwrap();
    let aq = s.create_department("AQK", "安全科").await.unwrap();
    let msg = conflict(s.create_department("JW", "纪委二").await);
    assert!(msg.contains("部门"), "{msg}");
    invalid(s.create_department("", "无").await);
    let all = s.departments().await.unwrap();
    assert_eq!(
        all,
        vec![
            Department {
                id: aq,
                code: "AQK".into(),
                name: "安全科".into()
            },
            Department {
                id: jw,
                code: "JW".into(),
                name: "纪委".into()
            },
        ]
    );
}

async fn org_tree_order(db: Db) {
    let s = &db.store;
    // Created out of order on purpose: a town before a factory, children interleaved.
    let town = s
        .create_org_unit(&org("Z", "某镇", None, OrgKind::Organisation, &[]))
        .await
        .unwrap();
    let factory = s
        .create_org_unit(&org("A", "某厂", None, OrgKind::Organisation, &[]))
        .await
        .unwrap();
    s.create_org_unit(&org("Z2", "二村", Some(town), OrgKind::Unit, &[]))
        .await
        .unwrap();
    let w2 = s
        .create_org_unit(&org("A2", "二车间", Some(factory), OrgKind::Unit, &[]))
        .await
        .unwrap();
    s.create_org_unit(&org(
        "Z1",
        "一村",
        Some(town),
        OrgKind::Unit,
        &["调查组甲", "科室乙"],
    ))
    .await
    .unwrap();
    s.create_org_unit(&org("A1", "一车间", Some(factory), OrgKind::Unit, &[]))
        .await
        .unwrap();
    s.create_org_unit(&org("A2-1", "二车间党支部", Some(w2), OrgKind::Unit, &[]))
        .await
        .unwrap();
    let mut grouped = org("B", "某局", None, OrgKind::Organisation, &[]);
    grouped.ranking_group = Some("机关".into());
    s.create_org_unit(&grouped).await.unwrap();
    // Byte order on both backends (a locale collation would put it first).
    s.create_org_unit(&org("a9", "小写", None, OrgKind::Group, &[]))
        .await
        .unwrap();

    let units = s.org_units().await.unwrap();
    let codes: Vec<&str> = units.iter().map(|u| u.code.as_str()).collect();
    assert_eq!(codes, ["A", "A1", "A2", "A2-1", "B", "Z", "Z1", "Z2", "a9"]);
    let z1 = units.iter().find(|u| u.code == "Z1").unwrap();
    assert_eq!(z1.member_of, ["调查组甲", "科室乙"]);
    assert_eq!(z1.parent_id, Some(town));
    assert_eq!(z1.kind, OrgKind::Unit);
    assert_eq!(units[0].kind, OrgKind::Organisation);
    assert_eq!(units[4].ranking_group.as_deref(), Some("机关"));

    let msg = conflict(
        s.create_org_unit(&org("Z1", "重复", None, OrgKind::Unit, &[]))
            .await,
    );
    assert!(msg.contains("单位"), "{msg}");
    assert!(matches!(
        s.create_org_unit(&org("Q", "无上级", Some(9999), OrgKind::Unit, &[]))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.org_units().await.unwrap().len(), 9);
}

async fn rubric_versions(db: Db) {
    let s = &db.store;
    let admin = s
        .create_user(&new_user("admin", Role::Admin))
        .await
        .unwrap();
    let a1 = s.save_rubric("甲方案", "a = 1", admin).await.unwrap();
    let b1 = s.save_rubric("乙方案", "b = 1", admin).await.unwrap();
    let a2 = s.save_rubric("甲方案", "a = 2", admin).await.unwrap();
    assert_eq!((a1.version, b1.version, a2.version), (1, 1, 2));
    assert_eq!(a2.created_by, admin);
    let got = s.rubric(a1.id).await.unwrap();
    assert_eq!(got, a1);
    assert_eq!(got.toml, "a = 1");
    let all = s.rubrics().await.unwrap();
    // Code-point order on both backends: 乙 (U+4E59) before 甲 (U+7532).
    assert_eq!(ids_of(&all), vec![b1.id, a1.id, a2.id]);
    assert!(matches!(s.rubric(9999).await, Err(StoreError::NotFound(_))));

    // Concurrent saves of one name from two processes get distinct consecutive versions.
    let second = Store::connect(&db.url).await.unwrap();
    let (x, y) = tokio::join!(
        s.save_rubric("丙方案", "c", admin),
        second.save_rubric("丙方案", "c", admin)
    );
    let mut versions = vec![x.unwrap().version, y.unwrap().version];
    versions.sort();
    assert_eq!(versions, [1, 2]);
    second.close().await;
}

fn ids_of(r: &[RubricVersion]) -> Vec<i64> {
    r.iter().map(|r| r.id).collect()
}

async fn periods_and_publish(db: Db) {
    let s = &db.store;
    let f = fixture(s).await;
    let p = s.period(f.period).await.unwrap();
    assert_eq!(p.name, "2024年度");
    assert_eq!(p.year, 2024);
    assert_eq!(p.status, PeriodStatus::Open);
    assert_eq!(p.published_at, None);
    let mut units = vec![f.u1, f.u2];
    units.sort();
    assert_eq!(p.unit_ids, units);

    let second_rubric = s.save_rubric("甲方案", "v2", f.admin).await.unwrap();
    let q = s
        .create_period(&NewPeriod {
            name: "2025年第一季度".into(),
            year: 2025,
            rubric_id: second_rubric.id,
            unit_ids: vec![f.u1],
        })
        .await
        .unwrap();
    let all = s.periods().await.unwrap();
    assert_eq!(
        all.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![q, f.period]
    );
    assert_eq!(all[0].unit_ids, vec![f.u1]);
    // The earlier period keeps the rubric version it was created with.
    assert_eq!(all[1].rubric_id, p.rubric_id);
    assert_ne!(all[0].rubric_id, p.rubric_id);

    assert!(matches!(
        s.create_period(&NewPeriod {
            name: "x".into(),
            year: 2025,
            rubric_id: 9999,
            unit_ids: vec![]
        })
        .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.create_period(&NewPeriod {
            name: "x".into(),
            year: 2025,
            rubric_id: second_rubric.id,
            unit_ids: vec![9999]
        })
        .await,
        Err(StoreError::NotFound(_))
    ));

    s.publish_period(f.period, &common::published_by(f.admin))
        .await
        .unwrap();
    let p = s.period(f.period).await.unwrap();
    assert_eq!(p.status, PeriodStatus::Published);
    assert_eq!(p.published_by, Some(f.admin));
    assert!(p.published_at.is_some());
    let msg = conflict(
        s.publish_period(f.period, &common::published_by(f.admin))
            .await,
    );
    assert_eq!(msg, "考评期已发布锁定");
    assert!(matches!(
        s.publish_period(9999, &common::published_by(f.admin)).await,
        Err(StoreError::NotFound(_))
    ));
    let _ = f.factory;
}

async fn ledger_history(db: Db) {
    let s = &db.store;
    let f = fixture(s).await;
    let mut first = record(&f, "U1", "1.4.2");
    first.points = Some("4.50".parse().unwrap());
    first.date = Some("2023/7/8".parse().unwrap());
    first.due = Some("2023-07-05".parse().unwrap());
    first.level = Some(String::new());
    let e1 = s.append_entry(&first).await.unwrap();
    assert_eq!(
        e1.points.map(|p| p.to_string()).as_deref(),
        Some("4.5"),
        "normalized decimal"
    );
    assert_eq!(
        e1.date.map(|d| d.to_string()).as_deref(),
        Some("2023-07-08")
    );
    assert_eq!(e1.level, None, "empty text is not given");
    assert_eq!(e1.kind, EntryKind::Record);
    assert!(e1.recorded_at > 0);
    let input = e1.finding_input();
    assert_eq!(input.unit, "U1");
    assert_eq!(input.value, Some("4.5".parse().unwrap()));
    assert_eq!(input.done.unwrap().to_string(), "2023-07-08");
    assert_eq!(input.due.unwrap().to_string(), "2023-07-05");
    assert_eq!(input.count, Some(1));

    let e2 = s.append_entry(&record(&f, "U2", "3.2.1")).await.unwrap();
    let before = s.entries(f.period).await.unwrap();

    // Correct e1: the correction replaces it.
    let c1 = s
        .append_entry(&correction(&f, &e1, EntryKind::Correct, "次数录错"))
        .await
        .unwrap();
    assert_eq!(c1.replaces, Some(e1.id));
    assert_eq!(c1.count, Some(2));
    let active = s.active_entries(f.period, Source::Assessor).await.unwrap();
    assert_eq!(ids(&active), vec![e2.id, c1.id]);
    let history = s.entries(f.period).await.unwrap();
    assert_eq!(ids(&history), vec![e1.id, e2.id, c1.id]);
    assert_eq!(history[..2], before[..], "nothing is updated in place");
    assert_eq!(s.entry(e1.id).await.unwrap(), e1);

    // A second correction of the replaced entry is a conflict.
    let msg = conflict(
        s.append_entry(&correction(&f, &e1, EntryKind::Correct, "再改"))
            .await,
    );
    assert_eq!(msg, "该记录已被更正或撤回");
    conflict(
        s.append_entry(&correction(&f, &e1, EntryKind::Withdraw, "撤回"))
            .await,
    );
    // Reasons are required, Record names no entry, replacement needs a target.
    invalid(
        s.append_entry(&correction(&f, &c1, EntryKind::Correct, " "))
            .await,
    );
    invalid(
        s.append_entry(&correction(&f, &c1, EntryKind::Withdraw, ""))
            .await,
    );
    let mut bad = record(&f, "U1", "1.1");
    bad.replaces = Some(c1.id);
    invalid(s.append_entry(&bad).await);
    let mut bad = correction(&f, &c1, EntryKind::Correct, "x");
    bad.replaces = None;
    invalid(s.append_entry(&bad).await);
    // Another source's ledger cannot replace it.
    let mut bad = correction(&f, &c1, EntryKind::Correct, "x");
    bad.source = Source::SelfCheck;
    invalid(s.append_entry(&bad).await);
    // Missing unit or code, unknown period or entry. (Points and dates are typed: a bad one never
    // reaches the store.)
    invalid(s.append_entry(&record(&f, "", "6.1")).await);
    invalid(s.append_entry(&record(&f, "U1", " ")).await);
    let mut bad = record(&f, "U1", "6.1");
    bad.period_id = 9999;
    assert!(matches!(
        s.append_entry(&bad).await,
        Err(StoreError::NotFound(_))
    ));
    let mut bad = correction(&f, &c1, EntryKind::Correct, "x");
    bad.replaces = Some(9999);
    assert!(matches!(
        s.append_entry(&bad).await,
        Err(StoreError::NotFound(_))
    ));
    let mut bad = record(&f, "U1", "6.1");
    bad.evidence_id = Some(9999);
    invalid(s.append_entry(&bad).await);

    // Withdraw the correction: the withdrawal copies what it withdraws and is never active itself.
    let mut withdraw = correction(&f, &c1, EntryKind::Withdraw, "重复记录");
    withdraw.unit_code.clear();
    withdraw.code.clear();
    let w = s.append_entry(&withdraw).await.unwrap();
    assert_eq!((w.unit_code.as_str(), w.code.as_str()), ("U1", "1.4.2"));
    let active = s.active_entries(f.period, Source::Assessor).await.unwrap();
    assert_eq!(ids(&active), vec![e2.id]);
    conflict(
        s.append_entry(&correction(&f, &c1, EntryKind::Withdraw, "再撤"))
            .await,
    );
    conflict(
        s.append_entry(&correction(&f, &w, EntryKind::Correct, "改撤回"))
            .await,
    );

    // Self-assessment is a separate ledger.
    let mut own = record(&f, "U1", "1.4.2");
    own.source = Source::SelfCheck;
    own.department_id = None;
    let own = s.append_entry(&own).await.unwrap();
    assert_eq!(
        ids(&s.active_entries(f.period, Source::SelfCheck).await.unwrap()),
        vec![own.id]
    );
    assert_eq!(
        ids(&s.active_entries(f.period, Source::Assessor).await.unwrap()),
        vec![e2.id]
    );

    // The whole history is still there, unchanged.
    let after = s.entries(f.period).await.unwrap();
    assert_eq!(ids(&after), vec![e1.id, e2.id, c1.id, w.id, own.id]);
    assert_eq!(after[..3], history[..]);
    // Appeal decisions come only through decide_appeal.
    let mut sneaky = correction(&f, &e2, EntryKind::AppealDecision, "x");
    sneaky.reason = "直接写入".into();
    invalid(s.append_entry(&sneaky).await);
}

async fn batch_appends_all_or_nothing(db: Db) {
    let s = &db.store;
    let f = fixture(s).await;
    let good = record(&f, "U1", "1.4.2");
    let first = s.append_entry(&good).await.unwrap();
    // The third entry corrects nothing valid: nothing of the batch lands.
    let mut stale = correction(&f, &first, EntryKind::Correct, "改");
    stale.replaces = Some(first.id + 10_000);
    let before = s.entries(f.period).await.unwrap();
    let (at, _) = s
        .append_entries(&[record(&f, "U2", "3.2.1"), record(&f, "U1", "2.1"), stale])
        .await
        .unwrap_err();
    assert_eq!(at, 2);
    assert_eq!(s.entries(f.period).await.unwrap(), before);
    let saved = s
        .append_entries(&[record(&f, "U2", "3.2.1"), record(&f, "U1", "2.1")])
        .await
        .unwrap();
    assert_eq!(saved.len(), 2);
    assert_eq!(s.entries(f.period).await.unwrap().len(), before.len() + 2);
}

async fn ledger_is_append_only_in_the_database(db: Db) {
    let s = &db.store;
    let f = fixture(s).await;
    let e = s.append_entry(&record(&f, "U1", "1.1")).await.unwrap();
    s.audit(Some(f.admin), "test", "x").await.unwrap();
    // Even SQL that bypasses the store cannot rewrite history.
    let raw = sqlx::AnyPool::connect(&db.url).await.unwrap();
    for sql in [
        "UPDATE entries SET note = 'rewritten'",
        "DELETE FROM entries",
        "UPDATE audit_log SET detail = 'rewritten'",
        "DELETE FROM audit_log",
    ] {
        assert!(sqlx::query(sql).execute(&raw).await.is_err(), "{sql}");
    }
    raw.close().await;
    assert_eq!(s.entry(e.id).await.unwrap(), e);
    assert_eq!(s.audit_log(10).await.unwrap().len(), 1);
}

async fn publish_locks_and_appeals(db: Db) {
    let s = &db.store;
    let f = fixture(s).await;
    let e1 = s.append_entry(&record(&f, "U1", "1.4.2")).await.unwrap();
    let e2 = s.append_entry(&record(&f, "U2", "3.2.1")).await.unwrap();
    let g = s.append_entry(&record(&f, "G", "2.1")).await.unwrap();
    let leader = s
        .create_user(&new_user("u1-leader", Role::Leader))
        .await
        .unwrap();

    // No appeals before publishing.
    let msg = conflict(s.file_appeal(f.period, e1.id, f.u1, "不服", leader).await);
    assert!(msg.contains("尚未发布"), "{msg}");

    s.publish_period(f.period, &common::published_by(f.admin))
        .await
        .unwrap();
    let locked = s.entries(f.period).await.unwrap();
    assert_eq!(
        conflict(s.append_entry(&record(&f, "U1", "1.1")).await),
        "考评期已发布锁定"
    );
    assert_eq!(
        conflict(
            s.append_entry(&correction(&f, &e1, EntryKind::Correct, "改"))
                .await
        ),
        "考评期已发布锁定"
    );
    conflict(
        s.append_entry(&correction(&f, &e2, EntryKind::Withdraw, "撤"))
            .await,
    );
    assert_eq!(s.entries(f.period).await.unwrap(), locked);

    // U1 appeals its own finding and the finding of its group; it cannot appeal U2's.
    let a1 = s
        .file_appeal(f.period, e1.id, f.u1, "事故发生在外包区域", leader)
        .await
        .unwrap();
    let msg = conflict(s.file_appeal(f.period, e1.id, f.u1, "再诉", leader).await);
    assert!(msg.contains("待处理"), "{msg}");
    invalid(s.file_appeal(f.period, e2.id, f.u1, "不服", leader).await);
    invalid(s.file_appeal(f.period, e1.id, f.u1, " ", leader).await);
    let a_group = s
        .file_appeal(f.period, g.id, f.u1, "组内已整改", leader)
        .await
        .unwrap();
    let a2 = s
        .file_appeal(f.period, e2.id, f.u2, "材料齐全", leader)
        .await
        .unwrap();

    // Accepted with a correction: an appeal decision replaces the appealed entry.
    let mut fix = record(&f, "U1", "1.4.2");
    fix.count = Some(0);
    fix.note = "经复核不属实".into();
    s.decide_appeal(a1, true, "申诉成立", f.admin, Some(&fix))
        .await
        .unwrap();
    let history = s.entries(f.period).await.unwrap();
    assert_eq!(history.len(), locked.len() + 1);
    assert_eq!(history[..locked.len()], locked[..]);
    let decision = history.last().unwrap().clone();
    assert_eq!(decision.kind, EntryKind::AppealDecision);
    assert_eq!(decision.replaces, Some(e1.id));
    assert_eq!(decision.reason, "申诉成立");
    assert_eq!(decision.count, Some(0));
    let active = ids(&s.active_entries(f.period, Source::Assessor).await.unwrap());
    assert_eq!(active, vec![e2.id, g.id, decision.id]);

    // Decided once.
    assert_eq!(
        conflict(s.decide_appeal(a1, false, "改判", f.admin, None).await),
        "该申诉已处理"
    );
    // Rejected: the ledger is untouched.
    invalid(
        s.decide_appeal(a2, false, "驳回", f.admin, Some(&fix))
            .await,
    );
    invalid(s.decide_appeal(a2, false, " ", f.admin, None).await);
    s.decide_appeal(a2, false, "材料不足", f.admin, None)
        .await
        .unwrap();
    assert_eq!(s.entries(f.period).await.unwrap(), history);
    // Accepted without a correction: the finding is withdrawn.
    s.decide_appeal(a_group, true, "已整改到位", f.admin, None)
        .await
        .unwrap();
    let active = ids(&s.active_entries(f.period, Source::Assessor).await.unwrap());
    assert_eq!(active, vec![e2.id, decision.id]);
    let last = s.entries(f.period).await.unwrap().pop().unwrap();
    assert_eq!(
        (last.kind, last.replaces),
        (EntryKind::Withdraw, Some(g.id))
    );

    let appeals = s.appeals(f.period).await.unwrap();
    assert_eq!(
        appeals.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![a1, a_group, a2]
    );
    assert_eq!(appeals[0].status, AppealStatus::Accepted);
    assert_eq!(appeals[0].decision_entry_id, Some(decision.id));
    assert_eq!(appeals[0].decision_reason.as_deref(), Some("申诉成立"));
    assert_eq!(appeals[0].decided_by, Some(f.admin));
    assert_eq!(appeals[0].filed_by, leader);
    assert_eq!(appeals[0].unit_id, f.u1);
    assert_eq!(appeals[1].decision_entry_id, Some(last.id));
    assert_eq!(appeals[2].status, AppealStatus::Rejected);
    assert_eq!(appeals[2].decision_entry_id, None);
    assert!(appeals[2].decided_at.is_some());
    assert_eq!(s.appeal(a2).await.unwrap(), appeals[2]);

    // The appealed entry is replaced now: appealing it again is a conflict.
    conflict(s.file_appeal(f.period, e1.id, f.u1, "再诉", leader).await);
    // The appeal decision can itself be appealed.
    let a3 = s
        .file_appeal(f.period, decision.id, f.u1, "仍不服", leader)
        .await
        .unwrap();
    assert_eq!(s.appeal(a3).await.unwrap().status, AppealStatus::Pending);
}

async fn appeal_rules(db: Db) {
    let s = &db.store;
    let f = fixture(s).await;
    let e1 = s.append_entry(&record(&f, "U1", "1.4.2")).await.unwrap();
    let mut own = record(&f, "U1", "1.4.2");
    own.source = Source::SelfCheck;
    let own = s.append_entry(&own).await.unwrap();
    s.publish_period(f.period, &common::published_by(f.admin))
        .await
        .unwrap();
    // Self-assessment entries are not appealed.
    invalid(s.file_appeal(f.period, own.id, f.u1, "x", f.admin).await);
    assert!(matches!(
        s.file_appeal(f.period, 9999, f.u1, "x", f.admin).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.decide_appeal(9999, false, "x", f.admin, None).await,
        Err(StoreError::NotFound(_))
    ));
    let a = s
        .file_appeal(f.period, e1.id, f.u1, "不服", f.admin)
        .await
        .unwrap();
    // A correction must replace the appealed entry and belong to its period.
    let mut wrong = record(&f, "U1", "1.4.2");
    wrong.replaces = Some(own.id);
    invalid(
        s.decide_appeal(a, true, "成立", f.admin, Some(&wrong))
            .await,
    );
    let mut wrong = record(&f, "U1", "1.4.2");
    wrong.period_id = 9999;
    invalid(
        s.decide_appeal(a, true, "成立", f.admin, Some(&wrong))
            .await,
    );
    // A failed decision leaves neither a decision nor an entry behind.
    assert_eq!(s.appeal(a).await.unwrap().status, AppealStatus::Pending);
    assert_eq!(s.entries(f.period).await.unwrap().len(), 2);
    let _ = f.u2;
}

async fn evidence_dedup(db: Db) {
    let s = &db.store;
    let admin = s
        .create_user(&new_user("admin", Role::Admin))
        .await
        .unwrap();
    let other = s
        .create_user(&new_user("other", Role::Assessor))
        .await
        .unwrap();
    let pdf = b"%PDF-1.4 fake".to_vec();
    let a = s
        .put_evidence(&pdf, "application/pdf", "整改报告.pdf", admin)
        .await
        .unwrap();
    let b = s
        .put_evidence(&pdf, "application/pdf", "副本.pdf", other)
        .await
        .unwrap();
    assert_eq!(a, b, "same bytes, one row (the first upload's name)");
    assert_eq!(a.filename, "整改报告.pdf");
    assert_eq!(a.size, pdf.len() as i64);
    let abc = s
        .put_evidence(b"abc", "text/plain", "a.txt", admin)
        .await
        .unwrap();
    assert_eq!(
        abc.sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_ne!(abc.id, a.id);
    let (meta, bytes) = s.evidence(a.id).await.unwrap();
    assert_eq!(meta, a);
    assert_eq!(bytes, pdf);
    let binary: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let big = s
        .put_evidence(&binary, "image/png", "照片.png", admin)
        .await
        .unwrap();
    assert_eq!(s.evidence(big.id).await.unwrap().1, binary);
    invalid(s.put_evidence(b"", "text/plain", "empty.txt", admin).await);
    assert!(matches!(
        s.evidence(9999).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn reviews_latest_per_department(db: Db) {
    let s = &db.store;
    let f = fixture(s).await;
    let jw = s.create_department("JW", "纪委").await.unwrap();
    s.set_review(f.period, f.dept, ReviewStatus::Submitted, "", f.admin)
        .await
        .unwrap();
    s.set_review(f.period, jw, ReviewStatus::Submitted, "", f.admin)
        .await
        .unwrap();
    s.set_review(
        f.period,
        f.dept,
        ReviewStatus::Returned,
        "缺少证据",
        f.admin,
    )
    .await
    .unwrap();
    invalid(
        s.set_review(f.period, jw, ReviewStatus::Returned, " ", f.admin)
            .await,
    );
    let mut expected = vec![
        (f.dept, ReviewStatus::Returned, "缺少证据"),
        (jw, ReviewStatus::Submitted, ""),
    ];
    expected.sort_by_key(|r| r.0);
    let got = s.reviews(f.period).await.unwrap();
    assert_eq!(
        got.iter()
            .map(|r| (r.department_id, r.status, r.reason.as_str()))
            .collect::<Vec<_>>(),
        expected
    );
    assert!(got
        .iter()
        .all(|r| r.period_id == f.period && r.by == f.admin));
    s.set_review(f.period, f.dept, ReviewStatus::Approved, "", f.admin)
        .await
        .unwrap();
    let got = s.reviews(f.period).await.unwrap();
    assert!(got
        .iter()
        .any(|r| r.department_id == f.dept && r.status == ReviewStatus::Approved));
    assert_eq!(s.review_history(f.period).await.unwrap().len(), 4);
    assert!(s.reviews(9999).await.unwrap().is_empty());
}

async fn audit_log_newest_first(db: Db) {
    let s = &db.store;
    let admin = s
        .create_user(&new_user("admin", Role::Admin))
        .await
        .unwrap();
    s.audit(None, "login_failed", "admin from 10.0.0.1")
        .await
        .unwrap();
    s.audit(Some(admin), "login", "admin").await.unwrap();
    s.audit(Some(admin), "publish_period", "2024年度")
        .await
        .unwrap();
    let log = s.audit_log(10).await.unwrap();
    assert_eq!(
        log.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
        ["publish_period", "login", "login_failed"]
    );
    assert_eq!(log[2].user_id, None);
    assert_eq!(log[0].user_id, Some(admin));
    assert_eq!(log[0].detail, "2024年度");
    assert!(log[0].at >= log[2].at);
    assert_eq!(s.audit_log(2).await.unwrap(), log[..2]);
}

/// Two stores on one database, as two server processes: concurrent appends lose nothing, and of many
/// concurrent corrections of one entry exactly one lands.
async fn concurrent_stores(db: Db) {
    let s = db.store.clone();
    let f = fixture(&s).await;
    let second = Store::connect(&db.url).await.unwrap();
    let f = std::sync::Arc::new(f);

    let mut tasks = Vec::new();
    for (n, store) in [s.clone(), second.clone()].into_iter().enumerate() {
        for i in 0..200 {
            let store = store.clone();
            let f = f.clone();
            tasks.push(tokio::spawn(async move {
                let mut e = record(&f, "U1", "1.4.2");
                e.note = format!("process {n} entry {i}");
                store.append_entry(&e).await.map(|e| e.id)
            }));
        }
    }
    let mut written = HashSet::new();
    for t in tasks {
        assert!(written.insert(t.await.unwrap().unwrap()));
    }
    let all = s.entries(f.period).await.unwrap();
    assert_eq!(all.len(), 400);
    assert_eq!(all.iter().map(|e| e.id).collect::<HashSet<_>>(), written);
    let notes: HashSet<&str> = all.iter().map(|e| e.note.as_str()).collect();
    assert_eq!(notes.len(), 400);

    let target = all[0].clone();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = if i % 2 == 0 {
            s.clone()
        } else {
            second.clone()
        };
        let f = f.clone();
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let c = correction(&f, &target, EntryKind::Correct, &format!("更正{i}"));
            store.append_entry(&c).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict(m)) => assert_eq!(m, "该记录已被更正或撤回"),
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(ok, 1, "exactly one correction lands");
    assert_eq!(s.entries(f.period).await.unwrap().len(), 401);
    assert_eq!(
        s.active_entries(f.period, Source::Assessor)
            .await
            .unwrap()
            .len(),
        400
    );
    second.close().await;
}

/// Of many concurrent decisions on one appeal, from two processes, exactly one lands, with its entry.
async fn appeal_decided_once_under_concurrency(db: Db) {
    let s = db.store.clone();
    let f = fixture(&s).await;
    let e1 = s.append_entry(&record(&f, "U1", "1.4.2")).await.unwrap();
    s.publish_period(f.period, &common::published_by(f.admin))
        .await
        .unwrap();
    let a = s
        .file_appeal(f.period, e1.id, f.u1, "不服", f.admin)
        .await
        .unwrap();
    let second = Store::connect(&db.url).await.unwrap();
    let f = std::sync::Arc::new(f);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = if i % 2 == 0 {
            s.clone()
        } else {
            second.clone()
        };
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut fix = record(&f, "U1", "1.4.2");
            fix.count = Some(i);
            let accept = i % 3 != 0;
            let correction = accept.then_some(&fix);
            store
                .decide_appeal(a, accept, &format!("决定{i}"), f.admin, correction)
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => ok += 1,
            Err(StoreError::Conflict(m)) => assert_eq!(m, "该申诉已处理"),
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    let appeal = s.appeal(a).await.unwrap();
    let entries = s.entries(f.period).await.unwrap();
    match appeal.status {
        AppealStatus::Accepted => {
            assert_eq!(entries.len(), 2);
            assert_eq!(appeal.decision_entry_id, Some(entries[1].id));
        }
        AppealStatus::Rejected => assert_eq!(entries.len(), 1),
        AppealStatus::Pending => panic!("undecided"),
    }
    second.close().await;
}

on_both!(appeal_decided_once_under_concurrency);

/// The data folder may have any name: spaces, `#`, `?`, `%`, Chinese.
#[tokio::test]
async fn sqlite_data_dir_with_odd_characters() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("考评 数据#1?%20");
    let store = Store::open_sqlite(&data).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store.create_department("JW", "纪委").await.unwrap();
    store.close().await;
    assert!(data.join("kaoping.db").is_file());
    let again = Store::open_sqlite(&data).await.unwrap();
    assert_eq!(again.departments().await.unwrap().len(), 1);
    again.close().await;
    // The database file is in WAL mode (a persistent setting of the file).
    let url = format!("sqlite://{}", data.join("kaoping.db").display()).replace('#', "%23");
    let url = url.replace("%20", "%2520").replace('?', "%3F");
    let raw = sqlx::AnyPool::connect(&url).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&raw)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    raw.close().await;
}

#[tokio::test]
async fn unsupported_url_is_invalid() {
    assert!(matches!(
        Store::connect("mysql://localhost/x").await,
        Err(StoreError::Invalid(_))
    ));
}

/// Of many concurrent appeals of one unit against one entry, exactly one is filed.
async fn one_pending_appeal_under_concurrency(db: Db) {
    let s = db.store.clone();
    let f = fixture(&s).await;
    let e1 = s.append_entry(&record(&f, "U1", "1.4.2")).await.unwrap();
    s.publish_period(f.period, &common::published_by(f.admin))
        .await
        .unwrap();
    let second = Store::connect(&db.url).await.unwrap();
    let (period, u1, admin) = (f.period, f.u1, f.admin);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = if i % 2 == 0 {
            s.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            store.file_appeal(period, e1.id, u1, "不服", admin).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict(m)) => assert!(m.contains("待处理"), "{m}"),
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(s.appeals(f.period).await.unwrap().len(), 1);
    second.close().await;
}

on_both!(one_pending_appeal_under_concurrency);

/// Publishing while other processes append: every append either lands before the lock or is refused, and
/// nothing recorded directly is dated after publication.
async fn publish_while_appending(db: Db) {
    let s = db.store.clone();
    let f = std::sync::Arc::new(fixture(&s).await);
    let second = Store::connect(&db.url).await.unwrap();
    let mut tasks = Vec::new();
    let mut publish = None;
    for i in 0..60 {
        if i == 20 {
            let (s, f) = (s.clone(), f.clone());
            publish = Some(tokio::spawn(async move {
                s.publish_period(f.period, &common::published_by(f.admin))
                    .await
            }));
        }
        let store = if i % 2 == 0 {
            s.clone()
        } else {
            second.clone()
        };
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            store.append_entry(&record(&f, "U1", "1.4.2")).await
        }));
    }
    publish.unwrap().await.unwrap().unwrap();
    let mut landed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => landed += 1,
            Err(StoreError::Conflict(m)) => assert_eq!(m, "考评期已发布锁定"),
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    let published_at = s.period(f.period).await.unwrap().published_at.unwrap();
    let entries = s.entries(f.period).await.unwrap();
    assert_eq!(entries.len(), landed);
    assert!(entries.iter().all(|e| e.recorded_at <= published_at));
    second.close().await;
}

on_both!(publish_while_appending);

/// Several processes starting at once on a fresh database: all of them come up, the schema once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_start_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("kaoping.db").display()
    );
    let starts = (0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move { Store::connect(&url).await })
    });
    for start in starts.collect::<Vec<_>>() {
        let store = start.await.unwrap().unwrap();
        assert_eq!(store.count_users().await.unwrap(), 0);
        store.close().await;
    }
}

/// A check and the write it guards, in one [`PeriodTx`]: twenty writers over two stores (two processes)
/// each look for an entry of U1 on 6.1 and append one only if there is none. Exactly one lands, and the
/// head each saw under the lock is the head the last one left.
async fn a_period_lock_holds_a_check_and_its_write_together(db: Db) {
    let s = db.store.clone();
    let f = std::sync::Arc::new(fixture(&s).await);
    let second = Store::connect(&db.url).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = if i % 2 == 0 {
            s.clone()
        } else {
            second.clone()
        };
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.lock_period(f.period).await.unwrap();
            let before = tx.head();
            let taken = tx
                .active_entries()
                .await
                .unwrap()
                .iter()
                .any(|e| e.unit_code == "U1" && e.code == "6.1");
            if taken {
                return (before, None);
            }
            let saved = tx.append(&record(&f, "U1", "6.1")).await.unwrap();
            tx.commit().await.unwrap();
            (before, Some(saved.id))
        }));
    }
    let mut landed = Vec::new();
    let mut heads = Vec::new();
    for t in tasks {
        let (head, saved) = t.await.unwrap();
        heads.push(head);
        landed.extend(saved);
    }
    assert_eq!(landed.len(), 1, "exactly one writer passed the check");
    let head = s.ledger_head(f.period).await.unwrap();
    assert_eq!(head.last_entry, landed[0]);
    assert_eq!(
        heads.iter().filter(|h| h.last_entry == 0).count(),
        1,
        "only the first writer saw an empty ledger: {heads:?}"
    );
    second.close().await;
}

/// The head moves with every entry, every publication and every change to the organisation, and with
/// nothing else.
async fn the_head_counts_what_changes_a_period(db: Db) {
    let s = &db.store;
    let f = fixture(s).await;
    let start = s.ledger_head(f.period).await.unwrap();
    assert_eq!(start.last_entry, 0);
    let e = s.append_entry(&record(&f, "U1", "1.4.2")).await.unwrap();
    let after_entry = s.ledger_head(f.period).await.unwrap();
    assert_eq!(after_entry.last_entry, e.id);
    assert_eq!(after_entry.revision, start.revision);
    s.set_review(f.period, f.dept, ReviewStatus::Submitted, "", f.admin)
        .await
        .unwrap();
    assert_eq!(s.ledger_head(f.period).await.unwrap(), after_entry);
    s.create_org_unit(&org("U3", "三车间", Some(f.factory), OrgKind::Unit, &["G"]))
        .await
        .unwrap();
    let after_org = s.ledger_head(f.period).await.unwrap();
    assert!(after_org.revision > after_entry.revision);
    s.publish_period(f.period, &common::published_by(f.admin))
        .await
        .unwrap();
    let after_publish = s.ledger_head(f.period).await.unwrap();
    assert!(after_publish.revision > after_org.revision);
    assert_eq!(after_publish.last_entry, e.id);
    assert!(matches!(
        s.ledger_head(9999).await,
        Err(StoreError::NotFound(_))
    ));
    // Paging the history: pages in order, with what still counts.
    s.decide_appeal(
        s.file_appeal(f.period, e.id, f.u1, "不属实", f.admin)
            .await
            .unwrap(),
        true,
        "核实",
        f.admin,
        None,
    )
    .await
    .unwrap();
    let all = LedgerFilter::default();
    let page = s.ledger_page(f.period, &all, 0, 1).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].0.id, e.id);
    assert!(!page.entries[0].1, "the appealed entry was withdrawn");
    // Filtered by unit and code, in SQL.
    let u2 = s.append_entry(&record(&f, "U2", "3.2.1")).await;
    assert!(
        matches!(u2, Err(StoreError::Conflict(_))),
        "published: {u2:?}"
    );
    let only = |units: &[&str], code: Option<&str>| LedgerFilter {
        units: units.iter().map(|u| u.to_string()).collect(),
        code: code.map(String::from),
        ..LedgerFilter::default()
    };
    let page = s
        .ledger_page(f.period, &only(&["U1", "G"], Some("1.4.2")), 0, 10)
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    let page = s
        .ledger_page(f.period, &only(&["U2"], None), 0, 10)
        .await
        .unwrap();
    assert_eq!((page.total, page.entries.len()), (0, 0));
    let page = s
        .ledger_page(f.period, &only(&[], Some("9.9")), 0, 10)
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    let rest = s.ledger_after(f.period, e.id, 10).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].0.kind, EntryKind::Withdraw);
    assert!(!rest[0].1, "a withdrawal never counts");
}

on_both!(
    a_period_lock_holds_a_check_and_its_write_together,
    the_head_counts_what_changes_a_period
);

on_both!(ledger_filters, audit_filters);

/// The ids on a page of the ledger `filter` keeps, with the total.
async fn kept(s: &Store, f: &Fixture, filter: &LedgerFilter) -> (Vec<i64>, i64) {
    let page = s.ledger_page(f.period, filter, 0, 100).await.unwrap();
    (page.entries.iter().map(|(e, _)| e.id).collect(), page.total)
}

/// Waits until the clock has moved on by a millisecond, so the next record is written strictly later.
async fn tick() {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}

/// Each filter of the ledger in SQL, their combination (AND), paging with the total, and the text
/// search taking `%` and `_` literally.
async fn ledger_filters(db: Db) {
    let s = &db.store;
    let f = fixture(s).await;
    let clerk = s
        .create_user(&new_user("clerk", Role::Assessor))
        .await
        .unwrap();
    let entry = |unit: &str, code: &str, by: i64, note: &str| NewEntry {
        recorded_by: by,
        note: note.into(),
        ..record(&f, unit, code)
    };
    let e1 = s
        .append_entry(&entry("U1", "1.4.2", f.admin, "配电室事故axb"))
        .await
        .unwrap();
    tick().await;
    let e2 = s
        .append_entry(&entry("U2", "1.4.2", clerk, "完成率100%"))
        .await
        .unwrap();
    tick().await;
    let e3 = s
        .append_entry(&entry("G", "3.2.1", clerk, "完成率100以上"))
        .await
        .unwrap();
    tick().await;
    let e4 = s
        .append_entry(&entry("U2", "3.2.1", f.admin, "a_b Safety"))
        .await
        .unwrap();
    tick().await;
    let w = s
        .append_entry(&correction(&f, &e4, EntryKind::Withdraw, "重复录入 ab"))
        .await
        .unwrap();
    let all = LedgerFilter::default();
    assert_eq!(
        kept(s, &f, &all).await,
        (vec![e1.id, e2.id, e3.id, e4.id, w.id], 5)
    );

    // Units (a unit and its group, as the application asks), codes, one code list, the recorder.
    let units = |u: &[&str]| LedgerFilter {
        units: u.iter().map(|u| u.to_string()).collect(),
        ..LedgerFilter::default()
    };
    assert_eq!(
        kept(s, &f, &units(&["U1", "G"])).await,
        (vec![e1.id, e3.id], 2)
    );
    let code = LedgerFilter {
        code: Some("3.2.1".into()),
        ..LedgerFilter::default()
    };
    assert_eq!(kept(s, &f, &code).await.1, 3, "e3, e4 and the withdrawal");
    let codes = |c: &[&str]| LedgerFilter {
        codes: Some(c.iter().map(|c| c.to_string()).collect()),
        ..LedgerFilter::default()
    };
    assert_eq!(
        kept(s, &f, &codes(&["1.4.2", "9.9"])).await,
        (vec![e1.id, e2.id], 2)
    );
    assert_eq!(
        kept(s, &f, &codes(&[])).await,
        (vec![], 0),
        "no code keeps nothing"
    );
    let by_clerk = LedgerFilter {
        recorded_by: Some(clerk),
        ..LedgerFilter::default()
    };
    assert_eq!(kept(s, &f, &by_clerk).await, (vec![e2.id, e3.id], 2));

    // Times: from is inclusive, until exclusive.
    let between = LedgerFilter {
        from_ms: Some(e2.recorded_at),
        until_ms: Some(e4.recorded_at),
        ..LedgerFilter::default()
    };
    assert_eq!(kept(s, &f, &between).await, (vec![e2.id, e3.id], 2));
    let later = LedgerFilter {
        from_ms: Some(w.recorded_at + 1),
        ..LedgerFilter::default()
    };
    assert_eq!(kept(s, &f, &later).await.1, 0);

    // Text in the note or the reason; % and _ are themselves; ASCII case is ignored.
    let text = |t: &str| LedgerFilter {
        text: Some(t.into()),
        ..LedgerFilter::default()
    };
    assert_eq!(kept(s, &f, &text("完成率")).await, (vec![e2.id, e3.id], 2));
    assert_eq!(
        kept(s, &f, &text("%")).await,
        (vec![e2.id], 1),
        "a literal %"
    );
    assert_eq!(kept(s, &f, &text("100%")).await, (vec![e2.id], 1));
    assert_eq!(
        kept(s, &f, &text("a_b")).await,
        (vec![e4.id], 1),
        "a literal _"
    );
    assert_eq!(kept(s, &f, &text("_")).await, (vec![e4.id], 1));
    assert_eq!(kept(s, &f, &text("SAFETY")).await, (vec![e4.id], 1), "case");
    assert_eq!(
        kept(s, &f, &text("重复")).await,
        (vec![w.id], 1),
        "the reason"
    );
    assert_eq!(
        kept(s, &f, &text("a\\b")).await.1,
        0,
        "a backslash is itself"
    );
    assert_eq!(
        kept(s, &f, &text("  ")).await.1,
        5,
        "blank text is not given"
    );

    // Every condition together.
    let together = LedgerFilter {
        units: vec!["U2".into()],
        code: Some("1.4.2".into()),
        codes: Some(vec!["1.4.2".into(), "3.2.1".into()]),
        recorded_by: Some(clerk),
        from_ms: Some(e1.recorded_at),
        until_ms: Some(w.recorded_at + 1),
        text: Some("100%".into()),
    };
    assert_eq!(kept(s, &f, &together).await, (vec![e2.id], 1));
    let none = LedgerFilter {
        recorded_by: Some(f.admin),
        ..together.clone()
    };
    assert_eq!(kept(s, &f, &none).await, (vec![], 0));

    // Pages of a filtered list: the total counts every match, page 2 goes on where page 1 stopped.
    let by_admin = LedgerFilter {
        recorded_by: Some(f.admin),
        ..LedgerFilter::default()
    };
    let first = s.ledger_page(f.period, &by_admin, 0, 2).await.unwrap();
    let second = s.ledger_page(f.period, &by_admin, 2, 2).await.unwrap();
    let ids = |p: &LedgerPage| p.entries.iter().map(|(e, _)| e.id).collect::<Vec<_>>();
    assert_eq!((ids(&first), first.total), (vec![e1.id, e4.id], 3));
    assert_eq!((ids(&second), second.total), (vec![w.id], 3));
    assert!(!second.entries[0].1, "a withdrawal never counts");
    assert!(!first.entries[1].1, "the withdrawn entry no longer counts");

    // Who recorded something in the period.
    assert_eq!(s.ledger_recorders(f.period).await.unwrap(), {
        let mut who = vec![f.admin, clerk];
        who.sort_unstable();
        who
    });
}

/// The audit log's filters in SQL (user, action, time, text with literal wildcards), newest first, paged
/// with the total.
async fn audit_filters(db: Db) {
    let s = &db.store;
    let admin = s
        .create_user(&new_user("admin", Role::Admin))
        .await
        .unwrap();
    let clerk = s
        .create_user(&new_user("clerk", Role::Assessor))
        .await
        .unwrap();
    s.audit(None, "first_start", "创建管理员账号admin")
        .await
        .unwrap();
    tick().await;
    s.audit(Some(admin), "login", "admin 登录").await.unwrap();
    tick().await;
    s.audit(Some(clerk), "login", "clerk 登录").await.unwrap();
    tick().await;
    s.audit(Some(clerk), "entry", "记录#1 完成率50%")
        .await
        .unwrap();
    tick().await;
    s.audit(Some(admin), "publish", "发布 2024_A")
        .await
        .unwrap();
    let log = s.audit_log(10).await.unwrap();
    let id = |i: usize| log[i].id; // newest first: 0 publish … 4 first_start
    let page = |filter: AuditFilter| async move {
        let p = s.audit_page(&filter, 0, 100).await.unwrap();
        (p.entries.iter().map(|a| a.id).collect::<Vec<_>>(), p.total)
    };
    assert_eq!(
        page(AuditFilter::default()).await,
        ((0..5).map(id).collect(), 5)
    );
    assert_eq!(
        page(AuditFilter {
            user_id: Some(clerk),
            ..AuditFilter::default()
        })
        .await,
        (vec![id(1), id(2)], 2)
    );
    assert_eq!(
        page(AuditFilter {
            action: Some("login".into()),
            ..AuditFilter::default()
        })
        .await,
        (vec![id(2), id(3)], 2)
    );
    assert_eq!(
        page(AuditFilter {
            action: Some("login".into()),
            user_id: Some(admin),
            ..AuditFilter::default()
        })
        .await,
        (vec![id(3)], 1)
    );
    assert_eq!(
        page(AuditFilter {
            from_ms: Some(log[3].at),
            until_ms: Some(log[1].at),
            ..AuditFilter::default()
        })
        .await,
        (vec![id(2), id(3)], 2)
    );
    let text = |t: &str| AuditFilter {
        text: Some(t.into()),
        ..AuditFilter::default()
    };
    assert_eq!(page(text("%")).await, (vec![id(1)], 1), "a literal %");
    assert_eq!(page(text("_")).await, (vec![id(0)], 1), "a literal _");
    assert_eq!(page(text("ADMIN")).await, (vec![id(3), id(4)], 2), "case");
    // Paging: newest first, the total of the whole selection.
    let first = s.audit_page(&AuditFilter::default(), 0, 2).await.unwrap();
    let second = s.audit_page(&AuditFilter::default(), 2, 2).await.unwrap();
    assert_eq!(first.total, 5);
    assert_eq!(first.entries, log[..2]);
    assert_eq!(second.entries, log[2..4]);
}

/// 整改: one requirement per active assessor entry; a report while none awaits, a decision only on one
/// that does, nothing after acceptance; both tables append-only in the database.
async fn rectification_steps_follow_their_state(db: Db) {
    let s = &db.store;
    let f = fixture(s).await;
    let e = s.append_entry(&record(&f, "U1", "1.1")).await.unwrap();
    let own = s
        .append_entry(&NewEntry {
            source: Source::SelfCheck,
            ..record(&f, "U1", "1.2")
        })
        .await
        .unwrap();
    let day: kaoping_core::date::Date = "2024-07-31".parse().unwrap();
    assert!(invalid(NewRectification::new(e.id, "  ", day, f.admin)).contains("整改要求"));
    let step = |kind, text: &str| NewStep::new(kind, text, None, f.admin, day).unwrap();
    assert!(invalid(NewStep::new(StepKind::Return, "", None, f.admin, day)).contains("验收意见"));

    let mut tx = s.lock_period(f.period).await.unwrap();
    let r = NewRectification::new(own.id, "整改", day, f.admin).unwrap();
    assert!(invalid(tx.require_rectification(&r).await).contains("自查"));
    let r = NewRectification::new(e.id, "  完善制度 ", day, f.admin).unwrap();
    let id = tx.require_rectification(&r).await.unwrap();
    assert!(conflict(tx.require_rectification(&r).await).contains("已要求整改"));
    assert!(conflict(
        tx.add_rectification_step(id, &step(StepKind::Accept, ""))
            .await
    )
    .contains("没有待验收"));
    tx.add_rectification_step(id, &step(StepKind::Report, "已整改"))
        .await
        .unwrap();
    assert!(conflict(
        tx.add_rectification_step(id, &step(StepKind::Report, "再报"))
            .await
    )
    .contains("待验收"));
    tx.add_rectification_step(id, &step(StepKind::Return, "不到位"))
        .await
        .unwrap();
    tx.add_rectification_step(id, &step(StepKind::Report, "补充"))
        .await
        .unwrap();
    tx.add_rectification_step(id, &step(StepKind::Accept, ""))
        .await
        .unwrap();
    assert!(conflict(
        tx.add_rectification_step(id, &step(StepKind::Return, "再退"))
            .await
    )
    .contains("已验收通过"));
    tx.commit().await.unwrap();

    let r = s.rectification(id).await.unwrap();
    assert_eq!(r.requirement, "完善制度");
    assert_eq!((r.unit_code.as_str(), r.code.as_str()), ("U1", "1.1"));
    assert_eq!(r.due, day);
    assert_eq!(r.state(), RectificationState::Accepted);
    let kinds: Vec<StepKind> = r.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::Report,
            StepKind::Return,
            StepKind::Report,
            StepKind::Accept
        ]
    );
    assert_eq!(s.rectifications(f.period).await.unwrap(), vec![r.clone()]);

    let raw = sqlx::AnyPool::connect(&db.url).await.unwrap();
    for sql in [
        "UPDATE rectifications SET due = '2099-12-31'",
        "DELETE FROM rectifications",
        "UPDATE rectification_steps SET kind = 'accept'",
        "DELETE FROM rectification_steps",
    ] {
        assert!(sqlx::query(sql).execute(&raw).await.is_err(), "{sql}");
    }
    raw.close().await;
    assert_eq!(s.rectification(id).await.unwrap(), r);
}
