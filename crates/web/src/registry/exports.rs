//! Downloads of the territory list as CSV and XLSX, with the same filters as the page.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use territoires_domain::fr::iso_date;
use territoires_ingest::registry::export::{territories_csv, territories_xlsx};
use territoires_store::registry::territories::TerritoryListItem;
use time::Date;

use crate::params::{Params, TerritoryParams};
use crate::{AppState, WebError};

/// A download: its type, file name and bytes.
pub(crate) fn attachment(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Every territory matching the filters (no paging), with the date of the figures.
async fn all_matching(
    state: &AppState,
    p: &TerritoryParams,
) -> Result<(Vec<TerritoryListItem>, Date), WebError> {
    let (mut query, _, _) = p.query(1, usize::MAX)?;
    query.offset = 0;
    query.limit = usize::MAX;
    Ok((state.store.territories(&query).await?.items, query.as_of))
}

/// `/territoires.csv`
pub async fn territories_csv_export(
    State(state): State<AppState>,
    Params(p): Params<TerritoryParams>,
) -> Result<Response, WebError> {
    let (items, as_of) = all_matching(&state, &p).await?;
    let name = format!("territoires-{}.csv", iso_date(as_of));
    Ok(attachment(
        "text/csv; charset=utf-8",
        name,
        territories_csv(&items, as_of),
    ))
}

/// `/territoires.xlsx`
pub async fn territories_xlsx_export(
    State(state): State<AppState>,
    Params(p): Params<TerritoryParams>,
) -> Result<Response, WebError> {
    let (items, as_of) = all_matching(&state, &p).await?;
    let body = territories_xlsx(&items, as_of).map_err(|e| WebError::Export(e.to_string()))?;
    let name = format!("territoires-{}.xlsx", iso_date(as_of));
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        name,
        body,
    ))
}
