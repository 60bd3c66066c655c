//! The two phases of the programme, each with its own axes and labelling date.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{macros::date, Date};

use crate::portfolio::project::Axis;
use crate::registry::labelling::AnnouncedCount;
use crate::registry::milestone::{Milestone, MilestoneKind};
use crate::DomainError;

/// A phase of the programme. Territories, their ids and their axes only make sense within a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Phase {
    /// 2018–2022: 124 territories labelled on 22 November 2018, 149 at the end.
    #[serde(rename = "2018-2022")]
    First,
    /// 2023–2027: 183 territories labelled on 9 November 2023.
    #[serde(rename = "2023-2027")]
    Second,
}

impl Phase {
    /// Both phases, oldest first.
    pub const ALL: [Phase; 2] = [Phase::First, Phase::Second];

    /// The slug used in URLs, the database and files: `2018-2022` or `2023-2027`.
    pub fn slug(self) -> &'static str {
        match self {
            Phase::First => "2018-2022",
            Phase::Second => "2023-2027",
        }
    }

    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Phase::First => "Phase 1 (2018-2022)",
            Phase::Second => "Phase 2 (2023-2027)",
        }
    }

    /// The date of the phase's (first) national labelling, used as the start of perimeters whose own
    /// labelling date the sources do not give.
    pub fn labelling_date(self) -> Date {
        match self {
            Phase::First => date!(2018 - 11 - 22),
            Phase::Second => date!(2023 - 11 - 09),
        }
    }

    /// The last day of the phase.
    pub fn end_date(self) -> Date {
        match self {
            Phase::First => date!(2022 - 12 - 31),
            Phase::Second => date!(2027 - 12 - 31),
        }
    }

    /// The last date a bilan of the phase may be asked for: payments and evaluations go on after a phase
    /// ends, so ten years after its end. Later dates are refused rather than computed.
    pub fn horizon(self) -> Date {
        Date::from_calendar_date(self.end_date().year() + 10, time::Month::December, 31)
            .expect("31 December exists every year")
    }

    /// Checks that a bilan can be read at `date` for the phase: from 2018 to the phase's horizon.
    pub fn check_date(self, date: Date) -> Result<(), DomainError> {
        let first = date!(2018 - 01 - 01);
        if date < first || date > self.horizon() {
            return Err(DomainError::Rule(format!(
                "date {} hors de ce que la {} peut couvrir (du {} au {})",
                crate::fr::iso_date(date),
                self.label(),
                crate::fr::long_date(first),
                crate::fr::long_date(self.horizon())
            )));
        }
        Ok(())
    }

    /// The counts of territories the programme announced, in order (sources in `crates/ingest/reference`):
    /// phase 1 grew in waves, phase 2's 183 were labelled together.
    pub fn announced_counts(self) -> &'static [AnnouncedCount] {
        const FIRST: [AnnouncedCount; 5] = [
            AnnouncedCount {
                on: date!(2018 - 11 - 22),
                territories: 124,
                event: "lancement du programme",
            },
            AnnouncedCount {
                on: date!(2019 - 03 - 05),
                territories: 136,
                event: "deuxième vague",
            },
            AnnouncedCount {
                on: date!(2019 - 09 - 24),
                territories: 144,
                event: "entrée de Vendée-Est, Lamballe Terre et Mer et Saint-Brieuc Baie d'Armor",
            },
            AnnouncedCount {
                on: date!(2019 - 11 - 14),
                territories: 146,
                event: "nouvelles labellisations",
            },
            AnnouncedCount {
                on: date!(2022 - 12 - 31),
                territories: 149,
                event: "fin de la phase",
            },
        ];
        const SECOND: [AnnouncedCount; 1] = [AnnouncedCount {
            on: date!(2023 - 11 - 09),
            territories: 183,
            event: "labellisation nationale de la phase 2",
        }];
        match self {
            Phase::First => &FIRST,
            Phase::Second => &SECOND,
        }
    }

    /// The other phase, for lineage between the two.
    pub fn other(self) -> Phase {
        match self {
            Phase::First => Phase::Second,
            Phase::Second => Phase::First,
        }
    }

    /// The labelling a territory gets from being on the phase's national list: phase 2's 183 territories
    /// were labelled together on 9 November 2023; phase 1's came in waves (124, 136, 144, 146, 149) that the
    /// ANCT file does not date, so they get none (see `crates/ingest/reference` for what is known).
    pub fn list_labelling(self) -> Option<Milestone> {
        match self {
            Phase::First => None,
            Phase::Second => Some(Milestone {
                note: "Labellisation nationale des 183 Territoires d'industrie de la phase 2"
                    .into(),
                source: "ANCT, liste des Territoires d'industrie 2023-2027".into(),
                ..Milestone::on(MilestoneKind::Labelled, self.labelling_date())
            }),
        }
    }

    /// The axes of the phase's action plans. Phase 1's were attirer, recruter, innover, simplifier, with
    /// *transition écologique* added in September 2019 and *installer* used by the Grand Est.
    pub fn axes(self) -> &'static [Axis] {
        match self {
            Phase::First => &[
                Axis::Attract,
                Axis::Recruit,
                Axis::Innovate,
                Axis::Simplify,
                Axis::Settle,
                Axis::EcologicalTransition,
            ],
            Phase::Second => &[
                Axis::Skills,
                Axis::Innovation,
                Axis::EcologicalAndEnergyTransition,
                Axis::Land,
            ],
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for Phase {
    type Err = DomainError;

    /// Accepts the slug, the start year alone, or `1`/`2`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "2018-2022" | "2018" | "1" | "p1" | "P1" => Ok(Phase::First),
            "2023-2027" | "2023" | "2" | "p2" | "P2" => Ok(Phase::Second),
            other => Err(DomainError::invalid(
                "phase",
                other,
                "2018-2022 ou 2023-2027",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn phases_parse_from_slug_year_or_number() {
        assert_eq!("2018-2022".parse::<Phase>().unwrap(), Phase::First);
        assert_eq!("2023".parse::<Phase>().unwrap(), Phase::Second);
        assert_eq!("2".parse::<Phase>().unwrap(), Phase::Second);
        assert!("2020".parse::<Phase>().is_err());
        for phase in Phase::ALL {
            assert_eq!(phase.slug().parse::<Phase>().unwrap(), phase);
            assert_eq!(phase.other().other(), phase);
        }
    }

    #[test]
    fn bilan_dates_are_bounded_by_the_phase() {
        assert!(Phase::First.check_date(date!(2018 - 06 - 01)).is_ok());
        assert!(Phase::First.check_date(date!(2032 - 12 - 31)).is_ok());
        let err = Phase::First.check_date(date!(9999 - 12 - 31)).unwrap_err();
        assert!(err.to_string().contains("hors de ce que"), "{err}");
        assert!(Phase::Second.check_date(date!(2017 - 12 - 31)).is_err());
        assert_eq!(Phase::Second.horizon(), date!(2037 - 12 - 31));
    }

    #[test]
    fn each_phase_has_its_axes() {
        assert!(Phase::First.axes().contains(&Axis::Simplify));
        assert!(Phase::Second.axes().contains(&Axis::Land));
        assert!(!Phase::Second.axes().contains(&Axis::Simplify));
    }
}
