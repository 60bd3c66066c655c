//! A record's history as its page shows it — who, when, how (a form, an import, a token), and what
//! changed, field by field — and the audit log's export for the national team. Histories name people:
//! they are shown to signed-in users only.

use axum::extract::State;
use axum::response::Response;
use serde_json::Value;
use territoires_ingest::spreadsheet::{csv, xlsx, Cell};
use territoires_store::AuditEntry;

use crate::params::Params;
use crate::registry::exports::attachment;
use crate::{AppState, WebError};

/// How many entries a page's history shows.
const SHOWN: i64 = 50;
/// How many audit entries an export reads at a time.
const EXPORT_PAGE: i64 = 5_000;
/// The most entries one export holds; the next one starts after the last `numero` (`?depuis=`).
const EXPORT_MAX: usize = 100_000;

/// One entry of a history, as shown.
pub struct HistoryRow {
    /// When, in French (`24 novembre 2026 à 02 h 41 (UTC)`).
    pub at: String,
    /// Who: an e-mail, a token's name, a command.
    pub who: String,
    /// How: form, import, token.
    pub how: &'static str,
    /// What was done, in French.
    pub action: String,
    /// What it was about (a line's key, a territory).
    pub what: String,
    /// Each changed field: name, before, after (empty when absent).
    pub changes: Vec<(String, String, String)>,
}

/// The latest history of these records (`(entity, key)` pairs) for a signed-in reader; nothing for the
/// public, since it names people.
pub async fn for_reader(
    state: &AppState,
    signed_in: bool,
    subjects: &[(&str, String)],
) -> Result<Vec<HistoryRow>, WebError> {
    if !signed_in {
        return Ok(Vec::new());
    }
    Ok(rows(state.store.history(subjects, SHOWN).await?))
}

/// The rows of `entries`, in their order.
fn rows(entries: Vec<AuditEntry>) -> Vec<HistoryRow> {
    entries
        .into_iter()
        .map(|e| {
            let (who, how) = match e.actor.split_once(':') {
                Some(("user", email)) => (email.to_owned(), "formulaire"),
                Some(("token", name)) => (name.to_owned(), "jeton d'API"),
                _ => (e.actor.clone(), "import ou commande"),
            };
            HistoryRow {
                at: when(&e.at),
                who,
                how,
                action: action_label(&e.action).to_owned(),
                what: e.entity_key.clone(),
                changes: changes(e.before_json.as_deref(), e.after_json.as_deref()),
            }
        })
        .collect()
}

fn when(at: &str) -> String {
    match time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339) {
        Ok(t) => format!(
            "{} à {:02} h {:02} (UTC)",
            territoires_domain::fr::long_date(t.date()),
            t.hour(),
            t.minute()
        ),
        Err(_) => at.to_owned(),
    }
}

pub(crate) fn action_label(action: &str) -> &str {
    match action {
        "record_line_event" => "Engagement, versement ou annulation",
        "record_project_status" => "Statut du projet",
        "import_portfolio" => "Import des projets et financements",
        "create_project" => "Création de la fiche action",
        "edit_project" => "Modification de la fiche action",
        "create_funding_line" => "Nouvelle ligne de financement",
        "edit_funding_line" => "Modification d'une demande de financement",
        "create_funder" => "Nouveau financeur",
        "edit_funder" => "Modification d'un financeur",
        "create_scheme" => "Nouveau dispositif",
        "edit_scheme" => "Modification d'un dispositif",
        "create_envelope" => "Nouvelle enveloppe",
        "edit_envelope" => "Modification d'une enveloppe",
        "record_milestone" => "Jalon",
        "record_appointment" => "Gouvernance",
        "record_attribute" => "Attribut",
        "withdraw_milestone" | "withdraw_appointment" | "withdraw_attribute" => {
            "Retrait d'un enregistrement erroné"
        }
        "record_post" => "Poste de chef de projet",
        "import_territories" => "Import des territoires",
        "change_perimeter" => "Périmètre",
        "rename_territory" => "Nom du territoire",
        "import_brownfields" => "Import de friches",
        other => other,
    }
}

/// The top-level fields that differ between two JSON snapshots, each as (field, before, after); a
/// snapshot that is not an object is one field, `valeur`.
pub fn changes(before: Option<&str>, after: Option<&str>) -> Vec<(String, String, String)> {
    let parse = |s: Option<&str>| -> serde_json::Map<String, Value> {
        match s.map(serde_json::from_str::<Value>) {
            Some(Ok(Value::Object(map))) => map,
            Some(Ok(other)) => [("valeur".to_owned(), other)].into_iter().collect(),
            _ => serde_json::Map::new(),
        }
    };
    let (before, after) = (parse(before), parse(after));
    let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter(|f| before.get(*f) != after.get(*f))
        .map(|f| match (before.get(f), after.get(f)) {
            // A history that grew (a project's statuses): what was added, not the whole list twice.
            (Some(Value::Array(b)), Some(Value::Array(a))) if a.starts_with(b) => (
                label(f),
                String::new(),
                format!(
                    "ajout : {}",
                    a[b.len()..]
                        .iter()
                        .map(flat)
                        .collect::<Vec<_>>()
                        .join(" ; ")
                ),
            ),
            (b, a) => (label(f), shown_as(f, b), shown_as(f, a)),
        })
        // An absent field and a null one read the same: not a change worth a line.
        .filter(|(_, before, after)| before != after)
        .collect()
}

/// A field's name in French, for the fields histories show most.
fn label(field: &str) -> String {
    match field {
        "history" => "statuts",
        "status" => "statut",
        "on" => "date",
        "committed" => "engagé (centimes)",
        "committed_on" => "date d'engagement",
        "paid" => "versé au total (centimes)",
        "paid_on" => "date du versement",
        "cancelled_on" => "date d'annulation",
        "requested" => "demandé (centimes)",
        "requested_on" => "date de la demande",
        "profile" => "profil",
        "amount" => "montant (centimes)",
        "starts_on" => "début",
        "ends_on" => "fin",
        "region" => "région",
        "scheme" => "dispositif",
        "funder" => "financeur",
        "name" => "nom",
        "kind" => "type",
        "title" => "titre",
        "territories" => "territoires",
        "themes" => "thèmes",
        "holder" => "porteur",
        "identifier" => "identifiant",
        "total_cost" => "coût total (centimes)",
        "expected" => "résultats prévus",
        "measured" => "résultats constatés",
        "jobs_created" => "emplois créés",
        "jobs_kept" => "emplois maintenus",
        "investment" => "investissement (centimes)",
        "tco2e_avoided" => "tCO2e évitées",
        "brownfield_hectares" => "hectares de friche",
        "decision_reference" => "référence de décision",
        "instrument" => "nature",
        "over_request_allowed" => "dépassement autorisé",
        "ti_specific" => "spécifique TI",
        "eu_notified" => "notifié à la Commission européenne",
        "siret" => "SIRET",
        "first_paid_on" => "date du premier versement",
        "payment_terms" => "conditions de versement",
        "project" => "projet",
        "not_yet_public" => "pas encore publique",
        "eligibility" => "éligibilité",
        "aid_types" => "types d'aide",
        "targets" => "cibles",
        "coverage" => "couverture géographique",
        "url" => "page de présentation",
        "opens_on" => "date d'ouverture",
        "closes_on" => "date de clôture",
        "occurred_on" => "date",
        "precision" => "précision",
        "related" => "territoires liés",
        "person" => "personne",
        "role" => "rôle",
        "started_on" => "depuis le",
        "employer" => "employeur",
        "opened_on" => "ouverture",
        "closed_on" => "fermeture",
        "cofundings" => "cofinancements",
        "note" => "note",
        other => other,
    }
    .to_owned()
}

/// An item of a list, as `champ : valeur` pairs.
fn flat(v: &Value) -> String {
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{} : {}", label(k), shown(Some(v))))
            .collect::<Vec<_>>()
            .join(", "),
        other => shown(Some(other)),
    }
}

/// A field's value as a short text: the registry's codes (a milestone's kind, its precision, a
/// governance role) in the words of the site.
fn shown_as(field: &str, v: Option<&Value>) -> String {
    use territoires_domain::registry::governance::Role;
    use territoires_domain::registry::milestone::{DatePrecision, MilestoneKind};
    let word = |v: &Value| -> Option<&'static str> {
        match field {
            "kind" => serde_json::from_value::<MilestoneKind>(v.clone())
                .ok()
                .map(MilestoneKind::label),
            "precision" => serde_json::from_value::<DatePrecision>(v.clone())
                .ok()
                .map(DatePrecision::label),
            "role" => serde_json::from_value::<Role>(v.clone())
                .ok()
                .map(Role::label),
            _ => None,
        }
    };
    match v.and_then(word) {
        Some(word) => word.to_owned(),
        None => shown(v),
    }
}

/// A JSON value as a short text.
fn shown(v: Option<&Value>) -> String {
    let text = match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    territoires_domain::error::excerpt(&text, 120)
}

/// Where an audit export starts.
#[derive(serde::Deserialize)]
pub struct AuditQuery {
    /// The last entry number already exported.
    #[serde(default)]
    depuis: i64,
}

/// The columns of the audit exports.
const AUDIT_COLUMNS: [&str; 8] = [
    "numero", "date", "auteur", "action", "objet", "cle", "avant", "apres",
];

/// The audit log after entry `q.depuis`, at most [`EXPORT_MAX`] entries, oldest first, as export rows.
async fn audit_rows(state: &AppState, q: &AuditQuery) -> Result<Vec<Vec<Cell>>, WebError> {
    let mut entries = Vec::new();
    let mut after = q.depuis.max(0);
    while entries.len() < EXPORT_MAX {
        let page = state.store.audit_page(after, EXPORT_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        entries.extend(page);
    }
    Ok(entries
        .into_iter()
        .map(|e| {
            vec![
                Cell::Count(Some(e.id)),
                Cell::text(e.at),
                Cell::text(e.actor),
                Cell::text(e.action),
                Cell::text(e.entity),
                Cell::text(e.entity_key),
                Cell::text(e.before_json.unwrap_or_default()),
                Cell::text(e.after_json.unwrap_or_default()),
            ]
        })
        .collect())
}

/// `GET /journal.csv?depuis=N`: the audit log after entry `N`, at most 100,000 entries, oldest first, for
/// the national team (spreadsheet formulas neutralised).
pub async fn audit_csv(
    State(state): State<AppState>,
    Params(q): Params<AuditQuery>,
) -> Result<Response, WebError> {
    let body = csv(&AUDIT_COLUMNS, audit_rows(&state, &q).await?);
    Ok(attachment(
        "text/csv; charset=utf-8",
        "journal.csv".into(),
        body,
    ))
}

/// `GET /journal.xlsx?depuis=N`: the same entries as a workbook (text cells are never formulas).
pub async fn audit_xlsx(
    State(state): State<AppState>,
    Params(q): Params<AuditQuery>,
) -> Result<Response, WebError> {
    let body = xlsx("journal", &AUDIT_COLUMNS, audit_rows(&state, &q).await?)
        .map_err(|e| WebError::Export(e.to_string()))?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "journal.xlsx".into(),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_changed_fields_are_shown_before_and_after() {
        let before = r#"{"committed": null, "paid": 100, "funder": "bpifrance"}"#;
        let after = r#"{"committed": 500, "paid": 100, "funder": "bpifrance", "committed_on": "2020-06-01"}"#;
        assert_eq!(
            changes(Some(before), Some(after)),
            vec![
                ("engagé (centimes)".into(), String::new(), "500".into()),
                (
                    "date d'engagement".into(),
                    String::new(),
                    "2020-06-01".into()
                ),
            ]
        );
        assert_eq!(
            changes(None, Some(r#"{"holder": null, "phase": "2018-2022"}"#)),
            vec![("phase".into(), String::new(), "2018-2022".into())],
            "nothing said of a field absent before and null after"
        );
        assert_eq!(
            changes(None, Some(r#""texte""#)),
            vec![("valeur".into(), String::new(), "texte".into())]
        );
    }

    #[test]
    fn a_list_that_grew_shows_what_was_added() {
        let before = r#"{"history": [{"on": "2019-11-19", "status": "en_preparation"}]}"#;
        let after = r#"{"history": [{"on": "2019-11-19", "status": "en_preparation"}, {"on": "2020-03-01", "status": "engage"}]}"#;
        assert_eq!(
            changes(Some(before), Some(after)),
            vec![(
                "statuts".into(),
                String::new(),
                "ajout : date : 2020-03-01, statut : engage".into()
            )]
        );
    }

    #[test]
    fn long_values_are_cut() {
        let long = format!(r#"{{"note": "{}"}}"#, "é".repeat(300));
        let (_, _, after) = &changes(None, Some(&long))[0];
        assert_eq!(after.chars().count(), 121);
    }
}
