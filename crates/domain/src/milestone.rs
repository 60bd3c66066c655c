//! The milestones of a labelled territory and the status they imply at any date.
//!
//! Milestones are an append-only history: a status is never stored, it is read from the events dated on
//! or before the date asked. That is what makes any past bilan reproducible.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::phase::Phase;
use crate::DomainError;

/// A dated step in the life of a labelled territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    /// Phase 2: the candidacy was filed.
    CandidacySubmitted,
    /// The territory was labelled *Territoire d'industrie*.
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
}

impl MilestoneKind {
    /// Every kind, in the order of a territory's life.
    pub const ALL: [MilestoneKind; 14] = [
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
        }
    }

    /// The stage of progress this milestone proves, if it is a step forward at all. Reaching a stage implies
    /// the earlier ones (a signed contract implies a validated action plan), which is how the bilans count.
    pub fn stage(self) -> Option<Stage> {
        match self {
            Self::CandidacySubmitted => Some(Stage::Candidate),
            Self::Labelled => Some(Stage::Labelled),
            Self::GovernanceInstalled => Some(Stage::GovernanceInstalled),
            Self::DiagnosticCompleted => Some(Stage::DiagnosticCompleted),
            Self::ActionPlanDrafted => Some(Stage::ActionPlanDrafted),
            Self::ActionPlanValidated => Some(Stage::ActionPlanValidated),
            Self::ProtocolSigned | Self::ContractSigned => Some(Stage::AgreementSigned),
            Self::ImplementationStarted => Some(Stage::InImplementation),
            Self::MidTermEvaluated => Some(Stage::MidTermEvaluated),
            Self::AmendmentSigned | Self::Dormant | Self::Reactivated | Self::Closed => None,
        }
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
                    "un code de jalon (gouvernance_installee, plan_actions_valide, contrat_signe…)",
                )
            })
    }
}

/// How far a territory has come, in order. Statuses are these stages, plus the dormant and closed flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Named in the list of territories, nothing recorded yet.
    Identified,
    /// Candidacy filed (phase 2).
    Candidate,
    /// Labelled.
    Labelled,
    /// Governance installed.
    GovernanceInstalled,
    /// Diagnostic written.
    DiagnosticCompleted,
    /// Action plan drafted.
    ActionPlanDrafted,
    /// Action plan validated by the region.
    ActionPlanValidated,
    /// Protocol or contract signed.
    AgreementSigned,
    /// Projects under way.
    InImplementation,
    /// Mid-term evaluation done.
    MidTermEvaluated,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 10] = [
        Self::Identified,
        Self::Candidate,
        Self::Labelled,
        Self::GovernanceInstalled,
        Self::DiagnosticCompleted,
        Self::ActionPlanDrafted,
        Self::ActionPlanValidated,
        Self::AgreementSigned,
        Self::InImplementation,
        Self::MidTermEvaluated,
    ];

    /// The code used in URLs and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Identified => "identifie",
            Self::Candidate => "candidat",
            Self::Labelled => "labellise",
            Self::GovernanceInstalled => "gouvernance_installee",
            Self::DiagnosticCompleted => "diagnostic_realise",
            Self::ActionPlanDrafted => "plan_actions_elabore",
            Self::ActionPlanValidated => "plan_actions_valide",
            Self::AgreementSigned => "protocole_ou_contrat_signe",
            Self::InImplementation => "mise_en_oeuvre",
            Self::MidTermEvaluated => "evaluation_mi_parcours",
        }
    }

    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Self::Identified => "Identifié",
            Self::Candidate => "Candidature déposée",
            Self::Labelled => "Labellisé",
            Self::GovernanceInstalled => "Gouvernance installée",
            Self::DiagnosticCompleted => "Diagnostic réalisé",
            Self::ActionPlanDrafted => "Plan d'actions en élaboration",
            Self::ActionPlanValidated => "Plan d'actions validé",
            Self::AgreementSigned => "Protocole ou contrat signé",
            Self::InImplementation => "Mise en œuvre",
            Self::MidTermEvaluated => "Évaluation à mi-parcours",
        }
    }

    /// The stages a territory of the phase can be in (phase 1 had no candidacy nor mid-term evaluation).
    pub fn of_phase(phase: Phase) -> impl Iterator<Item = Stage> {
        Self::ALL.into_iter().filter(move |s| {
            phase == Phase::Second || !matches!(s, Self::Candidate | Self::MidTermEvaluated)
        })
    }
}

impl FromStr for Stage {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "statut",
                    s,
                    "un statut (identifie, gouvernance_installee, plan_actions_valide…)",
                )
            })
    }
}

/// How exact a milestone's date is. Sources sometimes only say "before": the date is then the latest
/// possible day, so that as-of reads never count an event too early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// The event happened on that day.
    #[default]
    Exact,
    /// The event happened on that day at the latest.
    OnOrBefore,
}

impl DatePrecision {
    /// The code stored and exchanged.
    pub fn code(self) -> &'static str {
        match self {
            Self::Exact => "exacte",
            Self::OnOrBefore => "au_plus_tard",
        }
    }
}

impl FromStr for DatePrecision {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "exacte" => Ok(Self::Exact),
            "au_plus_tard" => Ok(Self::OnOrBefore),
            other => Err(DomainError::invalid(
                "precision",
                other,
                "exacte ou au_plus_tard",
            )),
        }
    }
}

/// One recorded milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    /// What happened.
    pub kind: MilestoneKind,
    /// When (see `precision`).
    pub occurred_on: Date,
    /// Whether the date is exact or an upper bound.
    pub precision: DatePrecision,
    /// Free text: what the source says.
    pub note: String,
    /// Where the fact comes from (a press release, minutes…).
    pub source: String,
}

impl Milestone {
    /// Checks that the milestone can be recorded for a territory of `phase`.
    pub fn validate_for(&self, phase: Phase) -> Result<(), DomainError> {
        if !self.kind.applies_to(phase) {
            return Err(DomainError::Rule(format!(
                "le jalon « {} » n'existe pas en {}",
                self.kind.label(),
                phase.label()
            )));
        }
        if self.occurred_on.year() < 2018 {
            return Err(DomainError::Rule(format!(
                "date {} antérieure au programme (2018)",
                crate::fr::iso_date(self.occurred_on)
            )));
        }
        Ok(())
    }
}

/// The progress of a territory as of a date, read from its milestones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The furthest stage reached.
    pub stage: Stage,
    /// Dormant at that date (a `Dormant` event not followed by a step forward or a reactivation).
    pub dormant: bool,
    /// Closed at that date.
    pub closed: bool,
}

impl Progress {
    /// Reads the progress as of `date` (inclusive) from milestones in any order.
    pub fn as_of<'a>(milestones: impl IntoIterator<Item = &'a Milestone>, date: Date) -> Progress {
        let mut known: Vec<&Milestone> = milestones
            .into_iter()
            .filter(|m| m.occurred_on <= date)
            .collect();
        known.sort_by_key(|m| m.occurred_on);
        let mut progress = Progress {
            stage: Stage::Identified,
            dormant: false,
            closed: false,
        };
        for m in known {
            match m.kind {
                MilestoneKind::Dormant => progress.dormant = true,
                MilestoneKind::Reactivated => progress.dormant = false,
                MilestoneKind::Closed => progress.closed = true,
                kind => {
                    if let Some(stage) = kind.stage() {
                        progress.stage = progress.stage.max(stage);
                        progress.dormant = false;
                    }
                }
            }
        }
        progress
    }

    /// Whether the territory had reached `stage` (or further).
    pub fn reached(&self, stage: Stage) -> bool {
        self.stage >= stage
    }
}

/// Counts of territories having reached each key stage: the figures of a steering committee.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ProgressCounts {
    /// Territories counted.
    pub territories: i64,
    /// With governance installed.
    pub governance_installed: i64,
    /// With an action plan drafted.
    pub action_plan_drafted: i64,
    /// With an action plan validated by the region.
    pub action_plan_validated: i64,
    /// With a protocol or contract signed.
    pub agreement_signed: i64,
    /// Dormant.
    pub dormant: i64,
}

impl ProgressCounts {
    /// Adds one territory's progress.
    pub fn add(&mut self, p: Progress) {
        self.territories += 1;
        self.governance_installed += i64::from(p.reached(Stage::GovernanceInstalled));
        self.action_plan_drafted += i64::from(p.reached(Stage::ActionPlanDrafted));
        self.action_plan_validated += i64::from(p.reached(Stage::ActionPlanValidated));
        self.agreement_signed += i64::from(p.reached(Stage::AgreementSigned));
        self.dormant += i64::from(p.dormant);
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn m(kind: MilestoneKind, on: Date) -> Milestone {
        Milestone {
            kind,
            occurred_on: on,
            precision: DatePrecision::Exact,
            note: String::new(),
            source: String::new(),
        }
    }

    #[test]
    fn progress_reads_only_the_past() {
        let history = [
            m(MilestoneKind::GovernanceInstalled, date!(2019 - 03 - 01)),
            m(MilestoneKind::ContractSigned, date!(2019 - 11 - 19)),
        ];
        assert_eq!(
            Progress::as_of(&history, date!(2019 - 01 - 01)).stage,
            Stage::Identified
        );
        assert_eq!(
            Progress::as_of(&history, date!(2019 - 11 - 18)).stage,
            Stage::GovernanceInstalled
        );
        let signed = Progress::as_of(&history, date!(2019 - 11 - 19));
        assert_eq!(signed.stage, Stage::AgreementSigned);
        assert!(
            signed.reached(Stage::ActionPlanValidated),
            "a signed contract implies a validated plan"
        );
    }

    #[test]
    fn order_of_recording_does_not_matter() {
        let a = [
            m(MilestoneKind::ContractSigned, date!(2020 - 01 - 01)),
            m(MilestoneKind::Labelled, date!(2018 - 11 - 22)),
        ];
        let mut b = a.clone();
        b.reverse();
        assert_eq!(
            Progress::as_of(&a, date!(2021 - 01 - 01)),
            Progress::as_of(&b, date!(2021 - 01 - 01))
        );
    }

    #[test]
    fn dormancy_ends_with_a_step_forward_or_a_reactivation() {
        let mut h = vec![
            m(MilestoneKind::GovernanceInstalled, date!(2019 - 01 - 01)),
            m(MilestoneKind::Dormant, date!(2020 - 01 - 01)),
        ];
        assert!(Progress::as_of(&h, date!(2020 - 06 - 01)).dormant);
        h.push(m(MilestoneKind::Reactivated, date!(2020 - 07 - 01)));
        assert!(!Progress::as_of(&h, date!(2020 - 08 - 01)).dormant);
        h.push(m(MilestoneKind::Dormant, date!(2021 - 01 - 01)));
        h.push(m(MilestoneKind::ActionPlanValidated, date!(2021 - 03 - 01)));
        let p = Progress::as_of(&h, date!(2021 - 04 - 01));
        assert!(!p.dormant);
        assert_eq!(p.stage, Stage::ActionPlanValidated);
    }

    #[test]
    fn amendments_and_closure_do_not_move_the_stage() {
        let h = [
            m(MilestoneKind::ProtocolSigned, date!(2019 - 01 - 01)),
            m(MilestoneKind::AmendmentSigned, date!(2020 - 01 - 01)),
            m(MilestoneKind::Closed, date!(2022 - 12 - 31)),
        ];
        let p = Progress::as_of(&h, date!(2023 - 01 - 01));
        assert_eq!(p.stage, Stage::AgreementSigned);
        assert!(p.closed);
    }

    #[test]
    fn phase_one_has_no_candidacy() {
        let c = m(MilestoneKind::CandidacySubmitted, date!(2023 - 05 - 01));
        assert!(c.validate_for(Phase::Second).is_ok());
        let err = c.validate_for(Phase::First).unwrap_err();
        assert!(err.to_string().contains("n'existe pas"), "{err}");
        assert!(!Stage::of_phase(Phase::First).any(|s| s == Stage::Candidate));
    }

    #[test]
    fn codes_round_trip() {
        for k in MilestoneKind::ALL {
            assert_eq!(k.code().parse::<MilestoneKind>().unwrap(), k);
        }
        for s in Stage::ALL {
            assert_eq!(s.code().parse::<Stage>().unwrap(), s);
        }
        assert!("signe".parse::<MilestoneKind>().is_err());
    }

    #[test]
    fn counts_follow_stages() {
        let mut c = ProgressCounts::default();
        c.add(Progress {
            stage: Stage::AgreementSigned,
            dormant: false,
            closed: false,
        });
        c.add(Progress {
            stage: Stage::GovernanceInstalled,
            dormant: true,
            closed: false,
        });
        c.add(Progress {
            stage: Stage::Identified,
            dormant: false,
            closed: false,
        });
        assert_eq!(
            c,
            ProgressCounts {
                territories: 3,
                governance_installed: 2,
                action_plan_drafted: 1,
                action_plan_validated: 1,
                agreement_signed: 1,
                dormant: 1
            }
        );
    }
}
