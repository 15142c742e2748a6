//! The one error type of the store, shaped so the server can map it to a response without looking inside
//! database errors: a missing row, a conflict a user can read (in Chinese), bad input, or a database failure.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist (the message names it).
    #[error("未找到：{0}")]
    NotFound(String),
    /// The request collides with what is already stored: a duplicate name or code (a unique violation on
    /// either backend), or a replacement of an entry that someone else has already replaced. The message is
    /// for the user.
    #[error("{0}")]
    Conflict(String),
    /// The request itself is wrong (bad decimal, bad date, a correction without a reason …).
    #[error("{0}")]
    Invalid(String),
    /// Anything else the database said.
    #[error("数据库错误：{0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    /// Unique-constraint violations become [`StoreError::Conflict`] on both backends, so two processes racing
    /// for the same name (or the same entry to correct) see the same answer whichever database they run on.
    /// A foreign-key violation (an id that names nothing) is [`StoreError::Invalid`].
    fn from(e: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(db) = &e {
            // SQLite's INSERT OR REPLACE guards (migration 0004) raise the constraint's own message.
            if db.is_unique_violation() || db.message().starts_with("UNIQUE constraint failed") {
                return StoreError::Conflict(conflict_message(db.message()));
            }
            if db.is_foreign_key_violation() {
                return StoreError::Invalid(format!("引用的记录不存在（{}）", db.message()));
            }
        }
        StoreError::Database(e)
    }
}

/// A readable message for a unique violation, guessed from the constraint the database named.
fn conflict_message(db_message: &str) -> String {
    let m = db_message.to_ascii_lowercase();
    let what = if m.contains("replaces") {
        return "该记录已被更正或撤回".to_string();
    } else if m.contains("periods_name_key") || m.contains("periods.name_key") {
        "同名的考评期"
    } else if m.contains("username") {
        "用户名"
    } else if m.contains("departments") {
        "部门编号"
    } else if m.contains("org_units") {
        "单位编号"
    } else if m.contains("rubrics") {
        "考评细则版本"
    } else if m.contains("appeal_decisions") {
        return "该申诉已处理".to_string();
    } else if m.contains("sha256") || m.contains("evidence") {
        "证据文件"
    } else {
        "记录"
    };
    format!("{what}已存在")
}

impl StoreError {
    /// Shorthand for a [`StoreError::NotFound`] naming the table and id.
    pub(crate) fn not_found(what: &str, id: impl std::fmt::Display) -> StoreError {
        StoreError::NotFound(format!("{what} {id}"))
    }
}
