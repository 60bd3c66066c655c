//! Sign-in, sessions and the checks of every write.

pub(crate) mod admin;
pub mod auth;
pub mod client;
pub(crate) mod guard;
pub(crate) mod headers;
pub mod proconnect;
pub(crate) mod proconnect_pages;
pub mod rate;
pub mod reset;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use territoires_domain::access::Audience;

use crate::{AppState, WebError};

/// The site's state as the caller reads it: its store shows the fiches not yet public to signed-in agents
/// (a session on the site, an API token under `/api/`) and hides them from everyone else. Every handler
/// that reads the portfolio takes this rather than `State`, whose store is the public's.
pub struct Seen(pub AppState);

impl FromRequestParts<AppState> for Seen {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let audience = match parts.extensions.get::<guard::Caller>() {
            Some(caller) => Audience::of(Some(&caller.profile)),
            None if auth::has_session_cookie(&parts.headers) => {
                let auth::MaybeSession(session) =
                    auth::MaybeSession::from_request_parts(parts, state).await?;
                Audience::of(session.as_ref().map(|s| &s.user.profile))
            }
            None => Audience::Public,
        };
        let mut seen = state.clone();
        seen.store = state.store.seen_by(audience);
        Ok(Seen(seen))
    }
}
