//! Runs each test body against both backends: SQLite in a fresh temporary directory, and PostgreSQL in a
//! fresh database created for the test and dropped after it.
//!
//! PostgreSQL is reached at `postgres://postgres@127.0.0.1:5432/test` (override with
//! `KAOPING_TEST_POSTGRES`). When it is unreachable the PostgreSQL half is skipped with a message, except
//! under CI (`CI=true`), where it fails: CI must test both backends.

use std::future::Future;

use kaoping_store::Store;
use sqlx::{Connection, Executor};

/// What a test body gets: the store, and the URL to open more stores on the same database (as a second
/// server process would).
pub struct Db {
    pub store: Store,
    pub url: String,
}

pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_sqlite(dir.path()).await.expect("open sqlite");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("kaoping.db").display()
    );
    let result = tokio::spawn(body(Db {
        store: store.clone(),
        url,
    }))
    .await;
    store.close().await;
    drop(dir);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn admin_url() -> String {
    std::env::var("KAOPING_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

pub async fn on_postgres<F, Fut>(body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    sqlx::any::install_default_drivers();
    let admin_url = admin_url();
    let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("PostgreSQL at {admin_url} is unreachable under CI: {e}");
            }
            eprintln!("SKIPPED on PostgreSQL: {admin_url} is unreachable ({e})");
            return;
        }
    };
    let name = format!("kaoping_t_{:016x}", rand::random::<u64>());
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let (base, _) = admin_url.rsplit_once('/').expect("database url has a path");
    let url = format!("{base}/{name}");
    let store = Store::connect(&url).await.expect("connect postgres");
    let result = tokio::spawn(body(Db {
        store: store.clone(),
        url,
    }))
    .await;
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

/// Declares, for each named `async fn NAME(db: Db)`, a module `NAME` with a `sqlite` and a `postgres` test.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::common::on_sqlite(super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                crate::common::on_postgres(super::$name).await
            }
        }
    )*};
}

/// A publication of empty results by `user`, for tests that only need a period published.
#[allow(dead_code)]
pub fn published_by(user: i64) -> kaoping_store::NewPublication {
    kaoping_store::NewPublication {
        results: "[]".into(),
        digest: "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945".into(),
        head_entry: 0,
        reason: String::new(),
        changes: "[]".into(),
        by_user: user,
        heading: kaoping_store::NoticeHeading::default(),
    }
}
