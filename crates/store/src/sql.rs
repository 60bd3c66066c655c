//! SQL helpers: typed values, multi-row inserts (national imports write tens of thousands of rows, and one
//! statement per row would spend the time in round trips), and filters built from the criteria actually
//! given, so that each query can use its indexes.

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Transaction};

use crate::Result;

/// One value of a row, typed so that NULLs reach PostgreSQL with the column's type.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_owned()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(Some(v))
    }
}
impl From<Option<f64>> for Value {
    fn from(v: Option<f64>) -> Self {
        Value::Real(v)
    }
}

/// Parameters per statement. Numbered parameters (`$N`, the only style both databases read) are looked up
/// by a linear scan in SQLite, so a statement's cost grows with the square of its parameters: a thousand
/// keeps statements cheap while saving most round trips.
const MAX_PARAMS: usize = 1_000;

fn bind(args: &mut AnyArguments<'_>, value: &Value) -> Result<()> {
    match value {
        Value::Text(v) => args.add(v.clone()),
        Value::Int(v) => args.add(*v),
        Value::Real(v) => args.add(*v),
    }
    .map_err(sqlx::Error::Encode)?;
    Ok(())
}

/// A `WHERE` clause built from the criteria given, with its numbered parameters.
#[derive(Default, Clone)]
pub(crate) struct Filter {
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Filter {
    /// Adds a condition; `?` in `condition` stands for `value`'s placeholder.
    pub(crate) fn and(&mut self, condition: &str, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        self.conditions
            .push(condition.replace('?', &format!("${}", self.values.len())));
        self
    }

    /// Adds a condition of several parameters: each `?` in `condition` stands for the next of `values`.
    pub(crate) fn and_all(&mut self, condition: &str, values: Vec<Value>) -> &mut Self {
        let mut parts = condition.split('?');
        let mut sql = parts.next().unwrap_or_default().to_owned();
        for (part, value) in parts.zip(values) {
            self.values.push(value);
            sql.push_str(&format!("${}{part}", self.values.len()));
        }
        self.conditions.push(sql);
        self
    }

    /// Adds a condition without parameter.
    pub(crate) fn and_sql(&mut self, condition: &str) -> &mut Self {
        self.conditions.push(condition.to_owned());
        self
    }

    /// The clause, `WHERE …` (or nothing).
    pub(crate) fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// The placeholder the next parameter will take (for `LIMIT`/`OFFSET` after the filter).
    pub(crate) fn next_placeholder(&self, offset: usize) -> String {
        format!("${}", self.values.len() + offset)
    }

    /// The parameters, followed by `extra` ones.
    pub(crate) fn arguments(&self, extra: &[Value]) -> Result<AnyArguments<'static>> {
        let mut args = AnyArguments::default();
        for v in self.values.iter().chain(extra) {
            bind(&mut args, v)?;
        }
        Ok(args)
    }
}

/// Inserts `rows` into `table`, many rows per statement. Rows come collected: a lazy iterator held across
/// the awaits would make callers' futures borrow-bound and not `Send`.
pub(crate) async fn insert(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<u64> {
    insert_with(tx, table, columns, rows, "").await
}

/// Inserts `rows` into `table`, or updates the row with the same `key` (same SQL on both databases). With
/// `bump_version`, an update also increments the row's `version` column, so that a form read before the
/// change is refused.
pub(crate) async fn upsert(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    columns: &[&str],
    key: &[&str],
    bump_version: bool,
    rows: Vec<Vec<Value>>,
) -> Result<u64> {
    let mut set: Vec<String> = columns
        .iter()
        .filter(|c| !key.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    if bump_version {
        set.push(format!("version = {table}.version + 1"));
    }
    let clause = format!(
        " ON CONFLICT ({}) DO UPDATE SET {}",
        key.join(", "),
        set.join(", ")
    );
    insert_with(tx, table, columns, rows, &clause).await
}

async fn insert_with(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
    suffix: &str,
) -> Result<u64> {
    let per_statement = (MAX_PARAMS / columns.len()).max(1);
    let mut inserted = 0;
    for chunk in rows.chunks(per_statement) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut args = AnyArguments::default();
        let mut n = 0;
        for (r, row) in chunk.iter().enumerate() {
            debug_assert_eq!(row.len(), columns.len(), "row width of {table}");
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for (c, value) in row.iter().enumerate() {
                n += 1;
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push('$');
                sql.push_str(&n.to_string());
                bind(&mut args, value)?;
            }
            sql.push(')');
        }
        sql.push_str(suffix);
        inserted += sqlx::query_with(&sql, args)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    Ok(inserted)
}

/// Deletes the rows of `table` whose `column` is one of `keys`, many keys per statement.
pub(crate) async fn delete_where_in(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    column: &str,
    keys: &[&str],
) -> Result<u64> {
    let mut deleted = 0;
    for chunk in keys.chunks(MAX_PARAMS) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "DELETE FROM {table} WHERE {column} IN ({})",
            placeholders.join(", ")
        );
        let mut args = AnyArguments::default();
        for k in chunk {
            bind(&mut args, &Value::from(*k))?;
        }
        deleted += sqlx::query_with(&sql, args)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    Ok(deleted)
}
