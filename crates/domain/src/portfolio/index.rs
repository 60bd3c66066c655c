//! Lookups over a portfolio that every bilan and project page needs. They depend on the data only, never on
//! the question asked, so they are built once per snapshot of the data rather than once per request.

use std::collections::HashMap;

use crate::portfolio::funding::{envelope_position, FunderKind};
use crate::portfolio::{project_region, Portfolio};

/// What a funding line is, as the bilans classify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineKind {
    /// Its funder's kind (a funder missing from the list counts as private: it commits neither the State
    /// nor a local authority).
    pub funder: FunderKind,
    /// Whether its scheme is specific to Territoires d'industrie.
    pub ti_specific: bool,
}

/// Positions of projects and lines in a [`Portfolio`], and the kind of each line.
#[derive(Debug, Clone, Default)]
pub struct PortfolioIndex {
    /// Position of each project, by code.
    pub project_position: HashMap<String, usize>,
    /// Positions of each project's lines, at the project's position.
    pub lines_by_project: Vec<Vec<usize>>,
    /// Each line's kind, at the line's position.
    pub line_kinds: Vec<LineKind>,
    /// The envelope each line's commitment draws on (its position in the portfolio's envelopes), at the
    /// line's position; `None` when it is not committed or its scheme has no envelope.
    pub line_envelopes: Vec<Option<usize>>,
}

impl PortfolioIndex {
    /// Indexes a portfolio.
    pub fn new(portfolio: &Portfolio) -> PortfolioIndex {
        let project_position: HashMap<String, usize> = portfolio
            .projects
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.clone(), i))
            .collect();
        let mut lines_by_project = vec![Vec::new(); portfolio.projects.len()];
        for (i, l) in portfolio.lines.iter().enumerate() {
            if let Some(&p) = project_position.get(&l.project) {
                lines_by_project[p].push(i);
            }
        }
        let funders: HashMap<&str, FunderKind> = portfolio
            .funders
            .iter()
            .map(|f| (f.code.as_str(), f.kind))
            .collect();
        let ti_specific: HashMap<&str, bool> = portfolio
            .schemes
            .iter()
            .map(|s| (s.code.as_str(), s.ti_specific))
            .collect();
        let line_kinds = portfolio
            .lines
            .iter()
            .map(|l| LineKind {
                funder: funders
                    .get(l.funder.as_str())
                    .copied()
                    .unwrap_or(FunderKind::Private),
                ti_specific: l
                    .scheme
                    .as_deref()
                    .is_some_and(|s| ti_specific.get(s).copied().unwrap_or(false)),
            })
            .collect();
        let line_envelopes = portfolio
            .lines
            .iter()
            .map(|l| {
                let (scheme, on) = (l.scheme.as_deref()?, l.committed_on?);
                let project = &portfolio.projects[*project_position.get(&l.project)?];
                envelope_position(
                    &portfolio.envelopes,
                    scheme,
                    project_region(project).as_ref(),
                    on,
                )
            })
            .collect();
        PortfolioIndex {
            project_position,
            lines_by_project,
            line_kinds,
            line_envelopes,
        }
    }
}
