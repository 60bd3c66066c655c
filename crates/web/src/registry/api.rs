//! The registry's JSON API: territories, regions, EPCIs, communes and the perimeters a SIREN belongs to.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use territoires_domain::fr::iso_date;
use territoires_domain::phase::Phase;
use territoires_domain::registry::governance::governance_as_of;
use territoires_domain::registry::progress::Progress;
use territoires_store::registry::referential::{CommuneRow, GroupingRow, PlaceFilter, PlaceKey};
use territoires_store::registry::territories::{Membership, RelatedTerritory, TerritoryListItem};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiResult, DateQuery, PageOf};
use crate::params::{
    as_of, code, decode_cursor, encode_cursor, given, page_or_cursor, paging, Params, PathParams,
    TerritoryParams,
};
use crate::views::{check_page, territory_href};
use crate::{AppState, WebError};

/// Progress of a territory at a date.
#[derive(Serialize, ToSchema)]
pub struct ProgressDto {
    /// Whether it counts in its phase at the date (labelled, and not withdrawn, merged or split).
    pub labelled: bool,
    /// Labelled on an uncertain date: counted from its earliest possible labelling.
    pub uncertain_labelling: bool,
    /// Stage code (`identifie` when not labelled, `labellise`, `gouvernance_installee`, `plan_actions_valide`,
    /// `protocole_ou_contrat_signe`…).
    pub stage: String,
    /// The state in words, as pages show it.
    pub label: String,
    /// At least one milestone of progress is recorded at the date (otherwise progress is unknown).
    pub recorded: bool,
    /// Dormant at the date.
    pub dormant: bool,
    /// Closed at the date.
    pub closed: bool,
}

impl From<Progress> for ProgressDto {
    fn from(p: Progress) -> Self {
        ProgressDto {
            labelled: p.labelling.counts(),
            uncertain_labelling: p.labelling.is_uncertain(),
            stage: p.stage.code().into(),
            label: p.label(),
            recorded: p.recorded,
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
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; parsing goes through `TerritoryParams`.
struct TerritoryListParams {
    /// `2018-2022` or `2023-2027`.
    #[param(pattern = "^(2018-2022|2023-2027)$")]
    phase: Option<String>,
    /// Region code: territories with communes in it.
    #[param(pattern = "^[0-9]{2}$")]
    region: Option<String>,
    /// Département code.
    #[param(pattern = "^([0-9]{2,3}|2A|2B)$")]
    departement: Option<String>,
    /// Stage code at `date`.
    statut: Option<String>,
    /// Text in the name (case and accents ignored).
    q: Option<String>,
    /// `nom`, `id`, `population`, `communes`, `statut`.
    #[param(pattern = "^(nom|id|population|communes|statut)$")]
    tri: Option<String>,
    /// `asc` or `desc`.
    #[param(pattern = "^(asc|desc)$")]
    ordre: Option<String>,
    /// The `next_cursor` of the page read before, in the same order: the page after it, stable while
    /// territories are added or removed (instead of `page`).
    apres: Option<String>,
    /// Page from 1.
    #[param(minimum = 1)]
    page: Option<usize>,
    /// Page size, at most 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    par_page: Option<usize>,
    /// Date of progress, AAAA-MM-JJ (default today).
    #[param(format = Date)]
    date: Option<String>,
}

/// Territories matching the filters.
#[utoipa::path(get, path = "/api/v1/territoires", tag = "Registre", summary = "Les territoires, filtrés et triés, avec leur avancement à une date.", params(TerritoryListParams),
    responses((status = 200, body = PageOf<TerritoryDto>), (status = 400, description = "paramètre invalide")))]
pub async fn territories(
    State(state): State<AppState>,
    Params(p): Params<TerritoryParams>,
) -> ApiResult<PageOf<TerritoryDto>> {
    let (query, page, per_page) = p.query(50, 500)?;
    let result = state.store.territories(&query).await?;
    if query.after.is_none() {
        check_page(page, per_page, result.total)?;
    }
    Ok(Json(PageOf {
        next_cursor: result.next.as_ref().map(encode_cursor),
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

/// A dated event of a territory (labelling, milestone of progress, end).
#[derive(Serialize, ToSchema)]
pub struct MilestoneDto {
    /// Record id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// Label.
    pub label: String,
    /// Date, or latest possible date.
    pub date: String,
    /// First possible date, for precision `entre`.
    pub earliest: Option<String>,
    /// `exacte`, `au_plus_tard`, `entre` or `prevu` (planned: never counts as done).
    pub precision: String,
    /// Territories a merger or split led to.
    pub successors: Vec<String>,
    /// Note.
    pub note: String,
    /// Source.
    pub source: String,
    /// When the record was withdrawn (it stops counting that day), if it was.
    pub withdrawn_on: Option<String>,
    /// Why it was withdrawn.
    pub withdrawal_reason: Option<String>,
}

/// A governance appointment as recorded.
#[derive(Serialize, ToSchema)]
pub struct AppointmentDto {
    /// Record id (to withdraw it: `POST …/retraits` with `type` `designation`).
    pub id: i64,
    /// `binome_elu`, `binome_industriel` or `chef_de_projet`.
    pub role: String,
    /// Holder; null when the seat is vacant from that date.
    pub person: Option<String>,
    /// Organisation.
    pub organisation: String,
    /// From.
    pub since: String,
    /// When it was withdrawn, if it was.
    pub withdrawn_on: Option<String>,
    /// Why.
    pub withdrawal_reason: Option<String>,
}

/// An attribute change as recorded.
#[derive(Serialize, ToSchema)]
pub struct AttributeDto {
    /// Record id (to withdraw it: `type` `attribut`).
    pub id: i64,
    /// `fragile` or `etiquette:NOM`.
    pub attribute: String,
    /// Set (true) or removed (false) from `on`.
    pub present: bool,
    /// From.
    pub on: String,
    /// When it was withdrawn, if it was.
    pub withdrawn_on: Option<String>,
}

/// A chef de projet post.
#[derive(Serialize, ToSchema)]
pub struct PostDto {
    /// Employer.
    pub employer: String,
    /// Opened on.
    pub opened_on: String,
    /// Closed on.
    pub closed_on: Option<String>,
    /// Co-financings.
    pub cofundings: Vec<CofundingDto>,
}

/// A co-financing of a post.
#[derive(Serialize, ToSchema)]
pub struct CofundingDto {
    /// Funder code.
    pub funder: String,
    /// Amount over the period, cents.
    pub amount_cents: i64,
    /// First day.
    pub starts_on: String,
    /// Last day.
    pub ends_on: String,
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
    /// Every governance appointment recorded, withdrawn ones included, with its record id.
    pub appointments: Vec<AppointmentDto>,
    /// Every attribute change recorded (fragile, tags), with its record id.
    pub attributes: Vec<AttributeDto>,
    /// The chef de projet posts and their co-financings.
    pub posts: Vec<PostDto>,
    /// Territories of the other phase sharing communes.
    pub related: Vec<RelatedDto>,
}

/// One territory.
#[utoipa::path(get, path = "/api/v1/territoires/{phase}/{id}", tag = "Registre", summary = "Un territoire : périmètre, événements (labellisation, jalons, retraits), gouvernance et avancement à une date, territoires de l'autre phase.", params(("phase" = String, Path, pattern = "^(2018-2022|2023-2027)$"), ("id" = String, Path, pattern = "^ti-[0-9]{4}$"), DateQuery),
    responses((status = 200, body = TerritoryDetailDto), (status = 404, description = "territoire inconnu")))]
pub async fn territory(
    State(state): State<AppState>,
    PathParams((phase, id)): PathParams<(String, String)>,
    Params(p): Params<DateQuery>,
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
    let milestones: Vec<_> = d.milestones.iter().map(|(_, m)| m.clone()).collect();
    let appointments: Vec<_> = d.appointments.iter().map(|(_, a)| a.clone()).collect();
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
        progress: Progress::as_of(phase, &milestones, date).into(),
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
        governance: governance_as_of(&appointments, date)
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
            .map(|(id, m)| MilestoneDto {
                id: *id,
                kind: m.kind.code().into(),
                label: m.kind.label().into(),
                date: iso_date(m.occurred_on),
                earliest: m.earliest.map(iso_date),
                precision: m.precision.code().into(),
                successors: m.related.iter().map(|t| t.to_string()).collect(),
                note: m.note.clone(),
                source: m.source.clone(),
                withdrawn_on: m.withdrawal.as_ref().map(|w| iso_date(w.on)),
                withdrawal_reason: m.withdrawal.as_ref().map(|w| w.reason.clone()),
            })
            .collect(),
        appointments: d
            .appointments
            .iter()
            .map(|(id, a)| AppointmentDto {
                id: *id,
                role: a.role.code().into(),
                person: a.person.clone(),
                organisation: a.organisation.clone(),
                since: iso_date(a.started_on),
                withdrawn_on: a.withdrawal.as_ref().map(|w| iso_date(w.on)),
                withdrawal_reason: a.withdrawal.as_ref().map(|w| w.reason.clone()),
            })
            .collect(),
        attributes: d
            .attributes
            .iter()
            .map(|(id, a)| AttributeDto {
                id: *id,
                attribute: a.attribute.code(),
                present: a.present,
                on: iso_date(a.on),
                withdrawn_on: a.withdrawal.as_ref().map(|w| iso_date(w.on)),
            })
            .collect(),
        posts: d
            .posts
            .iter()
            .map(|p| PostDto {
                employer: p.employer.clone(),
                opened_on: iso_date(p.opened_on),
                closed_on: p.closed_on.map(iso_date),
                cofundings: p
                    .cofundings
                    .iter()
                    .map(|c| CofundingDto {
                        funder: c.funder.clone(),
                        amount_cents: c.amount.0,
                        starts_on: iso_date(c.starts_on),
                        ends_on: iso_date(c.ends_on),
                    })
                    .collect(),
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
#[utoipa::path(get, path = "/api/v1/regions", tag = "Registre", summary = "Les régions et leurs territoires labellisés aujourd'hui, par phase.", responses((status = 200, body = Vec<RegionDto>)))]
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
#[into_params(parameter_in = Query)]
pub struct PlaceParams {
    /// Text in the name.
    q: Option<String>,
    /// Region code.
    region: Option<String>,
    /// Département code.
    departement: Option<String>,
    /// EPCI SIREN (communes only).
    epci: Option<String>,
    /// The `next_cursor` of the page read before: the page after it, stable while the referential
    /// changes (instead of `page`).
    apres: Option<String>,
    /// Page from 1.
    page: Option<String>,
    /// Page size, at most 500 (default 50).
    par_page: Option<String>,
}

impl PlaceParams {
    fn filter(&self) -> Result<(PlaceFilter, usize, usize), WebError> {
        let (page, per_page) = paging(&self.page, &self.par_page, 50, 500)?;
        page_or_cursor(page, given(&self.apres))?;
        Ok((
            PlaceFilter {
                after: given(&self.apres)
                    .map(|c| decode_cursor(c, |_: &PlaceKey| true))
                    .transpose()?,
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
#[utoipa::path(get, path = "/api/v1/epci", tag = "Référentiel", summary = "Les EPCI et EPT, filtrés par nom, région ou département.", params(PlaceParams), responses((status = 200, body = PageOf<EpciDto>)))]
pub async fn epcis(
    State(state): State<AppState>,
    Params(p): Params<PlaceParams>,
) -> ApiResult<PageOf<EpciDto>> {
    let (filter, page, per_page) = p.filter()?;
    let result = state.store.groupings(&filter).await?;
    if filter.after.is_none() {
        check_page(page, per_page, result.total)?;
    }
    Ok(Json(PageOf {
        next_cursor: result.next.as_ref().map(encode_cursor),
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
#[utoipa::path(get, path = "/api/v1/epci/{siren}", tag = "Référentiel", summary = "Un EPCI ou EPT et les territoires qui couvrent ses communes.", params(("siren" = String, Path)),
    responses((status = 200, body = EpciDetailDto), (status = 404, description = "EPCI inconnu")))]
pub async fn epci(
    State(state): State<AppState>,
    PathParams(siren): PathParams<String>,
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
#[utoipa::path(get, path = "/api/v1/communes", tag = "Référentiel", summary = "Les communes, filtrées par nom, région, département ou EPCI.", params(PlaceParams), responses((status = 200, body = PageOf<CommuneDto>)))]
pub async fn communes(
    State(state): State<AppState>,
    Params(p): Params<PlaceParams>,
) -> ApiResult<PageOf<CommuneDto>> {
    let (filter, page, per_page) = p.filter()?;
    let result = state.store.communes(&filter).await?;
    if filter.after.is_none() {
        check_page(page, per_page, result.total)?;
    }
    Ok(Json(PageOf {
        next_cursor: result.next.as_ref().map(encode_cursor),
        total: result.total,
        page,
        per_page,
        items: result.items.into_iter().map(Into::into).collect(),
    }))
}

/// A commune with the territories (both phases) covering it.
#[derive(Serialize, ToSchema)]
pub struct CommuneDetailDto {
    /// The commune.
    #[serde(flatten)]
    pub commune: CommuneDto,
    /// Territories whose perimeter in force covers it.
    pub territories: Vec<RelatedDto>,
}

/// One commune, by INSEE code (or SIREN), and the territories covering it.
#[utoipa::path(get, path = "/api/v1/communes/{code}", tag = "Référentiel", summary = "Une commune (code INSEE ou SIREN) et les territoires qui la couvrent.", params(("code" = String, Path, description = "code INSEE (ou SIREN) de la commune")),
    responses((status = 200, body = CommuneDetailDto), (status = 404, description = "commune inconnue")))]
pub async fn commune(
    State(state): State<AppState>,
    PathParams(code): PathParams<String>,
) -> ApiResult<CommuneDetailDto> {
    let c = state
        .store
        .commune(&code)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("commune {code} inconnue")))?;
    let territories = state
        .store
        .territories_of_commune(&c.code)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(CommuneDetailDto {
        commune: c.into(),
        territories,
    }))
}

/// A perimeter a SIREN is or was a member of.
#[derive(Serialize, ToSchema)]
pub struct MembershipDto {
    /// Phase.
    pub phase: String,
    /// Territory id.
    pub territory_id: String,
    /// Territory name.
    pub territory_name: String,
    /// The member's name as the labelling source gives it.
    pub label: String,
    /// Member from.
    pub valid_from: String,
    /// Member until (excluded), if it left.
    pub valid_to: Option<String>,
    /// Page of the territory.
    pub url: String,
}

impl From<Membership> for MembershipDto {
    fn from(m: Membership) -> Self {
        MembershipDto {
            url: territory_href(&m.phase, &m.territory_id),
            phase: m.phase,
            territory_id: m.territory_id,
            territory_name: m.territory_name,
            label: m.label,
            valid_from: m.valid_from,
            valid_to: m.valid_to,
        }
    }
}

/// The perimeters a member SIREN (EPCI, EPT or single commune) belongs or belonged to.
#[utoipa::path(get, path = "/api/v1/membres/{siren}", tag = "Référentiel", summary = "Les périmètres dont un SIREN (EPCI, EPT ou commune membre en propre) est ou a été membre, avec les dates.", params(("siren" = String, Path, description = "SIREN d'un EPCI, d'un EPT ou d'une commune membre en propre", pattern = "^[0-9]{9}$")),
    responses((status = 200, body = Vec<MembershipDto>), (status = 404, description = "SIREN membre d'aucun périmètre"), (status = 400, description = "SIREN invalide")))]
pub async fn member(
    State(state): State<AppState>,
    PathParams(siren): PathParams<String>,
) -> ApiResult<Vec<MembershipDto>> {
    territoires_domain::ids::Siren::parse(&siren).map_err(|e| crate::params::bad("siren", e))?;
    let found = state.store.memberships(&siren).await?;
    if found.is_empty() {
        return Err(
            WebError::NotFound(format!("le SIREN {siren} n'est membre d'aucun périmètre")).into(),
        );
    }
    Ok(Json(found.into_iter().map(Into::into).collect()))
}
