//! Who may import what: a file is applied whole, so every record in it must be within the importer's
//! scope — the rule each record's form applies, record by record.

use super::Profile;
use crate::portfolio::project::Project;
use crate::portfolio::Portfolio;

impl Profile {
    /// The records of `portfolio` this profile may not write, each named; empty when it may import it
    /// all. `stored` gives a project the file does not carry (a funding line of a stored fiche).
    pub fn import_refusals(
        &self,
        portfolio: &Portfolio,
        stored: impl Fn(&str) -> Option<Project>,
    ) -> Vec<String> {
        let mut refusals = Vec::new();
        if !self.may_manage_funders() {
            refusals.extend(portfolio.funders.iter().map(|f| {
                format!(
                    "financeur {} : seule l'équipe nationale gère les financeurs",
                    f.code
                )
            }));
            refusals.extend(portfolio.schemes.iter().map(|s| {
                format!(
                    "dispositif {} : seule l'équipe nationale gère les dispositifs",
                    s.code
                )
            }));
        }
        refusals.extend(
            portfolio
                .envelopes
                .iter()
                .filter(|e| !self.may_manage_envelope(e.region.as_ref()))
                .map(|e| format!("enveloppe {} : hors de votre périmètre", e.code)),
        );
        refusals.extend(
            portfolio
                .projects
                .iter()
                .filter(|p| !self.may_edit_project(p))
                .map(|p| {
                    format!(
                        "fiche action {} : territoire(s) hors de votre périmètre",
                        p.code
                    )
                }),
        );
        for line in &portfolio.lines {
            let project = portfolio
                .projects
                .iter()
                .find(|p| p.code == line.project)
                .cloned()
                .or_else(|| stored(&line.project));
            // A line of an unknown fiche is refused by the import itself, with its line.
            if let Some(project) = project {
                if !self.may_record_funding(&project, &line.funder) {
                    refusals.push(format!(
                        "ligne de financement {} de {} : hors de votre périmètre",
                        line.decision_reference, line.project
                    ));
                }
            }
        }
        refusals
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TerritoryId;
    use crate::phase::Phase;
    use crate::portfolio::funding::{Funder, FunderKind};

    fn project(code: &str, territory: &str) -> Project {
        Project {
            code: code.into(),
            phase: Phase::First,
            territories: vec![TerritoryId::parse(territory).unwrap()],
            title: code.into(),
            description: String::new(),
            axes: vec![],
            themes: vec![],
            holder: None,
            total_cost: None,
            expected: Default::default(),
            measured: Default::default(),
            history: vec![],
            source: String::new(),
        }
    }

    #[test]
    fn a_file_is_imported_only_when_all_of_it_is_in_scope() {
        let portfolio = Portfolio {
            funders: vec![Funder {
                code: "mecene".into(),
                name: "Mécène".into(),
                kind: FunderKind::Private,
            }],
            projects: vec![project("GE-1", "ti-4401"), project("HDF-1", "ti-3209")],
            ..Portfolio::default()
        };
        let ge: Profile = "region:44".parse().unwrap();
        let refusals = ge.import_refusals(&portfolio, |_| None);
        assert_eq!(refusals.len(), 2, "{refusals:?}");
        assert!(refusals[0].starts_with("financeur mecene"));
        assert!(refusals[1].starts_with("fiche action HDF-1"));
        assert!(Profile::National
            .import_refusals(&portfolio, |_| None)
            .is_empty());
    }
}
