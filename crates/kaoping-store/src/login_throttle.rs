//! Login throttling, in the database so that every server process counts the same attempts.
//!
//! An attempt is admitted and recorded in one transaction under one lock (SQLite's write lock, a
//! PostgreSQL advisory lock): two hundred simultaneous guesses are counted one after the other, so no
//! more than the limit ever reach the password check. An admitted attempt is recorded as a failure at
//! once and forgotten only when the password turns out right.
//!
//! The limits are per account *and address* (a stranger's failures from elsewhere never lock a user
//! out), per address over all accounts (one machine spraying many accounts), and per account over all
//! addresses only as a back-off: the caller waits longer the more an account is attacked, but is not
//! refused.

use crate::{now_ms, Backend, Store, StoreError};

/// Failed logins older than this are forgotten (throttling windows are shorter).
const RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

/// An arbitrary constant naming the PostgreSQL advisory lock that serializes admissions.
const ADVISORY_KEY: i64 = 0x006b_616f_7069_6e67;

/// How many failed logins are allowed, over which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    pub window_ms: i64,
    /// Failures of one account from one address before that pair is refused.
    pub per_pair: i64,
    /// Failures from one address, over all accounts, before that address is refused.
    pub per_address: i64,
}

/// Whether a login attempt may go on to the password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Too many failures for this account from this address, or from this address.
    Refused,
    /// Go on; the attempt is recorded (as `attempt`) until [`Store::login_succeeded`] forgets it.
    /// `account_failures` counts the account's failures from every address in the window, for the
    /// caller's back-off.
    Admitted { attempt: i64, account_failures: i64 },
}

impl Store {
    /// Admits and records a login attempt, or refuses it; see the module docs.
    pub async fn admit_login(
        &self,
        username: &str,
        ip: &str,
        limits: LoginLimits,
    ) -> Result<Admission, StoreError> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(ADVISORY_KEY)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(now - RETENTION_MS)
            .execute(&mut *tx)
            .await?;
        let (pair, address, account): (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT SUM(CASE WHEN username = $1 AND ip = $2 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN ip = $2 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN username = $1 THEN 1 ELSE 0 END) \
             FROM login_failures WHERE (username = $1 OR ip = $2) AND at >= $3",
        )
        .bind(username)
        .bind(ip)
        .bind(now - limits.window_ms)
        .fetch_one(&mut *tx)
        .await?;
        if pair.unwrap_or(0) >= limits.per_pair || address.unwrap_or(0) >= limits.per_address {
            return Ok(Admission::Refused);
        }
        let attempt: i64 = sqlx::query_scalar(
            "INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(username)
        .bind(ip)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Admission::Admitted {
            attempt,
            account_failures: account.unwrap_or(0),
        })
    }

    /// The password was right: the attempt and this address's earlier failures for the account are
    /// forgotten (failures from other addresses stay: they were somebody else's).
    pub async fn login_succeeded(
        &self,
        attempt: i64,
        username: &str,
        ip: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE id = $1 OR (username = $2 AND ip = $3)")
            .bind(attempt)
            .bind(username)
            .bind(ip)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
