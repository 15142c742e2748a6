//! Users and their roles. Passwords arrive already hashed (Argon2id, by the server): the store never sees a
//! password.

use sqlx::any::AnyRow;

use crate::audit::{note_on, AuditNote};
use crate::chain::canonical;
use crate::{col, now_ms, Store, StoreError};

/// What a user may do. Stored as `admin`, `assessor`, `leader`, `viewer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 管理员: manages users, units, rubrics and periods; reviews, publishes, decides appeals.
    Admin,
    /// 考评部门: records findings on the items its department owns.
    Assessor,
    /// 单位负责人: sees its own unit, submits the self-assessment, files appeals.
    Leader,
    /// 领导查看: reads results.
    Viewer,
}

impl Role {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Assessor => "assessor",
            Role::Leader => "leader",
            Role::Viewer => "viewer",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<Role> {
        Some(match text {
            "admin" => Role::Admin,
            "assessor" => Role::Assessor,
            "leader" => Role::Leader,
            "viewer" => Role::Viewer,
            _ => return None,
        })
    }
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    /// An Argon2id PHC string, made by the server.
    pub password_hash: String,
    pub role: Role,
    /// The department an assessor records for.
    pub department_id: Option<i64>,
    /// The unit a leader speaks for.
    pub unit_id: Option<i64>,
    /// The password was chosen by someone else (a random first password): it must be changed at the
    /// next login.
    pub must_change_password: bool,
}

/// What an administrator may change of a user: everything but the username (the ledger and the audit log
/// name users by it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChange {
    pub display_name: String,
    pub role: Role,
    pub department_id: Option<i64>,
    pub unit_id: Option<i64>,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub department_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// Deactivated users cannot log in and their sessions stop working; they are never deleted, because
    /// the ledger names them.
    pub active: bool,
    pub created_at: i64,
    /// Until changed, the user may do nothing but change the password.
    pub must_change_password: bool,
}

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.password_hash, u.role, u.department_id, u.unit_id, u.active, \
     u.created_at, u.must_change_password";

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User, StoreError> {
    let role: String = col(row, "role")?;
    Ok(User {
        id: col(row, "id")?,
        username: col(row, "username")?,
        display_name: col(row, "display_name")?,
        password_hash: col(row, "password_hash")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Invalid(format!("未知角色“{role}”")))?,
        department_id: col(row, "department_id")?,
        unit_id: col(row, "unit_id")?,
        active: col::<i64>(row, "active")? != 0,
        created_at: col(row, "created_at")?,
        must_change_password: col::<i64>(row, "must_change_password")? != 0,
    })
}

impl Store {
    /// Creates a user; a taken username is a [`StoreError::Conflict`].
    pub async fn create_user(&self, u: &NewUser) -> Result<i64, StoreError> {
        if u.username.trim().is_empty() {
            return Err(StoreError::Invalid("用户名不能为空".into()));
        }
        let (mut tx, mut chain) = self.begin_org().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, role, department_id, unit_id, \
             active, created_at, must_change_password) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) \
             RETURNING id",
        )
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.password_hash)
        .bind(u.role.as_str())
        .bind(u.department_id)
        .bind(u.unit_id)
        .bind(now_ms())
        .bind(i64::from(u.must_change_password))
        .fetch_one(&mut *tx)
        .await?;
        chain.record(&mut tx, &canonical::USER, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One user by id.
    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::not_found("用户", id))?;
        user_from_row(&row)
    }

    /// The user logging in, if the name exists (active or not: the caller decides what to say).
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1"
        ))
        .bind(username)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// All users, by id.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Replaces the password hash, and ends the user's sessions so a changed password locks out whoever
    /// knew the old one. `must_change`: the password was chosen by someone else (a reset), so the user
    /// must change it at the next login.
    pub async fn set_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change: bool,
    ) -> Result<(), StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(i64::from(must_change))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("用户", id));
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        chain.record(&mut tx, &canonical::USER, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a user's name, role and links, with its audit record, in one transaction. The last active
    /// administrator stays one: a [`StoreError::Conflict`] otherwise.
    pub async fn update_user(
        &self,
        id: i64,
        change: &UserChange,
        note: &AuditNote,
    ) -> Result<User, StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("用户", id))?;
        let before = user_from_row(&row)?;
        if before.role == Role::Admin && before.active && change.role != Role::Admin {
            last_admin_stays(&mut tx, &before).await?;
        }
        sqlx::query(
            "UPDATE users SET display_name = $1, role = $2, department_id = $3, unit_id = $4 \
             WHERE id = $5",
        )
        .bind(&change.display_name)
        .bind(change.role.as_str())
        .bind(change.department_id)
        .bind(change.unit_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        chain.record(&mut tx, &canonical::USER, id).await?;
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await?;
        Ok(User {
            display_name: change.display_name.clone(),
            role: change.role,
            department_id: change.department_id,
            unit_id: change.unit_id,
            ..before
        })
    }

    /// Activates or deactivates a user; deactivating also ends their sessions. The last active
    /// administrator cannot be deactivated (a [`StoreError::Conflict`]): checked in the transaction, so
    /// two administrators deactivating each other cannot both succeed.
    pub async fn set_user_active(&self, id: i64, active: bool) -> Result<(), StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        if !active {
            let row = sqlx::query(&format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::not_found("用户", id))?;
            let user = user_from_row(&row)?;
            if user.role == Role::Admin && user.active {
                last_admin_stays(&mut tx, &user).await?;
            }
        }
        let done = sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("用户", id));
        }
        if !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        chain.record(&mut tx, &canonical::USER, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many users are active administrators.
    pub async fn active_admins(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// How many users exist: zero means the server should offer to create the first administrator.
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(self.pool())
            .await?)
    }
}

/// Refuses to take `user`, an active administrator, out of that role when no other active one is left.
async fn last_admin_stays(conn: &mut sqlx::AnyConnection, user: &User) -> Result<(), StoreError> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> $1",
    )
    .bind(user.id)
    .fetch_one(&mut *conn)
    .await?;
    if others == 0 {
        return Err(StoreError::Conflict(format!(
            "{}是最后一位启用的管理员：请先让另一位用户成为管理员",
            user.username
        )));
    }
    Ok(())
}
