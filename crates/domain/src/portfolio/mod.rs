//! The portfolio: funders, schemes, envelopes, projects and their funding lines, checked as a whole.

pub mod drafts;
pub mod funding;
pub mod given;
pub mod index;
pub mod order;
pub mod project;
pub mod scheme;

use given::Given;
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ids::RegionCode;
use crate::money::Cents;
use crate::portfolio::funding::{envelope_for, Envelope, Funder, FundingLine, Scheme};
use crate::portfolio::project::Project;
use crate::DomainError;

/// Everything about projects and their funding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portfolio {
    /// Funders.
    pub funders: Vec<Funder>,
    /// Schemes.
    pub schemes: Vec<Scheme>,
    /// Envelopes.
    pub envelopes: Vec<Envelope>,
    /// Fiches actions.
    pub projects: Vec<Project>,
    /// Funding lines.
    pub lines: Vec<FundingLine>,
}

/// Where in the portfolio a problem lies: the table and the position of the row (0-based), so that an
/// import can name the file and line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A funder.
    Funder(usize),
    /// A scheme.
    Scheme(usize),
    /// An envelope.
    Envelope(usize),
    /// A project.
    Project(usize),
    /// A funding line.
    Line(usize),
}

/// The region a project's commitments count against: that of its first territory's attachment.
pub fn project_region(project: &Project) -> Option<RegionCode> {
    project
        .territories
        .first()
        .map(|t| t.region_of_attachment())
}

impl Portfolio {
    /// Checks each row, the references between them, duplicates, and that no commitment ever exceeded its
    /// envelope (commitments are replayed in date order). The first problem is returned with its row.
    pub fn validate(&self) -> Result<(), (Row, DomainError)> {
        self.check(true, &Given::All)
    }

    /// Checks each row and duplicates only: a file that adds lines to projects already stored cannot see
    /// them, so references and envelopes are checked once it is merged with what is stored — as are the
    /// title and territories of fiches when the file lacks those columns (it updates stored fiches).
    pub fn validate_rows(&self, given: &Given) -> Result<(), (Row, DomainError)> {
        self.check(false, given)
    }

    /// Every problem [`Portfolio::validate`] would find, each row's first (the envelopes replayed only once
    /// the rows are right): what an import's preview lists, all at once.
    pub fn whole_problems(&self) -> Vec<(Row, DomainError)> {
        self.problems(true, &Given::All)
    }

    /// Every problem [`Portfolio::validate_rows`] would find, each row's first: what an import's report
    /// lists, all at once.
    pub fn row_problems(&self, given: &Given) -> Vec<(Row, DomainError)> {
        self.problems(false, given)
    }

    /// Checks that nothing is dated after `today`: statuses, requests, commitments, payments and
    /// cancellations record what happened, and what has not happened yet cannot be recorded.
    pub fn check_not_future(&self, today: Date) -> Result<(), (Row, DomainError)> {
        for (i, p) in self.projects.iter().enumerate() {
            p.check_not_future(today)
                .map_err(|err| (Row::Project(i), err))?;
        }
        for (i, l) in self.lines.iter().enumerate() {
            l.check_not_future(today)
                .map_err(|err| (Row::Line(i), err))?;
        }
        Ok(())
    }

    /// The fiches at `projects` (positions) and their lines, as recorded on `date` (see
    /// [`Project::record_as_of`]), with the whole referential of funders, schemes and envelopes: what an
    /// export of a list of fiches gives, and what importing it back restores.
    pub fn extract(&self, projects: &[usize], date: Date) -> Portfolio {
        let kept: Vec<Project> = projects
            .iter()
            .filter_map(|&i| self.projects.get(i)?.record_as_of(date))
            .collect();
        let codes: HashSet<&str> = kept.iter().map(|p| p.code.as_str()).collect();
        let lines = self
            .lines
            .iter()
            .filter(|l| codes.contains(l.project.as_str()))
            .filter_map(|l| l.record_as_of(date))
            .collect();
        Portfolio {
            funders: self.funders.clone(),
            schemes: self.schemes.clone(),
            envelopes: self.envelopes.clone(),
            projects: kept,
            lines,
        }
    }

    /// Codes of a kind that differ from an earlier one only by case: `GE-1` and `ge-1` would be one fiche
    /// to a reader, a spreadsheet or an address typed by hand, and two to the database. (The same code
    /// twice is a duplicate, told by [`Portfolio::check`].)
    fn case_clashes(&self) -> Vec<(Row, DomainError)> {
        let clashes = |what: &'static str,
                       codes: &mut dyn Iterator<Item = &str>,
                       row: fn(usize) -> Row| {
            let mut seen: HashMap<String, &str> = HashMap::new();
            codes
                .enumerate()
                .filter_map(|(i, code)| {
                    let other = seen.insert(code.to_ascii_lowercase(), code)?;
                    (other != code).then(|| {
                        (
                            row(i),
                            DomainError::Rule(format!(
                                "{what} « {code} » : le code « {other} » existe déjà, et deux codes ne peuvent différer que par la casse"
                            )),
                        )
                    })
                })
                .collect::<Vec<_>>()
        };
        let mut found = clashes(
            "financeur",
            &mut self.funders.iter().map(|f| f.code.as_str()),
            Row::Funder,
        );
        found.extend(clashes(
            "dispositif",
            &mut self.schemes.iter().map(|s| s.code.as_str()),
            Row::Scheme,
        ));
        found.extend(clashes(
            "enveloppe",
            &mut self.envelopes.iter().map(|e| e.code.as_str()),
            Row::Envelope,
        ));
        found.extend(clashes(
            "projet",
            &mut self.projects.iter().map(|p| p.code.as_str()),
            Row::Project,
        ));
        found
    }

    /// Positions of the fiches and of the funding lines the public sees: every one but the fiches marked
    /// « pas encore publique » and their lines (see [`crate::access::Audience`]); `None` when every fiche
    /// is public, which is the common case and costs nothing.
    pub fn public_positions(&self) -> Option<(Vec<usize>, Vec<usize>)> {
        let hidden: HashSet<&str> = self
            .projects
            .iter()
            .filter(|p| p.not_yet_public)
            .map(|p| p.code.as_str())
            .collect();
        if hidden.is_empty() {
            return None;
        }
        let projects = (0..self.projects.len())
            .filter(|&i| !self.projects[i].not_yet_public)
            .collect();
        let lines = (0..self.lines.len())
            .filter(|&i| !hidden.contains(self.lines[i].project.as_str()))
            .collect();
        Some((projects, lines))
    }

    /// The first problem of [`Portfolio::problems`].
    fn check(&self, whole: bool, given: &Given) -> Result<(), (Row, DomainError)> {
        match self.problems(whole, given).into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every row's first problem, rows in order within each table: values, duplicates, references (when
    /// `whole`), then — only when the rows are right, and `whole` — the envelopes' commitments replayed.
    fn problems(&self, whole: bool, given: &Given) -> Vec<(Row, DomainError)> {
        let dup = |what: &str, key: &str| DomainError::Rule(format!("{what} « {key} » en double"));
        let mut problems = self.case_clashes();
        // Each row's first problem is kept, and the next row checked.
        macro_rules! refuse {
            ($problem:expr) => {{
                problems.push($problem);
                continue;
            }};
        }
        let mut funders = HashSet::new();
        let mut sirets: HashMap<&str, &str> = HashMap::new();
        for (i, f) in self.funders.iter().enumerate() {
            if !funders.insert(f.code.as_str()) {
                refuse!((Row::Funder(i), dup("financeur", &f.code)));
            }
            // One body grants under one SIRET: two funders with it would split its open data.
            if let Some(other) = f
                .siret
                .as_deref()
                .and_then(|s| sirets.insert(s, f.code.as_str()))
            {
                refuse!((
                    Row::Funder(i),
                    DomainError::Rule(format!(
                        "financeur {} : le SIRET {} est déjà celui du financeur {other}",
                        f.code,
                        f.siret.as_deref().unwrap_or_default()
                    )),
                ));
            }
            if let Err(e) = f.validate() {
                refuse!((Row::Funder(i), e));
            }
        }
        let mut schemes = HashMap::new();
        for (i, s) in self.schemes.iter().enumerate() {
            if whole && !funders.contains(s.funder.as_str()) {
                refuse!((Row::Scheme(i), unknown("financeur", &s.funder)));
            }
            if schemes.insert(s.code.as_str(), s).is_some() {
                refuse!((Row::Scheme(i), dup("dispositif", &s.code)));
            }
            if let Err(e) = s.validate() {
                refuse!((Row::Scheme(i), e));
            }
        }
        let mut envelopes = HashSet::new();
        for (i, e) in self.envelopes.iter().enumerate() {
            if whole && !schemes.contains_key(e.scheme.as_str()) {
                refuse!((Row::Envelope(i), unknown("dispositif", &e.scheme)));
            }
            if !envelopes.insert(e.code.as_str()) {
                refuse!((Row::Envelope(i), dup("enveloppe", &e.code)));
            }
            if let Err(err) = e.validate() {
                refuse!((Row::Envelope(i), err));
            }
        }
        let mut projects = HashMap::new();
        for (i, p) in self.projects.iter().enumerate() {
            let checked =
                if given.has_project_column("titre") && given.has_project_column("territoires") {
                    p.validate()
                } else {
                    p.validate_values()
                };
            if projects.insert(p.code.as_str(), p).is_some() {
                refuse!((Row::Project(i), dup("projet", &p.code)));
            }
            if let Err(err) = checked {
                refuse!((Row::Project(i), err));
            }
        }
        let mut keys = HashSet::new();
        for (i, l) in self.lines.iter().enumerate() {
            let row = Row::Line(i);
            if whole && !projects.contains_key(l.project.as_str()) {
                refuse!((row, unknown("projet", &l.project)));
            }
            if whole && !funders.contains(l.funder.as_str()) {
                refuse!((row, unknown("financeur", &l.funder)));
            }
            if let Some(scheme) = l.scheme.as_ref().filter(|_| whole) {
                match schemes.get(scheme.as_str()) {
                    None => refuse!((row, unknown("dispositif", scheme))),
                    Some(s) if s.funder != l.funder => {
                        refuse!((
                            row,
                            DomainError::Rule(format!(
                            "le dispositif « {scheme} » relève du financeur « {} », pas de « {} »",
                            s.funder, l.funder
                        )),
                        ))
                    }
                    Some(_) => {}
                }
            }
            if let Err(err) = l.validate() {
                refuse!((row, err));
            }
            if !keys.insert(l.key()) {
                refuse!((
                    row,
                    DomainError::Rule(format!(
                        "ligne en double : financeur « {} », décision « {} », projet « {} » (une ligne par financeur, décision et projet)",
                        l.funder, l.decision_reference, l.project
                    )),
                ));
            }
        }
        if whole && problems.is_empty() {
            if let Err(problem) = self.check_envelopes(&projects) {
                problems.push(problem);
            }
        }
        problems
    }

    /// Replays commitments in date order against their envelopes.
    fn check_envelopes(
        &self,
        projects: &HashMap<&str, &Project>,
    ) -> Result<(), (Row, DomainError)> {
        let mut commitments: Vec<(usize, &FundingLine)> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.committed_on.is_some() && l.scheme.is_some())
            .collect();
        commitments.sort_by_key(|(i, l)| (l.committed_on, *i));
        let mut used: HashMap<&str, Cents> = HashMap::new();
        for (i, l) in commitments {
            let (Some(scheme), Some(on)) = (l.scheme.as_deref(), l.committed_on) else {
                continue;
            };
            let region = projects
                .get(l.project.as_str())
                .and_then(|p| project_region(p));
            let Some(envelope) = envelope_for(&self.envelopes, scheme, region.as_ref(), on) else {
                continue;
            };
            let already = used.entry(envelope.code.as_str()).or_default();
            envelope
                .check_commitment(*already, l.committed_in_force())
                .map_err(|err| (Row::Line(i), err))?;
            *already += l.committed_in_force();
        }
        Ok(())
    }

    /// The envelope each line draws on (its code), in the order of `lines`: see [`funding::draws_on`].
    pub fn drawn_envelopes(&self) -> Vec<Option<&str>> {
        let regions: HashMap<&str, Option<RegionCode>> = self
            .projects
            .iter()
            .map(|p| (p.code.as_str(), project_region(p)))
            .collect();
        self.lines
            .iter()
            .map(|l| {
                let region = regions.get(l.project.as_str()).and_then(Option::as_ref);
                funding::draws_on(&self.envelopes, l, region).map(|e| e.code.as_str())
            })
            .collect()
    }

    /// Committed in force on each envelope, by envelope code.
    pub fn envelope_use(&self) -> HashMap<&str, Cents> {
        let mut used: HashMap<&str, Cents> = HashMap::new();
        for (l, e) in self.lines.iter().zip(self.drawn_envelopes()) {
            if let Some(e) = e {
                *used.entry(e).or_default() += l.committed_in_force();
            }
        }
        used
    }
}

/// Refuses what is dated after `today`: only what happened is recorded.
pub(crate) fn future(what: &str, on: Date, today: Date) -> DomainError {
    DomainError::Rule(format!(
        "{what} daté du {}, après aujourd'hui ({}) : seul ce qui a eu lieu s'enregistre",
        crate::fr::long_date(on),
        crate::fr::long_date(today)
    ))
}

fn unknown(what: &str, code: &str) -> DomainError {
    DomainError::Rule(format!("{what} « {code} » inconnu"))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::ids::TerritoryId;
    use crate::phase::Phase;
    use crate::portfolio::funding::{FunderKind, Instrument};
    use crate::portfolio::project::{Axis, Outcomes, ProjectStatus, StatusChange};

    pub(crate) fn sample() -> Portfolio {
        let project = |code: &str, territory: &str| Project {
            not_yet_public: false,
            code: code.into(),
            phase: Phase::First,
            territories: vec![TerritoryId::parse(territory).unwrap()],
            title: format!("Projet {code}"),
            description: String::new(),
            axes: vec![Axis::Innovate],
            themes: vec![],
            holder: None,
            total_cost: None,
            expected: Outcomes::default(),
            measured: Outcomes::default(),
            history: vec![StatusChange {
                status: ProjectStatus::InPreparation,
                on: date!(2019 - 06 - 01),
            }],
            source: String::new(),
        };
        let line = |project: &str, reference: &str, amount: i64, on: time::Date| FundingLine {
            first_paid_on: None,
            payment_terms: None,
            project: project.into(),
            funder: "bpifrance".into(),
            scheme: Some("fa".into()),
            instrument: Instrument::Grant,
            decision_reference: reference.into(),
            requested: Cents::euros(amount),
            requested_on: date!(2020 - 01 - 01),
            committed: Some(Cents::euros(amount)),
            committed_on: Some(on),
            paid: None,
            paid_on: None,
            cancelled_on: None,
            over_request_allowed: false,
        };
        Portfolio {
            funders: vec![Funder {
                siret: None,
                code: "bpifrance".into(),
                name: "Bpifrance".into(),
                kind: FunderKind::Operator,
            }],
            schemes: vec![Scheme {
                details: Default::default(),
                eu_notified: None,
                code: "fa".into(),
                name: "Fonds d'accélération".into(),
                funder: "bpifrance".into(),
                ti_specific: true,
            }],
            envelopes: vec![Envelope {
                code: "fa-44".into(),
                scheme: "fa".into(),
                region: Some(RegionCode::parse("44").unwrap()),
                starts_on: date!(2020 - 01 - 01),
                ends_on: date!(2022 - 12 - 31),
                amount: Cents::euros(1_000_000),
            }],
            projects: vec![
                project("A", "ti-4411"),
                project("B", "ti-4401"),
                project("C", "ti-3201"),
            ],
            lines: vec![
                line("A", "D1", 600_000, date!(2020 - 03 - 01)),
                line("B", "D2", 400_000, date!(2020 - 04 - 01)),
                line("C", "D3", 900_000, date!(2020 - 04 - 01)),
            ],
        }
    }

    #[test]
    fn a_consistent_portfolio_passes() {
        sample().validate().unwrap();
        assert_eq!(sample().envelope_use()["fa-44"], Cents::euros(1_000_000));
    }

    #[test]
    fn an_extract_keeps_the_chosen_fiches_their_lines_and_the_referential_as_of_its_date() {
        let p = sample();
        let all = p.extract(&[0, 1, 2], date!(2026 - 01 - 01));
        assert_eq!(all, p);
        let two = p.extract(&[2, 0], date!(2020 - 03 - 15));
        let codes: Vec<&str> = two.projects.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["C", "A"]);
        assert_eq!(
            (two.funders.len(), two.schemes.len(), two.envelopes.len()),
            (1, 1, 1)
        );
        // C was requested but not yet committed on that day; A was.
        let committed: Vec<(&str, Option<Cents>)> = two
            .lines
            .iter()
            .map(|l| (l.project.as_str(), l.committed))
            .collect();
        assert_eq!(committed, [("A", Some(Cents::euros(600_000))), ("C", None)]);
        assert!(p.extract(&[0], date!(2019 - 05 - 31)).projects.is_empty());
        two.validate().unwrap();
    }

    #[test]
    fn the_public_sees_neither_a_fiche_not_yet_public_nor_its_lines() {
        let mut p = sample();
        assert_eq!(p.public_positions(), None);
        p.projects[1].not_yet_public = true;
        p.lines.push(p.lines[1].clone());
        p.lines[3].decision_reference = "D4".into();
        assert_eq!(
            p.public_positions(),
            Some((vec![0, 2], vec![0, 2])),
            "B and both of its lines are left out"
        );
        for project in &mut p.projects {
            project.not_yet_public = true;
        }
        assert_eq!(p.public_positions(), Some((vec![], vec![])));
    }

    #[test]
    fn the_commitment_that_exhausts_an_envelope_is_named() {
        let mut p = sample();
        p.lines[1].committed = Some(Cents::euros(400_001));
        p.lines[1].requested = Cents::euros(400_001);
        let (row, err) = p.validate().unwrap_err();
        assert_eq!(row, Row::Line(1));
        assert!(err.to_string().contains("épuisée"), "{err}");
    }

    /// A change of one line, checked alone against the sum of the other commitments drawing on its
    /// envelope (what the store does under its write lock), is accepted exactly when the whole portfolio
    /// with that change passes: over every commitment amount and date of line B.
    #[test]
    fn one_line_is_checked_against_its_envelope_as_the_whole_portfolio_would() {
        for euros in [0, 1, 399_999, 400_000, 400_001, 900_000] {
            for on in [
                date!(2019 - 12 - 31),
                date!(2020 - 02 - 01),
                date!(2023 - 01 - 01),
            ] {
                let mut p = sample();
                let line = &mut p.lines[1];
                line.requested = Cents::euros(euros.max(1));
                line.requested_on = date!(2019 - 01 - 01);
                line.committed = Some(Cents::euros(euros));
                line.committed_on = Some(on);
                let whole = p.validate().is_ok();
                let drawn = p.drawn_envelopes();
                let alone = match drawn[1] {
                    None => true,
                    Some(code) => {
                        let already: Cents = p
                            .lines
                            .iter()
                            .zip(&drawn)
                            .enumerate()
                            .filter(|(i, (_, e))| *i != 1 && **e == Some(code))
                            .map(|(_, (l, _))| l.committed_in_force())
                            .sum();
                        let envelope = p.envelopes.iter().find(|e| e.code == code).unwrap();
                        envelope
                            .check_commitment(already, p.lines[1].committed_in_force())
                            .is_ok()
                    }
                };
                assert_eq!(alone, whole, "{euros} € on {on}");
            }
        }
    }

    #[test]
    fn references_and_duplicates_are_checked() {
        let mut p = sample();
        p.lines[2].funder = "ademe".into();
        assert!(p
            .validate()
            .unwrap_err()
            .1
            .to_string()
            .contains("financeur « ademe » inconnu"));
        let mut p = sample();
        p.lines[1].project = "A".into();
        p.lines[1].decision_reference = "D1".into();
        let (row, err) = p.validate().unwrap_err();
        assert_eq!(row, Row::Line(1));
        assert!(err.to_string().contains("en double"), "{err}");
    }

    #[test]
    fn every_rows_problem_is_found_each_row_once() {
        let mut p = sample();
        p.lines[0].funder = "ademe".into();
        p.lines[2].funder = "cnes".into();
        let problems = p.whole_problems();
        let rows: Vec<Row> = problems.iter().map(|(row, _)| *row).collect();
        assert_eq!(rows, [Row::Line(0), Row::Line(2)], "{problems:?}");
        assert!(problems[1]
            .1
            .to_string()
            .contains("financeur « cnes » inconnu"));
        assert_eq!(
            p.validate().unwrap_err(),
            problems[0].clone(),
            "validate tells the first"
        );
        assert!(sample().whole_problems().is_empty());
    }

    #[test]
    fn two_codes_that_differ_only_by_case_are_refused() {
        let mut p = sample();
        let mut twin = p.projects[0].clone();
        twin.code = p.projects[0].code.to_ascii_lowercase();
        assert_ne!(
            twin.code, p.projects[0].code,
            "the sample's code has capitals"
        );
        p.projects.push(twin);
        let (row, err) = p.validate().unwrap_err();
        assert_eq!(row, Row::Project(p.projects.len() - 1));
        assert!(
            err.to_string().contains(&format!(
                "le code « {} » existe déjà, et deux codes ne peuvent différer que par la casse",
                p.projects[0].code
            )),
            "{err}"
        );
        let mut p = sample();
        let same = p.funders[0].clone();
        p.funders.push(same);
        let (row, err) = p.validate().unwrap_err();
        assert_eq!(row, Row::Funder(p.funders.len() - 1));
        assert!(err.to_string().ends_with("en double"), "{err}");
    }

    #[test]
    fn two_funders_with_one_siret_or_a_code_unfit_for_an_address_are_refused() {
        let mut p = sample();
        let mut other = p.funders[0].clone();
        other.code = "bpi-bis".into();
        other.siret = Some("73282932000074".into());
        p.funders[0].siret = Some("73282932000074".into());
        p.funders.push(other);
        let (row, err) = p.validate().unwrap_err();
        assert_eq!(row, Row::Funder(1));
        assert!(
            err.to_string()
                .contains("le SIRET 73282932000074 est déjà celui du financeur bpifrance"),
            "{err}"
        );
        let mut p = sample();
        p.projects[0].code = "../admin".into();
        let (row, err) = p.validate().unwrap_err();
        assert_eq!((row, err.field()), (Row::Project(0), Some("code")));
        let mut p = sample();
        p.funders[0].siret = Some("00000000000000".into());
        let (_, err) = p.validate().unwrap_err();
        assert_eq!(
            err.field(),
            Some("siret"),
            "all zeros pass Luhn, name no body"
        );
    }
}
