//! Reads of the portfolio and the bilans, from the in-memory read model: the indicator engine of the
//! domain runs on the snapshot, so a national bilan costs a fold over the rows, not a query.

use serde::Serialize;
use territoires_domain::funding::{FunderKind, LineAmounts};
use territoires_domain::indicators::{
    bilan, evolution, projects_in_scope, quarter_ends, Bilan, EvolutionPoint, Facts, Money, Scope,
    TerritoryFacts,
};
use territoires_domain::phase::Phase;
use territoires_domain::project::{Axis, ProjectStatus};
use territoires_domain::search::search_key;
use territoires_domain::DomainError;
use time::Date;

use crate::portfolio::{LineView, ProjectDetail, ProjectSummary};
use crate::referential::Page;
use crate::snapshot::Snapshot;
use crate::{Result, Store, StoreError};

/// A bilan with its evolution over time (quarter ends from the phase's start to the date).
#[derive(Debug, Clone, Serialize)]
pub struct BilanReport {
    /// The figures at the date.
    pub bilan: Bilan,
    /// The key figures at each quarter end up to the date.
    pub evolution: Vec<EvolutionPoint>,
}

/// The rows behind a bilan: its projects and their funding lines, as of its date.
#[derive(Debug, Clone, Serialize)]
pub struct BilanRows {
    /// Projects recorded at the date, in scope.
    pub projects: Vec<ProjectSummary>,
    /// Their lines requested at the date.
    pub lines: Vec<LineView>,
}

/// A query of the project list.
#[derive(Debug, Clone)]
pub struct ProjectQuery {
    /// Phase.
    pub phase: Phase,
    /// Scope.
    pub scope: Scope,
    /// Date statuses and amounts are read at; projects not yet recorded then are left out.
    pub as_of: Date,
    /// Only projects with this status at the date.
    pub status: Option<ProjectStatus>,
    /// Only projects on this axis.
    pub axis: Option<Axis>,
    /// Text searched in title, code, holder and themes.
    pub q: Option<String>,
    /// Zero-based offset.
    pub offset: usize,
    /// Page size.
    pub limit: usize,
}

fn summary(s: &Snapshot, i: usize, as_of: Date) -> ProjectSummary {
    let project = &s.portfolio.portfolio.projects[i];
    let mut money = Money::default();
    for &l in &s.lines_by_project[i] {
        let a = s.portfolio.portfolio.lines[l].as_of(as_of);
        money.requested += a.requested;
        money.committed += a.committed;
        money.paid += a.paid;
    }
    ProjectSummary {
        status: project.status_as_of(as_of),
        money,
        territory_names: project
            .territories
            .iter()
            .map(|t| {
                s.territory_name(project.phase, t.as_str())
                    .map_or_else(|| t.to_string(), str::to_owned)
            })
            .collect(),
        project: project.clone(),
    }
}

fn line_view(s: &Snapshot, l: usize, as_of: Date) -> LineView {
    let p = &s.portfolio.portfolio;
    let line = &p.lines[l];
    let funder = p.funders.iter().find(|f| f.code == line.funder);
    let scheme = line
        .scheme
        .as_deref()
        .and_then(|c| p.schemes.iter().find(|s| s.code == c));
    let (id, version) = s.portfolio.line_ids[l];
    LineView {
        id,
        version,
        funder_name: funder.map_or_else(|| line.funder.clone(), |f| f.name.clone()),
        funder_kind: funder.map_or(FunderKind::Private, |f| f.kind),
        scheme_name: scheme.map(|s| s.name.clone()),
        ti_specific: scheme.is_some_and(|s| s.ti_specific),
        as_of: if line.requested_on <= as_of {
            line.as_of(as_of)
        } else {
            LineAmounts::default()
        },
        line: line.clone(),
    }
}

/// What the indicator engine reads, for one phase, from a snapshot.
fn facts<'a>(s: &'a Snapshot, phase: Phase, territories: &'a [TerritoryFacts<'a>]) -> Facts<'a> {
    Facts {
        phase,
        territories,
        portfolio: &s.portfolio.portfolio,
        region_names: &s.region_names,
    }
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
                .region_names
                .get(code.as_str())
                .map(|name| format!("Région {name}"))
                .ok_or_else(|| unknown(format!("région {code} inconnue"))),
            Scope::Territory(id) => s
                .territory_name(phase, id.as_str())
                .map(|name| format!("{name} ({id})"))
                .ok_or_else(|| unknown(format!("territoire {id} inconnu en {}", phase.label()))),
        }
    }

    /// The bilan of a phase for a scope, as of a date, with its evolution.
    pub async fn bilan(&self, phase: Phase, scope: &Scope, as_of: Date) -> Result<BilanReport> {
        let s = self.snapshot().await?;
        let territories = s.territory_facts(phase);
        let facts = facts(&s, phase, &territories);
        Ok(BilanReport {
            bilan: bilan(&facts, scope, as_of),
            evolution: evolution(&facts, scope, &quarter_ends(phase, as_of)),
        })
    }

    /// The projects and lines a bilan is computed from: exports give these next to the figures.
    pub async fn bilan_rows(&self, phase: Phase, scope: &Scope, as_of: Date) -> Result<BilanRows> {
        let s = self.snapshot().await?;
        let territories = s.territory_facts(phase);
        let facts = facts(&s, phase, &territories);
        let mut projects = Vec::new();
        let mut lines = Vec::new();
        for i in projects_in_scope(&facts, scope) {
            if s.portfolio.portfolio.projects[i]
                .status_as_of(as_of)
                .is_none()
            {
                continue;
            }
            projects.push(summary(&s, i, as_of));
            lines.extend(
                s.lines_by_project[i]
                    .iter()
                    .filter(|&&l| s.portfolio.portfolio.lines[l].requested_on <= as_of)
                    .map(|&l| line_view(&s, l, as_of)),
            );
        }
        Ok(BilanRows { projects, lines })
    }

    /// Projects matching a query, by code.
    pub async fn projects(&self, query: &ProjectQuery) -> Result<Page<ProjectSummary>> {
        let s = self.snapshot().await?;
        let territories = s.territory_facts(query.phase);
        let facts = facts(&s, query.phase, &territories);
        let q = query.q.as_deref().map(search_key).unwrap_or_default();
        let matching: Vec<usize> = projects_in_scope(&facts, &query.scope)
            .into_iter()
            .filter(|&i| {
                let p = &s.portfolio.portfolio.projects[i];
                let status = p.status_as_of(query.as_of);
                status.is_some()
                    && query.status.is_none_or(|st| status == Some(st))
                    && query.axis.is_none_or(|a| p.axes.contains(&a))
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
            .collect();
        Ok(Page {
            total: matching.len() as i64,
            items: matching
                .into_iter()
                .skip(query.offset)
                .take(query.limit)
                .map(|i| summary(&s, i, query.as_of))
                .collect(),
        })
    }

    /// One project with its lines, read as of a date; `None` if unknown.
    pub async fn project(&self, code: &str, as_of: Date) -> Result<Option<ProjectDetail>> {
        let s = self.snapshot().await?;
        let Some(&i) = s.project_index.get(code) else {
            return Ok(None);
        };
        Ok(Some(ProjectDetail {
            summary: summary(&s, i, as_of),
            version: s.portfolio.project_versions[i],
            lines: s.lines_by_project[i]
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
        let s = self.snapshot().await?;
        Ok(s.portfolio
            .portfolio
            .projects
            .iter()
            .enumerate()
            .filter(|(_, p)| p.phase == phase && p.territories.iter().any(|t| t.as_str() == id))
            .filter(|(_, p)| p.status_as_of(as_of).is_some())
            .map(|(i, _)| summary(&s, i, as_of))
            .collect())
    }
}
