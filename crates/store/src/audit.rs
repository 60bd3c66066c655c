//! The audit log: every write says who did what, when, with the state before and after.

use serde::Serialize;
use sqlx::{Any, Transaction};

use crate::sql::{insert, Value};
use crate::{now, Result, Store};

/// One line of the audit log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who: `user:<email>`, `cli:<command>`.
    pub actor: String,
    /// What was done (`import_referential`, `record_milestone`…).
    pub action: String,
    /// The kind of entity touched.
    pub entity: String,
    /// Its key.
    pub entity_key: String,
    /// State before, as JSON, when there was one.
    pub before_json: Option<String>,
    /// State after, as JSON.
    pub after_json: Option<String>,
}

/// What a write appends to the log, inside the write's own transaction.
pub(crate) struct Audit<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_key: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Audit<'_> {
    pub(crate) async fn record(self, tx: &mut Transaction<'_, Any>) -> Result<()> {
        Audit::record_all(tx, vec![self]).await
    }

    /// Appends several entries at once (an import audits each entity it changes).
    pub(crate) async fn record_all(
        tx: &mut Transaction<'_, Any>,
        entries: Vec<Audit<'_>>,
    ) -> Result<()> {
        let at = now();
        let bump = version_bump(entries.iter().map(|e| e.entity));
        let rows = entries.into_iter().map(|e| {
            vec![
                Value::from(at.as_str()),
                Value::from(e.actor),
                Value::from(e.action),
                Value::from(e.entity),
                Value::from(e.entity_key),
                Value::from(e.before.map(|v| v.to_string())),
                Value::from(e.after.map(|v| v.to_string())),
            ]
        });
        insert(
            tx,
            "audit_log",
            &[
                "at",
                "actor",
                "action",
                "entity",
                "entity_key",
                "before_json",
                "after_json",
            ],
            rows.collect(),
        )
        .await?;
        // Every write is audited, so this is where the data's version moves (see `snapshot`).
        sqlx::query(&bump).execute(&mut **tx).await?;
        Ok(())
    }
}

/// The part of the read model an audited entity belongs to; `None` for accounts, which it does not hold.
fn part_of(entity: &str) -> Option<&'static str> {
    match entity {
        "funder" | "scheme" | "envelope" | "project" | "funding_line" => Some("portfolio_version"),
        // Land is read by its own queries, not from the registry's or the portfolio's snapshot.
        "user" | "api_token" | "column_mapping" | "brownfield" | "brownfield_status" => None,
        _ => Some("registry_version"),
    }
}

/// The statement moving the data's version, and the version of each part of the read model the entities
/// belong to, to the new version (the right-hand sides read the row before the update).
fn version_bump<'a>(entities: impl Iterator<Item = &'a str>) -> String {
    let mut parts: Vec<&str> = entities.filter_map(part_of).collect();
    parts.sort_unstable();
    parts.dedup();
    let mut sql = String::from("UPDATE data_version SET version = version + 1");
    for part in parts {
        sql.push_str(&format!(", {part} = version + 1"));
    }
    sql
}

/// At most this many records' histories are read together (a project and its funding lines).
const HISTORY_SUBJECTS: usize = 200;

impl Store {
    /// The history of some records, newest first: the audit entries of each `(entity, key)` given (a
    /// project and its funding lines, a territory), at most `limit`.
    pub async fn history(
        &self,
        subjects: &[(&str, String)],
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        if subjects.is_empty() {
            return Ok(Vec::new());
        }
        let subjects = &subjects[..subjects.len().min(HISTORY_SUBJECTS)];
        let conditions: Vec<String> = (0..subjects.len())
            .map(|i| format!("(entity = ${} AND entity_key = ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "SELECT id, at, actor, action, entity, entity_key, before_json, after_json FROM audit_log
             WHERE {} ORDER BY id DESC LIMIT ${}",
            conditions.join(" OR "),
            2 * subjects.len() + 1
        );
        let mut query = sqlx::query_as(&sql);
        for (entity, key) in subjects {
            query = query.bind(*entity).bind(key.as_str());
        }
        Ok(query.bind(limit).fetch_all(&self.pool).await?)
    }

    /// The whole audit log, oldest first, for the national team's export (bounded: `limit` entries from
    /// entry `after`, so that an export of millions of entries is read page by page).
    pub async fn audit_page(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, action, entity, entity_key, before_json, after_json
             FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The latest entries of the audit log, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, action, entity, entity_key, before_json, after_json
             FROM audit_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
