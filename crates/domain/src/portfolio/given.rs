//! What a file gave: a spreadsheet often carries only some columns of a table (a territory's list of fiches
//! with their titles and costs, no outcomes). Merged over a stored record, a row keeps the stored value of
//! every column its file lacks — an absent column is not an empty one, and nothing typed before is lost.

use super::funding::{Funder, FundingLine, Scheme};
use super::project::{Outcomes, Project};

/// The columns of the `financeurs`, `dispositifs`, `projets` and `financements` tables a file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    /// Whole records: forms, the API, a file with every column.
    All,
    /// Only these columns (the tables' column names, `titre`, `montant_engage`…).
    Columns {
        /// Of the `financeurs` table.
        funders: Vec<String>,
        /// Of the `dispositifs` table.
        schemes: Vec<String>,
        /// Of the `projets` table.
        projects: Vec<String>,
        /// Of the `financements` table.
        lines: Vec<String>,
    },
}

impl Given {
    /// Whether the file gave the `projets` column `column` (every column, for whole records).
    pub fn has_project_column(&self, column: &str) -> bool {
        match self {
            Given::All => true,
            Given::Columns { projects, .. } => projects.iter().any(|c| c == column),
        }
    }

    fn has(columns: &[String], any: &[&str]) -> bool {
        any.iter().any(|c| columns.iter().any(|g| g == c))
    }

    /// `incoming` with the stored value of each optional column its file lacks (code, name and kind are
    /// required in every file).
    pub fn funder(&self, incoming: &Funder, stored: &Funder) -> Funder {
        let mut f = incoming.clone();
        if let Given::Columns { funders: cols, .. } = self {
            if !Given::has(cols, &["siret"]) {
                f.siret = stored.siret.clone();
            }
        }
        f
    }

    /// `incoming` with the stored value of each optional column its file lacks.
    pub fn scheme(&self, incoming: &Scheme, stored: &Scheme) -> Scheme {
        let mut s = incoming.clone();
        if let Given::Columns { schemes: cols, .. } = self {
            if !Given::has(cols, &["specifique_ti"]) {
                s.ti_specific = stored.ti_specific;
            }
            if !Given::has(cols, &["notification_ue"]) {
                s.eu_notified = stored.eu_notified;
            }
            let (d, kept) = (&mut s.details, &stored.details);
            if !Given::has(cols, &["description"]) {
                d.description = kept.description.clone();
            }
            if !Given::has(cols, &["eligibilite"]) {
                d.eligibility = kept.eligibility.clone();
            }
            if !Given::has(cols, &["types_aides"]) {
                d.aid_types = kept.aid_types.clone();
            }
            if !Given::has(cols, &["cibles"]) {
                d.targets = kept.targets.clone();
            }
            if !Given::has(cols, &["eligibilite_geographique"]) {
                d.coverage = kept.coverage.clone();
            }
            if !Given::has(cols, &["url_source"]) {
                d.url = kept.url.clone();
            }
            if !Given::has(cols, &["date_ouverture"]) {
                d.opens_on = kept.opens_on;
            }
            if !Given::has(cols, &["date_cloture"]) {
                d.closes_on = kept.closes_on;
            }
        }
        s
    }

    /// `incoming` with the stored value of each column its file lacks.
    pub fn project(&self, incoming: &Project, stored: &Project) -> Project {
        let Given::Columns { projects: cols, .. } = self else {
            return incoming.clone();
        };
        let has = |any: &[&str]| Given::has(cols, any);
        let mut p = incoming.clone();
        if !has(&["territoires"]) {
            p.territories = stored.territories.clone();
        }
        if !has(&["titre"]) {
            p.title = stored.title.clone();
        }
        if !has(&["description"]) {
            p.description = stored.description.clone();
        }
        if !has(&["axes"]) {
            p.axes = stored.axes.clone();
        }
        if !has(&["themes"]) {
            p.themes = stored.themes.clone();
        }
        if !has(&["porteur_type", "porteur_id", "porteur_nom"]) {
            p.holder = stored.holder.clone();
        }
        if !has(&["cout_total"]) {
            p.total_cost = stored.total_cost;
        }
        p.expected = outcomes(
            &has,
            "prevu",
            "prevues",
            &incoming.expected,
            &stored.expected,
        );
        p.measured = outcomes(
            &has,
            "constate",
            "constatees",
            &incoming.measured,
            &stored.measured,
        );
        let statuses = [
            "idee",
            "en_preparation",
            "engage",
            "en_cours",
            "realise",
            "abandonne",
        ];
        if !has(&statuses) {
            p.history = stored.history.clone();
        }
        if !has(&["source"]) {
            p.source = stored.source.clone();
        }
        if !has(&["non_publique"]) {
            p.not_yet_public = stored.not_yet_public;
        }
        p
    }

    /// `incoming` with the stored value of each column its file lacks.
    pub fn line(&self, incoming: &FundingLine, stored: &FundingLine) -> FundingLine {
        let Given::Columns { lines: cols, .. } = self else {
            return incoming.clone();
        };
        let has = |any: &[&str]| Given::has(cols, any);
        let mut l = incoming.clone();
        if !has(&["dispositif"]) {
            l.scheme = stored.scheme.clone();
        }
        if !has(&["nature"]) {
            l.instrument = stored.instrument;
        }
        if !has(&["montant_demande"]) {
            l.requested = stored.requested;
        }
        if !has(&["date_demande"]) {
            l.requested_on = stored.requested_on;
        }
        if !has(&["montant_engage", "date_engagement"]) {
            (l.committed, l.committed_on) = (stored.committed, stored.committed_on);
        }
        if !has(&["montant_verse", "date_versement"]) {
            (l.paid, l.paid_on) = (stored.paid, stored.paid_on);
        }
        if !has(&["date_premier_versement"]) {
            l.first_paid_on = stored.first_paid_on;
        }
        if !has(&["conditions_versement"]) {
            l.payment_terms = stored.payment_terms;
        }
        if !has(&["date_annulation"]) {
            l.cancelled_on = stored.cancelled_on;
        }
        if !has(&["depassement_autorise"]) {
            l.over_request_allowed = stored.over_request_allowed;
        }
        l
    }
}

/// Expected (`…_prevu(es)`) or measured (`…_constate(e)s`) outcomes, column by column.
fn outcomes(
    has: &dyn Fn(&[&str]) -> bool,
    masculine: &str,
    feminine: &str,
    incoming: &Outcomes,
    stored: &Outcomes,
) -> Outcomes {
    let given = |name: &str, plural_feminine: bool| {
        let suffix = if plural_feminine { feminine } else { masculine };
        // `emplois_crees_prevus`, `investissement_prevu`, `tco2e_evitees_prevues`, `hectares_friche_prevus`
        has(&[&format!("{name}_{suffix}"), &format!("{name}_{suffix}s")])
    };
    Outcomes {
        jobs_created: if given("emplois_crees", false) {
            incoming.jobs_created
        } else {
            stored.jobs_created
        },
        jobs_kept: if given("emplois_maintenus", false) {
            incoming.jobs_kept
        } else {
            stored.jobs_kept
        },
        investment: if given("investissement", false) {
            incoming.investment
        } else {
            stored.investment
        },
        tco2e_avoided: if given("tco2e_evitees", true) {
            incoming.tco2e_avoided
        } else {
            stored.tco2e_avoided
        },
        brownfield_hectares: if given("hectares_friche", false) {
            incoming.brownfield_hectares
        } else {
            stored.brownfield_hectares
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Cents;
    use crate::phase::Phase;

    fn base() -> Project {
        Project {
            not_yet_public: false,
            code: "P1".into(),
            phase: Phase::First,
            territories: Vec::new(),
            title: String::new(),
            description: String::new(),
            axes: Vec::new(),
            themes: Vec::new(),
            holder: None,
            total_cost: None,
            expected: Outcomes::default(),
            measured: Outcomes::default(),
            history: Vec::new(),
            source: String::new(),
        }
    }

    #[test]
    fn a_column_the_file_lacks_keeps_its_stored_value() {
        let stored = Project {
            description: "Unité de stockage".into(),
            themes: vec!["hydrogène".into()],
            total_cost: Some(Cents::euros(5)),
            expected: Outcomes {
                jobs_created: Some(30),
                tco2e_avoided: Some(1200),
                ..Outcomes::default()
            },
            ..base()
        };
        let incoming = Project {
            title: "Nouveau titre".into(),
            total_cost: None,
            ..base()
        };
        let given = Given::Columns {
            funders: vec![],
            schemes: vec![],
            projects: [
                "code",
                "phase",
                "titre",
                "cout_total",
                "tco2e_evitees_prevues",
            ]
            .map(String::from)
            .to_vec(),
            lines: Vec::new(),
        };
        let merged = given.project(&incoming, &stored);
        assert_eq!(merged.title, "Nouveau titre");
        assert_eq!(merged.description, "Unité de stockage", "absent: kept");
        assert_eq!(merged.themes, ["hydrogène"], "absent: kept");
        assert_eq!(merged.total_cost, None, "given empty: emptied");
        assert_eq!(merged.expected.jobs_created, Some(30), "absent: kept");
        assert_eq!(merged.expected.tco2e_avoided, None, "given empty: emptied");
        assert_eq!(Given::All.project(&incoming, &stored), incoming);
    }

    #[test]
    fn a_funder_or_scheme_file_without_the_publication_columns_keeps_them() {
        use crate::portfolio::funding::FunderKind;
        let stored = Funder {
            code: "bpifrance".into(),
            name: "Bpifrance".into(),
            kind: FunderKind::Operator,
            siret: Some("32025248900051".into()),
        };
        let incoming = Funder {
            name: "Bpifrance SA".into(),
            siret: None,
            ..stored.clone()
        };
        let columns = |funders: &[&str], schemes: &[&str]| Given::Columns {
            funders: funders.iter().map(|c| c.to_string()).collect(),
            schemes: schemes.iter().map(|c| c.to_string()).collect(),
            projects: vec![],
            lines: vec![],
        };
        let merged = columns(&["code", "nom", "type"], &[]).funder(&incoming, &stored);
        assert_eq!(
            (merged.name.as_str(), merged.siret),
            ("Bpifrance SA", stored.siret.clone())
        );
        let emptied = columns(&["code", "nom", "type", "siret"], &[]).funder(&incoming, &stored);
        assert_eq!(emptied.siret, None, "given empty: emptied");
        let scheme = Scheme {
            details: Default::default(),
            code: "fa".into(),
            name: "Fonds".into(),
            funder: "bpifrance".into(),
            ti_specific: true,
            eu_notified: Some(true),
        };
        let bare = Scheme {
            ti_specific: false,
            eu_notified: None,
            ..scheme.clone()
        };
        let merged = columns(&[], &["code", "nom", "financeur"]).scheme(&bare, &scheme);
        assert_eq!((merged.ti_specific, merged.eu_notified), (true, Some(true)));
    }
}
