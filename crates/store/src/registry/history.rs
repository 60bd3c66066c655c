//! The append-only histories of a territory: its events (labelling, milestones), governance appointments
//! and attributes, and the withdrawals that correct them without deleting anything.

use serde::Serialize;
use sqlx::{Any, Transaction};
use territoires_domain::fr::{iso_date, parse_date};
use territoires_domain::ids::TerritoryId;
use territoires_domain::phase::Phase;
use territoires_domain::registry::attributes::{Attribute, AttributeChange};
use territoires_domain::registry::governance::Appointment;
use territoires_domain::registry::milestone::{Milestone, RecordKind, Withdrawal};

use crate::audit::Audit;
use crate::imports::{last_audit_id, ImportPreview};
use crate::registry::referential::{already_imported, record_import_run, ImportOutcome};
use crate::{now, today, Result, Store, StoreError, WriteTx};

/// A fact of a territory's history.
#[derive(Debug, Clone, Serialize)]
pub enum HistoryRecord {
    /// An event: labelling, milestone of progress, end.
    Milestone(Milestone),
    /// A governance appointment.
    Appointment(Appointment),
    /// A change of attribute (fragile, tag).
    Attribute(AttributeChange),
}

/// A history record for a given territory, as a file line or a form gives it.
#[derive(Debug, Clone)]
pub struct TerritoryRecord {
    /// Phase of the territory.
    pub phase: Phase,
    /// ANCT id.
    pub territory_id: String,
    /// The record.
    pub record: HistoryRecord,
    /// Where it came from (`file.csv:12`, `formulaire`), named in errors.
    pub origin: String,
}

/// The table holding records of `kind`.
fn table(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Milestone => "milestones",
        RecordKind::Appointment => "appointments",
        RecordKind::Attribute => "territory_attributes",
    }
}

/// A row of `milestones` joined with its withdrawal.
pub(crate) type MilestoneRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// The columns of [`MilestoneRow`], for queries over `milestones m LEFT JOIN withdrawals w`.
pub(crate) const MILESTONE_COLUMNS: &str = "m.id, m.phase, m.territory_id, m.kind, m.occurred_on, m.earliest_on, m.date_precision, m.related, m.note, m.source, w.withdrawn_on, w.reason";

/// The join of a record table (aliased `m`) with its withdrawal.
pub(crate) const WITHDRAWAL_JOIN: &str = "LEFT JOIN withdrawals w ON w.id = m.withdrawal_id";

fn withdrawal_from(on: Option<String>, reason: Option<String>) -> Result<Option<Withdrawal>> {
    Ok(match (on, reason) {
        (Some(on), Some(reason)) => Some(Withdrawal {
            on: parse_date("withdrawn_on", &on)?,
            reason,
        }),
        _ => None,
    })
}

/// A milestone row as (record id, territory key, milestone).
pub(crate) fn milestone_from(row: MilestoneRow) -> Result<(i64, (String, String), Milestone)> {
    let (
        id,
        phase,
        tid,
        kind,
        occurred_on,
        earliest,
        precision,
        related,
        note,
        source,
        w_on,
        w_reason,
    ) = row;
    Ok((
        id,
        (phase, tid),
        Milestone {
            kind: kind.parse()?,
            occurred_on: parse_date("occurred_on", &occurred_on)?,
            precision: precision.parse()?,
            earliest: earliest
                .map(|e| parse_date("earliest_on", &e))
                .transpose()?,
            related: related
                .split(',')
                .filter(|r| !r.is_empty())
                .map(TerritoryId::parse)
                .collect::<Result<_, _>>()?,
            note,
            source,
            withdrawal: withdrawal_from(w_on, w_reason)?,
        },
    ))
}

/// An appointment row: id, phase, territory, role, person, organisation, start, withdrawal.
pub(crate) type AppointmentRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

pub(crate) const APPOINTMENT_COLUMNS: &str = "m.id, m.phase, m.territory_id, m.role, m.person, m.organisation, m.started_on, w.withdrawn_on, w.reason";

pub(crate) fn appointment_from(
    row: AppointmentRow,
) -> Result<(i64, (String, String), Appointment)> {
    let (id, phase, tid, role, person, organisation, started_on, w_on, w_reason) = row;
    Ok((
        id,
        (phase, tid),
        Appointment {
            role: role.parse()?,
            person,
            organisation,
            started_on: parse_date("started_on", &started_on)?,
            withdrawal: withdrawal_from(w_on, w_reason)?,
        },
    ))
}

/// An attribute row: id, phase, territory, attribute, value, present, date, note, source, withdrawal.
pub(crate) type AttributeRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

pub(crate) const ATTRIBUTE_COLUMNS: &str = "m.id, m.phase, m.territory_id, m.attribute, m.value, m.present, m.changed_on, m.note, m.source, w.withdrawn_on, w.reason";

pub(crate) fn attribute_from(
    row: AttributeRow,
) -> Result<(i64, (String, String), AttributeChange)> {
    let (id, phase, tid, attribute, value, present, on, note, source, w_on, w_reason) = row;
    let attribute = match attribute.as_str() {
        "fragile" => Attribute::Fragile,
        _ => Attribute::Tag(value),
    };
    Ok((
        id,
        (phase, tid),
        AttributeChange {
            attribute,
            present: present != 0,
            on: parse_date("changed_on", &on)?,
            note,
            source,
            withdrawal: withdrawal_from(w_on, w_reason)?,
        },
    ))
}

fn attribute_columns(a: &Attribute) -> (&'static str, &str) {
    match a {
        Attribute::Fragile => ("fragile", ""),
        Attribute::Tag(t) => ("etiquette", t.as_str()),
    }
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

/// Records a milestone that an import derives (the list labelling), inside the import's transaction.
pub(crate) async fn insert_milestone(
    tx: &mut Transaction<'_, Any>,
    phase: Phase,
    id: &str,
    m: &Milestone,
    actor: &str,
) -> Result<()> {
    insert_milestone_row(tx, phase, id, m, actor).await?;
    Ok(())
}

async fn insert_milestone_row(
    tx: &mut Transaction<'_, Any>,
    phase: Phase,
    id: &str,
    m: &Milestone,
    actor: &str,
) -> Result<(), sqlx::Error> {
    let related: Vec<&str> = m.related.iter().map(TerritoryId::as_str).collect();
    sqlx::query(
        "INSERT INTO milestones (phase, territory_id, kind, occurred_on, earliest_on, date_precision, related, note, source, recorded_at, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(phase.slug())
    .bind(id)
    .bind(m.kind.code())
    .bind(iso_date(m.occurred_on))
    .bind(m.earliest.map(iso_date))
    .bind(m.precision.code())
    .bind(related.join(","))
    .bind(&m.note)
    .bind(&m.source)
    .bind(now())
    .bind(actor)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether the same fact is already recorded and in force. An identical record is not written again (an
/// import can be replayed); the same key with other content is a conflict the user must resolve.
async fn already_recorded(tx: &mut Transaction<'_, Any>, r: &TerritoryRecord) -> Result<bool> {
    let (phase, id) = (r.phase.slug(), r.territory_id.as_str());
    match &r.record {
        HistoryRecord::Milestone(m) => {
            let rows: Vec<MilestoneRow> = sqlx::query_as(&format!(
                "SELECT {MILESTONE_COLUMNS} FROM milestones m {WITHDRAWAL_JOIN}
                 WHERE m.phase = $1 AND m.territory_id = $2 AND m.kind = $3 AND m.occurred_on = $4
                   AND m.date_precision = $5 AND m.withdrawal_id = 0"
            ))
            .bind(phase)
            .bind(id)
            .bind(m.kind.code())
            .bind(iso_date(m.occurred_on))
            .bind(m.precision.code())
            .fetch_all(&mut **tx)
            .await?;
            let Some(row) = rows.into_iter().next() else {
                return Ok(false);
            };
            let (_, _, stored) = milestone_from(row)?;
            if stored == *m {
                return Ok(true);
            }
            Err(StoreError::Conflict(format!(
                "{} : jalon « {} » {} déjà enregistré pour {id} avec une autre note, source ou date au plus tôt (retirez-le d'abord pour le corriger)",
                r.origin,
                m.kind.label(),
                m.date_label()
            )))
        }
        HistoryRecord::Appointment(a) => {
            let stored: Option<(Option<String>, String)> = sqlx::query_as(
                "SELECT person, organisation FROM appointments
                 WHERE phase = $1 AND territory_id = $2 AND role = $3 AND started_on = $4 AND withdrawal_id = 0",
            )
            .bind(phase)
            .bind(id)
            .bind(a.role.code())
            .bind(iso_date(a.started_on))
            .fetch_optional(&mut **tx)
            .await?;
            match stored {
                None => Ok(false),
                Some((person, organisation)) if person == a.person && organisation == a.organisation => Ok(true),
                Some(_) => Err(StoreError::Conflict(format!(
                    "{} : une désignation « {} » au {} existe déjà pour {id} (retirez-la d'abord pour la corriger)",
                    r.origin,
                    a.role.label(),
                    iso_date(a.started_on)
                ))),
            }
        }
        HistoryRecord::Attribute(c) => {
            let (attribute, value) = attribute_columns(&c.attribute);
            let stored: Option<i64> = sqlx::query_scalar(
                "SELECT present FROM territory_attributes
                 WHERE phase = $1 AND territory_id = $2 AND attribute = $3 AND value = $4 AND changed_on = $5 AND withdrawal_id = 0",
            )
            .bind(phase)
            .bind(id)
            .bind(attribute)
            .bind(value)
            .bind(iso_date(c.on))
            .fetch_optional(&mut **tx)
            .await?;
            match stored {
                None => Ok(false),
                Some(p) if (p != 0) == c.present => Ok(true),
                Some(_) => Err(StoreError::Conflict(format!(
                    "{} : {} déjà modifié le {} pour {id}",
                    r.origin,
                    c.attribute.label(),
                    iso_date(c.on)
                ))),
            }
        }
    }
}

/// Checks and writes one record; returns false when the same record was already there.
async fn insert_record(
    tx: &mut Transaction<'_, Any>,
    r: &TerritoryRecord,
    actor: &str,
) -> Result<bool> {
    let (phase, id) = (r.phase, r.territory_id.as_str());
    let on_line = |e: territoires_domain::DomainError| {
        StoreError::Invalid(territoires_domain::DomainError::Rule(format!(
            "{} : {e}",
            r.origin
        )))
    };
    ensure_territory(tx, phase, id).await?;
    match &r.record {
        HistoryRecord::Milestone(m) => {
            m.validate_for(phase, today()).map_err(on_line)?;
            for successor in &m.related {
                ensure_territory(tx, phase, successor.as_str()).await?;
            }
        }
        HistoryRecord::Appointment(a) => a.validate(today()).map_err(on_line)?,
        HistoryRecord::Attribute(c) => c.validate(today()).map_err(on_line)?,
    }
    if already_recorded(tx, r).await? {
        return Ok(false);
    }
    let conflict = |e: sqlx::Error| {
        StoreError::conflict_on_unique(e, || {
            format!(
                "{} : ce fait vient d'être enregistré par quelqu'un d'autre pour {id}",
                r.origin
            )
        })
    };
    match &r.record {
        HistoryRecord::Milestone(m) => insert_milestone_row(tx, phase, id, m, actor)
            .await
            .map_err(conflict)?,
        HistoryRecord::Appointment(a) => {
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
            .bind(now())
            .bind(actor)
            .execute(&mut **tx)
            .await
            .map_err(conflict)?;
        }
        HistoryRecord::Attribute(c) => {
            let (attribute, value) = attribute_columns(&c.attribute);
            sqlx::query(
                "INSERT INTO territory_attributes (phase, territory_id, attribute, value, present, changed_on, note, source, recorded_at, recorded_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(phase.slug())
            .bind(id)
            .bind(attribute)
            .bind(value)
            .bind(i64::from(c.present))
            .bind(iso_date(c.on))
            .bind(&c.note)
            .bind(&c.source)
            .bind(now())
            .bind(actor)
            .execute(&mut **tx)
            .await
            .map_err(conflict)?;
        }
    }
    let (action, after) = match &r.record {
        HistoryRecord::Milestone(m) => ("record_milestone", serde_json::to_value(m)),
        HistoryRecord::Appointment(a) => ("record_appointment", serde_json::to_value(a)),
        HistoryRecord::Attribute(c) => ("record_attribute", serde_json::to_value(c)),
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
    .await?;
    Ok(true)
}

impl Store {
    /// Records one milestone, appointment or attribute change. Recording a fact already recorded
    /// identically is refused as a conflict (a form posted twice).
    pub async fn record(&self, record: &TerritoryRecord, actor: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        if !insert_record(&mut tx, record, actor).await? {
            return Err(StoreError::Conflict(format!(
                "{} : ce fait est déjà enregistré pour {}",
                record.origin, record.territory_id
            )));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a whole file of history in one transaction: the first bad line refuses everything; lines
    /// already recorded identically are skipped, so a file can be imported again.
    pub async fn import_history(
        &self,
        records: &[TerritoryRecord],
        content_hash: &str,
        actor: &str,
    ) -> Result<ImportOutcome> {
        let mut tx = self.begin_write().await?;
        if already_imported(&mut tx, "history", content_hash).await? {
            return Ok(ImportOutcome::unchanged());
        }
        let outcome = history_in(&mut tx, records, content_hash, actor).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// What [`Store::import_history`] would write: the import itself, rehearsed in a transaction rolled
    /// back (its first `shown` audit entries and their count); `None` when the same content was imported.
    pub async fn preview_history(
        &self,
        records: &[TerritoryRecord],
        content_hash: &str,
        actor: &str,
        shown: i64,
    ) -> Result<Option<ImportPreview>> {
        let mut tx = self.begin_write().await?;
        if already_imported(&mut tx, "history", content_hash).await? {
            return Ok(None);
        }
        let since = last_audit_id(&mut tx).await?;
        let outcome = history_in(&mut tx, records, content_hash, actor).await?;
        // Dropping the transaction rolls the rehearsal back.
        Ok(Some(
            ImportPreview::rehearsed(&mut tx, since, outcome, shown).await?,
        ))
    }

    /// Withdraws a record of a territory's history made in error: from `withdrawal.on` it no longer counts;
    /// the record and the withdrawal both stay, and the audit log keeps who did it and why.
    pub async fn withdraw(
        &self,
        phase: Phase,
        territory_id: &str,
        kind: RecordKind,
        record_id: i64,
        withdrawal: &Withdrawal,
        actor: &str,
    ) -> Result<()> {
        withdrawal.validate(today())?;
        let mut tx = self.begin_write().await?;
        let found: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT withdrawal_id FROM {} WHERE id = $1 AND phase = $2 AND territory_id = $3",
            table(kind)
        ))
        .bind(record_id)
        .bind(phase.slug())
        .bind(territory_id)
        .fetch_optional(&mut **tx)
        .await?;
        match found {
            None => {
                return Err(StoreError::NotFound(format!(
                    "enregistrement {record_id} de {territory_id}"
                )))
            }
            Some(w) if w != 0 => {
                return Err(StoreError::Conflict(format!(
                    "l'enregistrement {record_id} de {territory_id} est déjà retiré : rechargez la page"
                )))
            }
            Some(_) => {}
        }
        let before = self.record_json(&mut tx, kind, record_id).await?;
        let withdrawal_id: i64 = sqlx::query_scalar(
            "INSERT INTO withdrawals (record_kind, record_id, withdrawn_on, reason, recorded_at, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(kind.code())
        .bind(record_id)
        .bind(iso_date(withdrawal.on))
        .bind(withdrawal.reason.trim())
        .bind(now())
        .bind(actor)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| {
            StoreError::conflict_on_unique(e, || {
                format!("l'enregistrement {record_id} vient d'être retiré par quelqu'un d'autre")
            })
        })?;
        sqlx::query(&format!(
            "UPDATE {} SET withdrawal_id = $1 WHERE id = $2",
            table(kind)
        ))
        .bind(withdrawal_id)
        .bind(record_id)
        .execute(&mut **tx)
        .await?;
        Audit {
            actor,
            action: match kind {
                RecordKind::Milestone => "withdraw_milestone",
                RecordKind::Appointment => "withdraw_appointment",
                RecordKind::Attribute => "withdraw_attribute",
            },
            entity: "territory",
            entity_key: format!("{phase}/{territory_id}"),
            before: Some(before),
            after: Some(serde_json::to_value(withdrawal).expect("withdrawals serialize")),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_json(
        &self,
        tx: &mut Transaction<'_, Any>,
        kind: RecordKind,
        id: i64,
    ) -> Result<serde_json::Value> {
        let value = match kind {
            RecordKind::Milestone => {
                let row: MilestoneRow = sqlx::query_as(&format!(
                    "SELECT {MILESTONE_COLUMNS} FROM milestones m {WITHDRAWAL_JOIN} WHERE m.id = $1"
                ))
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
                serde_json::to_value(milestone_from(row)?.2)
            }
            RecordKind::Appointment => {
                let row: AppointmentRow = sqlx::query_as(&format!(
                    "SELECT {APPOINTMENT_COLUMNS} FROM appointments m {WITHDRAWAL_JOIN} WHERE m.id = $1"
                ))
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
                serde_json::to_value(appointment_from(row)?.2)
            }
            RecordKind::Attribute => {
                let row: AttributeRow = sqlx::query_as(&format!(
                    "SELECT {ATTRIBUTE_COLUMNS} FROM territory_attributes m {WITHDRAWAL_JOIN} WHERE m.id = $1"
                ))
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
                serde_json::to_value(attribute_from(row)?.2)
            }
        };
        Ok(value.expect("records serialize"))
    }
}

/// The writes of a history import, in the caller's transaction.
async fn history_in(
    tx: &mut WriteTx,
    records: &[TerritoryRecord],
    content_hash: &str,
    actor: &str,
) -> Result<ImportOutcome> {
    let (mut milestones, mut appointments, mut attributes, mut unchanged) = (0, 0, 0, 0);
    for r in records {
        if !insert_record(tx, r, actor).await? {
            unchanged += 1;
            continue;
        }
        match r.record {
            HistoryRecord::Milestone(_) => milestones += 1,
            HistoryRecord::Appointment(_) => appointments += 1,
            HistoryRecord::Attribute(_) => attributes += 1,
        }
    }
    let outcome = ImportOutcome {
        notes: Vec::new(),
        unchanged: milestones + appointments + attributes == 0,
        written: vec![
            ("milestones".into(), milestones),
            ("appointments".into(), appointments),
            ("attributes".into(), attributes),
            ("already_recorded".into(), unchanged),
        ],
    };
    record_import_run(tx, "history", content_hash, &outcome).await?;
    Ok(outcome)
}
