//! The bilan's JSON API: every figure with its value (null when unknown), the number of records it rests
//! on and the query of those records; breakdowns whose every cell has its query too; the evolution as
//! steps; and the records themselves.

use axum::Json;
use serde::{Deserialize, Serialize};
use territoires_domain::bilan::figures::{Criterion, FigureCode, Unit, Value};
use territoires_domain::bilan::frame::Frame;
use territoires_domain::fr::iso_date;
use territoires_store::bilan::{BilanReport, RecordList};
use utoipa::{IntoParams, ToSchema};

use super::pages::{default_phase, records_query, RecordParams};
use crate::access::Seen;
use crate::api::ApiResult;
use crate::params::{paging, BilanParams, Params};
use crate::registry::api::ProgressDto;
use crate::views::{check_page, territory_href};

/// The API link to the records of a figure under a criterion.
fn records_api(frame: &Frame, figure: FigureCode, criterion: &Criterion) -> String {
    format!(
        "/api/v1/bilan/enregistrements?{}",
        records_query(frame, figure, criterion)
    )
}

fn unit(u: Unit) -> &'static str {
    match u {
        Unit::Territories => "territoires",
        Unit::Events => "evenements",
        Unit::Projects => "projets",
        Unit::Cents => "centimes",
        Unit::Jobs => "emplois",
        Unit::TonnesCo2 => "tco2e_par_an",
        Unit::Hectares => "hectares",
    }
}

/// A figure of a bilan.
#[derive(Serialize, ToSchema)]
pub struct FigureDto {
    /// Code (`plans_valides`, `montant_engage`…).
    pub code: String,
    /// Label.
    pub label: String,
    /// How it is computed.
    pub definition: String,
    /// `territoires`, `evenements`, `projets`, `centimes`, `emplois`, `tco2e_par_an` or `hectares`.
    pub unit: String,
    /// A flow over the period (`du` to `date`) rather than a stock at the date.
    pub flow: bool,
    /// The value; null when unknown (a sum over no record, or a phase not started), never 0 for unknown.
    pub value: Option<i64>,
    /// How many records it rests on: those counted, or for a sum those giving a value.
    pub basis: i64,
    /// The API query of its records.
    pub records: String,
    /// The page listing its records.
    pub records_page: String,
}

/// A cell of a breakdown.
#[derive(Serialize, ToSchema)]
pub struct CellDto {
    /// The value; null when unknown.
    pub value: Option<i64>,
    /// How many records it rests on.
    pub basis: i64,
    /// The API query of its records.
    pub records: String,
}

/// A row of a breakdown.
#[derive(Serialize, ToSchema)]
pub struct RowDto {
    /// The key (region code, territory id, funder code…).
    pub key: String,
    /// The label.
    pub label: String,
    /// One cell per column.
    pub cells: Vec<CellDto>,
}

/// A breakdown of figures by a grouping.
#[derive(Serialize, ToSchema)]
pub struct TableDto {
    /// `region`, `territoire`, `attribut`, `axe`, `statut`, `dispositif`, `financeur` or `type_financeur`.
    pub grouping: String,
    /// The figures' codes, one per column.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<RowDto>,
}

/// A step of a series.
#[derive(Serialize, ToSchema)]
pub struct StepDto {
    /// From this day.
    pub date: String,
    /// The value from that day; null while unknown.
    pub value: Option<i64>,
}

/// A figure over time.
#[derive(Serialize, ToSchema)]
pub struct SeriesDto {
    /// Figure code.
    pub figure: String,
    /// First day the value is known (null: unknown up to the date).
    pub known_from: Option<String>,
    /// Its value from `known_from` and at each day it changed.
    pub steps: Vec<StepDto>,
}

/// A territory of the scope and its progress.
#[derive(Serialize, ToSchema)]
pub struct TerritoryStateDto {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region of attachment.
    pub region: String,
    /// Progress at the date.
    pub progress: ProgressDto,
    /// Its page.
    pub url: String,
}

/// An envelope's consumption.
#[derive(Serialize, ToSchema)]
pub struct EnvelopeDto {
    /// Code.
    pub code: String,
    /// Scheme code.
    pub scheme: String,
    /// Scheme name.
    pub scheme_name: String,
    /// Region, null for national.
    pub region: Option<String>,
    /// Amount, cents.
    pub amount: i64,
    /// Committed at the date on the whole envelope, cents.
    pub committed: i64,
}

/// The count the programme announced.
#[derive(Serialize, ToSchema)]
pub struct AnnouncedDto {
    /// Day of the announcement.
    pub date: String,
    /// Territories announced.
    pub territories: i64,
    /// What was announced.
    pub event: String,
}

/// A bilan.
#[derive(Serialize, ToSchema)]
pub struct BilanDto {
    /// Phase.
    pub phase: String,
    /// Scope: `france`, `region:44`, `territoire:ti-4401`.
    pub perimetre: String,
    /// Date of the stocks and end of the period.
    pub date: String,
    /// Start of the period of the flows, if asked.
    pub du: Option<String>,
    /// Scheme the bilan is restricted to, if any.
    pub dispositif: Option<String>,
    /// Whether the phase had started at the date; before, every value is null.
    pub started: bool,
    /// The last count of territories the programme announced by the date.
    pub announced: Option<AnnouncedDto>,
    /// Every figure.
    pub figures: Vec<FigureDto>,
    /// Breakdowns.
    pub tables: Vec<TableDto>,
    /// The territories of the scope and their progress.
    pub territories: Vec<TerritoryStateDto>,
    /// Envelopes of the scope.
    pub envelopes: Vec<EnvelopeDto>,
    /// The key figures over time.
    pub evolution: Vec<SeriesDto>,
}

fn cell(frame: &Frame, figure: FigureCode, criterion: &Criterion, v: Value) -> CellDto {
    CellDto {
        value: v.value,
        basis: v.basis,
        records: records_api(frame, figure, criterion),
    }
}

impl From<&BilanReport> for BilanDto {
    fn from(r: &BilanReport) -> Self {
        let b = &r.bilan;
        let frame = &b.frame;
        let all = Criterion::all();
        BilanDto {
            phase: frame.phase.slug().into(),
            perimetre: frame.scope.to_string(),
            date: iso_date(frame.as_of),
            du: frame.since.map(iso_date),
            dispositif: frame.scheme.clone(),
            started: b.started,
            announced: b.announced.map(|a| AnnouncedDto {
                date: iso_date(a.on),
                territories: a.territories,
                event: a.event.into(),
            }),
            figures: b
                .figures
                .iter()
                .map(|f| FigureDto {
                    code: f.figure.code().into(),
                    label: f.figure.label().into(),
                    definition: f.figure.definition().into(),
                    unit: unit(f.figure.unit()).into(),
                    flow: f.figure.is_flow(),
                    value: f.value.value,
                    basis: f.value.basis,
                    records: records_api(frame, f.figure, &all),
                    records_page: super::pages::records_href(frame, f.figure, &all),
                })
                .collect(),
            tables: b
                .tables
                .iter()
                .map(|t| TableDto {
                    grouping: t.grouping.code().into(),
                    columns: t.columns.iter().map(|c| c.code().to_owned()).collect(),
                    rows: t
                        .rows
                        .iter()
                        .map(|row| {
                            let criterion = Criterion::of(t.grouping, row.key.clone());
                            RowDto {
                                key: row.key.clone(),
                                label: row.label.clone(),
                                cells: t
                                    .columns
                                    .iter()
                                    .zip(&row.values)
                                    .map(|(&f, &v)| cell(frame, f, &criterion, v))
                                    .collect(),
                            }
                        })
                        .collect(),
                })
                .collect(),
            territories: b
                .territories
                .iter()
                .map(|t| TerritoryStateDto {
                    url: territory_href(frame.phase.slug(), &t.id),
                    id: t.id.clone(),
                    name: t.name.clone(),
                    region: t.region.clone(),
                    progress: t.progress.into(),
                })
                .collect(),
            envelopes: b
                .envelopes
                .iter()
                .map(|e| EnvelopeDto {
                    code: e.code.clone(),
                    scheme: e.scheme.clone(),
                    scheme_name: e.scheme_name.clone(),
                    region: e.region.clone(),
                    amount: e.amount.0,
                    committed: e.committed.0,
                })
                .collect(),
            evolution: r
                .evolution
                .iter()
                .map(|s| SeriesDto {
                    figure: s.figure.code().into(),
                    known_from: s.known_from.map(iso_date),
                    steps: s
                        .steps
                        .iter()
                        .map(|p| StepDto {
                            date: iso_date(p.on),
                            value: p.value,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Query of a bilan.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; parsing goes through `BilanParams`.
struct BilanQueryParams {
    /// `2018-2022` or `2023-2027` (default: the latest phase holding data).
    #[param(pattern = "^(2018-2022|2023-2027)$")]
    phase: Option<String>,
    /// `france` (default), `region:44` or `territoire:ti-4401`.
    #[param(pattern = "^(france|region:[0-9]{2}|territoire:ti-[0-9]{4})$")]
    perimetre: Option<String>,
    /// Date of the figures, AAAA-MM-JJ (default today), within what the phase can hold.
    #[param(format = Date)]
    date: Option<String>,
    /// Start of a period, AAAA-MM-JJ: adds the flows from that day to `date`.
    #[param(format = Date)]
    du: Option<String>,
    /// Scheme code: only the projects and lines of that scheme.
    dispositif: Option<String>,
}

/// The bilan of a scope at a date: every figure with its value (null when unknown), basis and records
/// query; breakdowns by region, territory, axis, status, funder, kind of funder, scheme and attribute; the
/// territories' progress; the envelopes; and the key figures over time as steps. Amounts are integer cents.
#[utoipa::path(get, path = "/api/v1/bilan", tag = "Bilans", summary = "Le bilan d'un périmètre à une date : chaque chiffre avec sa valeur (null si inconnue), sa base et la requête de ses enregistrements ; répartitions, avancement des territoires, enveloppes et évolution. Montants en centimes.", params(BilanQueryParams),
    responses((status = 200, body = BilanDto), (status = 400, description = "paramètre invalide", body = crate::api::ErrorDto)))]
pub async fn bilan(Seen(state): Seen, Params(p): Params<BilanParams>) -> ApiResult<BilanDto> {
    let q = p.parse_or(default_phase(&state).await?)?;
    state.store.check_frame(&q.frame).await?;
    let report = state.store.bilan(&q.frame).await?;
    Ok(Json((&report).into()))
}

/// A territory a figure counts, and why.
#[derive(Serialize, ToSchema)]
pub struct TerritoryRecordDto {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region of attachment.
    pub region: String,
    /// State at the date.
    pub state: String,
    /// The record that makes it count.
    pub reason: String,
    /// Its page.
    pub url: String,
}

/// An event a figure counts.
#[derive(Serialize, ToSchema)]
pub struct MilestoneRecordDto {
    /// Territory id.
    pub territory_id: String,
    /// Territory name.
    pub territory_name: String,
    /// Kind.
    pub kind: String,
    /// Date in words.
    pub date: String,
    /// Source.
    pub source: String,
}

/// A project a figure counts, and what it adds.
#[derive(Serialize, ToSchema)]
pub struct ProjectRecordDto {
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Status at the date.
    pub status: Option<String>,
    /// What it adds to the figure (1 for a count).
    pub weight: i64,
    /// Its page.
    pub url: String,
}

/// A funding line a figure counts, and the amount it adds.
#[derive(Serialize, ToSchema)]
pub struct LineRecordDto {
    /// Project code.
    pub project: String,
    /// Funder code.
    pub funder: String,
    /// Funder name.
    pub funder_name: String,
    /// Scheme code.
    pub scheme: Option<String>,
    /// Decision reference.
    pub decision_reference: String,
    /// What it adds to the figure, cents.
    pub amount: i64,
    /// The project's page.
    pub url: String,
}

/// The records behind a figure.
#[derive(Serialize, ToSchema)]
pub struct RecordsDto {
    /// Figure code.
    pub figure: String,
    /// Label.
    pub label: String,
    /// The figure's value under the criterion: the count of the records, or the sum of what they add;
    /// null when unknown.
    pub value: Option<i64>,
    /// Records counted (all pages).
    pub total: i64,
    /// For a sum, the records considered.
    pub considered: i64,
    /// This page, from 1.
    pub page: usize,
    /// Page size.
    pub per_page: usize,
    /// Territories counted (territory figures).
    pub territories: Vec<TerritoryRecordDto>,
    /// Events counted (event figures).
    pub milestones: Vec<MilestoneRecordDto>,
    /// Projects counted (project figures).
    pub projects: Vec<ProjectRecordDto>,
    /// Lines counted (amount figures).
    pub lines: Vec<LineRecordDto>,
}

fn page<T>(items: impl IntoIterator<Item = T>, page: usize, per_page: usize) -> Vec<T> {
    items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect()
}

/// Query of a record list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; parsing goes through `RecordParams`.
struct RecordQueryParams {
    /// Phase.
    #[param(pattern = "^(2018-2022|2023-2027)$")]
    phase: Option<String>,
    /// Scope.
    #[param(pattern = "^(france|region:[0-9]{2}|territoire:ti-[0-9]{4})$")]
    perimetre: Option<String>,
    /// Date.
    #[param(format = Date)]
    date: Option<String>,
    /// Start of the period (flows).
    #[param(format = Date)]
    du: Option<String>,
    /// Scheme.
    dispositif: Option<String>,
    /// Figure code (required).
    chiffre: Option<String>,
    /// Criterion: region code.
    #[param(pattern = "^[0-9]{2}$")]
    region: Option<String>,
    /// Criterion: territory id.
    #[param(pattern = "^ti-[0-9]{4}$")]
    territoire: Option<String>,
    /// Criterion: attribute.
    attribut: Option<String>,
    /// Criterion: axis code.
    axe: Option<String>,
    /// Criterion: status code.
    statut: Option<String>,
    /// Criterion: scheme of the lines (`aucun` for general law).
    ligne_dispositif: Option<String>,
    /// Criterion: funder code.
    financeur: Option<String>,
    /// Criterion: kind of funder.
    type_financeur: Option<String>,
    /// Page from 1.
    page: Option<usize>,
    /// Page size, at most 1000 (default 100).
    par_page: Option<usize>,
}

/// The records a figure of a bilan counts, under the criterion of a breakdown row: what each figure's
/// `records` query leads to. Their count (or the sum of what they add) is the figure's value.
#[utoipa::path(get, path = "/api/v1/bilan/enregistrements", tag = "Bilans", summary = "Les enregistrements comptés par un chiffre d'un bilan (ou une ligne de répartition) : leur nombre, ou la somme de ce qu'ils apportent, est le chiffre.", params(RecordQueryParams),
    responses((status = 200, body = RecordsDto), (status = 400, description = "paramètre invalide", body = crate::api::ErrorDto)))]
pub async fn records(Seen(state): Seen, Params(p): Params<RecordParams>) -> ApiResult<RecordsDto> {
    let (q, figure, criterion) = p.parse(&state).await?;
    state.store.check_frame(&q.frame).await?;
    let list: RecordList = state
        .store
        .bilan_records(&q.frame, figure, &criterion)
        .await?;
    let (n, per_page) = paging(&p.page, &p.par_page, 100, 1000)?;
    check_page(n, per_page, list.value.basis)?;
    let phase = q.frame.phase.slug();
    Ok(Json(RecordsDto {
        figure: figure.code().into(),
        label: figure.label().into(),
        value: list.value.value,
        total: list.value.basis,
        considered: list.considered,
        page: n,
        per_page,
        territories: page(
            list.territories.into_iter().map(|t| TerritoryRecordDto {
                url: territory_href(phase, &t.id),
                id: t.id,
                name: t.name,
                region: t.region,
                state: t.state,
                reason: t.reason,
            }),
            n,
            per_page,
        ),
        milestones: page(
            list.milestones.into_iter().map(|m| MilestoneRecordDto {
                territory_id: m.territory_id,
                territory_name: m.territory_name,
                kind: m.kind,
                date: m.date,
                source: m.source,
            }),
            n,
            per_page,
        ),
        projects: page(
            list.projects
                .into_iter()
                .map(|(s, weight)| ProjectRecordDto {
                    url: format!("/projets/{}", crate::params::urlencode(&s.project.code)),
                    code: s.project.code,
                    title: s.project.title,
                    status: s.status.map(|st| st.code().to_owned()),
                    weight,
                }),
            n,
            per_page,
        ),
        lines: page(
            list.lines.into_iter().map(|(l, amount)| LineRecordDto {
                url: format!("/projets/{}", crate::params::urlencode(&l.line.project)),
                project: l.line.project,
                funder: l.line.funder,
                funder_name: l.funder_name,
                scheme: l.line.scheme,
                decision_reference: l.line.decision_reference,
                amount,
            }),
            n,
            per_page,
        ),
    }))
}
