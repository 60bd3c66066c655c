//! Why a territory counts in a figure, in words: the record behind it ("déduit de la signature du contrat
//! du 19 novembre 2019", "labellisé le 24 septembre 2019", "titulaire : … depuis le …"). Record lists show it
//! next to each territory, so a reader can check every count.

use time::Date;

use super::figures::FigureCode;
use super::situation::TerritoryState;
use crate::fr::long_date;
use crate::phase::Phase;
use crate::registry::attributes::{Attribute, AttributeChange};
use crate::registry::governance::{governance_as_of, Role};
use crate::registry::milestone::{DatePrecision, Milestone, MilestoneKind};
use crate::registry::progress::{Evidence, Stage};

fn labelling(phase: Phase, t: &TerritoryState<'_>, date: Date) -> String {
    let recorded = t
        .facts
        .milestones
        .iter()
        .filter(|m| m.kind == MilestoneKind::Labelled && m.precision != DatePrecision::Planned)
        .filter(|m| !m.is_withdrawn_on(date))
        .min_by_key(|m| m.earliest_possible(phase));
    match recorded {
        Some(m) => {
            let source = if m.source.is_empty() {
                String::new()
            } else {
                format!(" ({})", m.source)
            };
            format!("labellisé {}{source}", m.date_label())
        }
        None => format!(
            "sur la liste de la {} : compté depuis son lancement le {}, date de labellisation non renseignée",
            phase.label(),
            long_date(phase.labelling_date())
        ),
    }
}

fn stage(milestones: &[Milestone], stage: Stage, date: Date) -> String {
    let e = Evidence::of(milestones, stage, date);
    match e.milestone() {
        Some(m) if !m.source.is_empty() => format!("{} ({})", e.describe(), m.source),
        _ => e.describe(),
    }
}

fn attribute(changes: &[AttributeChange], attribute: &Attribute, date: Date) -> String {
    changes
        .iter()
        .filter(|c| c.attribute == *attribute && c.present && c.on <= date)
        .filter(|c| !c.withdrawal.as_ref().is_some_and(|w| w.in_force(date)))
        .max_by_key(|c| c.on)
        .map_or_else(
            || attribute.label(),
            |c| format!("{} depuis le {}", attribute.label(), long_date(c.on)),
        )
}

fn post(t: &TerritoryState<'_>, date: Date) -> String {
    let seat = governance_as_of(t.facts.appointments, date)
        .into_iter()
        .find(|s| s.appointment.role == Role::ChefDeProjet);
    let mut parts = Vec::new();
    match seat {
        Some(s) => match &s.appointment.person {
            Some(p) => parts.push(format!(
                "titulaire : {p} depuis le {}",
                long_date(s.appointment.started_on)
            )),
            None => parts.push(format!(
                "poste vacant depuis le {}",
                long_date(s.appointment.started_on)
            )),
        },
        None => parts.push("aucune désignation de chef de projet enregistrée".to_owned()),
    }
    for p in t.facts.posts.iter().filter(|p| p.open_on(date)) {
        parts.push(format!(
            "poste ouvert le {} ({})",
            long_date(p.opened_on),
            p.employer
        ));
        for c in p.cofunded_on(date) {
            parts.push(format!(
                "cofinancé par {} ({}) du {} au {}",
                c.funder,
                c.amount,
                long_date(c.starts_on),
                long_date(c.ends_on)
            ));
        }
    }
    parts.join(" ; ")
}

/// Why territory `t` counts in `figure` at `date`.
pub fn territory_reason(
    phase: Phase,
    figure: FigureCode,
    t: &TerritoryState<'_>,
    date: Date,
) -> String {
    use FigureCode::*;
    let milestones = t.facts.milestones;
    match figure {
        Territories | TerritoriesUncertain | LabelledInPeriod => labelling(phase, t, date),
        TerritoriesWithoutMilestone => "aucun jalon d'avancement enregistré à cette date".into(),
        GovernanceInstalled => stage(milestones, Stage::GovernanceInstalled, date),
        ActionPlansDrafted => stage(milestones, Stage::ActionPlanDrafted, date),
        ActionPlansValidated => stage(milestones, Stage::ActionPlanValidated, date),
        AgreementsSigned => stage(milestones, Stage::AgreementSigned, date),
        Dormant => milestones
            .iter()
            .filter(|m| m.kind == MilestoneKind::Dormant && m.counts_on(date))
            .max_by_key(|m| m.occurred_on)
            .map_or_else(
                || "en sommeil".into(),
                |m| format!("en sommeil {}", m.date_label()),
            ),
        Fragile => attribute(t.facts.attributes, &Attribute::Fragile, date),
        ProjectLeadsInPost | ProjectLeadPostsCofunded | ProjectLeadPostsUnknown => post(t, date),
        _ => t.progress.label(),
    }
}
