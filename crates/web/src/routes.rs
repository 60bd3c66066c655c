//! Every route of the site and the API, in one place.

use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::{api, assets, auth, bilans, exports, forms, pages, AppState};

/// The application: pages, downloads, API and assets.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/territoires", get(pages::territories))
        .route("/territoires.csv", get(exports::territories_csv_export))
        .route("/territoires.xlsx", get(exports::territories_xlsx_export))
        .route("/territoires/{phase}/{id}", get(pages::territory))
        .route("/territoires/{phase}/{id}/jalons", post(forms::record_milestone))
        .route("/territoires/{phase}/{id}/gouvernance", post(forms::record_appointment))
        .route("/bilan", get(bilans::bilan_page))
        .route("/bilan.pdf", get(bilans::bilan_pdf))
        .route("/bilan.xlsx", get(bilans::bilan_xlsx))
        .route("/bilan.csv", get(bilans::bilan_csv))
        .route("/projets", get(bilans::projects_page))
        .route("/projets/{code}", get(bilans::project_page))
        .route("/projets/{code}/statut", post(bilans::record_status))
        .route("/projets/{code}/financements/{id}", post(bilans::record_line_event))
        .route("/connexion", get(auth::login_form).post(auth::login))
        .route("/deconnexion", post(auth::logout))
        .route("/regions", get(pages::regions))
        .route("/regions/{code}", get(pages::region))
        .route("/epci", get(pages::epcis))
        .route("/epci/{siren}", get(pages::epci))
        .route("/api", get(pages::api_doc))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/territoires", get(api::territories))
        .route("/api/v1/territoires/{phase}/{id}", get(api::territory))
        .route("/api/v1/regions", get(api::regions))
        .route("/api/v1/bilan", get(api::bilan))
        .route("/api/v1/projets", get(api::projects))
        .route("/api/v1/projets/{code}", get(api::project))
        .route("/api/v1/epci", get(api::epcis))
        .route("/api/v1/epci/{siren}", get(api::epci))
        .route("/api/v1/communes", get(api::communes))
        .route("/static/{*path}", get(assets::serve_asset))
        .route("/sante", get(|| async { "ok" }))
        .fallback(|| async { crate::WebError::NotFound("Cette page n'existe pas.".into()) })
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
