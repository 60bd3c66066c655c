//! Chef de projet posts and their co-financings.

use std::collections::HashMap;

use sqlx::{Any, Transaction};
use territoires_domain::fr::{iso_date, parse_date};
use territoires_domain::money::Cents;
use territoires_domain::phase::Phase;
use territoires_domain::registry::posts::{Cofunding, ProjectLeadPost};

use crate::audit::Audit;
use crate::imports::{last_audit_id, ImportPreview};
use crate::registry::referential::{already_imported, record_import_run, ImportOutcome};
use crate::{now, today, Result, Store, StoreError, WriteTx};

/// A post of a territory, as a file gives it.
#[derive(Debug, Clone)]
pub struct PostRecord {
    /// Phase of the territory.
    pub phase: Phase,
    /// ANCT id.
    pub territory_id: String,
    /// The post, with its co-financings.
    pub post: ProjectLeadPost,
    /// Where it came from (`postes.csv:3`), named in errors.
    pub origin: String,
}

/// A row of `project_lead_posts`.
#[derive(sqlx::FromRow)]
struct PostRow {
    id: i64,
    phase: String,
    territory_id: String,
    employer: String,
    opened_on: String,
    closed_on: Option<String>,
    source: String,
}

/// A row of `post_cofundings`.
#[derive(sqlx::FromRow)]
struct CofundingRow {
    post_id: i64,
    funder: String,
    amount_cents: i64,
    starts_on: String,
    ends_on: String,
}

/// Every post with its territory key and id, oldest first, co-financings included.
pub(crate) async fn load_posts(
    tx: &mut Transaction<'_, Any>,
) -> Result<Vec<(i64, (String, String), ProjectLeadPost)>> {
    let rows: Vec<PostRow> = sqlx::query_as(
        "SELECT id, phase, territory_id, employer, opened_on, closed_on, source FROM project_lead_posts ORDER BY opened_on, id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let cofunding_rows: Vec<CofundingRow> = sqlx::query_as(
        "SELECT post_id, funder, amount_cents, starts_on, ends_on FROM post_cofundings ORDER BY starts_on, id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut cofundings: HashMap<i64, Vec<Cofunding>> = HashMap::new();
    for c in cofunding_rows {
        cofundings.entry(c.post_id).or_default().push(Cofunding {
            funder: c.funder,
            amount: Cents(c.amount_cents),
            starts_on: parse_date("starts_on", &c.starts_on)?,
            ends_on: parse_date("ends_on", &c.ends_on)?,
        });
    }
    rows.into_iter()
        .map(|r| {
            let post = ProjectLeadPost {
                employer: r.employer,
                opened_on: parse_date("opened_on", &r.opened_on)?,
                closed_on: r
                    .closed_on
                    .map(|c| parse_date("closed_on", &c))
                    .transpose()?,
                cofundings: cofundings.remove(&r.id).unwrap_or_default(),
                source: r.source,
            };
            Ok((r.id, (r.phase, r.territory_id), post))
        })
        .collect()
}

/// Writes a post: a new one entirely; for a stored one (same territory and opening day), its closing day
/// if it had none and the co-financings it lacks. Anything else differing is a conflict. Returns whether
/// something was written.
async fn upsert_post(tx: &mut Transaction<'_, Any>, r: &PostRecord, actor: &str) -> Result<bool> {
    let (phase, tid) = (r.phase.slug(), r.territory_id.as_str());
    let rule = |msg: String| {
        StoreError::Invalid(territoires_domain::DomainError::Rule(format!(
            "{} : {msg}",
            r.origin
        )))
    };
    r.post.validate(today()).map_err(|e| rule(e.to_string()))?;
    let exists: Option<String> =
        sqlx::query_scalar("SELECT id FROM territories WHERE phase = $1 AND id = $2")
            .bind(phase)
            .bind(tid)
            .fetch_optional(&mut **tx)
            .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound(format!(
            "{} : territoire {tid} en {}",
            r.origin,
            r.phase.label()
        )));
    }
    for c in &r.post.cofundings {
        let funder: Option<String> = sqlx::query_scalar("SELECT code FROM funders WHERE code = $1")
            .bind(&c.funder)
            .fetch_optional(&mut **tx)
            .await?;
        if funder.is_none() {
            return Err(rule(format!(
                "financeur « {} » inconnu (importez-le d'abord avec les financements)",
                c.funder
            )));
        }
    }
    let stored: Option<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT id, employer, closed_on FROM project_lead_posts WHERE phase = $1 AND territory_id = $2 AND opened_on = $3",
    )
    .bind(phase)
    .bind(tid)
    .bind(iso_date(r.post.opened_on))
    .fetch_optional(&mut **tx)
    .await?;
    let closed = r.post.closed_on.map(iso_date);
    let (post_id, mut written) = match stored {
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO project_lead_posts (phase, territory_id, employer, opened_on, closed_on, source, recorded_at, recorded_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(phase)
            .bind(tid)
            .bind(&r.post.employer)
            .bind(iso_date(r.post.opened_on))
            .bind(closed.clone())
            .bind(&r.post.source)
            .bind(now())
            .bind(actor)
            .fetch_one(&mut **tx)
            .await?;
            (id, true)
        }
        Some((id, employer, stored_closed)) => {
            if employer != r.post.employer {
                return Err(StoreError::Conflict(format!(
                    "{} : le poste ouvert le {} a pour employeur « {employer} », pas « {} »",
                    r.origin,
                    iso_date(r.post.opened_on),
                    r.post.employer
                )));
            }
            match (&stored_closed, &closed) {
                (None, Some(c)) => {
                    sqlx::query("UPDATE project_lead_posts SET closed_on = $1, version = version + 1 WHERE id = $2")
                        .bind(c)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                    (id, true)
                }
                (Some(s), Some(c)) if s != c => {
                    return Err(StoreError::Conflict(format!(
                        "{} : le poste ouvert le {} est fermé le {s}, pas le {c}",
                        r.origin,
                        iso_date(r.post.opened_on)
                    )))
                }
                _ => (id, false),
            }
        }
    };
    for c in &r.post.cofundings {
        let stored: Option<(i64, String)> = sqlx::query_as(
            "SELECT amount_cents, ends_on FROM post_cofundings WHERE post_id = $1 AND funder = $2 AND starts_on = $3",
        )
        .bind(post_id)
        .bind(&c.funder)
        .bind(iso_date(c.starts_on))
        .fetch_optional(&mut **tx)
        .await?;
        match stored {
            Some((amount, ends)) if amount == c.amount.0 && ends == iso_date(c.ends_on) => {}
            Some(_) => {
                return Err(StoreError::Conflict(format!(
                    "{} : le cofinancement de {} à partir du {} est déjà enregistré avec un autre montant ou une autre fin",
                    r.origin,
                    c.funder,
                    iso_date(c.starts_on)
                )))
            }
            None => {
                sqlx::query(
                    "INSERT INTO post_cofundings (post_id, funder, amount_cents, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(post_id)
                .bind(&c.funder)
                .bind(c.amount.0)
                .bind(iso_date(c.starts_on))
                .bind(iso_date(c.ends_on))
                .execute(&mut **tx)
                .await?;
                written = true;
            }
        }
    }
    if written {
        Audit {
            actor,
            action: "record_post",
            entity: "territory",
            entity_key: format!("{phase}/{tid}"),
            before: None,
            after: Some(serde_json::to_value(&r.post).expect("posts serialize")),
        }
        .record(tx)
        .await?;
    }
    Ok(written)
}

impl Store {
    /// Imports chef de projet posts in one transaction: the first bad line refuses everything; a post
    /// already stored is completed (closing day, new co-financings), never rewritten.
    pub async fn import_posts(
        &self,
        records: &[PostRecord],
        content_hash: &str,
        actor: &str,
    ) -> Result<ImportOutcome> {
        let mut tx = self.begin_write().await?;
        if already_imported(&mut tx, "posts", content_hash).await? {
            return Ok(ImportOutcome::unchanged());
        }
        let outcome = posts_in(&mut tx, records, content_hash, actor).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// What [`Store::import_posts`] would write, rehearsed in a transaction rolled back; `None` when the
    /// same content was imported.
    pub async fn preview_posts(
        &self,
        records: &[PostRecord],
        content_hash: &str,
        actor: &str,
        shown: i64,
    ) -> Result<Option<ImportPreview>> {
        let mut tx = self.begin_write().await?;
        if already_imported(&mut tx, "posts", content_hash).await? {
            return Ok(None);
        }
        let since = last_audit_id(&mut tx).await?;
        let outcome = posts_in(&mut tx, records, content_hash, actor).await?;
        Ok(Some(
            ImportPreview::rehearsed(&mut tx, since, outcome, shown).await?,
        ))
    }

    /// Records one post from a form or the API: a new post, or a stored one (same opening day) closed or
    /// given new co-financings; a different employer, closing day or co-financing is a conflict, never
    /// an overwrite. Returns whether something was written (the same post twice writes nothing).
    pub async fn record_post(&self, record: &PostRecord, actor: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let written = upsert_post(&mut tx, record, actor).await?;
        tx.commit().await?;
        Ok(written)
    }
}

/// The writes of a post import, in the caller's transaction.
async fn posts_in(
    tx: &mut WriteTx,
    records: &[PostRecord],
    content_hash: &str,
    actor: &str,
) -> Result<ImportOutcome> {
    let mut written = 0;
    for r in records {
        written += u64::from(upsert_post(tx, r, actor).await?);
    }
    let outcome = ImportOutcome {
        notes: Vec::new(),
        unchanged: written == 0,
        written: vec![("project_lead_posts".into(), written)],
    };
    record_import_run(tx, "posts", content_hash, &outcome).await?;
    Ok(outcome)
}
