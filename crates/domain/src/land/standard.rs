//! What a value must be to stand in a CNIG Table Schema (the *friches* standard's): its type, its list of
//! allowed values, its grammar. The schema is read from its published JSON (never copied), so the rules
//! follow the standard's version. A value written otherwise than the standard (case, accents, a
//! typographic apostrophe, a French date) is written back the standard's way; a value that cannot be is
//! kept as the source gave it but left out of the standard's export, and the import report says so.
//!
//! The standard's list patterns (`activite_code`, `proprio_type`, `unite_fonciere_refcad`…) are written with
//! back-references that backtrack exponentially on a long wrong list; the same grammar is checked here
//! element by element, in linear time.

use serde::Deserialize;

use time::Date;

use super::brownfield::{Brownfield, Point};
use crate::fr::{iso_date, read_date, read_whole_number};
use crate::search::search_key;
use crate::DomainError;

/// A Table Schema, as far as conformity needs it.
#[derive(Debug, Clone)]
pub struct StandardSchema {
    fields: Vec<FieldRule>,
}

/// One field's rule.
#[derive(Debug, Clone, Deserialize)]
struct FieldRule {
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    constraints: Constraints,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Constraints {
    #[serde(default)]
    required: bool,
    #[serde(rename = "enum", default)]
    allowed: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct SchemaFile {
    fields: Vec<FieldRule>,
}

impl StandardSchema {
    /// Reads a Table Schema's JSON text.
    pub fn from_json(text: &str) -> Result<Self, DomainError> {
        let file: SchemaFile = serde_json::from_str(text)
            .map_err(|e| DomainError::Rule(format!("schéma de données illisible : {e}")))?;
        Ok(StandardSchema {
            fields: file.fields,
        })
    }

    /// The schema's field names, in order.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.name.as_str())
    }

    /// Whether the standard requires the field.
    pub fn is_required(&self, field: &str) -> bool {
        self.rule(field).is_some_and(|r| r.constraints.required)
    }

    fn rule(&self, field: &str) -> Option<&FieldRule> {
        self.fields.iter().find(|f| f.name == field)
    }

    /// `value` as the standard writes it, or `None` when it cannot stand there (or the field is not the
    /// standard's). Missing values (`NA`, empty) give `None` too.
    pub fn conform(&self, field: &str, value: &str) -> Option<String> {
        let rule = self.rule(field)?;
        let value = value.trim();
        if is_missing(value) {
            return None;
        }
        if let Some(allowed) = &rule.constraints.allowed {
            let key = search_key(&value.replace('’', "'"));
            return allowed.iter().find(|a| search_key(a) == key).cloned();
        }
        if let Some(words) = list_words(field) {
            let elements: Option<Vec<&str>> = value
                .split('|')
                .map(|e| {
                    words
                        .iter()
                        .copied()
                        .find(|w| search_key(w) == search_key(e))
                })
                .collect();
            return elements.map(|e| e.join("|"));
        }
        let written = match (rule.kind.as_str(), rule.format.as_deref()) {
            ("date", Some("%Y")) => year(value)?,
            ("date", _) => crate::fr::iso_date(read_date("date", value).ok()?),
            ("integer", _) => read_whole_number(value)?.to_string(),
            ("number", _) => value
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(|_| value.replace(',', "."))?,
            _ => value.to_owned(),
        };
        grammar(field, &written).then_some(written)
    }
}

/// The Table Schema's missing values (`missingValues` of the CNIG schemas).
pub fn is_missing(value: &str) -> bool {
    matches!(value.trim(), "" | "NA" | "NaN" | "N/A")
}

/// A year `AAAA` (a spreadsheet may add `.0`).
fn year(value: &str) -> Option<String> {
    let v = value.strip_suffix(".0").unwrap_or(value);
    (v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit())).then(|| v.to_owned())
}

/// The grammar of the standard's patterned fields, element by element.
fn grammar(field: &str, value: &str) -> bool {
    let each = |ok: fn(&[u8]) -> bool| value.split('|').all(|e| ok(e.as_bytes()));
    let url = |e: &str| {
        (e.starts_with("http://") || e.starts_with("https://"))
            && !e.chars().any(|c| c.is_whitespace() || c == '|')
    };
    match field {
        // B05.10Z: a section letter, two digits, any character, two digits, a letter.
        "activite_code" => each(|e| {
            e.len() == 7
                && e[0].is_ascii_uppercase()
                && e[1..3].iter().all(u8::is_ascii_digit)
                && e[4..6].iter().all(u8::is_ascii_digit)
                && e[6].is_ascii_uppercase()
        }),
        // G1a: a capital, a digit, a small letter.
        "proprio_type" => each(|e| {
            e.len() == 3
                && e[0].is_ascii_uppercase()
                && e[1].is_ascii_digit()
                && e[2].is_ascii_lowercase()
        }),
        // 12083000AH0035: département (2 of 0-9, A, B), six digits, section (2 of 0-9, A-Z), four digits.
        "unite_fonciere_refcad" => each(|e| {
            e.len() == 14
                && e[..2]
                    .iter()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'A' | b'B'))
                && e[2..8].iter().all(u8::is_ascii_digit)
                && e[8..10]
                    .iter()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
                && e[10..].iter().all(u8::is_ascii_digit)
        }),
        // Three distances in km: 2|6|46.
        "desserte_distance" => {
            let parts: Vec<&str> = value.split('|').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        }
        "site_url" => value.split('|').all(url),
        "site_ademe_url" | "sol_depollution_fiche" => url(value),
        "site_projet_url" => url(value) || is_email(value),
        _ => true,
    }
}

fn is_email(value: &str) -> bool {
    value.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !value.chars().any(char::is_whitespace)
    })
}

/// The words of the standard's word-list fields (`industriel|commercial`), for their elements.
fn list_words(field: &str) -> Option<&'static [&'static str]> {
    match field {
        "bati_type" => Some(&[
            "industriel",
            "commercial",
            "résidentiel",
            "secteur tertiaire",
            "inconnu",
            "autre",
            "sans objet",
        ]),
        "proprio_personne" => Some(&[
            "personne physique",
            "personne morale",
            "inconnu",
            "autre",
            "sans objet",
        ]),
        _ => None,
    }
}

/// A brownfield's row in the standard's export, in `schema`'s field order: what the platform read (id,
/// name, commune, status, point, surfaces, source) and the other fields the source gave, each written the
/// standard's way or left empty. A required field nobody gave is `inconnu` where the standard allows it;
/// its dates are the first and last days the site's status is known as of (`known`).
pub fn brownfield_row(
    schema: &StandardSchema,
    site: &Brownfield,
    known: (Date, Date),
    commune_name: Option<&str>,
) -> Vec<String> {
    let given = |field: &str| {
        site.standard
            .get(field)
            .and_then(|v| schema.conform(field, v))
    };
    schema
        .fields
        .iter()
        .map(|rule| {
            let field = rule.name.as_str();
            let typed = match field {
                "site_id" => Some(site.site_id.clone()),
                "site_nom" => site.name.clone(),
                "site_statut" => Some(site.status.label().to_owned()),
                "comm_insee" => Some(site.commune.to_string()),
                "comm_nom" => commune_name.map(str::to_owned).or_else(|| given(field)),
                "geompoint" => site.point.map(Point::wkt),
                "unite_fonciere_surface" => site.land_area_m2.map(|a| a.to_string()),
                "bati_surface" => site.built_area_m2.map(|a| a.to_string()),
                "source_nom" => site.source.clone(),
                "site_identif_date" => given(field).or_else(|| Some(iso_date(known.0))),
                "site_actu_date" => given(field).or_else(|| Some(iso_date(known.1))),
                _ => given(field),
            };
            typed.unwrap_or_else(|| {
                let unknown = rule.constraints.required
                    && rule
                        .constraints
                        .allowed
                        .as_ref()
                        .is_none_or(|a| a.iter().any(|v| v == "inconnu"));
                if unknown {
                    "inconnu".to_owned()
                } else {
                    String::new()
                }
            })
        })
        .collect()
}

/// The fields a source gave that cannot stand in the standard's export, with their values (the
/// import report lists them: they are kept, not exported).
pub fn left_out<'a>(schema: &StandardSchema, site: &'a Brownfield) -> Vec<(&'a str, &'a str)> {
    site.standard
        .iter()
        .filter(|(field, value)| !is_missing(value) && schema.conform(field, value).is_none())
        .map(|(f, v)| (f.as_str(), v.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> StandardSchema {
        StandardSchema::from_json(
            r#"{"fields": [
              {"name": "site_type", "type": "string", "constraints": {"required": true, "enum": ["friche industrielle", "friche d'habitat", "inconnu"]}},
              {"name": "site_identif_date", "type": "date", "format": "%Y-%m-%d", "constraints": {"required": true}},
              {"name": "site_reconv_annee", "type": "date", "format": "%Y"},
              {"name": "bati_nombre", "type": "integer"},
              {"name": "proprio_type", "type": "string", "constraints": {"pattern": "…"}},
              {"name": "unite_fonciere_refcad", "type": "string"},
              {"name": "activite_code", "type": "string"},
              {"name": "desserte_distance", "type": "string"},
              {"name": "site_projet_url", "type": "string"},
              {"name": "bati_type", "type": "string"}
            ]}"#,
        )
        .unwrap()
    }

    #[test]
    fn values_are_written_the_standards_way_or_left_out() {
        let s = schema();
        assert_eq!(
            s.conform("site_type", "Friche d’habitat").as_deref(),
            Some("friche d'habitat")
        );
        assert_eq!(s.conform("site_type", "mixte"), None);
        assert_eq!(
            s.conform("site_identif_date", "19/01/2023").as_deref(),
            Some("2023-01-19")
        );
        assert_eq!(s.conform("site_identif_date", "NA"), None);
        assert_eq!(
            s.conform("site_reconv_annee", "2022.0").as_deref(),
            Some("2022")
        );
        assert_eq!(s.conform("bati_nombre", "1 200").as_deref(), Some("1200"));
        assert_eq!(s.conform("bati_nombre", "beaucoup"), None);
        assert_eq!(s.conform("couleur", "bleu"), None);
        assert!(s.is_required("site_type") && !s.is_required("bati_nombre"));
    }

    #[test]
    fn list_fields_are_checked_element_by_element_in_linear_time() {
        let s = schema();
        assert!(s.conform("proprio_type", "P4a|G1a|Z2b").is_some());
        // A long wrong list: the standard's own pattern backtracks exponentially on it.
        let long = format!("{}|NULL", vec!["E1a"; 40].join("|"));
        assert_eq!(s.conform("proprio_type", &long), None);
        assert!(s
            .conform("unite_fonciere_refcad", "12083000AH0035|2B2930000D0625")
            .is_some());
        assert_eq!(s.conform("unite_fonciere_refcad", "5,62E+184"), None);
        assert!(s.conform("activite_code", "B05.10Z|V89.04Z").is_some());
        assert!(s.conform("desserte_distance", "2|6|46").is_some());
        assert_eq!(s.conform("desserte_distance", "2|6"), None);
        assert!(s.conform("site_projet_url", "contact@ville.fr").is_some());
        assert_eq!(s.conform("site_projet_url", "www.ville.fr"), None);
        assert_eq!(
            s.conform("bati_type", "residentiel|Industriel").as_deref(),
            Some("résidentiel|industriel")
        );
        assert_eq!(s.conform("bati_type", "hangar"), None);
    }
}
