//! The open-data datasets, computed from the read model at its version and kept with it: a download
//! costs one computation per change of the data, not one per request.

use std::collections::HashMap;
use std::sync::Arc;

use territoires_domain::opendata::projects::{self, Stamps};
use territoires_domain::opendata::{envelopes, schemes, subsidies, territories};
use territoires_domain::opendata::{Dataset, Publication};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::{Result, Store};

/// A dataset as published at the data's current version.
#[derive(Debug)]
pub struct Published {
    /// Its rows and withheld records.
    pub publication: Publication,
    /// When its records last changed (the latest audit entry of what it publishes); `None` when nothing
    /// was ever recorded.
    pub updated: Option<OffsetDateTime>,
    /// The day it was computed: a dataset read "on the day" (the perimeters in force) is computed again
    /// the next day, even when no record changed.
    pub day: Date,
}

/// One row of the stamps query: a key, its first and last audit moments.
type StampRow = (String, String, String);

fn moment(at: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(at, &Rfc3339).ok()
}

impl Store {
    /// The dataset as published now, to the public whoever asks: without the fiches not yet public. Only
    /// datasets of the catalogue exist; an unknown one is a caller's bug and publishes nothing.
    pub async fn publication(&self, dataset: &Dataset) -> Result<Arc<Published>> {
        let s = self.snapshot().await?.seen_by(crate::Audience::Public);
        let today = OffsetDateTime::now_utc().date();
        if let Some(p) = s
            .publications
            .lock()
            .expect("publications lock")
            .get(dataset.slug)
            .filter(|p| p.day == today)
        {
            return Ok(p.clone());
        }
        let published = Arc::new(match dataset.slug {
            "projets" => self.projects_published(&s).await?,
            "subventions" => self.subsidies_published(&s).await?,
            "dispositifs" => self.schemes_published(&s).await?,
            "territoires" => self.territories_published(&s).await?,
            "enveloppes" => self.envelopes_published(&s).await?,
            _ => Published {
                publication: Publication::default(),
                updated: None,
                day: today,
            },
        });
        s.publications
            .lock()
            .expect("publications lock")
            .insert(dataset.slug, published.clone());
        Ok(published)
    }

    async fn projects_published(&self, s: &Arc<crate::snapshot::Snapshot>) -> Result<Published> {
        // A fiche was created when it was first audited and changed when it was last: the audit log is
        // where every write is dated.
        let rows: Vec<StampRow> = sqlx::query_as(
            "SELECT entity_key, MIN(at), MAX(at) FROM audit_log
             WHERE entity = 'project' GROUP BY entity_key",
        )
        .fetch_all(&self.pool)
        .await?;
        let s = s.clone();
        self.compute(move || {
            let mut updated = None;
            let stamps: HashMap<String, Stamps> = rows
                .into_iter()
                .filter_map(|(key, first, last)| {
                    let stamps = Stamps {
                        created: moment(&first)?,
                        updated: moment(&last)?,
                    };
                    updated = updated.max(Some(stamps.updated));
                    Some((key, stamps))
                })
                .collect();
            Published {
                publication: projects::publish(&s.portfolio.stored.portfolio.projects, |code| {
                    stamps.get(code).copied()
                }),
                updated,
                day: OffsetDateTime::now_utc().date(),
            }
        })
        .await
    }

    async fn subsidies_published(&self, s: &Arc<crate::snapshot::Snapshot>) -> Result<Published> {
        // A grant's row draws on its line, its funder, its scheme and its project's title and holder.
        let last: Option<String> = sqlx::query_scalar(
            "SELECT MAX(at) FROM audit_log
             WHERE entity IN ('funding_line', 'funder', 'scheme', 'project')",
        )
        .fetch_one(&self.pool)
        .await?;
        let s = s.clone();
        self.compute(move || Published {
            publication: subsidies::publish(&s.portfolio.stored.portfolio),
            updated: last.as_deref().and_then(moment),
            day: OffsetDateTime::now_utc().date(),
        })
        .await
    }

    async fn schemes_published(&self, s: &Arc<crate::snapshot::Snapshot>) -> Result<Published> {
        // A scheme is updated when it was last written (its envelopes may give its coverage: theirs
        // count for the dataset's date, not for the scheme's).
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT entity_key, MAX(at) FROM audit_log WHERE entity = 'scheme' GROUP BY entity_key",
        )
        .fetch_all(&self.pool)
        .await?;
        let last_envelope: Option<String> =
            sqlx::query_scalar("SELECT MAX(at) FROM audit_log WHERE entity = 'envelope'")
                .fetch_one(&self.pool)
                .await?;
        let s = s.clone();
        self.compute(move || {
            let stamps: HashMap<String, OffsetDateTime> = rows
                .into_iter()
                .filter_map(|(key, at)| Some((key, moment(&at)?)))
                .collect();
            let updated = stamps
                .values()
                .copied()
                .chain(last_envelope.as_deref().and_then(moment))
                .max();
            Published {
                publication: schemes::publish(&s.portfolio.stored.portfolio, |code| {
                    stamps.get(code).copied()
                }),
                updated,
                day: OffsetDateTime::now_utc().date(),
            }
        })
        .await
    }

    async fn territories_published(&self, s: &Arc<crate::snapshot::Snapshot>) -> Result<Published> {
        // The perimeters change with the imports of the labelling files and of the referential.
        let last: Option<String> = sqlx::query_scalar(
            "SELECT MAX(imported_at) FROM import_runs
             WHERE kind LIKE 'territories:%' OR kind LIKE 'referential:%'",
        )
        .fetch_one(&self.pool)
        .await?;
        // Shapes are read here, not kept in the read model: only this dataset draws on them.
        let shapes: HashMap<(String, String), String> =
            sqlx::query_as::<_, (String, String, String)>(
                "SELECT phase, id, geometry FROM territory_contours WHERE geometry IS NOT NULL",
            )
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(phase, id, geometry)| ((phase, id), geometry))
            .collect();
        let s = s.clone();
        let today = OffsetDateTime::now_utc().date();
        self.compute(move || {
            let mut records = s.registry.territory_records(today);
            for r in &mut records {
                r.geometry = shapes.get(&(r.phase.clone(), r.id.clone())).cloned();
            }
            Published {
                publication: territories::publish(&records, today),
                updated: last.as_deref().and_then(moment),
                day: today,
            }
        })
        .await
    }

    async fn envelopes_published(&self, s: &Arc<crate::snapshot::Snapshot>) -> Result<Published> {
        // An envelope's row names its scheme and funder.
        let last: Option<String> = sqlx::query_scalar(
            "SELECT MAX(at) FROM audit_log WHERE entity IN ('envelope', 'scheme', 'funder')",
        )
        .fetch_one(&self.pool)
        .await?;
        let s = s.clone();
        self.compute(move || Published {
            publication: envelopes::publish(&s.portfolio.stored.portfolio),
            updated: last.as_deref().and_then(moment),
            day: OffsetDateTime::now_utc().date(),
        })
        .await
    }
}
