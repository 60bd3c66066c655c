//! The HTML pages.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;
use territoires_domain::fr::{integer, iso_date, long_date, parse_date};
use territoires_domain::governance::{governance_as_of, Role};
use territoires_domain::ids::TerritoryId;
use territoires_domain::milestone::{MilestoneKind, Progress, Stage};
use territoires_domain::phase::Phase;
use territoires_domain::referential::GroupingNature;
use territoires_store::referential::{PlaceFilter, RegionRow};
use territoires_store::territories::{MapShape, RelatedTerritory, TerritoryQuery};

use crate::auth::MaybeSession;
use crate::params::{as_of, given, paging, parse, TerritoryParams};
use crate::views::*;
use crate::{AppState, WebError};

type PageResult = Result<Html<String>, WebError>;

fn render(t: impl Template) -> PageResult {
    Ok(Html(t.render()?))
}

/// A choice in a select or a tab bar.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn phase_choices(selected: Option<Phase>) -> Vec<Choice> {
    Phase::ALL
        .into_iter()
        .map(|p| Choice {
            value: p.slug().into(),
            label: p.label().into(),
            selected: Some(p) == selected,
        })
        .collect()
}

fn region_names(regions: &[RegionRow]) -> HashMap<String, String> {
    regions
        .iter()
        .map(|r| (r.code.clone(), r.name.clone()))
        .collect()
}

/// Coverage of a phase, formatted.
pub struct CoverageView {
    pub phase: &'static str,
    pub href: String,
    pub territories: String,
    pub epcis: String,
    pub communes: String,
    pub population: String,
}

/// A region's line in the home table.
pub struct RegionLine {
    pub href: String,
    pub name: String,
    pub progress: ProgressView,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    title: String,
    nav: &'static str,
    phase: &'static str,
    phases: Vec<Choice>,
    date_iso: String,
    date_long: String,
    coverage: Vec<CoverageView>,
    total: ProgressView,
    regions: Vec<RegionLine>,
    map: MapView,
}

#[derive(Deserialize)]
pub struct PhaseDateParams {
    phase: Option<String>,
    date: Option<String>,
}

/// `/`: the programme in figures and on a map.
pub async fn home(State(state): State<AppState>, Query(p): Query<PhaseDateParams>) -> PageResult {
    let phase = parse::<Phase>("phase", &p.phase)?.unwrap_or(Phase::Second);
    let date = as_of(&p.date)?;
    let store = &state.store;
    let coverage = store.coverage().await?;
    let figures = store.phase_figures(phase, date).await?;
    let territories = territory_items(
        store.territory_shapes(phase).await?,
        phase,
        &figures.territories,
    );
    let map = MapView::overview(
        format!("Carte des Territoires d'industrie, {}", phase.label()),
        region_items(store.region_shapes().await?),
        territories,
    );
    render(HomePage {
        title: "Accueil".into(),
        nav: "accueil",
        phase: phase.label(),
        phases: phase_choices(Some(phase)),
        date_iso: iso_date(date),
        date_long: long_date(date),
        coverage: coverage
            .iter()
            .map(|(p, c)| CoverageView {
                phase: p.label(),
                href: format!("/territoires?phase={}", p.slug()),
                territories: integer(c.territories),
                epcis: integer(c.epcis),
                communes: integer(c.communes),
                population: integer(c.population),
            })
            .collect(),
        total: (&figures.progress).into(),
        regions: figures
            .regions
            .iter()
            .filter(|r| r.attached > 0)
            .map(|r| RegionLine {
                href: format!(
                    "/regions/{}?phase={}&date={}",
                    r.code,
                    phase.slug(),
                    iso_date(date)
                ),
                name: r.name.clone(),
                progress: (&r.progress).into(),
            })
            .collect(),
        map,
    })
}

fn territory_items(
    shapes: Vec<MapShape>,
    phase: Phase,
    progress: &std::collections::BTreeMap<String, Progress>,
) -> Vec<MapItem> {
    shapes
        .into_iter()
        .map(|s| MapItem {
            href: territory_href(phase.slug(), &s.code),
            class: stage_class(progress.get(&s.code)),
            path: s.overview_path,
            name: s.name,
        })
        .collect()
}

/// A link of the pagination.
pub struct PageLink {
    pub number: usize,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "territories.html")]
struct TerritoriesPage {
    title: String,
    nav: &'static str,
    q: String,
    date_iso: String,
    date_long: String,
    phases: Vec<Choice>,
    regions: Vec<Choice>,
    departements: Vec<Choice>,
    stages: Vec<Choice>,
    sorts: Vec<Choice>,
    descending: bool,
    total: String,
    rows: Vec<TerritoryRowView>,
    pages: Vec<PageLink>,
    export_query: String,
}

/// `/territoires`: the filterable, sortable, paginated list.
pub async fn territories(
    State(state): State<AppState>,
    Query(p): Query<TerritoryParams>,
) -> PageResult {
    let (query, page, per_page) = p.query(25, 200)?;
    let store = &state.store;
    let result = store.territories(&query).await?;
    let regions = store.regions().await?;
    let names = region_names(&regions);
    let departements = store.departements(query.region.as_deref()).await?;
    let page_count = (result.total as usize).div_ceil(per_page).max(1);
    let selected = |v: &Option<String>, candidate: &str| given(v) == Some(candidate);
    render(TerritoriesPage {
        title: "Territoires".into(),
        nav: "territoires",
        q: given(&p.q).unwrap_or_default().to_owned(),
        date_iso: iso_date(query.as_of),
        date_long: long_date(query.as_of),
        phases: phase_choices(query.phase),
        regions: regions
            .iter()
            .map(|r| Choice {
                value: r.code.clone(),
                label: r.name.clone(),
                selected: query.region.as_deref() == Some(&r.code),
            })
            .collect(),
        departements: departements
            .iter()
            .map(|d| Choice {
                value: d.code.clone(),
                label: format!("{} – {}", d.code, d.name),
                selected: query.departement.as_deref() == Some(&d.code),
            })
            .collect(),
        stages: Stage::of_phase(query.phase.unwrap_or(Phase::Second))
            .map(|s| Choice {
                value: s.code().into(),
                label: s.label().into(),
                selected: query.stage == Some(s),
            })
            .collect(),
        sorts: [
            ("nom", "Nom"),
            ("id", "Identifiant"),
            ("population", "Population"),
            ("communes", "Communes"),
            ("statut", "Avancement"),
        ]
        .into_iter()
        .map(|(v, l)| Choice {
            value: v.into(),
            label: l.into(),
            selected: selected(&p.tri, v),
        })
        .collect(),
        descending: query.descending,
        total: integer(result.total),
        rows: result
            .items
            .iter()
            .map(|i| {
                TerritoryRowView::new(i, &|c| {
                    names.get(c).cloned().unwrap_or_else(|| c.to_owned())
                })
            })
            .collect(),
        pages: (1..=page_count)
            .map(|n| PageLink {
                number: n,
                href: format!("/territoires?{}", p.to_query_string(Some(n))),
                current: n == page,
            })
            .collect(),
        export_query: p.to_query_string(None),
    })
}

/// A member line of a perimeter.
pub struct MemberView {
    pub siren: String,
    pub name: String,
    pub href: Option<String>,
    pub nature: String,
    pub population: String,
    pub communes: String,
    pub period: String,
    pub in_force: bool,
}

/// A governance seat, formatted.
pub struct SeatView {
    pub role: &'static str,
    pub person: String,
    pub organisation: String,
    pub since: String,
}

/// A territory of the other phase.
pub struct RelatedView {
    pub href: String,
    pub name: String,
    pub phase: &'static str,
    pub shared: String,
}

impl RelatedView {
    fn new(r: &RelatedTerritory) -> Self {
        RelatedView {
            href: territory_href(&r.phase, &r.id),
            name: format!("{} ({})", r.name, r.id),
            phase: phase_label(&r.phase),
            shared: format!(
                "{} commune(s) en commun sur {}",
                integer(r.shared_communes),
                integer(r.commune_count)
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "territory.html")]
struct TerritoryPage {
    title: String,
    nav: &'static str,
    id: String,
    phase: &'static str,
    phase_slug: &'static str,
    date_iso: String,
    date_long: String,
    status: String,
    badge: &'static str,
    regions: Vec<Choice>,
    departements: String,
    communes: String,
    population: String,
    members: Vec<MemberView>,
    map_path: Option<String>,
    map_view_box: String,
    seats: Vec<SeatView>,
    appointments: Vec<SeatView>,
    timeline: Vec<crate::views::MilestoneView>,
    related: Vec<RelatedView>,
    axes: &'static [territoires_domain::project::Axis],
    /// Its projects at the date: link, title, status.
    projects: Vec<(String, String, &'static str)>,
    bilan_href: String,
    saved: Option<&'static str>,
    editor: Option<Editor>,
    login_href: String,
}

/// What a signed-in user whose profile covers the territory gets: the forms and their CSRF token.
pub struct Editor {
    pub user: String,
    pub csrf: String,
    pub milestones: Vec<Choice>,
    pub roles: Vec<Choice>,
}

#[derive(Deserialize)]
pub struct TerritoryPageParams {
    date: Option<String>,
    enregistre: Option<String>,
}

fn nature_label(code: Option<&str>) -> String {
    match code {
        Some("COM") => "Commune".into(),
        Some(c) => c
            .parse::<GroupingNature>()
            .map(|n| n.label().to_owned())
            .unwrap_or_else(|_| c.to_owned()),
        None => "Absent du référentiel".into(),
    }
}

/// A validity period in words; dates that do not parse (none should) are shown as stored.
fn period(from: &str, to: Option<&str>) -> String {
    let long = |d: &str| {
        parse_date("date", d)
            .map(long_date)
            .unwrap_or_else(|_| d.to_owned())
    };
    match to {
        None => format!("depuis le {}", long(from)),
        Some(to) => format!("du {} au {}", long(from), long(to)),
    }
}

/// `/territoires/{phase}/{id}`: the page of one territory, as of a date.
pub async fn territory(
    State(state): State<AppState>,
    Path((phase, id)): Path<(String, String)>,
    Query(p): Query<TerritoryPageParams>,
    MaybeSession(session): MaybeSession,
) -> PageResult {
    let phase: Phase = phase
        .parse()
        .map_err(|_| WebError::NotFound(format!("phase {phase} inconnue")))?;
    let date = as_of(&p.date)?;
    let detail =
        state.store.territory(phase, &id).await?.ok_or_else(|| {
            WebError::NotFound(format!("Aucun territoire {id} en {}", phase.label()))
        })?;
    let progress = Progress::as_of(&detail.milestones, date);
    let mut regions: Vec<Choice> = Vec::new();
    for a in &detail.areas {
        if !regions.iter().any(|r| r.value == a.region_code) {
            regions.push(Choice {
                value: a.region_code.clone(),
                label: a.region_name.clone(),
                selected: a.region_code == detail.territory.region_code,
            });
        }
    }
    let seat = |a: &territoires_domain::governance::Appointment| SeatView {
        role: a.role.label(),
        person: a.person.clone().unwrap_or_else(|| "Poste vacant".into()),
        organisation: a.organisation.clone(),
        since: long_date(a.started_on),
    };
    let seats = governance_as_of(&detail.appointments, date);
    let editor = session
        .filter(|s| {
            TerritoryId::parse(&id).is_ok_and(|tid| s.user.profile.may_edit_territory(phase, &tid))
        })
        .map(|s| Editor {
            user: format!("{} — {}", s.user.name, s.user.profile.label()),
            csrf: s.csrf_token,
            milestones: MilestoneKind::ALL
                .into_iter()
                .filter(|k| k.applies_to(phase))
                .map(|k| Choice {
                    value: k.code().into(),
                    label: k.label().into(),
                    selected: false,
                })
                .collect(),
            roles: Role::ALL
                .into_iter()
                .map(|r| Choice {
                    value: r.code().into(),
                    label: r.label().into(),
                    selected: false,
                })
                .collect(),
        });
    render(TerritoryPage {
        saved: match p.enregistre.as_deref() {
            Some("jalon") => Some("Le jalon est enregistré."),
            Some("gouvernance") => Some("La désignation est enregistrée."),
            _ => None,
        },
        editor,
        login_href: format!("/connexion?next=/territoires/{}/{id}", phase.slug()),
        title: detail.territory.name.clone(),
        nav: "territoires",
        id: detail.territory.id.clone(),
        phase: phase.label(),
        phase_slug: phase.slug(),
        date_iso: iso_date(date),
        date_long: long_date(date),
        status: status_label(&progress),
        badge: stage_badge(&progress),
        regions,
        departements: detail
            .areas
            .iter()
            .map(|a| {
                format!(
                    "{} ({}, {} commune(s))",
                    a.departement_name, a.departement_code, a.commune_count
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        communes: integer(detail.territory.commune_count),
        population: integer(detail.territory.population),
        members: detail
            .members
            .iter()
            .map(|m| MemberView {
                siren: m.siren.clone(),
                name: m.name.clone().unwrap_or_else(|| m.label.clone()),
                href: (m.nature.as_deref() != Some("COM") && m.name.is_some())
                    .then(|| format!("/epci/{}", m.siren)),
                nature: nature_label(m.nature.as_deref()),
                population: m.population.map(integer).unwrap_or_default(),
                communes: m.commune_count.map(integer).unwrap_or_default(),
                period: period(&m.valid_from, m.valid_to.as_deref()),
                in_force: m.valid_to.is_none(),
            })
            .collect(),
        map_view_box: detail
            .contour
            .as_ref()
            .map(|c| format!("-20 -20 1040 {:.0}", c.detail_height + 40.0))
            .unwrap_or_default(),
        map_path: detail.contour.map(|c| c.detail_path),
        seats: Role::ALL
            .into_iter()
            .map(
                |role| match seats.iter().find(|s| s.appointment.role == role) {
                    Some(s) => seat(&s.appointment),
                    None => SeatView {
                        role: role.label(),
                        person: "Non renseigné".into(),
                        organisation: String::new(),
                        since: String::new(),
                    },
                },
            )
            .collect(),
        appointments: detail.appointments.iter().map(seat).collect(),
        timeline: detail
            .milestones
            .iter()
            .map(|m| MilestoneView::new(m, date))
            .collect(),
        related: detail.related.iter().map(RelatedView::new).collect(),
        axes: phase.axes(),
        projects: state
            .store
            .projects_of_territory(phase, &id, date)
            .await?
            .into_iter()
            .map(|s| {
                (
                    format!("/projets/{}", crate::params::urlencode(&s.project.code)),
                    s.project.title,
                    s.status.map_or("", |st| st.label()),
                )
            })
            .collect(),
        bilan_href: format!(
            "/bilan?phase={phase}&perimetre=territoire:{id}&date={}",
            iso_date(date)
        ),
    })
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    title: String,
    nav: &'static str,
    regions: Vec<RegionCount>,
}

/// A region with its territory counts.
pub struct RegionCount {
    pub href: String,
    pub code: String,
    pub name: String,
    pub first: i64,
    pub second: i64,
}

/// `/regions`: every region with its territories per phase.
pub async fn regions(State(state): State<AppState>) -> PageResult {
    let date = time::OffsetDateTime::now_utc().date();
    let first = state.store.phase_figures(Phase::First, date).await?;
    let second = state.store.phase_figures(Phase::Second, date).await?;
    let regions = first
        .regions
        .iter()
        .zip(&second.regions)
        .filter(|(a, b)| a.attached + b.attached > 0)
        .map(|(a, b)| RegionCount {
            href: format!("/regions/{}", a.code),
            code: a.code.clone(),
            name: a.name.clone(),
            first: a.attached,
            second: b.attached,
        })
        .collect();
    render(RegionsPage {
        title: "Régions".into(),
        nav: "regions",
        regions,
    })
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    title: String,
    nav: &'static str,
    phase: &'static str,
    phases: Vec<Choice>,
    date_iso: String,
    date_long: String,
    progress: ProgressView,
    rows: Vec<TerritoryRowView>,
    map: Option<MapView>,
}

/// `/regions/{code}`: a region's territories in a phase and their progress as of a date.
pub async fn region(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<PhaseDateParams>,
) -> PageResult {
    let phase = parse::<Phase>("phase", &p.phase)?.unwrap_or(Phase::Second);
    let date = as_of(&p.date)?;
    let store = &state.store;
    let region = store
        .region(&code)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("Aucune région de code {code}")))?;
    let figures = store.phase_figures(phase, date).await?;
    let counts = figures
        .regions
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.progress)
        .unwrap_or_default();
    let list = store
        .territories(&TerritoryQuery {
            phase: Some(phase),
            region: Some(code.clone()),
            ..TerritoryQuery::all(date)
        })
        .await?;
    let names = region_names(&store.regions().await?);
    let region_shapes = store.region_shapes().await?;
    let bbox = region_shapes
        .iter()
        .find(|s| s.code == code)
        .map(|s| [s.min_x, s.min_y, s.max_x, s.max_y]);
    let map = match bbox {
        Some(bbox) => {
            let listed: std::collections::HashSet<&str> =
                list.items.iter().map(|i| i.territory.id.as_str()).collect();
            let shapes = store
                .territory_shapes(phase)
                .await?
                .into_iter()
                .filter(|s| listed.contains(s.code.as_str()))
                .collect();
            Some(MapView::around(
                format!(
                    "Carte des Territoires d'industrie de la région {}, {}",
                    region.name,
                    phase.label()
                ),
                bbox,
                region_items(region_shapes),
                territory_items(shapes, phase, &figures.territories),
            ))
        }
        None => None,
    };
    render(RegionPage {
        title: region.name.clone(),
        nav: "regions",
        phase: phase.label(),
        phases: phase_choices(Some(phase)),
        date_iso: iso_date(date),
        date_long: long_date(date),
        progress: (&counts).into(),
        rows: list
            .items
            .iter()
            .map(|i| {
                TerritoryRowView::new(i, &|c| {
                    names.get(c).cloned().unwrap_or_else(|| c.to_owned())
                })
            })
            .collect(),
        map,
    })
}

#[derive(Template)]
#[template(path = "epci.html")]
struct EpciPage {
    title: String,
    nav: &'static str,
    siren: String,
    nature: String,
    population: String,
    communes: Vec<(String, String, String)>,
    related: Vec<RelatedView>,
}

/// `/epci/{siren}`: an EPCI or EPT, its communes and the territories that cover them.
pub async fn epci(State(state): State<AppState>, Path(siren): Path<String>) -> PageResult {
    let store = &state.store;
    let g = store
        .grouping(&siren)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("Aucun EPCI de SIREN {siren}")))?;
    let communes = store
        .communes(&PlaceFilter {
            epci: Some(siren.clone()),
            limit: 10_000,
            ..Default::default()
        })
        .await?
        .items
        .into_iter()
        .map(|c| {
            (
                c.code,
                c.name,
                c.population.map(integer).unwrap_or_default(),
            )
        })
        .collect();
    let related = store.territories_of_grouping(&siren).await?;
    render(EpciPage {
        title: g.name.clone(),
        nav: "territoires",
        siren: g.siren,
        nature: nature_label(Some(&g.nature)),
        population: integer(g.population),
        communes,
        related: related.iter().map(RelatedView::new).collect(),
    })
}

#[derive(Template)]
#[template(path = "epcis.html")]
struct EpcisPage {
    title: String,
    nav: &'static str,
    q: String,
    total: String,
    rows: Vec<(String, String, String, String, String)>,
}

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    page: Option<String>,
}

/// `/epci`: search EPCIs by name.
pub async fn epcis(State(state): State<AppState>, Query(p): Query<SearchParams>) -> PageResult {
    let (page, per_page) = paging(&p.page, &None, 50, 50)?;
    let result = state
        .store
        .groupings(&PlaceFilter {
            q: given(&p.q).map(str::to_owned),
            offset: ((page - 1) * per_page) as i64,
            limit: per_page as i64,
            ..Default::default()
        })
        .await?;
    render(EpcisPage {
        title: "EPCI".into(),
        nav: "territoires",
        q: given(&p.q).unwrap_or_default().to_owned(),
        total: integer(result.total),
        rows: result
            .items
            .into_iter()
            .map(|g| {
                (
                    format!("/epci/{}", g.siren),
                    g.name,
                    g.siren,
                    nature_label(Some(&g.nature)),
                    integer(g.population),
                )
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "api.html")]
struct ApiPage {
    title: String,
    nav: &'static str,
}

/// `/api`: how to use the API.
pub async fn api_doc() -> PageResult {
    render(ApiPage {
        title: "API".into(),
        nav: "api",
    })
}
