//! Kaoping's storage layer: one async implementation over SQLite (embedded, the default) and PostgreSQL
//! (several `kaoping serve` processes sharing one database), chosen at run time from the database URL.
//!
//! Why it is shaped this way:
//! - **Nothing lives in one process only.** Sessions, login throttling, evidence bytes and the ledger are all
//!   in the database, so any number of server processes can share a PostgreSQL database.
//! - **The findings ledger is append-only.** A correction or withdrawal is a new entry naming the entry it
//!   replaces; [`Store::append_entry`] is the only writer, and the databases themselves refuse `UPDATE` and
//!   `DELETE` on the ledger (triggers), so history cannot be rewritten by any code path.
//! - **Scores are never stored.** The server feeds [`Store::active_entries`] to the core scorer through
//!   [`Entry::finding_input`].
//! - **Portable types only.** Integer ids, points as normalized decimal text (never floats),
//!   unix-millisecond timestamps, dates as text: the same query text runs on both backends with `$1`
//!   placeholders (SQLite accepts `$NNN` parameters natively).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Once};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::AnyConnection;
use sqlx::{Any, AnyPool, Connection, Executor, Row, Transaction};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

mod activity_records;
mod appeals;
mod attendance;
mod audit;
mod ballots;
mod chain;
mod conditions;
mod error;
mod evidence;
mod ledger;
mod login_throttle;
mod notifications;
mod org;
mod period_tx;
mod periods;
mod publications;
mod rectifications;
mod reviews;
mod rubrics;
mod sessions;
mod setup;
mod users;

pub use activity_records::{ActivityRecord, NewRecord, RecordAction};
pub use appeals::{Appeal, AppealStatus};
pub use attendance::{AttendanceMonth, ExamScore};
pub use audit::{AuditEntry, AuditFilter, AuditNote, AuditPage};
pub use ballots::{
    CampaignRow, CampaignStatus, CodeCounts, CodeLookup, NewCampaign, StoredBallot, VoteLimits,
    VOID_MESSAGE,
};
pub use chain::{ChainHead, Problem, ProblemKind, VerifyReport};
pub use error::StoreError;
pub use evidence::Evidence;
pub use ledger::{Entry, EntryKind, LedgerFilter, LedgerPage, NewEntry, Source};
pub use login_throttle::{Admission, LoginLimits};
pub use notifications::{
    Channel, ChannelKind, NewChannel, NewMessage, OutboxMessage, SmtpSecurity, SmtpSettings,
};
pub use org::{Department, NewOrgUnit, OrgChange, OrgKind, OrgUnit};
pub use period_tx::{LedgerHead, PeriodLoad, PeriodTx};
pub use periods::{period_name_key, period_units, NewPeriod, Period, PeriodStatus};
pub use publications::{NewPublication, NoticeHeading, Publication};
pub use rectifications::{
    NewRectification, NewStep, Rectification, RectificationState, RectificationStep, StepKind,
};
pub use reviews::{Review, ReviewStatus};
pub use rubrics::RubricVersion;
pub use sessions::Session;
pub use setup::SetupLock;
pub use users::{NewUser, Role, User, UserChange};

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database a [`Store`] talks to. The features are the same on both; only the DDL and a few locking
/// details differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The handle to the database. Cloning is cheap (it shares the connection pool), so the server keeps one
/// and hands clones to its handlers.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    gates: Arc<Gates>,
}

/// In-process queues in front of the database's write locks. Writers of one process wait here, not on
/// the database: SQLite's busy handler polls with sleeps of up to 100 ms, and a PostgreSQL writer waiting
/// for a period's row lock would hold a pooled connection that the lock holder may need. Between
/// processes the database's own lock decides (`BEGIN IMMEDIATE`, `FOR UPDATE`).
#[derive(Debug, Default)]
struct Gates {
    /// SQLite has one write lock for the whole database, so one queue.
    database: Arc<AsyncMutex<()>>,
    /// PostgreSQL locks periods one by one, so one queue per period.
    periods: std::sync::Mutex<HashMap<i64, Arc<AsyncMutex<()>>>>,
}

/// A write transaction: on SQLite it holds the process's write gate and the database's write lock from
/// its first statement (`BEGIN IMMEDIATE`). Derefs to the connection, so `&mut *tx` runs queries in it.
pub(crate) struct WriteTx {
    tx: Transaction<'static, Any>,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Store {
    /// Opens (creating if needed) the embedded database `DIR/kaoping.db`: the zero-setup default of
    /// `kaoping serve` with its data folder.
    pub async fn open_sqlite(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Invalid(format!("无法创建数据目录 {}：{e}", data_dir.display()))
        })?;
        let file = std::path::absolute(data_dir.join("kaoping.db")).map_err(|e| {
            StoreError::Invalid(format!("数据目录 {} 无效：{e}", data_dir.display()))
        })?;
        let url = format!("sqlite://{}?mode=rwc", encode_path(&file.to_string_lossy()));
        Store::connect(&url).await
    }

    /// Connects to `sqlite:…` or `postgres://…` and runs the migrations, so a server (or each of several)
    /// always starts on the current schema. Running it again on a migrated database changes nothing.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Invalid(format!(
                "不支持的数据库地址“{}”：应以 sqlite: 或 postgres:// 开头",
                masked_url(url)
            )));
        };
        if backend == Backend::Postgres {
            // One connection first, so a wrong address, password or database name is said at once
            // (the pool would retry for its whole timeout and then only say that it timed out).
            let conn = sqlx::AnyConnection::connect(url).await.map_err(|e| {
                StoreError::Invalid(format!("无法连接数据库（{}）：{e}", masked_url(url)))
            })?;
            let _ = conn.close().await;
        }
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let pool = match backend {
            Backend::Sqlite => {
                options
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers run while one writer writes; the busy timeout makes a second
                            // writer wait instead of failing at once.
                            conn.execute(
                                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                                 PRAGMA foreign_keys = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => options.max_connections(10).connect(url).await?,
        };
        let store = Store {
            pool,
            backend,
            gates: Arc::default(),
        };
        store.migrate().await?;
        store.adopt_unchained().await?;
        Ok(store)
    }

    /// Brings the schema up to date. Called by [`Store::connect`]. Several processes starting at once
    /// migrate only once: PostgreSQL takes an advisory lock; on SQLite the whole run is one `BEGIN
    /// IMMEDIATE` transaction (each migration a savepoint in it), so the others wait for the write lock and
    /// then find the schema current.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let failed = |e| StoreError::Database(sqlx::Error::Migrate(Box::new(e)));
        match self.backend {
            Backend::Sqlite => {
                let mut conn = self.pool.acquire().await?;
                let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
                SQLITE_MIGRATOR.run_direct(&mut *tx).await.map_err(failed)?;
                tx.commit().await?;
            }
            Backend::Postgres => {
                // The runtime role may not create the migrations table or change the schema: a
                // current schema is left alone, and a schema that needs migrating says who may do it.
                if self.postgres_schema_is_current().await? {
                    return Ok(());
                }
                POSTGRES_MIGRATOR.run(&self.pool).await.map_err(|e| {
                    let text = e.to_string();
                    if text.contains("permission denied") || text.contains("must be owner") {
                        StoreError::Invalid(format!(
                            "数据库需要升级，而当前账号无权修改表结构（{text}）：请用数据库所有者账号启动一次 kaoping serve，再换回运行账号"
                        ))
                    } else {
                        failed(e)
                    }
                })?
            }
        }
        Ok(())
    }

    /// Whether every migration of this version is applied already (PostgreSQL).
    async fn postgres_schema_is_current(&self) -> Result<bool, StoreError> {
        let table: Option<String> =
            sqlx::query_scalar("SELECT CAST(to_regclass('_sqlx_migrations') AS TEXT)")
                .fetch_one(&self.pool)
                .await?;
        if table.is_none() {
            return Ok(false);
        }
        let applied: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        let wanted: Vec<i64> = POSTGRES_MIGRATOR.iter().map(|m| m.version).collect();
        Ok(wanted.iter().all(|v| applied.contains(v)))
    }

    /// Writes a consistent snapshot of the whole SQLite database to `file` (`VACUUM INTO`: one read
    /// transaction, so writers go on and the copy holds every commit before it and none after). The file
    /// must not exist. PostgreSQL is backed up with `pg_dump` (docs/deployment.md).
    pub async fn backup_into(&self, file: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Invalid(
                "PostgreSQL 请用 pg_dump 备份、pg_restore 恢复，恢复后运行 kaoping verify（见 docs/deployment.md）"
                    .into(),
            ));
        }
        if file.exists() {
            return Err(StoreError::Invalid(format!(
                "{} 已存在：备份不会覆盖已有文件",
                file.display()
            )));
        }
        let path = std::path::absolute(file)
            .map_err(|e| StoreError::Invalid(format!("{}：{e}", file.display())))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool (waits for connections in use to come back). Needed before dropping a database.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction. On SQLite it queues at the process's write gate, then takes the write
    /// lock up front (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes can fail with
    /// "database is locked" at once when another connection writes meanwhile, whatever the busy timeout.
    pub(crate) async fn begin(&self) -> Result<WriteTx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let gate = self.gates.database.clone().lock_owned().await;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _gate: Some(gate),
                }
            }
            Backend::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _gate: None,
            },
        })
    }

    /// A write transaction for changes to one period, queued at its gate in this process (on SQLite the
    /// database's, which [`Store::begin`] takes).
    pub(crate) async fn begin_for_period(&self, period_id: i64) -> Result<WriteTx, StoreError> {
        match self.backend {
            Backend::Sqlite => self.begin().await,
            Backend::Postgres => {
                let gate = {
                    let mut periods = self.gates.periods.lock().unwrap_or_else(|e| e.into_inner());
                    periods.entry(period_id).or_default().clone()
                };
                let guard = gate.lock_owned().await;
                Ok(WriteTx {
                    tx: self.pool.begin().await?,
                    _gate: Some(guard),
                })
            }
        }
    }

    /// A read-only transaction that sees one snapshot from its first read to its end: a check that reads
    /// the chains and then the records must not see a record written in between (it would look
    /// inserted behind the chain's back). Dropped, it rolls back.
    pub(crate) async fn read_snapshot(
        &self,
    ) -> Result<sqlx::Transaction<'static, Any>, StoreError> {
        Ok(match self.backend {
            // Deferred: in WAL mode the snapshot is taken at the first read and kept to the end.
            Backend::Sqlite => self.pool.begin_with("BEGIN").await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        })
    }

    /// A pooled connection for reads that run several queries.
    pub(crate) async fn connection(&self) -> Result<sqlx::pool::PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// `FOR UPDATE` on PostgreSQL, nothing on SQLite.
    pub(crate) fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }
}

/// A database URL as it may be shown (logs, errors, `Debug`): the password replaced by `***`.
pub fn masked_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Percent-encodes the characters sqlx's SQLite URL parser would otherwise take as delimiters.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            _ => out.push(c),
        }
    }
    out
}

/// Now, in unix milliseconds: the one clock of the store.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// 32 random bytes, base64url without padding: session ids and CSRF tokens.
pub(crate) fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads a column, naming it in the error.
pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get(name)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_show_in_a_url() {
        assert_eq!(
            super::masked_url("postgres://kaoping:s3cret@db.example:5432/kaoping?sslmode=require"),
            "postgres://kaoping:***@db.example:5432/kaoping?sslmode=require"
        );
        assert_eq!(
            super::masked_url("postgres://kaoping:p@ss@db/k"),
            "postgres://kaoping:***@db/k"
        );
        assert_eq!(
            super::masked_url("postgres://kaoping@db/k"),
            "postgres://kaoping@db/k"
        );
        assert_eq!(
            super::masked_url("sqlite:///srv/k.db"),
            "sqlite:///srv/k.db"
        );
    }
}
