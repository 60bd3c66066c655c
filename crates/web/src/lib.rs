//! The website (French, DSFR) and the JSON API of `territoires`, served by axum from one binary with its
//! assets embedded. Handlers are thin: they parse parameters, call one store function, and render.

pub mod access;
mod api;
mod assets;
mod bilan;
mod cache;
mod error;
mod params;
mod portfolio;
mod registry;
mod routes;
mod site;
mod views;

use std::net::SocketAddr;

use territoires_store::Store;

pub use error::WebError;
pub use routes::router;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Answers already computed at the current version of the data.
    pub answers: std::sync::Arc<cache::Answers>,
}

impl AppState {
    /// The state of a site serving `store`.
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            answers: Default::default(),
        }
    }
}

/// Serves the site on `listener` until the process receives Ctrl-C or SIGTERM.
pub async fn serve(store: Store, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    tracing::info!(%addr, "serving");
    axum::serve(listener, router(AppState::new(store)))
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
