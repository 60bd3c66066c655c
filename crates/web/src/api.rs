//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use territoires_domain::fr::iso_date;
use territoires_domain::governance::governance_as_of;
use territoires_domain::milestone::Progress;
use territoires_domain::phase::Phase;
use territoires_store::bilan::BilanReport;
use territoires_store::portfolio::{ProjectDetail, ProjectSummary};
use territoires_store::referential::{CommuneRow, GroupingRow, PlaceFilter};
use territoires_store::territories::{RelatedTerritory, TerritoryListItem};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::ApiError;
use crate::params::{as_of, code, given, paging, BilanParams, ProjectParams, TerritoryParams};
use crate::views::territory_href;
use crate::{AppState, WebError};

type ApiResult<T> = Result<Json<T>, ApiError>;

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
}

/// Progress of a territory at a date.
#[derive(Serialize, ToSchema)]
pub struct ProgressDto {
    /// Stage code (`identifie`, `gouvernance_installee`, `plan_actions_valide`, `protocole_ou_contrat_signe`…).
    pub stage: String,
    /// Stage label.
    pub stage_label: String,
    /// Dormant at the date.
    pub dormant: bool,
    /// Closed at the date.
    pub closed: bool,
}

impl From<Progress> for ProgressDto {
    fn from(p: Progress) -> Self {
        ProgressDto {
            stage: p.stage.code().into(),
            stage_label: p.stage.label().into(),
            dormant: p.dormant,
            closed: p.closed,
        }
    }
}

/// A labelled territory.
#[derive(Serialize, ToSchema)]
pub struct TerritoryDto {
    /// `2018-2022` or `2023-2027`.
    pub phase: String,
    /// ANCT id, unique within a phase.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region of attachment (from the id).
    pub region_code: String,
    /// Every region its communes lie in.
    pub regions: Vec<String>,
    /// Communes covered.
    pub commune_count: i64,
    /// Municipal population covered.
    pub population: i64,
    /// Progress at the date asked.
    pub progress: ProgressDto,
    /// Page of the territory.
    pub url: String,
}

impl From<TerritoryListItem> for TerritoryDto {
    fn from(i: TerritoryListItem) -> Self {
        let t = i.territory;
        TerritoryDto {
            url: territory_href(&t.phase, &t.id),
            phase: t.phase,
            id: t.id,
            name: t.name,
            region_code: t.region_code,
            regions: i.regions,
            commune_count: t.commune_count,
            population: t.population,
            progress: i.progress.into(),
        }
    }
}

/// Query of the territory list.
#[derive(Deserialize, IntoParams)]
#[allow(dead_code)] // Documents the parameters; parsing goes through `TerritoryParams`.
struct TerritoryListParams {
    /// `2018-2022` or `2023-2027`.
    phase: Option<String>,
    /// Region code: territories with communes in it.
    region: Option<String>,
    /// Département code.
    departement: Option<String>,
    /// Stage code at `date`.
    statut: Option<String>,
    /// Text in the name (case and accents ignored).
    q: Option<String>,
    /// `nom`, `id`, `population`, `communes`, `statut`.
    tri: Option<String>,
    /// `asc` or `desc`.
    ordre: Option<String>,
    /// Page from 1.
    page: Option<usize>,
    /// Page size, at most 500 (default 50).
    par_page: Option<usize>,
    /// Date of progress, AAAA-MM-JJ (default today).
    date: Option<String>,
}

/// Territories matching the filters.
#[utoipa::path(get, path = "/api/v1/territoires", params(TerritoryListParams),
    responses((status = 200, body = PageOf<TerritoryDto>), (status = 400, description = "paramètre invalide")))]
pub async fn territories(
    State(state): State<AppState>,
    Query(p): Query<TerritoryParams>,
) -> ApiResult<PageOf<TerritoryDto>> {
    let (query, page, per_page) = p.query(50, 500)?;
    let result = state.store.territories(&query).await?;
    Ok(Json(PageOf {
        total: result.total,
        page,
        per_page,
        items: result.items.into_iter().map(Into::into).collect(),
    }))
}

/// A member of a perimeter.
#[derive(Serialize, ToSchema)]
pub struct MemberDto {
    /// SIREN.
    pub siren: String,
    /// Name in the referential (or as the source gives it).
    pub name: String,
    /// CC, CA, CU, MET, EPT or COM.
    pub nature: Option<String>,
    /// Population.
    pub population: Option<i64>,
    /// Joined on.
    pub valid_from: String,
    /// Left on, if it has.
    pub valid_to: Option<String>,
}

/// A dated milestone.
#[derive(Serialize, ToSchema)]
pub struct MilestoneDto {
    /// Kind code.
    pub kind: String,
    /// Label.
    pub label: String,
    /// Date.
    pub date: String,
    /// `exacte` or `au_plus_tard`.
    pub precision: String,
    /// Note.
    pub note: String,
    /// Source.
    pub source: String,
}

/// A governance seat at the date asked.
#[derive(Serialize, ToSchema)]
pub struct SeatDto {
    /// `binome_elu`, `binome_industriel` or `chef_de_projet`.
    pub role: String,
    /// Holder; null when vacant.
    pub person: Option<String>,
    /// Organisation.
    pub organisation: String,
    /// Since.
    pub since: String,
}

/// A territory of the other phase sharing communes.
#[derive(Serialize, ToSchema)]
pub struct RelatedDto {
    /// Phase.
    pub phase: String,
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Communes in common.
    pub shared_communes: i64,
}

impl From<RelatedTerritory> for RelatedDto {
    fn from(r: RelatedTerritory) -> Self {
        RelatedDto {
            phase: r.phase,
            id: r.id,
            name: r.name,
            shared_communes: r.shared_communes,
        }
    }
}

/// A territory with its perimeter, histories and lineage.
#[derive(Serialize, ToSchema)]
pub struct TerritoryDetailDto {
    /// Phase.
    pub phase: String,
    /// ANCT id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region of attachment.
    pub region_code: String,
    /// Regions its communes lie in.
    pub regions: Vec<String>,
    /// Départements its communes lie in.
    pub departements: Vec<String>,
    /// Communes covered.
    pub commune_count: i64,
    /// Population covered.
    pub population: i64,
    /// The date of `progress` and `governance`.
    pub as_of: String,
    /// Progress at that date.
    pub progress: ProgressDto,
    /// Perimeter members (all versions).
    pub members: Vec<MemberDto>,
    /// Governance at that date.
    pub governance: Vec<SeatDto>,
    /// Every milestone.
    pub milestones: Vec<MilestoneDto>,
    /// Territories of the other phase sharing communes.
    pub related: Vec<RelatedDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct DateQuery {
    /// Date, AAAA-MM-JJ (default today).
    date: Option<String>,
}

/// One territory.
#[utoipa::path(get, path = "/api/v1/territoires/{phase}/{id}", params(("phase" = String, Path), ("id" = String, Path), DateQuery),
    responses((status = 200, body = TerritoryDetailDto), (status = 404, description = "territoire inconnu")))]
pub async fn territory(
    State(state): State<AppState>,
    Path((phase, id)): Path<(String, String)>,
    Query(p): Query<DateQuery>,
) -> ApiResult<TerritoryDetailDto> {
    let phase: Phase = phase.parse().map_err(|e| WebError::BadRequest {
        field: "phase".into(),
        message: format!("{e}"),
    })?;
    let date = as_of(&p.date)?;
    let d = state
        .store
        .territory(phase, &id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("territoire {id} inconnu en {phase}")))?;
    let mut regions: Vec<String> = d.areas.iter().map(|a| a.region_code.clone()).collect();
    regions.dedup();
    Ok(Json(TerritoryDetailDto {
        phase: d.territory.phase,
        id: d.territory.id,
        name: d.territory.name,
        region_code: d.territory.region_code,
        regions,
        departements: d.areas.iter().map(|a| a.departement_code.clone()).collect(),
        commune_count: d.territory.commune_count,
        population: d.territory.population,
        as_of: iso_date(date),
        progress: Progress::as_of(&d.milestones, date).into(),
        members: d
            .members
            .into_iter()
            .map(|m| MemberDto {
                name: m.name.unwrap_or(m.label),
                siren: m.siren,
                nature: m.nature,
                population: m.population,
                valid_from: m.valid_from,
                valid_to: m.valid_to,
            })
            .collect(),
        governance: governance_as_of(&d.appointments, date)
            .into_iter()
            .map(|s| SeatDto {
                role: s.appointment.role.code().into(),
                person: s.appointment.person,
                organisation: s.appointment.organisation,
                since: iso_date(s.appointment.started_on),
            })
            .collect(),
        milestones: d
            .milestones
            .iter()
            .map(|m| MilestoneDto {
                kind: m.kind.code().into(),
                label: m.kind.label().into(),
                date: iso_date(m.occurred_on),
                precision: m.precision.code().into(),
                note: m.note.clone(),
                source: m.source.clone(),
            })
            .collect(),
        related: d.related.into_iter().map(Into::into).collect(),
    }))
}

/// A region and its territories per phase.
#[derive(Serialize, ToSchema)]
pub struct RegionDto {
    /// INSEE code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Territories attached in phase 1.
    pub territories_2018_2022: i64,
    /// Territories attached in phase 2.
    pub territories_2023_2027: i64,
}

/// Every region, with its territories per phase.
#[utoipa::path(get, path = "/api/v1/regions", responses((status = 200, body = Vec<RegionDto>)))]
pub async fn regions(State(state): State<AppState>) -> ApiResult<Vec<RegionDto>> {
    let today = time::OffsetDateTime::now_utc().date();
    let first = state.store.phase_figures(Phase::First, today).await?;
    let second = state.store.phase_figures(Phase::Second, today).await?;
    Ok(Json(
        first
            .regions
            .into_iter()
            .zip(second.regions)
            .map(|(a, b)| RegionDto {
                code: a.code,
                name: a.name,
                territories_2018_2022: a.attached,
                territories_2023_2027: b.attached,
            })
            .collect(),
    ))
}

/// An EPCI or EPT.
#[derive(Serialize, ToSchema)]
pub struct EpciDto {
    /// SIREN.
    pub siren: String,
    /// Name.
    pub name: String,
    /// CC, CA, CU, MET or EPT.
    pub nature: String,
    /// Population.
    pub population: i64,
    /// Member communes.
    pub commune_count: i64,
}

impl From<GroupingRow> for EpciDto {
    fn from(g: GroupingRow) -> Self {
        EpciDto {
            siren: g.siren,
            name: g.name,
            nature: g.nature,
            population: g.population,
            commune_count: g.commune_count,
        }
    }
}

/// Query of the EPCI and commune lists.
#[derive(Deserialize, IntoParams)]
pub struct PlaceParams {
    /// Text in the name.
    q: Option<String>,
    /// Region code.
    region: Option<String>,
    /// Département code.
    departement: Option<String>,
    /// EPCI SIREN (communes only).
    epci: Option<String>,
    /// Page from 1.
    page: Option<String>,
    /// Page size, at most 500 (default 50).
    par_page: Option<String>,
}

impl PlaceParams {
    fn filter(&self) -> Result<(PlaceFilter, usize, usize), WebError> {
        let (page, per_page) = paging(&self.page, &self.par_page, 50, 500)?;
        Ok((
            PlaceFilter {
                q: given(&self.q).map(str::to_owned),
                region: code("region", &self.region)?,
                departement: code("departement", &self.departement)?,
                epci: given(&self.epci).map(str::to_owned),
                offset: ((page - 1) * per_page) as i64,
                limit: per_page as i64,
            },
            page,
            per_page,
        ))
    }
}

/// EPCIs and EPTs.
#[utoipa::path(get, path = "/api/v1/epci", params(PlaceParams), responses((status = 200, body = PageOf<EpciDto>)))]
pub async fn epcis(
    State(state): State<AppState>,
    Query(p): Query<PlaceParams>,
) -> ApiResult<PageOf<EpciDto>> {
    let (filter, page, per_page) = p.filter()?;
    let result = state.store.groupings(&filter).await?;
    Ok(Json(PageOf {
        total: result.total,
        page,
        per_page,
        items: result.items.into_iter().map(Into::into).collect(),
    }))
}

/// An EPCI with the territories covering it.
#[derive(Serialize, ToSchema)]
pub struct EpciDetailDto {
    /// The EPCI.
    #[serde(flatten)]
    pub epci: EpciDto,
    /// Territories (both phases) covering its communes.
    pub territories: Vec<RelatedDto>,
}

/// One EPCI or EPT.
#[utoipa::path(get, path = "/api/v1/epci/{siren}", params(("siren" = String, Path)),
    responses((status = 200, body = EpciDetailDto), (status = 404, description = "EPCI inconnu")))]
pub async fn epci(
    State(state): State<AppState>,
    Path(siren): Path<String>,
) -> ApiResult<EpciDetailDto> {
    let g = state
        .store
        .grouping(&siren)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("EPCI {siren} inconnu")))?;
    let territories = state
        .store
        .territories_of_grouping(&siren)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(EpciDetailDto {
        epci: g.into(),
        territories,
    }))
}

/// A commune.
#[derive(Serialize, ToSchema)]
pub struct CommuneDto {
    /// INSEE code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Département.
    pub departement: String,
    /// Region.
    pub region: String,
    /// SIREN.
    pub siren: Option<String>,
    /// Population.
    pub population: Option<i64>,
    /// EPCI SIREN.
    pub epci: Option<String>,
}

impl From<CommuneRow> for CommuneDto {
    fn from(c: CommuneRow) -> Self {
        CommuneDto {
            code: c.code,
            name: c.name,
            departement: c.departement_code,
            region: c.region_code,
            siren: c.siren,
            population: c.population,
            epci: c.epci_siren,
        }
    }
}

/// Communes.
#[utoipa::path(get, path = "/api/v1/communes", params(PlaceParams), responses((status = 200, body = PageOf<CommuneDto>)))]
pub async fn communes(
    State(state): State<AppState>,
    Query(p): Query<PlaceParams>,
) -> ApiResult<PageOf<CommuneDto>> {
    let (filter, page, per_page) = p.filter()?;
    let result = state.store.communes(&filter).await?;
    Ok(Json(PageOf {
        total: result.total,
        page,
        per_page,
        items: result.items.into_iter().map(Into::into).collect(),
    }))
}

/// The OpenAPI description of the API.
/// Query of a bilan.
#[derive(Deserialize, IntoParams)]
#[allow(dead_code)] // Documents the parameters; parsing goes through `BilanParams`.
struct BilanQueryParams {
    /// `2018-2022` or `2023-2027` (default `2023-2027`).
    phase: Option<String>,
    /// `france` (default), `region:44` or `territoire:ti-4401`.
    perimetre: Option<String>,
    /// Date of the figures, AAAA-MM-JJ (default today).
    date: Option<String>,
}

/// The bilan of a scope at a date: territories' progress, projects, money requested / committed / paid by
/// funder, kind of funder, axis, region and territory, envelope consumption, outcomes, and the evolution
/// of the key figures at each quarter end. Amounts are integer cents.
#[utoipa::path(get, path = "/api/v1/bilan", params(BilanQueryParams),
    responses((status = 200, description = "le bilan et son évolution", body = Object), (status = 400, description = "paramètre invalide")))]
pub async fn bilan(
    State(state): State<AppState>,
    Query(p): Query<BilanParams>,
) -> Result<Json<BilanReport>, ApiError> {
    let q = p.parse()?;
    Ok(Json(state.store.bilan(q.phase, &q.scope, q.as_of).await?))
}

/// Query of the project list.
#[derive(Deserialize, IntoParams)]
#[allow(dead_code)] // Documents the parameters; parsing goes through `ProjectParams`.
struct ProjectListParams {
    /// `2018-2022` or `2023-2027` (default `2023-2027`).
    phase: Option<String>,
    /// `france` (default), `region:44` or `territoire:ti-4401`.
    perimetre: Option<String>,
    /// Date of statuses and amounts, AAAA-MM-JJ (default today).
    date: Option<String>,
    /// Status at the date: `idee`, `en_preparation`, `engage`, `en_cours`, `realise`, `abandonne`.
    statut: Option<String>,
    /// Axis code.
    axe: Option<String>,
    /// Text in title, code, holder or themes.
    q: Option<String>,
    /// Page from 1.
    page: Option<usize>,
    /// Page size, at most 500 (default 50).
    par_page: Option<usize>,
}

/// Projects (fiches actions) recorded at the date in a scope, with their status and amounts then.
#[utoipa::path(get, path = "/api/v1/projets", params(ProjectListParams),
    responses((status = 200, description = "une page de projets", body = Object), (status = 400, description = "paramètre invalide")))]
pub async fn projects(
    State(state): State<AppState>,
    Query(p): Query<ProjectParams>,
) -> Result<Json<PageOf<ProjectSummary>>, ApiError> {
    let (query, page, per_page) = p.query(50, 500)?;
    let found = state.store.projects(&query).await?;
    Ok(Json(PageOf {
        total: found.total,
        page,
        per_page,
        items: found.items,
    }))
}

/// One project with its funding lines, read as of a date.
#[utoipa::path(get, path = "/api/v1/projets/{code}", params(("code" = String, Path), DateQuery),
    responses((status = 200, description = "le projet", body = Object), (status = 404, description = "projet inconnu")))]
pub async fn project(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<DateQuery>,
) -> Result<Json<ProjectDetail>, ApiError> {
    let date = as_of(&p.date)?;
    let detail = state.store.project(&code, date).await?;
    Ok(Json(detail.ok_or_else(|| {
        WebError::NotFound(format!("projet {code} inconnu"))
    })?))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "API Territoires d'industrie", version = "1", description = "Registre national des Territoires d'industrie : territoires des deux phases, périmètres, jalons, gouvernance, projets et financements, bilans à toute date, référentiel géographique."),
    paths(territories, territory, regions, epcis, epci, communes, bilan, projects, project),
    components(schemas(PageOf<TerritoryDto>, PageOf<EpciDto>, PageOf<CommuneDto>))
)]
pub struct ApiDoc;

/// `/api/v1/openapi.json`
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
