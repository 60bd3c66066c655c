use time::macros::date;

use super::*;
use crate::money::Cents;
use crate::portfolio::funding::Instrument;
use crate::portfolio::project::Axis;

const TODAY: time::Date = date!(2026 - 11 - 24);

fn draft() -> ProjectDraft {
    ProjectDraft {
        code: "GE-2026-HYDRO".into(),
        phase: "2023-2027".into(),
        titre: "Vallée de l'hydrogène".into(),
        territoires: vec!["ti-4401, ti-4402".into()],
        axes: vec!["innovation".into(), "foncier".into()],
        themes: vec!["Hydrogène; friche".into()],
        statut: "en_preparation".into(),
        date_statut: "19/11/2026".into(),
        porteur_type: "entreprise".into(),
        porteur_nom: "Hydrogène de l'Est".into(),
        porteur_identifiant: "120 027 016 00357".into(),
        cout_total: "1 200 000,50".into(),
        emplois_crees_prevus: "40".into(),
        ..ProjectDraft::default()
    }
}

#[test]
fn a_complete_draft_reads_into_a_fiche_action() {
    let p = draft().read_new(TODAY).unwrap();
    assert_eq!(p.territories.len(), 2);
    assert_eq!(p.axes, vec![Axis::Innovation, Axis::Land]);
    assert_eq!(p.themes, vec!["hydrogène", "friche"]);
    assert_eq!(p.total_cost, Some(Cents(120_000_050)));
    assert_eq!(p.expected.jobs_created, Some(40));
    assert_eq!(p.expected.jobs_kept, None, "unknown stays unknown");
    assert_eq!(
        p.holder.unwrap().identifier.as_deref(),
        Some("12002701600357")
    );
    assert_eq!(p.history[0].status, ProjectStatus::InPreparation);
    assert_eq!(p.source, "saisie");
}

#[test]
fn every_wrong_field_is_named_with_its_value() {
    let d = ProjectDraft {
        code: "avec espace".into(),
        titre: " ".into(),
        territoires: vec!["ti-44".into()],
        axes: vec!["attirer".into()],
        porteur_identifiant: "12002701600358".into(),
        cout_total: "beaucoup".into(),
        emplois_crees_mesures: "-3".into(),
        date_statut: "2027-01-01".into(),
        ..draft()
    };
    let errors = d.read_new(TODAY).unwrap_err();
    for field in [
        "code",
        "titre",
        "territoires",
        "axes",
        "porteur_identifiant",
        "cout_total",
        "emplois_crees_mesures",
        "date_statut",
    ] {
        assert!(errors.get(field).is_some(), "{field}: {errors}");
    }
    assert!(errors.get("territoires").unwrap().contains("« ti-44 »"));
    assert!(errors.get("axes").unwrap().contains("n'existe pas en"));
    assert!(errors
        .get("porteur_identifiant")
        .unwrap()
        .contains("clé de contrôle"));
    assert!(errors.get("date_statut").unwrap().contains("à venir"));
}

#[test]
fn an_edit_keeps_code_phase_and_history() {
    let stored = draft().read_new(TODAY).unwrap();
    let mut d = ProjectDraft::of(&stored, 3);
    assert_eq!(d.cout_total, "1200000,50");
    d.code = "AUTRE".into();
    d.titre = "Nouveau titre".into();
    let edited = d.read_edit(&stored).unwrap();
    assert_eq!(edited.code, stored.code);
    assert_eq!(edited.history, stored.history);
    assert_eq!(edited.title, "Nouveau titre");
    assert_eq!(edited.total_cost, stored.total_cost);
    assert_eq!(
        ProjectDraft::of(&edited, 4).read_edit(&edited).unwrap(),
        edited,
        "a form filled from a record reads back into it"
    );
}

#[test]
fn json_numbers_and_check_boxes_read_like_typed_text() {
    let d: LineDraft = serde_json::from_value(serde_json::json!({
        "financeur": "bpifrance", "nature": "subvention", "reference_decision": "D-1",
        "montant_demande": 150000, "date_demande": "2026-03-01", "depassement_autorise": true
    }))
    .unwrap();
    let line = d.read_new("P", TODAY).unwrap();
    assert_eq!(line.requested, Cents(15_000_000));
    assert!(line.over_request_allowed);
    assert_eq!(line.instrument, Instrument::Grant);
    assert_eq!(line.committed, None);
}

#[test]
fn a_line_commitment_goes_with_its_date_and_within_the_request() {
    let d = LineDraft {
        financeur: "bpifrance".into(),
        nature: "pret".into(),
        reference_decision: "D-2".into(),
        montant_demande: "100 000".into(),
        date_demande: "2026-03-01".into(),
        montant_engage: "80000".into(),
        ..LineDraft::default()
    };
    let errors = d.read_new("P", TODAY).unwrap_err();
    assert!(errors.get("date_engagement").is_some(), "{errors}");
    let over = LineDraft {
        montant_engage: "120000".into(),
        date_engagement: "2026-04-01".into(),
        ..d
    };
    let errors = over.read_new("P", TODAY).unwrap_err();
    assert!(
        errors.get("").unwrap().contains("supérieur au demandé"),
        "{errors}"
    );
}

#[test]
fn a_line_edit_keeps_its_key_and_events() {
    let stored = LineDraft {
        financeur: "bdt".into(),
        nature: "subvention".into(),
        reference_decision: "BDT-9".into(),
        montant_demande: "50000".into(),
        date_demande: "2026-01-10".into(),
        montant_engage: "40000".into(),
        date_engagement: "2026-02-01".into(),
        ..LineDraft::default()
    }
    .read_new("P", TODAY)
    .unwrap();
    let mut d = LineDraft::of(&stored, 2);
    d.financeur = "autre".into();
    d.montant_demande = "30000".into();
    let errors = d.read_edit(&stored, TODAY).unwrap_err();
    assert!(
        errors.get("").unwrap().contains("supérieur au demandé"),
        "a request below the commitment is refused: {errors}"
    );
    d.montant_demande = "60000".into();
    let edited = d.read_edit(&stored, TODAY).unwrap();
    assert_eq!(edited.funder, "bdt");
    assert_eq!(edited.committed, Some(Cents(4_000_000)));
}

#[test]
fn funders_schemes_and_envelopes_read_and_name_their_fields() {
    let f = FunderDraft {
        code: "ademe".into(),
        nom: "Ademe".into(),
        kind: "operateur".into(),
        ..FunderDraft::default()
    };
    assert_eq!(f.read().unwrap().name, "Ademe");
    let bad = FunderDraft {
        kind: "banque".into(),
        ..f
    };
    assert!(bad
        .read()
        .unwrap_err()
        .get("type")
        .unwrap()
        .contains("banque"));
    let s = SchemeDraft {
        code: "fonds-vert".into(),
        nom: "Fonds vert".into(),
        financeur: "etat".into(),
        specifique_ti: true,
        ..SchemeDraft::default()
    };
    assert!(s.read().unwrap().ti_specific);
    let e = EnvelopeDraft {
        code: "fv-44".into(),
        dispositif: "fonds-vert".into(),
        region: "44".into(),
        debut: "2026-01-01".into(),
        fin: "2025-12-31".into(),
        montant: "deux millions".into(),
        ..EnvelopeDraft::default()
    };
    let errors = e.read().unwrap_err();
    assert!(errors.get("fin").unwrap().contains("précède"), "{errors}");
    assert!(errors.get("montant").is_some(), "{errors}");
    let e = EnvelopeDraft {
        fin: "2026-12-31".into(),
        montant: "2000000".into(),
        ..e
    };
    let envelope = e.read().unwrap();
    assert_eq!(EnvelopeDraft::of(&envelope, 1).read().unwrap(), envelope);
}

#[test]
fn messages_never_echo_a_whole_pasted_text() {
    let d = ProjectDraft {
        cout_total: "x".repeat(10_000),
        ..draft()
    };
    let errors = d.read_new(TODAY).unwrap_err();
    assert!(errors.get("cout_total").unwrap().len() < 300);
}

#[test]
fn a_yes_no_that_is_neither_is_refused_with_its_value_never_read_as_no() {
    let err = serde_json::from_str::<SchemeDraft>(r#"{"specifique_ti":"abc"}"#).unwrap_err();
    assert!(
        err.to_string().contains("« abc » : attendu oui ou non"),
        "{err}"
    );
    for (given, read) in [
        (r#""non""#, false),
        ("true", true),
        (r#""on""#, true),
        ("null", false),
    ] {
        let d: SchemeDraft =
            serde_json::from_str(&format!(r#"{{"specifique_ti":{given}}}"#)).unwrap();
        assert_eq!(d.specifique_ti, read, "{given}");
    }
    let scheme = SchemeDraft {
        code: "fa".into(),
        nom: "Fonds".into(),
        financeur: "bpifrance".into(),
        notification_ue: "peut-être".into(),
        ..Default::default()
    };
    let errors = scheme.read().unwrap_err();
    let message = errors.get("notification_ue").unwrap();
    assert!(
        message.contains("peut-être"),
        "the value is named: {message}"
    );
    let stated = SchemeDraft {
        notification_ue: "Oui".into(),
        ..scheme
    };
    assert_eq!(stated.read().unwrap().eu_notified, Some(true));
}

#[test]
fn an_object_or_a_list_where_text_is_expected_is_refused_in_french() {
    for given in [r#"{"a": 1}"#, "[1, 2]"] {
        let err = serde_json::from_str::<ProjectDraft>(&format!(r#"{{"titre":{given}}}"#))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("attendu du texte, un nombre ou oui/non"),
            "{given}: {err}"
        );
    }
}
