//! The forms of a project's page: its next status, and a commitment, payment or cancellation of one of its
//! funding lines. Each posts the version it was read at: a stale form is refused, nothing is overwritten.

use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use territoires_domain::fr::parse_date;
use territoires_domain::money::Cents;
use territoires_domain::portfolio::funding::LineEvent;
use territoires_domain::portfolio::project::StatusChange;
use territoires_store::access::accounts::Session;
use territoires_store::access::Author;
use territoires_store::portfolio::LineChange;

use crate::access::auth::{check_csrf, MaybeSession};
use crate::params::bad;
use crate::{AppState, WebError};

fn signed_in(session: Option<Session>, csrf: &str) -> Result<Session, WebError> {
    let session = session.ok_or_else(|| {
        WebError::Forbidden("Connectez-vous pour mettre à jour un projet.".into())
    })?;
    check_csrf(&session, csrf)?;
    Ok(session)
}

/// The name a signed-in user's writes are audited under.
fn actor(session: &Session) -> String {
    format!("user:{}", session.user.email)
}

fn back_to(code: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(
            LOCATION,
            format!("/projets/{}?enregistre=1", crate::params::urlencode(code)),
        )],
    )
        .into_response()
}

/// The status form.
#[derive(Deserialize)]
pub struct StatusForm {
    csrf: String,
    statut: String,
    date: String,
    version: i64,
}

/// `POST /projets/{code}/statut`
pub async fn record_status(
    State(state): State<AppState>,
    Path(code): Path<String>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<StatusForm>,
) -> Result<Response, WebError> {
    let session = signed_in(session, &f.csrf)?;
    let change = StatusChange {
        status: f.statut.parse().map_err(|e| bad("statut", e))?,
        on: parse_date("date", &f.date).map_err(|e| bad("date", e))?,
    };
    state
        .store
        .record_project_status(
            &code,
            f.version,
            change,
            Author::user(&actor(&session), &session.user.profile),
        )
        .await?;
    Ok(back_to(&code))
}

/// The funding line form: a commitment, a payment or a cancellation.
#[derive(Deserialize)]
pub struct LineForm {
    csrf: String,
    /// `engagement`, `versement` or `annulation`.
    evenement: String,
    date: String,
    #[serde(default)]
    montant: String,
    #[serde(default)]
    depassement_autorise: Option<String>,
    version: i64,
}

/// `POST /projets/{code}/financements/{id}`
pub async fn record_line_event(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<LineForm>,
) -> Result<Response, WebError> {
    let session = signed_in(session, &f.csrf)?;
    let on = parse_date("date", &f.date).map_err(|e| bad("date", e))?;
    let amount = || Cents::parse("montant", &f.montant).map_err(|e| bad("montant", e));
    let event = match f.evenement.as_str() {
        "engagement" => LineEvent::Commit {
            amount: amount()?,
            on,
            over_request_allowed: f.depassement_autorise.is_some(),
        },
        "versement" => LineEvent::Pay {
            total_paid: amount()?,
            on,
        },
        "annulation" => LineEvent::Cancel { on },
        _ => {
            return Err(bad(
                "evenement",
                "attendu engagement, versement ou annulation",
            ))
        }
    };
    state
        .store
        .record_line_event(
            LineChange {
                line_id: id,
                project: Some(code.clone()),
                read_version: f.version,
                event,
            },
            Author::user(&actor(&session), &session.user.profile),
        )
        .await?;
    Ok(back_to(&code))
}
