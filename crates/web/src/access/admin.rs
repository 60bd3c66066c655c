//! Administration of accounts, access requests and API tokens, for the national team (everything) and the
//! regional pilots (their region's profiles): every list and every write is scoped by
//! `Profile::may_grant`, which the store checks again inside each write.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use territoires_domain::access::requests::RequestStatus;
use territoires_domain::access::security::{token_expiry, SecurityEvent, TOKEN_DAYS_EXPECTED};
use territoires_domain::access::Profile;
use territoires_store::access::accounts::{AccountEntry, ProfileChoice, Session};
use territoires_store::access::requests::{AccessRequest, Decision};
use territoires_store::access::tokens::TokenEntry;
use territoires_store::access::Author;
use territoires_store::StoreError;

use super::auth::{check_csrf, new_api_token, redirect, MaybeSession};
use crate::params::{Params, PathParams};
use crate::views::{render, Chrome};
use crate::{AppState, WebError};

/// Decided requests shown under the pending ones.
const DECIDED_SHOWN: i64 = 50;

/// A message at the top of the page: what was just done, or why it was not.
struct Notice {
    /// `success` or `error` (a DSFR alert's kind).
    kind: &'static str,
    /// The answer's status: a refused write is not a success.
    status: StatusCode,
    text: String,
    /// A secret shown once (a reset link, an API token).
    secret: Option<String>,
}

struct AccountRow {
    entry: AccountEntry,
    profile_label: String,
}

struct RequestRow {
    request: AccessRequest,
    pending: bool,
    status_label: &'static str,
    profile_label: String,
}

struct TokenRow {
    entry: TokenEntry,
    profile_label: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<Notice>,
    requests: Vec<RequestRow>,
    accounts: Vec<AccountRow>,
    /// How many accounts match the search, over every page.
    accounts_total: usize,
    /// The search typed.
    q: String,
    pagination: crate::views::Pagination,
    tokens: Vec<TokenRow>,
    choices: Vec<ProfileChoice>,
    national: bool,
}

fn label_of(stored: &str) -> String {
    stored
        .parse::<Profile>()
        .map(|p| p.label())
        .unwrap_or_else(|_| stored.to_owned())
}

/// The signed-in administrator, and the name the audit and security logs keep of them.
struct Admin {
    session: Session,
    actor: String,
}

impl Admin {
    /// The author of the administrator's writes, checked by the store against their profile.
    fn author(&self) -> Author<'_> {
        Author::user(&self.actor, &self.session.user.profile)
    }
}

/// The administrator of the request (a form must carry their CSRF token).
fn signed_in(session: Option<Session>, csrf: Option<&str>) -> Result<Admin, WebError> {
    let session =
        session.ok_or_else(|| WebError::Forbidden("Connectez-vous pour administrer.".into()))?;
    if let Some(csrf) = csrf {
        check_csrf(&session, csrf)?;
    }
    Ok(Admin {
        actor: format!("user:{}", session.user.email),
        session,
    })
}

/// Accounts shown per page.
const ACCOUNTS_PER_PAGE: usize = 50;

/// Which accounts the page lists: a search in names and addresses, and a page.
#[derive(Default)]
pub struct AccountsShown {
    q: String,
    page: Option<usize>,
}

async fn page(
    state: &AppState,
    session: &Session,
    notice: Option<Notice>,
    shown: AccountsShown,
) -> Result<Response, WebError> {
    let viewer = &session.user.profile;
    let requests = state
        .store
        .access_requests(DECIDED_SHOWN)
        .await?
        .into_iter()
        .map(|r| {
            let status = r.status.parse().unwrap_or(RequestStatus::Pending);
            RequestRow {
                pending: status == RequestStatus::Pending,
                status_label: status.label(),
                profile_label: r.profile.as_deref().map(label_of).unwrap_or_default(),
                request: r,
            }
        })
        .collect();
    let q: String = shown.q.trim().chars().take(100).collect();
    let wanted = territoires_domain::search::search_key(&q);
    let matching: Vec<_> = state
        .store
        .accounts(Some(viewer))
        .await?
        .into_iter()
        .filter(|a| {
            wanted.is_empty()
                || territoires_domain::search::search_key(&format!("{} {}", a.name, a.email))
                    .contains(&wanted)
        })
        .collect();
    let accounts_total = matching.len();
    let page_number = shown.page.unwrap_or(1).max(1);
    let accounts = matching
        .into_iter()
        .skip((page_number - 1) * ACCOUNTS_PER_PAGE)
        .take(ACCOUNTS_PER_PAGE)
        .map(|entry| AccountRow {
            profile_label: label_of(&entry.profile),
            entry,
        })
        .collect();
    let pagination = crate::views::Pagination::new(
        &format!("/admin?q={}", urlencode(&q)),
        page_number,
        ACCOUNTS_PER_PAGE,
        accounts_total as i64,
    );
    let tokens = state
        .store
        .api_tokens(Some(viewer))
        .await?
        .into_iter()
        .map(|entry| TokenRow {
            profile_label: label_of(&entry.profile),
            entry,
        })
        .collect();
    let status = notice.as_ref().map_or(StatusCode::OK, |n| n.status);
    let body = render(AdminPage {
        chrome: Chrome::new("Administration", "admin", &Some(session.clone()))
            .crumb("Administration", None),
        csrf: session.csrf_token.clone(),
        notice,
        requests,
        accounts,
        accounts_total,
        q,
        pagination,
        tokens,
        choices: state.store.profile_choices(viewer).await?,
        national: *viewer == Profile::National,
    })?;
    Ok((status, body).into_response())
}

/// The page again with what went wrong: a refused write is told on the page, with nothing changed.
async fn or_notice(
    state: &AppState,
    session: &Session,
    result: Result<Notice, WebError>,
) -> Result<Response, WebError> {
    let notice = match result {
        Ok(notice) if notice.secret.is_none() => {
            return Ok(redirect(&format!(
                "/admin?fait={}",
                urlencode(&notice.text)
            )))
        }
        Ok(notice) => notice,
        Err(
            e @ (WebError::BadRequest { .. }
            | WebError::Store(
                StoreError::Invalid(_)
                | StoreError::Conflict(_)
                | StoreError::NotFound(_)
                | StoreError::Forbidden(_),
            )),
        ) => Notice {
            kind: "error",
            status: match &e {
                WebError::Store(StoreError::Forbidden(_)) => StatusCode::FORBIDDEN,
                WebError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
                WebError::Store(StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
                _ => StatusCode::BAD_REQUEST,
            },
            text: e.to_string(),
            secret: None,
        },
        Err(e) => return Err(e),
    };
    page(state, session, Some(notice), AccountsShown::default()).await
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn done(text: String) -> Notice {
    Notice {
        kind: "success",
        status: StatusCode::OK,
        text,
        secret: None,
    }
}

fn profile_field(value: &str) -> Result<Profile, WebError> {
    value
        .parse()
        .map_err(|e: territoires_domain::DomainError| WebError::BadRequest {
            field: "profil".into(),
            message: e.to_string(),
        })
}

/// The result shown after a redirect, and the accounts listed.
#[derive(Deserialize)]
pub struct Done {
    fait: Option<String>,
    #[serde(default)]
    q: String,
    page: Option<usize>,
}

/// `GET /admin`
pub async fn admin_page(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    Params(q): Params<Done>,
) -> Result<Response, WebError> {
    let admin = signed_in(session, None)?;
    let notice = q.fait.map(|text| done(text.chars().take(300).collect()));
    let shown = AccountsShown {
        q: q.q,
        page: q.page,
    };
    page(&state, &admin.session, notice, shown).await
}

/// A decision on an access request.
#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: String,
    decision: String,
    #[serde(default)]
    profil: String,
    #[serde(default)]
    motif: String,
}

/// `POST /admin/demandes/{id}`
pub async fn decide_request(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    PathParams(id): PathParams<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let admin = signed_in(session, Some(&f.csrf))?;
    let author = admin.author();
    let result = async {
        let decision = match f.decision.as_str() {
            "accorder" => Decision::Grant(profile_field(&f.profil)?),
            "refuser" => Decision::Refuse(f.motif.clone()),
            other => {
                return Err(WebError::BadRequest {
                    field: "decision".into(),
                    message: format!("« {other} » : attendu accorder ou refuser"),
                })
            }
        };
        let email = state
            .store
            .decide_access_request(id, &decision, author)
            .await?;
        let (event, text) = match &decision {
            Decision::Grant(p) => (
                SecurityEvent::AccessGranted,
                format!("Accès accordé à {email} : {}.", p.label()),
            ),
            Decision::Refuse(_) => (
                SecurityEvent::AccessRefused,
                format!("Demande de {email} refusée."),
            ),
        };
        state
            .store
            .record_security_event(event, Some(&email), None, Some(&admin.actor))
            .await?;
        Ok(done(text))
    }
    .await;
    or_notice(&state, &admin.session, result).await
}

/// A new local account.
#[derive(Deserialize)]
pub struct NewAccountForm {
    csrf: String,
    email: String,
    nom: String,
    profil: String,
}

/// `POST /admin/comptes`: a local account, without a password: the page shows a one-time link where its
/// holder sets one.
pub async fn create_account(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<NewAccountForm>,
) -> Result<Response, WebError> {
    let admin = signed_in(session, Some(&f.csrf))?;
    let author = admin.author();
    let result = async {
        let profile = profile_field(&f.profil)?;
        state
            .store
            .create_user(&f.email, &f.nom, "", &profile, author)
            .await?;
        let link = reset_link(&state, &f.email, author, &admin.actor).await?;
        Ok(Notice {
            kind: "success",
            status: StatusCode::OK,
            text: format!(
                "Compte {} créé ({}). Transmettez-lui ce lien, valable 24 heures et une seule fois, pour choisir son mot de passe :",
                f.email.trim().to_lowercase(),
                profile.label()
            ),
            secret: Some(link),
        })
    }
    .await;
    or_notice(&state, &admin.session, result).await
}

async fn reset_link(
    state: &AppState,
    email: &str,
    author: Author<'_>,
    actor: &str,
) -> Result<String, WebError> {
    let site = state.options.public_url.as_deref().unwrap_or("");
    let (link, hash) = super::reset::new_link(site);
    state
        .store
        .issue_password_reset(email, &hash, author)
        .await?;
    state
        .store
        .record_security_event(
            SecurityEvent::PasswordResetIssued,
            Some(email),
            None,
            Some(actor),
        )
        .await?;
    Ok(link)
}

/// An action on an account.
#[derive(Deserialize)]
pub struct AccountForm {
    csrf: String,
    email: String,
    #[serde(default)]
    profil: String,
}

/// `POST /admin/comptes/profil`
pub async fn change_profile(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<AccountForm>,
) -> Result<Response, WebError> {
    let admin = signed_in(session, Some(&f.csrf))?;
    let author = admin.author();
    let result = async {
        let profile = profile_field(&f.profil)?;
        state.store.set_profile(&f.email, &profile, author).await?;
        Ok(done(format!("Compte {} : {}.", f.email, profile.label())))
    }
    .await;
    or_notice(&state, &admin.session, result).await
}

/// `POST /admin/comptes/desactiver`: the account's sessions end at once.
pub async fn disable_account(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<AccountForm>,
) -> Result<Response, WebError> {
    let admin = signed_in(session, Some(&f.csrf))?;
    let author = admin.author();
    let result = async {
        if f.email
            .trim()
            .eq_ignore_ascii_case(&admin.session.user.email)
        {
            return Err(WebError::BadRequest {
                field: "email".into(),
                message: "vous ne pouvez pas désactiver votre propre compte".into(),
            });
        }
        state.store.disable_user(&f.email, author).await?;
        Ok(done(format!(
            "Compte {} désactivé ; ses sessions sont closes.",
            f.email
        )))
    }
    .await;
    or_notice(&state, &admin.session, result).await
}

/// `POST /admin/comptes/lien`: a one-time password-reset link, shown once.
pub async fn issue_reset_link(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<AccountForm>,
) -> Result<Response, WebError> {
    let admin = signed_in(session, Some(&f.csrf))?;
    let author = admin.author();
    let result = async {
        let link = reset_link(&state, &f.email, author, &admin.actor).await?;
        Ok(Notice {
            kind: "success",
            status: StatusCode::OK,
            text: format!(
                "Lien de réinitialisation du mot de passe de {}, valable 24 heures et une seule fois ; il ne sera plus affiché :",
                f.email.trim().to_lowercase()
            ),
            secret: Some(link),
        })
    }
    .await;
    or_notice(&state, &admin.session, result).await
}

/// A new API token.
#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
    nom: String,
    #[serde(default)]
    profil: String,
    #[serde(default)]
    jours: String,
}

/// `POST /admin/jetons`: the secret is shown once.
pub async fn issue_token(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<TokenForm>,
) -> Result<Response, WebError> {
    let admin = signed_in(session, Some(&f.csrf))?;
    let author = admin.author();
    let result = async {
        let profile = profile_field(&f.profil)?;
        let expires = f
            .jours
            .trim()
            .parse()
            .ok()
            .and_then(|days| token_expiry(days, time::OffsetDateTime::now_utc()))
            .ok_or_else(|| WebError::BadRequest {
                field: "jours".into(),
                message: format!("« {} » : {TOKEN_DAYS_EXPECTED}", f.jours),
            })?
            .format(&time::format_description::well_known::Rfc3339)
            .expect("a date formats");
        let (secret, hash) = new_api_token();
        state
            .store
            .issue_token(&f.nom, &hash, &profile, &expires, author)
            .await?;
        state
            .store
            .record_security_event(
                SecurityEvent::TokenIssued,
                Some(f.nom.trim()),
                None,
                Some(&admin.actor),
            )
            .await?;
        Ok(Notice {
            kind: "success",
            status: StatusCode::OK,
            text: format!(
                "Jeton « {} » ({}) valable jusqu'au {} ; conservez-le, il ne sera plus affiché :",
                f.nom.trim(),
                profile.label(),
                &expires[..10]
            ),
            secret: Some(secret),
        })
    }
    .await;
    or_notice(&state, &admin.session, result).await
}

/// `POST /admin/jetons/revoquer`
pub async fn revoke_token(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<TokenForm>,
) -> Result<Response, WebError> {
    let admin = signed_in(session, Some(&f.csrf))?;
    let author = admin.author();
    let result = async {
        state.store.revoke_token(&f.nom, author).await?;
        state
            .store
            .record_security_event(
                SecurityEvent::TokenRevoked,
                Some(f.nom.trim()),
                None,
                Some(&admin.actor),
            )
            .await?;
        Ok(done(format!("Jeton « {} » révoqué.", f.nom.trim())))
    }
    .await;
    or_notice(&state, &admin.session, result).await
}
