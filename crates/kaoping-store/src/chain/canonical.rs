//! The canonical content of every chained record: which table, which columns, in which order, and how
//! they are written. This file is the one definition; docs/hash-chain.md describes it for people who
//! re-check a database with their own script.
//!
//! A record's content is a JSON object written without spaces: `"record"` (the kind) first, then the columns in the
//! order listed here, then the child lists (a period's units, a unit's groups). Integers are JSON numbers,
//! text is a JSON string (escaped as serde_json escapes), a missing value is `null`; a column marked
//! [`Col::Digest`] is written as the lowercase hex SHA-256 of its UTF-8 text (a rubric's TOML, a
//! password hash), so the chain never holds secrets or megabytes.

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::{col, StoreError};

/// How a column is read and written into the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    Int,
    Text,
    /// Text kept as its SHA-256.
    Digest,
    /// Text added to a kind after records of it were linked: written only when set, so a record from
    /// before (where it is NULL) keeps the content it was linked with.
    LaterText,
}

/// A list read from a child table for one record: `sql` selects one integer or text column named `v`
/// for `$1`, the record's key, in a fixed order.
#[derive(Debug)]
pub(crate) struct Child {
    pub name: &'static str,
    pub sql: &'static str,
    pub col: Col,
}

/// A kind of chained record.
#[derive(Debug)]
pub(crate) struct Kind {
    /// The name in `chain_links.kind` and in the content.
    pub name: &'static str,
    pub table: &'static str,
    /// The integer column that identifies a record (`chain_links.record_id`).
    pub key: &'static str,
    /// The key first, then the rest.
    pub columns: &'static [(&'static str, Col)],
    pub children: &'static [Child],
    /// Whether the application changes the record after writing it (a user's password or role, a
    /// period's status): each change links the record again, and the latest link must match the row.
    /// Every other kind is linked exactly once.
    pub mutable: bool,
}

use Col::{Digest as D, Int as I, LaterText as L, Text as T};

pub(crate) const DEPARTMENT: Kind = Kind {
    name: "department",
    table: "departments",
    key: "id",
    columns: &[("id", I), ("code", T), ("name", T)],
    children: &[],
    mutable: true,
};

pub(crate) const ORG_UNIT: Kind = Kind {
    name: "org_unit",
    table: "org_units",
    key: "id",
    columns: &[
        ("id", I),
        ("code", T),
        ("name", T),
        ("parent_id", I),
        ("kind", T),
        ("ranking_group", T),
    ],
    children: &[Child {
        name: "groups",
        sql: "SELECT group_code AS v FROM org_unit_groups WHERE unit_id = $1 ORDER BY position",
        col: T,
    }],
    mutable: true,
};

pub(crate) const USER: Kind = Kind {
    name: "user",
    table: "users",
    key: "id",
    columns: &[
        ("id", I),
        ("username", T),
        ("display_name", T),
        ("password_hash", D),
        ("role", T),
        ("department_id", I),
        ("unit_id", I),
        ("active", I),
        ("must_change_password", I),
        ("created_at", I),
    ],
    children: &[],
    mutable: true,
};

pub(crate) const RUBRIC: Kind = Kind {
    name: "rubric",
    table: "rubrics",
    key: "id",
    columns: &[
        ("id", I),
        ("name", T),
        ("version", I),
        ("toml", D),
        ("created_by", I),
        ("created_at", I),
    ],
    children: &[],
    mutable: true,
};

/// The bytes are not in the content: their SHA-256 is, and `kaoping verify` hashes the bytes again.
pub(crate) const EVIDENCE: Kind = Kind {
    name: "evidence",
    table: "evidence",
    key: "id",
    columns: &[
        ("id", I),
        ("sha256", T),
        ("mime", T),
        ("filename", T),
        ("size", I),
        ("uploaded_by", I),
        ("uploaded_at", I),
    ],
    children: &[],
    mutable: false,
};

pub(crate) const AUDIT: Kind = Kind {
    name: "audit",
    table: "audit_log",
    key: "id",
    columns: &[
        ("id", I),
        ("at", I),
        ("user_id", I),
        ("action", T),
        ("detail", T),
    ],
    children: &[],
    mutable: false,
};

/// The revision column is left out: it is a cache key of the server processes, not part of the record.
pub(crate) const PERIOD: Kind = Kind {
    name: "period",
    table: "periods",
    key: "id",
    columns: &[
        ("id", I),
        ("name", T),
        ("year", I),
        ("rubric_id", I),
        ("status", T),
        ("published_at", I),
        ("published_by", I),
        ("created_at", I),
    ],
    children: &[Child {
        name: "units",
        sql: "SELECT unit_id AS v FROM period_units WHERE period_id = $1 ORDER BY unit_id",
        col: I,
    }],
    mutable: true,
};

pub(crate) const ENTRY: Kind = Kind {
    name: "entry",
    table: "entries",
    key: "id",
    columns: &[
        ("id", I),
        ("period_id", I),
        ("unit_code", T),
        ("code", T),
        ("round", T),
        ("count", I),
        ("level", T),
        ("points", T),
        ("note", T),
        ("matter", T),
        ("date", T),
        ("due", T),
        ("source", T),
        ("department_id", I),
        ("recorded_by", I),
        ("evidence_id", I),
        ("kind", T),
        ("replaces", I),
        ("reason", T),
        ("recorded_at", I),
    ],
    children: &[],
    mutable: false,
};

pub(crate) const REVIEW: Kind = Kind {
    name: "review",
    table: "reviews",
    key: "id",
    columns: &[
        ("id", I),
        ("period_id", I),
        ("department_id", I),
        ("status", T),
        ("reason", T),
        ("by_user", I),
        ("at", I),
    ],
    children: &[],
    mutable: false,
};

pub(crate) const APPEAL: Kind = Kind {
    name: "appeal",
    table: "appeals",
    key: "id",
    columns: &[
        ("id", I),
        ("period_id", I),
        ("entry_id", I),
        ("unit_id", I),
        ("reason", T),
        ("filed_by", I),
        ("filed_at", I),
    ],
    children: &[],
    mutable: false,
};

pub(crate) const APPEAL_DECISION: Kind = Kind {
    name: "appeal_decision",
    table: "appeal_decisions",
    key: "appeal_id",
    columns: &[
        ("appeal_id", I),
        ("accepted", I),
        ("reason", T),
        ("decided_by", I),
        ("decided_at", I),
        ("entry_id", I),
    ],
    children: &[],
    mutable: false,
};

pub(crate) const PUBLICATION: Kind = Kind {
    name: "publication",
    table: "publications",
    key: "id",
    columns: &[
        ("id", I),
        ("period_id", I),
        ("revision", I),
        ("head_entry", I),
        ("ledger_head", T),
        ("digest", T),
        ("results", D),
        ("reason", T),
        ("changes", T),
        ("by_user", I),
        ("at", I),
        ("issuer", L),
        ("doc_number", L),
    ],
    children: &[],
    mutable: false,
};

/// A rectification requirement (整改, migration 0011): linked once.
pub(crate) const RECTIFICATION: Kind = Kind {
    name: "rectification",
    table: "rectifications",
    key: "id",
    columns: &[
        ("id", I),
        ("period_id", I),
        ("entry_id", I),
        ("unit_code", T),
        ("code", T),
        ("requirement", T),
        ("due", T),
        ("created_by", I),
        ("created_at", I),
    ],
    children: &[],
    mutable: false,
};

/// A step of a rectification: a report, an acceptance or a return; linked once.
pub(crate) const RECTIFICATION_STEP: Kind = Kind {
    name: "rectification_step",
    table: "rectification_steps",
    key: "id",
    columns: &[
        ("id", I),
        ("rectification_id", I),
        ("kind", T),
        ("text", T),
        ("evidence_id", I),
        ("actor", I),
        ("day", T),
        ("at", I),
    ],
    children: &[],
    mutable: false,
};

/// Every kind, in the order `kaoping verify` checks them.
/// A ballot campaign's close (民主评议): the settings as their digest, every ballot (`id:class:valid:ratings`)
/// and every code's state (`hash:class:used`) as they were counted. Voting itself is not linked: a link
/// per vote would record the order ballots came in.
pub(crate) const BALLOT_CLOSING: Kind = Kind {
    name: "ballot_closing",
    table: "ballot_closings",
    key: "campaign_id",
    columns: &[("campaign_id", I), ("closed_by", I), ("closed_at", I)],
    children: &[
        Child {
            name: "settings",
            sql: "SELECT settings AS v FROM ballot_campaigns WHERE id = $1",
            col: D,
        },
        Child {
            name: "ballots",
            sql: "SELECT id || ':' || class_index || ':' || valid || ':' || ratings AS v FROM ballots \
                  WHERE campaign_id = $1 ORDER BY id",
            col: T,
        },
        Child {
            name: "codes",
            sql: "SELECT code_hash || ':' || class_index || ':' || used AS v FROM ballot_codes \
                  WHERE campaign_id = $1 ORDER BY code_hash",
            col: T,
        },
    ],
    mutable: false,
};

/// A row of a unit's 记录本 (activity records): records, corrections, withdrawals and rejections alike.
pub(crate) const ACTIVITY_RECORD: Kind = Kind {
    name: "activity_record",
    table: "activity_records",
    key: "id",
    columns: &[
        ("id", I),
        ("period_id", I),
        ("unit_code", T),
        ("kind", T),
        ("held_on", T),
        ("topic", T),
        ("attendees", I),
        ("eligible", I),
        ("evidence_id", I),
        ("action", T),
        ("replaces", I),
        ("reason", T),
        ("recorded_by", I),
        ("recorded_at", I),
    ],
    children: &[],
    mutable: false,
};

pub(crate) const KINDS: &[&Kind] = &[
    &DEPARTMENT,
    &ORG_UNIT,
    &USER,
    &RUBRIC,
    &EVIDENCE,
    &AUDIT,
    &PERIOD,
    &ENTRY,
    &REVIEW,
    &APPEAL,
    &APPEAL_DECISION,
    &PUBLICATION,
    &BALLOT_CLOSING,
    &ACTIVITY_RECORD,
    &RECTIFICATION,
    &RECTIFICATION_STEP,
];

impl Kind {
    /// `SELECT <columns> FROM <table>`, for one record (`WHERE key = $1`) or a page of them in key
    /// order (`WHERE key > $1 … LIMIT $2`).
    fn select(&self, one: bool) -> String {
        let columns: Vec<&str> = self.columns.iter().map(|(name, _)| *name).collect();
        let mut sql = format!("SELECT {} FROM {}", columns.join(", "), self.table);
        if one {
            sql.push_str(&format!(" WHERE {} = $1", self.key));
        } else {
            sql.push_str(&format!(
                " WHERE {key} > $1 ORDER BY {key} LIMIT $2",
                key = self.key
            ));
        }
        sql
    }

    /// The content of record `id` as it is stored now, or None when there is no such record.
    pub(crate) async fn content_of(
        &self,
        conn: &mut AnyConnection,
        id: i64,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(&self.select(true))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        match row {
            Some(row) => Ok(Some(self.content(conn, &row).await?)),
            None => Ok(None),
        }
    }

    /// Up to `limit` records of the kind with keys after `after`, as (key, content), in key order.
    pub(crate) async fn contents_after(
        &self,
        conn: &mut AnyConnection,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(&self.select(false))
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push((col(row, self.key)?, self.content(conn, row).await?));
        }
        Ok(out)
    }

    /// The content of a record of a kind without child lists, from a row holding all its columns (an
    /// `INSERT … RETURNING` them).
    pub(crate) fn content_of_row(&self, row: &AnyRow) -> Result<String, StoreError> {
        if !self.children.is_empty() {
            return Err(StoreError::Invalid(format!(
                "{} 的规范内容含子列表，不能只从一行读出",
                self.name
            )));
        }
        Ok(self.fields(row)?.finish())
    }

    fn fields(&self, row: &AnyRow) -> Result<Content, StoreError> {
        let mut out = Content::new(self.name);
        for &(name, kind) in self.columns {
            if kind == Col::LaterText && col::<Option<String>>(row, name)?.is_none() {
                continue;
            }
            out.field(name, value(row, name, kind)?);
        }
        Ok(out)
    }

    async fn content(&self, conn: &mut AnyConnection, row: &AnyRow) -> Result<String, StoreError> {
        let mut out = self.fields(row)?;
        for child in self.children {
            let key: i64 = col(row, self.key)?;
            let rows = sqlx::query(child.sql)
                .bind(key)
                .fetch_all(&mut *conn)
                .await?;
            let values = rows
                .iter()
                .map(|r| value(r, "v", child.col))
                .collect::<Result<Vec<_>, _>>()?;
            out.field(child.name, format!("[{}]", values.join(",")));
        }
        Ok(out.finish())
    }
}

/// One column of a row as canonical JSON.
fn value(row: &AnyRow, name: &str, kind: Col) -> Result<String, StoreError> {
    Ok(match kind {
        Col::Int => match col::<Option<i64>>(row, name)? {
            Some(n) => n.to_string(),
            None => "null".into(),
        },
        Col::Text | Col::LaterText => match col::<Option<String>>(row, name)? {
            Some(s) => json_string(&s),
            None => "null".into(),
        },
        Col::Digest => match col::<Option<String>>(row, name)? {
            Some(s) => json_string(&sha256_hex(s.as_bytes())),
            None => "null".into(),
        },
    })
}

/// Builds `{"record":"<kind>","a":…,"b":…}` in the order fields are given.
struct Content(String);

impl Content {
    fn new(kind: &str) -> Content {
        Content(format!("{{\"record\":{}", json_string(kind)))
    }

    fn field(&mut self, name: &str, json: String) {
        self.0.push(',');
        self.0.push_str(&json_string(name));
        self.0.push(':');
        self.0.push_str(&json);
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// A JSON string literal.
pub(crate) fn json_string(s: &str) -> String {
    // Serializing a str cannot fail.
    serde_json::to_string(s).unwrap_or_default()
}

/// Lowercase hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The hash of a link: SHA-256 of the previous link's hash (64 hex digits, or 64 zeros for the first),
/// a line feed, and the SHA-256 of the record's content (64 hex digits).
pub(crate) fn link_hash(prev: &str, content_hash: &str) -> String {
    sha256_hex(format!("{prev}\n{content_hash}").as_bytes())
}

/// The content of a record the application deleted (a department, unit, rubric version or period that
/// nothing used): `{"record":"<kind>","<key>":<id>,"deleted":true}`. Its link is the record's latest, so
/// `kaoping verify` knows the row is gone on purpose; a row deleted without it is *missing*.
pub(crate) fn deleted_content(kind: &Kind, id: i64) -> String {
    let mut c = Content::new(kind.name);
    c.field(kind.key, id.to_string());
    c.field("deleted", "true".into());
    c.finish()
}

/// The `prev` of a chain's first link.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_hashes_are_sha256_of_prev_newline_content_hash() {
        let content_hash = sha256_hex(b"{\"record\":\"x\"}");
        let expected = sha256_hex(format!("{GENESIS}\n{content_hash}").as_bytes());
        assert_eq!(link_hash(GENESIS, &content_hash), expected);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn content_escapes_text_and_keeps_the_order() {
        let mut c = Content::new("entry");
        c.field("id", "7".into());
        c.field("note", json_string("引号\"和\n换行"));
        c.field("level", "null".into());
        assert_eq!(
            c.finish(),
            r#"{"record":"entry","id":7,"note":"引号\"和\n换行","level":null}"#
        );
    }

    #[test]
    fn a_deletion_names_the_record() {
        assert_eq!(
            deleted_content(&DEPARTMENT, 5),
            r#"{"record":"department","id":5,"deleted":true}"#
        );
    }

    #[test]
    fn every_kind_starts_with_its_key() {
        for kind in KINDS {
            assert_eq!(kind.columns[0].0, kind.key, "{}", kind.name);
        }
    }
}
