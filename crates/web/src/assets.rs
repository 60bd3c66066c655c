//! Front-end assets (DSFR and the site's own CSS), embedded in the binary: no network at run time.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "../../assets"]
struct Assets;

/// Serves `/static/{path}`. Assets change only with the binary, so browsers may keep them for a day.
pub async fn serve_asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
                (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
            ],
            file.data,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "ressource introuvable").into_response(),
    }
}
