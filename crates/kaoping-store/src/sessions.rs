//! Server-side sessions and login throttling, both in the database so that every server process sees the
//! same logins and the same failed attempts.

use sqlx::any::AnyRow;

use crate::users::{user_from_row, USER_COLUMNS};
use crate::{col, now_ms, random_token, Store, StoreError, User};

/// A login session. The id goes in the cookie; the CSRF token is echoed in forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// 32 random bytes, base64url.
    pub id: String,
    pub user_id: i64,
    /// 32 random bytes, base64url; forms must carry it back.
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

fn session_from_row(row: &AnyRow) -> Result<Session, StoreError> {
    Ok(Session {
        id: col(row, "session_id")?,
        user_id: col(row, "session_user_id")?,
        csrf_token: col(row, "csrf_token")?,
        created_at: col(row, "session_created_at")?,
        expires_at: col(row, "expires_at")?,
    })
}

/// Failed logins older than this are forgotten when new ones are recorded (throttling windows are shorter).
const FAILURE_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

impl Store {
    /// Starts a session for `user_id`, valid for `ttl_ms`. Expired sessions of everyone are swept here, so
    /// the table does not grow without bound.
    pub async fn create_session(&self, user_id: i64, ttl_ms: i64) -> Result<Session, StoreError> {
        let now = now_ms();
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        let session = Session {
            id: random_token(),
            user_id,
            csrf_token: random_token(),
            created_at: now,
            expires_at: now.saturating_add(ttl_ms),
        };
        sqlx::query(
            "INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.id)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(self.pool())
        .await?;
        Ok(session)
    }

    /// The session and its user, or `None` when the session is unknown, expired, or its user is
    /// deactivated: the caller treats all three as "not logged in".
    pub async fn session(&self, id: &str) -> Result<Option<(Session, User)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT s.id AS session_id, s.user_id AS session_user_id, s.csrf_token, \
             s.created_at AS session_created_at, s.expires_at, {USER_COLUMNS} \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id = $1 AND s.expires_at > $2 AND u.active = 1"
        ))
        .bind(id)
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => Ok(Some((session_from_row(&row)?, user_from_row(&row)?))),
            None => Ok(None),
        }
    }

    /// Logs out. Deleting a session that does not exist is not an error.
    pub async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records a failed login for throttling (shared by all processes).
    pub async fn record_login_failure(&self, username: &str, ip: &str) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(now - FAILURE_RETENTION_MS)
            .execute(self.pool())
            .await?;
        sqlx::query("INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(ip)
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Failed logins since `since_ms` for this username **or** from this address: guessing one account
    /// from many addresses and many accounts from one address are both slowed down.
    pub async fn login_failures_since(
        &self,
        username: &str,
        ip: &str,
        since_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_failures WHERE (username = $1 OR ip = $2) AND at >= $3",
        )
        .bind(username)
        .bind(ip)
        .bind(since_ms)
        .fetch_one(self.pool())
        .await?)
    }

    /// Forgets the failures of a username after a successful login.
    pub async fn clear_login_failures(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(username)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
