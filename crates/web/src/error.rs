//! The one error type of the web layer, rendered as an HTML page for the site and as JSON for the API.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use territoires_store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Nothing at this address.
    #[error("{0}")]
    NotFound(String),
    /// No valid credentials: an API call without a live token.
    #[error("{0}")]
    Unauthorized(String),
    /// Not allowed for this user (or the form's CSRF token is wrong).
    #[error("{0}")]
    Forbidden(String),
    /// A parameter is wrong: names it and says what was expected.
    #[error("paramètre « {field} » : {message}")]
    BadRequest {
        /// The parameter.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The address exists, not for this method.
    #[error("la méthode {method} n'est pas acceptée ici (acceptées : {allow})")]
    MethodNotAllowed {
        /// The method asked.
        method: String,
        /// The methods accepted, as the `Allow` header lists them.
        allow: String,
    },
    /// The client made more API requests than its quota.
    #[error("trop de requêtes : réessayez dans {retry_after} s (quota par minute et par adresse)")]
    TooManyRequests {
        /// Seconds before the next request is allowed.
        retry_after: u64,
    },
    /// The request's body is larger than its address takes.
    #[error("le contenu envoyé est trop volumineux : {0} au plus à cette adresse")]
    TooLarge(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A download could not be produced.
    #[error("export : {0}")]
    Export(String),
    /// A service the request needs (the identity provider) did not answer or answered wrongly.
    #[error("{0}")]
    BadGateway(String),
    /// A task of the request failed (logged, not shown).
    #[error("interne : {0}")]
    Internal(String),
    /// A page failed to render.
    #[error("rendu : {0}")]
    Render(#[from] askama::Error),
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) | WebError::Store(StoreError::NotFound(_)) => {
                StatusCode::NOT_FOUND
            }
            WebError::BadRequest { .. } | WebError::Store(StoreError::Invalid(_)) => {
                StatusCode::BAD_REQUEST
            }
            WebError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            WebError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            WebError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            WebError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            WebError::Forbidden(_) | WebError::Store(StoreError::Forbidden(_)) => {
                StatusCode::FORBIDDEN
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The headers its status needs: `Allow` with a 405, `Retry-After` with a 429.
    fn add_headers(&self, response: &mut Response) {
        let (name, value) = match self {
            WebError::MethodNotAllowed { allow, .. } => (header::ALLOW, allow.clone()),
            WebError::TooManyRequests { retry_after } => {
                (header::RETRY_AFTER, retry_after.to_string())
            }
            _ => return,
        };
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }

    /// The answer to a request at `path`: JSON for a client of the API (under `/api/`), a page elsewhere.
    pub(crate) fn answer_at(self, path: &str) -> Response {
        match path.starts_with("/api/") {
            true => ApiError(self).into_response(),
            false => self.into_response(),
        }
    }

    /// What the user is told; internal failures are logged, not shown.
    fn public_message(&self) -> String {
        if self.status() == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "request failed");
            "Une erreur interne est survenue. Elle a été journalisée.".to_owned()
        } else {
            self.to_string()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: crate::views::Chrome,
    status: u16,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        let title = match status {
            StatusCode::NOT_FOUND => "Page introuvable",
            StatusCode::BAD_REQUEST => "Requête invalide",
            StatusCode::FORBIDDEN => "Action non autorisée",
            StatusCode::UNAUTHORIZED => "Identification requise",
            StatusCode::CONFLICT => "Conflit d'enregistrement",
            StatusCode::METHOD_NOT_ALLOWED => "Méthode non acceptée",
            StatusCode::TOO_MANY_REQUESTS => "Trop de requêtes",
            StatusCode::PAYLOAD_TOO_LARGE => "Contenu trop volumineux",
            _ => "Erreur",
        };
        let page = ErrorPage {
            chrome: crate::views::Chrome::new(title, "", &None).crumb(title, None),
            status: status.as_u16(),
            message: self.public_message(),
        };
        let mut response = match page.render() {
            Ok(html) => {
                (status, Html(territoires_domain::fr::typography_html(&html))).into_response()
            }
            Err(_) => (status, page.message).into_response(),
        };
        self.add_headers(&mut response);
        response
    }
}

/// A [`WebError`] rendered as JSON, for the API.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let field = match &self.0 {
            WebError::BadRequest { field, .. } => Some(field.clone()),
            _ => None,
        };
        let body = serde_json::json!({ "status": status.as_u16(), "error": self.0.public_message(), "field": field });
        let mut response = (status, Json(body)).into_response();
        self.0.add_headers(&mut response);
        response
    }
}
