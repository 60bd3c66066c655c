//! Sign-in with ProConnect, the State agents' OpenID Connect provider: authorisation-code flow with PKCE,
//! `state` and `nonce` of 43 characters (32 random bytes), ProConnect's scopes, userinfo accepted as JSON
//! or as a signed JWT (verified against the provider's keys), and sign-out through the provider's
//! end-session endpoint with `id_token_hint`. The relying party is the `openidconnect` crate; this module
//! only wires it to the site's sessions and access requests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreClient, CoreGenderClaim, CoreIdToken, CoreResponseType};
use openidconnect::{
    reqwest, AccessToken, AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClientId,
    ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, SubjectIdentifier,
    TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use territoires_store::access::requests::Agent;
use tokio::sync::RwLock;

use crate::WebError;

/// ProConnect's scopes beside `openid` (which the crate adds).
const SCOPES: [&str; 5] = ["given_name", "usual_name", "email", "uid", "siret"];

/// How long the provider's metadata and keys are kept before being read again (keys rotate).
const METADATA_LIFETIME: Duration = Duration::from_secs(3600);

/// The path the provider sends the browser back to.
pub const CALLBACK_PATH: &str = "/connexion/proconnect/retour";

/// How the platform is registered at ProConnect.
#[derive(Debug, Clone)]
pub struct ProConnectSettings {
    /// The issuer (`https://auth.agentconnect.gouv.fr/api/v2`, or a test provider's); the discovery
    /// document is read at `ISSUER/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id given by ProConnect.
    pub client_id: String,
    /// The client secret given by ProConnect.
    pub client_secret: String,
}

/// ProConnect's claims beyond the standard ones.
#[derive(Debug, Clone, Deserialize, Serialize)]
struct ProConnectClaims {
    usual_name: Option<String>,
    uid: Option<String>,
    siret: Option<String>,
    organization_label: Option<String>,
}

impl AdditionalClaims for ProConnectClaims {}

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The relying party: settings, an HTTP client that never follows redirects (no request of ours can be
/// sent elsewhere), and the provider's metadata once read.
pub struct ProConnect {
    settings: ProConnectSettings,
    site: String,
    http: reqwest::Client,
    metadata: RwLock<Option<(Instant, Arc<ProviderMetadataWithLogout>)>>,
}

/// A sign-in leaving for the provider: where to send the browser, and what to keep to check its return.
pub struct Departure {
    /// The provider's authorisation URL.
    pub url: String,
    /// `state`, also set in the browser's cookie.
    pub state: String,
    /// `nonce`, to find again in the ID token.
    pub nonce: String,
    /// The PKCE verifier.
    pub pkce_verifier: String,
}

/// The agent back from the provider, with the ID token that proves the sign-in (kept for sign-out).
pub struct Arrival {
    /// Who.
    pub agent: Agent,
    /// The ID token, compact form.
    pub id_token: String,
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> WebError {
    tracing::warn!(error = %e, "ProConnect: {what}");
    WebError::BadGateway(format!(
        "ProConnect n'a pas pu être joint ou sa réponse n'est pas valide ({what}) : réessayez, ou \
         connectez-vous avec un compte local."
    ))
}

impl ProConnect {
    /// A relying party for the site reached at `site` (its public URL, without trailing slash).
    pub fn new(settings: ProConnectSettings, site: &str) -> ProConnect {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client builds");
        ProConnect {
            settings,
            site: site.trim_end_matches('/').to_owned(),
            http,
            metadata: RwLock::new(None),
        }
    }

    async fn metadata(&self) -> Result<Arc<ProviderMetadataWithLogout>, WebError> {
        if let Some((at, metadata)) = &*self.metadata.read().await {
            if at.elapsed() < METADATA_LIFETIME {
                return Ok(metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| unavailable("adresse de l'émetteur", e))?;
        let metadata = Arc::new(
            ProviderMetadataWithLogout::discover_async(issuer, &self.http)
                .await
                .map_err(|e| unavailable("découverte", e))?,
        );
        *self.metadata.write().await = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn client(&self, metadata: &ProviderMetadataWithLogout) -> Result<Client, WebError> {
        let redirect = RedirectUrl::new(format!("{}{CALLBACK_PATH}", self.site))
            .map_err(|e| unavailable("adresse de retour", e))?;
        Ok(CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// Prepares a sign-in: the provider's URL with a fresh `state`, `nonce` and PKCE challenge.
    pub async fn depart(&self) -> Result<Departure, WebError> {
        let metadata = self.metadata().await?;
        let client = self.client(&metadata)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                || CsrfToken::new_random_len(32),
                || Nonce::new_random_len(32),
            )
            .add_scopes(SCOPES.map(|s| Scope::new(s.to_owned())))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Departure {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Completes a sign-in: exchanges the code, verifies the ID token (signature, issuer, audience,
    /// expiry, nonce) and reads userinfo for the same subject (a signed JWT is verified too).
    pub async fn arrive(
        &self,
        code: String,
        nonce: String,
        pkce_verifier: String,
    ) -> Result<Arrival, WebError> {
        let metadata = self.metadata().await?;
        let client = self.client(&metadata)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| unavailable("point de jeton", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| unavailable("échange du code", e))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| unavailable("jeton d'identité", "absent de la réponse"))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(nonce))
            .map_err(|e| unavailable("jeton d'identité", e))?;
        let sub: SubjectIdentifier = claims.subject().clone();
        let info: UserInfoClaims<ProConnectClaims, CoreGenderClaim> = client
            .user_info(
                AccessToken::new(token.access_token().secret().clone()),
                Some(sub.clone()),
            )
            .map_err(|e| unavailable("userinfo", e))?
            .request_async(&self.http)
            .await
            .map_err(|e| unavailable("userinfo", e))?;
        let email = info
            .email()
            .map(|e| e.as_str().to_owned())
            .ok_or_else(|| unavailable("userinfo", "pas d'adresse électronique"))?;
        let given_name = info
            .given_name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default();
        let extra = info.additional_claims();
        Ok(Arrival {
            agent: Agent {
                sub: sub.as_str().to_owned(),
                email,
                given_name,
                usual_name: extra.usual_name.clone().unwrap_or_default(),
                siret: extra.siret.clone(),
                organization: extra.organization_label.clone(),
            },
            id_token: id_token.to_string(),
        })
    }

    /// Where to send a browser signing out of a ProConnect session: the provider's end-session endpoint
    /// with the session's ID token as hint, back to the site's home page. `None` if the provider has no
    /// such endpoint or the token cannot be read.
    pub async fn departure_for_sign_out(&self, id_token: &str) -> Option<String> {
        let metadata = self.metadata().await.ok()?;
        let end_session = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let id_token: CoreIdToken = id_token.parse().ok()?;
        let back = PostLogoutRedirectUrl::new(format!("{}/", self.site)).ok()?;
        Some(
            LogoutRequest::from(end_session)
                .set_id_token_hint(&id_token)
                .set_client_id(ClientId::new(self.settings.client_id.clone()))
                .set_post_logout_redirect_uri(back)
                .set_state(CsrfToken::new_random_len(32))
                .http_get_url()
                .to_string(),
        )
    }
}
