//! The forms of a project's page: its next status, and a commitment, payment or cancellation of one of its
//! funding lines. Each posts the version it was read at: a stale form is refused, nothing is overwritten.

use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use territoires_domain::fr::{long_date, parse_date};
use territoires_domain::money::Cents;
use territoires_domain::portfolio::project::StatusChange;
use territoires_store::access::accounts::Session;
use territoires_store::access::Author;
use territoires_store::portfolio::LineChange;
use territoires_store::StoreError;

use crate::access::auth::{actor, check_csrf, SignedIn};
use crate::access::Seen;
use crate::params::{bad, PathParams};
use crate::WebError;

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
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    SignedIn(session): SignedIn,
    Form(f): Form<StatusForm>,
) -> Result<Response, WebError> {
    check_csrf(&session, &f.csrf)?;
    let change = StatusChange {
        status: f.statut.parse().map_err(|e| bad("statut", e))?,
        on: parse_date("date", &f.date).map_err(|e| bad("date", e))?,
    };
    let result = state
        .store
        .record_project_status(
            &code,
            f.version,
            change,
            Author::user(&actor(&session), &session.user.profile),
        )
        .await;
    if let Err(StoreError::Conflict(_)) = result {
        let today = time::OffsetDateTime::now_utc().date();
        let now = state
            .store
            .project(&code, today)
            .await?
            .ok_or_else(|| WebError::NotFound(format!("projet {code} inconnu")))?;
        let recorded = now
            .summary
            .project
            .history
            .last()
            .map(|c| format!("{} le {}", c.status.label(), long_date(c.on)))
            .unwrap_or_else(|| "aucun statut".into());
        return conflict(
            &session,
            format!("le projet {code}"),
            &code,
            vec![(
                "Dernier statut".into(),
                format!("{} le {}", change.status.label(), long_date(change.on)),
                recorded,
            )],
        );
    }
    result?;
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
    Seen(state): Seen,
    PathParams((code, id)): PathParams<(String, i64)>,
    SignedIn(session): SignedIn,
    Form(f): Form<LineForm>,
) -> Result<Response, WebError> {
    check_csrf(&session, &f.csrf)?;
    let on = parse_date("date", &f.date).map_err(|e| bad("date", e))?;
    let event = super::line_event(
        &f.evenement,
        on,
        || Cents::parse("montant", &f.montant).map_err(|e| bad("montant", e)),
        f.depassement_autorise.is_some(),
    )?;
    let result = state
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
        .await;
    if let Err(StoreError::Conflict(_)) = result {
        let now = state
            .store
            .funding_line(id)
            .await?
            .ok_or_else(|| WebError::NotFound(format!("ligne {id} inconnue")))?
            .line;
        let amount = |c: Option<Cents>, on: Option<time::Date>| match (c, on) {
            (Some(c), Some(on)) => format!("{c} le {}", long_date(on)),
            _ => "—".to_owned(),
        };
        let yours = |kind: &str| {
            if f.evenement == kind {
                format!("{} € le {}", f.montant.trim(), long_date(on))
            } else {
                "—".to_owned()
            }
        };
        return conflict(
            &session,
            format!(
                "la ligne de financement {} ({})",
                now.decision_reference, now.funder
            ),
            &code,
            vec![
                (
                    "Engagement".into(),
                    yours("engagement"),
                    amount(now.committed, now.committed_on),
                ),
                (
                    "Versé au total".into(),
                    yours("versement"),
                    amount(now.paid, now.paid_on),
                ),
                (
                    "Annulation".into(),
                    if f.evenement == "annulation" {
                        long_date(on)
                    } else {
                        "—".into()
                    },
                    now.cancelled_on
                        .map(long_date)
                        .unwrap_or_else(|| "—".into()),
                ),
            ],
        );
    }
    result?;
    Ok(back_to(&code))
}

#[derive(askama::Template)]
#[template(path = "conflict.html")]
struct ConflictPage {
    chrome: crate::views::Chrome,
    what: String,
    rows: Vec<(String, String, String)>,
    back: String,
}

/// The page of a stale form (409): what the user typed beside what is recorded now; nothing was written.
fn conflict(
    session: &Session,
    what: String,
    code: &str,
    rows: Vec<(String, String, String)>,
) -> Result<Response, WebError> {
    let title = "Conflit d'enregistrement";
    let page = ConflictPage {
        chrome: crate::views::Chrome::new(title, "projets", &Some(session.clone()))
            .crumb(title, None),
        what,
        rows,
        back: format!("/projets/{}", crate::params::urlencode(code)),
    };
    Ok((StatusCode::CONFLICT, crate::views::render(page)?).into_response())
}
