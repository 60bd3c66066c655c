//! The page behind a one-time password-reset link: the holder of a local account sets its password.
//! The link's secret is the capability (and stands for the form's CSRF token): only its hash is stored.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use territoires_domain::access::requests::check_new_password;
use territoires_domain::access::security::SecurityEvent;

use super::auth::{hash_password, random_token, token_hash};
use crate::params::PathParams;
use crate::views::{render, Chrome};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    email: String,
    error: Option<String>,
    done: bool,
}

/// A new one-time link for the site reached at `site`, and the hash of its secret (what the store keeps).
pub fn new_link(site: &str) -> (String, String) {
    let secret = random_token();
    let hash = token_hash(&secret);
    (
        format!("{}/mot-de-passe/{secret}", site.trim_end_matches('/')),
        hash,
    )
}

fn page(email: String, error: Option<String>, done: bool) -> Result<Response, WebError> {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let title = "Choisir un mot de passe";
    let body = render(PasswordPage {
        chrome: Chrome::new(title, "", &None).crumb(title, None),
        email,
        error,
        done,
    })?;
    Ok((status, body).into_response())
}

fn dead_link() -> WebError {
    WebError::NotFound(
        "Ce lien de réinitialisation n'est pas valide : il a déjà servi, a expiré (24 heures) ou le compte est désactivé. Demandez-en un autre à votre administrateur."
            .into(),
    )
}

/// `GET /mot-de-passe/{jeton}`
pub async fn password_form(
    State(state): State<AppState>,
    PathParams(secret): PathParams<String>,
) -> Result<Response, WebError> {
    let email = state
        .store
        .password_reset_account(&token_hash(&secret))
        .await?
        .ok_or_else(dead_link)?;
    page(email, None, false)
}

/// The new password, twice.
#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
    confirmation: String,
}

/// `POST /mot-de-passe/{jeton}`: sets the password, uses the link up, ends the account's sessions.
pub async fn set_password(
    State(state): State<AppState>,
    PathParams(secret): PathParams<String>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let hash = token_hash(&secret);
    let email = state
        .store
        .password_reset_account(&hash)
        .await?
        .ok_or_else(dead_link)?;
    if f.password != f.confirmation {
        return page(email, Some("Les deux saisies diffèrent.".into()), false);
    }
    if let Err(e) = check_new_password(&f.password) {
        return page(email, Some(format!("Mot de passe : {e}.")), false);
    }
    let password = f.password;
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| WebError::Internal(format!("hachage du mot de passe : {e}")))?;
    let email = state.store.reset_password(&hash, &password_hash).await?;
    state
        .store
        .record_security_event(SecurityEvent::PasswordReset, Some(&email), None, None)
        .await?;
    page(email, None, true)
}
