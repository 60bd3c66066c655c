//! The programme in figures: coverage per phase and progress per region, at any date.

use std::collections::BTreeMap;

use serde::Serialize;
use territoires_domain::phase::Phase;
use territoires_domain::registry::progress::{Progress, ProgressCounts};

/// What a phase covers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    /// Labelled territories.
    pub territories: i64,
    /// Distinct EPCIs (and EPTs) in perimeters in force.
    pub epcis: i64,
    /// Single communes that are members in their own right.
    pub single_communes: i64,
    /// Distinct communes covered.
    pub communes: i64,
    /// Their municipal population.
    pub population: i64,
}

/// Figures of one region in a phase.
#[derive(Debug, Clone, Serialize)]
pub struct RegionFigures {
    /// Region code.
    pub code: String,
    /// Region name.
    pub name: String,
    /// Territories attached to the region (by their ANCT id).
    pub attached: i64,
    /// Progress of the attached territories at the date asked.
    pub progress: ProgressCounts,
}

/// Progress of a phase at a date, overall, per region and per territory.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseFigures {
    /// The phase.
    pub phase: Phase,
    /// Progress of all its territories at the date.
    pub progress: ProgressCounts,
    /// Per region of attachment, by region code.
    pub regions: Vec<RegionFigures>,
    /// Each territory's progress, by ANCT id.
    pub territories: BTreeMap<String, Progress>,
}
