//! The website (French, DSFR) and the JSON API of `territoires`, served by axum from one binary with its
//! assets embedded. Handlers are thin: they parse parameters, call one store function, and render.

pub mod access;
mod api;
mod assets;
mod bilan;
mod cache;
mod error;
mod forms;
mod history;
mod land;
mod opendata;
mod params;
mod portfolio;
mod registry;
mod routes;
mod site;
mod views;

use std::net::SocketAddr;

use territoires_store::Store;

pub use error::WebError;
pub use routes::{router, rule_of, Route, ROUTES};

/// How the site is reached, which decides its cookies and transport headers.
#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    /// The address users reach the site at (`https://territoires.example.gouv.fr`), when it is not the
    /// one it listens on (behind a reverse proxy). Over HTTPS, the session cookie is `Secure` and the
    /// responses ask browsers never to come back over plain HTTP (HSTS).
    pub public_url: Option<String>,
    /// Sign-in with ProConnect, when the platform is registered there (needs `public_url`: the provider
    /// sends browsers back to it).
    pub proconnect: Option<access::proconnect::ProConnectSettings>,
    /// API requests one address may make per minute ([`access::rate::DEFAULT_PER_MINUTE`] if `None`).
    pub api_requests_per_minute: Option<std::num::NonZeroU32>,
    /// The reverse proxies whose `X-Forwarded-For` is believed: behind them, quotas, sign-in throttles
    /// and the security log count each client, not the proxy (see [`access::client::client_ip`]).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The CNIG *friches* Table Schema brownfields are exported in (read from the reference data at
    /// start); without it the standard's export answers that it is not available.
    pub friches_schema: Option<std::sync::Arc<territoires_domain::land::standard::StandardSchema>>,
}

impl SiteOptions {
    /// Whether users reach the site over HTTPS.
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Answers already computed at the current version of the data.
    pub answers: std::sync::Arc<cache::Answers>,
    /// How the site is reached.
    pub options: SiteOptions,
    /// The ProConnect relying party, when configured.
    pub proconnect: Option<std::sync::Arc<access::proconnect::ProConnect>>,
    /// The API's rate limiter.
    pub api_rate: std::sync::Arc<access::rate::ApiRate>,
}

impl AppState {
    /// The state of a site serving `store`.
    pub fn new(store: Store, options: SiteOptions) -> AppState {
        let proconnect = options.proconnect.clone().map(|settings| {
            let site = options.public_url.as_deref().unwrap_or_default();
            std::sync::Arc::new(access::proconnect::ProConnect::new(settings, site))
        });
        let api_rate = std::sync::Arc::new(access::rate::ApiRate::new(
            options
                .api_requests_per_minute
                .unwrap_or(access::rate::DEFAULT_PER_MINUTE),
        ));
        AppState {
            store,
            answers: Default::default(),
            options,
            proconnect,
            api_rate,
        }
    }
}

/// Serves the site on `listener` until the process receives Ctrl-C or SIGTERM.
pub async fn serve(
    store: Store,
    listener: tokio::net::TcpListener,
    options: SiteOptions,
) -> std::io::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    tracing::info!(%addr, "serving");
    // The client's address is kept for the sign-in throttle and the security log.
    let app =
        router(AppState::new(store, options)).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
