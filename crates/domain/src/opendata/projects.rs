//! Fiches actions in the *projets-territoire* schema (betagouv, 0.1.0): the schema of local authorities'
//! projects that the *Territoires en transition* services share.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Dataset, Publication, Reason, Schema, Value};
use crate::portfolio::project::{HolderKind, Project, ProjectStatus};

/// The namespace of the projects' published identifiers: fixed for ever, so that a fiche keeps the same
/// UUID in every export and a reuser can follow it from one to the next.
const NAMESPACE: Uuid = Uuid::from_u128(0x6a1c_2f0e_8b7d_4c53_9e41_5d2a_7f60_b3c8);

/// What the schema calls the programme a project comes from.
const PROGRAMME: &str = "Territoires d'industrie";

/// Withheld: the platform does not know when the fiche was recorded (the schema requires it).
pub const NO_STAMPS: Reason = "date d'enregistrement inconnue";

/// The dataset.
pub const DATASET: Dataset = Dataset {
    slug: "projets",
    title: "Fiches actions",
    description: "Les projets des territoires d'industrie : nom, description, budget prévisionnel, phase \
                  et statut, porteur lorsque c'est une entreprise.",
    schema: Schema {
        name: "betagouv/projets-territoire",
        version: "0.1.0",
        url: "https://schema.data.gouv.fr/betagouv/schema-projet-collectivites-transition-ecologique/",
        own: None,
    },
    fields: &[
        "id",
        "createdAt",
        "updatedAt",
        "nom",
        "description",
        "budgetPrevisionnel",
        "dateDebutPrevisionnelle",
        "phase",
        "phaseStatut",
        "programme",
        "porteurCodeSiret",
        "porteurReferentEmail",
        "porteurReferentTelephone",
        "porteurReferentPrenom",
        "porteurReferentNom",
        "porteurReferentFonction",
        "competences",
        "leviers",
        "mecId",
        "tetId",
        "recocoId",
        "collectiviteIds",
    ],
    places: false,
};

/// When a fiche was first and last recorded (its audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamps {
    /// First recorded.
    pub created: OffsetDateTime,
    /// Last changed.
    pub updated: OffsetDateTime,
}

/// The published identifier of the fiche `code`: a UUID v5, the same in every export.
pub fn id(code: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, code.as_bytes())
}

/// The schema's phase and phase status for a fiche's status: an idea is an *Idée*, a fiche in preparation
/// an *Étude*, from its commitment an *Opération*; an abandoned fiche keeps the phase it was abandoned in.
pub fn phase(history: &[ProjectStatus]) -> Option<(&'static str, &'static str)> {
    let phase_of = |s: ProjectStatus| match s {
        ProjectStatus::Idea => Some("Idée"),
        ProjectStatus::InPreparation => Some("Étude"),
        ProjectStatus::Engaged | ProjectStatus::InProgress | ProjectStatus::Completed => {
            Some("Opération")
        }
        ProjectStatus::Abandoned => None,
    };
    let (&last, before) = history.split_last()?;
    Some(match last {
        ProjectStatus::Abandoned => (
            before.last().and_then(|s| phase_of(*s)).unwrap_or("Idée"),
            "Abandonné",
        ),
        ProjectStatus::Completed => ("Opération", "Terminé"),
        other => (phase_of(other)?, "En cours"),
    })
}

fn timestamp(at: OffsetDateTime) -> Value {
    Value::Text(
        at.format(&Rfc3339)
            .expect("a date-time formats as RFC 3339"),
    )
}

/// A fiche as a row of the dataset, or why it is withheld.
pub fn record(p: &Project, stamps: Option<Stamps>) -> Result<Vec<Value>, Reason> {
    let stamps = stamps.ok_or(NO_STAMPS)?;
    let statuses: Vec<ProjectStatus> = p.history.iter().map(|c| c.status).collect();
    let (phase, phase_status) = match phase(&statuses) {
        Some((a, b)) => (Value::text(a), Value::text(b)),
        None => (Value::Empty, Value::Empty),
    };
    let siret = match &p.holder {
        Some(h) if h.kind == HolderKind::Company => {
            h.identifier.clone().map_or(Value::Empty, Value::Text)
        }
        _ => Value::Empty,
    };
    Ok(vec![
        Value::Text(id(&p.code).to_string()),
        timestamp(stamps.created),
        timestamp(stamps.updated),
        Value::Text(p.title.clone()),
        Value::text(p.description.clone()),
        // The schema counts whole euros: the cost is rounded to the nearest one.
        p.total_cost
            .map_or(Value::Empty, |c| Value::Integer(c.rounded().0 / 100)),
        Value::Empty,
        phase,
        phase_status,
        Value::text(PROGRAMME),
        siret,
        Value::Empty,
        Value::Empty,
        Value::Empty,
        Value::Empty,
        Value::Empty,
        Value::Empty,
        Value::Empty,
        Value::Empty,
        Value::Empty,
        Value::Empty,
        Value::Empty,
    ])
}

/// The fiches, by code, with the stamps `stamps` gives each.
pub fn publish<'a>(
    projects: impl IntoIterator<Item = &'a Project>,
    stamps: impl Fn(&str) -> Option<Stamps>,
) -> Publication {
    let mut projects: Vec<&Project> = projects.into_iter().collect();
    projects.sort_by(|a, b| a.code.cmp(&b.code));
    let mut publication = Publication::default();
    for p in projects {
        publication.push(record(p, stamps(&p.code)));
    }
    publication
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TerritoryId;
    use crate::money::Cents;
    use crate::phase::Phase;
    use crate::portfolio::project::ProjectStatus::*;
    use crate::portfolio::project::{Holder, Outcomes, StatusChange};
    use time::macros::{date, datetime};

    fn fiche(code: &str, holder: Option<Holder>) -> Project {
        Project {
            not_yet_public: false,
            code: code.into(),
            phase: Phase::Second,
            territories: vec![TerritoryId::parse("ti-4415").unwrap()],
            title: "Campus".into(),
            description: String::new(),
            axes: vec![],
            themes: vec![],
            holder,
            total_cost: Some(Cents(250_000_049)),
            expected: Outcomes::default(),
            measured: Outcomes::default(),
            history: vec![StatusChange {
                status: Engaged,
                on: date!(2024 - 03 - 01),
            }],
            source: String::new(),
        }
    }

    #[test]
    fn a_fiche_without_stamps_is_withheld_and_counted_never_invented() {
        let stamped = Stamps {
            created: datetime!(2024-03-01 10:00 UTC),
            updated: datetime!(2024-05-02 08:30:15.5 UTC),
        };
        let company = Holder {
            kind: HolderKind::Company,
            identifier: Some("35600000000048".into()),
            name: "Usine".into(),
        };
        let epci = Holder {
            kind: HolderKind::Epci,
            identifier: Some("245701206".into()),
            name: "CA d'Épinal".into(),
        };
        let fiches = [
            fiche("B", Some(epci)),
            fiche("A", Some(company)),
            fiche("C", None),
        ];
        let published = publish(&fiches, |code| (code != "C").then_some(stamped));
        assert_eq!(published.rows.len(), 2);
        assert_eq!(published.withheld.get(NO_STAMPS), Some(&1));
        let a = &published.rows[0];
        assert_eq!(a[0], Value::Text(id("A").to_string()), "by code");
        assert_eq!(a[1], Value::text("2024-03-01T10:00:00Z"));
        assert_eq!(a[2], Value::text("2024-05-02T08:30:15.5Z"));
        assert_eq!(
            a[4],
            Value::Empty,
            "no description is empty, not blank text"
        );
        assert_eq!(a[5], Value::Integer(2_500_000), "whole euros, rounded");
        assert_eq!(
            (&a[7], &a[8]),
            (&Value::text("Opération"), &Value::text("En cours"))
        );
        assert_eq!(a[10], Value::text("35600000000048"), "a company's SIRET");
        assert_eq!(
            published.rows[1][10],
            Value::Empty,
            "an EPCI's SIREN is no SIRET"
        );
        assert!(published
            .rows
            .iter()
            .all(|r| r.len() == DATASET.fields.len()));
    }

    #[test]
    fn phases_follow_the_status_and_an_abandonment_keeps_its_phase() {
        assert_eq!(phase(&[]), None);
        assert_eq!(phase(&[Idea]), Some(("Idée", "En cours")));
        assert_eq!(phase(&[Idea, InPreparation]), Some(("Étude", "En cours")));
        assert_eq!(
            phase(&[InPreparation, Engaged]),
            Some(("Opération", "En cours"))
        );
        assert_eq!(
            phase(&[Engaged, InProgress, Completed]),
            Some(("Opération", "Terminé"))
        );
        assert_eq!(
            phase(&[Idea, InPreparation, Abandoned]),
            Some(("Étude", "Abandonné"))
        );
        assert_eq!(phase(&[Abandoned]), Some(("Idée", "Abandonné")));
    }

    #[test]
    fn the_identifier_is_stable_and_distinct() {
        assert_eq!(id("TI-44-001"), id("TI-44-001"));
        assert_ne!(id("TI-44-001"), id("TI-44-002"));
        assert_eq!(id("TI-44-001").get_version_num(), 5);
    }
}
