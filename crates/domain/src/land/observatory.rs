//! The land observatory's figures, computed from the records they count: brownfields by status on a
//! date, with their known surface and how many have none (an unknown surface is never counted as zero).

use serde::Serialize;

use super::brownfield::BrownfieldStatus;

/// The brownfields of one status in an area on a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusCount {
    /// The status.
    pub status: BrownfieldStatus,
    /// How many sites.
    pub sites: u64,
    /// The sum of the land surfaces known, in hectares; `None` when no site's is known (a sum over no
    /// record is unknown, never 0).
    pub known_hectares: Option<f64>,
    /// How many of the sites have no known surface.
    pub unknown_surface: u64,
}

/// The brownfields of an area on a date, by status (every status, in [`BrownfieldStatus::ALL`] order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrownfieldSummary {
    /// One line per status.
    pub by_status: Vec<StatusCount>,
}

impl BrownfieldSummary {
    /// The summary of brownfields given as `(status on the date, land surface in m² if known)`.
    pub fn of(sites: impl IntoIterator<Item = (BrownfieldStatus, Option<i64>)>) -> Self {
        let mut by_status: Vec<StatusCount> = BrownfieldStatus::ALL
            .into_iter()
            .map(|status| StatusCount {
                status,
                sites: 0,
                known_hectares: None,
                unknown_surface: 0,
            })
            .collect();
        for (status, area) in sites {
            let line = by_status
                .iter_mut()
                .find(|l| l.status == status)
                .expect("every status has its line");
            line.sites += 1;
            match area {
                Some(m2) => {
                    *line.known_hectares.get_or_insert(0.0) += m2 as f64 / 10_000.0;
                }
                None => line.unknown_surface += 1,
            }
        }
        BrownfieldSummary { by_status }
    }

    /// How many sites in all.
    pub fn sites(&self) -> u64 {
        self.by_status.iter().map(|l| l.sites).sum()
    }

    /// The sites still to mobilise (with or without a project) and their known hectares (`None` when
    /// none is known).
    pub fn mobilisable(&self) -> (u64, Option<f64>) {
        self.by_status
            .iter()
            .filter(|l| l.status.is_mobilisable())
            .fold((0, None), |(n, ha), l| {
                let ha = match (ha, l.known_hectares) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                };
                (n + l.sites, ha)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BrownfieldStatus::*;

    #[test]
    fn sites_count_by_status_and_an_unknown_surface_is_counted_apart() {
        let summary = BrownfieldSummary::of([
            (WithoutProject, Some(25_000)),
            (WithoutProject, None),
            (WithProject, Some(10_000)),
            (Converted, Some(40_000)),
        ]);
        let line = |s| summary.by_status.iter().find(|l| l.status == s).unwrap();
        assert_eq!(line(WithoutProject).sites, 2);
        assert_eq!(line(WithoutProject).known_hectares, Some(2.5));
        assert_eq!(
            line(Potential).known_hectares,
            None,
            "no site: unknown, not 0"
        );
        assert_eq!(line(WithoutProject).unknown_surface, 1);
        assert_eq!(line(Potential).sites, 0);
        assert_eq!(summary.sites(), 4);
        assert_eq!(summary.mobilisable(), (3, Some(3.5)));
        let unknown = BrownfieldSummary::of([(WithProject, None)]);
        assert_eq!(unknown.mobilisable(), (1, None));
        assert_eq!(summary.by_status.len(), BrownfieldStatus::ALL.len());
    }
}
