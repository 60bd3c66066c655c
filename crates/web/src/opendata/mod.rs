//! Open data: the `/donnees` page, which lists every dataset with its schema, licence, update date and
//! row count, and the datasets' files (`/donnees/{slug}.{csv,json,xlsx}`).

use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use territoires_domain::fr::{iso_date, long_date};
use territoires_domain::opendata::{self, Dataset, LICENCE, LICENCE_URL};
use territoires_ingest::opendata as files;

use crate::access::auth::MaybeSession;
use crate::params::PathParams;
use crate::registry::exports::attachment;
use crate::views::{render, Chrome};
use crate::{AppState, WebError};

/// A dataset as the page lists it.
struct DatasetView {
    dataset: &'static Dataset,
    updated: String,
    rows: usize,
    withheld: Vec<(&'static str, usize)>,
}

#[derive(Template)]
#[template(path = "opendata.html")]
struct DataPage {
    chrome: Chrome,
    datasets: Vec<DatasetView>,
    licence: &'static str,
    licence_url: &'static str,
}

/// `/donnees`: every dataset of the catalogue.
pub async fn data_page(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
) -> Result<Html<String>, WebError> {
    let mut datasets = Vec::new();
    for dataset in opendata::DATASETS {
        let published = state.store.publication(dataset).await?;
        datasets.push(DatasetView {
            dataset,
            updated: published
                .updated
                .map(|at| long_date(at.date()))
                .unwrap_or_else(|| "jamais".into()),
            rows: published.publication.rows.len(),
            withheld: published
                .publication
                .withheld
                .iter()
                .map(|(r, n)| (*r, *n))
                .collect(),
        });
    }
    render(DataPage {
        chrome: Chrome::new("Données ouvertes", "donnees", &session)
            .crumb("Données ouvertes", None),
        datasets,
        licence: LICENCE,
        licence_url: LICENCE_URL,
    })
}

/// `/donnees/{fichier}`: a dataset as CSV, JSON or XLSX (the shared answers' cache gives them their
/// `ETag` and CORS, see `cache`).
pub async fn download(
    State(state): State<AppState>,
    PathParams(file): PathParams<String>,
) -> Result<Response, WebError> {
    let not_found = || {
        // The name is echoed shortened and printable only: the address is whatever was typed.
        let shown: String = file.chars().filter(|c| !c.is_control()).take(60).collect();
        WebError::NotFound(format!(
            "Aucun fichier « {shown} » : les jeux de données sont listés sur /donnees"
        ))
    };
    if let Some(slug) = file.strip_suffix(".schema.json") {
        let schema = opendata::dataset(slug)
            .and_then(Dataset::table_schema)
            .ok_or_else(not_found)?;
        let body = serde_json::to_vec_pretty(&schema).expect("a schema serialises");
        return Ok(attachment(
            "application/json",
            format!("{slug}.schema.json"),
            body,
        ));
    }
    let (slug, format) = file.rsplit_once('.').ok_or_else(not_found)?;
    let dataset = opendata::dataset(slug).ok_or_else(not_found)?;
    let published = state.store.publication(dataset).await?;
    let p = &published.publication;
    let (content_type, body) = match format {
        "csv" => ("text/csv; charset=utf-8", files::csv(dataset, p)),
        "json" => ("application/json", files::json(dataset, p)),
        "geojson" => (
            "application/geo+json",
            files::geojson(dataset, p).ok_or_else(not_found)?,
        ),
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            files::xlsx(dataset, p).map_err(|e| WebError::Internal(format!("classeur : {e}")))?,
        ),
        _ => return Err(not_found()),
    };
    let day = published.updated.map(|at| iso_date(at.date()));
    let name = format!("{slug}-{}.{format}", day.as_deref().unwrap_or("vide"));
    Ok(attachment(content_type, name, body))
}
