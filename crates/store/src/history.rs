//! The append-only histories of a territory: milestones and governance appointments.

use serde::Serialize;
use sqlx::{Any, Transaction};
use territoires_domain::fr::{iso_date, parse_date};
use territoires_domain::governance::Appointment;
use territoires_domain::milestone::Milestone;
use territoires_domain::phase::Phase;

use crate::audit::Audit;
use crate::referential::{already_imported, record_import_run, ImportOutcome};
use crate::{now, Result, Store, StoreError};

/// A fact of a territory's history, addressed by (phase, id).
#[derive(Debug, Clone, Serialize)]
pub enum HistoryRecord {
    /// A milestone.
    Milestone(Milestone),
    /// A governance appointment.
    Appointment(Appointment),
}

/// A history record for a given territory, as a file line gives it.
#[derive(Debug, Clone)]
pub struct TerritoryRecord {
    /// Phase of the territory.
    pub phase: Phase,
    /// ANCT id.
    pub territory_id: String,
    /// The record.
    pub record: HistoryRecord,
    /// Where it came from (`file.csv:12`), named in errors.
    pub origin: String,
}

pub(crate) type MilestoneRow = (String, String, String, String, String, String, String);

pub(crate) fn milestone_from(row: MilestoneRow) -> Result<((String, String), Milestone)> {
    let (phase, id, kind, occurred_on, precision, note, source) = row;
    Ok((
        (phase, id),
        Milestone {
            kind: kind.parse()?,
            occurred_on: parse_date("occurred_on", &occurred_on)?,
            precision: precision.parse()?,
            note,
            source,
        },
    ))
}

async fn ensure_territory(tx: &mut Transaction<'_, Any>, phase: Phase, id: &str) -> Result<()> {
    let exists: Option<String> =
        sqlx::query_scalar("SELECT id FROM territories WHERE phase = $1 AND id = $2")
            .bind(phase.slug())
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    exists
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("territoire {id} en {}", phase.label())))
}

async fn insert_milestone_row(
    tx: &mut Transaction<'_, Any>,
    phase: Phase,
    id: &str,
    m: &Milestone,
    actor: &str,
    at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO milestones (phase, territory_id, kind, occurred_on, date_precision, note, source, recorded_at, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(phase.slug())
    .bind(id)
    .bind(m.kind.code())
    .bind(iso_date(m.occurred_on))
    .bind(m.precision.code())
    .bind(&m.note)
    .bind(&m.source)
    .bind(at)
    .bind(actor)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a milestone that an import derives (the list labelling), inside the import's transaction.
pub(crate) async fn insert_milestone(
    tx: &mut Transaction<'_, Any>,
    phase: Phase,
    id: &str,
    m: &Milestone,
    actor: &str,
) -> Result<()> {
    insert_milestone_row(tx, phase, id, m, actor, &now()).await?;
    Ok(())
}

async fn insert_record(
    tx: &mut Transaction<'_, Any>,
    r: &TerritoryRecord,
    actor: &str,
) -> Result<()> {
    let (phase, id) = (r.phase, r.territory_id.as_str());
    ensure_territory(tx, phase, id).await?;
    let at = now();
    match &r.record {
        HistoryRecord::Milestone(m) => {
            m.validate_for(phase)?;
            insert_milestone_row(tx, phase, id, m, actor, &at)
                .await
                .map_err(|e| {
                    StoreError::conflict_on_unique(e, || {
                        format!(
                            "{} : jalon « {} » du {} déjà enregistré pour {id}",
                            r.origin,
                            m.kind.label(),
                            iso_date(m.occurred_on)
                        )
                    })
                })?;
        }
        HistoryRecord::Appointment(a) => {
            a.validate()?;
            sqlx::query(
                "INSERT INTO appointments (phase, territory_id, role, person, organisation, started_on, recorded_at, recorded_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(phase.slug())
            .bind(id)
            .bind(a.role.code())
            .bind(a.person.as_deref())
            .bind(&a.organisation)
            .bind(iso_date(a.started_on))
            .bind(&at)
            .bind(actor)
            .execute(&mut **tx)
            .await
            .map_err(|e| {
                StoreError::conflict_on_unique(e, || {
                    format!("{} : une désignation « {} » au {} existe déjà pour {id}", r.origin, a.role.label(), iso_date(a.started_on))
                })
            })?;
        }
    }
    let (action, after) = match &r.record {
        HistoryRecord::Milestone(m) => ("record_milestone", serde_json::to_value(m)),
        HistoryRecord::Appointment(a) => ("record_appointment", serde_json::to_value(a)),
    };
    Audit {
        actor,
        action,
        entity: "territory",
        entity_key: format!("{phase}/{id}"),
        before: None,
        after: Some(after.expect("records serialize")),
    }
    .record(tx)
    .await
}

impl Store {
    /// Records one milestone or appointment.
    pub async fn record(&self, record: &TerritoryRecord, actor: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_record(&mut tx, record, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a whole file of history in one transaction: the first bad line refuses everything. A file
    /// imported before (same content) writes nothing.
    pub async fn import_history(
        &self,
        records: &[TerritoryRecord],
        content_hash: &str,
        actor: &str,
    ) -> Result<ImportOutcome> {
        let mut tx = self.pool.begin().await?;
        if already_imported(&mut tx, "history", content_hash).await? {
            return Ok(ImportOutcome::unchanged());
        }
        let (mut milestones, mut appointments) = (0, 0);
        for r in records {
            insert_record(&mut tx, r, actor).await?;
            match r.record {
                HistoryRecord::Milestone(_) => milestones += 1,
                HistoryRecord::Appointment(_) => appointments += 1,
            }
        }
        let outcome = ImportOutcome {
            unchanged: false,
            written: vec![
                ("milestones".into(), milestones),
                ("appointments".into(), appointments),
            ],
        };
        record_import_run(&mut tx, "history", content_hash, &outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The milestones and appointments of a territory, oldest first.
    pub async fn history(
        &self,
        phase: Phase,
        id: &str,
    ) -> Result<(Vec<Milestone>, Vec<Appointment>)> {
        let rows: Vec<MilestoneRow> = sqlx::query_as(
            "SELECT phase, territory_id, kind, occurred_on, date_precision, note, source FROM milestones
             WHERE phase = $1 AND territory_id = $2 ORDER BY occurred_on, id",
        )
        .bind(phase.slug())
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let milestones = rows
            .into_iter()
            .map(|r| milestone_from(r).map(|(_, m)| m))
            .collect::<Result<_>>()?;
        let rows: Vec<(String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT role, person, organisation, started_on FROM appointments
             WHERE phase = $1 AND territory_id = $2 ORDER BY started_on, id",
        )
        .bind(phase.slug())
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let appointments = rows
            .into_iter()
            .map(|(role, person, organisation, started_on)| {
                Ok(Appointment {
                    role: role.parse()?,
                    person,
                    organisation,
                    started_on: parse_date("started_on", &started_on)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok((milestones, appointments))
    }
}
