use time::macros::date;

use super::*;
use crate::money::Cents;
use crate::registry::governance::Role;
use crate::registry::milestone::MilestoneKind;

#[test]
fn a_milestone_reads_french_dates_and_successors_given_either_way() {
    let draft = MilestoneDraft {
        evenement: "gouvernance_installee".into(),
        date: "19/11/2024".into(),
        successeurs: vec!["ti-4401 | ti-4402".into(), "ti-4403".into()],
        source: "  compte rendu ".into(),
        ..MilestoneDraft::default()
    };
    let m = draft.read().unwrap();
    assert_eq!(m.kind, MilestoneKind::GovernanceInstalled);
    assert_eq!(m.occurred_on, date!(2024 - 11 - 19));
    assert_eq!(m.precision, DatePrecision::Exact, "no precision is exact");
    assert_eq!(m.related.len(), 3);
    assert_eq!(m.source, "compte rendu");
}

#[test]
fn every_problem_of_a_milestone_is_named_by_its_field() {
    let draft = MilestoneDraft {
        evenement: "inauguration".into(),
        date: "31/02/2024".into(),
        precision: "environ".into(),
        successeurs: vec!["nowhere".into()],
        ..MilestoneDraft::default()
    };
    let errors = draft.read().unwrap_err();
    for field in ["evenement", "date", "precision", "successeurs"] {
        assert!(errors.get(field).is_some(), "{field}: {errors}");
    }
    assert!(errors.get("date").unwrap().contains("31/02/2024"));
}

#[test]
fn an_appointment_without_a_person_is_a_vacant_seat() {
    let a = AppointmentDraft {
        role: "chef_de_projet".into(),
        date: "2024-03-01".into(),
        personne: "  ".into(),
        organisation: "CC du Pays de Bitche".into(),
    }
    .read()
    .unwrap();
    assert_eq!(a.role, Role::ChefDeProjet);
    assert_eq!(a.person, None);
    let errors = AppointmentDraft::default().read().unwrap_err();
    assert!(errors.get("role").unwrap().contains("à renseigner"));
    assert!(errors.get("date").is_some());
}

#[test]
fn a_tag_event_needs_its_tag_and_an_unknown_event_is_named() {
    let tag = AttributeDraft {
        evenement: "etiquette".into(),
        date: "2024-01-15".into(),
        etiquette: "Ports".into(),
        ..AttributeDraft::default()
    }
    .read()
    .unwrap();
    assert_eq!(tag.attribute, Attribute::Tag("ports".into()));
    assert!(tag.present);
    let missing = AttributeDraft {
        evenement: "fin_etiquette".into(),
        date: "2024-01-15".into(),
        ..AttributeDraft::default()
    }
    .read()
    .unwrap_err();
    assert!(missing.get("etiquette").is_some());
    let unknown = AttributeDraft {
        evenement: "rural".into(),
        ..AttributeDraft::default()
    }
    .read()
    .unwrap_err();
    assert!(unknown.get("evenement").unwrap().contains("rural"));
    assert!(unknown.get("date").is_some());
}

#[test]
fn a_withdrawal_names_its_record_and_needs_a_reason() {
    let w = WithdrawalDraft {
        kind: "designation".into(),
        enregistrement: "12".into(),
        date: "2024-07-01".into(),
        motif: "saisie en double".into(),
    }
    .read()
    .unwrap();
    assert_eq!(w.kind, RecordKind::Appointment);
    assert_eq!(w.record, 12);
    assert_eq!(w.withdrawal.on, date!(2024 - 07 - 01));
    let errors = WithdrawalDraft {
        kind: "projet".into(),
        enregistrement: "-3".into(),
        date: "hier".into(),
        motif: "oups".into(),
    }
    .read()
    .unwrap_err();
    for field in ["type", "enregistrement", "date", "motif"] {
        assert!(errors.get(field).is_some(), "{field}: {errors}");
    }
}

#[test]
fn a_post_reads_its_cofundings_and_names_a_bad_one_by_its_row() {
    let cofunding = |financeur: &str, montant: &str| CofundingDraft {
        financeur: financeur.into(),
        montant: montant.into(),
        debut: "01/01/2024".into(),
        fin: "31/12/2024".into(),
    };
    let post = PostDraft {
        employeur: "PETR du Pays de Bitche".into(),
        ouvert_le: "2023-09-01".into(),
        cofinancements: vec![
            cofunding("bdt", "40 000"),
            CofundingDraft::default(),
            cofunding("region-44", "12 500,50 €"),
        ],
        ..PostDraft::default()
    }
    .read()
    .unwrap();
    assert_eq!(post.opened_on, date!(2023 - 09 - 01));
    assert_eq!(post.closed_on, None);
    assert_eq!(post.cofundings.len(), 2, "the blank row is skipped");
    assert_eq!(post.cofundings[1].amount, Cents(1_250_050));

    let errors = PostDraft {
        ouvert_le: "bientôt".into(),
        cofinancements: vec![cofunding("bdt", "40 000"), cofunding("", "beaucoup")],
        ..PostDraft::default()
    }
    .read()
    .unwrap_err();
    for field in [
        "employeur",
        "ouvert_le",
        "cofinancements.2.financeur",
        "cofinancements.2.montant",
    ] {
        assert!(errors.get(field).is_some(), "{field}: {errors}");
    }
    assert!(errors.get("cofinancements.1.montant").is_none());
}
