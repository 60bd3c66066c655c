//! Who may import what: a file is applied whole, so every record it would change must be within the
//! importer's scope — the rule each record's form applies, record by record. A row identical to the stored
//! record changes nothing and is never refused: a team may upload again the workbook it downloaded, with
//! the national referential in it.

use std::collections::HashMap;

use super::Profile;
use crate::ids::TerritoryId;
use crate::phase::Phase;
use crate::portfolio::Portfolio;

impl Profile {
    /// The territories of a file of territory records (milestones, governance, attributes, chef de
    /// projet posts) this profile may not write, each named once, in the file's order; empty when it may
    /// import them all — the rule of each record's form.
    pub fn territory_refusals<'a>(
        &self,
        territories: impl IntoIterator<Item = (Phase, &'a str)>,
    ) -> Vec<String> {
        let mut refused: Vec<String> = Vec::new();
        for (phase, id) in territories {
            let allowed = TerritoryId::parse(id).is_ok_and(|t| self.may_edit_territory(phase, &t));
            let named = format!("territoire {id} ({phase}) : hors de votre périmètre");
            if !allowed && !refused.contains(&named) {
                refused.push(named);
            }
        }
        refused
    }
}

impl Profile {
    /// Whether the profile may record the land (brownfields) of a commune of `region` (`None`: a commune
    /// the referential does not know): the national team anywhere, a regional pilot in its region.
    pub fn may_record_land(&self, region: Option<&str>) -> bool {
        match self {
            Profile::National => true,
            Profile::RegionalPilot(r) => region == Some(r.as_str()),
            Profile::TerritoryTeam(..) | Profile::Operator(_) => false,
        }
    }

    /// The communes of brownfields (`(commune, its region)`) this profile may not record, each named
    /// once, in the file's order; empty when it may import them all.
    pub fn land_refusals<'a>(
        &self,
        communes: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Vec<String> {
        let mut refused: Vec<String> = Vec::new();
        for (commune, region) in communes {
            let named = match region {
                Some(r) => format!("commune {commune} (région {r}) : hors de votre périmètre"),
                None => {
                    format!("commune {commune} : inconnue du référentiel, hors de votre périmètre")
                }
            };
            if !self.may_record_land(region) && !refused.contains(&named) {
                refused.push(named);
            }
        }
        refused
    }

    /// The records of `portfolio` this profile may not write, each named; empty when it may import it
    /// all. `stored` is what is stored: rows equal to a stored record are not writes, and a funding line
    /// of a fiche the file does not carry is judged by the stored fiche.
    pub fn import_refusals(&self, portfolio: &Portfolio, stored: &Portfolio) -> Vec<String> {
        fn by<'a, T, K: std::hash::Hash + Eq>(
            rows: &'a [T],
            key: impl Fn(&'a T) -> K,
        ) -> HashMap<K, &'a T> {
            rows.iter().map(|r| (key(r), r)).collect()
        }
        let funders = by(&stored.funders, |f| f.code.as_str());
        let schemes = by(&stored.schemes, |s| s.code.as_str());
        let envelopes = by(&stored.envelopes, |e| e.code.as_str());
        let projects = by(&stored.projects, |p| p.code.as_str());
        let lines = by(&stored.lines, |l| l.key());
        let mut refusals = Vec::new();
        if !self.may_manage_funders() {
            refusals.extend(
                portfolio
                    .funders
                    .iter()
                    .filter(|f| funders.get(f.code.as_str()) != Some(f))
                    .map(|f| {
                        format!(
                            "financeur {} : seule l'équipe nationale gère les financeurs",
                            f.code
                        )
                    }),
            );
            refusals.extend(
                portfolio
                    .schemes
                    .iter()
                    .filter(|s| schemes.get(s.code.as_str()) != Some(s))
                    .map(|s| {
                        format!(
                            "dispositif {} : seule l'équipe nationale gère les dispositifs",
                            s.code
                        )
                    }),
            );
        }
        refusals.extend(
            portfolio
                .envelopes
                .iter()
                .filter(|e| envelopes.get(e.code.as_str()) != Some(e))
                .filter(|e| !self.may_manage_envelope(e.region.as_ref()))
                .map(|e| format!("enveloppe {} : hors de votre périmètre", e.code)),
        );
        refusals.extend(
            portfolio
                .projects
                .iter()
                .filter(|p| projects.get(p.code.as_str()) != Some(p))
                .filter(|p| !self.may_edit_project(p))
                .map(|p| {
                    format!(
                        "fiche action {} : territoire(s) hors de votre périmètre",
                        p.code
                    )
                }),
        );
        for line in &portfolio.lines {
            if lines.get(&line.key()) == Some(&line) {
                continue;
            }
            let project = portfolio
                .projects
                .iter()
                .find(|p| p.code == line.project)
                .or_else(|| projects.get(line.project.as_str()).copied());
            // A line of an unknown fiche is refused by the import itself, with its line.
            if let Some(project) = project {
                if !self.may_record_funding(project, &line.funder) {
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
    use crate::portfolio::project::Project;

    #[test]
    fn land_is_recorded_by_the_national_team_and_each_region_s_pilot_in_it() {
        let pilot: Profile = "region:44".parse().unwrap();
        let communes = [
            ("57463", Some("44")),
            ("59350", Some("32")),
            ("59350", Some("32")),
            ("99999", None),
        ];
        assert!(Profile::National.land_refusals(communes).is_empty());
        assert_eq!(
            pilot.land_refusals(communes),
            [
                "commune 59350 (région 32) : hors de votre périmètre",
                "commune 99999 : inconnue du référentiel, hors de votre périmètre"
            ]
        );
        let team: Profile = "territoire:2023-2027/ti-4415".parse().unwrap();
        assert_eq!(team.land_refusals([("57463", Some("44"))]).len(), 1);
    }

    fn project(code: &str, territory: &str) -> Project {
        Project {
            not_yet_public: false,
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
                siret: None,
                code: "mecene".into(),
                name: "Mécène".into(),
                kind: FunderKind::Private,
            }],
            projects: vec![project("GE-1", "ti-4401"), project("HDF-1", "ti-3209")],
            ..Portfolio::default()
        };
        let ge: Profile = "region:44".parse().unwrap();
        let nothing = Portfolio::default();
        let refusals = ge.import_refusals(&portfolio, &nothing);
        assert_eq!(refusals.len(), 2, "{refusals:?}");
        assert!(refusals[0].starts_with("financeur mecene"));
        assert!(refusals[1].starts_with("fiche action HDF-1"));
        assert!(Profile::National
            .import_refusals(&portfolio, &nothing)
            .is_empty());
        // What is stored already is not a write: the same rows uploaded again are not refused…
        assert!(ge.import_refusals(&portfolio, &portfolio).is_empty());
        // …but a change to them is.
        let mut renamed = portfolio.clone();
        renamed.funders[0].name = "Mécène du Nord".into();
        renamed.projects[1].title = "Autre titre".into();
        let refusals = ge.import_refusals(&renamed, &portfolio);
        assert_eq!(refusals.len(), 2, "{refusals:?}");
    }

    #[test]
    fn a_file_of_territory_records_is_refused_by_the_territories_out_of_scope() {
        let pilot = Profile::RegionalPilot(crate::ids::RegionCode::parse("44").unwrap());
        let refusals = pilot.territory_refusals([
            (Phase::First, "ti-4415"),
            (Phase::First, "ti-1101"),
            (Phase::First, "ti-1101"),
            (Phase::Second, "ti-4401"),
        ]);
        assert_eq!(
            refusals,
            ["territoire ti-1101 (2018-2022) : hors de votre périmètre"]
        );
        let team = Profile::TerritoryTeam(Phase::Second, TerritoryId::parse("ti-4401").unwrap());
        assert_eq!(
            team.territory_refusals([(Phase::First, "ti-4401")]).len(),
            1
        );
        assert!(Profile::National
            .territory_refusals([(Phase::First, "ti-1101")])
            .is_empty());
    }
}
