//! How the key figures moved over time, as steps: each series changes only on the days something
//! happened (a milestone, a status, a commitment, a payment, a cancellation, a withdrawal), and its value
//! on any day is the bilan's value that day — each territory and project is read at each of its own event
//! dates with the very functions the bilan uses. The work is bounded by the records, never by the dates
//! asked: a far-future date costs no more than today.

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use super::compute::{
    line_amount, project_informed, project_value, territory_counts, territory_informed,
};
use super::figures::{FigureCode, RecordKind};
use super::frame::Frame;
use super::situation::{projects_in_scope, Facts, ProjectReader, TerritoryState};
use crate::money::Cents;

/// The figures an evolution follows.
pub const SERIES: [FigureCode; 8] = [
    FigureCode::Territories,
    FigureCode::GovernanceInstalled,
    FigureCode::ActionPlansValidated,
    FigureCode::AgreementsSigned,
    FigureCode::Projects,
    FigureCode::ProjectsEngagedByState,
    FigureCode::Committed,
    FigureCode::Paid,
];

/// One figure over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    /// The figure.
    pub figure: FigureCode,
    /// The first day its value is known: the phase's launch for counts, the first funding line for amounts;
    /// `None` when it is unknown up to the bilan's date.
    pub known_from: Option<Date>,
    /// Its value from the phase's launch and at each day it changed, up to the bilan's date (cents for
    /// amounts); `None` while it is unknown (no record gives the data it needs).
    pub steps: Vec<Step>,
}

/// A value from a day on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The day.
    pub on: Date,
    /// The value from that day, `None` when unknown.
    pub value: Option<i64>,
}

impl Series {
    /// The series as the evolution up to `date` gives it: its steps on or before that day. Each step is
    /// the state of its own day, so the evolution to any date is the evolution to the phase's horizon
    /// cut at that date, which lets it be computed once per scope.
    pub fn until(&self, date: Date) -> Series {
        let steps: Vec<Step> = self
            .steps
            .iter()
            .take_while(|s| s.on <= date)
            .copied()
            .collect();
        Series {
            figure: self.figure,
            known_from: steps.iter().find(|s| s.value.is_some()).map(|s| s.on),
            steps,
        }
    }

    /// The value on `date`: the last step on or before it; `None` before the first, or while unknown.
    pub fn value_on(&self, date: Date) -> Option<i64> {
        self.steps
            .iter()
            .take_while(|s| s.on <= date)
            .last()
            .and_then(|s| s.value)
    }
}

/// Accumulates the changes of each series (at its position in [`SERIES`]): of its value, and of how many
/// records give its data.
#[derive(Default)]
struct Changes {
    deltas: [Vec<(Date, i64)>; SERIES.len()],
    informed: [Vec<(Date, i64)>; SERIES.len()],
}

fn series_position(figure: FigureCode) -> usize {
    SERIES
        .iter()
        .position(|f| *f == figure)
        .expect("evolutions follow the figures of SERIES")
}

impl Changes {
    fn delta(&mut self, figure: FigureCode, on: Date, by: i64) {
        if by != 0 {
            self.deltas[series_position(figure)].push((on, by));
        }
    }

    fn informed(&mut self, figure: FigureCode, on: Date, by: i64) {
        if by != 0 {
            self.informed[series_position(figure)].push((on, by));
        }
    }
}

/// Candidate days of change, clamped into [start, end], sorted and unique.
fn days(candidates: impl IntoIterator<Item = Date>, start: Date, end: Date) -> Vec<Date> {
    let mut out: Vec<Date> = candidates
        .into_iter()
        .map(|d| d.max(start))
        .filter(|d| *d <= end)
        .collect();
    out.push(start);
    out.sort();
    out.dedup();
    out
}

/// The evolution of the figures of [`SERIES`] for a frame, from the phase's launch to its date.
pub fn evolution(facts: &Facts<'_>, frame: &Frame) -> Vec<Series> {
    let start = frame.phase.labelling_date();
    let end = frame.as_of;
    let mut changes = Changes::default();
    if end >= start {
        territory_changes(facts, frame, start, end, &mut changes);
        project_changes(facts, frame, start, end, &mut changes);
    }
    SERIES
        .iter()
        .map(|&figure| {
            // Value and informed records, day by day.
            let mut by_day: BTreeMap<Date, (i64, i64)> = BTreeMap::new();
            let k = series_position(figure);
            for (on, by) in std::mem::take(&mut changes.deltas[k]) {
                by_day.entry(on).or_default().0 += by;
            }
            for (on, by) in std::mem::take(&mut changes.informed[k]) {
                by_day.entry(on).or_default().1 += by;
            }
            let mut steps: Vec<Step> = Vec::new();
            if end >= start {
                by_day.entry(start).or_default();
                let (mut value, mut informed) = (0, 0);
                for (on, (by, more)) in by_day {
                    value += by;
                    informed += more;
                    let known = !figure.needs_data() || informed > 0;
                    let step = Step {
                        on,
                        value: known.then_some(value),
                    };
                    if steps.last().is_none_or(|s| s.value != step.value) {
                        steps.push(step);
                    }
                }
            }
            Series {
                figure,
                known_from: steps.iter().find(|s| s.value.is_some()).map(|s| s.on),
                steps,
            }
        })
        .collect()
}

fn territory_changes(
    facts: &Facts<'_>,
    frame: &Frame,
    start: Date,
    end: Date,
    changes: &mut Changes,
) {
    let figures: Vec<FigureCode> = SERIES
        .into_iter()
        .filter(|f| f.kind() == RecordKind::Territories)
        .collect();
    let mut at = Frame {
        since: None,
        ..frame.clone()
    };
    for t in facts
        .territories
        .iter()
        .filter(|t| frame.scope.includes_territory(t.id, t.region))
    {
        let candidates = t.milestones.iter().flat_map(|m| {
            [
                Some(m.occurred_on),
                Some(m.earliest_possible(facts.phase)),
                m.withdrawal.as_ref().map(|w| w.on),
            ]
            .into_iter()
            .flatten()
        });
        let mut previous = vec![(false, false); figures.len()];
        for on in days(candidates, start, end) {
            let state = TerritoryState::at(facts.phase, t, on);
            at.as_of = on;
            for (k, &figure) in figures.iter().enumerate() {
                let now = (
                    territory_counts(&at, figure, &state),
                    territory_informed(&at, figure, &state),
                );
                changes.delta(figure, on, i64::from(now.0) - i64::from(previous[k].0));
                changes.informed(figure, on, i64::from(now.1) - i64::from(previous[k].1));
                previous[k] = now;
            }
        }
    }
}

fn project_changes(
    facts: &Facts<'_>,
    frame: &Frame,
    start: Date,
    end: Date,
    changes: &mut Changes,
) {
    let reader = ProjectReader::new(facts, frame);
    let project_figures: Vec<FigureCode> = SERIES
        .into_iter()
        .filter(|f| f.kind() == RecordKind::Projects)
        .collect();
    let line_figures: Vec<FigureCode> = SERIES
        .into_iter()
        .filter(|f| f.kind() == RecordKind::Lines)
        .collect();
    let mut at = Frame {
        since: None,
        ..frame.clone()
    };
    for i in projects_in_scope(facts, &frame.scope) {
        let project = &facts.portfolio.projects[i];
        let candidates = project
            .history
            .iter()
            .map(|c| c.on)
            .chain(reader.lines(i).flat_map(|l| {
                let line = &facts.portfolio.lines[l];
                [
                    Some(line.requested_on),
                    line.committed_on,
                    line.paid_on,
                    line.cancelled_on,
                ]
                .into_iter()
                .flatten()
            }));
        let mut previous = vec![(false, false); project_figures.len()];
        // The amounts each line gave the last time (a project has a handful: a vector beats a map).
        let mut amounts: Vec<((usize, FigureCode), Cents)> = Vec::new();
        for on in days(candidates, start, end) {
            let Some((state, own)) = reader.at(i, on) else {
                continue;
            };
            at.as_of = on;
            for (k, &figure) in project_figures.iter().enumerate() {
                let now = (
                    project_value(&at, figure, &state, &own).is_some(),
                    project_informed(figure, &state),
                );
                changes.delta(figure, on, i64::from(now.0) - i64::from(previous[k].0));
                changes.informed(figure, on, i64::from(now.1) - i64::from(previous[k].1));
                previous[k] = now;
            }
            for l in &own {
                for &figure in &line_figures {
                    let now = line_amount(&at, figure, l);
                    let key = (l.index, figure);
                    match amounts.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, before)) => {
                            changes.delta(figure, on, (now - *before).0);
                            *before = now;
                        }
                        None => {
                            amounts.push((key, now));
                            // A line is considered from the first day it exists.
                            changes.informed(figure, on, 1);
                            changes.delta(figure, on, now.0);
                        }
                    }
                }
            }
        }
    }
}
