//! `kaoping verify` on a real data folder: the demo verifies; an edit behind the application's back
//! makes it exit 1 naming the record.

use std::path::Path;
use std::process::{Command, Output};

use sqlx::{Connection, Executor};

fn verify(data: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(["verify", "--data", data.to_str().unwrap()])
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_verifies_and_an_edited_finding_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = kaoping_store::Store::open_sqlite(dir.path()).await.unwrap();
    assert!(kaoping_app::demo::seed(&store).await.unwrap());
    store.close().await;

    let o = verify(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("校验通过"), "{out}");
    assert!(out.contains("1 份发布结果"), "{out}");
    assert!(out.contains("period:1"), "{out}");

    // Someone with the database file drops the triggers and adds a deduction to a published finding.
    let url = format!("sqlite://{}", dir.path().join("kaoping.db").display());
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
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
    let id: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM entries WHERE period_id = 1 AND count IS NOT NULL")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    sqlx::query("UPDATE entries SET count = count + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let o = verify(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("校验失败"), "{out}");
    assert!(
        out.contains(&format!("第一处：记录被改动（changed）：entry {id}")),
        "{out}"
    );
    // The published results no longer follow from the ledger.
    assert!(out.contains("发布结果摘要不符"), "{out}");
}

#[test]
fn a_folder_without_a_database_is_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let o = verify(&dir.path().join("nothing-here"));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("没有考评数据库"), "{}", text(&o));
}

fn kaoping(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(args)
        .output()
        .unwrap()
}

fn backup(data: &Path, file: &Path) -> Output {
    kaoping(&[
        "backup",
        "--data",
        data.to_str().unwrap(),
        "-o",
        file.to_str().unwrap(),
    ])
}

fn restore(file: &Path, data: &Path, replace: bool) -> Output {
    let mut args = vec![
        "restore",
        file.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ];
    if replace {
        args.push("--replace");
    }
    kaoping(&args)
}

/// A backup taken while findings are being written (as a running server writes them) is one consistent
/// moment: it restores into a new folder and verifies, holding a whole prefix of the writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_restores_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let store = kaoping_store::Store::open_sqlite(&live).await.unwrap();
    assert!(kaoping_app::demo::seed(&store).await.unwrap());
    let admin = store.user_by_username("admin").await.unwrap().unwrap().id;
    let before = store.entries(2).await.unwrap().len();

    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..150 {
                store
                    .append_entry(&kaoping_store::NewEntry {
                        period_id: 2,
                        unit_code: "D01".into(),
                        code: "1.1".into(),
                        round: String::new(),
                        count: Some(1),
                        level: None,
                        points: None,
                        note: format!("备份期间写入第{i}条"),
                        matter: None,
                        date: None,
                        due: None,
                        source: kaoping_store::Source::Assessor,
                        department_id: None,
                        recorded_by: admin,
                        evidence_id: None,
                        kind: kaoping_store::EntryKind::Record,
                        replaces: None,
                        reason: String::new(),
                    })
                    .await
                    .unwrap();
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let backup_file = dir.path().join("kaoping-backup.db");
    let (from, to) = (live.clone(), backup_file.clone());
    let o = tokio::task::spawn_blocking(move || backup(&from, &to))
        .await
        .unwrap();
    writer.await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("校验通过"), "{}", text(&o));
    store.close().await;

    // Backing up over an existing file is refused.
    let o = backup(&live, &backup_file);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("已存在"), "{}", text(&o));

    // Restored into a new folder, it verifies.
    let restored = dir.path().join("restored");
    let o = restore(&backup_file, &restored, false);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("校验通过"), "{}", text(&o));
    let copy = kaoping_store::Store::open_sqlite(&restored).await.unwrap();
    let held = copy.entries(2).await.unwrap();
    copy.close().await;
    assert!(
        held.len() >= before && held.len() <= before + 150,
        "{} entries",
        held.len()
    );
    // A whole prefix: the n-th written is there only if every earlier one is.
    let written: Vec<&str> = held[before..].iter().map(|e| e.note.as_str()).collect();
    for (i, note) in written.iter().enumerate() {
        assert_eq!(*note, format!("备份期间写入第{i}条"));
    }

    // Restoring over a folder that has a database needs --replace, and keeps the old one.
    let o = restore(&backup_file, &live, false);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("--replace"), "{}", text(&o));
    let o = restore(&backup_file, &live, true);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let kept = std::fs::read_dir(&live)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("kaoping.db.replaced-")
        });
    assert!(kept, "the replaced database is kept");
}

/// A backup that does not verify is not put in place, and the folder keeps what it had.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_that_does_not_verify_is_not_restored() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let store = kaoping_store::Store::open_sqlite(&live).await.unwrap();
    assert!(kaoping_app::demo::seed(&store).await.unwrap());
    store.close().await;
    let backup_file = dir.path().join("b.db");
    let o = backup(&live, &backup_file);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The backup file is edited: a user's role.
    let url = format!("sqlite://{}", backup_file.display());
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    conn.execute("UPDATE users SET role = 'admin' WHERE username = 'd01'")
        .await
        .unwrap();
    conn.close().await.unwrap();

    let target = dir.path().join("target");
    let o = restore(&backup_file, &target, false);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("记录被改动"), "{}", text(&o));
    assert!(!target.join("kaoping.db").exists(), "nothing put in place");
    // Not a backup at all.
    let o = restore(&live.join("nothing.db"), &target, false);
    assert_eq!(o.status.code(), Some(1));
}
