//! The programme in figures: coverage per phase and progress per region, at any date.

use std::collections::BTreeMap;

use serde::Serialize;
use territoires_domain::milestone::{Progress, ProgressCounts};
use territoires_domain::phase::Phase;
use time::Date;

use crate::history::milestones_by_territory;
use crate::{Result, Store, CURRENT_MILLESIME};

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
    /// Coverage of each phase (territories, EPCIs, communes, population).
    pub async fn coverage(&self) -> Result<BTreeMap<Phase, Coverage>> {
        let mut out: BTreeMap<Phase, Coverage> = Phase::ALL
            .into_iter()
            .map(|p| (p, Coverage::default()))
            .collect();
        let territories: Vec<(String, i64)> =
            sqlx::query_as("SELECT phase, COUNT(*) FROM territories GROUP BY phase")
                .fetch_all(&self.pool)
                .await?;
        let members: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT pm.phase,
                    COUNT(DISTINCT CASE WHEN g.siren IS NOT NULL THEN pm.siren END),
                    COUNT(DISTINCT CASE WHEN g.siren IS NULL THEN pm.siren END)
             FROM perimeter_members pm
             LEFT JOIN groupings g ON g.millesime = {CURRENT_MILLESIME} AND g.siren = pm.siren
             WHERE pm.valid_to IS NULL GROUP BY pm.phase"
        ))
        .fetch_all(&self.pool)
        .await?;
        let communes: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT tc.phase, COUNT(*), CAST(COALESCE(SUM(c.population), 0) AS BIGINT)
             FROM (SELECT DISTINCT phase, commune_code FROM territory_communes) tc
             JOIN communes c ON c.millesime = {CURRENT_MILLESIME} AND c.code = tc.commune_code
             GROUP BY tc.phase"
        ))
        .fetch_all(&self.pool)
        .await?;
        for (phase, n) in territories {
            if let Ok(p) = phase.parse::<Phase>() {
                out.entry(p).or_default().territories = n;
            }
        }
        for (phase, epcis, single) in members {
            if let Ok(p) = phase.parse::<Phase>() {
                let c = out.entry(p).or_default();
                c.epcis = epcis;
                c.single_communes = single;
            }
        }
        for (phase, n, population) in communes {
            if let Ok(p) = phase.parse::<Phase>() {
                let c = out.entry(p).or_default();
                c.communes = n;
                c.population = population;
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
