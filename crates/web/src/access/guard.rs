//! Asks the route's rule (`domain::access::routes::decide`) before every handler: one place decides who
//! may call what. The caller is the signed-in user on the site (session cookie; forms also send their CSRF
//! token) and an API token under `/api/` (`Authorization: Bearer …`; never a cookie, so no page of another
//! site can make a browser write). The handler receives the caller as a [`Caller`]; the store decides again
//! on the record itself.

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use territoires_domain::access::routes::{decide, Decision, Rule, Target};
use territoires_domain::access::security::SecurityEvent;
use territoires_domain::access::Profile;
use territoires_domain::ids::TerritoryId;
use territoires_domain::phase::Phase;

use super::auth::{token_hash, MaybeSession};
use crate::error::ApiError;
use crate::{AppState, WebError};

/// Who calls a route that is not public: the name the audit log keeps, and the profile.
#[derive(Debug, Clone)]
pub struct Caller {
    /// `user:EMAIL` or `token:NAME`.
    pub actor: String,
    /// What they may do.
    pub profile: Profile,
}

/// The middleware.
pub async fn guard(state: State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = decide_and_run(state, request, next).await;
    // A body over its address's limit is refused by axum's extractors in English plain text (a handler that
    // tells it itself, as the import page does, answers a page).
    let plain_text = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/plain"));
    if response.status() != axum::http::StatusCode::PAYLOAD_TOO_LARGE || !plain_text {
        return response;
    }
    let limit = match path.ends_with("/imports") {
        true => format!(
            "{} Mo pour un fichier à importer",
            territoires_ingest::table::limits::MAX_FILE_BYTES >> 20
        ),
        false => "2 Mo".to_owned(),
    };
    WebError::TooLarge(limit).answer_at(&path)
}

/// Decides who may call the route, then calls it.
async fn decide_and_run(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let public_read = crate::cache::public_read(path);
    let with_cors = |mut response: Response| {
        if public_read {
            crate::cache::allow_any_origin(response.headers_mut());
        }
        response
    };
    if path.starts_with("/api/") {
        let client = super::client::client_of(request.extensions(), request.headers(), &state);
        if let Some(Err(wait)) = client.map(|ip| state.api_rate.check(ip)) {
            return with_cors(
                ApiError(WebError::TooManyRequests {
                    retry_after: super::rate::retry_after(wait),
                })
                .into_response(),
            );
        }
    }
    // Without a matched route the fallback answers 404, which reveals nothing.
    let Some(matched) = request.extensions().get::<MatchedPath>().cloned() else {
        return next.run(request).await;
    };
    let api = matched.as_str().starts_with("/api/");
    let refuse = |e: WebError| e.answer_at(matched.as_str());
    let method = request.method().as_str();
    let Some(rule) = crate::routes::rule_of(method, matched.as_str()) else {
        let allowed = crate::routes::methods_of(matched.as_str());
        if allowed.is_empty() {
            // Fail closed: a route the table does not know is nobody's.
            return refuse(WebError::Forbidden(
                "Cette adresse n'a pas de règle d'accès.".into(),
            ));
        }
        if method == "OPTIONS" && public_read && allowed.contains(&"GET") {
            return with_cors(preflight());
        }
        return with_cors(refuse(WebError::MethodNotAllowed {
            method: method.to_owned(),
            allow: allowed.join(", "),
        }));
    };
    if rule == Rule::Public && !(api && request.headers().contains_key(AUTHORIZATION)) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let caller = match api {
        true => token_caller(&parts, &state).await,
        false => match MaybeSession::from_request_parts(&mut parts, &state).await {
            Ok(MaybeSession(session)) => Ok(session.map(|s| Caller {
                actor: super::auth::actor(&s),
                profile: s.user.profile,
            })),
            Err(e) => Err(e),
        },
    };
    let caller = match caller {
        Ok(caller) => caller,
        Err(e) => return refuse(e),
    };
    if rule == Rule::Public {
        // A public read with a token: the token's agent reads what agents see (`access::Seen`).
        if let Some(caller) = caller {
            parts.extensions.insert(caller);
        }
        return next.run(Request::from_parts(parts, body)).await;
    }
    let territory = territory_of(&mut parts, &state).await;
    let target = match &territory {
        Some((phase, id)) => Target::Territory(*phase, id),
        None => Target::None,
    };
    let profile = caller.as_ref().map(|c| &c.profile);
    match decide(profile, rule, target) {
        Decision::Allowed => {
            if let Some(caller) = caller {
                parts.extensions.insert(caller);
            }
            next.run(Request::from_parts(parts, body)).await
        }
        Decision::SignInRequired if api => refuse(WebError::Unauthorized(
            "Jeton d'API requis : en-tête « Authorization: Bearer … ».".into(),
        )),
        Decision::SignInRequired => refuse(WebError::Forbidden(
            "Connectez-vous pour faire cette mise à jour.".into(),
        )),
        Decision::Refused => {
            let label = profile.map(|p| p.label()).unwrap_or_default();
            let what = match &territory {
                Some((phase, id)) => format!("de mettre à jour {id} ({})", phase.label()),
                None => "cette mise à jour".to_owned(),
            };
            refuse(WebError::Forbidden(format!(
                "Votre profil ({label}) ne permet pas {what}."
            )))
        }
    }
}

/// The answer to a browser asking (CORS preflight) whether another site's page may read a public
/// address with headers such as `If-None-Match`: yes, for reads.
fn preflight() -> Response {
    use axum::http::{header, HeaderValue, StatusCode};
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, OPTIONS"),
        (
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "Accept, Authorization, If-None-Match",
        ),
        (header::ACCESS_CONTROL_MAX_AGE, "86400"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The caller of an API route: the live token its `Authorization` header names (none without the
/// header; refused, and logged, with a token that is unknown, expired or revoked). Every use is logged.
async fn token_caller(parts: &Parts, state: &AppState) -> Result<Option<Caller>, WebError> {
    let Some(header) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let secret = header
        .to_str()
        .ok()
        // The scheme's name is case-insensitive (RFC 9110 § 11.1).
        .and_then(|v| {
            v.get(..7)
                .filter(|s| s.eq_ignore_ascii_case("bearer "))
                .map(|_| &v[7..])
        })
        .map(str::trim)
        .unwrap_or_default();
    let address =
        super::client::client_of(&parts.extensions, &parts.headers, state).map(|ip| ip.to_string());
    let token = state.store.api_token(&token_hash(secret)).await?;
    let (event, name) = match &token {
        Some(t) => (SecurityEvent::TokenUsed, Some(t.name.as_str())),
        None => (SecurityEvent::TokenRefused, None),
    };
    let route = format!("{} {}", parts.method, parts.uri.path());
    state
        .store
        .record_security_event(event, name, address.as_deref(), Some(&route))
        .await?;
    match token {
        Some(t) => Ok(Some(Caller {
            actor: format!("token:{}", t.name),
            profile: t.profile,
        })),
        None => Err(WebError::Unauthorized(
            "Jeton d'API inconnu, expiré ou révoqué.".into(),
        )),
    }
}

/// The territory a route names by its `{phase}` and `{id}` parameters, if it names one.
async fn territory_of(parts: &mut Parts, state: &AppState) -> Option<(Phase, TerritoryId)> {
    let params = RawPathParams::from_request_parts(parts, state).await.ok()?;
    let get = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
    let phase = get("phase")?.parse().ok()?;
    let id = TerritoryId::parse(get("id")?).ok()?;
    Some((phase, id))
}
