//! The WHERE clause of a filtered list (the ledger's history, the audit log): conditions joined with AND,
//! every value a bound parameter (`$n`), never text pasted into the SQL.

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryScalar};
use sqlx::Any;

use crate::Backend;

/// A value a condition binds.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Int(i64),
}

/// Conditions joined with AND, with their values in placeholder order.
#[derive(Debug)]
pub(crate) struct Conditions {
    backend: Backend,
    sql: String,
    values: Vec<Value>,
}

impl Conditions {
    /// No condition yet; the SQL starts with `WHERE TRUE`-equivalent (`1 = 1`), so each condition adds
    /// ` AND …`.
    pub(crate) fn new(backend: Backend) -> Conditions {
        Conditions {
            backend,
            sql: " WHERE 1 = 1".into(),
            values: Vec::new(),
        }
    }

    /// The clause, starting with ` WHERE`.
    pub(crate) fn sql(&self) -> &str {
        &self.sql
    }

    /// The placeholder of the next value after the conditions' (for LIMIT and OFFSET).
    pub(crate) fn next_mark(&self, after: usize) -> String {
        format!("${}", self.values.len() + after)
    }

    fn mark(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// `column = value`.
    pub(crate) fn int_eq(&mut self, column: &str, value: i64) {
        let m = self.mark(Value::Int(value));
        self.sql.push_str(&format!(" AND {column} = {m}"));
    }

    /// `column = value`.
    pub(crate) fn text_eq(&mut self, column: &str, value: &str) {
        let m = self.mark(Value::Text(value.to_string()));
        self.sql.push_str(&format!(" AND {column} = {m}"));
    }

    /// `column IN (values…)`; an empty list keeps nothing.
    pub(crate) fn text_in(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            self.sql.push_str(" AND 1 = 0");
            return;
        }
        let marks: Vec<String> = values
            .iter()
            .map(|v| self.mark(Value::Text(v.clone())))
            .collect();
        self.sql
            .push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
    }

    /// `column >= value`.
    pub(crate) fn at_least(&mut self, column: &str, value: i64) {
        let m = self.mark(Value::Int(value));
        self.sql.push_str(&format!(" AND {column} >= {m}"));
    }

    /// `column < value`.
    pub(crate) fn below(&mut self, column: &str, value: i64) {
        let m = self.mark(Value::Int(value));
        self.sql.push_str(&format!(" AND {column} < {m}"));
    }

    /// One of `columns` contains `text` literally (`%` and `_` are themselves), ignoring case where the
    /// backend can: PostgreSQL's ILIKE for every letter, SQLite's LIKE for ASCII letters.
    pub(crate) fn contains(&mut self, columns: &[&str], text: &str) {
        let pattern = format!("%{}%", like_escaped(text));
        let like = match self.backend {
            Backend::Postgres => "ILIKE",
            Backend::Sqlite => "LIKE",
        };
        let parts: Vec<String> = columns
            .iter()
            .map(|c| {
                let m = self.mark(Value::Text(pattern.clone()));
                format!("{c} {like} {m} ESCAPE '\\'")
            })
            .collect();
        self.sql.push_str(&format!(" AND ({})", parts.join(" OR ")));
    }

    /// Binds the conditions' values to a query written with [`Conditions::sql`].
    pub(crate) fn bind<'q>(
        &self,
        mut query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        for v in &self.values {
            query = match v {
                Value::Text(t) => query.bind(t.clone()),
                Value::Int(i) => query.bind(*i),
            };
        }
        query
    }

    /// [`Conditions::bind`] for a query of one value (a count).
    pub(crate) fn bind_scalar<'q, O>(
        &self,
        mut query: QueryScalar<'q, Any, O, AnyArguments<'q>>,
    ) -> QueryScalar<'q, Any, O, AnyArguments<'q>> {
        for v in &self.values {
            query = match v {
                Value::Text(t) => query.bind(t.clone()),
                Value::Int(i) => query.bind(*i),
            };
        }
        query
    }
}

/// `text` for a LIKE pattern with `\` as the escape character: `%`, `_` and `\` match only themselves.
pub(crate) fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn wildcards_are_escaped() {
        assert_eq!(super::like_escaped(r"5%_a\b"), r"5\%\_a\\b");
        assert_eq!(super::like_escaped("安全"), "安全");
    }
}
