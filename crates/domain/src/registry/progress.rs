//! How far a territory had come at a date, read from its events, and why: each stage reached is either
//! recorded by a milestone or implied by a later one (a signed contract implies a validated action plan and
//! installed governance). Statuses are never stored, which is what makes any past bilan reproducible.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

use super::labelling::Labelling;
use super::milestone::{Milestone, MilestoneKind};
use crate::fr::long_date;
use crate::phase::Phase;
use crate::DomainError;

/// How far a territory has come, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Not labelled (yet) at the date.
    Identified,
    /// Candidacy filed (phase 2).
    Candidate,
    /// Labelled, no later step recorded.
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

    /// The label shown to users: the one label of this state, everywhere.
    pub fn label(self) -> &'static str {
        match self {
            Self::Identified => "Non labellisé à cette date",
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

    /// The stages of progress a labelled territory goes through after its labelling, for the page that
    /// shows, for each, whether and why it is reached.
    pub fn steps(phase: Phase) -> impl Iterator<Item = Stage> {
        Self::of_phase(phase).filter(|s| *s > Stage::Labelled)
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
                    "un statut (labellise, gouvernance_installee, plan_actions_valide…)",
                )
            })
    }
}

/// The progress of a territory as of a date, read from its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Whether it counts in its phase at the date.
    pub labelling: Labelling,
    /// The furthest stage reached.
    pub stage: Stage,
    /// Dormant at that date (a `Dormant` event not followed by a step forward or a reactivation).
    pub dormant: bool,
    /// Closed at that date.
    pub closed: bool,
    /// At least one milestone of progress counts at the date: without one, its progress is unknown, not
    /// "nothing done".
    pub recorded: bool,
}

impl Progress {
    /// Reads the progress as of `date` (inclusive) from events in any order.
    pub fn as_of(phase: Phase, milestones: &[Milestone], date: Date) -> Progress {
        let mut known: Vec<&Milestone> = milestones
            .iter()
            .filter(|m| !m.kind.is_labelling() && m.counts_on(date))
            .collect();
        known.sort_by_key(|m| m.occurred_on);
        let labelling = Labelling::as_of(phase, milestones, date);
        let mut progress = Progress {
            labelling,
            stage: Stage::Identified,
            dormant: false,
            closed: false,
            recorded: !known.is_empty(),
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
        if labelling.counts() {
            progress.stage = progress.stage.max(Stage::Labelled);
        }
        progress
    }

    /// Whether the territory counts in its phase and had reached `stage` (or further).
    pub fn reached(&self, stage: Stage) -> bool {
        self.labelling.counts() && self.stage >= stage
    }

    /// The one label of the territory's state, everywhere it is shown.
    pub fn label(&self) -> String {
        let base = match self.labelling {
            Labelling::Ended { how } => how.label(),
            Labelling::NotYet if self.stage == Stage::Candidate => Stage::Candidate.label(),
            Labelling::NotYet => "Pas encore labellisé",
            Labelling::Labelled { .. } => self.stage.label(),
        };
        if self.dormant && self.labelling.counts() {
            format!("{base} (en sommeil)")
        } else {
            base.to_owned()
        }
    }
}

/// Why a territory counts as having reached a stage at a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence<'a> {
    /// A milestone of that very stage.
    Recorded(&'a Milestone),
    /// A milestone of a later stage, which implies it.
    Implied(&'a Milestone),
    /// Nothing recorded reaches it.
    NotRecorded,
}

impl Evidence<'_> {
    /// Reads why `stage` is reached at `date`: the first milestone that reached it or a later stage.
    pub fn of(milestones: &[Milestone], stage: Stage, date: Date) -> Evidence<'_> {
        let first = milestones
            .iter()
            .filter(|m| m.counts_on(date) && m.kind.stage().is_some_and(|s| s >= stage))
            .min_by_key(|m| (m.occurred_on, m.kind.stage()));
        match first {
            None => Evidence::NotRecorded,
            Some(m) if m.kind.stage() == Some(stage) => Evidence::Recorded(m),
            Some(m) => Evidence::Implied(m),
        }
    }

    /// The milestone behind it, if any.
    pub fn milestone(&self) -> Option<&Milestone> {
        match self {
            Evidence::Recorded(m) | Evidence::Implied(m) => Some(m),
            Evidence::NotRecorded => None,
        }
    }

    /// In words: "le 3 mars 2019", "déduit de la signature du contrat du 19 novembre 2019", "Non renseigné".
    pub fn describe(&self) -> String {
        match self {
            Evidence::Recorded(m) => m.date_label(),
            Evidence::Implied(m) => format!(
                "déduit {} du {}",
                m.kind.as_evidence(),
                long_date(m.occurred_on)
            ),
            Evidence::NotRecorded => "Non renseigné".to_owned(),
        }
    }
}

/// Counts of territories having reached each key stage: the figures of a steering committee. Only the
/// territories labelled at the date are counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ProgressCounts {
    /// Territories labelled at the date.
    pub territories: i64,
    /// Of which labelled on an uncertain date (counted from their earliest possible labelling).
    pub uncertain: i64,
    /// Of which no milestone of progress is recorded: their progress is unknown.
    pub without_milestone: i64,
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
    /// Adds one territory's progress; a territory not labelled at the date is not counted.
    pub fn add(&mut self, p: Progress) {
        if !p.labelling.counts() {
            return;
        }
        self.territories += 1;
        self.uncertain += i64::from(p.labelling.is_uncertain());
        self.without_milestone += i64::from(!p.recorded);
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
    use crate::registry::milestone::{DatePrecision, Withdrawal};

    fn m(kind: MilestoneKind, on: Date) -> Milestone {
        Milestone::on(kind, on)
    }

    const P1: Phase = Phase::First;

    #[test]
    fn progress_reads_only_the_past() {
        let history = [
            m(MilestoneKind::GovernanceInstalled, date!(2019 - 03 - 01)),
            m(MilestoneKind::ContractSigned, date!(2019 - 11 - 19)),
        ];
        assert_eq!(
            Progress::as_of(P1, &history, date!(2019 - 01 - 01)).stage,
            Stage::Labelled
        );
        assert_eq!(
            Progress::as_of(P1, &history, date!(2019 - 11 - 18)).stage,
            Stage::GovernanceInstalled
        );
        let signed = Progress::as_of(P1, &history, date!(2019 - 11 - 19));
        assert_eq!(signed.stage, Stage::AgreementSigned);
        assert!(
            signed.reached(Stage::ActionPlanValidated),
            "a signed contract implies a validated plan"
        );
    }

    #[test]
    fn before_its_phase_nothing_is_reached() {
        let history = [m(MilestoneKind::GovernanceInstalled, date!(2018 - 03 - 01))];
        let p = Progress::as_of(P1, &history, date!(2018 - 06 - 01));
        assert!(!p.labelling.counts());
        assert!(!p.reached(Stage::GovernanceInstalled));
        assert_eq!(p.label(), "Pas encore labellisé");
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
            Progress::as_of(P1, &a, date!(2021 - 01 - 01)),
            Progress::as_of(P1, &b, date!(2021 - 01 - 01))
        );
    }

    #[test]
    fn dormancy_ends_with_a_step_forward_or_a_reactivation() {
        let mut h = vec![
            m(MilestoneKind::GovernanceInstalled, date!(2019 - 01 - 01)),
            m(MilestoneKind::Dormant, date!(2020 - 01 - 01)),
        ];
        assert!(Progress::as_of(P1, &h, date!(2020 - 06 - 01)).dormant);
        h.push(m(MilestoneKind::Reactivated, date!(2020 - 07 - 01)));
        assert!(!Progress::as_of(P1, &h, date!(2020 - 08 - 01)).dormant);
        h.push(m(MilestoneKind::Dormant, date!(2021 - 01 - 01)));
        h.push(m(MilestoneKind::ActionPlanValidated, date!(2021 - 03 - 01)));
        let p = Progress::as_of(P1, &h, date!(2021 - 04 - 01));
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
        let p = Progress::as_of(P1, &h, date!(2023 - 01 - 01));
        assert_eq!(p.stage, Stage::AgreementSigned);
        assert!(p.closed);
    }

    #[test]
    fn planned_and_withdrawn_milestones_do_not_count() {
        let mut planned = m(MilestoneKind::ContractSigned, date!(2019 - 06 - 01));
        planned.precision = DatePrecision::Planned;
        let mut wrong = m(MilestoneKind::ActionPlanValidated, date!(2019 - 03 - 01));
        wrong.withdrawal = Some(Withdrawal {
            on: date!(2019 - 09 - 01),
            reason: "erreur de saisie".into(),
        });
        let h = [planned, wrong];
        assert_eq!(
            Progress::as_of(P1, &h, date!(2019 - 08 - 01)).stage,
            Stage::ActionPlanValidated,
            "the past stays as it was published"
        );
        let later = Progress::as_of(P1, &h, date!(2019 - 10 - 01));
        assert_eq!(later.stage, Stage::Labelled);
        assert!(!later.recorded);
    }

    #[test]
    fn evidence_says_whether_a_stage_is_recorded_or_implied() {
        let h = [
            m(MilestoneKind::GovernanceInstalled, date!(2019 - 03 - 01)),
            m(MilestoneKind::ContractSigned, date!(2019 - 11 - 19)),
        ];
        let on = date!(2020 - 01 - 01);
        assert!(matches!(
            Evidence::of(&h, Stage::GovernanceInstalled, on),
            Evidence::Recorded(_)
        ));
        let implied = Evidence::of(&h, Stage::ActionPlanValidated, on);
        assert_eq!(
            implied.describe(),
            "déduit de la signature du contrat du 19 novembre 2019"
        );
        assert_eq!(
            Evidence::of(&h, Stage::ActionPlanValidated, date!(2019 - 11 - 18)),
            Evidence::NotRecorded
        );
    }

    #[test]
    fn counts_follow_stages_and_say_what_is_unknown() {
        let on = date!(2020 - 01 - 01);
        let mut c = ProgressCounts::default();
        c.add(Progress::as_of(
            P1,
            &[m(MilestoneKind::ContractSigned, date!(2019 - 11 - 19))],
            on,
        ));
        c.add(Progress::as_of(
            P1,
            &[
                m(MilestoneKind::GovernanceInstalled, date!(2019 - 01 - 01)),
                m(MilestoneKind::Dormant, date!(2019 - 06 - 01)),
            ],
            on,
        ));
        c.add(Progress::as_of(P1, &[], on));
        c.add(Progress::as_of(
            P1,
            &[m(MilestoneKind::Labelled, date!(2020 - 06 - 01))],
            on,
        ));
        assert_eq!(
            c,
            ProgressCounts {
                territories: 3,
                uncertain: 3,
                without_milestone: 1,
                governance_installed: 2,
                action_plan_drafted: 1,
                action_plan_validated: 1,
                agreement_signed: 1,
                dormant: 1
            }
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in Stage::ALL {
            assert_eq!(s.code().parse::<Stage>().unwrap(), s);
        }
        assert!(!Stage::of_phase(Phase::First).any(|s| s == Stage::Candidate));
    }
}
