//! The write API of funding lines, for machines: an operator pushes its commitments, payments and
//! cancellations with an API token (`Authorization: Bearer …`), under the same rules as the forms. A stale
//! write (the line changed since the version sent) is answered 409 with the line as it is now beside what
//! was sent: nothing is overwritten.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use territoires_domain::fr::{iso_date, parse_date};
use territoires_domain::money::Cents;
use territoires_domain::portfolio::funding::LineEvent;
use territoires_store::access::Author;
use territoires_store::portfolio::{LineChange, StoredLine};
use territoires_store::StoreError;
use utoipa::ToSchema;

use crate::access::guard::Caller;
use crate::error::ApiError;
use crate::params::bad;
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
    State(state): State<AppState>,
    Path(id): Path<i64>,
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
