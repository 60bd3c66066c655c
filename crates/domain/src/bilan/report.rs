//! The bilan of a frame: every figure with its value and basis, the breakdown tables, each territory's
//! progress (for the map) and the consumption of the envelopes.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::compute::empty_value;
use super::figures::{Criterion, FigureCode, Grouping, Value};
use super::frame::Frame;
use super::situation::{Facts, Situation};
use crate::money::Cents;
use crate::portfolio::project::ProjectStatus;
use crate::registry::labelling::{announced_as_of, AnnouncedCount};
use crate::registry::progress::Progress;
use crate::search::search_key;

/// A figure and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FigureValue {
    /// The figure.
    pub figure: FigureCode,
    /// Its value and basis.
    #[serde(flatten)]
    pub value: Value,
}

/// A row of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakdownRow {
    /// The key (region code, territory id, funder code…), the criterion of the row's records.
    pub key: String,
    /// The label.
    pub label: String,
    /// One value per column.
    pub values: Vec<Value>,
}

/// A figure or several, broken down by a grouping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// The grouping.
    pub grouping: Grouping,
    /// The figures, one per column.
    pub columns: Vec<FigureCode>,
    /// The rows.
    pub rows: Vec<BreakdownRow>,
}

/// A territory in scope and its progress at the date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerritoryLine {
    /// ANCT id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region of attachment.
    pub region: String,
    /// Progress.
    pub progress: Progress,
}

/// An envelope and how much of it is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvelopeUse {
    /// Envelope code.
    pub code: String,
    /// Scheme code.
    pub scheme: String,
    /// Scheme name.
    pub scheme_name: String,
    /// Region, or `None` for national.
    pub region: Option<String>,
    /// Amount.
    pub amount: Cents,
    /// Committed in force at the date on the whole envelope, every territory and phase.
    pub committed: Cents,
}

/// The figures of a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bilan {
    /// The question.
    pub frame: Frame,
    /// Whether the phase had started at the date: before, no figure is known.
    pub started: bool,
    /// The last count of territories the programme announced by the date.
    pub announced: Option<AnnouncedCount>,
    /// Every figure: stocks at the date, and flows over the period when one is asked.
    pub figures: Vec<FigureValue>,
    /// Breakdowns.
    pub tables: Vec<Breakdown>,
    /// The territories in scope, labelled at the date or not, with their progress.
    pub territories: Vec<TerritoryLine>,
    /// Envelopes of the scope's regions, and national ones, opened by the date.
    pub envelopes: Vec<EnvelopeUse>,
}

impl Bilan {
    /// The value of a figure.
    pub fn value(&self, figure: FigureCode) -> Value {
        self.figures
            .iter()
            .find(|f| f.figure == figure)
            .map_or(Value::UNKNOWN, |f| f.value)
    }

    /// A breakdown, if the bilan has it.
    pub fn table(&self, grouping: Grouping) -> Option<&Breakdown> {
        self.tables.iter().find(|t| t.grouping == grouping)
    }
}

/// The breakdowns a bilan gives, with their columns.
fn tables_of(frame: &Frame) -> Vec<(Grouping, Vec<FigureCode>)> {
    use FigureCode::*;
    let mut out = Vec::new();
    if frame.scope == super::frame::Scope::France {
        out.push((
            Grouping::Region,
            vec![
                Territories,
                GovernanceInstalled,
                ActionPlansValidated,
                AgreementsSigned,
                Projects,
                Committed,
                Paid,
            ],
        ));
    }
    out.extend([
        (
            Grouping::Territory,
            vec![Projects, Requested, Committed, Paid],
        ),
        (Grouping::Axis, vec![Projects, Committed, Paid]),
        (Grouping::Status, vec![Projects]),
        (Grouping::FunderKind, vec![Requested, Committed, Paid]),
        (
            Grouping::Funder,
            vec![ProjectsWithCommitment, Requested, Committed, Paid],
        ),
        (Grouping::Scheme, vec![Projects, Requested, Committed, Paid]),
        (
            Grouping::Attribute,
            vec![Territories, ActionPlansValidated, Projects, Committed],
        ),
    ]);
    out
}

fn breakdown(s: &Situation<'_>, grouping: Grouping, columns: Vec<FigureCode>) -> Breakdown {
    let by_column = s.breakdowns(grouping, &columns);
    let mut keys: BTreeSet<String> = by_column.iter().flat_map(|m| m.keys().cloned()).collect();
    if grouping == Grouping::Axis {
        // Every axis of the phase, those without projects included: a missing bar would hide a zero.
        keys.extend(s.facts.phase.axes().iter().map(|a| a.code().to_owned()));
    }
    if grouping == Grouping::Territory {
        // Every territory counted, with or without projects.
        keys.extend(
            s.territories
                .iter()
                .filter(|t| t.progress.labelling.counts())
                .map(|t| t.facts.id.to_owned()),
        );
    }
    let mut rows: Vec<BreakdownRow> = keys
        .into_iter()
        .map(|key| BreakdownRow {
            label: s.key_label(grouping, &key),
            values: columns
                .iter()
                .zip(&by_column)
                .map(|(&f, m)| {
                    m.get(&key)
                        .copied()
                        .unwrap_or_else(|| empty_value(&s.frame, f))
                })
                .collect(),
            key,
        })
        .collect();
    match grouping {
        Grouping::Funder | Grouping::FunderKind | Grouping::Scheme => {
            let committed = columns.iter().position(|f| *f == FigureCode::Committed);
            rows.sort_by(|a, b| {
                let c = |r: &BreakdownRow| {
                    committed
                        .and_then(|i| r.values[i].value)
                        .unwrap_or(i64::MIN)
                };
                c(b).cmp(&c(a)).then_with(|| a.label.cmp(&b.label))
            });
        }
        Grouping::Axis => {
            let order = s.facts.phase.axes();
            rows.sort_by_key(|r| order.iter().position(|a| a.code() == r.key));
        }
        Grouping::Status => {
            rows.sort_by_key(|r| ProjectStatus::ALL.iter().position(|st| st.code() == r.key));
        }
        _ => rows.sort_by_cached_key(|r| search_key(&r.label)),
    }
    Breakdown {
        grouping,
        columns,
        rows,
    }
}

/// Computes the bilan of a frame.
pub fn bilan(facts: &Facts<'_>, frame: &Frame) -> Bilan {
    let s = Situation::new(facts, frame);
    let all = Criterion::all();
    let figures = FigureCode::ALL
        .iter()
        .filter(|f| !f.is_flow() || frame.since.is_some())
        .map(|&figure| FigureValue {
            figure,
            value: s.value(figure, &all),
        })
        .collect();
    let tables = if frame.started() {
        tables_of(frame)
            .into_iter()
            .map(|(g, columns)| breakdown(&s, g, columns))
            .filter(|t| !t.rows.is_empty())
            .collect()
    } else {
        Vec::new()
    };
    let regions: BTreeSet<&str> = s.territories.iter().map(|t| t.facts.region).collect();
    Bilan {
        frame: frame.clone(),
        started: frame.started(),
        announced: announced_as_of(frame.phase, frame.as_of),
        figures,
        tables,
        territories: s
            .territories
            .iter()
            .map(|t| TerritoryLine {
                id: t.facts.id.to_owned(),
                name: t.facts.name.to_owned(),
                region: t.facts.region.to_owned(),
                progress: t.progress,
            })
            .collect(),
        envelopes: envelopes(facts, frame, &regions),
    }
}

/// Envelopes opened by the date, national or of a region in scope, and what is committed on each.
fn envelopes(facts: &Facts<'_>, frame: &Frame, regions: &BTreeSet<&str>) -> Vec<EnvelopeUse> {
    let portfolio = facts.portfolio;
    let used = envelope_use_as_of(facts, frame.as_of);
    let names: HashMap<&str, &str> = portfolio
        .schemes
        .iter()
        .map(|s| (s.code.as_str(), s.name.as_str()))
        .collect();
    portfolio
        .envelopes
        .iter()
        .enumerate()
        .filter(|(_, e)| e.starts_on <= frame.as_of)
        .filter(|(_, e)| frame.scheme.as_deref().is_none_or(|s| s == e.scheme))
        .filter(|(_, e)| {
            e.region
                .as_ref()
                .is_none_or(|r| regions.contains(r.as_str()))
        })
        .map(|(i, e)| EnvelopeUse {
            code: e.code.clone(),
            scheme: e.scheme.clone(),
            scheme_name: names
                .get(e.scheme.as_str())
                .copied()
                .unwrap_or(&e.scheme)
                .to_owned(),
            region: e.region.as_ref().map(|r| r.to_string()),
            amount: e.amount,
            committed: used.get(&i).copied().unwrap_or_default(),
        })
        .collect()
}

/// Committed in force on each envelope as of `date`, by the envelope's position.
fn envelope_use_as_of(facts: &Facts<'_>, date: time::Date) -> HashMap<usize, Cents> {
    let mut used: HashMap<usize, Cents> = HashMap::new();
    for (l, envelope) in facts.index.line_envelopes.iter().enumerate() {
        if let Some(e) = envelope {
            *used.entry(*e).or_default() += facts.portfolio.lines[l].as_of(date).committed;
        }
    }
    used
}
