//! The home page (the programme in figures and on a map) and the region pages.

use std::collections::{BTreeMap, HashMap, HashSet};

use askama::Template;
use serde::Deserialize;
use territoires_domain::fr::{integer, iso_date, long_date};
use territoires_domain::phase::Phase;
use territoires_domain::registry::progress::Progress;
use territoires_store::registry::referential::RegionRow;
use territoires_store::registry::territories::{MapShape, TerritoryQuery};

use super::PageResult;
use crate::access::auth::MaybeSession;
use crate::access::Seen;
use crate::bilan::pages::default_phase;
use crate::params::Params;
use crate::params::{as_of, parse, PathParams};
use crate::views::{
    phase_choices, region_items, render, stage_class, territory_href, Choice, Chrome, MapItem,
    MapView, ProgressView, TerritoryRowView,
};
use crate::{AppState, WebError};

/// Region names by code.
pub fn region_names(regions: &[RegionRow]) -> HashMap<String, String> {
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
    chrome: Chrome,
    phase: &'static str,
    phases: Vec<Choice>,
    date_iso: String,
    date_long: String,
    coverage: Vec<CoverageView>,
    total: ProgressView,
    regions: Vec<RegionLine>,
    map: MapView,
    /// Said plainly when nothing is recorded for the phase yet.
    no_data: Option<String>,
    bilan_href: String,
}

/// Phase and date of a page.
#[derive(Deserialize)]
pub struct PhaseDateParams {
    phase: Option<String>,
    date: Option<String>,
}

/// The phase asked, else the latest holding data; and whether it holds any.
async fn phase_of(
    state: &AppState,
    asked: &Option<String>,
) -> Result<(Phase, Option<String>), WebError> {
    let phase = match parse::<Phase>("phase", asked)? {
        Some(p) => p,
        None => default_phase(state).await?,
    };
    let with_data = state.store.phases_with_data().await?;
    let no_data = (!with_data.iter().any(|(p, _)| *p == phase)).then(|| {
        format!(
            "Aucun jalon d'avancement ni aucun projet n'est encore enregistré pour la {} : les territoires y sont labellisés, leur avancement est inconnu.",
            phase.label()
        )
    });
    Ok((phase, no_data))
}

/// Map items of a phase's territories, classed by their progress.
fn territory_items(
    shapes: Vec<MapShape>,
    phase: Phase,
    progress: &BTreeMap<String, Progress>,
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

/// `/`: the programme in figures and on a map.
pub async fn home(
    Seen(state): Seen,
    Params(p): Params<PhaseDateParams>,
    MaybeSession(session): MaybeSession,
) -> PageResult {
    let (phase, no_data) = phase_of(&state, &p.phase).await?;
    let date = as_of(&p.date)?;
    phase
        .check_date(date)
        .map_err(|e| crate::params::bad("date", e))?;
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
        chrome: Chrome::home(&session),
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
        no_data,
        bilan_href: format!("/bilan?phase={}&date={}", phase.slug(), iso_date(date)),
    })
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    chrome: Chrome,
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

/// `/regions`: every region with its territories per phase (labelled today).
pub async fn regions(Seen(state): Seen, MaybeSession(session): MaybeSession) -> PageResult {
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
        chrome: Chrome::new("Régions", "regions", &session).crumb("Régions", None),
        regions,
    })
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    chrome: Chrome,
    phase: &'static str,
    phases: Vec<Choice>,
    date_iso: String,
    date_long: String,
    progress: ProgressView,
    rows: Vec<TerritoryRowView>,
    map: Option<MapView>,
    no_data: Option<String>,
    bilan_href: String,
}

/// `/regions/{code}`: a region's territories in a phase and their progress as of a date.
pub async fn region(
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    Params(p): Params<PhaseDateParams>,
    MaybeSession(session): MaybeSession,
) -> PageResult {
    let (phase, no_data) = phase_of(&state, &p.phase).await?;
    let date = as_of(&p.date)?;
    phase
        .check_date(date)
        .map_err(|e| crate::params::bad("date", e))?;
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
            let listed: HashSet<&str> =
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
        chrome: Chrome::new(region.name.clone(), "regions", &session)
            .crumb("Régions", Some("/regions".into()))
            .crumb(region.name.clone(), None),
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
        no_data,
        bilan_href: format!(
            "/bilan?phase={}&perimetre=region:{code}&date={}",
            phase.slug(),
            iso_date(date)
        ),
    })
}
