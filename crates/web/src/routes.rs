//! Every route of the site and the API, in one table: method, path, handler, and the rule that decides who
//! may call it (`domain::access::routes`). A route cannot be added without its rule; `access::guard` asks
//! the rule before every handler, and the authorisation test walks this table.

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{on, MethodFilter};
use axum::Router;
use territoires_domain::access::routes::Rule;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::access::{admin, auth, guard, headers, proconnect_pages, reset};
use crate::bilan::{api as bilan_api, pages as bilan};
use crate::land::{api as land_api, observatory as land};
use crate::portfolio::referential::{Envelopes, Funders, Schemes};
use crate::portfolio::{
    api as portfolio_api, api_write as portfolio_api_write, editor, exports as portfolio_exports,
    forms as portfolio_forms, imports, imports_api, pages as portfolio, referential,
    report as import_report,
};
use crate::registry::{
    api as registry_api, api_write as registry_api_write, exports, forms, home, list, places,
    territory,
};
use crate::{api, assets, cache, history, opendata, site, AppState};

/// The largest upload of a spreadsheet to import (the reader refuses larger files with a sentence; this
/// bounds what the server receives at all). Other requests keep axum's 2 MB.
const UPLOAD_LIMIT: usize = territoires_ingest::table::limits::MAX_FILE_BYTES + 1024 * 1024;

/// A route: its method and path (as axum writes it, with `{parameters}`), and its rule.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path pattern.
    pub path: &'static str,
    /// Who may call it.
    pub rule: Rule,
}

macro_rules! routes {
    ($($method:ident $path:literal => $handler:expr, $rule:ident;)*) => {
        /// Every route of the application.
        pub const ROUTES: &[Route] = &[$(Route { method: stringify!($method), path: $path, rule: Rule::$rule }),*];

        fn handlers(router: Router<AppState>) -> Router<AppState> {
            router $(.route($path, on(MethodFilter::$method, $handler)))*
        }
    };
}

routes! {
    GET "/" => home::home, Public;
    GET "/territoires" => list::territories, Public;
    GET "/territoires.csv" => exports::territories_csv_export, Public;
    GET "/territoires.xlsx" => exports::territories_xlsx_export, Public;
    GET "/territoires/{phase}/{id}" => territory::territory, Public;
    POST "/territoires/{phase}/{id}/jalons" => forms::record_milestone, EditTerritory;
    POST "/territoires/{phase}/{id}/gouvernance" => forms::record_appointment, EditTerritory;
    POST "/territoires/{phase}/{id}/attributs" => forms::record_attribute, EditTerritory;
    POST "/territoires/{phase}/{id}/postes" => forms::record_post, EditTerritory;
    POST "/territoires/{phase}/{id}/retraits" => forms::withdraw, EditTerritory;
    GET "/regions" => home::regions, Public;
    GET "/regions/{code}" => home::region, Public;
    GET "/epci" => places::epcis, Public;
    GET "/epci.csv" => places::epcis_csv, Public;
    GET "/epci.xlsx" => places::epcis_xlsx, Public;
    GET "/epci/{siren}" => places::epci, Public;
    GET "/foncier" => land::observatory_page, Public;
    GET "/foncier/friches" => land::brownfields_page, Public;
    GET "/foncier/friches.csv" => land::brownfields_csv, Public;
    GET "/foncier/friches/{site_id}" => land::brownfield_page, Public;
    GET "/api/v1/foncier" => land_api::observatory, Public;
    GET "/bilan" => bilan::bilan_page, Public;
    GET "/bilan/enregistrements" => bilan::records_page, Public;
    GET "/bilan/enregistrements.csv" => bilan::records_csv, Public;
    GET "/bilan.pdf" => bilan::bilan_pdf, Public;
    GET "/bilan.xlsx" => bilan::bilan_xlsx, Public;
    GET "/bilan.csv" => bilan::bilan_csv, Public;
    GET "/projets" => portfolio::projects_page, Public;
    GET "/projets.csv" => portfolio_exports::projects_csv, Public;
    GET "/projets.xlsx" => portfolio_exports::projects_xlsx, Public;
    GET "/projets/nouveau" => editor::new_project, EditProject;
    POST "/projets" => editor::create_project, EditProject;
    GET "/projets/{code}" => portfolio::project_page, Public;
    GET "/projets/{code}/modifier" => editor::edit_project_form, EditProject;
    POST "/projets/{code}/modifier" => editor::edit_project, EditProject;
    GET "/projets/{code}/financements/nouveau" => editor::new_line, RecordFunding;
    POST "/projets/{code}/financements" => editor::create_line, RecordFunding;
    GET "/projets/{code}/financements/{id}/modifier" => editor::edit_line_form, RecordFunding;
    POST "/projets/{code}/financements/{id}/modifier" => editor::edit_line, RecordFunding;
    POST "/projets/{code}/statut" => portfolio_forms::record_status, EditProject;
    POST "/projets/{code}/financements/{id}" => portfolio_forms::record_line_event, RecordFunding;
    GET "/imports" => imports::imports_page, EditProject;
    POST "/imports" => imports::upload.layer(DefaultBodyLimit::max(UPLOAD_LIMIT)), EditProject;
    GET "/imports/modele.xlsx" => portfolio_exports::template, EditProject;
    GET "/imports/{id}" => imports::preview, EditProject;
    GET "/imports/{id}/rapport.csv" => import_report::report_csv, EditProject;
    POST "/imports/{id}" => imports::apply, EditProject;
    POST "/imports/{id}/colonnes" => imports::choose_columns, EditProject;
    GET "/financeurs" => referential::page, Public;
    GET "/financeurs/nouveau" => referential::new_form::<Funders>, NationalTeam;
    POST "/financeurs" => referential::create::<Funders>, NationalTeam;
    GET "/financeurs/{code}/modifier" => referential::edit_form::<Funders>, NationalTeam;
    POST "/financeurs/{code}/modifier" => referential::edit::<Funders>, NationalTeam;
    GET "/dispositifs/nouveau" => referential::new_form::<Schemes>, NationalTeam;
    POST "/dispositifs" => referential::create::<Schemes>, NationalTeam;
    GET "/dispositifs/{code}/modifier" => referential::edit_form::<Schemes>, NationalTeam;
    POST "/dispositifs/{code}/modifier" => referential::edit::<Schemes>, NationalTeam;
    GET "/enveloppes/nouveau" => referential::new_form::<Envelopes>, ManageEnvelopes;
    POST "/enveloppes" => referential::create::<Envelopes>, ManageEnvelopes;
    GET "/enveloppes/{code}/modifier" => referential::edit_form::<Envelopes>, ManageEnvelopes;
    POST "/enveloppes/{code}/modifier" => referential::edit::<Envelopes>, ManageEnvelopes;
    GET "/journal.csv" => history::audit_csv, NationalTeam;
    GET "/journal.xlsx" => history::audit_xlsx, NationalTeam;
    GET "/connexion" => auth::login_form, Public;
    POST "/connexion" => auth::login, Public;
    POST "/deconnexion" => auth::logout, Public;
    GET "/connexion/proconnect" => proconnect_pages::start, Public;
    GET "/connexion/proconnect/retour" => proconnect_pages::callback, Public;
    GET "/mot-de-passe/{jeton}" => reset::password_form, Public;
    POST "/mot-de-passe/{jeton}" => reset::set_password, Public;
    GET "/admin" => admin::admin_page, Administer;
    POST "/admin/demandes/{id}" => admin::decide_request, Administer;
    POST "/admin/comptes" => admin::create_account, Administer;
    POST "/admin/comptes/profil" => admin::change_profile, Administer;
    POST "/admin/comptes/desactiver" => admin::disable_account, Administer;
    POST "/admin/comptes/lien" => admin::issue_reset_link, Administer;
    POST "/admin/jetons" => admin::issue_token, Administer;
    POST "/admin/jetons/revoquer" => admin::revoke_token, Administer;
    GET "/accessibilite" => site::accessibility, Public;
    GET "/mentions-legales" => site::legal, Public;
    GET "/donnees-personnelles" => site::personal_data, Public;
    GET "/cookies" => site::cookies, Public;
    GET "/plan-du-site" => site::site_map, Public;
    GET "/donnees" => opendata::data_page, Public;
    GET "/donnees/{fichier}" => opendata::download, Public;
    GET "/api" => site::api_page, Public;
    GET "/api/explorateur" => site::api_explorer, Public;
    GET "/api/v1/openapi.json" => api::openapi, Public;
    GET "/api/v1/territoires" => registry_api::territories, Public;
    GET "/api/v1/territoires/{phase}/{id}" => registry_api::territory, Public;
    POST "/api/v1/territoires/{phase}/{id}/jalons" => registry_api_write::record_milestone, EditTerritory;
    POST "/api/v1/territoires/{phase}/{id}/gouvernance" => registry_api_write::record_appointment, EditTerritory;
    POST "/api/v1/territoires/{phase}/{id}/attributs" => registry_api_write::record_attribute, EditTerritory;
    POST "/api/v1/territoires/{phase}/{id}/postes" => registry_api_write::record_post, EditTerritory;
    POST "/api/v1/territoires/{phase}/{id}/retraits" => registry_api_write::withdraw, EditTerritory;
    GET "/api/v1/regions" => registry_api::regions, Public;
    GET "/api/v1/epci" => registry_api::epcis, Public;
    GET "/api/v1/epci/{siren}" => registry_api::epci, Public;
    GET "/api/v1/communes" => registry_api::communes, Public;
    GET "/api/v1/communes/{code}" => registry_api::commune, Public;
    GET "/api/v1/membres/{siren}" => registry_api::member, Public;
    GET "/api/v1/bilan" => bilan_api::bilan, Public;
    GET "/api/v1/bilan/enregistrements" => bilan_api::records, Public;
    GET "/api/v1/projets" => portfolio_api::projects, Public;
    GET "/api/v1/projets/{code}" => portfolio_api::project, Public;
    POST "/api/v1/projets" => portfolio_api_write::create_project, EditProject;
    PATCH "/api/v1/projets/{code}" => portfolio_api_write::edit_project, EditProject;
    POST "/api/v1/projets/{code}/statut" => portfolio_api_write::record_status, EditProject;
    POST "/api/v1/projets/{code}/financements" => portfolio_api_write::create_line, RecordFunding;
    POST "/api/v1/financements/{id}" => portfolio_api_write::record_line_event, RecordFunding;
    PATCH "/api/v1/financements/{id}" => portfolio_api_write::edit_line, RecordFunding;
    POST "/api/v1/imports" => imports_api::upload.layer(DefaultBodyLimit::max(UPLOAD_LIMIT)), EditProject;
    POST "/api/v1/imports/{id}" => imports_api::apply, EditProject;
    GET "/api/v1/imports/colonnes" => imports_api::mapping, EditProject;
    PUT "/api/v1/imports/colonnes" => imports_api::replace_mapping, EditProject;
    GET "/api/v1/financeurs" => referential::api_list, Public;
    POST "/api/v1/financeurs" => referential::api_create::<Funders>, NationalTeam;
    PATCH "/api/v1/financeurs/{code}" => referential::api_edit::<Funders>, NationalTeam;
    POST "/api/v1/dispositifs" => referential::api_create::<Schemes>, NationalTeam;
    PATCH "/api/v1/dispositifs/{code}" => referential::api_edit::<Schemes>, NationalTeam;
    POST "/api/v1/enveloppes" => referential::api_create::<Envelopes>, ManageEnvelopes;
    PATCH "/api/v1/enveloppes/{code}" => referential::api_edit::<Envelopes>, ManageEnvelopes;
    GET "/static/{*path}" => assets::serve_asset, Public;
    GET "/sante" => || async { "ok" }, Public;
}

/// The rule of the route `path` (a pattern of [`ROUTES`]) for `method`, if there is one. `HEAD` is a
/// `GET` without its body, and follows its rule.
pub fn rule_of(method: &str, path: &str) -> Option<Rule> {
    let method = if method == "HEAD" { "GET" } else { method };
    ROUTES
        .iter()
        .find(|r| r.path == path && r.method == method)
        .map(|r| r.rule)
}

/// The methods [`ROUTES`] accepts at the route `path` (`HEAD` with `GET`), for an `Allow` header.
pub fn methods_of(path: &str) -> Vec<&'static str> {
    let mut methods: Vec<&'static str> = ROUTES
        .iter()
        .filter(|r| r.path == path)
        .map(|r| r.method)
        .collect();
    if methods.contains(&"GET") {
        methods.push("HEAD");
    }
    methods
}

/// The application: pages, downloads, API and assets.
pub fn router(state: AppState) -> Router {
    handlers(Router::new())
        .fallback(|uri: axum::http::Uri| async move {
            // A client of the API reads JSON, even at an address that does not exist.
            crate::WebError::NotFound("Cette page n'existe pas.".into()).answer_at(uri.path())
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::answers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
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
