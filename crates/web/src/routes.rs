//! Every route of the site and the API, in one place.

use axum::routing::{get, post};
use axum::Router;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::access::{auth, headers};
use crate::bilan::{api as bilan_api, pages as bilan};
use crate::portfolio::{api as portfolio_api, forms as portfolio_forms, pages as portfolio};
use crate::registry::{api as registry_api, exports, forms, home, list, places, territory};
use crate::{api, assets, cache, site, AppState};

/// The application: pages, downloads, API and assets.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/territoires", get(list::territories))
        .route("/territoires.csv", get(exports::territories_csv_export))
        .route("/territoires.xlsx", get(exports::territories_xlsx_export))
        .route("/territoires/{phase}/{id}", get(territory::territory))
        .route(
            "/territoires/{phase}/{id}/jalons",
            post(forms::record_milestone),
        )
        .route(
            "/territoires/{phase}/{id}/gouvernance",
            post(forms::record_appointment),
        )
        .route(
            "/territoires/{phase}/{id}/attributs",
            post(forms::record_attribute),
        )
        .route("/territoires/{phase}/{id}/retraits", post(forms::withdraw))
        .route("/regions", get(home::regions))
        .route("/regions/{code}", get(home::region))
        .route("/epci", get(places::epcis))
        .route("/epci/{siren}", get(places::epci))
        .route("/bilan", get(bilan::bilan_page))
        .route("/bilan/enregistrements", get(bilan::records_page))
        .route("/bilan.pdf", get(bilan::bilan_pdf))
        .route("/bilan.xlsx", get(bilan::bilan_xlsx))
        .route("/bilan.csv", get(bilan::bilan_csv))
        .route("/projets", get(portfolio::projects_page))
        .route("/projets/{code}", get(portfolio::project_page))
        .route(
            "/projets/{code}/statut",
            post(portfolio_forms::record_status),
        )
        .route(
            "/projets/{code}/financements/{id}",
            post(portfolio_forms::record_line_event),
        )
        .route("/connexion", get(auth::login_form).post(auth::login))
        .route("/deconnexion", post(auth::logout))
        .route("/accessibilite", get(site::accessibility))
        .route("/mentions-legales", get(site::legal))
        .route("/donnees-personnelles", get(site::personal_data))
        .route("/cookies", get(site::cookies))
        .route("/plan-du-site", get(site::site_map))
        .route("/api", get(site::api_page))
        .route("/api/explorateur", get(site::api_explorer))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/territoires", get(registry_api::territories))
        .route(
            "/api/v1/territoires/{phase}/{id}",
            get(registry_api::territory),
        )
        .route("/api/v1/regions", get(registry_api::regions))
        .route("/api/v1/epci", get(registry_api::epcis))
        .route("/api/v1/epci/{siren}", get(registry_api::epci))
        .route("/api/v1/communes", get(registry_api::communes))
        .route("/api/v1/communes/{code}", get(registry_api::commune))
        .route("/api/v1/membres/{siren}", get(registry_api::member))
        .route("/api/v1/bilan", get(bilan_api::bilan))
        .route("/api/v1/bilan/enregistrements", get(bilan_api::records))
        .route("/api/v1/projets", get(portfolio_api::projects))
        .route("/api/v1/projets/{code}", get(portfolio_api::project))
        .route("/static/{*path}", get(assets::serve_asset))
        .route("/sante", get(|| async { "ok" }))
        .fallback(|| async { crate::WebError::NotFound("Cette page n'existe pas.".into()) })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::answers,
        ))
        // PDFs, spreadsheets, images and fonts are compressed already.
        .layer(
            CompressionLayer::new().compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new("application/pdf"))
                    .and(NotForContentType::const_new(
                        "application/vnd.openxmlformats",
                    ))
                    .and(NotForContentType::const_new("font/")),
            ),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
