//! Values, record lists and breakdowns of the figures, over a [`Situation`]. A figure's value is, by
//! construction, the sum over its records: [`Situation::value`] aggregates [`Situation::records`], and a
//! breakdown adds each record to the rows of its keys, the same keys a record list filters on.

use std::collections::BTreeMap;

use super::figures::{Criterion, FigureCode, Grouping, Outcome, RecordKind, Value};
use super::frame::Frame;
use super::situation::{LineState, ProjectState, Situation, TerritoryState};
use crate::money::Cents;
use crate::portfolio::project::{Outcomes, ProjectStatus};
use crate::registry::attributes::Attribute;
use crate::registry::milestone::{Milestone, MilestoneKind};
use crate::registry::posts::PostState;
use crate::registry::progress::Stage;

/// One record a figure counts, with what it adds to the figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A territory, by position in [`Situation::territories`].
    Territory(usize),
    /// An event of a territory: the territory's position and the event's position in its facts.
    Milestone(usize, usize),
    /// A project, by position in [`Situation::projects`], with the value it adds (1 for a count).
    Project(usize, i64),
    /// A funding line, by position in [`Situation::lines`], with the amount it adds.
    Line(usize, Cents),
}

impl Record {
    /// What the record adds to its figure.
    pub fn weight(&self) -> i64 {
        match self {
            Record::Territory(_) | Record::Milestone(..) => 1,
            Record::Project(_, v) => *v,
            Record::Line(_, c) => c.0,
        }
    }
}

fn outcome_value(o: &Outcomes, which: Outcome) -> Option<i64> {
    match which {
        Outcome::JobsCreated => o.jobs_created,
        Outcome::JobsKept => o.jobs_kept,
        Outcome::Investment => o.investment.map(|c| c.0),
        Outcome::Co2Avoided => o.tco2e_avoided,
        Outcome::Brownfield => o.brownfield_hectares,
    }
}

/// Whether a territory counts in a territory figure.
pub(crate) fn territory_counts(frame: &Frame, figure: FigureCode, t: &TerritoryState<'_>) -> bool {
    use FigureCode::*;
    let p = &t.progress;
    let labelled = p.labelling.counts();
    match figure {
        Territories => labelled,
        TerritoriesUncertain => p.labelling.is_uncertain(),
        TerritoriesWithoutMilestone => labelled && !p.recorded,
        GovernanceInstalled => p.reached(Stage::GovernanceInstalled),
        ActionPlansDrafted => p.reached(Stage::ActionPlanDrafted),
        ActionPlansValidated => p.reached(Stage::ActionPlanValidated),
        AgreementsSigned => p.reached(Stage::AgreementSigned),
        Dormant => labelled && p.dormant,
        Fragile => labelled && t.attributes.contains(&Attribute::Fragile),
        ProjectLeadsInPost => labelled && t.post == PostState::Filled,
        ProjectLeadPostsCofunded => labelled && t.cofunded,
        ProjectLeadPostsUnknown => labelled && t.post == PostState::Unknown,
        LabelledInPeriod => frame.in_period(t.counted_from),
        _ => false,
    }
}

/// Whether an event counts in an event figure: dated in the period, happened and not withdrawn.
pub(crate) fn milestone_counts(frame: &Frame, figure: FigureCode, m: &Milestone) -> bool {
    let kind = match figure {
        FigureCode::GovernanceInstalledInPeriod => m.kind == MilestoneKind::GovernanceInstalled,
        FigureCode::ActionPlansValidatedInPeriod => m.kind == MilestoneKind::ActionPlanValidated,
        FigureCode::SignaturesInPeriod => m.kind.is_signature(),
        _ => false,
    };
    kind && frame.in_period(m.occurred_on) && m.counts_on(frame.as_of)
}

/// Which of a project's lines make it count in a project figure (used to group projects by funder).
pub(crate) fn line_makes_project_count(figure: FigureCode, l: &LineState<'_>) -> bool {
    match figure {
        FigureCode::ProjectsEngagedByState => l.commits_state(),
        FigureCode::ProjectsWithCommitment => l.committed(),
        _ => true,
    }
}

/// What a project adds to a project figure, if it counts; `lines` holds the lines `p.lines` points to.
pub(crate) fn project_value(
    frame: &Frame,
    figure: FigureCode,
    p: &ProjectState<'_>,
    lines: &[LineState<'_>],
) -> Option<i64> {
    use FigureCode::*;
    if let Some((which, measured)) = figure.outcome() {
        if measured && p.status != ProjectStatus::Completed {
            return None;
        }
        let o = if measured {
            &p.project.measured
        } else {
            &p.project.expected
        };
        return outcome_value(o, which);
    }
    let lines = || p.lines.iter().map(|&l| &lines[l]);
    let counts = match figure {
        Projects => true,
        ProjectsEngagedByState => lines().any(LineState::commits_state),
        ProjectsWithCommitment => lines().any(LineState::committed),
        ProjectsCompleted => p.status == ProjectStatus::Completed,
        ProjectsAbandoned => p.status == ProjectStatus::Abandoned,
        ProjectsUnknownFunding => p.lines.is_empty(),
        NewProjectsInPeriod => p
            .project
            .history
            .first()
            .is_some_and(|c| frame.in_period(c.on)),
        ProjectsEngagedInPeriod => p
            .project
            .history
            .iter()
            .any(|c| c.status == ProjectStatus::Engaged && frame.in_period(c.on)),
        _ => false,
    };
    counts.then_some(1)
}

/// What a line adds to an amount figure.
pub(crate) fn line_amount(frame: &Frame, figure: FigureCode, l: &LineState<'_>) -> Cents {
    use FigureCode::*;
    let a = &l.amounts;
    let line = l.line;
    let in_period = |d: Option<time::Date>| d.is_some_and(|d| frame.in_period(d));
    match figure {
        Requested => a.requested,
        Committed => a.committed,
        Paid => a.paid,
        CommittedTiSpecific if l.ti_specific => a.committed,
        CommittedGeneralLaw if !l.ti_specific => a.committed,
        RequestedInPeriod if in_period(Some(line.requested_on)) => line.requested,
        CommittedInPeriod if in_period(line.committed_on) => line.committed.unwrap_or_default(),
        CancelledInPeriod if in_period(line.cancelled_on) => line.committed.unwrap_or_default(),
        PaidInPeriod if in_period(line.paid_on) => line.paid.unwrap_or_default(),
        _ => Cents::ZERO,
    }
}

impl Situation<'_> {
    /// Whether the frame can give the figure at all: flows need a period, and nothing is known of a phase
    /// before it started.
    pub fn answers(&self, figure: FigureCode) -> bool {
        self.frame.started() && (!figure.is_flow() || self.frame.since.is_some())
    }

    fn matches(criterion: &Criterion, keys: impl Fn(Grouping) -> Vec<String>) -> bool {
        criterion.0.iter().all(|(g, key)| keys(*g).contains(key))
    }

    /// The records a figure counts under a criterion, in the situation's order, and how many records it
    /// considered (for a sum: the lines or projects that could give a value).
    pub fn records(&self, figure: FigureCode, criterion: &Criterion) -> (Vec<Record>, i64) {
        let mut out = Vec::new();
        if !self.answers(figure) {
            return (out, 0);
        }
        let mut considered = 0;
        match figure.kind() {
            RecordKind::Territories => {
                for (i, t) in self.territories.iter().enumerate() {
                    if territory_counts(&self.frame, figure, t)
                        && Self::matches(criterion, |g| self.territory_keys(g, t))
                    {
                        out.push(Record::Territory(i));
                    }
                }
            }
            RecordKind::Milestones => {
                for (i, t) in self.territories.iter().enumerate() {
                    if !Self::matches(criterion, |g| self.territory_keys(g, t)) {
                        continue;
                    }
                    for (j, m) in t.facts.milestones.iter().enumerate() {
                        if milestone_counts(&self.frame, figure, m) {
                            out.push(Record::Milestone(i, j));
                        }
                    }
                }
            }
            RecordKind::Projects => {
                for (i, p) in self.projects.iter().enumerate() {
                    let keys = |g| self.project_keys(g, p, |l| line_makes_project_count(figure, l));
                    if !Self::matches(criterion, keys) {
                        continue;
                    }
                    considered += 1;
                    if let Some(v) = project_value(&self.frame, figure, p, &self.lines) {
                        out.push(Record::Project(i, v));
                    }
                }
            }
            RecordKind::Lines => {
                for (i, l) in self.lines.iter().enumerate() {
                    if !Self::matches(criterion, |g| self.line_keys(g, l)) {
                        continue;
                    }
                    considered += 1;
                    let amount = line_amount(&self.frame, figure, l);
                    if amount != Cents::ZERO {
                        out.push(Record::Line(i, amount));
                    }
                }
            }
        }
        (out, considered)
    }

    /// A figure's value under a criterion: the count of its records, or the sum of what they give. A sum
    /// over no line, or an outcome no project gives, is unknown.
    pub fn value(&self, figure: FigureCode, criterion: &Criterion) -> Value {
        if !self.answers(figure) {
            return Value::UNKNOWN;
        }
        let (records, considered) = self.records(figure, criterion);
        aggregate(figure, &records, considered)
    }

    /// A figure broken down by a grouping: each record adds to every row of its keys. Rows are sorted by
    /// key; the caller labels them with [`Situation::key_label`].
    pub fn breakdown(&self, figure: FigureCode, grouping: Grouping) -> BTreeMap<String, Value> {
        let mut rows: BTreeMap<String, (Vec<Record>, i64)> = BTreeMap::new();
        if !self.answers(figure) || !grouping.applies_to(figure.kind()) {
            return BTreeMap::new();
        }
        let mut add = |keys: Vec<String>, record: Option<Record>| {
            for k in keys {
                let row = rows.entry(k).or_default();
                row.1 += 1;
                if let Some(r) = record {
                    row.0.push(r);
                }
            }
        };
        match figure.kind() {
            RecordKind::Territories => {
                for (i, t) in self.territories.iter().enumerate() {
                    if territory_counts(&self.frame, figure, t) {
                        add(self.territory_keys(grouping, t), Some(Record::Territory(i)));
                    }
                }
            }
            RecordKind::Milestones => {
                for (i, t) in self.territories.iter().enumerate() {
                    for (j, m) in t.facts.milestones.iter().enumerate() {
                        if milestone_counts(&self.frame, figure, m) {
                            add(
                                self.territory_keys(grouping, t),
                                Some(Record::Milestone(i, j)),
                            );
                        }
                    }
                }
            }
            RecordKind::Projects => {
                for (i, p) in self.projects.iter().enumerate() {
                    let keys =
                        self.project_keys(grouping, p, |l| line_makes_project_count(figure, l));
                    let record = project_value(&self.frame, figure, p, &self.lines)
                        .map(|v| Record::Project(i, v));
                    add(keys, record);
                }
            }
            RecordKind::Lines => {
                for (i, l) in self.lines.iter().enumerate() {
                    let amount = line_amount(&self.frame, figure, l);
                    let record = (amount != Cents::ZERO).then_some(Record::Line(i, amount));
                    add(self.line_keys(grouping, l), record);
                }
            }
        }
        rows.into_iter()
            .map(|(k, (records, considered))| (k, aggregate(figure, &records, considered)))
            .collect()
    }
}

/// The value of a breakdown row no record reaches: zero for a count, unknown for a sum.
pub fn empty_value(frame: &Frame, figure: FigureCode) -> Value {
    if figure.is_sum() || !frame.started() {
        Value::UNKNOWN
    } else {
        Value {
            value: Some(0),
            basis: 0,
        }
    }
}

/// Adds up records: a count for counts, a sum for sums, unknown for a sum over nothing.
fn aggregate(figure: FigureCode, records: &[Record], considered: i64) -> Value {
    let basis = records.len() as i64;
    let total: i64 = records.iter().map(Record::weight).sum();
    let value = if !figure.is_sum() {
        Some(basis)
    } else if figure.kind() == RecordKind::Lines {
        // Lines considered but adding nothing (nothing committed yet) give a known zero.
        (considered > 0).then_some(total)
    } else {
        // An outcome is known when at least one project gives it.
        (basis > 0).then_some(total)
    };
    Value { value, basis }
}
