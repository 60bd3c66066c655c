//! The write API of fiches actions and funding lines, for machines: a territory team's tool creates and
//! edits its fiches, an operator pushes its lines, commitments, payments and cancellations, with an API
//! token (`Authorization: Bearer …`), under the same rules and drafts as the site's forms. A stale write
//! (the record changed since the version sent) is answered 409 with the record as it is now beside what
//! was sent: nothing is overwritten.

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use territoires_domain::fr::{iso_date, parse_date};
use territoires_domain::money::Cents;
use territoires_domain::portfolio::drafts::{LineDraft, ProjectDraft};
use territoires_domain::portfolio::funding::LineEvent;
use territoires_domain::portfolio::project::StatusChange;
use territoires_store::access::Author;
use territoires_store::portfolio::{LineChange, Save, StoredLine};
use territoires_store::StoreError;
use utoipa::ToSchema;

use super::{check_scope, line_in_scope, stored_project, today};
use crate::access::guard::Caller;
use crate::access::Seen;
use crate::error::ApiError;
use crate::forms::{read_json, version_read, Refusal};
use crate::params::{bad, PathParams};
use crate::{AppState, WebError};

/// What happened to a funding line.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct LineEventInput {
    /// The line's version the caller read (from `GET /api/v1/projets/{code}` or a previous answer).
    pub version: i64,
    /// `engagement`, `versement` or `annulation`.
    pub evenement: String,
    /// When it happened (`AAAA-MM-JJ`), not after today.
    pub date: String,
    /// Amount in cents: committed (engagement), or paid in total so far (versement).
    #[serde(default)]
    pub montant_centimes: Option<i64>,
    /// A commitment above the amount requested, decided so (engagement only).
    #[serde(default)]
    pub depassement_autorise: bool,
}

/// A funding line as stored after the write.
#[derive(Serialize, ToSchema)]
pub struct StoredLineDto {
    /// Id.
    pub id: i64,
    /// Version, to send with the next write.
    pub version: i64,
    /// Project code.
    pub project: String,
    /// Funder code.
    pub funder: String,
    /// Decision reference.
    pub decision_reference: String,
    /// Requested, cents.
    pub requested: i64,
    /// Committed, cents.
    pub committed: Option<i64>,
    /// Commitment date.
    pub committed_on: Option<String>,
    /// Paid so far, cents.
    pub paid: Option<i64>,
    /// Last payment date.
    pub paid_on: Option<String>,
    /// Cancellation date.
    pub cancelled_on: Option<String>,
}

impl From<StoredLine> for StoredLineDto {
    fn from(s: StoredLine) -> Self {
        let l = s.line;
        StoredLineDto {
            id: s.id,
            version: s.version,
            project: l.project,
            funder: l.funder,
            decision_reference: l.decision_reference,
            requested: l.requested.0,
            committed: l.committed.map(|c| c.0),
            committed_on: l.committed_on.map(iso_date),
            paid: l.paid.map(|c| c.0),
            paid_on: l.paid_on.map(iso_date),
            cancelled_on: l.cancelled_on.map(iso_date),
        }
    }
}

/// A stale write: the line as it is now, and what was sent.
#[derive(Serialize, ToSchema)]
pub struct ConflictDto {
    /// 409.
    pub status: u16,
    /// Why.
    pub error: String,
    /// The line as it is now.
    pub actuelle: StoredLineDto,
    /// What was sent.
    pub envoyee: LineEventInput,
}

impl LineEventInput {
    fn event(&self) -> Result<LineEvent, WebError> {
        let on = parse_date("date", &self.date).map_err(|e| bad("date", e))?;
        let amount = || {
            self.montant_centimes
                .filter(|c| *c >= 0)
                .map(Cents)
                .ok_or_else(|| {
                    bad(
                        "montant_centimes",
                        "attendu un nombre de centimes positif ou nul",
                    )
                })
        };
        super::line_event(&self.evenement, on, amount, self.depassement_autorise)
    }
}

/// Enregistre un engagement, un versement ou une annulation sur une ligne de financement (jeton d'API)
///
/// `POST /api/v1/financements/{id}`: under the same rules as the project page's form, within the token's
/// profile; a stale version is answered 409 with the line as it is now.
#[utoipa::path(
    post,
    path = "/api/v1/financements/{id}",
    tag = "Projets",
    params(("id" = i64, Path, description = "Id de la ligne de financement")),
    request_body = LineEventInput,
    security(("jeton" = [])),
    responses(
        (status = 200, description = "Enregistré : la ligne telle qu'elle est maintenant", body = StoredLineDto),
        (status = 400, description = "Événement invalide ou refusé par les règles (enveloppe épuisée…)", body = crate::api::ErrorDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas cette ligne", body = crate::api::ErrorDto),
        (status = 409, description = "La ligne a changé depuis la version envoyée", body = ConflictDto)
    )
)]
pub async fn record_line_event(
    Seen(state): Seen,
    PathParams(id): PathParams<i64>,
    Extension(caller): Extension<Caller>,
    input: Result<Json<LineEventInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = input.map_err(|e| bad("corps", e.body_text()))?;
    let change = LineChange {
        line_id: id,
        project: None,
        read_version: input.version,
        event: input.event()?,
    };
    match state
        .store
        .record_line_event(change, Author::user(&caller.actor, &caller.profile))
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(message)) => {
            let now = state
                .store
                .funding_line(id)
                .await?
                .ok_or_else(|| WebError::NotFound(format!("ligne de financement {id}")))?;
            let conflict = ConflictDto {
                status: 409,
                error: message,
                actuelle: now.into(),
                envoyee: input,
            };
            return Ok((StatusCode::CONFLICT, Json(conflict)).into_response());
        }
        Err(e) => return Err(e.into()),
    }
    let line = state
        .store
        .funding_line(id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("ligne de financement {id}")))?;
    Ok(Json(StoredLineDto::from(line)).into_response())
}

/// Why a save was refused: every field's problem.
#[derive(Serialize, ToSchema)]
pub struct FieldErrorsDto {
    /// 400.
    pub status: u16,
    /// All problems, in one sentence.
    pub error: String,
    /// Each problem with its field.
    pub erreurs: Vec<territoires_domain::draft::FieldError>,
}

/// Crée une fiche action (jeton d'API)
///
/// `POST /api/v1/projets`: the same fields as the site's form; the initial status (`statut`, `date_statut`)
/// is required. Answers the fiche as stored, in the same form, with its version.
#[utoipa::path(
    post,
    path = "/api/v1/projets",
    tag = "Projets",
    request_body = ProjectDraft,
    security(("jeton" = [])),
    responses(
        (status = 201, description = "Créée", body = ProjectDraft),
        (status = 400, description = "Champs à corriger, chacun nommé", body = FieldErrorsDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas ces territoires", body = crate::api::ErrorDto),
        (status = 409, description = "Ce code existe déjà")
    )
)]
pub async fn create_project(
    Seen(state): Seen,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let code = sent["code"].as_str().unwrap_or_default().trim().to_owned();
    let result: Result<(), Refusal> = async {
        let draft: ProjectDraft = read_json(&body, None)?;
        let project = draft.read_new(today())?;
        state
            .store
            .save_project(
                Save::new(project),
                Author::user(&caller.actor, &caller.profile),
            )
            .await?;
        Ok(())
    }
    .await;
    project_answer(&state, &code, result, StatusCode::CREATED, &sent).await
}

/// Modifie une fiche action (jeton d'API)
///
/// `PATCH /api/v1/projets/{code}`: the fields to change, as in `POST` (absent ones keep their value; the
/// code, the phase and the statuses stay as stored), with the `version` read; a stale version is answered
/// 409 with the fiche as it is now.
#[utoipa::path(
    patch,
    path = "/api/v1/projets/{code}",
    tag = "Projets",
    params(("code" = String, Path, description = "Code de la fiche action")),
    request_body = ProjectDraft,
    security(("jeton" = [])),
    responses(
        (status = 200, description = "Enregistrée", body = ProjectDraft),
        (status = 400, description = "Champs à corriger, chacun nommé", body = FieldErrorsDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas cette fiche", body = crate::api::ErrorDto),
        (status = 404, description = "Fiche inconnue", body = crate::api::ErrorDto),
        (status = 409, description = "La fiche a changé depuis la version envoyée : `actuelle` et `envoyee`")
    )
)]
pub async fn edit_project(
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let result: Result<(), Refusal> = async {
        let (stored, version) = stored_project(&state, &code).await?;
        check_scope(
            &caller.profile,
            caller.profile.may_edit_project(&stored),
            format_args!("de modifier le projet {code}"),
        )?;
        let draft: ProjectDraft = read_json(&body, Some(&ProjectDraft::of(&stored, version)))?;
        let version = version_read(draft.version)?;
        let edited = draft.read_edit(&stored)?;
        state
            .store
            .save_project(
                Save::edit(edited, version),
                Author::user(&caller.actor, &caller.profile),
            )
            .await?;
        Ok(())
    }
    .await;
    let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    project_answer(&state, &code, result, StatusCode::OK, &sent).await
}

/// A fiche's next status.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct StatusInput {
    /// The fiche's version the caller read.
    pub version: i64,
    /// `en_preparation`, `engage`, `en_cours`, `termine`, `abandonne`…
    pub statut: String,
    /// From when (`AAAA-MM-JJ`), not before the last status.
    pub date: String,
}

/// Enregistre le statut suivant d'une fiche action (jeton d'API)
///
/// `POST /api/v1/projets/{code}/statut`: the status the fiche moves to, from a date, under the same rules
/// as the project page's form (allowed transitions, dates in order); a stale version is answered 409 with
/// the fiche as it is now.
#[utoipa::path(
    post,
    path = "/api/v1/projets/{code}/statut",
    tag = "Projets",
    params(("code" = String, Path, description = "Code de la fiche action")),
    request_body = StatusInput,
    security(("jeton" = [])),
    responses(
        (status = 200, description = "Enregistré : la fiche telle qu'elle est maintenant", body = ProjectDraft),
        (status = 400, description = "Statut ou date invalide, ou transition refusée", body = FieldErrorsDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas cette fiche", body = crate::api::ErrorDto),
        (status = 409, description = "La fiche a changé depuis la version envoyée : `actuelle` et `envoyee`")
    )
)]
pub async fn record_status(
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let result: Result<(), Refusal> = async {
        let input: StatusInput = crate::forms::read_json(&body, None)?;
        let mut errors = territoires_domain::draft::FieldErrors::default();
        let status = errors.check("statut", input.statut.parse());
        let on = errors.check("date", parse_date("date", &input.date));
        let (Some(status), Some(on)) = (status, on) else {
            return Err(Refusal::Fields(errors));
        };
        state
            .store
            .record_project_status(
                &code,
                input.version,
                StatusChange { status, on },
                Author::user(&caller.actor, &caller.profile),
            )
            .await?;
        Ok(())
    }
    .await;
    project_answer(&state, &code, result, StatusCode::OK, &sent).await
}

/// The answer of a fiche's write: the fiche `code` as stored, in the form a write sends, or the refusal
/// beside it.
async fn project_answer(
    state: &AppState,
    code: &str,
    result: Result<(), Refusal>,
    status: StatusCode,
    sent: &serde_json::Value,
) -> Response {
    let now = stored_project(state, code)
        .await
        .map(|(project, version)| ProjectDraft::of(&project, version));
    match result {
        Ok(()) => match now {
            Ok(draft) => (status, Json(draft)).into_response(),
            Err(e) => ApiError(e).into_response(),
        },
        Err(refusal) => crate::forms::api_refusal(refusal, || now.ok(), sent),
    }
}

/// Crée une ligne de financement d'une fiche action (jeton d'API)
///
/// `POST /api/v1/projets/{code}/financements`: the request, and optionally its commitment; an operator's
/// token creates the lines of its own funder. One line per funder, decision and project.
#[utoipa::path(
    post,
    path = "/api/v1/projets/{code}/financements",
    tag = "Projets",
    params(("code" = String, Path, description = "Code de la fiche action")),
    request_body = LineDraft,
    security(("jeton" = [])),
    responses(
        (status = 201, description = "Créée : la ligne telle qu'enregistrée", body = StoredLineDto),
        (status = 400, description = "Champs à corriger, chacun nommé", body = FieldErrorsDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas ce financeur sur cette fiche", body = crate::api::ErrorDto),
        (status = 409, description = "Une ligne de ce financeur avec cette référence existe déjà pour cette fiche")
    )
)]
pub async fn create_line(
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let result: Result<StoredLine, Refusal> = async {
        let (stored, _) = stored_project(&state, &code).await?;
        check_scope(
            &caller.profile,
            caller.profile.may_add_funding(&stored),
            format_args!("d'ajouter un financement au projet {code}"),
        )?;
        let draft: LineDraft = read_json(&body, None)?;
        let line = draft.read_new(&code, today())?;
        Ok(state
            .store
            .save_funding_line(
                None,
                Save::new(line),
                Author::user(&caller.actor, &caller.profile),
            )
            .await?)
    }
    .await;
    line_answer(&state, result, StatusCode::CREATED, None, &body).await
}

/// Modifie la demande d'une ligne de financement (jeton d'API)
///
/// `PATCH /api/v1/financements/{id}`: the request, scheme or nature to change (absent fields keep their
/// value), with the `version` read; the funder, the decision reference and the events (commitment,
/// payments, cancellation) stay as stored.
#[utoipa::path(
    patch,
    path = "/api/v1/financements/{id}",
    tag = "Projets",
    params(("id" = i64, Path, description = "Id de la ligne de financement")),
    request_body = LineDraft,
    security(("jeton" = [])),
    responses(
        (status = 200, description = "Enregistrée", body = StoredLineDto),
        (status = 400, description = "Champs à corriger, chacun nommé", body = FieldErrorsDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Le profil du jeton ne couvre pas cette ligne", body = crate::api::ErrorDto),
        (status = 409, description = "La ligne a changé depuis la version envoyée", body = ConflictDto)
    )
)]
pub async fn edit_line(
    Seen(state): Seen,
    PathParams(id): PathParams<i64>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let result: Result<StoredLine, Refusal> = async {
        let stored = line_in_scope(&state, &caller.profile, None, id).await?;
        let draft: LineDraft =
            read_json(&body, Some(&LineDraft::of(&stored.line, stored.version)))?;
        let version = version_read(draft.version)?;
        let edited = draft.read_edit(&stored.line, today())?;
        Ok(state
            .store
            .save_funding_line(
                Some(id),
                Save::edit(edited, version),
                Author::user(&caller.actor, &caller.profile),
            )
            .await?)
    }
    .await;
    line_answer(&state, result, StatusCode::OK, Some(id), &body).await
}

async fn line_answer(
    state: &AppState,
    result: Result<StoredLine, Refusal>,
    status: StatusCode,
    id: Option<i64>,
    body: &[u8],
) -> Response {
    match result {
        Ok(line) => (status, Json(StoredLineDto::from(line))).into_response(),
        Err(refusal) => {
            let now = match id {
                Some(id) => state.store.funding_line(id).await.ok().flatten(),
                None => None,
            };
            let sent: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
            crate::forms::api_refusal(refusal, || now.map(StoredLineDto::from), &sent)
        }
    }
}
