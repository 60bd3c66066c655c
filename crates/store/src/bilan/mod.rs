//! Reads of the bilans, their records and the projects, from the in-memory read model: the indicator engine
//! of the domain runs on the snapshot, off the async workers, so a national bilan costs a fold over the rows
//! and never holds up a cheap request.

use std::sync::Arc;

use serde::Serialize;
use territoires_domain::bilan::compute::Record;
use territoires_domain::bilan::evolution::{evolution, Series};
use territoires_domain::bilan::explain::territory_reason;
use territoires_domain::bilan::figures::{Criterion, FigureCode, Value};
use territoires_domain::bilan::frame::{Frame, Scope};
use territoires_domain::bilan::report::{bilan, Bilan};
use territoires_domain::bilan::situation::{projects_in_scope, Facts, Situation, TerritoryFacts};
use territoires_domain::phase::Phase;
use territoires_domain::portfolio::funding::{FunderKind, LineAmounts};
use territoires_domain::portfolio::order::{Cursor, Order, OrderKey, SortValue};
use territoires_domain::portfolio::project::{Axis, ProjectStatus};
use territoires_domain::portfolio::Portfolio;
use territoires_domain::search::search_key;
use territoires_domain::DomainError;
use time::Date;

use crate::portfolio::{LineView, ProjectDetail, ProjectSummary};
use crate::snapshot::Snapshot;
use crate::{Result, Store, StoreError};

/// A bilan with its evolution over time.
#[derive(Debug, Clone, Serialize)]
pub struct BilanReport {
    /// The figures at the date.
    pub bilan: Bilan,
    /// The key figures from the phase's launch to the date, as steps.
    pub evolution: Vec<Series>,
}

/// The rows behind a bilan: its projects and their funding lines, as of its date.
#[derive(Debug, Clone, Serialize)]
pub struct BilanRows {
    /// Projects recorded at the date, in scope.
    pub projects: Vec<ProjectSummary>,
    /// Their lines requested at the date.
    pub lines: Vec<LineView>,
}

/// A territory a figure counts, and why.
#[derive(Debug, Clone, Serialize)]
pub struct TerritoryRecordView {
    /// Phase slug.
    pub phase: String,
    /// ANCT id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region of attachment, by name.
    pub region: String,
    /// Its state at the date, in words.
    pub state: String,
    /// Why it counts: the record behind it.
    pub reason: String,
}

/// An event a figure counts.
#[derive(Debug, Clone, Serialize)]
pub struct MilestoneRecordView {
    /// Phase slug.
    pub phase: String,
    /// Territory id.
    pub territory_id: String,
    /// Territory name.
    pub territory_name: String,
    /// Kind of event, in words.
    pub kind: String,
    /// Date, in words ("le 19 novembre 2019").
    pub date: String,
    /// Note.
    pub note: String,
    /// Source.
    pub source: String,
}

/// The records behind a figure under a criterion, and the value they add up to.
#[derive(Debug, Clone, Serialize)]
pub struct RecordList {
    /// The figure.
    pub figure: FigureCode,
    /// The criterion (breakdown row) they are filtered by.
    pub criterion: Criterion,
    /// The figure's value under the criterion: the count of the records, or the sum of what they add.
    pub value: Value,
    /// For a sum, the records considered (lines, projects), those adding nothing included.
    pub considered: i64,
    /// The territories counted (territory figures).
    pub territories: Vec<TerritoryRecordView>,
    /// The events counted (event figures).
    pub milestones: Vec<MilestoneRecordView>,
    /// The projects counted, with what each adds (1 for a count, the outcome for a sum).
    pub projects: Vec<(ProjectSummary, i64)>,
    /// The lines counted, with the amount each adds (cents).
    pub lines: Vec<(LineView, i64)>,
}

/// A query of the project list.
#[derive(Debug, Clone)]
pub struct ProjectQuery {
    /// Phase, scope, date and scheme.
    pub frame: Frame,
    /// Only projects with this status at the date.
    pub status: Option<ProjectStatus>,
    /// Only projects on this axis.
    pub axis: Option<Axis>,
    /// Text searched in title, code, holder and themes.
    pub q: Option<String>,
    /// The order of the list.
    pub order: Order,
    /// Only the projects after this one in the order (the end of the page read before).
    pub after: Option<Cursor>,
    /// Zero-based offset (after the cursor, if any).
    pub offset: usize,
    /// Page size.
    pub limit: usize,
}

/// A page of the project list.
#[derive(Debug, Clone)]
pub struct ProjectPage {
    /// The projects matching the query, in every page.
    pub total: i64,
    /// This page's.
    pub items: Vec<ProjectSummary>,
    /// Where this page ends, when more projects follow: the next page is the one after it.
    pub next: Option<Cursor>,
}

impl ProjectQuery {
    /// Every project of a frame (its phase, scope, date and scheme), unfiltered and in one page.
    pub fn all(frame: Frame) -> Self {
        ProjectQuery {
            frame,
            status: None,
            axis: None,
            q: None,
            order: Order::default(),
            after: None,
            offset: 0,
            limit: usize::MAX,
        }
    }
}

/// Positions of the projects a query selects (offset and limit aside), in stored order.
fn matching(s: &Snapshot, query: &ProjectQuery) -> Vec<usize> {
    let frame = &query.frame;
    let territories = s.registry.territory_facts(frame.phase);
    let facts = facts(s, frame.phase, &territories);
    let q = query.q.as_deref().map(search_key).unwrap_or_default();
    let scheme_lines = |code: &str| {
        frame.scheme.as_deref().is_none_or(|scheme| {
            s.portfolio.stored.portfolio.lines.iter().any(|l| {
                l.project == code
                    && l.scheme.as_deref() == Some(scheme)
                    && l.requested_on <= frame.as_of
            })
        })
    };
    projects_in_scope(&facts, &frame.scope)
        .into_iter()
        .filter(|&i| {
            let p = &s.portfolio.stored.portfolio.projects[i];
            let status = p.status_as_of(frame.as_of);
            status.is_some()
                && query.status.is_none_or(|st| status == Some(st))
                && query.axis.is_none_or(|a| p.axes.contains(&a))
                && scheme_lines(&p.code)
                && (q.is_empty() || {
                    let haystack = format!(
                        "{} {} {} {}",
                        p.code,
                        p.title,
                        p.holder.as_ref().map_or("", |h| h.name.as_str()),
                        p.themes.join(" ")
                    );
                    search_key(&haystack).contains(&q)
                })
        })
        .collect()
}

/// What is requested, committed and paid on the project at position `i` as of a date; `None` without
/// any line requested by then.
fn amounts(s: &Snapshot, i: usize, as_of: Date) -> Option<LineAmounts> {
    let mut money: Option<LineAmounts> = None;
    for &l in &s.portfolio.index.lines_by_project[i] {
        let line = &s.portfolio.stored.portfolio.lines[l];
        if line.requested_on > as_of {
            continue;
        }
        let a = line.as_of(as_of);
        let m = money.get_or_insert_with(LineAmounts::default);
        m.requested += a.requested;
        m.committed += a.committed;
        m.paid += a.paid;
    }
    money
}

fn summary(s: &Snapshot, i: usize, as_of: Date) -> ProjectSummary {
    let project = &s.portfolio.stored.portfolio.projects[i];
    ProjectSummary {
        status: project.status_as_of(as_of),
        money: amounts(s, i, as_of),
        territory_names: project
            .territories
            .iter()
            .map(|t| {
                s.registry
                    .territory_name(project.phase, t.as_str())
                    .map_or_else(|| t.to_string(), str::to_owned)
            })
            .collect(),
        project: project.clone(),
    }
}

fn line_view(s: &Snapshot, l: usize, as_of: Date) -> LineView {
    let p = &s.portfolio.stored.portfolio;
    let line = &p.lines[l];
    let funder = p.funders.iter().find(|f| f.code == line.funder);
    let scheme = line
        .scheme
        .as_deref()
        .and_then(|c| p.schemes.iter().find(|s| s.code == c));
    let (id, version) = s.portfolio.stored.line_ids[l];
    LineView {
        id,
        version,
        funder_name: funder.map_or_else(|| line.funder.clone(), |f| f.name.clone()),
        funder_kind: funder.map_or(FunderKind::Private, |f| f.kind),
        scheme_name: scheme.map(|s| s.name.clone()),
        ti_specific: scheme.is_some_and(|s| s.ti_specific),
        as_of: line.as_of(as_of),
        line: line.clone(),
    }
}

/// What the indicator engine reads, for one phase, from a snapshot.
fn facts<'a>(s: &'a Snapshot, phase: Phase, territories: &'a [TerritoryFacts<'a>]) -> Facts<'a> {
    Facts {
        phase,
        territories,
        portfolio: &s.portfolio.stored.portfolio,
        index: &s.portfolio.index,
        region_names: &s.registry.region_names,
    }
}

/// How many scopes' evolutions a snapshot keeps: every region and territory of both phases, with room
/// for schemes; beyond, the cache starts again rather than grow without bound.
const EVOLUTIONS_KEPT: usize = 1024;

/// The evolution of a frame: the evolution of its scope to the phase's horizon, computed once per snapshot,
/// cut at the frame's date.
fn evolution_of(s: &Snapshot, facts: &Facts<'_>, frame: &Frame) -> Vec<Series> {
    let key = (frame.phase, frame.scope.clone(), frame.scheme.clone());
    let cached = s
        .evolutions
        .lock()
        .expect("evolutions lock")
        .get(&key)
        .cloned();
    let full = cached.unwrap_or_else(|| {
        let horizon = Frame {
            as_of: frame.phase.horizon(),
            since: None,
            ..frame.clone()
        };
        let full = Arc::new(evolution(facts, &horizon));
        let mut kept = s.evolutions.lock().expect("evolutions lock");
        if kept.len() >= EVOLUTIONS_KEPT {
            kept.clear();
        }
        kept.insert(key, full.clone());
        full
    });
    full.iter()
        .map(|series| series.until(frame.as_of))
        .collect()
}

/// How many evolutions a new snapshot computes before it is published.
const WARMED: usize = 8;

/// Computes on `next` the evolutions `previous` had computed, national ones first (at most [`WARMED`]):
/// the requests that keep the previous snapshot meanwhile are served at once, and the first ones on
/// `next` find the costliest part of a bilan done.
pub(crate) fn warm_evolutions(previous: &Snapshot, next: &Snapshot) {
    let mut keys: Vec<_> = previous
        .evolutions
        .lock()
        .expect("evolutions lock")
        .keys()
        .cloned()
        .collect();
    keys.sort_by_key(|(phase, scope, scheme)| (*scope != Scope::France, scheme.is_some(), *phase));
    for (phase, scope, scheme) in keys.into_iter().take(WARMED) {
        let territories = next.registry.territory_facts(phase);
        let facts = facts(next, phase, &territories);
        let frame = Frame {
            scheme,
            ..Frame::at(phase, scope, phase.horizon())
        };
        evolution_of(next, &facts, &frame);
    }
}

fn records_of(
    s: &Snapshot,
    frame: &Frame,
    figure: FigureCode,
    criterion: &Criterion,
) -> RecordList {
    let territories = s.registry.territory_facts(frame.phase);
    let facts = facts(s, frame.phase, &territories);
    let situation = Situation::new(&facts, frame);
    let (records, considered) = situation.records(figure, criterion);
    let mut list = RecordList {
        figure,
        criterion: criterion.clone(),
        value: situation.value(figure, criterion),
        considered,
        territories: Vec::new(),
        milestones: Vec::new(),
        projects: Vec::new(),
        lines: Vec::new(),
    };
    for r in records {
        match r {
            Record::Territory(i) => {
                let t = &situation.territories[i];
                list.territories.push(TerritoryRecordView {
                    phase: frame.phase.slug().to_owned(),
                    id: t.facts.id.to_owned(),
                    name: t.facts.name.to_owned(),
                    region: s
                        .registry
                        .region_names
                        .get(t.facts.region)
                        .cloned()
                        .unwrap_or_else(|| t.facts.region.to_owned()),
                    state: t.progress.label(),
                    reason: territory_reason(frame.phase, figure, t, frame.as_of),
                });
            }
            Record::Milestone(i, j) => {
                let t = &situation.territories[i];
                let m = &t.facts.milestones[j];
                list.milestones.push(MilestoneRecordView {
                    phase: frame.phase.slug().to_owned(),
                    territory_id: t.facts.id.to_owned(),
                    territory_name: t.facts.name.to_owned(),
                    kind: m.kind.label().to_owned(),
                    date: m.date_label(),
                    note: m.note.clone(),
                    source: m.source.clone(),
                });
            }
            Record::Project(p, weight) => {
                let index = situation.projects[p].index;
                list.projects.push((summary(s, index, frame.as_of), weight));
            }
            Record::Line(l, amount) => {
                let index = situation.lines[l].index;
                list.lines
                    .push((line_view(s, index, frame.as_of), amount.0));
            }
        }
    }
    list
}

impl Store {
    /// How a scope is named on pages and documents ("France", "Région Grand Est", "Terres de Lorraine
    /// (ti-4411)"); a region or territory unknown to the registry is refused.
    pub async fn scope_name(&self, phase: Phase, scope: &Scope) -> Result<String> {
        let s = self.snapshot().await?;
        let unknown =
            |what: String| StoreError::Invalid(DomainError::Rule(format!("périmètre : {what}")));
        match scope {
            Scope::France => Ok("France".into()),
            Scope::Region(code) => s
                .registry
                .region_names
                .get(code.as_str())
                .map(|name| format!("Région {name}"))
                .ok_or_else(|| unknown(format!("région {code} inconnue"))),
            Scope::Territory(id) => s
                .registry
                .territory_name(phase, id.as_str())
                .map(|name| format!("{name} ({id})"))
                .ok_or_else(|| unknown(format!("territoire {id} inconnu en {}", phase.label()))),
        }
    }

    /// Checks a frame: dates the phase can hold, a scope and a scheme that exist.
    pub async fn check_frame(&self, frame: &Frame) -> Result<String> {
        frame.validate()?;
        if let Some(scheme) = &frame.scheme {
            let s = self.snapshot().await?;
            if !s
                .portfolio
                .stored
                .portfolio
                .schemes
                .iter()
                .any(|x| &x.code == scheme)
            {
                return Err(StoreError::Invalid(DomainError::Rule(format!(
                    "dispositif « {scheme} » inconnu"
                ))));
            }
        }
        self.scope_name(frame.phase, &frame.scope).await
    }

    /// The bilan of a frame, with its evolution, computed off the async workers.
    pub async fn bilan(&self, frame: &Frame) -> Result<BilanReport> {
        frame.validate()?;
        let s: Arc<Snapshot> = self.visible().await?;
        let frame = frame.clone();
        self.compute(move || {
            let territories = s.registry.territory_facts(frame.phase);
            let facts = facts(&s, frame.phase, &territories);
            BilanReport {
                bilan: bilan(&facts, &frame),
                evolution: evolution_of(&s, &facts, &frame),
            }
        })
        .await
    }

    /// The records a figure of a bilan counts under a criterion, with its value: what a figure's link
    /// leads to.
    pub async fn bilan_records(
        &self,
        frame: &Frame,
        figure: FigureCode,
        criterion: &Criterion,
    ) -> Result<RecordList> {
        frame.validate()?;
        if figure.is_flow() && frame.since.is_none() {
            return Err(StoreError::Invalid(DomainError::Rule(format!(
                "le chiffre « {} » porte sur une période : donnez sa date de début (du)",
                figure.label()
            ))));
        }
        if let Some((g, _)) = criterion
            .0
            .iter()
            .find(|(g, _)| !g.applies_to(figure.kind()))
        {
            return Err(StoreError::Invalid(DomainError::Rule(format!(
                "le critère « {} » ne s'applique pas à « {} »",
                g.code(),
                figure.label()
            ))));
        }
        let s = self.visible().await?;
        let (frame, criterion) = (frame.clone(), criterion.clone());
        self.compute(move || records_of(&s, &frame, figure, &criterion))
            .await
    }

    /// The projects and lines a bilan is computed from: exports give these next to the figures.
    pub async fn bilan_rows(&self, frame: &Frame) -> Result<BilanRows> {
        let s = self.visible().await?;
        let frame = frame.clone();
        self.compute(move || {
            let territories = s.registry.territory_facts(frame.phase);
            let facts = facts(&s, frame.phase, &territories);
            let situation = Situation::new(&facts, &frame);
            BilanRows {
                projects: situation
                    .projects
                    .iter()
                    .map(|p| summary(&s, p.index, frame.as_of))
                    .collect(),
                lines: situation
                    .lines
                    .iter()
                    .map(|l| line_view(&s, l.index, frame.as_of))
                    .collect(),
            }
        })
        .await
    }

    /// Projects matching a query, by code.
    pub async fn projects(&self, query: &ProjectQuery) -> Result<ProjectPage> {
        let s = self.visible().await?;
        let matching = matching(&s, query);
        let projects = &s.portfolio.stored.portfolio.projects;
        let order = query.order;
        let as_of = query.frame.as_of;
        let mut keyed: Vec<(SortValue, usize)> = matching
            .into_iter()
            .map(|i| {
                let committed = (order.key == OrderKey::Committed)
                    .then(|| amounts(&s, i, as_of).map(|m| m.committed))
                    .flatten();
                (order.value(&projects[i], committed), i)
            })
            .collect();
        let by_order = |a: &(SortValue, usize), b: (&SortValue, &str)| {
            order.compare((&a.0, projects[a.1].code.as_str()), b)
        };
        keyed.sort_by(|a, b| by_order(a, (&b.0, projects[b.1].code.as_str())));
        let start = query.after.as_ref().map_or(0, |c| {
            keyed.partition_point(|k| by_order(k, (&c.value, c.code.as_str())).is_le())
        });
        let first = start.saturating_add(query.offset).min(keyed.len());
        let end = first.saturating_add(query.limit).min(keyed.len());
        let page = &keyed[first..end];
        Ok(ProjectPage {
            total: keyed.len() as i64,
            next: page
                .last()
                .filter(|_| end < keyed.len())
                .map(|(value, i)| Cursor {
                    value: value.clone(),
                    code: projects[*i].code.clone(),
                }),
            items: page.iter().map(|&(_, i)| summary(&s, i, as_of)).collect(),
        })
    }

    /// Every project matching a query (its offset and limit aside) with its lines, as recorded on the
    /// query's date, and the whole referential of funders, schemes and envelopes: what a download of a
    /// list of projects holds, in the tables the import reads.
    pub async fn portfolio_extract(&self, query: &ProjectQuery) -> Result<Portfolio> {
        let s = self.visible().await?;
        let query = query.clone();
        self.compute(move || {
            let matching = matching(&s, &query);
            s.portfolio
                .stored
                .portfolio
                .extract(&matching, query.frame.as_of)
        })
        .await
    }

    /// One project with its lines, read as of a date; `None` if unknown.
    pub async fn project(&self, code: &str, as_of: Date) -> Result<Option<ProjectDetail>> {
        let s = self.visible().await?;
        let Some(&i) = s.portfolio.index.project_position.get(code) else {
            return Ok(None);
        };
        Ok(Some(ProjectDetail {
            summary: summary(&s, i, as_of),
            version: s.portfolio.stored.project_versions[i],
            lines: s.portfolio.index.lines_by_project[i]
                .iter()
                .map(|&l| line_view(&s, l, as_of))
                .collect(),
        }))
    }

    /// Projects carried by a territory (alone or with others), as of a date.
    pub async fn projects_of_territory(
        &self,
        phase: Phase,
        id: &str,
        as_of: Date,
    ) -> Result<Vec<ProjectSummary>> {
        let s = self.visible().await?;
        Ok(s.portfolio
            .stored
            .portfolio
            .projects
            .iter()
            .enumerate()
            .filter(|(_, p)| p.phase == phase && p.territories.iter().any(|t| t.as_str() == id))
            .filter(|(_, p)| p.status_as_of(as_of).is_some())
            .map(|(i, _)| summary(&s, i, as_of))
            .collect())
    }

    /// Every scheme, by name: (code, name).
    pub async fn schemes(&self) -> Result<Vec<(String, String)>> {
        let s = self.snapshot().await?;
        let mut out: Vec<(String, String)> = s
            .portfolio
            .stored
            .portfolio
            .schemes
            .iter()
            .map(|x| (x.code.clone(), x.name.clone()))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// A scheme's name, `None` if unknown.
    pub async fn scheme_name(&self, code: &str) -> Result<Option<String>> {
        let s = self.snapshot().await?;
        Ok(s.portfolio
            .stored
            .portfolio
            .schemes
            .iter()
            .find(|x| x.code == code)
            .map(|x| x.name.clone()))
    }

    /// A funder's name, `None` if unknown.
    pub async fn funder_name(&self, code: &str) -> Result<Option<String>> {
        let s = self.snapshot().await?;
        Ok(s.portfolio
            .stored
            .portfolio
            .funders
            .iter()
            .find(|x| x.code == code)
            .map(|x| x.name.clone()))
    }

    /// The phases that hold data (labelled territories with events, or projects), with the last date
    /// something happened in each: pages open on a view with data.
    pub async fn phases_with_data(&self) -> Result<Vec<(Phase, Date)>> {
        let s = self.visible().await?;
        Ok(s.last_event_dates())
    }
}
