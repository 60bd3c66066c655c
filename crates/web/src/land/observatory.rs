//! `/foncier`: the land observatory of an area on a date — its brownfields by status, with their known
//! hectares and how many have no known surface, each count a link to the sites it counts, and a map of
//! their points — and `/foncier/friches(.csv)`: those sites, listed or in the CNIG standard.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use territoires_domain::fr::{integer, iso_date, long_date};
use territoires_domain::land::area::Area;
use territoires_domain::land::brownfield::BrownfieldStatus;
use territoires_domain::map::{project_overview, view_box_of_points};
use territoires_store::land::brownfields::{BrownfieldQuery, BrownfieldRow, MAX_SITES};

use super::{area_name, LandParams, LandQuery};
use crate::access::auth::MaybeSession;
use crate::bilan::pages::scope_choices;
use crate::params::Params;
use crate::registry::exports::attachment;
use crate::views::{phase_choices, render, Choice, Chrome};
use crate::{AppState, WebError};
use territoires_domain::bilan::frame::{Frame, Scope};

/// How many sites a map draws at most, and a list shows per page.
const MAP_POINTS: i64 = 5_000;
const PAGE: i64 = 200;

/// A line of the status table.
struct StatusLine {
    label: &'static str,
    code: &'static str,
    class: &'static str,
    sites: String,
    hectares: String,
    unknown: String,
    href: String,
}

/// A brownfield drawn on the map.
struct MapPoint {
    x: String,
    y: String,
    class: &'static str,
    title: String,
}

#[derive(Template)]
#[template(path = "land.html")]
struct ObservatoryPage {
    chrome: Chrome,
    phases: Vec<Choice>,
    scopes: Vec<Choice>,
    date_iso: String,
    date_long: String,
    area_name: String,
    lines: Vec<StatusLine>,
    total: String,
    mobilisable: String,
    mobilisable_hectares: String,
    view_box: String,
    points: Vec<MapPoint>,
    drawn_note: Option<String>,
    list_href: String,
    csv_href: String,
}

/// The CSS class of a status's points and legend.
fn status_class(status: BrownfieldStatus) -> &'static str {
    match status {
        BrownfieldStatus::Potential => "ti-f0",
        BrownfieldStatus::WithoutProject => "ti-f1",
        BrownfieldStatus::WithProject => "ti-f2",
        BrownfieldStatus::Converted => "ti-f3",
        BrownfieldStatus::Unknown => "ti-fx",
    }
}

/// Hectares with one decimal, French style; « inconnue » when no surface is known.
fn hectares(ha: Option<f64>) -> String {
    match ha {
        Some(ha) => {
            let tenths = (ha * 10.0).round() as i64;
            format!("{},{}", integer(tenths / 10), tenths % 10)
        }
        None => "inconnue".into(),
    }
}

/// The areas the form offers: a bilan's scopes (France, each region, each territory of the phase), and
/// the EPCI asked for.
async fn area_choices(
    state: &AppState,
    q: &LandQuery,
    name: &str,
) -> Result<Vec<Choice>, WebError> {
    let scope = match &q.frame.area {
        Area::France | Area::Epci(_) => Scope::France,
        Area::Region(r) => Scope::Region(r.clone()),
        Area::Territory(t) => Scope::Territory(t.clone()),
    };
    let mut out = scope_choices(state, &Frame::at(q.frame.phase, scope, q.frame.on)).await?;
    if let Area::Epci(siren) = &q.frame.area {
        out[0].selected = false;
        out.insert(
            1,
            Choice {
                value: format!("epci:{siren}"),
                label: name.to_owned(),
                selected: true,
            },
        );
    }
    Ok(out)
}

/// `GET /foncier`: the observatory of an area on a date.
pub async fn observatory_page(
    State(state): State<AppState>,
    Params(p): Params<LandParams>,
    MaybeSession(session): MaybeSession,
) -> Result<Html<String>, WebError> {
    let q = p.parse()?;
    let name = area_name(&state, &q).await?;
    let summary = state.store.brownfield_summary(&q.frame).await?;
    let frame_query = q.frame_query();
    let lines = summary
        .by_status
        .iter()
        .map(|l| StatusLine {
            label: l.status.label(),
            code: l.status.slug(),
            class: status_class(l.status),
            sites: integer(l.sites as i64),
            hectares: hectares(l.known_hectares),
            unknown: integer(l.unknown_surface as i64),
            href: format!("/foncier/friches?{frame_query}&statut={}", l.status.slug()),
        })
        .collect();
    let (mobilisable, mobilisable_ha) = summary.mobilisable();
    let rows = state
        .store
        .brownfields(&BrownfieldQuery {
            frame: q.frame.clone(),
            status: None,
            after: None,
            site: None,
            limit: MAP_POINTS,
        })
        .await?;
    let projected: Vec<(&BrownfieldRow, (f64, f64))> = rows
        .iter()
        .filter_map(|r| Some((r, project_overview(r.lon?, r.lat?)?)))
        .collect();
    let view_box = view_box_of_points(projected.iter().map(|(_, xy)| *xy))
        .unwrap_or_else(|| "0 0 100 100".into());
    let points: Vec<MapPoint> = projected
        .iter()
        .map(|(r, (x, y))| MapPoint {
            x: format!("{x:.1}"),
            y: format!("{y:.1}"),
            class: status_class(r.status()),
            title: format!(
                "{} — {} ({})",
                r.name.as_deref().unwrap_or("friche sans nom"),
                r.status,
                r.commune_code
            ),
        })
        .collect();
    let total = summary.sites();
    let drawn_note = (total > points.len() as u64).then(|| {
        format!(
            "{} friches sur {} sont placées sur la carte (les autres n'ont pas de point connu, ou la carte s'arrête aux {} premières).",
            integer(points.len() as i64),
            integer(total as i64),
            integer(MAP_POINTS)
        )
    });
    render(ObservatoryPage {
        chrome: Chrome::new(
            format!("Observatoire du foncier — {name}"),
            "foncier",
            &session,
        )
        .crumb("Foncier économique", Some("/foncier".into()))
        .crumb(name.clone(), None),
        phases: phase_choices(Some(q.frame.phase)),
        scopes: area_choices(&state, &q, &name).await?,
        date_iso: iso_date(q.frame.on),
        date_long: long_date(q.frame.on),
        area_name: name,
        lines,
        total: integer(total as i64),
        mobilisable: integer(mobilisable as i64),
        mobilisable_hectares: match mobilisable_ha {
            Some(_) => format!("{} ha", hectares(mobilisable_ha)),
            None => "inconnue".into(),
        },
        view_box,
        points,
        drawn_note,
        list_href: format!("/foncier/friches?{frame_query}"),
        csv_href: format!("/foncier/friches.csv?{frame_query}"),
    })
}

#[derive(Template)]
#[template(path = "brownfields.html")]
struct BrownfieldsPage {
    chrome: Chrome,
    title: String,
    rows: Vec<BrownfieldRow>,
    next_href: Option<String>,
    csv_href: String,
    observatory_href: String,
}

/// `GET /foncier/friches`: the brownfields an observatory figure counts, by site id, a page at a time.
pub async fn brownfields_page(
    State(state): State<AppState>,
    Params(p): Params<LandParams>,
    MaybeSession(session): MaybeSession,
) -> Result<Html<String>, WebError> {
    let q = p.parse()?;
    let name = area_name(&state, &q).await?;
    let rows = state
        .store
        .brownfields(&BrownfieldQuery {
            frame: q.frame.clone(),
            status: q.status,
            after: q.after.clone(),
            site: None,
            limit: PAGE + 1,
        })
        .await?;
    let mut rows = rows;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let status_query = q
        .status
        .map(|s| format!("&statut={}", s.slug()))
        .unwrap_or_default();
    let frame_query = q.frame_query();
    let title = format!(
        "Friches{} — {name} au {}",
        q.status
            .map(|s| format!(" « {} »", s.label()))
            .unwrap_or_default(),
        long_date(q.frame.on)
    );
    render(BrownfieldsPage {
        chrome: Chrome::new(title.clone(), "foncier", &session)
            .crumb(
                "Foncier économique",
                Some(format!("/foncier?{frame_query}")),
            )
            .crumb("Friches", None),
        next_href: more.then(|| {
            format!(
                "/foncier/friches?{frame_query}{status_query}&apres={}",
                rows.last().map(|r| r.site_id.as_str()).unwrap_or_default()
            )
        }),
        csv_href: format!("/foncier/friches.csv?{frame_query}{status_query}"),
        observatory_href: format!("/foncier?{frame_query}"),
        title,
        rows,
    })
}

#[derive(Template)]
#[template(path = "brownfield.html")]
struct BrownfieldPage {
    chrome: Chrome,
    site: BrownfieldRow,
    date_long: String,
    standard: Vec<(String, String)>,
    statuses: Vec<territoires_store::land::brownfields::StatusRecord>,
    journal: Vec<crate::history::HistoryRow>,
}

/// `GET /foncier/friches/{site_id}`: a brownfield — its description, its status on the date, every dated
/// status with its source, and (for agents) the history of its records.
pub async fn brownfield_page(
    State(state): State<AppState>,
    crate::params::PathParams(site_id): crate::params::PathParams<String>,
    Params(p): Params<LandParams>,
    MaybeSession(session): MaybeSession,
) -> Result<Html<String>, WebError> {
    let q = p.parse()?;
    let unknown = || {
        let shown: String = site_id
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        WebError::NotFound(format!(
            "Aucune friche « {shown} » connue au {}",
            long_date(q.frame.on)
        ))
    };
    let site = state
        .store
        .brownfield(&site_id, q.frame.on)
        .await?
        .ok_or_else(unknown)?;
    let statuses = state.store.brownfield_statuses(&site_id).await?;
    let mut subjects: Vec<(&str, String)> = vec![("brownfield", site_id.clone())];
    subjects.extend(
        statuses
            .iter()
            .map(|s| ("brownfield_status", format!("{site_id}@{}", s.since))),
    );
    let journal = crate::history::for_reader(&state, session.is_some(), &subjects).await?;
    let standard = site.site().standard.into_iter().collect();
    render(BrownfieldPage {
        chrome: Chrome::new(
            format!("Friche {}", site.name.as_deref().unwrap_or(&site.site_id)),
            "foncier",
            &session,
        )
        .crumb("Foncier économique", Some("/foncier".into()))
        .crumb(site.site_id.clone(), None),
        date_long: long_date(q.frame.on),
        site,
        standard,
        statuses,
        journal,
    })
}

/// `GET /foncier/friches.csv`: the brownfields of the area on the date (and status), in the CNIG
/// *friches* standard 1.0.6.
pub async fn brownfields_csv(
    State(state): State<AppState>,
    Params(p): Params<LandParams>,
) -> Result<Response, WebError> {
    let q = p.parse()?;
    let Some(schema) = state.options.friches_schema.clone() else {
        return Err(WebError::Export(
            "le schéma CNIG friches n'est pas chargé : l'export au standard n'est pas disponible"
                .into(),
        ));
    };
    let rows = state
        .store
        .brownfields(&BrownfieldQuery {
            frame: q.frame.clone(),
            status: q.status,
            after: None,
            site: None,
            limit: MAX_SITES,
        })
        .await?;
    let body = state
        .store
        .compute(move || territoires_ingest::land::export::brownfields_csv(&schema, &rows))
        .await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        "friches.csv".into(),
        body,
    ))
}
