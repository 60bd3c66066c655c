//! The registry's write forms: a milestone or a governance appointment, recorded by someone whose profile
//! covers the territory, with the form's CSRF token, and audited under the user's name.

use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use territoires_domain::fr::parse_date;
use territoires_domain::governance::Appointment;
use territoires_domain::ids::TerritoryId;
use territoires_domain::milestone::Milestone;
use territoires_domain::phase::Phase;
use territoires_store::accounts::Session;
use territoires_store::history::{HistoryRecord, TerritoryRecord};

use crate::auth::{check_csrf, MaybeSession};
use crate::params::bad;
use crate::{AppState, WebError};

/// Checks that a signed-in user sent a valid form for a territory their profile covers.
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
    if !session.user.profile.may_edit_territory(phase, &id) {
        return Err(WebError::Forbidden(format!(
            "Votre profil ({}) ne permet pas de mettre à jour {id} ({}).",
            session.user.profile.label(),
            phase.label()
        )));
    }
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
    Ok((
        StatusCode::SEE_OTHER,
        [(
            LOCATION,
            format!("/territoires/{phase}/{id}?enregistre={what}"),
        )],
    )
        .into_response())
}

/// The milestone form.
#[derive(Deserialize)]
pub struct MilestoneForm {
    csrf: String,
    evenement: String,
    date: String,
    #[serde(default)]
    precision: String,
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
    let milestone = Milestone {
        kind: f.evenement.parse().map_err(|e| bad("evenement", e))?,
        occurred_on: parse_date("date", &f.date).map_err(|e| bad("date", e))?,
        precision: f.precision.parse().map_err(|e| bad("precision", e))?,
        note: f.note.trim().to_owned(),
        source: f.source.trim().to_owned(),
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
