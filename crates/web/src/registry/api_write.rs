//! The write API of a territory's history, for machines (a region's tool, an API token): milestones,
//! governance appointments, attributes, chef de projet posts and withdrawals, with the drafts and rules of
//! the territory page's forms. The records are append-only: a fact recorded twice is a conflict (409), a
//! mistake is corrected by a withdrawal, never an overwrite.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use territoires_domain::registry::drafts::{
    AppointmentDraft, AttributeDraft, MilestoneDraft, PostDraft, WithdrawalDraft,
};
use territoires_store::registry::history::HistoryRecord;
use utoipa::ToSchema;

use super::forms::Target;
use crate::access::guard::Caller;
use crate::forms::{api_refusal, read_json, Refusal};
use crate::params::PathParams;
use crate::AppState;

/// What a write recorded.
#[derive(Serialize, ToSchema)]
pub struct RecordedDto {
    /// 201 (recorded) or 200 (a withdrawal; or a post already stored identically, nothing written).
    pub status: u16,
    /// The territory's address in the API, where the record now shows.
    pub territoire: String,
    /// What was sent, as read.
    #[schema(value_type = Object)]
    pub enregistrement: serde_json::Value,
}

/// Reads the body into `D`, lets `write` record it, and answers: `created` and the record, or the refusal
/// with every field named (400), the conflict (409) or the error's own status.
async fn answer<D, F>(phase: String, id: String, body: Bytes, write: F) -> Response
where
    D: serde::de::DeserializeOwned + Serialize + Default,
    F: AsyncFnOnce(Target, &D) -> Result<StatusCode, Refusal>,
{
    let result = async {
        let target = Target::parse(&phase, &id)?;
        let draft: D = read_json(&body, None)?;
        let status = write(target, &draft).await?;
        Ok((status, draft))
    }
    .await;
    match result {
        Ok((status, draft)) => (
            status,
            Json(RecordedDto {
                status: status.as_u16(),
                territoire: format!("/api/v1/territoires/{phase}/{id}"),
                enregistrement: serde_json::to_value(&draft).unwrap_or_default(),
            }),
        )
            .into_response(),
        Err(refusal) => {
            let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            api_refusal(refusal, || None::<()>, &sent)
        }
    }
}

/// Records a milestone, appointment or attribute change.
async fn record(
    state: &AppState,
    caller: &Caller,
    target: Target,
    record: HistoryRecord,
) -> Result<StatusCode, Refusal> {
    let record = target.record(record, "api");
    state.store.record(&record, &caller.actor).await?;
    Ok(StatusCode::CREATED)
}

/// Enregistre un jalon d'un territoire (jeton d'API)
///
/// `POST /api/v1/territoires/{phase}/{id}/jalons`: the fields of the territory page's form. A future
/// milestone is recorded `prevu` (it never counts as done); the same milestone twice is a conflict.
#[utoipa::path(
    post,
    path = "/api/v1/territoires/{phase}/{id}/jalons",
    tag = "Registre",
    params(("phase" = String, Path, pattern = "^(2018-2022|2023-2027)$"), ("id" = String, Path, pattern = "^ti-[0-9]{4}$")),
    request_body = MilestoneDraft,
    security(("jeton" = [])),
    responses(
        (status = 201, description = "Enregistré", body = RecordedDto),
        (status = 400, description = "Champs à corriger, chacun nommé", body = crate::portfolio::api_write::FieldErrorsDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas ce territoire", body = crate::api::ErrorDto),
        (status = 404, description = "Territoire inconnu", body = crate::api::ErrorDto),
        (status = 409, description = "Ce jalon est déjà enregistré")
    )
)]
pub async fn record_milestone(
    State(state): State<AppState>,
    PathParams((phase, id)): PathParams<(String, String)>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    answer(phase, id, body, async |target, d: &MilestoneDraft| {
        record(&state, &caller, target, HistoryRecord::Milestone(d.read()?)).await
    })
    .await
}

/// Enregistre une désignation (binôme, chef de projet) d'un territoire (jeton d'API)
///
/// `POST /api/v1/territoires/{phase}/{id}/gouvernance`: a role filled from a date (`personne` empty: the
/// seat is vacant from that date).
#[utoipa::path(
    post,
    path = "/api/v1/territoires/{phase}/{id}/gouvernance",
    tag = "Registre",
    params(("phase" = String, Path, pattern = "^(2018-2022|2023-2027)$"), ("id" = String, Path, pattern = "^ti-[0-9]{4}$")),
    request_body = AppointmentDraft,
    security(("jeton" = [])),
    responses(
        (status = 201, description = "Enregistrée", body = RecordedDto),
        (status = 400, description = "Champs à corriger, chacun nommé", body = crate::portfolio::api_write::FieldErrorsDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas ce territoire", body = crate::api::ErrorDto),
        (status = 409, description = "Une désignation de ce rôle à cette date existe déjà")
    )
)]
pub async fn record_appointment(
    State(state): State<AppState>,
    PathParams((phase, id)): PathParams<(String, String)>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    answer(phase, id, body, async |target, d: &AppointmentDraft| {
        record(
            &state,
            &caller,
            target,
            HistoryRecord::Appointment(d.read()?),
        )
        .await
    })
    .await
}

/// Enregistre un attribut d'un territoire : fragile, étiquette (jeton d'API)
///
/// `POST /api/v1/territoires/{phase}/{id}/attributs`
#[utoipa::path(
    post,
    path = "/api/v1/territoires/{phase}/{id}/attributs",
    tag = "Registre",
    params(("phase" = String, Path, pattern = "^(2018-2022|2023-2027)$"), ("id" = String, Path, pattern = "^ti-[0-9]{4}$")),
    request_body = AttributeDraft,
    security(("jeton" = [])),
    responses(
        (status = 201, description = "Enregistré", body = RecordedDto),
        (status = 400, description = "Champs à corriger, chacun nommé", body = crate::portfolio::api_write::FieldErrorsDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas ce territoire", body = crate::api::ErrorDto),
        (status = 409, description = "Déjà enregistré")
    )
)]
pub async fn record_attribute(
    State(state): State<AppState>,
    PathParams((phase, id)): PathParams<(String, String)>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    answer(phase, id, body, async |target, d: &AttributeDraft| {
        record(&state, &caller, target, HistoryRecord::Attribute(d.read()?)).await
    })
    .await
}

/// Enregistre un poste de chef de projet d'un territoire (jeton d'API)
///
/// `POST /api/v1/territoires/{phase}/{id}/postes`: a new post; or, for a post stored with the same opening
/// day, its closing day and the co-financings it lacks. A different employer, closing day or co-financing
/// is a conflict; the same post again writes nothing (200).
#[utoipa::path(
    post,
    path = "/api/v1/territoires/{phase}/{id}/postes",
    tag = "Registre",
    params(("phase" = String, Path, pattern = "^(2018-2022|2023-2027)$"), ("id" = String, Path, pattern = "^ti-[0-9]{4}$")),
    request_body = PostDraft,
    security(("jeton" = [])),
    responses(
        (status = 201, description = "Enregistré", body = RecordedDto),
        (status = 200, description = "Déjà enregistré à l'identique : rien n'a changé", body = RecordedDto),
        (status = 400, description = "Champs à corriger, chacun nommé", body = crate::portfolio::api_write::FieldErrorsDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas ce territoire", body = crate::api::ErrorDto),
        (status = 409, description = "Un poste ouvert ce jour-là diffère")
    )
)]
pub async fn record_post(
    State(state): State<AppState>,
    PathParams((phase, id)): PathParams<(String, String)>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    answer(phase, id, body, async |target, d: &PostDraft| {
        let post = target.post(d.read()?, "api");
        Ok(match state.store.record_post(&post, &caller.actor).await? {
            true => StatusCode::CREATED,
            false => StatusCode::OK,
        })
    })
    .await
}

/// Retire un enregistrement fait par erreur : jalon, désignation, attribut (jeton d'API)
///
/// `POST /api/v1/territoires/{phase}/{id}/retraits`: from `date`, the record no longer counts; it stays in
/// the history with the withdrawal and its reason. The record's number is the `id` the territory's API
/// gives.
#[utoipa::path(
    post,
    path = "/api/v1/territoires/{phase}/{id}/retraits",
    tag = "Registre",
    params(("phase" = String, Path, pattern = "^(2018-2022|2023-2027)$"), ("id" = String, Path, pattern = "^ti-[0-9]{4}$")),
    request_body = WithdrawalDraft,
    security(("jeton" = [])),
    responses(
        (status = 200, description = "Retiré", body = RecordedDto),
        (status = 400, description = "Champs à corriger, chacun nommé", body = crate::portfolio::api_write::FieldErrorsDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas ce territoire", body = crate::api::ErrorDto),
        (status = 404, description = "Enregistrement inconnu pour ce territoire", body = crate::api::ErrorDto),
        (status = 409, description = "Déjà retiré")
    )
)]
pub async fn withdraw(
    State(state): State<AppState>,
    PathParams((phase, id)): PathParams<(String, String)>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    answer(phase, id, body, async |target, d: &WithdrawalDraft| {
        let w = d.read()?;
        state
            .store
            .withdraw(
                target.phase,
                target.id.as_str(),
                w.kind,
                w.record,
                &w.withdrawal,
                &caller.actor,
            )
            .await?;
        Ok(StatusCode::OK)
    })
    .await
}
