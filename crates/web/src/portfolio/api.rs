//! The projects' JSON API: the list of a scope at a date, and one project with its funding lines. Amounts are
//! integer cents; a project without any funding line has null amounts, never 0.

use axum::Json;
use serde::{Deserialize, Serialize};
use territoires_domain::fr::iso_date;
use territoires_domain::portfolio::project::Outcomes;
use territoires_store::portfolio::{LineView, ProjectDetail, ProjectSummary};
use utoipa::{IntoParams, ToSchema};

use crate::access::Seen;
use crate::api::{ApiResult, DateQuery, PageOf};
use crate::bilan::pages::default_phase;
use crate::params::{as_of, encode_cursor, urlencode, Params, PathParams, ProjectParams};
use crate::views::{check_page, territory_href};
use crate::WebError;

/// A territory carrying a project.
#[derive(Serialize, ToSchema)]
pub struct TerritoryRefDto {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its page.
    pub url: String,
}

/// A project as listed.
#[derive(Serialize, ToSchema)]
pub struct ProjectDto {
    /// Code.
    pub code: String,
    /// Phase.
    pub phase: String,
    /// Title.
    pub title: String,
    /// Territories carrying it.
    pub territories: Vec<TerritoryRefDto>,
    /// Axis codes.
    pub axes: Vec<String>,
    /// Themes.
    pub themes: Vec<String>,
    /// Holder's name, when known.
    pub holder: Option<String>,
    /// Status code at the date (null: not recorded yet).
    pub status: Option<String>,
    /// Requested at the date, cents (null: no funding line).
    pub requested: Option<i64>,
    /// Committed in force at the date, cents (null: no funding line).
    pub committed: Option<i64>,
    /// Paid at the date, cents (null: no funding line).
    pub paid: Option<i64>,
    /// Its page.
    pub url: String,
    /// Marked « pas encore publique »: only signed-in agents (an API token) read such a project; the
    /// public API and open data leave it out.
    pub not_yet_public: bool,
}

impl From<&ProjectSummary> for ProjectDto {
    fn from(s: &ProjectSummary) -> Self {
        let p = &s.project;
        ProjectDto {
            code: p.code.clone(),
            not_yet_public: p.not_yet_public,
            phase: p.phase.slug().into(),
            title: p.title.clone(),
            territories: p
                .territories
                .iter()
                .zip(&s.territory_names)
                .map(|(id, name)| TerritoryRefDto {
                    url: territory_href(p.phase.slug(), id.as_str()),
                    id: id.to_string(),
                    name: name.clone(),
                })
                .collect(),
            axes: p.axes.iter().map(|a| a.code().to_owned()).collect(),
            themes: p.themes.clone(),
            holder: p.holder.as_ref().map(|h| h.name.clone()),
            status: s.status.map(|st| st.code().to_owned()),
            requested: s.money.map(|m| m.requested.0),
            committed: s.money.map(|m| m.committed.0),
            paid: s.money.map(|m| m.paid.0),
            url: format!("/projets/{}", urlencode(&p.code)),
        }
    }
}

/// Outcomes of a project; null when not given.
#[derive(Serialize, ToSchema)]
pub struct OutcomesDto {
    /// Jobs created.
    pub jobs_created: Option<i64>,
    /// Jobs kept.
    pub jobs_kept: Option<i64>,
    /// Industrial investment, cents.
    pub investment: Option<i64>,
    /// tCO2e avoided per year.
    pub tco2e_avoided: Option<i64>,
    /// Hectares of brownfield requalified.
    pub brownfield_hectares: Option<i64>,
}

impl From<&Outcomes> for OutcomesDto {
    fn from(o: &Outcomes) -> Self {
        OutcomesDto {
            jobs_created: o.jobs_created,
            jobs_kept: o.jobs_kept,
            investment: o.investment.map(|c| c.0),
            tco2e_avoided: o.tco2e_avoided,
            brownfield_hectares: o.brownfield_hectares,
        }
    }
}

/// A status change.
#[derive(Serialize, ToSchema)]
pub struct StatusDto {
    /// Status code.
    pub status: String,
    /// Day it was entered.
    pub date: String,
}

/// A funding line.
#[derive(Serialize, ToSchema)]
pub struct LineDto {
    /// Id.
    pub id: i64,
    /// Version (for writes).
    pub version: i64,
    /// Funder code.
    pub funder: String,
    /// Funder name.
    pub funder_name: String,
    /// Kind of funder.
    pub funder_kind: String,
    /// Scheme code.
    pub scheme: Option<String>,
    /// Scheme name.
    pub scheme_name: Option<String>,
    /// Scheme specific to Territoires d'industrie.
    pub ti_specific: bool,
    /// Instrument code.
    pub instrument: String,
    /// Decision reference.
    pub decision_reference: String,
    /// Requested, cents.
    pub requested: i64,
    /// Request date.
    pub requested_on: String,
    /// Committed, cents.
    pub committed: Option<i64>,
    /// Commitment date.
    pub committed_on: Option<String>,
    /// Paid so far, cents.
    pub paid: Option<i64>,
    /// Last payment date.
    pub paid_on: Option<String>,
    /// First payment date.
    pub first_paid_on: Option<String>,
    /// Payment terms: `unique` or `echelonne`.
    pub payment_terms: Option<String>,
    /// Cancellation date.
    pub cancelled_on: Option<String>,
    /// Committed in force at the date asked, cents.
    pub committed_at_date: i64,
    /// Paid at the date asked, cents.
    pub paid_at_date: i64,
}

impl From<&LineView> for LineDto {
    fn from(v: &LineView) -> Self {
        let l = &v.line;
        LineDto {
            id: v.id,
            version: v.version,
            funder: l.funder.clone(),
            funder_name: v.funder_name.clone(),
            funder_kind: v.funder_kind.code().into(),
            scheme: l.scheme.clone(),
            scheme_name: v.scheme_name.clone(),
            ti_specific: v.ti_specific,
            instrument: l.instrument.code().into(),
            decision_reference: l.decision_reference.clone(),
            requested: l.requested.0,
            requested_on: iso_date(l.requested_on),
            committed: l.committed.map(|c| c.0),
            committed_on: l.committed_on.map(iso_date),
            paid: l.paid.map(|c| c.0),
            paid_on: l.paid_on.map(iso_date),
            first_paid_on: l.first_paid_on.map(iso_date),
            payment_terms: l.payment_terms.map(|t| t.code().to_owned()),
            cancelled_on: l.cancelled_on.map(iso_date),
            committed_at_date: v.as_of.committed.0,
            paid_at_date: v.as_of.paid.0,
        }
    }
}

/// A project with its history, outcomes and lines.
#[derive(Serialize, ToSchema)]
pub struct ProjectDetailDto {
    /// The project as listed.
    #[serde(flatten)]
    pub project: ProjectDto,
    /// Version (for writes).
    pub version: i64,
    /// Description.
    pub description: String,
    /// Total cost, cents (null: unknown).
    pub total_cost: Option<i64>,
    /// Status history.
    pub history: Vec<StatusDto>,
    /// Expected outcomes.
    pub expected: OutcomesDto,
    /// Measured outcomes.
    pub measured: OutcomesDto,
    /// Funding lines.
    pub lines: Vec<LineDto>,
    /// Source.
    pub source: String,
}

impl From<&ProjectDetail> for ProjectDetailDto {
    fn from(d: &ProjectDetail) -> Self {
        let p = &d.summary.project;
        ProjectDetailDto {
            project: (&d.summary).into(),
            version: d.version,
            description: p.description.clone(),
            total_cost: p.total_cost.map(|c| c.0),
            history: p
                .history
                .iter()
                .map(|c| StatusDto {
                    status: c.status.code().into(),
                    date: iso_date(c.on),
                })
                .collect(),
            expected: (&p.expected).into(),
            measured: (&p.measured).into(),
            lines: d.lines.iter().map(Into::into).collect(),
            source: p.source.clone(),
        }
    }
}

/// Query of the project list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; parsing goes through `ProjectParams`.
struct ProjectListParams {
    /// `2018-2022` or `2023-2027` (default: the latest phase holding data).
    #[param(pattern = "^(2018-2022|2023-2027)$")]
    phase: Option<String>,
    /// `france` (default), `region:44` or `territoire:ti-4401`.
    #[param(pattern = "^(france|region:[0-9]{2}|territoire:ti-[0-9]{4})$")]
    perimetre: Option<String>,
    /// Date of statuses and amounts, AAAA-MM-JJ (default today).
    #[param(format = Date)]
    date: Option<String>,
    /// Scheme code: projects funded through it.
    dispositif: Option<String>,
    /// Status at the date: `idee`, `en_preparation`, `engage`, `en_cours`, `realise`, `abandonne`.
    #[param(pattern = "^(idee|en_preparation|engage|en_cours|realise|abandonne)$")]
    statut: Option<String>,
    /// Axis code.
    axe: Option<String>,
    /// Text in title, code, holder or themes.
    q: Option<String>,
    /// Order: `code` (default), `titre`, `engage` (committed at the date, fiches without line last);
    /// `-` first for the descending order.
    #[param(pattern = "^-?(code|titre|engage)$")]
    tri: Option<String>,
    /// The `next_cursor` of the page read before: the page after it, stable while fiches are added or
    /// removed (then `page` is 1 or absent).
    apres: Option<String>,
    /// Page from 1.
    #[param(minimum = 1)]
    page: Option<usize>,
    /// Page size, at most 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    par_page: Option<usize>,
}

/// Projects (fiches actions) recorded at the date in a scope, with their status and amounts then.
#[utoipa::path(get, path = "/api/v1/projets", tag = "Projets", summary = "Les fiches actions d'un périmètre à une date, avec leur statut et leurs montants (null sans ligne de financement).", params(ProjectListParams),
    responses((status = 200, body = PageOf<ProjectDto>), (status = 400, description = "paramètre invalide", body = crate::api::ErrorDto)))]
pub async fn projects(
    Seen(state): Seen,
    Params(p): Params<ProjectParams>,
) -> ApiResult<PageOf<ProjectDto>> {
    let (query, page, per_page) = p.query(default_phase(&state).await?, 50, 500)?;
    state.store.check_frame(&query.frame).await?;
    let found = state.store.projects(&query).await?;
    check_page(page, per_page, found.total)?;
    Ok(Json(PageOf {
        total: found.total,
        page,
        per_page,
        items: found.items.iter().map(Into::into).collect(),
        next_cursor: found.next.as_ref().map(encode_cursor),
    }))
}

/// One project with its funding lines, read as of a date.
#[utoipa::path(get, path = "/api/v1/projets/{code}", tag = "Projets", summary = "Une fiche action, son historique de statuts, ses résultats et ses lignes de financement, à une date.", params(("code" = String, Path, description = "code du projet"), DateQuery),
    responses((status = 200, body = ProjectDetailDto), (status = 404, description = "projet inconnu", body = crate::api::ErrorDto)))]
pub async fn project(
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    Params(p): Params<DateQuery>,
) -> ApiResult<ProjectDetailDto> {
    let date = as_of(&p.date)?;
    let detail = state
        .store
        .project(&code, date)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("projet {code} inconnu")))?;
    Ok(Json((&detail).into()))
}
