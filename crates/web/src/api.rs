//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`: what every
//! area's API shares, and the document itself.

use axum::Json;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::error::ApiError;
use crate::{bilan, land, portfolio, registry};

/// What an API handler returns.
pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// A page of results.
#[derive(Serialize, ToSchema)]
pub struct PageOf<T> {
    /// Matching items in all pages.
    pub total: i64,
    /// This page, from 1.
    pub page: usize,
    /// Page size.
    pub per_page: usize,
    /// The items.
    pub items: Vec<T>,
    /// Present when more items follow, on the lists read by cursor (projects, territories, EPCIs,
    /// communes): pass it as `apres` to
    /// read the next page, which stays right while records are added or removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Date of a read.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// Date, AAAA-MM-JJ (default today).
    #[param(format = Date)]
    pub date: Option<String>,
}

/// The error of every endpoint.
#[derive(Serialize, ToSchema)]
pub struct ErrorDto {
    /// HTTP status.
    pub status: u16,
    /// What went wrong, in French.
    pub error: String,
    /// The parameter at fault, when one is.
    pub field: Option<String>,
}

/// The API tokens' security scheme: `Authorization: Bearer …`, for the write API.
struct TokenScheme;

impl utoipa::Modify for TokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi.components.get_or_insert_with(Default::default).add_security_scheme(
            "jeton",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Jeton d'API émis par `territoires token issue` (montré une fois), avec le profil qui borne ce qu'il peut écrire",
                    ))
                    .build(),
            ),
        );
    }
}

/// The answers every operation may give besides its own, documented on each: a parameter refused (400),
/// a token the platform does not know (401: a token is read on every call, reads included), the
/// address's quota spent (429 with `Retry-After`), an unknown record (404, where the address names one),
/// a body over the limit (413, writes). Added here once rather than on every handler.
struct CommonAnswers;

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{header::Header, Content, Object, Ref, Response, Type};
        let error = |description: &str| {
            let mut response = Response::new(description);
            response.content.insert(
                "application/json".into(),
                Content::new(Some(Ref::from_schema_name("ErrorDto"))),
            );
            response
        };
        let mut quota = error("Quota de requêtes par minute de l'adresse dépassé");
        let mut retry_after = Header::new(Object::with_type(Type::Integer));
        retry_after.description = Some("Secondes à attendre avant la prochaine requête".into());
        quota.headers.insert("Retry-After".into(), retry_after);
        let common = [
            (
                "400",
                error("Paramètre ou corps refusé : le champ en cause et ce qui était attendu"),
            ),
            ("401", error("Jeton d'API inconnu, expiré ou révoqué")),
            ("429", quota),
        ];
        let unknown = error("Aucun enregistrement à cette adresse");
        let too_large = error("Contenu trop volumineux pour cette adresse");
        // An operation whose refusals carry more (every field's problem, every problem of a file) may
        // still be refused before it reads its body, by a parameter of its address: either shape.
        let refused_either = |response: &mut utoipa::openapi::RefOr<Response>| {
            use utoipa::openapi::schema::{AnyOf, Schema};
            use utoipa::openapi::RefOr;
            let RefOr::T(response) = response else { return };
            let Some(content) = response.content.get_mut("application/json") else {
                return;
            };
            if let Some(RefOr::Ref(own)) = &content.schema {
                if !own.ref_location.ends_with("/ErrorDto") {
                    let mut either = AnyOf::new();
                    either.items = vec![
                        RefOr::Ref(own.clone()),
                        Ref::from_schema_name("ErrorDto").into(),
                    ];
                    content.schema = Some(RefOr::T(Schema::AnyOf(either)));
                }
            }
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.patch, true),
                (&mut item.put, true),
            ];
            for (operation, writes) in operations {
                let Some(operation) = operation else { continue };
                let answers = &mut operation.responses.responses;
                if let Some(refused) = answers.get_mut("400") {
                    refused_either(refused);
                }
                let mut add = |code: &str, response: &Response| {
                    answers
                        .entry(code.into())
                        .or_insert_with(|| response.clone().into());
                };
                if path.contains('{') {
                    add("404", &unknown);
                }
                if writes {
                    add("413", &too_large);
                }
                for (code, response) in &common {
                    add(code, response);
                }
            }
        }
    }
}

/// The figure codes `/api/v1/bilan/enregistrements` accepts, listed in its `chiffre` parameter (required)
/// from the domain's list, so the document cannot drift from the figures the bilan computes.
struct FigureCodes;

impl utoipa::Modify for FigureCodes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use territoires_domain::bilan::figures::FigureCode;
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{Object, Required, Type};
        let Some(get) = openapi
            .paths
            .paths
            .get_mut("/api/v1/bilan/enregistrements")
            .and_then(|item| item.get.as_mut())
        else {
            return;
        };
        for parameter in get.parameters.iter_mut().flatten() {
            if parameter.name == "chiffre" && parameter.parameter_in == ParameterIn::Query {
                let mut codes = Object::with_type(Type::String);
                codes.enum_values = Some(
                    FigureCode::ALL
                        .iter()
                        .map(|c| serde_json::Value::from(c.code()))
                        .collect(),
                );
                parameter.schema = Some(codes.into());
                parameter.required = Required::True;
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    modifiers(&TokenScheme, &CommonAnswers, &FigureCodes),
    info(title = "API Territoires d'industrie", version = "1", license(name = "Licence Ouverte 2.0 (etalab-2.0) pour les données", url = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"), description = "Registre national des Territoires d'industrie : territoires des deux phases, périmètres, jalons, gouvernance, projets et financements, bilans à toute date avec les enregistrements derrière chaque chiffre, référentiel géographique. Montants en centimes d'euro entiers ; une valeur inconnue vaut null, jamais 0."),
    tags(
        (name = "Registre", description = "Territoires, périmètres, événements, gouvernance"),
        (name = "Bilans", description = "Chiffres à une date, et les enregistrements derrière chacun"),
        (name = "Projets", description = "Fiches actions et financements"),
        (name = "Référentiel", description = "Régions, EPCI, communes, membres des périmètres"),
        (name = "Foncier", description = "Observatoire du foncier économique : friches par statut à une date")
    ),
    paths(
        registry::api::territories, registry::api::territory, registry::api::regions, registry::api::epcis,
        registry::api::epci, registry::api::communes, registry::api::commune, registry::api::member,
        bilan::api::bilan, bilan::api::records, portfolio::api::projects, portfolio::api::project,
        portfolio::api_write::record_line_event, portfolio::api_write::create_project,
        portfolio::api_write::edit_project, portfolio::api_write::create_line, portfolio::api_write::edit_line,
        portfolio::referential::api_list, portfolio::referential::doc::create_funder,
        portfolio::referential::doc::edit_funder, portfolio::referential::doc::create_scheme,
        portfolio::referential::doc::edit_scheme, portfolio::referential::doc::create_envelope,
        portfolio::referential::doc::edit_envelope, portfolio::api_write::record_status,
        registry::api_write::record_milestone, registry::api_write::record_appointment,
        registry::api_write::record_attribute, registry::api_write::record_post,
        registry::api_write::withdraw, portfolio::imports_api::upload, portfolio::imports_api::apply,
        portfolio::imports_api::mapping, portfolio::imports_api::replace_mapping, land::api::observatory
    ),
    components(schemas(
        ErrorDto,
        PageOf<registry::api::TerritoryDto>, PageOf<registry::api::EpciDto>, PageOf<registry::api::CommuneDto>,
        PageOf<portfolio::api::ProjectDto>
    ))
)]
pub struct ApiDoc;

/// `/api/v1/openapi.json`
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
