//! Files uploaded for import, kept between their preview and their confirmation: only their uploader reads
//! them, and they expire after a day (an abandoned preview leaves nothing behind for long). And the column
//! mapping each scope keeps for its files.

use crate::audit::Audit;
use crate::registry::referential::ImportOutcome;
use crate::{now, stamp, AuditEntry, Result, Store, WriteTx};

/// What an import would do, computed without writing.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    /// Rows it would write, per table.
    pub written: Vec<(String, u64)>,
    /// The first changes it would audit (entity, key, before → after).
    pub changes: Vec<AuditEntry>,
    /// How many changes in all.
    pub changed: i64,
}

impl ImportPreview {
    /// The preview of an import rehearsed in `tx` (which the caller then drops, rolling it back): what it
    /// wrote, and the audit entries it appended after `since`.
    pub(crate) async fn rehearsed(
        tx: &mut WriteTx,
        since: i64,
        outcome: ImportOutcome,
        shown: i64,
    ) -> Result<Self> {
        let changed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE id > $1")
            .bind(since)
            .fetch_one(&mut ***tx)
            .await?;
        let changes: Vec<AuditEntry> = sqlx::query_as(
            "SELECT id, at, actor, action, entity, entity_key, before_json, after_json
             FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(since)
        .bind(shown)
        .fetch_all(&mut ***tx)
        .await?;
        Ok(ImportPreview {
            written: outcome.written,
            changes,
            changed,
        })
    }
}

/// The last audit entry's id (0 when none), before a rehearsal.
pub(crate) async fn last_audit_id(tx: &mut WriteTx) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM audit_log")
            .fetch_one(&mut ***tx)
            .await?
            .unwrap_or(0),
    )
}

/// An uploaded file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Its id, in the preview's address (random: it cannot be guessed).
    pub id: String,
    /// What it imports (`projets`).
    pub kind: String,
    /// The file's name as uploaded.
    pub file_name: String,
    /// SHA-256 of its content.
    pub content_hash: String,
    /// The bytes.
    pub content: Vec<u8>,
    /// Who uploaded it (`user:EMAIL`).
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: String,
}

/// How long an upload waits for its confirmation.
const KEPT_HOURS: i64 = 24;

/// How many uploads one user keeps waiting (64 MB at most each): the oldest go first.
const KEPT_PER_USER: i64 = 20;

impl Store {
    /// Keeps an upload, and forgets those older than a day and the uploader's oldest beyond the
    /// [`KEPT_PER_USER`] last.
    pub async fn save_upload(&self, upload: &Upload) -> Result<()> {
        let expired = stamp(time::OffsetDateTime::now_utc() - time::Duration::hours(KEPT_HOURS));
        sqlx::query("DELETE FROM uploads WHERE uploaded_at < $1")
            .bind(expired)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "DELETE FROM uploads WHERE uploaded_by = $1 AND id NOT IN
             (SELECT id FROM uploads WHERE uploaded_by = $1 ORDER BY uploaded_at DESC, id LIMIT $2)",
        )
        .bind(&upload.uploaded_by)
        .bind(KEPT_PER_USER - 1)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "INSERT INTO uploads (id, kind, file_name, content_hash, content, uploaded_by, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&upload.id)
        .bind(&upload.kind)
        .bind(&upload.file_name)
        .bind(&upload.content_hash)
        .bind(&upload.content)
        .bind(&upload.uploaded_by)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The upload `id` of `uploader`, if it is theirs and has not expired.
    pub async fn upload(&self, id: &str, uploader: &str) -> Result<Option<Upload>> {
        type Row = (String, String, String, String, Vec<u8>, String, String);
        let expired = stamp(time::OffsetDateTime::now_utc() - time::Duration::hours(KEPT_HOURS));
        let row: Option<Row> = sqlx::query_as(
            "SELECT id, kind, file_name, content_hash, content, uploaded_by, uploaded_at FROM uploads
             WHERE id = $1 AND uploaded_by = $2 AND uploaded_at >= $3",
        )
        .bind(id)
        .bind(uploader)
        .bind(expired)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(id, kind, file_name, content_hash, content, uploaded_by, uploaded_at)| Upload {
                id,
                kind,
                file_name,
                content_hash,
                content,
                uploaded_by,
                uploaded_at,
            },
        ))
    }

    /// Forgets an upload once applied.
    pub async fn delete_upload(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM uploads WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Store {
    /// The column mapping `scope` keeps for its imports of `kind` (JSON, see `ingest::table`), if any.
    pub async fn column_mapping(&self, scope: &str, kind: &str) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT mapping FROM column_mappings WHERE scope = $1 AND kind = $2")
                .bind(scope)
                .bind(kind)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(m,)| m))
    }

    /// Keeps `mapping` (JSON) as the column mapping of `scope` for `kind`, audited with the one it
    /// replaces; an unchanged mapping writes nothing.
    pub async fn save_column_mapping(
        &self,
        scope: &str,
        kind: &str,
        mapping: &str,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let before: Option<(String,)> =
            sqlx::query_as("SELECT mapping FROM column_mappings WHERE scope = $1 AND kind = $2")
                .bind(scope)
                .bind(kind)
                .fetch_optional(&mut *tx)
                .await?;
        let before = before.map(|(m,)| m);
        if before.as_deref() == Some(mapping) {
            return Ok(());
        }
        sqlx::query("DELETE FROM column_mappings WHERE scope = $1 AND kind = $2")
            .bind(scope)
            .bind(kind)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO column_mappings (scope, kind, mapping, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(scope)
        .bind(kind)
        .bind(mapping)
        .bind(actor)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let json = |m: &str| serde_json::from_str(m).ok();
        Audit {
            actor,
            action: "save_column_mapping",
            entity: "column_mapping",
            entity_key: format!("{scope}/{kind}"),
            before: before.as_deref().and_then(json),
            after: json(mapping),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
