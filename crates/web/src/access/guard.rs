//! Asks the route's rule (`domain::access::routes::decide`) before every handler: one place decides who
//! may call what; the handlers only check the form's CSRF token, and the store the record itself.

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use territoires_domain::access::routes::{decide, Decision, Rule, Target};
use territoires_domain::ids::TerritoryId;
use territoires_domain::phase::Phase;

use super::auth::MaybeSession;
use crate::{AppState, WebError};

/// The middleware.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Without a matched route the fallback answers 404, which reveals nothing.
    let Some(matched) = request.extensions().get::<MatchedPath>() else {
        return next.run(request).await;
    };
    let Some(rule) = crate::routes::rule_of(request.method().as_str(), matched.as_str()) else {
        // Fail closed: a route the table does not know is nobody's.
        return WebError::Forbidden("Cette adresse n'a pas de règle d'accès.".into())
            .into_response();
    };
    if rule == Rule::Public {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let session = match MaybeSession::from_request_parts(&mut parts, &state).await {
        Ok(MaybeSession(session)) => session,
        Err(e) => return e.into_response(),
    };
    let territory = territory_of(&mut parts, &state).await;
    let target = match &territory {
        Some((phase, id)) => Target::Territory(*phase, id),
        None => Target::None,
    };
    let profile = session.as_ref().map(|s| &s.user.profile);
    match decide(profile, rule, target) {
        Decision::Allowed => next.run(Request::from_parts(parts, body)).await,
        Decision::SignInRequired => {
            WebError::Forbidden("Connectez-vous pour faire cette mise à jour.".into())
                .into_response()
        }
        Decision::Refused => {
            let label = profile.map(|p| p.label()).unwrap_or_default();
            let what = match &territory {
                Some((phase, id)) => format!("de mettre à jour {id} ({})", phase.label()),
                None => "cette mise à jour".to_owned(),
            };
            WebError::Forbidden(format!("Votre profil ({label}) ne permet pas {what}."))
                .into_response()
        }
    }
}

/// The territory a route names by its `{phase}` and `{id}` parameters, if it names one.
async fn territory_of(
    parts: &mut axum::http::request::Parts,
    state: &AppState,
) -> Option<(Phase, TerritoryId)> {
    let params = RawPathParams::from_request_parts(parts, state).await.ok()?;
    let get = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
    let phase = get("phase")?.parse().ok()?;
    let id = TerritoryId::parse(get("id")?).ok()?;
    Some((phase, id))
}
