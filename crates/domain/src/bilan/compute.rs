//! Values, record lists and breakdowns of the figures, over a [`Situation`]. A figure's value is, by
//! construction, the sum over its records: [`Situation::value`] aggregates [`Situation::records`], and a
//! breakdown adds each record to the rows of its keys, the same keys a record list filters on.

use std::collections::{BTreeMap, HashMap};

use super::figures::{Criterion, FigureCode, Grouping, Outcome, RecordKind, Value};
use super::frame::Frame;
use super::situation::{Key, LineState, ProjectState, Situation, TerritoryState};
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

/// Whether a territory gives the data a figure needs: a milestone of progress for the stages, a record of
/// its post for the posts, a record of fragility for fragility. Figures that need none: every territory.
pub(crate) fn territory_informed(
    frame: &Frame,
    figure: FigureCode,
    t: &TerritoryState<'_>,
) -> bool {
    use FigureCode::*;
    let labelled = t.progress.labelling.counts();
    match figure {
        GovernanceInstalled | ActionPlansDrafted | ActionPlansValidated | AgreementsSigned
        | Dormant => labelled && t.progress.recorded,
        ProjectLeadsInPost | ProjectLeadPostsCofunded => labelled && t.post != PostState::Unknown,
        Fragile => {
            labelled
                && t.facts.attributes.iter().any(|c| {
                    c.attribute == Attribute::Fragile
                        && c.on <= frame.as_of
                        && !c
                            .withdrawal
                            .as_ref()
                            .is_some_and(|w| w.in_force(frame.as_of))
                })
        }
        _ => true,
    }
}

/// Whether a project gives the data a figure needs: a funding line for the commitment figures.
pub(crate) fn project_informed(figure: FigureCode, p: &ProjectState<'_>) -> bool {
    match figure {
        FigureCode::ProjectsEngagedByState | FigureCode::ProjectsWithCommitment => {
            !p.lines.is_empty()
        }
        _ => true,
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

impl<'a> Situation<'a> {
    /// Whether the frame can give the figure at all: flows need a period, and nothing is known of a phase
    /// before it started.
    pub fn answers(&self, figure: FigureCode) -> bool {
        self.frame.started() && (!figure.is_flow() || self.frame.since.is_some())
    }

    fn matches<'k>(criterion: &Criterion, keys: impl Fn(Grouping) -> Vec<Key<'k>>) -> bool {
        criterion
            .0
            .iter()
            .all(|(g, key)| keys(*g).iter().any(|k| k == key))
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
                    if !Self::matches(criterion, |g| self.territory_keys(g, t)) {
                        continue;
                    }
                    considered += i64::from(territory_informed(&self.frame, figure, t));
                    if territory_counts(&self.frame, figure, t) {
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
                    considered += i64::from(project_informed(figure, p));
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
        self.breakdowns(grouping, &[figure])
            .pop()
            .unwrap_or_default()
    }

    /// Several figures broken down by one grouping (a table): the keys of each record are computed once
    /// for all the columns.
    pub fn breakdowns(
        &self,
        grouping: Grouping,
        figures: &[FigureCode],
    ) -> Vec<BTreeMap<String, Value>> {
        // Each distinct key gets a row number once; the columns then add into vectors of rows.
        let mut rows = RowNumbers::default();
        let territory_rows: Vec<Vec<usize>> = self
            .territories
            .iter()
            .map(|t| rows.of(self.territory_keys(grouping, t)))
            .collect();
        let line_level = grouping.is_line_level();
        let project_rows: Vec<Vec<usize>> = if line_level {
            Vec::new()
        } else {
            self.projects
                .iter()
                .map(|p| rows.of(self.project_keys(grouping, p, |_| true)))
                .collect()
        };
        let with_lines = figures.iter().any(|f| f.kind() == RecordKind::Lines);
        // A line's rows are its own, or its project's (numbered above).
        let line_rows: Vec<Vec<usize>> = if with_lines && line_level {
            self.lines
                .iter()
                .map(|l| rows.of(self.line_keys(grouping, l)))
                .collect()
        } else {
            Vec::new()
        };
        let rows_of_line = |i: usize| -> &[usize] {
            if line_level {
                &line_rows[i]
            } else {
                &project_rows[self.lines[i].project]
            }
        };
        let mut columns = Vec::with_capacity(figures.len());
        for &figure in figures {
            if !self.answers(figure) || !grouping.applies_to(figure.kind()) {
                columns.push(BTreeMap::new());
                continue;
            }
            let mut tallies: Vec<Option<Tally>> = vec![None; rows.keys.len()];
            let mut add = |at: &[usize], weight: Option<i64>, informed: bool| {
                for &r in at {
                    if r >= tallies.len() {
                        tallies.resize(r + 1, None);
                    }
                    let row = tallies[r].get_or_insert_with(Tally::default);
                    row.considered += i64::from(informed);
                    if let Some(w) = weight {
                        row.basis += 1;
                        row.total += w;
                    }
                }
            };
            match figure.kind() {
                RecordKind::Territories => {
                    for (i, t) in self.territories.iter().enumerate() {
                        let counts = territory_counts(&self.frame, figure, t);
                        let informed = territory_informed(&self.frame, figure, t);
                        if counts || informed {
                            add(&territory_rows[i], counts.then_some(1), informed);
                        }
                    }
                }
                RecordKind::Milestones => {
                    for (i, t) in self.territories.iter().enumerate() {
                        for m in t.facts.milestones {
                            if milestone_counts(&self.frame, figure, m) {
                                add(&territory_rows[i], Some(1), true);
                            }
                        }
                    }
                }
                RecordKind::Projects => {
                    for (i, p) in self.projects.iter().enumerate() {
                        let weight = project_value(&self.frame, figure, p, &self.lines);
                        let informed = project_informed(figure, p);
                        if line_level {
                            // A project's funders depend on the figure: engaged by whom.
                            let at = rows.of(self.project_keys(grouping, p, |l| {
                                line_makes_project_count(figure, l)
                            }));
                            add(&at, weight, informed);
                        } else {
                            add(&project_rows[i], weight, informed);
                        }
                    }
                }
                RecordKind::Lines => {
                    for (i, l) in self.lines.iter().enumerate() {
                        let amount = line_amount(&self.frame, figure, l);
                        add(
                            rows_of_line(i),
                            (amount != Cents::ZERO).then_some(amount.0),
                            true,
                        );
                    }
                }
            }
            columns.push(
                tallies
                    .into_iter()
                    .enumerate()
                    .filter_map(|(r, t)| Some((rows.keys[r].to_string(), t?.value(figure))))
                    .collect(),
            );
        }
        columns
    }
}

/// Numbers the distinct keys of a breakdown, so that each record's keys are hashed once per table rather
/// than once per column.
#[derive(Default)]
struct RowNumbers<'a> {
    numbers: HashMap<Key<'a>, usize>,
    keys: Vec<Key<'a>>,
}

impl<'a> RowNumbers<'a> {
    fn of(&mut self, keys: Vec<Key<'a>>) -> Vec<usize> {
        keys.into_iter()
            .map(|k| match self.numbers.get(&k) {
                Some(&n) => n,
                None => {
                    self.keys.push(k.clone());
                    self.numbers.insert(k, self.keys.len() - 1);
                    self.keys.len() - 1
                }
            })
            .collect()
    }
}

/// What records add up to under a figure: how many count, what they add, how many give its data.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    basis: i64,
    total: i64,
    considered: i64,
}

impl Tally {
    /// A count for counts, a sum for sums; unknown for a sum over nothing or a count of data nobody gave.
    fn value(self, figure: FigureCode) -> Value {
        let value = if figure.outcome().is_some() {
            // An outcome is known when at least one project gives it.
            (self.basis > 0).then_some(self.total)
        } else if figure.needs_data() {
            // Lines considered but adding nothing (nothing committed yet) give a known zero; a count of
            // milestones, posts or commitments is known when some territory or project gives the data.
            (self.considered > 0).then_some(self.total)
        } else {
            Some(self.basis)
        };
        Value {
            value,
            basis: self.basis,
        }
    }
}

/// The value of a breakdown row no record reaches: zero for a count, unknown for a sum or a count of data
/// nobody gave.
pub fn empty_value(frame: &Frame, figure: FigureCode) -> Value {
    if figure.needs_data() || !frame.started() {
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
    Tally {
        basis: records.len() as i64,
        total: records.iter().map(Record::weight).sum(),
        considered,
    }
    .value(figure)
}
