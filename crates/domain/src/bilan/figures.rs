//! The figures a bilan reports, each defined once: what records it counts (territories, milestones,
//! projects or funding lines), which of them, and how they add up. The bilan's values, its breakdown rows,
//! its evolution and the list of records behind each figure all read these definitions, so a figure and its
//! records cannot disagree.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::DomainError;

/// The kind of records a figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Labelled territories.
    Territories,
    /// Dated events of territories (signatures…).
    Milestones,
    /// Fiches actions.
    Projects,
    /// Funding lines.
    Lines,
}

/// What a figure's value measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of territories.
    Territories,
    /// A number of events.
    Events,
    /// A number of projects.
    Projects,
    /// Euro cents.
    Cents,
    /// Jobs.
    Jobs,
    /// Tonnes of CO2 equivalent per year.
    TonnesCo2,
    /// Hectares.
    Hectares,
}

macro_rules! figures {
    ($($variant:ident => $code:literal, $kind:ident, $unit:ident, $flow:literal, $label:literal, $definition:literal;)*) => {
        /// A figure of the bilan.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum FigureCode {
            $(#[doc = $label] $variant,)*
        }

        impl FigureCode {
            /// Every figure, in the order of the bilan.
            pub const ALL: &'static [FigureCode] = &[$(Self::$variant,)*];

            /// The code used in URLs and the API.
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code,)* }
            }

            /// The kind of records it counts.
            pub fn kind(self) -> RecordKind {
                match self { $(Self::$variant => RecordKind::$kind,)* }
            }

            /// What its value measures.
            pub fn unit(self) -> Unit {
                match self { $(Self::$variant => Unit::$unit,)* }
            }

            /// Whether it is a flow over the bilan's period (it needs a start date).
            pub fn is_flow(self) -> bool {
                match self { $(Self::$variant => $flow,)* }
            }

            /// The label shown to users.
            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label,)* }
            }

            /// How it is computed, in words, shown next to it.
            pub fn definition(self) -> &'static str {
                match self { $(Self::$variant => $definition,)* }
            }
        }
    };
}

figures! {
    Territories => "territoires", Territories, Territories, false, "Territoires labellisés",
        "Territoires de la phase labellisés à la date et rattachés au périmètre : le dénominateur des parts ci-dessous.";
    TerritoriesUncertain => "territoires_date_incertaine", Territories, Territories, false, "Territoires comptés sur une date de labellisation incertaine",
        "Territoires dont la date de labellisation (ou de sortie) n'est connue que par des bornes qui encadrent la date : comptés dès leur première date possible de labellisation.";
    TerritoriesWithoutMilestone => "territoires_sans_jalon", Territories, Territories, false, "Territoires à l'avancement non renseigné",
        "Territoires labellisés sans aucun jalon d'avancement enregistré à la date : leur avancement est inconnu, pas nul.";
    GovernanceInstalled => "gouvernance_installee", Territories, Territories, false, "Gouvernance installée",
        "Binôme élu–industriel, comité de projet et chef de projet en place à la date, ou étape ultérieure atteinte (qui la suppose).";
    ActionPlansDrafted => "plans_elabores", Territories, Territories, false, "Plans d'actions élaborés",
        "Plan d'actions rédigé par le territoire à la date, validé ou non, ou étape ultérieure atteinte.";
    ActionPlansValidated => "plans_valides", Territories, Territories, false, "Plans d'actions validés",
        "Plan d'actions validé par le conseil régional à la date, ou protocole/contrat signé (qui le suppose).";
    AgreementsSigned => "protocoles_contrats_signes", Territories, Territories, false, "Protocoles ou contrats signés",
        "Protocole d'accord ou contrat de Territoire d'industrie signé à la date.";
    Dormant => "territoires_en_sommeil", Territories, Territories, false, "Territoires en sommeil",
        "Territoires sans comité ni mise à jour depuis des mois, selon le dernier jalon enregistré.";
    Fragile => "territoires_fragiles", Territories, Territories, false, "Territoires fragiles",
        "Territoires portant l'attribut « fragile » à la date (historique daté des attributs).";
    ProjectLeadsInPost => "chefs_de_projet_en_poste", Territories, Territories, false, "Chefs de projet en poste",
        "Territoires dont le poste de chef de projet a un titulaire à la date (historique des désignations).";
    ProjectLeadPostsCofunded => "postes_cofinances", Territories, Territories, false, "Postes de chef de projet cofinancés",
        "Territoires dont un poste ouvert de chef de projet bénéficie d'un cofinancement couvrant la date.";
    ProjectLeadPostsUnknown => "postes_non_renseignes", Territories, Territories, false, "Postes de chef de projet non renseignés",
        "Territoires labellisés sans poste ni désignation de chef de projet enregistrés : situation inconnue, pas vacante.";
    LabelledInPeriod => "labellisations_periode", Territories, Territories, true, "Labellisations sur la période",
        "Territoires comptés à partir d'un jour de la période (leur première date possible de labellisation).";
    GovernanceInstalledInPeriod => "gouvernances_installees_periode", Milestones, Events, true, "Gouvernances installées sur la période",
        "Jalons « gouvernance installée » datés dans la période (au plus tard ce jour pour une date incertaine), non retirés.";
    ActionPlansValidatedInPeriod => "plans_valides_periode", Milestones, Events, true, "Plans d'actions validés sur la période",
        "Jalons « plan d'actions validé » datés dans la période, non retirés.";
    SignaturesInPeriod => "signatures_periode", Milestones, Events, true, "Signatures sur la période",
        "Protocoles et contrats signés dans la période (jalons datés dans la période, non retirés).";
    Projects => "projets", Projects, Projects, false, "Projets recensés",
        "Fiches actions ayant un statut à la date, portées par au moins un territoire du périmètre ; un projet partagé compte une fois.";
    ProjectsEngagedByState => "projets_engages_etat", Projects, Projects, false, "Projets engagés par l'État",
        "Projets ayant au moins une ligne engagée, non annulée, de l'État ou d'un de ses opérateurs (Bpifrance, Banque des Territoires, Ademe, Business France, France Travail, Cerema).";
    ProjectsWithCommitment => "projets_avec_engagement", Projects, Projects, false, "Projets avec un engagement",
        "Projets ayant au moins une ligne engagée et non annulée à la date, tous financeurs.";
    ProjectsCompleted => "projets_realises", Projects, Projects, false, "Projets réalisés",
        "Projets au statut « réalisé » à la date.";
    ProjectsAbandoned => "projets_abandonnes", Projects, Projects, false, "Projets abandonnés",
        "Projets au statut « abandonné » à la date.";
    ProjectsUnknownFunding => "projets_financement_inconnu", Projects, Projects, false, "Projets au financement inconnu",
        "Projets sans aucune ligne de financement à la date : leurs montants sont inconnus, pas nuls.";
    NewProjectsInPeriod => "projets_nouveaux_periode", Projects, Projects, true, "Projets recensés sur la période",
        "Projets dont le premier statut est daté dans la période.";
    ProjectsEngagedInPeriod => "projets_engages_periode", Projects, Projects, true, "Projets passés au statut engagé sur la période",
        "Projets entrés au statut « engagé » dans la période.";
    Requested => "montant_demande", Lines, Cents, false, "Montants demandés",
        "Somme des demandes de financement déposées à la date ; inconnue sans aucune ligne.";
    Committed => "montant_engage", Lines, Cents, false, "Montants engagés",
        "Somme des lignes de financement engagées à la date et non annulées, tous financeurs ; calculée, jamais saisie ; inconnue sans aucune ligne.";
    Paid => "montant_verse", Lines, Cents, false, "Montants versés",
        "Somme des versements enregistrés à la date : l'engagé n'est pas le versé ; inconnue sans aucune ligne.";
    CommittedTiSpecific => "montant_engage_specifique_ti", Lines, Cents, false, "Engagé sur crédits spécifiques Territoires d'industrie",
        "Part des montants engagés passant par un dispositif propre au programme.";
    CommittedGeneralLaw => "montant_engage_droit_commun", Lines, Cents, false, "Engagé sur crédits de droit commun",
        "Part des montants engagés hors dispositif propre au programme (droit commun).";
    RequestedInPeriod => "demande_periode", Lines, Cents, true, "Montants demandés sur la période",
        "Somme des demandes déposées dans la période.";
    CommittedInPeriod => "engage_periode", Lines, Cents, true, "Montants engagés sur la période",
        "Somme des engagements décidés dans la période, y compris ceux annulés depuis (voir « annulés »).";
    CancelledInPeriod => "annule_periode", Lines, Cents, true, "Engagements annulés sur la période",
        "Somme des engagements annulés dans la période.";
    PaidInPeriod => "verse_periode", Lines, Cents, true, "Montants versés sur la période",
        "Somme des versements effectués dans la période.";
    JobsCreatedExpected => "emplois_crees_prevus", Projects, Jobs, false, "Emplois créés prévus",
        "Somme des emplois que les fiches actions prévoient de créer, sur celles qui le renseignent.";
    JobsKeptExpected => "emplois_maintenus_prevus", Projects, Jobs, false, "Emplois maintenus prévus",
        "Somme des emplois que les fiches actions prévoient de maintenir, sur celles qui le renseignent.";
    InvestmentExpected => "investissement_prevu", Projects, Cents, false, "Investissement industriel prévu",
        "Somme des investissements prévus par les fiches actions qui les renseignent.";
    Co2AvoidedExpected => "tco2e_evitees_prevues", Projects, TonnesCo2, false, "Émissions évitées prévues (tCO₂e/an)",
        "Somme des émissions évitées prévues, sur les fiches actions qui les renseignent.";
    BrownfieldExpected => "hectares_friche_prevus", Projects, Hectares, false, "Friches à requalifier prévues (ha)",
        "Somme des surfaces de friche à requalifier prévues, sur les fiches actions qui les renseignent.";
    JobsCreatedMeasured => "emplois_crees_constates", Projects, Jobs, false, "Emplois créés constatés",
        "Emplois constatés sur les projets réalisés à la date qui les renseignent.";
    JobsKeptMeasured => "emplois_maintenus_constates", Projects, Jobs, false, "Emplois maintenus constatés",
        "Emplois maintenus constatés sur les projets réalisés à la date qui les renseignent.";
    InvestmentMeasured => "investissement_constate", Projects, Cents, false, "Investissement industriel constaté",
        "Investissement constaté sur les projets réalisés à la date qui le renseignent.";
    Co2AvoidedMeasured => "tco2e_evitees_constatees", Projects, TonnesCo2, false, "Émissions évitées constatées (tCO₂e/an)",
        "Émissions évitées constatées sur les projets réalisés qui les renseignent.";
    BrownfieldMeasured => "hectares_friche_constates", Projects, Hectares, false, "Friches requalifiées constatées (ha)",
        "Surfaces de friche requalifiées constatées sur les projets réalisés qui les renseignent.";
}

impl FigureCode {
    /// Whether the figure is a sum of values some records do not give (amounts, outcomes): it is then
    /// unknown when no record gives one, and its basis says how many do.
    pub fn is_sum(self) -> bool {
        matches!(self.kind(), RecordKind::Lines) || self.outcome().is_some()
    }

    /// Whether the figure counts records some territories or projects may not give at all (a milestone of
    /// progress, a post, an attribute, a funding line): it is unknown, not zero, when none in scope gives any.
    pub fn needs_data(self) -> bool {
        use FigureCode::*;
        self.is_sum()
            || matches!(
                self,
                GovernanceInstalled
                    | ActionPlansDrafted
                    | ActionPlansValidated
                    | AgreementsSigned
                    | Dormant
                    | Fragile
                    | ProjectLeadsInPost
                    | ProjectLeadPostsCofunded
                    | ProjectsEngagedByState
                    | ProjectsWithCommitment
            )
    }

    /// For an outcome figure: which outcome, and whether measured (else expected).
    pub fn outcome(self) -> Option<(Outcome, bool)> {
        use FigureCode::*;
        Some(match self {
            JobsCreatedExpected => (Outcome::JobsCreated, false),
            JobsKeptExpected => (Outcome::JobsKept, false),
            InvestmentExpected => (Outcome::Investment, false),
            Co2AvoidedExpected => (Outcome::Co2Avoided, false),
            BrownfieldExpected => (Outcome::Brownfield, false),
            JobsCreatedMeasured => (Outcome::JobsCreated, true),
            JobsKeptMeasured => (Outcome::JobsKept, true),
            InvestmentMeasured => (Outcome::Investment, true),
            Co2AvoidedMeasured => (Outcome::Co2Avoided, true),
            BrownfieldMeasured => (Outcome::Brownfield, true),
            _ => return None,
        })
    }
}

impl fmt::Display for FigureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for FigureCode {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.code() == s.trim())
            .ok_or_else(|| DomainError::Invalid {
                field: "chiffre",
                value: s.to_owned(),
                expected: "un code de chiffre du bilan (territoires, plans_valides, projets, montant_engage…)",
            })
    }
}

impl Serialize for FigureCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// An outcome a fiche action may give, expected or measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Jobs created.
    JobsCreated,
    /// Jobs kept.
    JobsKept,
    /// Industrial investment, in cents.
    Investment,
    /// tCO2e avoided per year.
    Co2Avoided,
    /// Hectares of brownfield.
    Brownfield,
}

/// A figure's value and how many records it rests on. `value` is `None` when it is unknown: a sum over no
/// record, or a bilan before its phase started. Never a zero standing for "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Value {
    /// The value (cents for amounts), or `None` when unknown.
    pub value: Option<i64>,
    /// How many records it rests on: those counted, or for a sum the records that give a value.
    pub basis: i64,
}

impl Value {
    /// The unknown value.
    pub const UNKNOWN: Value = Value {
        value: None,
        basis: 0,
    };
}

/// A way to break a figure down, and the criterion a record list is filtered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// Region of attachment of the territory (of a project's territories).
    Region,
    /// The territory (a project's territories).
    Territory,
    /// An attribute of the territory at the date (`fragile`, `etiquette:…`).
    Attribute,
    /// A project's axes.
    Axis,
    /// A project's status at the date.
    Status,
    /// A line's scheme (`aucun` for none).
    Scheme,
    /// A line's funder.
    Funder,
    /// A line's kind of funder.
    FunderKind,
}

impl Grouping {
    /// Every grouping.
    pub const ALL: [Grouping; 8] = [
        Self::Region,
        Self::Territory,
        Self::Attribute,
        Self::Axis,
        Self::Status,
        Self::Scheme,
        Self::Funder,
        Self::FunderKind,
    ];

    /// The parameter name in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Region => "region",
            Self::Territory => "territoire",
            Self::Attribute => "attribut",
            Self::Axis => "axe",
            Self::Status => "statut",
            // Not `dispositif`, the bilan's own filter: a row's criterion comes on top of the frame's.
            Self::Scheme => "ligne_dispositif",
            Self::Funder => "financeur",
            Self::FunderKind => "type_financeur",
        }
    }

    /// The label of a breakdown by it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Region => "Par région",
            Self::Territory => "Par territoire",
            Self::Attribute => "Par attribut",
            Self::Axis => "Par axe",
            Self::Status => "Par statut",
            Self::Scheme => "Par dispositif",
            Self::Funder => "Par financeur",
            Self::FunderKind => "Par type de financeur",
        }
    }

    /// Whether rows are a line's own (its scheme, funder, funder kind) rather than its project's.
    pub fn is_line_level(self) -> bool {
        matches!(self, Self::Scheme | Self::Funder | Self::FunderKind)
    }

    /// Whether a figure counting records of `kind` can be broken down this way.
    pub fn applies_to(self, kind: RecordKind) -> bool {
        match self {
            Self::Region | Self::Territory | Self::Attribute => true,
            Self::Axis | Self::Status => matches!(kind, RecordKind::Projects | RecordKind::Lines),
            Self::Scheme | Self::Funder | Self::FunderKind => {
                matches!(kind, RecordKind::Projects | RecordKind::Lines)
            }
        }
    }
}

/// A record list's filter: each (grouping, key) pair must hold. Breakdown rows are the criterion of their
/// key, so a row's value and its records agree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Criterion(pub Vec<(Grouping, String)>);

impl Criterion {
    /// No filter.
    pub fn all() -> Criterion {
        Criterion(Vec::new())
    }

    /// The criterion of one breakdown row.
    pub fn of(grouping: Grouping, key: impl Into<String>) -> Criterion {
        Criterion(vec![(grouping, key.into())])
    }

    /// Reads the criterion from URL parameters (`region=44`, `financeur=bpifrance`…), ignoring others.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Criterion {
        let mut c = Vec::new();
        for (k, v) in pairs {
            if let Some(g) = Grouping::ALL.into_iter().find(|g| g.code() == k) {
                if !v.trim().is_empty() {
                    c.push((g, v.trim().to_owned()));
                }
            }
        }
        c.sort();
        c.dedup();
        Criterion(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut codes: Vec<&str> = FigureCode::ALL.iter().map(|f| f.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), FigureCode::ALL.len());
        for f in FigureCode::ALL {
            assert_eq!(f.code().parse::<FigureCode>().unwrap(), *f);
            assert!(!f.definition().is_empty());
        }
        assert!("zero".parse::<FigureCode>().is_err());
    }

    #[test]
    fn criteria_read_known_parameters_only() {
        let c = Criterion::from_pairs([
            ("financeur", "bpifrance"),
            ("date", "2020-01-01"),
            ("region", ""),
        ]);
        assert_eq!(c, Criterion::of(Grouping::Funder, "bpifrance"));
    }
}
