//! The registry's write forms: a milestone, a governance appointment or an attribute, and the withdrawal of
//! one recorded in error, by someone whose profile covers the territory, with the form's CSRF token, and
//! audited under the user's name.

use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use territoires_domain::fr::parse_date;
use territoires_domain::ids::TerritoryId;
use territoires_domain::phase::Phase;
use territoires_domain::registry::attributes::{Attribute, AttributeChange};
use territoires_domain::registry::governance::Appointment;
use territoires_domain::registry::milestone::{DatePrecision, Milestone, Withdrawal};
use territoires_store::access::accounts::Session;
use territoires_store::registry::history::{HistoryRecord, RecordKind, TerritoryRecord};

use crate::access::auth::{check_csrf, MaybeSession};
use crate::params::bad;
use crate::{AppState, WebError};

/// Checks that a signed-in user sent the form with its CSRF token, and reads the territory (whether their
/// profile covers it, `access::guard` decided before).
fn authorize(
    session: Option<Session>,
    phase: &str,
    id: &str,
    csrf: &str,
) -> Result<(Phase, TerritoryId, Session), WebError> {
    let session = session.ok_or_else(|| {
        WebError::Forbidden("Connectez-vous pour mettre à jour un territoire.".into())
    })?;
    check_csrf(&session, csrf)?;
    let phase: Phase = phase
        .parse()
        .map_err(|_| WebError::NotFound(format!("phase {phase} inconnue")))?;
    let id = TerritoryId::parse(id).map_err(|e| WebError::NotFound(e.to_string()))?;
    Ok((phase, id, session))
}

async fn record(
    state: &AppState,
    phase: Phase,
    id: &TerritoryId,
    session: &Session,
    record: HistoryRecord,
    what: &str,
) -> Result<Response, WebError> {
    let record = TerritoryRecord {
        phase,
        territory_id: id.to_string(),
        record,
        origin: "formulaire".into(),
    };
    state
        .store
        .record(&record, &format!("user:{}", session.user.email))
        .await?;
    Ok(back_to(phase, id, what))
}

fn back_to(phase: Phase, id: &TerritoryId, what: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(
            LOCATION,
            format!("/territoires/{phase}/{id}?enregistre={what}"),
        )],
    )
        .into_response()
}

/// The milestone form.
#[derive(Deserialize)]
pub struct MilestoneForm {
    csrf: String,
    evenement: String,
    date: String,
    #[serde(default)]
    precision: String,
    /// First possible day, for the precision `entre`.
    #[serde(default)]
    date_au_plus_tot: String,
    /// Successors of a merger or split, separated by `|`.
    #[serde(default)]
    successeurs: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    source: String,
}

/// `POST /territoires/{phase}/{id}/jalons`
pub async fn record_milestone(
    State(state): State<AppState>,
    Path((phase, id)): Path<(String, String)>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<MilestoneForm>,
) -> Result<Response, WebError> {
    let (phase, id, session) = authorize(session, &phase, &id, &f.csrf)?;
    let precision: DatePrecision = f.precision.parse().map_err(|e| bad("precision", e))?;
    let earliest = match f.date_au_plus_tot.trim() {
        "" => None,
        d => Some(parse_date("date_au_plus_tot", d).map_err(|e| bad("date_au_plus_tot", e))?),
    };
    let milestone = Milestone {
        kind: f.evenement.parse().map_err(|e| bad("evenement", e))?,
        occurred_on: parse_date("date", &f.date).map_err(|e| bad("date", e))?,
        precision,
        earliest,
        related: f
            .successeurs
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(TerritoryId::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| bad("successeurs", e))?,
        note: f.note.trim().to_owned(),
        source: f.source.trim().to_owned(),
        withdrawal: None,
    };
    record(
        &state,
        phase,
        &id,
        &session,
        HistoryRecord::Milestone(milestone),
        "jalon",
    )
    .await
}

/// The governance form.
#[derive(Deserialize)]
pub struct AppointmentForm {
    csrf: String,
    role: String,
    date: String,
    #[serde(default)]
    personne: String,
    #[serde(default)]
    organisation: String,
}

/// `POST /territoires/{phase}/{id}/gouvernance`
pub async fn record_appointment(
    State(state): State<AppState>,
    Path((phase, id)): Path<(String, String)>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<AppointmentForm>,
) -> Result<Response, WebError> {
    let (phase, id, session) = authorize(session, &phase, &id, &f.csrf)?;
    let person = Some(f.personne.trim())
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    let appointment = Appointment {
        role: f.role.parse().map_err(|e| bad("role", e))?,
        person,
        organisation: f.organisation.trim().to_owned(),
        started_on: parse_date("date", &f.date).map_err(|e| bad("date", e))?,
        withdrawal: None,
    };
    record(
        &state,
        phase,
        &id,
        &session,
        HistoryRecord::Appointment(appointment),
        "gouvernance",
    )
    .await
}

/// The attribute form.
#[derive(Deserialize)]
pub struct AttributeForm {
    csrf: String,
    /// `fragile`, `fin_fragile`, `etiquette` or `fin_etiquette`.
    evenement: String,
    date: String,
    #[serde(default)]
    etiquette: String,
    #[serde(default)]
    source: String,
}

/// `POST /territoires/{phase}/{id}/attributs`
pub async fn record_attribute(
    State(state): State<AppState>,
    Path((phase, id)): Path<(String, String)>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<AttributeForm>,
) -> Result<Response, WebError> {
    let (phase, id, session) = authorize(session, &phase, &id, &f.csrf)?;
    let (attribute, present) = match f.evenement.as_str() {
        "fragile" => (Attribute::Fragile, true),
        "fin_fragile" => (Attribute::Fragile, false),
        "etiquette" => (
            Attribute::tag(&f.etiquette).map_err(|e| bad("etiquette", e))?,
            true,
        ),
        "fin_etiquette" => (
            Attribute::tag(&f.etiquette).map_err(|e| bad("etiquette", e))?,
            false,
        ),
        _ => {
            return Err(bad(
                "evenement",
                "attendu fragile, fin_fragile, etiquette ou fin_etiquette",
            ))
        }
    };
    let change = AttributeChange {
        attribute,
        present,
        on: parse_date("date", &f.date).map_err(|e| bad("date", e))?,
        note: String::new(),
        source: f.source.trim().to_owned(),
        withdrawal: None,
    };
    record(
        &state,
        phase,
        &id,
        &session,
        HistoryRecord::Attribute(change),
        "attribut",
    )
    .await
}

/// The withdrawal form: which record, from when, and why.
#[derive(Deserialize)]
pub struct WithdrawalForm {
    csrf: String,
    /// `jalon`, `designation` or `attribut`.
    #[serde(rename = "type")]
    kind: String,
    enregistrement: i64,
    date: String,
    #[serde(default)]
    motif: String,
}

/// `POST /territoires/{phase}/{id}/retraits`: withdraws a record made in error (never deletes it).
pub async fn withdraw(
    State(state): State<AppState>,
    Path((phase, id)): Path<(String, String)>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<WithdrawalForm>,
) -> Result<Response, WebError> {
    let (phase, id, session) = authorize(session, &phase, &id, &f.csrf)?;
    let kind: RecordKind = f.kind.parse().map_err(|e| bad("type", e))?;
    let withdrawal = Withdrawal {
        on: parse_date("date", &f.date).map_err(|e| bad("date", e))?,
        reason: f.motif.trim().to_owned(),
    };
    withdrawal
        .validate(time::OffsetDateTime::now_utc().date())
        .map_err(|e| bad("motif", e))?;
    state
        .store
        .withdraw(
            phase,
            id.as_str(),
            kind,
            f.enregistrement,
            &withdrawal,
            &format!("user:{}", session.user.email),
        )
        .await?;
    Ok(back_to(phase, &id, "retrait"))
}
