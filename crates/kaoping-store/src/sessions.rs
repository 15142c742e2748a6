//! Server-side sessions, in the database so that every server process sees the same logins (login
//! throttling is in `login_throttle.rs`).

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
}
