//! The open-data datasets, computed from the read model at its version and kept with it: a download
//! costs one computation per change of the data, not one per request.

use std::collections::HashMap;
use std::sync::Arc;

use territoires_domain::opendata::communes::CommuneRecord;
use territoires_domain::opendata::projects::{self, Stamps};
use territoires_domain::opendata::{communes, envelopes, schemes, subsidies, territories};
use territoires_domain::opendata::{Dataset, Publication};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::{Result, Store, CURRENT_MILLESIME};

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

/// One row of the communes query.
type CommuneRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// What a dataset's computation gives: its publication and when its records last changed.
type Computed = (Publication, Option<OffsetDateTime>);

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
        let (publication, updated) = match dataset.slug {
            "projets" => self.projects_published(&s).await?,
            "subventions" => self.subsidies_published(&s).await?,
            "dispositifs" => self.schemes_published(&s).await?,
            "territoires" => self.territories_published(&s, today).await?,
            "communes" => self.communes_published(today).await?,
            "enveloppes" => self.envelopes_published(&s).await?,
            _ => (Publication::default(), None),
        };
        let published = Arc::new(Published {
            publication,
            updated,
            day: today,
        });
        s.publications
            .lock()
            .expect("publications lock")
            .insert(dataset.slug, published.clone());
        Ok(published)
    }

    /// When each record of `entity` was first and last written, by key: the audit log is where every
    /// write is dated.
    async fn audit_stamps(&self, entity: &str) -> Result<HashMap<String, Stamps>> {
        let rows: Vec<StampRow> = sqlx::query_as(
            "SELECT entity_key, MIN(at), MAX(at) FROM audit_log
             WHERE entity = $1 GROUP BY entity_key",
        )
        .bind(entity)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(key, first, last)| {
                let stamps = Stamps {
                    created: moment(&first)?,
                    updated: moment(&last)?,
                };
                Some((key, stamps))
            })
            .collect())
    }

    /// When a record of one of `entities` (an SQL list of the audit log's entity names) was last written.
    async fn last_written(&self, entities: &str) -> Result<Option<OffsetDateTime>> {
        let last: Option<String> = sqlx::query_scalar(&format!(
            "SELECT MAX(at) FROM audit_log WHERE entity IN ({entities})"
        ))
        .fetch_one(&self.pool)
        .await?;
        Ok(last.as_deref().and_then(moment))
    }

    async fn projects_published(&self, s: &Arc<crate::snapshot::Snapshot>) -> Result<Computed> {
        let stamps = self.audit_stamps("project").await?;
        let s = s.clone();
        self.compute(move || {
            let updated = stamps.values().map(|st| st.updated).max();
            let publication = projects::publish(&s.portfolio.stored.portfolio.projects, |code| {
                stamps.get(code).copied()
            });
            (publication, updated)
        })
        .await
    }

    async fn subsidies_published(&self, s: &Arc<crate::snapshot::Snapshot>) -> Result<Computed> {
        // A grant's row draws on its line, its funder, its scheme and its project's title and holder.
        let updated = self
            .last_written("'funding_line', 'funder', 'scheme', 'project'")
            .await?;
        let s = s.clone();
        self.compute(move || (subsidies::publish(&s.portfolio.stored.portfolio), updated))
            .await
    }

    async fn schemes_published(&self, s: &Arc<crate::snapshot::Snapshot>) -> Result<Computed> {
        // A scheme is updated when it was last written; its envelopes may give its coverage: theirs count
        // for the dataset's date, not for the scheme's.
        let stamps = self.audit_stamps("scheme").await?;
        let last_envelope = self.last_written("'envelope'").await?;
        let s = s.clone();
        self.compute(move || {
            let updated = stamps
                .values()
                .map(|st| st.updated)
                .chain(last_envelope)
                .max();
            let publication = schemes::publish(&s.portfolio.stored.portfolio, |code| {
                stamps.get(code).map(|st| st.updated)
            });
            (publication, updated)
        })
        .await
    }

    async fn territories_published(
        &self,
        s: &Arc<crate::snapshot::Snapshot>,
        today: Date,
    ) -> Result<Computed> {
        let last = self.perimeters_imported().await?;
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
        self.compute(move || {
            let mut records = s.registry.territory_records(today);
            for r in &mut records {
                r.geometry = shapes.get(&(r.phase.clone(), r.id.clone())).cloned();
            }
            (territories::publish(&records, today), last)
        })
        .await
    }

    /// When the perimeters last changed: the imports of the labelling files and of the referential.
    async fn perimeters_imported(&self) -> Result<Option<OffsetDateTime>> {
        let last: Option<String> = sqlx::query_scalar(
            "SELECT MAX(imported_at) FROM import_runs
             WHERE kind LIKE 'territories:%' OR kind LIKE 'referential:%'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(last.as_deref().and_then(moment))
    }

    async fn communes_published(&self, today: Date) -> Result<Computed> {
        // The communes each perimeter in force covers are derived at every import (`territory_communes`).
        let rows: Vec<CommuneRow> = sqlx::query_as(&format!(
            "SELECT tc.phase, tc.territory_id, t.name, c.code, c.name, c.departement_code, c.region_code,
                    c.epci_siren, g.name, c.population
             FROM territory_communes tc
             JOIN territories t ON t.phase = tc.phase AND t.id = tc.territory_id
             JOIN communes c ON c.millesime = {CURRENT_MILLESIME} AND c.code = tc.commune_code
             LEFT JOIN groupings g ON g.millesime = {CURRENT_MILLESIME} AND g.siren = c.epci_siren"
        ))
        .fetch_all(&self.pool)
        .await?;
        let last = self.perimeters_imported().await?;
        self.compute(move || {
            let records: Vec<CommuneRecord> = rows
                .into_iter()
                .map(
                    |(
                        phase,
                        territory_id,
                        territory_name,
                        code,
                        name,
                        departement,
                        region,
                        siren,
                        epci,
                        population,
                    )| {
                        CommuneRecord {
                            phase,
                            territory_id,
                            territory_name,
                            code,
                            name,
                            departement,
                            region,
                            epci_siren: siren,
                            epci_name: epci,
                            population,
                        }
                    },
                )
                .collect();
            (communes::publish(&records, today), last)
        })
        .await
    }

    async fn envelopes_published(&self, s: &Arc<crate::snapshot::Snapshot>) -> Result<Computed> {
        // An envelope's row names its scheme and funder.
        let updated = self.last_written("'envelope', 'scheme', 'funder'").await?;
        let s = s.clone();
        self.compute(move || (envelopes::publish(&s.portfolio.stored.portfolio), updated))
            .await
    }
}
