//! `kaoping verify` on a real data folder: the demo verifies; an edit behind the application's back
//! makes it exit 1 naming the record.

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
