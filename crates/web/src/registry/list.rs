//! `/territoires`: the filterable, sortable, paginated list of territories.

use askama::Template;
use axum::extract::State;
use territoires_domain::fr::{integer, iso_date, long_date};
use territoires_domain::phase::Phase;
use territoires_domain::registry::progress::Stage;

use super::home::region_names;
use super::PageResult;
use crate::access::auth::MaybeSession;
use crate::params::{given, Params, TerritoryParams};
use crate::views::{
    check_page, phase_choices, render, Choice, Chrome, Pagination, TerritoryRowView,
};
use crate::AppState;

#[derive(Template)]
#[template(path = "territories.html")]
struct TerritoriesPage {
    chrome: Chrome,
    q: String,
    date_iso: String,
    date_long: String,
    phases: Vec<Choice>,
    /// One phase is chosen: its column would repeat it on every row.
    one_phase: bool,
    regions: Vec<Choice>,
    departements: Vec<Choice>,
    stages: Vec<Choice>,
    sorts: Vec<Choice>,
    descending: bool,
    total: String,
    total_noun: &'static str,
    rows: Vec<TerritoryRowView>,
    pagination: Pagination,
    export_query: String,
}

/// `/territoires`
pub async fn territories(
    State(state): State<AppState>,
    Params(p): Params<TerritoryParams>,
    MaybeSession(session): MaybeSession,
) -> PageResult {
    let (query, page, per_page) = p.query(25, 200)?;
    let store = &state.store;
    let result = store.territories(&query).await?;
    check_page(page, per_page, result.total)?;
    let regions = store.regions().await?;
    let names = region_names(&regions);
    let departements = store.departements(query.region.as_deref()).await?;
    let selected = |v: &Option<String>, candidate: &str| given(v) == Some(candidate);
    render(TerritoriesPage {
        chrome: Chrome::new("Territoires", "territoires", &session).crumb("Territoires", None),
        q: given(&p.q).unwrap_or_default().to_owned(),
        date_iso: iso_date(query.as_of),
        date_long: long_date(query.as_of),
        phases: phase_choices(query.phase),
        one_phase: query.phase.is_some(),
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
        total_noun: if result.total > 1 {
            "territoires"
        } else {
            "territoire"
        },
        rows: result
            .items
            .iter()
            .map(|i| {
                TerritoryRowView::new(i, &|c| {
                    names.get(c).cloned().unwrap_or_else(|| c.to_owned())
                })
            })
            .collect(),
        pagination: Pagination::new(
            &format!("/territoires?{}", p.to_query_string(None)),
            page,
            per_page,
            result.total,
        ),
        export_query: p.to_query_string(None),
    })
}
