//! The two steps of a ProConnect sign-in on the site: leaving for the provider, and coming back — signed
//! in, or told where their access request stands.

use askama::Template;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use territoires_domain::access::security::SecurityEvent;
use territoires_store::access::requests::{ProConnectSignIn, SignInFlow};

use super::auth::{cookie, lax_cookie, redirect, safe_next, start_session, NextParam};
use super::proconnect::ProConnect;
use crate::access::client::ClientIp;
use crate::params::Params;
use crate::views::{render, Chrome};
use crate::{AppState, WebError};

/// The cookie that ties the provider's answer to the browser that left for it.
const FLOW_COOKIE: &str = "ti_proconnect";
const FLOW_SECONDS: i64 = 600;

fn proconnect(state: &AppState) -> Result<&ProConnect, WebError> {
    state.proconnect.as_deref().ok_or_else(|| {
        WebError::NotFound("La connexion avec ProConnect n'est pas configurée sur ce site.".into())
    })
}

fn flow_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    lax_cookie(state, FLOW_COOKIE, value, "/connexion/proconnect", max_age)
}

/// `GET /connexion/proconnect`: to the provider, with a fresh state, nonce and PKCE challenge.
pub async fn start(
    State(state): State<AppState>,
    Params(q): Params<NextParam>,
) -> Result<Response, WebError> {
    let departure = proconnect(&state)?.depart().await?;
    let flow = SignInFlow {
        nonce: departure.nonce,
        pkce_verifier: departure.pkce_verifier,
        next: safe_next(q.next.as_deref()),
    };
    state
        .store
        .begin_sign_in_flow(&departure.state, &flow)
        .await?;
    let mut response = redirect(&departure.url);
    response.headers_mut().append(
        SET_COOKIE,
        flow_cookie(&state, &departure.state, FLOW_SECONDS),
    );
    Ok(response)
}

/// The provider's answer.
#[derive(Deserialize)]
pub struct Answer {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Template)]
#[template(path = "outcome.html")]
struct OutcomePage {
    chrome: Chrome,
    kind: &'static str,
    paragraphs: Vec<String>,
    links: Vec<(&'static str, &'static str)>,
}

fn outcome(
    status: StatusCode,
    title: &str,
    kind: &'static str,
    paragraphs: Vec<String>,
) -> Result<Response, WebError> {
    let page = render(OutcomePage {
        chrome: Chrome::new(title, "", &None).crumb(title, None),
        kind,
        paragraphs,
        links: vec![("/", "Retour à l'accueil")],
    })?;
    Ok((status, page).into_response())
}

/// `GET /connexion/proconnect/retour`: checks the answer belongs to this browser's sign-in (state in its
/// cookie, taken once, within ten minutes), completes it with the provider, then signs in the account it
/// names or records the agent's access request.
pub async fn callback(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Params(answer): Params<Answer>,
) -> Result<Response, WebError> {
    let provider = proconnect(&state)?;
    let address = client.to_string();
    let refused = |why: String| {
        let state = state.clone();
        let address = address.clone();
        async move {
            state
                .store
                .record_security_event(
                    SecurityEvent::ProConnectFailed,
                    None,
                    Some(&address),
                    Some(&why),
                )
                .await?;
            let mut page = outcome(
                StatusCode::BAD_REQUEST,
                "Connexion impossible",
                "error",
                vec![why, "Recommencez depuis la page de connexion.".into()],
            )?;
            page.headers_mut()
                .append(SET_COOKIE, flow_cookie(&state, "", 0));
            Ok::<Response, WebError>(page)
        }
    };
    if let Some(error) = answer.error {
        let detail = answer.error_description.unwrap_or_default();
        return refused(format!(
            "ProConnect a refusé la connexion : {error} {detail}"
        ))
        .await;
    }
    let (Some(code), Some(sent_state)) = (answer.code, answer.state) else {
        return refused("La réponse de ProConnect est incomplète (code ou state absent).".into())
            .await;
    };
    if cookie(&headers, FLOW_COOKIE) != Some(sent_state.as_str()) {
        return refused(
            "Cette connexion n'a pas été commencée dans ce navigateur (state inconnu).".into(),
        )
        .await;
    }
    let Some(flow) = state.store.take_sign_in_flow(&sent_state).await? else {
        return refused("Cette connexion a expiré ou a déjà servi.".into()).await;
    };
    let arrival = match provider.arrive(code, flow.nonce, flow.pkce_verifier).await {
        Ok(arrival) => arrival,
        Err(e) => return refused(e.to_string()).await,
    };
    let agent = &arrival.agent;
    let signed_in = state.store.proconnect_sign_in(agent).await?;
    let event = match &signed_in {
        ProConnectSignIn::Requested => Some(SecurityEvent::AccessRequested),
        ProConnectSignIn::Known(_) => None,
        _ => Some(SecurityEvent::ProConnectFailed),
    };
    if let Some(event) = event {
        state
            .store
            .record_security_event(
                event,
                Some(&agent.email),
                Some(&address),
                Some("proconnect"),
            )
            .await?;
    }
    let mut response = match signed_in {
        ProConnectSignIn::Known(user) => {
            start_session(
                &state,
                &user,
                &address,
                Some(&arrival.id_token),
                &flow.next,
                "proconnect",
            )
            .await?
        }
        ProConnectSignIn::Requested => outcome(
            StatusCode::OK,
            "Demande d'accès enregistrée",
            "info",
            vec![
                format!(
                    "ProConnect vous a identifié : {} {} ({}). Vous n'avez pas encore de compte sur la plateforme.",
                    agent.given_name, agent.usual_name, agent.email
                ),
                "Votre demande d'accès est transmise à l'équipe nationale du programme et aux pilotes régionaux : l'un d'eux vous attribuera un profil (territoire, région ou opérateur). Reconnectez-vous avec ProConnect ensuite.".into(),
            ],
        )?,
        ProConnectSignIn::Pending => outcome(
            StatusCode::OK,
            "Demande d'accès en attente",
            "info",
            vec![format!(
                "Votre demande d'accès ({}) attend encore la décision de l'équipe nationale ou d'un pilote régional.",
                agent.email
            )],
        )?,
        ProConnectSignIn::Refused { reason } => outcome(
            StatusCode::FORBIDDEN,
            "Demande d'accès refusée",
            "error",
            vec![
                format!("Votre demande d'accès ({}) a été refusée.", agent.email),
                format!("Motif : {}", reason.unwrap_or_else(|| "non précisé".into())),
            ],
        )?,
        ProConnectSignIn::Disabled => outcome(
            StatusCode::FORBIDDEN,
            "Compte désactivé",
            "error",
            vec![format!(
                "Le compte {} est désactivé. Adressez-vous à l'équipe nationale ou à votre pilote régional.",
                agent.email
            )],
        )?,
    };
    response
        .headers_mut()
        .append(SET_COOKIE, flow_cookie(&state, "", 0));
    Ok(response)
}
