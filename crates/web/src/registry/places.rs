//! EPCIs and EPTs: search, and the page of one with its communes and the territories covering it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use territoires_domain::fr::{count, integer};
use territoires_domain::registry::referential::GroupingNature;
use territoires_ingest::registry::export;
use territoires_store::registry::referential::{GroupingRow, PlaceFilter};
use territoires_store::registry::territories::RelatedTerritory;

use super::PageResult;
use crate::access::auth::MaybeSession;
use crate::params::Params;
use crate::params::{given, paging, PathParams};
use crate::registry::exports::attachment;
use crate::views::{check_page, phase_label, render, territory_href, Chrome, Pagination};
use crate::{AppState, WebError};

/// The label of a grouping's nature code (`COM` for a single commune).
pub fn nature_label(code: Option<&str>) -> String {
    match code {
        Some("COM") => "Commune".into(),
        Some(c) => c
            .parse::<GroupingNature>()
            .map(|n| n.label().to_owned())
            .unwrap_or_else(|_| c.to_owned()),
        None => "Absent du référentiel".into(),
    }
}

/// A territory of the other phase, or covering an EPCI.
pub struct RelatedView {
    pub href: String,
    pub name: String,
    pub phase: &'static str,
    pub shared: String,
}

impl RelatedView {
    pub fn new(r: &RelatedTerritory) -> Self {
        RelatedView {
            href: territory_href(&r.phase, &r.id),
            name: format!("{} ({})", r.name, r.id),
            phase: phase_label(&r.phase),
            shared: format!(
                "{} en commun sur {}",
                count(r.shared_communes, "commune", "communes"),
                integer(r.commune_count)
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "epci.html")]
struct EpciPage {
    chrome: Chrome,
    siren: String,
    nature: String,
    population: String,
    communes: Vec<(String, String, String)>,
    related: Vec<RelatedView>,
}

/// `/epci/{siren}`: an EPCI or EPT, its communes and the territories that cover them.
pub async fn epci(
    State(state): State<AppState>,
    PathParams(siren): PathParams<String>,
    MaybeSession(session): MaybeSession,
) -> PageResult {
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
        chrome: Chrome::new(g.name.clone(), "territoires", &session)
            .crumb("EPCI", Some("/epci".into()))
            .crumb(g.name.clone(), None),
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
    chrome: Chrome,
    q: String,
    /// The search, as the download links keep it (`?q=…`, or nothing).
    query: String,
    total: String,
    rows: Vec<(String, String, String, String, String)>,
    pagination: Pagination,
}

/// Search of the EPCI list.
#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    page: Option<String>,
}

/// Every EPCI the search finds (2,000 at most: there are 1,266), for its downloads.
async fn all_epcis(state: &AppState, p: &SearchParams) -> Result<Vec<GroupingRow>, WebError> {
    Ok(state
        .store
        .groupings(&PlaceFilter {
            q: given(&p.q).map(str::to_owned),
            limit: 2_000,
            ..Default::default()
        })
        .await?
        .items)
}

/// `/epci.csv`: the EPCI list of the search.
pub async fn epcis_csv(
    State(state): State<AppState>,
    Params(p): Params<SearchParams>,
) -> Result<Response, WebError> {
    let items = all_epcis(&state, &p).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        "epci.csv".into(),
        export::epcis_csv(&items),
    ))
}

/// `/epci.xlsx`: the EPCI list of the search.
pub async fn epcis_xlsx(
    State(state): State<AppState>,
    Params(p): Params<SearchParams>,
) -> Result<Response, WebError> {
    let items = all_epcis(&state, &p).await?;
    let body = export::epcis_xlsx(&items).map_err(|e| WebError::Export(e.to_string()))?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "epci.xlsx".into(),
        body,
    ))
}

/// `/epci`: search EPCIs by name.
pub async fn epcis(
    State(state): State<AppState>,
    Params(p): Params<SearchParams>,
    MaybeSession(session): MaybeSession,
) -> PageResult {
    let (page, per_page) = paging(&p.page, &None, 50, 50)?;
    let q = given(&p.q).unwrap_or_default().to_owned();
    let result = state
        .store
        .groupings(&PlaceFilter {
            q: given(&p.q).map(str::to_owned),
            offset: ((page - 1) * per_page) as i64,
            limit: per_page as i64,
            ..Default::default()
        })
        .await?;
    check_page(page, per_page, result.total)?;
    render(EpcisPage {
        chrome: Chrome::new("EPCI", "territoires", &session).crumb("EPCI", None),
        pagination: Pagination::new(
            &format!("/epci?q={}", crate::params::urlencode(&q)),
            page,
            per_page,
            result.total,
        ),
        query: match q.as_str() {
            "" => String::new(),
            q => format!("?q={}", crate::params::urlencode(q)),
        },
        q,
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
