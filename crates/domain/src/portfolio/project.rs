//! Fiches actions (projects): what a territory carries, on the phase's axes, with a dated status history.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::fr::iso_date;
use crate::ids::TerritoryId;
use crate::money::Cents;
use crate::phase::Phase;
use crate::text::{check_code, check_text};
use crate::DomainError;

macro_rules! coded_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, $expected:literal, { $($(#[$vdoc:meta])* $variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(into = "&'static str", try_from = "String")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored, exchanged and used in URLs.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The label shown to users.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, DomainError> {
                let s = s.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == s || v.label().eq_ignore_ascii_case(s))
                    .ok_or_else(|| DomainError::invalid($field, s, $expected))
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(s: String) -> Result<Self, DomainError> {
                s.parse()
            }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str {
                v.code()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(
    /// An axis of the action plans. Each phase has its own (see [`Phase::axes`]).
    Axis, "axes", "un axe (attirer, recruter, innover, simplifier, installer, transition_ecologique, competences, innovation, transition_ecologique_energetique, foncier)", {
        /// Phase 1: attract companies and talent.
        Attract => "attirer", "Attirer";
        /// Phase 1: recruit and train.
        Recruit => "recruter", "Recruter";
        /// Phase 1: innovate.
        Innovate => "innover", "Innover";
        /// Phase 1: simplify procedures.
        Simplify => "simplifier", "Simplifier";
        /// Phase 1, Grand Est's fifth axis: settle companies (land, buildings).
        Settle => "installer", "Installer";
        /// Phase 1, fifth pillar since September 2019.
        EcologicalTransition => "transition_ecologique", "Transition écologique";
        /// Phase 2: skills.
        Skills => "competences", "Compétences";
        /// Phase 2: innovation.
        Innovation => "innovation", "Innovation";
        /// Phase 2: ecological and energy transition.
        EcologicalAndEnergyTransition => "transition_ecologique_energetique", "Transition écologique et énergétique";
        /// Phase 2: land for industry.
        Land => "foncier", "Foncier";
    }
);

coded_enum!(
    /// Where a fiche action stands. Statuses form a history: each change is dated, none is overwritten.
    ProjectStatus, "statut", "un statut de projet (idee, en_preparation, engage, en_cours, realise, abandonne)", {
        /// An idea named in a diagnostic or a committee.
        Idea => "idee", "Idée";
        /// Being prepared (partners, budget, funding requests).
        InPreparation => "en_preparation", "En préparation";
        /// Funding committed.
        Engaged => "engage", "Engagé";
        /// Works or actions under way.
        InProgress => "en_cours", "En cours";
        /// Done.
        Completed => "realise", "Réalisé";
        /// Given up.
        Abandoned => "abandonne", "Abandonné";
    }
);

impl ProjectStatus {
    /// Whether nothing can follow this status.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Abandoned)
    }

    /// The transitions the programme allows: one step forward along idée → en préparation → engagé →
    /// en cours → réalisé, or abandonment from any status that is not final.
    pub fn may_move_to(self, next: ProjectStatus) -> bool {
        use ProjectStatus::*;
        matches!(
            (self, next),
            (Idea, InPreparation)
                | (InPreparation, Engaged)
                | (Engaged, InProgress)
                | (InProgress, Completed)
        ) || (next == Abandoned && !self.is_final())
    }
}

/// One dated status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The status entered.
    pub status: ProjectStatus,
    /// When.
    pub on: Date,
}

/// Checks a whole status history (in recorded order): dates never go back and each change is an allowed
/// transition from the previous one. The first status may be any: projects are often recorded mid-life.
pub fn validate_status_history(history: &[StatusChange]) -> Result<(), DomainError> {
    for pair in history.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        if after.on < before.on {
            return Err(DomainError::Rule(format!(
                "statut « {} » daté du {} avant le statut précédent « {} » du {}",
                after.status,
                iso_date(after.on),
                before.status,
                iso_date(before.on)
            )));
        }
        if !before.status.may_move_to(after.status) {
            return Err(DomainError::Rule(format!(
                "passage de « {} » à « {} » non autorisé (autorisés depuis « {} » : {})",
                before.status,
                after.status,
                before.status,
                allowed_next(before.status)
            )));
        }
    }
    Ok(())
}

fn allowed_next(status: ProjectStatus) -> String {
    let next: Vec<&str> = ProjectStatus::ALL
        .iter()
        .filter(|n| status.may_move_to(**n))
        .map(|n| n.label())
        .collect();
    if next.is_empty() {
        "aucun, statut final".into()
    } else {
        next.join(", ")
    }
}

/// The status as of `date` (inclusive): `None` before the first recorded change.
pub fn status_as_of(history: &[StatusChange], date: Date) -> Option<ProjectStatus> {
    history
        .iter()
        .take_while(|c| c.on <= date)
        .last()
        .map(|c| c.status)
}

coded_enum!(
    /// What kind of organisation carries a project.
    HolderKind, "porteur_type", "un type de porteur (entreprise, epci, association, autre)", {
        /// A company, by the SIRET of the establishment.
        Company => "entreprise", "Entreprise";
        /// An EPCI, by its SIREN.
        Epci => "epci", "EPCI";
        /// An association, by its RNA number when known.
        Association => "association", "Association";
        /// Anything else (commune, chamber of commerce, training body…).
        Other => "autre", "Autre";
    }
);

/// The *porteur* of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Kind of organisation.
    pub kind: HolderKind,
    /// SIRET (company), SIREN (EPCI), RNA (association), if known.
    pub identifier: Option<String>,
    /// Name.
    pub name: String,
}

impl Holder {
    /// Checks the identifier against the kind: a company's SIRET (14 digits) and an EPCI's SIREN (9 digits)
    /// with their check digit (Luhn), an association's RNA number (`W` and nine digits).
    pub fn validate(&self) -> Result<(), DomainError> {
        check_text("porteur_nom", &self.name, 300)?;
        let Some(id) = self.identifier.as_deref() else {
            return Ok(());
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let invalid = |expected| Err(DomainError::invalid("porteur_id", id, expected));
        match self.kind {
            HolderKind::Company => check_siret("porteur_id", id),
            HolderKind::Epci if !digits(id, 9) => invalid("un SIREN de 9 chiffres"),
            HolderKind::Epci if !luhn(id) || id.bytes().all(|b| b == b'0') => {
                invalid("un SIREN existant : sa clé de contrôle (Luhn) ne correspond pas, vérifiez la saisie")
            }
            HolderKind::Association
                if !(id.len() == 10 && id.starts_with('W') && digits(&id[1..], 9)) =>
            {
                invalid("un numéro RNA (W suivi de 9 chiffres)")
            }
            _ => Ok(()),
        }
    }
}

/// A SIRET, SIREN or RNA number as typed: the spaces between digit groups dropped; `None` when blank.
pub fn identifier(typed: &str) -> Option<String> {
    let typed = typed.trim();
    (!typed.is_empty()).then(|| typed.replace(' ', ""))
}

/// Checks a SIRET: 14 digits and its check digit.
pub fn check_siret(field: &'static str, siret: &str) -> Result<(), DomainError> {
    if !(siret.len() == 14 && siret.bytes().all(|b| b.is_ascii_digit())) {
        return Err(DomainError::invalid(
            field,
            siret,
            "un SIRET de 14 chiffres",
        ));
    }
    if !siret_checks(siret) || siret.bytes().all(|b| b == b'0') {
        return Err(DomainError::invalid(
            field,
            siret,
            "un SIRET existant : sa clé de contrôle (Luhn) ne correspond pas, vérifiez la saisie",
        ));
    }
    Ok(())
}

/// The Luhn check of SIREN and SIRET numbers (digits only).
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d = d * 2;
                if d > 9 {
                    d - 9
                } else {
                    d
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A SIRET's check: Luhn, except La Poste's establishments (SIREN 356 000 000), whose digits sum to a
/// multiple of 5 (INSEE's documented exception).
fn siret_checks(siret: &str) -> bool {
    if siret.starts_with("356000000") && siret != "35600000000048" {
        siret.bytes().map(|b| u32::from(b - b'0')).sum::<u32>() % 5 == 0
    } else {
        luhn(siret)
    }
}

/// Outcomes of a project, expected (at the start) or measured (afterwards). Unknown values stay `None`:
/// a bilan shows what is unknown rather than a zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcomes {
    /// Jobs created.
    pub jobs_created: Option<i64>,
    /// Jobs kept.
    pub jobs_kept: Option<i64>,
    /// Industrial investment.
    pub investment: Option<Cents>,
    /// Tonnes of CO2 equivalent avoided per year.
    pub tco2e_avoided: Option<i64>,
    /// Hectares of brownfield requalified.
    pub brownfield_hectares: Option<i64>,
}

/// A fiche action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Stable code, unique across the programme (e.g. `GE-2019-GHOST`).
    pub code: String,
    /// The phase whose action plans carry it.
    pub phase: Phase,
    /// The territories carrying it: one, or several for partnerships across territories and regions.
    pub territories: Vec<TerritoryId>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Axes of the phase.
    pub axes: Vec<Axis>,
    /// Themes (friche, formation, numérique, écologie industrielle, hydrogène…), lower case.
    pub themes: Vec<String>,
    /// Who carries it.
    pub holder: Option<Holder>,
    /// Total cost, when known.
    pub total_cost: Option<Cents>,
    /// Expected outcomes.
    pub expected: Outcomes,
    /// Measured outcomes.
    pub measured: Outcomes,
    /// Dated status changes, oldest first.
    pub history: Vec<StatusChange>,
    /// Where the facts come from.
    pub source: String,
    /// Marked « pas encore publique » by its team: signed-in agents see it, the public does not (public
    /// pages, the public API, open data and the bilans they read leave it out).
    pub not_yet_public: bool,
}

impl Project {
    /// Refuses a status dated after `today`.
    pub fn check_not_future(&self, today: Date) -> Result<(), DomainError> {
        match self.history.iter().find(|c| c.on > today) {
            Some(c) => Err(super::future(
                &format!("projet {} : statut « {} »", self.code, c.status.label()),
                c.on,
                today,
            )),
            None => Ok(()),
        }
    }

    /// Checks everything a fiche action must satisfy before it is recorded.
    pub fn validate(&self) -> Result<(), DomainError> {
        self.validate_values()?;
        let code = self.code.trim();
        if self.title.trim().is_empty() {
            return Err(DomainError::Rule(format!(
                "projet {code} : le titre est vide"
            )));
        }
        if self.territories.is_empty() {
            return Err(DomainError::Rule(format!(
                "projet {code} : aucun territoire porteur"
            )));
        }
        Ok(())
    }

    /// Checks the values a fiche carries, not whether it has a title and territories: a row of a file
    /// without those columns updates a stored fiche, which has them (the merged fiche is checked whole).
    pub fn validate_values(&self) -> Result<(), DomainError> {
        let code = self.code.trim();
        check_code("code", code)?;
        check_text("titre", &self.title, 300)?;
        check_text("description", &self.description, 20_000)?;
        for theme in &self.themes {
            check_text("themes", theme, 60)?;
        }
        if let Some(axis) = self.axes.iter().find(|a| !self.phase.axes().contains(a)) {
            return Err(DomainError::Rule(format!(
                "projet {code} : l'axe « {axis} » n'existe pas en {} (axes : {})",
                self.phase.label(),
                self.phase
                    .axes()
                    .iter()
                    .map(|a| a.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if let Some(holder) = &self.holder {
            holder.validate()?;
        }
        validate_status_history(&self.history)
            .map_err(|e| DomainError::Rule(format!("projet {code} : {e}")))
    }

    /// The fiche as recorded on `date`: the statuses entered by then, `None` before its first. Its other
    /// fields are not dated and are given as they are now; an export as of a date is what a bilan of that
    /// date counts.
    pub fn record_as_of(&self, date: Date) -> Option<Project> {
        self.status_as_of(date)?;
        let mut project = self.clone();
        project.history.retain(|c| c.on <= date);
        Some(project)
    }

    /// The status as of `date`; `None` if the project did not exist yet.
    pub fn status_as_of(&self, date: Date) -> Option<ProjectStatus> {
        status_as_of(&self.history, date)
    }

    /// Whether the project is carried (also) by the territory.
    pub fn is_carried_by(&self, phase: Phase, id: &TerritoryId) -> bool {
        self.phase == phase && self.territories.contains(id)
    }
}

/// Normalises a theme as typed in a spreadsheet: trimmed, lower case.
pub fn normalise_theme(theme: &str) -> String {
    theme.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn change(status: ProjectStatus, on: Date) -> StatusChange {
        StatusChange { status, on }
    }

    fn project() -> Project {
        Project {
            not_yet_public: false,
            code: "GE-GHOST".into(),
            phase: Phase::First,
            territories: vec![TerritoryId::parse("ti-4411").unwrap()],
            title: "[G]HOST".into(),
            description: String::new(),
            axes: vec![Axis::Innovate],
            themes: vec!["verre".into()],
            holder: None,
            total_cost: None,
            expected: Outcomes::default(),
            measured: Outcomes::default(),
            history: vec![change(ProjectStatus::InPreparation, date!(2019 - 11 - 19))],
            source: String::new(),
        }
    }

    #[test]
    fn statuses_move_one_step_forward_or_to_abandonment() {
        use ProjectStatus::*;
        assert!(Idea.may_move_to(InPreparation));
        assert!(InProgress.may_move_to(Completed));
        assert!(Engaged.may_move_to(Abandoned));
        assert!(!Idea.may_move_to(Engaged));
        assert!(!Engaged.may_move_to(InPreparation));
        assert!(!Completed.may_move_to(Abandoned));
        assert!(!Abandoned.may_move_to(Idea));
    }

    #[test]
    fn histories_are_checked_for_order_and_transitions() {
        use ProjectStatus::*;
        let ok = [
            change(Idea, date!(2019 - 01 - 01)),
            change(InPreparation, date!(2019 - 01 - 01)),
            change(Engaged, date!(2020 - 03 - 01)),
        ];
        assert!(validate_status_history(&ok).is_ok());
        let backwards = [
            change(Idea, date!(2019 - 05 - 01)),
            change(InPreparation, date!(2019 - 01 - 01)),
        ];
        let err = validate_status_history(&backwards).unwrap_err().to_string();
        assert!(err.contains("avant le statut précédent"), "{err}");
        let skip = [
            change(Idea, date!(2019 - 01 - 01)),
            change(Completed, date!(2019 - 02 - 01)),
        ];
        let err = validate_status_history(&skip).unwrap_err().to_string();
        assert!(
            err.contains("non autorisé") && err.contains("En préparation"),
            "{err}"
        );
    }

    #[test]
    fn status_is_read_as_of_a_date() {
        use ProjectStatus::*;
        let h = [
            change(InPreparation, date!(2019 - 11 - 19)),
            change(Engaged, date!(2020 - 06 - 30)),
        ];
        assert_eq!(status_as_of(&h, date!(2019 - 11 - 18)), None);
        assert_eq!(status_as_of(&h, date!(2019 - 11 - 19)), Some(InPreparation));
        assert_eq!(status_as_of(&h, date!(2021 - 01 - 01)), Some(Engaged));
    }

    #[test]
    fn a_project_uses_the_axes_of_its_phase() {
        let mut p = project();
        assert!(p.validate().is_ok());
        p.axes = vec![Axis::Land];
        let err = p.validate().unwrap_err().to_string();
        assert!(
            err.contains("n'existe pas en") && err.contains("Foncier"),
            "{err}"
        );
        p.axes = vec![];
        p.territories.clear();
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("aucun territoire"));
    }

    #[test]
    fn holders_are_identified_according_to_their_kind() {
        let company = |id: &str| Holder {
            kind: HolderKind::Company,
            identifier: Some(id.into()),
            name: "X".into(),
        };
        // The SIRET of the INSEE's head office passes its check digit; one digit changed does not.
        assert!(company("12002701600357").validate().is_ok());
        assert!(company("12002701600358")
            .validate()
            .unwrap_err()
            .to_string()
            .contains("clé de contrôle"));
        assert!(company("123456789")
            .validate()
            .unwrap_err()
            .to_string()
            .contains("SIRET"));
        let epci = Holder {
            kind: HolderKind::Epci,
            identifier: Some("20006721".into()),
            name: "CC".into(),
        };
        assert!(epci.validate().is_err());
        let epci = |id: &str| Holder {
            kind: HolderKind::Epci,
            identifier: Some(id.into()),
            name: "CC".into(),
        };
        assert!(epci("245701206").validate().is_ok());
        assert!(epci("245701207").validate().is_err());
        let poste = company("35600000000048");
        assert!(poste.validate().is_ok());
    }

    #[test]
    fn codes_and_labels_parse() {
        assert_eq!(
            "transition_ecologique".parse::<Axis>().unwrap(),
            Axis::EcologicalTransition
        );
        assert_eq!("Recruter".parse::<Axis>().unwrap(), Axis::Recruit);
        assert_eq!(
            "en_cours".parse::<ProjectStatus>().unwrap(),
            ProjectStatus::InProgress
        );
        assert!("fini"
            .parse::<ProjectStatus>()
            .unwrap_err()
            .to_string()
            .contains("idee, en_preparation"));
    }
}
