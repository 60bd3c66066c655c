//! The programme in figures: coverage per phase and progress per region, at any date.

use std::collections::BTreeMap;

use serde::Serialize;
use territoires_domain::milestone::{Progress, ProgressCounts};
use territoires_domain::phase::Phase;
use time::Date;

use crate::history::milestones_by_territory;
use crate::{Result, Store};

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

impl Store {
    /// Coverage of each phase (territories, EPCIs, communes, population), as derived by the last import.
    pub async fn coverage(&self) -> Result<BTreeMap<Phase, Coverage>> {
        let mut out: BTreeMap<Phase, Coverage> = Phase::ALL
            .into_iter()
            .map(|p| (p, Coverage::default()))
            .collect();
        let rows: Vec<(String, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT phase, territories, epcis, single_communes, communes, population FROM phase_coverage",
        )
        .fetch_all(&self.pool)
        .await?;
        for (phase, territories, epcis, single_communes, communes, population) in rows {
            if let Ok(p) = phase.parse::<Phase>() {
                out.insert(
                    p,
                    Coverage {
                        territories,
                        epcis,
                        single_communes,
                        communes,
                        population,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Progress of a phase's territories at a date, overall and per region of attachment (every region is
    /// listed, with zeros where it has no territory).
    pub async fn phase_figures(&self, phase: Phase, as_of: Date) -> Result<PhaseFigures> {
        let territories: Vec<(String, String)> =
            sqlx::query_as("SELECT id, region_code FROM territories WHERE phase = $1")
                .bind(phase.slug())
                .fetch_all(&self.pool)
                .await?;
        let milestones = milestones_by_territory(&self.pool, Some(phase.slug())).await?;
        let mut regions: BTreeMap<String, RegionFigures> = self
            .regions()
            .await?
            .into_iter()
            .map(|r| {
                let figures = RegionFigures {
                    code: r.code.clone(),
                    name: r.name,
                    attached: 0,
                    progress: ProgressCounts::default(),
                };
                (r.code, figures)
            })
            .collect();
        let mut progress = ProgressCounts::default();
        let mut by_territory = BTreeMap::new();
        for (id, region) in territories {
            let history = milestones
                .get(&(phase.slug().to_owned(), id.clone()))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let p = Progress::as_of(history, as_of);
            by_territory.insert(id, p);
            progress.add(p);
            let r = regions
                .entry(region.clone())
                .or_insert_with(|| RegionFigures {
                    code: region.clone(),
                    name: region,
                    attached: 0,
                    progress: ProgressCounts::default(),
                });
            r.attached += 1;
            r.progress.add(p);
        }
        Ok(PhaseFigures {
            phase,
            progress,
            regions: regions.into_values().collect(),
            territories: by_territory,
        })
    }
}
