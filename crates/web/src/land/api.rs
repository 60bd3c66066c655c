//! `/api/v1/foncier`: the land observatory of an area on a date, as JSON — each figure with the address
//! of the sites it counts.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use territoires_domain::fr::iso_date;
use utoipa::{IntoParams, ToSchema};

use super::{area_name, LandParams};
use crate::api::ApiResult;
use crate::params::Params;
use crate::AppState;

/// The observatory's question.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObservatoryParams {
    /// `2018-2022` or `2023-2027`: the phase a territory's id is read in (default 2023-2027).
    #[param(pattern = "^(2018-2022|2023-2027)$")]
    phase: Option<String>,
    /// `france` (default), `region:44`, `territoire:ti-4415` or `epci:200039865`.
    perimetre: Option<String>,
    /// Date, AAAA-MM-JJ (default today).
    date: Option<String>,
}

/// The brownfields of one status.
#[derive(Serialize, ToSchema)]
pub struct StatusDto {
    /// The CNIG standard's value (`friche sans projet`…).
    statut: &'static str,
    /// Sites of that status on the date.
    sites: u64,
    /// The sum of their known land surfaces, in hectares; `null` when none is known.
    hectares_connus: Option<f64>,
    /// How many of them have no known surface (not counted as 0).
    surface_inconnue: u64,
    /// The page listing them.
    enregistrements: String,
}

/// The land observatory of an area on a date.
#[derive(Serialize, ToSchema)]
pub struct ObservatoryDto {
    /// The area (`region:44`…).
    perimetre: String,
    /// Its name.
    nom: String,
    /// The phase a territory is read in.
    phase: &'static str,
    /// The date.
    date: String,
    /// Brownfields by status.
    friches: Vec<StatusDto>,
    /// Sites still to mobilise (with or without a project).
    friches_a_mobiliser: u64,
    /// Their known hectares; `null` when none is known.
    hectares_a_mobiliser: Option<f64>,
}

#[utoipa::path(get, path = "/api/v1/foncier", tag = "Foncier", summary = "L'observatoire du foncier d'un périmètre à une date : les friches par statut, avec leurs surfaces connues et les sites comptés.", params(ObservatoryParams),
    responses((status = 200, body = ObservatoryDto)))]
pub async fn observatory(
    State(state): State<AppState>,
    Params(p): Params<ObservatoryParams>,
) -> ApiResult<ObservatoryDto> {
    let q = LandParams {
        phase: p.phase,
        perimetre: p.perimetre,
        date: p.date,
        ..LandParams::default()
    }
    .parse()?;
    let nom = area_name(&state, &q).await?;
    let summary = state.store.brownfield_summary(&q.frame).await?;
    let frame_query = q.frame_query();
    let (mobilisable, hectares) = summary.mobilisable();
    Ok(Json(ObservatoryDto {
        perimetre: q.frame.area.to_string(),
        nom,
        phase: q.frame.phase.slug(),
        date: iso_date(q.frame.on),
        friches: summary
            .by_status
            .iter()
            .map(|l| StatusDto {
                statut: l.status.label(),
                sites: l.sites,
                hectares_connus: l.known_hectares.map(round),
                surface_inconnue: l.unknown_surface,
                enregistrements: format!(
                    "/foncier/friches?{frame_query}&statut={}",
                    l.status.slug()
                ),
            })
            .collect(),
        friches_a_mobiliser: mobilisable,
        hectares_a_mobiliser: hectares.map(round),
    }))
}

/// Hectares to the hundredth.
fn round(hectares: f64) -> f64 {
    (hectares * 100.0).round() / 100.0
}
