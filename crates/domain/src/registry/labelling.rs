//! Whether a territory counts in its phase at a date: labelled, not yet, or gone (label withdrawn, merged,
//! split). A bilan's denominator is the territories labelled at its date.
//!
//! Sources rarely date each territory's labelling (phase 1 grew from 124 to 149 territories in waves the
//! ANCT list does not date). What is known is recorded — an exact date, or bounds — and a territory counts
//! from its **earliest** possible labelling and until the **latest** possible end: every day it may have been
//! in the programme. On the days in between it counts on an *uncertain* date, and bilans say how many do.
//! A territory with no labelling event at all is on the phase's list: it counts from the phase's launch,
//! uncertain until the phase's end.

use serde::Serialize;
use time::Date;

use super::milestone::{DatePrecision, Milestone, MilestoneKind};
use crate::phase::Phase;

/// Where a territory stands in its phase's count at a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "etat", rename_all = "snake_case")]
pub enum Labelling {
    /// Not labelled yet (or the phase had not started).
    NotYet,
    /// Labelled: counts in the phase's bilans.
    Labelled {
        /// The labelling (or an end) is only known within bounds that include the date.
        uncertain: bool,
    },
    /// No longer in the phase: its label was withdrawn, or it merged or split.
    Ended {
        /// How it ended.
        how: MilestoneKind,
    },
}

impl Labelling {
    /// Reads the territory's place in its phase as of `date` from its events.
    pub fn as_of(phase: Phase, milestones: &[Milestone], date: Date) -> Labelling {
        if date < phase.labelling_date() {
            return Labelling::NotYet;
        }
        let (start, certain_from) = span(phase, milestones, date);
        if date < start {
            return Labelling::NotYet;
        }
        let end = milestones
            .iter()
            .filter(|m| in_force(m, date))
            .filter(|m| m.kind.ends_labelling())
            .min_by_key(|m| m.occurred_on);
        if let Some(end) = end {
            if date >= end.occurred_on {
                return Labelling::Ended { how: end.kind };
            }
            if date >= end.earliest_possible(phase) {
                return Labelling::Labelled { uncertain: true };
            }
        }
        Labelling::Labelled {
            uncertain: date < certain_from,
        }
    }

    /// The first day the territory counts in its phase, as known at `date` (its earliest possible
    /// labelling, or the phase's launch when no labelling is recorded).
    pub fn counted_from(phase: Phase, milestones: &[Milestone], date: Date) -> Date {
        span(phase, milestones, date).0
    }

    /// Whether the territory counts in the phase at the date.
    pub fn counts(self) -> bool {
        matches!(self, Labelling::Labelled { .. })
    }

    /// Whether it counts on an uncertain date.
    pub fn is_uncertain(self) -> bool {
        matches!(self, Labelling::Labelled { uncertain: true })
    }
}

/// Whether an event is in force at `date`: happened (not merely planned) and not withdrawn by then.
fn in_force(m: &Milestone, date: Date) -> bool {
    m.precision != DatePrecision::Planned && !m.is_withdrawn_on(date)
}

/// The first day a territory counts, and the first day that is certain, from the labellings in force at
/// `date`; without any, the phase's launch and end.
fn span(phase: Phase, milestones: &[Milestone], date: Date) -> (Date, Date) {
    let labellings = || {
        milestones
            .iter()
            .filter(|m| m.kind == MilestoneKind::Labelled && in_force(m, date))
    };
    match labellings().map(|m| m.earliest_possible(phase)).min() {
        None => (phase.labelling_date(), phase.end_date()),
        Some(start) => (
            start,
            labellings()
                .map(|m| m.occurred_on)
                .min()
                .expect("a labelling exists"),
        ),
    }
}

/// A count of territories announced by the programme at a date (press releases, committees): shown beside
/// the registry's own count, never instead of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AnnouncedCount {
    /// The day of the announcement.
    pub on: Date,
    /// Territories announced.
    pub territories: i64,
    /// What was announced.
    pub event: &'static str,
}

/// The last count the programme announced on or before `date`, for the phase.
pub fn announced_as_of(phase: Phase, date: Date) -> Option<AnnouncedCount> {
    phase
        .announced_counts()
        .iter()
        .rev()
        .find(|a| a.on <= date)
        .copied()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::ids::TerritoryId;

    fn labelled(precision: DatePrecision, earliest: Option<Date>, on: Date) -> Milestone {
        Milestone {
            precision,
            earliest,
            ..Milestone::on(MilestoneKind::Labelled, on)
        }
    }

    #[test]
    fn nothing_counts_before_the_phase() {
        assert_eq!(
            Labelling::as_of(Phase::First, &[], date!(2018 - 06 - 01)),
            Labelling::NotYet
        );
        assert_eq!(
            Labelling::as_of(Phase::Second, &[], date!(2020 - 01 - 01)),
            Labelling::NotYet
        );
    }

    #[test]
    fn without_a_labelling_event_a_territory_counts_from_the_launch_on_an_uncertain_date() {
        let l = Labelling::as_of(Phase::First, &[], date!(2018 - 11 - 22));
        assert_eq!(l, Labelling::Labelled { uncertain: true });
        let after = Labelling::as_of(Phase::First, &[], date!(2023 - 01 - 01));
        assert_eq!(after, Labelling::Labelled { uncertain: false });
    }

    #[test]
    fn an_exact_labelling_counts_from_its_day() {
        let h = [labelled(DatePrecision::Exact, None, date!(2019 - 09 - 24))];
        assert_eq!(
            Labelling::as_of(Phase::First, &h, date!(2019 - 09 - 23)),
            Labelling::NotYet
        );
        assert_eq!(
            Labelling::as_of(Phase::First, &h, date!(2019 - 09 - 24)),
            Labelling::Labelled { uncertain: false }
        );
    }

    #[test]
    fn bounds_count_from_the_earliest_day_and_are_uncertain_until_the_latest() {
        let h = [labelled(
            DatePrecision::Between,
            Some(date!(2019 - 03 - 05)),
            date!(2019 - 11 - 19),
        )];
        assert_eq!(
            Labelling::as_of(Phase::First, &h, date!(2019 - 03 - 04)),
            Labelling::NotYet
        );
        assert!(Labelling::as_of(Phase::First, &h, date!(2019 - 03 - 05)).is_uncertain());
        assert_eq!(
            Labelling::as_of(Phase::First, &h, date!(2019 - 11 - 19)),
            Labelling::Labelled { uncertain: false }
        );
        let before = [labelled(
            DatePrecision::OnOrBefore,
            None,
            date!(2019 - 11 - 19),
        )];
        assert!(
            Labelling::as_of(Phase::First, &before, date!(2018 - 11 - 22)).is_uncertain(),
            "« au plus tard » counts from the phase's launch"
        );
    }

    #[test]
    fn withdrawal_and_merger_end_the_count() {
        let mut merged = Milestone::on(MilestoneKind::Merged, date!(2021 - 01 - 01));
        merged.related = vec![TerritoryId::parse("ti-4401").unwrap()];
        let h = [
            labelled(DatePrecision::Exact, None, date!(2018 - 11 - 22)),
            merged,
        ];
        assert!(Labelling::as_of(Phase::First, &h, date!(2020 - 12 - 31)).counts());
        assert_eq!(
            Labelling::as_of(Phase::First, &h, date!(2021 - 01 - 01)),
            Labelling::Ended {
                how: MilestoneKind::Merged
            }
        );
    }

    #[test]
    fn a_withdrawn_labelling_no_longer_counts() {
        let mut l = labelled(DatePrecision::Exact, None, date!(2019 - 09 - 24));
        l.withdrawal = Some(super::super::milestone::Withdrawal {
            on: date!(2020 - 01 - 01),
            reason: "mauvais territoire".into(),
        });
        assert!(Labelling::as_of(Phase::First, &[l.clone()], date!(2019 - 10 - 01)).counts());
        // Once withdrawn, the territory is back to the phase's list: from the launch, uncertain.
        assert!(Labelling::as_of(Phase::First, &[l], date!(2020 - 06 - 01)).is_uncertain());
    }

    #[test]
    fn announcements_are_read_as_of_the_date() {
        assert_eq!(announced_as_of(Phase::First, date!(2018 - 11 - 21)), None);
        assert_eq!(
            announced_as_of(Phase::First, date!(2019 - 01 - 01)).map(|a| a.territories),
            Some(124)
        );
        assert_eq!(
            announced_as_of(Phase::First, date!(2019 - 10 - 01)).map(|a| a.territories),
            Some(144)
        );
    }
}
