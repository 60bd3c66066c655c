//! The projects (fiches actions): their list, their page and its forms, and their API.

pub mod api;
pub mod api_write;
pub mod editor;
pub mod forms;
pub mod pages;
pub mod referential;

use territoires_domain::money::Cents;
use territoires_domain::portfolio::funding::LineEvent;

use crate::params::bad;
use crate::WebError;

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
