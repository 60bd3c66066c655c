//! The situation of a frame: the state of every territory, project and funding line in scope at the date,
//! computed once from the facts. Figures, breakdowns and record lists all read it, and they group or filter
//! records through one function ([`Situation::keys`]), so a breakdown row and its records agree.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use time::Date;

use super::figures::Grouping;
use super::frame::{Frame, Scope};
use crate::phase::Phase;
use crate::portfolio::funding::{FunderKind, FundingLine, LineAmounts};
use crate::portfolio::index::PortfolioIndex;
use crate::portfolio::project::{Project, ProjectStatus};
use crate::portfolio::Portfolio;
use crate::registry::attributes::{attributes_as_of, Attribute, AttributeChange};
use crate::registry::governance::Appointment;
use crate::registry::labelling::Labelling;
use crate::registry::milestone::Milestone;
use crate::registry::posts::{post_state, PostState, ProjectLeadPost};
use crate::registry::progress::Progress;

/// A labelled territory as the engine needs it.
#[derive(Debug, Clone, Copy)]
pub struct TerritoryFacts<'a> {
    /// ANCT id.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Region of attachment.
    pub region: &'a str,
    /// Its events.
    pub milestones: &'a [Milestone],
    /// Its governance appointments.
    pub appointments: &'a [Appointment],
    /// Its attribute history.
    pub attributes: &'a [AttributeChange],
    /// Its chef de projet posts.
    pub posts: &'a [ProjectLeadPost],
}

/// Everything a bilan is computed from, for one phase.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The phase.
    pub phase: Phase,
    /// The phase's territories.
    pub territories: &'a [TerritoryFacts<'a>],
    /// The portfolio (all phases: only the phase's projects are read).
    pub portfolio: &'a Portfolio,
    /// Its index.
    pub index: &'a PortfolioIndex,
    /// Region names by code.
    pub region_names: &'a BTreeMap<String, String>,
}

/// A territory in scope, at the date.
#[derive(Debug, Clone)]
pub struct TerritoryState<'a> {
    /// Its facts.
    pub facts: &'a TerritoryFacts<'a>,
    /// Its progress (and whether it counts).
    pub progress: Progress,
    /// The first day it counts in the phase.
    pub counted_from: Date,
    /// Its attributes at the date.
    pub attributes: BTreeSet<Attribute>,
    /// Its chef de projet post.
    pub post: PostState,
    /// Whether a co-financing covers its post.
    pub cofunded: bool,
}

impl<'a> TerritoryState<'a> {
    /// The state of a territory at `date`.
    pub fn at(phase: Phase, facts: &'a TerritoryFacts<'a>, date: Date) -> TerritoryState<'a> {
        let (post, cofunded) = post_state(facts.posts, facts.appointments, date);
        TerritoryState {
            facts,
            progress: Progress::as_of(phase, facts.milestones, date),
            counted_from: Labelling::counted_from(phase, facts.milestones, date),
            attributes: attributes_as_of(facts.attributes, date),
            post,
            cofunded,
        }
    }
}

/// A project of the phase in scope that exists at the date.
#[derive(Debug, Clone)]
pub struct ProjectState<'a> {
    /// Position in the portfolio.
    pub index: usize,
    /// The project.
    pub project: &'a Project,
    /// Its status at the date.
    pub status: ProjectStatus,
    /// Its territories in scope: (id, region of attachment).
    pub territories: Vec<(&'a str, &'a str)>,
    /// Positions of its lines in [`Situation::lines`].
    pub lines: Vec<usize>,
}

/// A funding line of a project in scope, requested at the date.
#[derive(Debug, Clone)]
pub struct LineState<'a> {
    /// Position in the portfolio.
    pub index: usize,
    /// The line.
    pub line: &'a FundingLine,
    /// Position of its project in [`Situation::projects`].
    pub project: usize,
    /// Its funder's kind.
    pub funder_kind: FunderKind,
    /// Whether its scheme is specific to Territoires d'industrie.
    pub ti_specific: bool,
    /// Its amounts at the date.
    pub amounts: LineAmounts,
}

impl LineState<'_> {
    /// Whether a commitment of the line is in force at the date.
    pub fn committed(&self) -> bool {
        self.amounts.committed.0 > 0
    }

    /// Whether it commits the State or one of its operators.
    pub fn commits_state(&self) -> bool {
        self.committed() && self.funder_kind.is_state_group()
    }
}

/// The key of a record in a breakdown row or a record list's criterion (a region code, a territory id, an
/// axis code…).
pub type Key<'a> = Cow<'a, str>;

/// The key of a line's scheme for breakdowns, `aucun` when it goes through none.
pub const NO_SCHEME: &str = "aucun";

/// The state of everything a frame covers.
pub struct Situation<'a> {
    /// The question.
    pub frame: Frame,
    /// The facts.
    pub facts: &'a Facts<'a>,
    /// Territories of the phase in scope (labelled at the date or not).
    pub territories: Vec<TerritoryState<'a>>,
    /// Projects in scope existing at the date.
    pub projects: Vec<ProjectState<'a>>,
    /// Their lines requested at the date (of the frame's scheme only, when it has one).
    pub lines: Vec<LineState<'a>>,
    /// Position of each territory in `territories`, by id.
    territory_position: HashMap<&'a str, usize>,
}

/// The region of attachment of a territory of the phase: the registry's, else the one in its id.
fn region_of<'a>(regions: &HashMap<&'a str, &'a str>, id: &'a str) -> &'a str {
    regions
        .get(id)
        .copied()
        .unwrap_or_else(|| id.get(3..5).unwrap_or(""))
}

/// Positions (in the portfolio) of the phase's projects carried by at least one territory of the scope,
/// whatever their status or date.
pub fn projects_in_scope(facts: &Facts<'_>, scope: &Scope) -> Vec<usize> {
    let regions: HashMap<&str, &str> = facts.territories.iter().map(|t| (t.id, t.region)).collect();
    facts
        .portfolio
        .projects
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.phase == facts.phase
                && p.territories
                    .iter()
                    .any(|t| scope.includes_territory(t.as_str(), region_of(&regions, t.as_str())))
        })
        .map(|(i, _)| i)
        .collect()
}

/// Builds the state of a project and its lines at any date, for the situation and the evolution alike.
pub(crate) struct ProjectReader<'a> {
    facts: &'a Facts<'a>,
    frame: Frame,
    regions: HashMap<&'a str, &'a str>,
}

impl<'a> ProjectReader<'a> {
    pub(crate) fn new(facts: &'a Facts<'a>, frame: &Frame) -> Self {
        ProjectReader {
            facts,
            frame: frame.clone(),
            regions: facts.territories.iter().map(|t| (t.id, t.region)).collect(),
        }
    }

    /// The positions in the portfolio of the lines of the project at position `index` (of the frame's
    /// scheme, when it has one), whatever their date.
    pub(crate) fn lines(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        let lines = &self.facts.portfolio.lines;
        self.facts.index.lines_by_project[index]
            .iter()
            .copied()
            .filter(move |&l| {
                self.frame
                    .scheme
                    .as_deref()
                    .is_none_or(|s| lines[l].scheme.as_deref() == Some(s))
            })
    }

    /// The project at position `index` of the portfolio as of `date`, with its lines requested by then
    /// (`ProjectState::lines` points into the returned lines; their `project` is 0). `None` if it does not
    /// exist yet, or has no line of the frame's scheme.
    pub(crate) fn at(
        &self,
        index: usize,
        date: Date,
    ) -> Option<(ProjectState<'a>, Vec<LineState<'a>>)> {
        let portfolio = self.facts.portfolio;
        let project = &portfolio.projects[index];
        let status = project.status_as_of(date)?;
        let kinds = &self.facts.index.line_kinds;
        let lines: Vec<LineState<'a>> = self
            .lines(index)
            .map(|l| (l, &portfolio.lines[l]))
            .filter(|(_, line)| line.requested_on <= date)
            .map(|(l, line)| LineState {
                index: l,
                line,
                project: 0,
                funder_kind: kinds[l].funder,
                ti_specific: kinds[l].ti_specific,
                amounts: line.as_of(date),
            })
            .collect();
        // A bilan restricted to a scheme covers the projects funded through it.
        if self.frame.scheme.is_some() && lines.is_empty() {
            return None;
        }
        let scope = &self.frame.scope;
        let state = ProjectState {
            index,
            project,
            status,
            territories: project
                .territories
                .iter()
                .map(|t| (t.as_str(), region_of(&self.regions, t.as_str())))
                .filter(|(id, region)| scope.includes_territory(id, region))
                .collect(),
            lines: (0..lines.len()).collect(),
        };
        Some((state, lines))
    }
}

impl<'a> Situation<'a> {
    /// Reads the situation of a frame from the facts.
    pub fn new(facts: &'a Facts<'a>, frame: &Frame) -> Situation<'a> {
        let date = frame.as_of;
        let territories: Vec<TerritoryState<'a>> = facts
            .territories
            .iter()
            .filter(|t| frame.scope.includes_territory(t.id, t.region))
            .map(|t| TerritoryState::at(facts.phase, t, date))
            .collect();
        let territory_position = territories
            .iter()
            .enumerate()
            .map(|(i, t)| (t.facts.id, i))
            .collect();
        let reader = ProjectReader::new(facts, frame);
        let mut projects = Vec::new();
        let mut lines: Vec<LineState<'a>> = Vec::new();
        for i in projects_in_scope(facts, &frame.scope) {
            let Some((mut state, own)) = reader.at(i, date) else {
                continue;
            };
            let (position, offset) = (projects.len(), lines.len());
            state.lines = (offset..offset + own.len()).collect();
            lines.extend(own.into_iter().map(|l| LineState {
                project: position,
                ..l
            }));
            projects.push(state);
        }
        Situation {
            frame: frame.clone(),
            facts,
            territories,
            projects,
            lines,
            territory_position,
        }
    }

    /// A territory in scope by id.
    pub fn territory(&self, id: &str) -> Option<&TerritoryState<'a>> {
        self.territory_position
            .get(id)
            .map(|&i| &self.territories[i])
    }

    /// The keys of a territory for a grouping (none where the grouping does not apply). Keys borrow the
    /// facts where they can: breakdowns compute one per record.
    pub fn territory_keys(&self, grouping: Grouping, t: &TerritoryState<'a>) -> Vec<Key<'a>> {
        match grouping {
            Grouping::Region => vec![Cow::Borrowed(t.facts.region)],
            Grouping::Territory => vec![Cow::Borrowed(t.facts.id)],
            Grouping::Attribute => t.attributes.iter().map(|a| Cow::Owned(a.code())).collect(),
            _ => Vec::new(),
        }
    }

    /// The keys of a project for a grouping. For groupings of lines (funder, kind, scheme), the keys of
    /// its lines that `line_counts` accepts: a project "engaged by Bpifrance" has a Bpifrance commitment.
    pub fn project_keys(
        &self,
        grouping: Grouping,
        p: &ProjectState<'a>,
        line_counts: impl Fn(&LineState<'a>) -> bool,
    ) -> Vec<Key<'a>> {
        let mut keys: Vec<Key<'a>> = match grouping {
            Grouping::Region => p
                .territories
                .iter()
                .map(|(_, r)| Cow::Borrowed(*r))
                .collect(),
            Grouping::Territory => p
                .territories
                .iter()
                .map(|(t, _)| Cow::Borrowed(*t))
                .collect(),
            Grouping::Attribute => p
                .territories
                .iter()
                .filter_map(|(t, _)| self.territory(t))
                .flat_map(|t| t.attributes.iter().map(|a| Cow::Owned(a.code())))
                .collect(),
            Grouping::Axis => p
                .project
                .axes
                .iter()
                .map(|a| Cow::Borrowed(a.code()))
                .collect(),
            Grouping::Status => vec![Cow::Borrowed(p.status.code())],
            Grouping::Scheme | Grouping::Funder | Grouping::FunderKind => p
                .lines
                .iter()
                .map(|&l| &self.lines[l])
                .filter(|l| line_counts(l))
                .map(|l| Self::line_own_key(grouping, l))
                .collect(),
        };
        keys.sort();
        keys.dedup();
        keys
    }

    /// The keys of a line for a grouping: its own for funder, kind and scheme, its project's otherwise.
    pub fn line_keys(&self, grouping: Grouping, l: &LineState<'a>) -> Vec<Key<'a>> {
        if grouping.is_line_level() {
            vec![Self::line_own_key(grouping, l)]
        } else {
            self.project_keys(grouping, &self.projects[l.project], |_| true)
        }
    }

    fn line_own_key(grouping: Grouping, l: &LineState<'a>) -> Key<'a> {
        Cow::Borrowed(match grouping {
            Grouping::Scheme => l.line.scheme.as_deref().unwrap_or(NO_SCHEME),
            Grouping::Funder => l.line.funder.as_str(),
            _ => l.funder_kind.code(),
        })
    }

    /// The label of a breakdown row's key.
    pub fn key_label(&self, grouping: Grouping, key: &str) -> String {
        let portfolio = self.facts.portfolio;
        match grouping {
            Grouping::Region => self
                .facts
                .region_names
                .get(key)
                .cloned()
                .unwrap_or_else(|| key.to_owned()),
            Grouping::Territory => self
                .facts
                .territories
                .iter()
                .find(|t| t.id == key)
                .map_or_else(|| key.to_owned(), |t| format!("{} ({key})", t.name)),
            Grouping::Attribute => key
                .parse::<Attribute>()
                .map_or_else(|_| key.to_owned(), |a| a.label()),
            Grouping::Axis => self
                .facts
                .phase
                .axes()
                .iter()
                .find(|a| a.code() == key)
                .map_or_else(|| key.to_owned(), |a| a.label().to_owned()),
            Grouping::Status => ProjectStatus::ALL
                .iter()
                .find(|s| s.code() == key)
                .map_or_else(|| key.to_owned(), |s| s.label().to_owned()),
            Grouping::Scheme if key == NO_SCHEME => "Sans dispositif (droit commun)".to_owned(),
            Grouping::Scheme => portfolio
                .schemes
                .iter()
                .find(|s| s.code == key)
                .map_or_else(|| key.to_owned(), |s| s.name.clone()),
            Grouping::Funder => portfolio
                .funders
                .iter()
                .find(|f| f.code == key)
                .map_or_else(|| key.to_owned(), |f| f.name.clone()),
            Grouping::FunderKind => key
                .parse::<FunderKind>()
                .map_or_else(|_| key.to_owned(), |k| k.label().to_owned()),
        }
    }
}
