//! Accounts on the web: argon2 passwords, sessions in an HttpOnly cookie (only a hash of the token is
//! stored), CSRF tokens on every form, and the one place that decides who may write what.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use askama::Template;

use axum::extract::{FromRequestParts, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use territoires_domain::access::security::{SecurityEvent, SIGN_IN};
use territoires_store::access::accounts::Session;

use crate::access::client::ClientIp;
use crate::params::Params;
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

/// A hash no password matches in practice, checked when the account is unknown so that an unknown address
/// takes as long to refuse as a wrong password (otherwise the answer's time tells which accounts exist).
static NO_ACCOUNT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&random_token()));

/// Whether `password` matches `hash`. An account without a password of its own (ProConnect only) has an
/// empty hash: checked against [`NO_ACCOUNT`] so that it takes the same time and matches nothing.
fn verify_password(password: &str, hash: &str) -> bool {
    if hash.is_empty() {
        verify_password(password, &NO_ACCOUNT);
        return false;
    }
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

/// A new API token: its secret, shown once to whoever issues it, and the hash the store keeps.
pub fn new_api_token() -> (String, String) {
    let secret = format!("ti_{}", random_token());
    let hash = token_hash(&secret);
    (secret, hash)
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash kept of a secret (session or API token): the database never holds the secret itself.
pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
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
        // Read once per request: the guard, `access::Seen` and the handler may each ask for it.
        if let Some(SessionRead(session)) = parts.extensions.get::<SessionRead>() {
            return Ok(MaybeSession(session.clone()));
        }
        let session = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(token) => state.store.session(&token_hash(token)).await?,
            None => None,
        };
        parts.extensions.insert(SessionRead(session.clone()));
        Ok(MaybeSession(session))
    }
}

/// The session a request's cookie named, once read (kept in the request's extensions).
#[derive(Clone)]
struct SessionRead(Option<Session>);

/// The session of a request that needs one. Every route that is not public is refused to signed-out
/// callers by the guard first; this extractor is the handler's typed hold on the session.
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeSession(session) = MaybeSession::from_request_parts(parts, state).await?;
        session.map(SignedIn).ok_or_else(|| {
            WebError::Forbidden("Connectez-vous pour faire cette mise à jour.".into())
        })
    }
}

/// The name a signed-in user's writes are audited under: `user:EMAIL`.
pub fn actor(session: &Session) -> String {
    format!("user:{}", session.user.email)
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

pub(crate) fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// Only local paths are followed after login, never another site.
pub(crate) fn safe_next(next: Option<&str>) -> String {
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
    proconnect: bool,
    csrf: String,
    next: String,
    error: Option<String>,
    email: String,
}

#[derive(Deserialize)]
pub struct NextParam {
    pub(crate) next: Option<String>,
}

fn login_page(
    state: &AppState,
    next: String,
    error: Option<String>,
    email: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let csrf = random_token();
    let page = LoginPage {
        chrome: crate::views::Chrome::new("Connexion", "", &None).crumb("Connexion", None),
        proconnect: state.proconnect.is_some(),
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
pub async fn login_form(
    State(state): State<AppState>,
    Params(q): Params<NextParam>,
) -> Result<Response, WebError> {
    login_page(
        &state,
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

/// `POST /connexion`: at most a few failures per account and per address within a quarter of an hour
/// (counted in the security log), the same work whether the account exists or not.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(f.next.as_deref());
    if cookie(&headers, LOGIN_CSRF_COOKIE) != Some(f.csrf.as_str()) || f.csrf.is_empty() {
        return login_page(
            &state,
            next,
            Some("Le formulaire a expiré : recommencez.".into()),
            f.email,
            StatusCode::FORBIDDEN,
        );
    }
    let address = client.to_string();
    let (account_failures, address_failures) = state
        .store
        .recent_sign_in_failures(&f.email, &address, SIGN_IN.window)
        .await?;
    if let Some(why) = SIGN_IN.refusal(account_failures, address_failures) {
        state
            .store
            .record_security_event(
                SecurityEvent::SignInThrottled,
                Some(&f.email),
                Some(&address),
                None,
            )
            .await?;
        let mut page = login_page(
            &state,
            next,
            Some(SIGN_IN.message(why)),
            f.email,
            StatusCode::TOO_MANY_REQUESTS,
        )?;
        page.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            HeaderValue::from(SIGN_IN.window.whole_seconds()),
        );
        return Ok(page);
    }
    let credentials = state.store.user_credentials(&f.email).await?;
    let password = f.password.clone();
    let user = tokio::task::spawn_blocking(move || match credentials {
        Some((user, hash)) => verify_password(&password, &hash).then_some(user),
        None => {
            verify_password(&password, &NO_ACCOUNT);
            None
        }
    })
    .await
    .map_err(|e| WebError::Internal(format!("vérification du mot de passe : {e}")))?;
    let Some(user) = user else {
        state
            .store
            .record_security_event(
                SecurityEvent::SignInFailed,
                Some(&f.email),
                Some(&address),
                None,
            )
            .await?;
        return login_page(
            &state,
            next,
            Some("Adresse ou mot de passe incorrect.".into()),
            f.email,
            StatusCode::UNAUTHORIZED,
        );
    };
    start_session(&state, &user, &address, None, &next, "mot de passe").await
}

/// Opens a session for `user` (with the ProConnect ID token of a ProConnect sign-in), logs it, and sends
/// the browser to `next` with its session cookie.
pub(crate) async fn start_session(
    state: &AppState,
    user: &territoires_store::access::accounts::User,
    address: &str,
    id_token: Option<&str>,
    next: &str,
    how: &str,
) -> Result<Response, WebError> {
    let token = random_token();
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(SESSION_HOURS);
    let expires = expires
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a date formats");
    state
        .store
        .open_session(
            user.id,
            &token_hash(&token),
            &random_token(),
            &expires,
            id_token,
        )
        .await?;
    state
        .store
        .record_security_event(
            SecurityEvent::SignedIn,
            Some(&user.email),
            Some(address),
            Some(how),
        )
        .await?;
    tracing::info!(user = %user.email, how, "login");
    let mut response = redirect(next);
    response.headers_mut().append(
        SET_COOKIE,
        session_cookie(state, &token, SESSION_HOURS * 3600),
    );
    Ok(response)
}

/// The session cookie.
pub(crate) fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    lax_cookie(state, SESSION_COOKIE, token, "/", max_age)
}

/// A cookie of the site: HttpOnly, `SameSite=Lax` (sent on a top-level navigation from another site, such
/// as the identity provider's answer, which `Strict` would strip), `Secure` when the site is reached over
/// HTTPS.
pub(crate) fn lax_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age: i64,
) -> HeaderValue {
    let secure = if state.options.https() {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
        .parse()
        .expect("a valid cookie header")
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /deconnexion`: ends the session; a ProConnect session ends at the provider too (its end-session
/// endpoint, with the ID token as hint, sends the browser back to the home page).
pub async fn logout(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    MaybeSession(session): MaybeSession,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    let mut to = "/".to_owned();
    if let (Some(session), Some(token)) = (session, cookie(&headers, SESSION_COOKIE)) {
        check_csrf(&session, &f.csrf)?;
        if let (Some(id_token), Some(proconnect)) = (&session.id_token, &state.proconnect) {
            if let Some(url) = proconnect.departure_for_sign_out(id_token).await {
                to = url;
            }
        }
        state.store.close_session(&token_hash(token)).await?;
        state
            .store
            .record_security_event(
                SecurityEvent::SignedOut,
                Some(&session.user.email),
                Some(&client.to_string()),
                None,
            )
            .await?;
    }
    let mut response = redirect(&to);
    response
        .headers_mut()
        .append(SET_COOKIE, session_cookie(&state, "", 0));
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
