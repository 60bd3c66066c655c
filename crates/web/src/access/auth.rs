//! Accounts on the web: argon2 passwords, sessions in an HttpOnly cookie (only a hash of the token is
//! stored), CSRF tokens on every form, and the one place that decides who may write what.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use askama::Template;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use territoires_store::access::accounts::Session;

use crate::{AppState, WebError};

const SESSION_COOKIE: &str = "ti_session";
const LOGIN_CSRF_COOKIE: &str = "ti_csrf";
const SESSION_HOURS: i64 = 8;

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes()).expect("16 random bytes encode as a salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request carries a session cookie (live or not): its pages may be personal.
pub(crate) fn has_session_cookie(headers: &HeaderMap) -> bool {
    cookie(headers, SESSION_COOKIE).is_some()
}

/// The session of the request, if its cookie names a live one.
pub struct MaybeSession(pub Option<Session>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match cookie(&parts.headers, SESSION_COOKIE) {
            Some(token) => Ok(MaybeSession(state.store.session(&token_hash(token)).await?)),
            None => Ok(MaybeSession(None)),
        }
    }
}

/// Checks a form's CSRF token against the session's; the same error for a missing and a wrong token.
pub fn check_csrf(session: &Session, sent: &str) -> Result<(), WebError> {
    if !sent.is_empty() && sent == session.csrf_token {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "Jeton de formulaire invalide ou expiré : rechargez la page et recommencez.".into(),
        ))
    }
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// Only local paths are followed after login, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        // A backslash is read as a slash by browsers: `/\evil.example` would leave the site.
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: crate::views::Chrome,
    csrf: String,
    next: String,
    error: Option<String>,
    email: String,
}

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

fn login_page(
    next: String,
    error: Option<String>,
    email: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let csrf = random_token();
    let page = LoginPage {
        chrome: crate::views::Chrome::new("Connexion", "", &None).crumb("Connexion", None),
        csrf: csrf.clone(),
        next,
        error,
        email,
    };
    Ok((
        status,
        [(SET_COOKIE, format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/connexion; HttpOnly; SameSite=Strict; Max-Age=3600"))],
        crate::views::render(page)?,
    )
        .into_response())
}

/// `GET /connexion`
pub async fn login_form(Query(q): Query<NextParam>) -> Result<Response, WebError> {
    login_page(
        safe_next(q.next.as_deref()),
        None,
        String::new(),
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// `POST /connexion`
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(f.next.as_deref());
    if cookie(&headers, LOGIN_CSRF_COOKIE) != Some(f.csrf.as_str()) || f.csrf.is_empty() {
        return login_page(
            next,
            Some("Le formulaire a expiré : recommencez.".into()),
            f.email,
            StatusCode::FORBIDDEN,
        );
    }
    let credentials = state.store.user_credentials(&f.email).await?;
    let user = credentials
        .filter(|(_, hash)| verify_password(&f.password, hash))
        .map(|(user, _)| user);
    let Some(user) = user else {
        return login_page(
            next,
            Some("Adresse ou mot de passe incorrect.".into()),
            f.email,
            StatusCode::UNAUTHORIZED,
        );
    };
    let token = random_token();
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(SESSION_HOURS);
    let expires = expires
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a date formats");
    state
        .store
        .open_session(user.id, &token_hash(&token), &random_token(), &expires)
        .await?;
    tracing::info!(user = %user.email, "login");
    let mut response = redirect(&next);
    response.headers_mut().append(
        SET_COOKIE,
        format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
            SESSION_HOURS * 3600
        )
        .parse()
        .expect("a valid cookie header"),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /deconnexion`
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybeSession(session): MaybeSession,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    if let (Some(session), Some(token)) = (session, cookie(&headers, SESSION_COOKIE)) {
        check_csrf(&session, &f.csrf)?;
        state.store.close_session(&token_hash(token)).await?;
    }
    let mut response = redirect("/");
    response.headers_mut().append(
        SET_COOKIE,
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
            .parse()
            .expect("a valid cookie header"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(hash, hash_password("correct horse"), "salted");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(
            safe_next(Some("/territoires/2023-2027/ti-4401")),
            "/territoires/2023-2027/ti-4401"
        );
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, "a=1; ti_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&headers, "ti_session"), Some("abc"));
        assert_eq!(cookie(&headers, "ti_csrf"), None);
    }
}
