//! Front-end assets (DSFR and the site's own CSS), embedded in the binary: no network at run time. Text
//! assets are gzipped once, at the first request for them, never per response.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::cache::{accepts_gzip, gzip};
use crate::params::PathParams;

#[derive(rust_embed::RustEmbed)]
#[folder = "../../assets"]
struct Assets;

/// Gzipped assets by path; `None` for those not worth it (images, fonts).
static GZIPPED: LazyLock<Mutex<HashMap<String, Option<Bytes>>>> = LazyLock::new(Default::default);

fn gzipped(path: &str, content_type: &HeaderValue, data: &[u8]) -> Option<Bytes> {
    if let Some(done) = GZIPPED.lock().expect("gzipped assets lock").get(path) {
        return done.clone();
    }
    // Compressed outside the lock: the other assets are served meanwhile.
    let done = gzip(Some(content_type), data);
    GZIPPED
        .lock()
        .expect("gzipped assets lock")
        .insert(path.to_owned(), done.clone());
    done
}

/// Serves `/static/{path}`. Assets change only with the binary, so browsers may keep them for a day.
pub async fn serve_asset(PathParams(path): PathParams<String>, headers: HeaderMap) -> Response {
    let Some(file) = Assets::get(&path) else {
        return (StatusCode::NOT_FOUND, "ressource introuvable").into_response();
    };
    let content_type = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let mut response_headers = HeaderMap::new();
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    let body = match gzipped(&path, &content_type, &file.data) {
        Some(gzipped) if accepts_gzip(&headers) => {
            response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            gzipped
        }
        // In a release build the asset is a static slice: served without a copy.
        _ => match file.data {
            std::borrow::Cow::Borrowed(data) => Bytes::from_static(data),
            std::borrow::Cow::Owned(data) => Bytes::from(data),
        },
    };
    response_headers.insert(header::CONTENT_TYPE, content_type);
    (response_headers, body).into_response()
}
