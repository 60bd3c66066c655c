//! The projects (fiches actions): their list, their page and its forms, and their API.

pub mod api;
pub mod api_write;
pub mod editor;
pub mod exports;
pub mod forms;
pub mod imports;
pub mod imports_api;
pub mod pages;
pub mod referential;
pub mod report;

use territoires_domain::access::Profile;
use territoires_domain::money::Cents;
use territoires_domain::portfolio::funding::LineEvent;
use territoires_domain::portfolio::project::Project;
use territoires_store::portfolio::{FundingReferential, StoredLine};

use crate::params::bad;
use crate::{AppState, WebError};

/// Today: what a new fiche or line is dated by default, and checked against (nothing after it).
pub(crate) fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// The funders of the referential as a select's choices: (code, name).
pub(crate) fn funder_options(r: &FundingReferential) -> Vec<(String, String)> {
    r.funders
        .iter()
        .map(|f| (f.record.code.clone(), f.record.name.clone()))
        .collect()
}

/// Refuses, before what was sent is read, a profile that does not cover the record (the store decides
/// again inside the write).
pub(crate) fn check_scope(
    profile: &Profile,
    allowed: bool,
    what: impl std::fmt::Display,
) -> Result<(), WebError> {
    if allowed {
        return Ok(());
    }
    Err(WebError::Forbidden(format!(
        "Votre profil ({}) ne permet pas {what}.",
        profile.label()
    )))
}

/// The fiche action `code` as stored now, with its version.
pub(crate) async fn stored_project(
    state: &AppState,
    code: &str,
) -> Result<(Project, i64), WebError> {
    state
        .store
        .stored_project(code)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("projet {code} inconnu")))
}

/// Funding line `id` — of project `project` when the address names one —, if `profile` may record its
/// funding.
pub(crate) async fn line_in_scope(
    state: &AppState,
    profile: &Profile,
    project: Option<&str>,
    id: i64,
) -> Result<StoredLine, WebError> {
    let stored = state
        .store
        .funding_line(id)
        .await?
        .filter(|l| project.is_none_or(|p| l.line.project == p))
        .ok_or_else(|| WebError::NotFound(format!("ligne de financement {id}")))?;
    let (project, _) = stored_project(state, &stored.line.project).await?;
    check_scope(
        profile,
        profile.may_record_funding(&project, &stored.line.funder),
        format_args!(
            "de modifier les financements de « {} » sur le projet {}",
            stored.line.funder, project.code
        ),
    )?;
    Ok(stored)
}

/// A funding line's event as a form or an API call names it (`engagement`, `versement`, `annulation`),
/// on date `on`; the amount is read only for the events that carry one.
pub(crate) fn line_event(
    kind: &str,
    on: time::Date,
    amount: impl FnOnce() -> Result<Cents, WebError>,
    over_request_allowed: bool,
) -> Result<LineEvent, WebError> {
    Ok(match kind {
        "engagement" => LineEvent::Commit {
            amount: amount()?,
            on,
            over_request_allowed,
        },
        "versement" => LineEvent::Pay {
            total_paid: amount()?,
            on,
        },
        "annulation" => LineEvent::Cancel { on },
        other => {
            return Err(bad(
                "evenement",
                format!("« {other} » : attendu engagement, versement ou annulation"),
            ))
        }
    })
}
