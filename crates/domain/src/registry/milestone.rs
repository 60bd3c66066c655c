//! The dated events of a labelled territory: its labelling and how it left the programme (withdrawal,
//! merger, split), and the milestones of its progress (governance, action plan, signatures…).
//!
//! Events are an append-only history: a status is never stored, it is read from the events dated on or
//! before the date asked (see [`super::progress`] and [`super::labelling`]). A mistake is corrected by a
//! [`Withdrawal`], which stops the event counting from its own date and leaves both in the history.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

use super::progress::Stage;
use crate::fr::{iso_date, long_date};
use crate::ids::TerritoryId;
use crate::phase::Phase;
use crate::DomainError;

/// A dated step in the life of a labelled territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    /// Phase 2: the candidacy was filed.
    CandidacySubmitted,
    /// The territory was labelled *Territoire d'industrie*: it counts in the phase's bilans from then.
    Labelled,
    /// Binôme, local committee and project lead in place.
    GovernanceInstalled,
    /// The territorial diagnostic is written.
    DiagnosticCompleted,
    /// The action plan is drafted by the territory.
    ActionPlanDrafted,
    /// The action plan is validated by the regional council.
    ActionPlanValidated,
    /// A *protocole d'accord* is signed.
    ProtocolSigned,
    /// The *contrat de territoire d'industrie* is signed.
    ContractSigned,
    /// An amendment (*avenant*) to the protocol or contract is signed.
    AmendmentSigned,
    /// Projects are being carried out.
    ImplementationStarted,
    /// Phase 2: the mid-term evaluation is done.
    MidTermEvaluated,
    /// No committee or update for months.
    Dormant,
    /// Activity resumed after a dormant period.
    Reactivated,
    /// The territory's participation in the phase ended.
    Closed,
    /// The label was withdrawn: the territory leaves the phase's count.
    Withdrawn,
    /// The territory merged into another (named in `related`): it leaves the count, its successor is counted.
    Merged,
    /// The territory was split into others (named in `related`).
    Split,
}

impl MilestoneKind {
    /// Every kind, in the order of a territory's life.
    pub const ALL: [MilestoneKind; 17] = [
        Self::CandidacySubmitted,
        Self::Labelled,
        Self::GovernanceInstalled,
        Self::DiagnosticCompleted,
        Self::ActionPlanDrafted,
        Self::ActionPlanValidated,
        Self::ProtocolSigned,
        Self::ContractSigned,
        Self::AmendmentSigned,
        Self::ImplementationStarted,
        Self::MidTermEvaluated,
        Self::Dormant,
        Self::Reactivated,
        Self::Closed,
        Self::Withdrawn,
        Self::Merged,
        Self::Split,
    ];

    /// The code used in files, URLs and the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::CandidacySubmitted => "candidature_deposee",
            Self::Labelled => "labellise",
            Self::GovernanceInstalled => "gouvernance_installee",
            Self::DiagnosticCompleted => "diagnostic_realise",
            Self::ActionPlanDrafted => "plan_actions_elabore",
            Self::ActionPlanValidated => "plan_actions_valide",
            Self::ProtocolSigned => "protocole_signe",
            Self::ContractSigned => "contrat_signe",
            Self::AmendmentSigned => "avenant_signe",
            Self::ImplementationStarted => "mise_en_oeuvre",
            Self::MidTermEvaluated => "evaluation_mi_parcours",
            Self::Dormant => "en_sommeil",
            Self::Reactivated => "reactive",
            Self::Closed => "clos",
            Self::Withdrawn => "retire",
            Self::Merged => "fusionne",
            Self::Split => "scinde",
        }
    }

    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Self::CandidacySubmitted => "Candidature déposée",
            Self::Labelled => "Labellisé",
            Self::GovernanceInstalled => "Gouvernance installée",
            Self::DiagnosticCompleted => "Diagnostic réalisé",
            Self::ActionPlanDrafted => "Plan d'actions élaboré",
            Self::ActionPlanValidated => "Plan d'actions validé par le conseil régional",
            Self::ProtocolSigned => "Protocole signé",
            Self::ContractSigned => "Contrat signé",
            Self::AmendmentSigned => "Avenant signé",
            Self::ImplementationStarted => "Mise en œuvre",
            Self::MidTermEvaluated => "Évaluation à mi-parcours",
            Self::Dormant => "En sommeil",
            Self::Reactivated => "Réactivé",
            Self::Closed => "Clos",
            Self::Withdrawn => "Label retiré",
            Self::Merged => "Fusionné",
            Self::Split => "Scindé",
        }
    }

    /// The noun phrase used in "déduit de … du 19 novembre 2019".
    pub fn as_evidence(self) -> &'static str {
        match self {
            Self::CandidacySubmitted => "du dépôt de la candidature",
            Self::Labelled => "de la labellisation",
            Self::GovernanceInstalled => "de l'installation de la gouvernance",
            Self::DiagnosticCompleted => "de la réalisation du diagnostic",
            Self::ActionPlanDrafted => "de l'élaboration du plan d'actions",
            Self::ActionPlanValidated => "de la validation du plan d'actions",
            Self::ProtocolSigned => "de la signature du protocole",
            Self::ContractSigned => "de la signature du contrat",
            Self::AmendmentSigned => "de la signature d'un avenant",
            Self::ImplementationStarted => "de la mise en œuvre",
            Self::MidTermEvaluated => "de l'évaluation à mi-parcours",
            Self::Dormant => "de la mise en sommeil",
            Self::Reactivated => "de la réactivation",
            Self::Closed => "de la clôture",
            Self::Withdrawn => "du retrait du label",
            Self::Merged => "de la fusion",
            Self::Split => "de la scission",
        }
    }

    /// The stage of progress this milestone proves, if it is a step forward at all. Reaching a stage implies
    /// the earlier ones (a signed contract implies a validated action plan), which is how the bilans count.
    /// Labelling is not a step of progress: it decides whether the territory counts at all.
    pub fn stage(self) -> Option<Stage> {
        match self {
            Self::CandidacySubmitted => Some(Stage::Candidate),
            Self::GovernanceInstalled => Some(Stage::GovernanceInstalled),
            Self::DiagnosticCompleted => Some(Stage::DiagnosticCompleted),
            Self::ActionPlanDrafted => Some(Stage::ActionPlanDrafted),
            Self::ActionPlanValidated => Some(Stage::ActionPlanValidated),
            Self::ProtocolSigned | Self::ContractSigned => Some(Stage::AgreementSigned),
            Self::ImplementationStarted => Some(Stage::InImplementation),
            Self::MidTermEvaluated => Some(Stage::MidTermEvaluated),
            _ => None,
        }
    }

    /// Whether the kind belongs to the programme's timeline (labelling and how a territory leaves it) rather
    /// than to the territory's progress.
    pub fn is_labelling(self) -> bool {
        matches!(
            self,
            Self::Labelled | Self::Withdrawn | Self::Merged | Self::Split
        )
    }

    /// Whether the event ends the territory's participation in the phase's count.
    pub fn ends_labelling(self) -> bool {
        matches!(self, Self::Withdrawn | Self::Merged | Self::Split)
    }

    /// Whether the event is a signature (protocol or contract), as the press counts them.
    pub fn is_signature(self) -> bool {
        matches!(self, Self::ProtocolSigned | Self::ContractSigned)
    }

    /// Whether the kind exists in a phase (candidacies and mid-term evaluations are phase 2 only).
    pub fn applies_to(self, phase: Phase) -> bool {
        !matches!(
            (self, phase),
            (
                Self::CandidacySubmitted | Self::MidTermEvaluated,
                Phase::First
            )
        )
    }
}

impl fmt::Display for MilestoneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for MilestoneKind {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "jalon",
                    s,
                    "un code de jalon (labellise, gouvernance_installee, plan_actions_valide, contrat_signe, retire…)",
                )
            })
    }
}

/// How exact an event's date is. Sources often only say "before" or "between": the date stored is then the
/// latest possible day, and `earliest` the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// The event happened on that day.
    #[default]
    Exact,
    /// The event happened on that day at the latest (and no earlier than the phase's launch).
    OnOrBefore,
    /// The event happened between `earliest` and the date, both included.
    Between,
    /// The event is planned for that day: it has not happened and never counts as done.
    Planned,
}

impl DatePrecision {
    /// Every precision.
    pub const ALL: [DatePrecision; 4] =
        [Self::Exact, Self::OnOrBefore, Self::Between, Self::Planned];

    /// The code stored and exchanged.
    pub fn code(self) -> &'static str {
        match self {
            Self::Exact => "exacte",
            Self::OnOrBefore => "au_plus_tard",
            Self::Between => "entre",
            Self::Planned => "prevu",
        }
    }

    /// The label shown in forms.
    pub fn label(self) -> &'static str {
        match self {
            Self::Exact => "Date exacte",
            Self::OnOrBefore => "Au plus tard ce jour",
            Self::Between => "Entre deux dates",
            Self::Planned => "Prévu (n'a pas encore eu lieu)",
        }
    }
}

impl FromStr for DatePrecision {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "exacte" => Ok(Self::Exact),
            "au_plus_tard" => Ok(Self::OnOrBefore),
            "entre" => Ok(Self::Between),
            "prevu" | "prévu" => Ok(Self::Planned),
            other => Err(DomainError::invalid(
                "precision",
                other,
                "exacte, au_plus_tard, entre ou prevu",
            )),
        }
    }
}

/// The date of an event as a file gives it — a date as people write it (`2019-11-19`, `19/11/2019`,
/// `19 novembre 2019`, an Excel serial), or, for precision `entre`, two such dates separated by `/`, ` - `
/// or ` au ` (`2018-11-22/2019-11-19`, `22/11/2018 - 19/11/2019`). Returns the earliest (for an interval)
/// and the date.
pub fn parse_event_date(
    value: &str,
    precision: DatePrecision,
) -> Result<(Option<Date>, Date), DomainError> {
    let value = value.trim();
    let one = |v: &str| crate::fr::read_date("date", v);
    match (precision, interval(value)) {
        (DatePrecision::Between, Some((from, to))) => Ok((Some(from), to)),
        (DatePrecision::Between, None) => Err(DomainError::invalid(
            "date",
            value,
            "un intervalle de deux dates pour la précision « entre » (2018-11-22/2019-11-19)",
        )),
        (_, Some(_)) => Err(DomainError::invalid(
            "date",
            value,
            "une seule date (un intervalle va avec la précision « entre »)",
        )),
        (_, None) => Ok((None, one(value)?)),
    }
}

/// Two dates separated by `/`, ` - ` or ` au `, if `value` is one: each `/` is tried, since a date may
/// hold some itself (`22/11/2018/19/11/2019`).
fn interval(value: &str) -> Option<(Date, Date)> {
    let read = |v: &str| crate::fr::read_date("date", v).ok();
    let split = |sep: &str| {
        value
            .match_indices(sep)
            .find_map(|(i, _)| Some((read(&value[..i])?, read(&value[i + sep.len()..])?)))
    };
    split("/")
        .or_else(|| split(" - "))
        .or_else(|| split(" au "))
}

/// Why and when a record made in error stopped counting. The record and its withdrawal both stay in the
/// history and the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// The day from which the record no longer counts.
    pub on: Date,
    /// Why (required).
    pub reason: String,
}

impl Withdrawal {
    /// Checks a withdrawal of a record dated `recorded_for`, made on `today`.
    pub fn validate(&self, today: Date) -> Result<(), DomainError> {
        if self.reason.trim().chars().count() < 5 {
            return Err(DomainError::invalid(
                "motif",
                &self.reason,
                "le motif du retrait (5 caractères au moins)",
            ));
        }
        if self.on > today {
            return Err(DomainError::Rule(format!(
                "un retrait prend effet au plus tard aujourd'hui ({}), pas le {}",
                long_date(today),
                long_date(self.on)
            )));
        }
        Ok(())
    }

    /// Whether the withdrawal is in force on `date`.
    pub fn in_force(&self, date: Date) -> bool {
        self.on <= date
    }
}

/// The kinds of history records a withdrawal can supersede.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A milestone (or labelling event).
    Milestone,
    /// A governance appointment.
    Appointment,
    /// An attribute change.
    Attribute,
}

impl RecordKind {
    /// The code in the audit log and the API (`milestone`…).
    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Milestone => "milestone",
            RecordKind::Appointment => "appointment",
            RecordKind::Attribute => "attribute",
        }
    }
}

impl FromStr for RecordKind {
    type Err = DomainError;

    /// Reads the French form's codes (`jalon`, `designation`, `attribut`) or the English ones.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "jalon" | "milestone" => Ok(RecordKind::Milestone),
            "designation" | "appointment" => Ok(RecordKind::Appointment),
            "attribut" | "attribute" => Ok(RecordKind::Attribute),
            other => Err(DomainError::invalid(
                "type",
                other,
                "jalon, designation ou attribut",
            )),
        }
    }
}

/// One recorded event of a territory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    /// What happened.
    pub kind: MilestoneKind,
    /// When: the day, or the latest possible day (see `precision`).
    pub occurred_on: Date,
    /// Whether the date is exact, an upper bound, an interval or a plan.
    pub precision: DatePrecision,
    /// The earliest possible day, for precision `entre`.
    pub earliest: Option<Date>,
    /// The territories a merger or split led to.
    pub related: Vec<TerritoryId>,
    /// Free text: what the source says.
    pub note: String,
    /// Where the fact comes from (a press release, minutes…).
    pub source: String,
    /// Set when the event was recorded in error.
    pub withdrawal: Option<Withdrawal>,
}

impl Milestone {
    /// An event on an exact date, without note nor source.
    pub fn on(kind: MilestoneKind, date: Date) -> Milestone {
        Milestone {
            kind,
            occurred_on: date,
            precision: DatePrecision::Exact,
            earliest: None,
            related: Vec::new(),
            note: String::new(),
            source: String::new(),
            withdrawal: None,
        }
    }

    /// Checks that the event can be recorded for a territory of `phase`, on `today`.
    pub fn validate_for(&self, phase: Phase, today: Date) -> Result<(), DomainError> {
        let rule = |msg: String| Err(DomainError::Rule(msg));
        if !self.kind.applies_to(phase) {
            return rule(format!(
                "le jalon « {} » n'existe pas en {}",
                self.kind.label(),
                phase.label()
            ));
        }
        let first = self.earliest.unwrap_or(self.occurred_on);
        if first.year() < 2018 {
            return rule(format!(
                "date {} antérieure au programme (2018)",
                iso_date(first)
            ));
        }
        match (self.precision, self.earliest) {
            (DatePrecision::Between, None) => {
                return rule("une date « entre » a besoin de sa première date possible".into())
            }
            (DatePrecision::Between, Some(earliest)) if earliest >= self.occurred_on => {
                return rule(format!(
                    "intervalle {}/{} vide ou inversé",
                    iso_date(earliest),
                    iso_date(self.occurred_on)
                ))
            }
            (DatePrecision::Between, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return rule("seule une date « entre » a une première date possible".into())
            }
        }
        if self.precision != DatePrecision::Planned && first > today {
            return rule(format!(
                "le {} est dans le futur : un jalon qui n'a pas encore eu lieu s'enregistre « prévu »",
                long_date(first)
            ));
        }
        if self.kind == MilestoneKind::Labelled && first < phase.labelling_date() {
            return rule(format!(
                "labellisation du {} antérieure au lancement de la {} ({})",
                long_date(first),
                phase.label(),
                long_date(phase.labelling_date())
            ));
        }
        let needs_related = matches!(self.kind, MilestoneKind::Merged | MilestoneKind::Split);
        if needs_related && self.related.is_empty() {
            return rule(format!(
                "« {} » nomme le ou les territoires qui en sont issus (colonne successeurs)",
                self.kind.label()
            ));
        }
        if !needs_related && !self.related.is_empty() {
            return rule(format!(
                "seules une fusion ou une scission ont des successeurs, pas « {} »",
                self.kind.label()
            ));
        }
        Ok(())
    }

    /// Whether the event has happened and counts as done on `date`, for a progress milestone: dated on or
    /// before `date` (at the latest possible day when the date is uncertain, so that nothing counts too
    /// early), not merely planned, and not withdrawn by then.
    pub fn counts_on(&self, date: Date) -> bool {
        self.precision != DatePrecision::Planned
            && self.occurred_on <= date
            && !self.is_withdrawn_on(date)
    }

    /// Whether a withdrawal is in force on `date`.
    pub fn is_withdrawn_on(&self, date: Date) -> bool {
        self.withdrawal.as_ref().is_some_and(|w| w.in_force(date))
    }

    /// The first day the event may have happened: the date itself, the phase's launch for "au plus tard",
    /// or the interval's start.
    pub fn earliest_possible(&self, phase: Phase) -> Date {
        match self.precision {
            DatePrecision::Exact | DatePrecision::Planned => self.occurred_on,
            DatePrecision::OnOrBefore => phase.labelling_date().min(self.occurred_on),
            DatePrecision::Between => self.earliest.unwrap_or(self.occurred_on),
        }
    }

    /// The date in words: "le 19 novembre 2019", "au plus tard le …", "entre le … et le …", "prévu le …".
    pub fn date_label(&self) -> String {
        let on = long_date(self.occurred_on);
        match (self.precision, self.earliest) {
            (DatePrecision::Exact, _) => format!("le {on}"),
            (DatePrecision::OnOrBefore, _) => format!("au plus tard le {on}"),
            (DatePrecision::Between, Some(e)) => format!("entre le {} et le {on}", long_date(e)),
            (DatePrecision::Between, None) => format!("au plus tard le {on}"),
            (DatePrecision::Planned, _) => format!("prévu le {on}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn phase_one_has_no_candidacy() {
        let c = Milestone::on(MilestoneKind::CandidacySubmitted, date!(2023 - 05 - 01));
        assert!(c.validate_for(Phase::Second, TODAY).is_ok());
        let err = c.validate_for(Phase::First, TODAY).unwrap_err();
        assert!(err.to_string().contains("n'existe pas"), "{err}");
    }

    #[test]
    fn future_events_are_refused_unless_planned() {
        let mut m = Milestone::on(MilestoneKind::ContractSigned, date!(2027 - 03 - 01));
        let err = m.validate_for(Phase::Second, TODAY).unwrap_err();
        assert!(err.to_string().contains("prévu"), "{err}");
        m.precision = DatePrecision::Planned;
        assert!(m.validate_for(Phase::Second, TODAY).is_ok());
        assert!(
            !m.counts_on(date!(2030 - 01 - 01)),
            "a planned event never counts as done"
        );
    }

    #[test]
    fn a_withdrawn_event_stops_counting_from_its_withdrawal() {
        let mut m = Milestone::on(MilestoneKind::ActionPlanValidated, date!(2019 - 06 - 01));
        m.withdrawal = Some(Withdrawal {
            on: date!(2020 - 01 - 15),
            reason: "saisi sur le mauvais territoire".into(),
        });
        assert!(m.counts_on(date!(2020 - 01 - 14)));
        assert!(!m.counts_on(date!(2020 - 01 - 15)));
    }

    #[test]
    fn withdrawals_need_a_reason_and_cannot_be_future() {
        let w = |reason: &str, on| Withdrawal {
            on,
            reason: reason.into(),
        };
        assert!(w("", TODAY).validate(TODAY).is_err());
        assert!(w("erreur de saisie", date!(2026 - 12 - 01))
            .validate(TODAY)
            .is_err());
        assert!(w("erreur de saisie", TODAY).validate(TODAY).is_ok());
    }

    #[test]
    fn intervals_parse_and_go_with_their_precision() {
        let (earliest, on) =
            parse_event_date("2018-11-22/2019-11-19", DatePrecision::Between).unwrap();
        assert_eq!(
            (earliest, on),
            (Some(date!(2018 - 11 - 22)), date!(2019 - 11 - 19))
        );
        assert!(parse_event_date("2019-11-19", DatePrecision::Between).is_err());
        assert!(parse_event_date("2018-11-22/2019-11-19", DatePrecision::Exact).is_err());
        for written in [
            "22/11/2018/19/11/2019",
            "22/11/2018 - 19/11/2019",
            "22 novembre 2018 au 19 novembre 2019",
        ] {
            assert_eq!(
                parse_event_date(written, DatePrecision::Between).unwrap(),
                (Some(date!(2018 - 11 - 22)), date!(2019 - 11 - 19)),
                "{written}"
            );
        }
        for written in ["19/11/2019", "19 novembre 2019", "43788", " 2019-11-19 "] {
            assert_eq!(
                parse_event_date(written, DatePrecision::Exact).unwrap(),
                (None, date!(2019 - 11 - 19)),
                "a date as people write it: {written}"
            );
        }
        assert!(parse_event_date("22/11/2018 - 19/11/2019", DatePrecision::Exact).is_err());
        assert!(parse_event_date("19/13/2019", DatePrecision::Exact).is_err());
        let mut m = Milestone::on(MilestoneKind::Labelled, date!(2019 - 11 - 19));
        m.precision = DatePrecision::Between;
        m.earliest = Some(date!(2019 - 12 - 01));
        assert!(m.validate_for(Phase::First, TODAY).is_err(), "inverted");
        m.earliest = Some(date!(2018 - 11 - 22));
        assert!(m.validate_for(Phase::First, TODAY).is_ok());
        assert_eq!(m.earliest_possible(Phase::First), date!(2018 - 11 - 22));
        assert_eq!(
            m.date_label(),
            "entre le 22 novembre 2018 et le 19 novembre 2019"
        );
    }

    #[test]
    fn labelling_cannot_precede_the_phase_and_mergers_name_their_successors() {
        let early = Milestone::on(MilestoneKind::Labelled, date!(2018 - 06 - 01));
        assert!(early.validate_for(Phase::First, TODAY).is_err());
        let mut merged = Milestone::on(MilestoneKind::Merged, date!(2020 - 01 - 01));
        assert!(merged.validate_for(Phase::First, TODAY).is_err());
        merged.related = vec![TerritoryId::parse("ti-4401").unwrap()];
        assert!(merged.validate_for(Phase::First, TODAY).is_ok());
    }

    #[test]
    fn codes_round_trip() {
        for k in MilestoneKind::ALL {
            assert_eq!(k.code().parse::<MilestoneKind>().unwrap(), k);
        }
        for p in DatePrecision::ALL {
            assert_eq!(p.code().parse::<DatePrecision>().unwrap(), p);
        }
        assert!("signe".parse::<MilestoneKind>().is_err());
    }
}
