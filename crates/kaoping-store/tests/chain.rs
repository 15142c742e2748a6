//! The hash chains on both backends: what the application writes verifies; every kind of edit behind
//! its back is named by `verify_chains`; racing writers from two processes never fork a chain; and the
//! databases themselves refuse what they can.

#[macro_use]
mod common;

use common::Db;
use kaoping_store::*;
use sqlx::{AnyConnection, Connection, Executor};

on_both!(
    what_the_application_writes_verifies,
    every_edit_behind_its_back_is_named,
    a_truncated_ledger_is_missing,
    racing_writers_never_fork_a_chain,
    a_check_while_writers_append_sees_no_problem,
    a_bulk_append_links_every_entry_in_order,
    the_database_refuses_what_it_can,
    a_notice_heading_is_linked_with_its_publication,
    rectifications_are_linked_into_the_period_chain,
);

struct World {
    admin: i64,
    assessor: i64,
    rubric: i64,
    period: i64,
    entries: Vec<Entry>,
    evidence: i64,
}

fn user(username: &str, role: Role) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: username.into(),
        password_hash: format!("$argon2id$v=19${username}"),
        role,
        department_id: None,
        unit_id: None,
        must_change_password: false,
    }
}

fn finding(period: i64, by: i64, unit: &str, note: &str) -> NewEntry {
    NewEntry {
        period_id: period,
        unit_code: unit.into(),
        code: "1.1".into(),
        round: String::new(),
        count: Some(1),
        level: None,
        points: None,
        note: note.into(),
        matter: None,
        date: None,
        due: None,
        source: Source::Assessor,
        department_id: None,
        recorded_by: by,
        evidence_id: None,
        kind: EntryKind::Record,
        replaces: None,
        reason: String::new(),
    }
}

/// Everything the chains hold: users, a department, units with a group, a rubric, a period with
/// entries (one citing evidence, one corrected), a review, audit records, and the period published.
async fn world(store: &Store) -> World {
    let admin = store
        .create_user(&user("admin", Role::Admin))
        .await
        .unwrap();
    let assessor = store
        .create_user(&user("anquan", Role::Assessor))
        .await
        .unwrap();
    let dept = store.create_department("AQK", "安全科").await.unwrap();
    let mut units = Vec::new();
    for (code, groups) in [("U1", vec!["G".to_string()]), ("U2", vec![])] {
        units.push(
            store
                .create_org_unit(&NewOrgUnit {
                    code: code.into(),
                    name: format!("{code}车间"),
                    parent_id: None,
                    kind: OrgKind::Unit,
                    ranking_group: None,
                    member_of: groups,
                })
                .await
                .unwrap(),
        );
    }
    let rubric = store
        .save_rubric("甲方案", "[rubric]\ntitle = \"甲\"\n", admin)
        .await
        .unwrap()
        .id;
    let period = store
        .create_period(&NewPeriod {
            name: "2024年度".into(),
            year: 2024,
            rubric_id: rubric,
            unit_ids: units.clone(),
        })
        .await
        .unwrap();
    let mut tx = store.lock_period(period).await.unwrap();
    let evidence = tx
        .put_evidence(
            b"%PDF-1.4 minutes",
            "application/pdf",
            "会议记录.pdf",
            assessor,
        )
        .await
        .unwrap()
        .id;
    let mut first = finding(period, assessor, "U1", "3月配电室“一般”事故\n第二行");
    first.evidence_id = Some(evidence);
    let mut entries = vec![tx.append(&first).await.unwrap()];
    entries.push(
        tx.append(&finding(period, assessor, "U2", "未按时交党费"))
            .await
            .unwrap(),
    );
    tx.audit(Some(assessor), "record", "记录两条")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut fix = finding(period, assessor, "U1", "更正：两次");
    fix.kind = EntryKind::Correct;
    fix.replaces = Some(entries[0].id);
    fix.reason = "数错了".into();
    fix.count = Some(2);
    entries.push(store.append_entry(&fix).await.unwrap());
    store
        .set_review(period, dept, ReviewStatus::Submitted, "", assessor)
        .await
        .unwrap();
    store
        .set_password(assessor, "$argon2id$v=19$new", false)
        .await
        .unwrap();
    store.audit(Some(admin), "login", "登录").await.unwrap();
    store
        .publish_period(period, &common::published_by(admin))
        .await
        .unwrap();
    World {
        admin,
        assessor,
        rubric,
        period,
        entries,
        evidence,
    }
}

/// A new open year on the world's rubric (the world's own year is published).
async fn open_year(store: &Store, w: &World) -> i64 {
    store
        .create_period(&NewPeriod {
            name: "2025年度".into(),
            year: 2025,
            rubric_id: w.rubric,
            unit_ids: vec![],
        })
        .await
        .unwrap()
}

/// A connection that edits as someone with database access would: on SQLite with every trigger
/// dropped, on PostgreSQL with triggers off for the session (`session_replication_role = replica`).
async fn behind_the_app(db: &Db) -> AnyConnection {
    let mut conn = AnyConnection::connect(&db.url).await.unwrap();
    if db.url.starts_with("sqlite") {
        let triggers: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for t in triggers {
            conn.execute(format!("DROP TRIGGER {t}").as_str())
                .await
                .unwrap();
        }
    } else {
        conn.execute("SET session_replication_role = replica")
            .await
            .unwrap();
    }
    conn
}

async fn problems(store: &Store) -> Vec<Problem> {
    store.verify_chains().await.unwrap().problems
}

fn has(problems: &[Problem], kind: ProblemKind, record: &str) -> bool {
    problems
        .iter()
        .any(|p| p.kind == kind && p.record == record)
}

async fn what_the_application_writes_verifies(db: Db) {
    let w = world(&db.store).await;
    let report = db.store.verify_chains().await.unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    // 2 users, 1 department, 2 units, 1 rubric, 1 evidence, 2 audit, 1 period, 3 entries, 1 review,
    // 1 publication.
    assert_eq!(report.records, 15);
    let chains: Vec<&str> = report.heads.iter().map(|h| h.chain.as_str()).collect();
    assert_eq!(chains, ["org", &format!("period:{}", w.period)]);
    let head = db.store.period_chain_head(w.period).await.unwrap();
    assert_eq!(report.heads[1], head);
    // period, evidence, 2 entries, audit, correction, review, period published, publication.
    assert_eq!(head.seq, 9);
    assert_eq!(head.hash.len(), 64);

    // A second process opening the same database adopts nothing and still verifies.
    let other = Store::connect(&db.url).await.unwrap();
    assert!(other.verify_chains().await.unwrap().intact());
    other.close().await;
}

async fn every_edit_behind_its_back_is_named(db: Db) {
    let w = world(&db.store).await;
    let mut conn = behind_the_app(&db).await;
    let entry = w.entries[1].id;

    // A rewritten finding: the first problem, named with its chain and position.
    sqlx::query("UPDATE entries SET count = 0 WHERE id = $1")
        .bind(entry)
        .execute(&mut conn)
        .await
        .unwrap();
    let found = problems(&db.store).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind, ProblemKind::Changed);
    assert_eq!(found[0].record, format!("entry {entry}"));
    assert_eq!(
        found[0].chain.as_deref(),
        Some(&*format!("period:{}", w.period))
    );
    assert!(found[0].detail.contains("SHA-256"), "{}", found[0]);
    assert!(found[0].to_string().contains("记录被改动"), "{}", found[0]);

    // A changed rubric version, a period set back to open, a changed role.
    sqlx::query("UPDATE rubrics SET toml = 'x = 1' WHERE id = $1")
        .bind(w.rubric)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE periods SET status = 'open' WHERE id = $1")
        .bind(w.period)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(w.assessor)
        .execute(&mut conn)
        .await
        .unwrap();
    let found = problems(&db.store).await;
    assert!(has(
        &found,
        ProblemKind::Changed,
        &format!("rubric {}", w.rubric)
    ));
    assert!(has(
        &found,
        ProblemKind::Changed,
        &format!("period {}", w.period)
    ));
    assert!(has(
        &found,
        ProblemKind::Changed,
        &format!("user {}", w.assessor)
    ));

    // A finding inserted without the application, and a deleted one.
    sqlx::query(
        "INSERT INTO entries (period_id, unit_code, code, round, note, source, recorded_by, kind, \
         reason, recorded_at) VALUES ($1, 'U2', '1.1', '', '补记', 'assessor', $2, 'record', '', 0)",
    )
    .bind(w.period)
    .bind(w.admin)
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query("DELETE FROM entries WHERE id = $1")
        .bind(w.entries[2].id)
        .execute(&mut conn)
        .await
        .unwrap();
    let found = problems(&db.store).await;
    assert!(found.iter().any(|p| p.kind == ProblemKind::Inserted));
    assert!(has(
        &found,
        ProblemKind::Missing,
        &format!("entry {}", w.entries[2].id)
    ));

    // Evidence bytes swapped, and a link edited to match an edit (the role change's content hash).
    sqlx::query("UPDATE evidence SET bytes = $1 WHERE id = $2")
        .bind(b"forged".to_vec())
        .bind(w.evidence)
        .execute(&mut conn)
        .await
        .unwrap();
    let forged: String = sqlx::query_scalar(
        "SELECT hash FROM chain_links WHERE kind = 'user' AND record_id = $1 ORDER BY seq DESC",
    )
    .bind(w.assessor)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    sqlx::query("UPDATE chain_links SET content_hash = $1 WHERE kind = 'user' AND record_id = $2")
        .bind(forged)
        .bind(w.assessor)
        .execute(&mut conn)
        .await
        .unwrap();
    let found = problems(&db.store).await;
    assert!(has(
        &found,
        ProblemKind::EvidenceBytes,
        &format!("evidence {}", w.evidence)
    ));
    assert!(
        found
            .iter()
            .any(|p| p.kind == ProblemKind::ChainCut && p.chain.as_deref() == Some("org")),
        "{found:?}"
    );
    conn.close().await.unwrap();
}

async fn a_truncated_ledger_is_missing(db: Db) {
    let w = world(&db.store).await;
    let mut conn = behind_the_app(&db).await;
    // TRUNCATE entries CASCADE on PostgreSQL, every row deleted on SQLite.
    let wipe = if db.url.starts_with("sqlite") {
        "DELETE FROM appeal_decisions; DELETE FROM appeals; DELETE FROM entries"
    } else {
        "TRUNCATE entries CASCADE"
    };
    conn.execute(wipe).await.unwrap();
    let found = problems(&db.store).await;
    for e in &w.entries {
        assert!(
            has(&found, ProblemKind::Missing, &format!("entry {}", e.id)),
            "{found:?}"
        );
    }
    conn.close().await.unwrap();
}

async fn racing_writers_never_fork_a_chain(db: Db) {
    let w = world(&db.store).await;
    let second = Store::connect(&db.url).await.unwrap();
    let open = db.store.clone();
    // A new open period to append to (the world's period is published).
    let period = open_year(&open, &w).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = if i % 2 == 0 {
            open.clone()
        } else {
            second.clone()
        };
        let by = w.assessor;
        tasks.push(tokio::spawn(async move {
            store
                .append_entry(&finding(period, by, "U1", &format!("第{i}条")))
                .await
                .unwrap();
            store
                .audit(Some(by), "record", &format!("第{i}条"))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = open.verify_chains().await.unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    let head = open.period_chain_head(period).await.unwrap();
    assert_eq!(head.seq, 21, "the period and 20 entries, in one line");
    second.close().await;
}

/// The server checks its chains in the background while requests write: a record linked after the
/// chains were read must not look inserted behind their back (the check reads one snapshot).
async fn a_check_while_writers_append_sees_no_problem(db: Db) {
    let w = world(&db.store).await;
    let store = db.store.clone();
    let period = open_year(&store, &w).await;
    let by = w.assessor;
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..40 {
                store
                    .append_entry(&finding(period, by, "U1", &format!("第{i}条")))
                    .await
                    .unwrap();
                store
                    .audit(Some(by), "record", &format!("第{i}条"))
                    .await
                    .unwrap();
            }
        })
    };
    // Small pages: many reads, so writes land between them.
    let mut checks = 0;
    while !writer.is_finished() {
        let report = store.verify_chains_in_pages(2).await.unwrap();
        assert!(report.intact(), "check {checks}: {:?}", report.problems);
        checks += 1;
    }
    writer.await.unwrap();
    let report = store.verify_chains().await.unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    assert!(checks > 0);
}

async fn the_database_refuses_what_it_can(db: Db) {
    let w = world(&db.store).await;
    let mut conn = AnyConnection::connect(&db.url).await.unwrap();
    let refused = [
        format!("UPDATE periods SET status = 'open' WHERE id = {}", w.period),
        format!("UPDATE rubrics SET toml = 'x' WHERE id = {}", w.rubric),
        "DELETE FROM chain_links".to_string(),
        "UPDATE chain_links SET content_hash = 'x'".to_string(),
        format!("DELETE FROM evidence WHERE id = {}", w.evidence),
        format!(
            "UPDATE entries SET note = 'x' WHERE id = {}",
            w.entries[0].id
        ),
    ];
    for sql in &refused {
        assert!(conn.execute(sql.as_str()).await.is_err(), "accepted: {sql}");
    }
    if db.url.starts_with("sqlite") {
        // REPLACE deletes the row it collides with without firing delete triggers: refused too.
        let replace = format!(
            "INSERT OR REPLACE INTO entries (id, period_id, unit_code, code, round, note, source, \
             recorded_by, kind, reason, recorded_at) \
             VALUES ({}, {}, 'U1', '1.1', '', 'x', 'assessor', {}, 'record', '', 0)",
            w.entries[1].id, w.period, w.admin
        );
        assert!(conn.execute(replace.as_str()).await.is_err());
    } else {
        for table in ["entries", "chain_links", "audit_log", "rubrics", "evidence"] {
            let sql = format!("TRUNCATE {table} CASCADE");
            assert!(conn.execute(sql.as_str()).await.is_err(), "accepted: {sql}");
        }
    }
    conn.close().await.unwrap();
    assert!(db.store.verify_chains().await.unwrap().intact());
}

/// On PostgreSQL, `kaoping serve` can run as a member of `kaoping_runtime`: everything the application
/// does works, and TRUNCATE, schema changes, trigger control, edits and deletes of the record are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_role_appends_and_cannot_rewrite() {
    common::on_postgres(|db: Db| async move {
        let w = world(&db.store).await;
        let role = format!("kaoping_rt_{:08x}", rand::random::<u32>());
        let mut owner = AnyConnection::connect(&db.url).await.unwrap();
        owner
            .execute(format!("CREATE ROLE {role} LOGIN IN ROLE kaoping_runtime").as_str())
            .await
            .unwrap();
        let runtime_url = db.url.replacen("postgres@", &format!("{role}@"), 1);
        assert_ne!(runtime_url, db.url, "the test URL names its user");

        // The application, as the runtime role: opens the migrated database, appends, verifies.
        let store = Store::connect(&runtime_url).await.unwrap();
        let period = open_year(&store, &w).await;
        store
            .append_entry(&finding(period, w.assessor, "U1", "运行账号记录"))
            .await
            .unwrap();
        store
            .set_password(w.assessor, "$argon2id$v=19$third", true)
            .await
            .unwrap();
        // The administrator's edits and deletes of what nothing uses (migration 0007's grants).
        let note = kaoping_store::AuditNote {
            user_id: Some(w.admin),
            action: "department_edit",
            detail: "运行账号修改部门".into(),
        };
        let dept = store.create_department("LS", "临时").await.unwrap();
        store
            .update_department(dept, "LS2", "临时部门", &note)
            .await
            .unwrap();
        store
            .delete_department(dept, |_, _| false, &note)
            .await
            .unwrap();
        // Reminders (migration 0012's grants): channels and SMTP settings changed, the outbox worked.
        let channel = kaoping_store::NewChannel {
            kind: kaoping_store::ChannelKind::WeCom,
            name: "群".into(),
            target: "https://example.com/hook".into(),
            secret: String::new(),
            enabled: true,
        };
        let id = store.create_notify_channel(&channel, &note).await.unwrap();
        store
            .update_notify_channel(id, &channel, &note)
            .await
            .unwrap();
        let smtp = kaoping_store::SmtpSettings {
            host: "smtp.example.com".into(),
            port: 465,
            security: kaoping_store::SmtpSecurity::Tls,
            username: String::new(),
            password: String::new(),
            from_address: "k@example.com".into(),
        };
        store
            .save_smtp_settings(&smtp, Some("pw"), &note)
            .await
            .unwrap();
        store.save_smtp_settings(&smtp, None, &note).await.unwrap();
        let message = kaoping_store::NewMessage {
            channel_id: id,
            channel_kind: channel.kind,
            channel_name: channel.name.clone(),
            purpose: "digest",
            dedup_key: Some("digest:2024-07-21:1".into()),
            subject: "日报".into(),
            body: "内容".into(),
            next_attempt_at: 0,
        };
        let queued = store.enqueue_message(&message).await.unwrap().unwrap();
        assert_eq!(store.enqueue_message(&message).await.unwrap(), None);
        assert!(store.claim_message(queued, 1, 100).await.unwrap().is_some());
        assert!(store.claim_message(queued, 2, 100).await.unwrap().is_none());
        store
            .message_failed(queued, 3, "HTTP 500", Some(4))
            .await
            .unwrap();
        store.message_sent(queued, 5).await.unwrap();
        store.delete_notify_channel(id, &note).await.unwrap();
        let kept = store.message(queued).await.unwrap().unwrap();
        assert_eq!(
            (kept.channel_id, kept.attempts, kept.sent_at),
            (None, 2, Some(5))
        );
        assert!(store.verify_chains().await.unwrap().intact());
        store.close().await;

        // What someone holding the runtime role's password cannot do.
        let mut conn = AnyConnection::connect(&runtime_url).await.unwrap();
        for sql in [
            "TRUNCATE entries CASCADE".to_string(),
            "TRUNCATE chain_links".to_string(),
            "ALTER TABLE entries DISABLE TRIGGER ALL".to_string(),
            "DROP TRIGGER entries_append_only ON entries".to_string(),
            "SET session_replication_role = replica".to_string(),
            "DELETE FROM chain_links".to_string(),
            "UPDATE entries SET note = 'x'".to_string(),
            "DELETE FROM entries".to_string(),
            format!("UPDATE periods SET status = 'open' WHERE id = {}", w.period),
            "CREATE TABLE sneaky (id int)".to_string(),
        ] {
            assert!(conn.execute(sql.as_str()).await.is_err(), "accepted: {sql}");
        }
        conn.close().await.unwrap();
        owner
            .execute(format!("DROP OWNED BY {role}; DROP ROLE {role}").as_str())
            .await
            .unwrap();
        owner.close().await.unwrap();
    })
    .await;
}

/// A bulk import's entries are linked a batch at a time: across batch boundaries, in order, each once.
async fn a_bulk_append_links_every_entry_in_order(db: Db) {
    let w = world(&db.store).await;
    let period = open_year(&db.store, &w).await;
    let rows: Vec<NewEntry> = (0..1203)
        .map(|i| finding(period, w.assessor, "U2", &format!("批量第{i}条")))
        .collect();
    let saved = db.store.append_entries(&rows).await.unwrap();
    db.store
        .append_entry(&finding(period, w.assessor, "U1", "之后一条"))
        .await
        .unwrap();
    let report = db.store.verify_chains().await.unwrap();
    assert!(report.intact(), "{:?}", report.problems.first());
    let head = db.store.period_chain_head(period).await.unwrap();
    assert_eq!(head.seq, 1 + 1203 + 1);
    // A refused row in the middle keeps nothing, links included.
    let mut bad = rows.clone();
    bad[700].unit_code = String::new();
    assert_eq!(db.store.append_entries(&bad).await.unwrap_err().0, 700);
    assert_eq!(db.store.period_chain_head(period).await.unwrap(), head);
    // Read in pages of 7 rows, across every chain and table boundary: the same report.
    assert_eq!(db.store.verify_chains_in_pages(7).await.unwrap(), report);
    let mut conn = behind_the_app(&db).await;
    sqlx::query("UPDATE entries SET note = 'x' WHERE id = $1")
        .bind(saved[600].id)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM entries WHERE id = $1")
        .bind(saved[1100].id)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let whole = db.store.verify_chains().await.unwrap();
    assert_eq!(whole.problems.len(), 2, "{:?}", whole.problems);
    assert_eq!(db.store.verify_chains_in_pages(7).await.unwrap(), whole);
    assert_eq!(saved.len(), 1203);
}

/// A publication's heading (发文单位, 文号) is part of its record: it verifies as written, and an edit of
/// it behind the application's back is named. A publication without one (as every publication was before
/// headings existed) is written as before, and verifies too.
async fn a_notice_heading_is_linked_with_its_publication(db: Db) {
    let w = world(&db.store).await;
    let year = open_year(&db.store, &w).await;
    let headed = db
        .store
        .publish_period(
            year,
            &NewPublication {
                heading: NoticeHeading {
                    issuer: "中共动力厂委员会".into(),
                    doc_number: "动力党发〔2026〕1号".into(),
                },
                ..common::published_by(w.admin)
            },
        )
        .await
        .unwrap();
    assert_eq!(headed.heading.doc_number, "动力党发〔2026〕1号");
    let read = db.store.publications(year).await.unwrap();
    assert_eq!(read[0].heading.issuer, "中共动力厂委员会");
    let plain = db.store.publications(w.period).await.unwrap();
    assert_eq!(plain[0].heading, NoticeHeading::default());
    assert_eq!(problems(&db.store).await, vec![]);

    let mut conn = behind_the_app(&db).await;
    sqlx::query("UPDATE publications SET doc_number = '动力党发〔2026〕9号' WHERE id = $1")
        .bind(headed.id)
        .execute(&mut conn)
        .await
        .unwrap();
    let found = problems(&db.store).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind, ProblemKind::Changed);
    assert_eq!(found[0].record, format!("publication {}", headed.id));
}

/// 整改 after publication: the requirement and its steps join the period's chain; a requirement whose
/// due day is moved, or a step whose kind is rewritten, behind the application's back is named.
async fn rectifications_are_linked_into_the_period_chain(db: Db) {
    let w = world(&db.store).await;
    let day: kaoping_core::date::Date = "2024-07-31".parse().unwrap();
    let before = db.store.period_chain_head(w.period).await.unwrap().seq;
    let mut tx = db.store.lock_period(w.period).await.unwrap();
    let r = NewRectification::new(w.entries[1].id, "按时交纳党费", day, w.assessor).unwrap();
    let id = tx.require_rectification(&r).await.unwrap();
    let step = NewStep::new(StepKind::Report, "已补交", Some(w.evidence), w.admin, day).unwrap();
    let step = tx.add_rectification_step(id, &step).await.unwrap();
    tx.commit().await.unwrap();
    let report = db.store.verify_chains().await.unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    let head = db.store.period_chain_head(w.period).await.unwrap();
    assert_eq!(head.seq, before + 2, "the requirement and its report");

    let mut conn = behind_the_app(&db).await;
    sqlx::query("UPDATE rectifications SET due = '2099-12-31' WHERE id = $1")
        .bind(id)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE rectification_steps SET kind = 'accept' WHERE id = $1")
        .bind(step)
        .execute(&mut conn)
        .await
        .unwrap();
    let found = problems(&db.store).await;
    assert!(
        has(&found, ProblemKind::Changed, &format!("rectification {id}")),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            ProblemKind::Changed,
            &format!("rectification_step {step}")
        ),
        "{found:?}"
    );
    conn.close().await.unwrap();
}
