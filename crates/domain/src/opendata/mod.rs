//! Open data: the programme's records as the public may reuse them, each dataset in a national schema of
//! schema.data.gouv.fr (a Table Schema) under the *Licence Ouverte 2.0*.
//!
//! A dataset is a list of typed fields and rows of [`Value`]s. A record that lacks a fact the schema
//! requires is not published with an invented value: it is withheld, and the count of withheld records,
//! by reason, is published beside the dataset (see [`Publication`]).

pub mod communes;
pub mod envelopes;
pub mod projects;
pub mod schemes;
pub mod subsidies;
pub mod territories;

use std::collections::BTreeMap;

/// The licence of every dataset.
pub const LICENCE: &str = "Licence Ouverte 2.0 (Etalab)";

/// Where the licence is read.
pub const LICENCE_URL: &str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";

/// A published value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Not known or not applicable: an empty cell, `null` in JSON — never a zero.
    Empty,
    /// Text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A decimal number, `units` × 10^-`scale` (amounts in euros and cents: exact, never a float).
    Decimal {
        /// The number without its decimal point.
        units: i64,
        /// How many of its digits are decimals.
        scale: u32,
    },
    /// A yes or no, written in the words the schema gives (`trueValues`, `falseValues`).
    Boolean {
        /// The value.
        value: bool,
        /// How the schema writes it in text: (true, false).
        words: (&'static str, &'static str),
    },
    /// A list of texts.
    List(Vec<String>),
}

impl Value {
    /// An amount in euros, to the cent.
    pub fn euros(amount: crate::money::Cents) -> Value {
        Value::Decimal {
            units: amount.0,
            scale: 2,
        }
    }

    /// The value as the text of a CSV cell (before any spreadsheet neutralisation): a decimal with a
    /// point and no trailing zeros, a yes or no in the schema's words.
    pub fn plain_text(&self) -> Option<String> {
        match self {
            Value::Empty => None,
            Value::Text(s) => Some(s.clone()),
            Value::Integer(n) => Some(n.to_string()),
            Value::Decimal { units, scale } => Some(decimal(*units, *scale)),
            Value::Boolean { value, words } => Some(if *value { words.0 } else { words.1 }.into()),
            Value::List(items) => Some(items.join(", ")),
        }
    }

    /// Text, or [`Value::Empty`] when it is blank.
    pub fn text(s: impl Into<String>) -> Value {
        let s = s.into();
        if s.trim().is_empty() {
            Value::Empty
        } else {
            Value::Text(s)
        }
    }
}

/// `units` × 10^-`scale` written with a point, without trailing zeros (`47800.2`, `1`).
fn decimal(units: i64, scale: u32) -> String {
    let base = 10_i64.pow(scale);
    let sign = if units < 0 { "-" } else { "" };
    let (whole, fraction) = (
        units.unsigned_abs() / base as u64,
        units.unsigned_abs() % base as u64,
    );
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:0width$}", width = scale as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// The schema a dataset follows: a national one of schema.data.gouv.fr, or, where none exists for the
/// programme's records, the platform's own, published beside the dataset as a Table Schema.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Its name (on schema.data.gouv.fr for a national one).
    pub name: &'static str,
    /// The version followed.
    pub version: &'static str,
    /// Where it is documented.
    pub url: &'static str,
    /// The platform's own schema's fields; `None` for a national schema.
    pub own: Option<&'static [OwnField]>,
}

/// A field of a schema the platform publishes itself.
#[derive(Debug, Clone, Copy)]
pub struct OwnField {
    /// Its name.
    pub name: &'static str,
    /// Its Table Schema type (`string`, `integer`, `date`, `array`).
    pub kind: &'static str,
    /// What it holds.
    pub description: &'static str,
    /// Whether every row has it.
    pub required: bool,
    /// The pattern its text follows, if any.
    pub pattern: Option<&'static str>,
}

impl OwnField {
    /// A field without pattern.
    pub const fn new(
        name: &'static str,
        kind: &'static str,
        description: &'static str,
        required: bool,
    ) -> OwnField {
        OwnField {
            name,
            kind,
            description,
            required,
            pattern: None,
        }
    }

    /// The field, its text following `pattern`.
    pub const fn matching(self, pattern: &'static str) -> OwnField {
        OwnField {
            pattern: Some(pattern),
            ..self
        }
    }
}

/// The phase of a row, in the datasets published per phase and territory.
pub(crate) const PHASE_FIELD: OwnField = OwnField::new(
    "phase",
    "string",
    "Phase du programme : 2018-2022 ou 2023-2027.",
    true,
)
.matching("^(2018-2022|2023-2027)$");

/// The territory of a row, in the datasets published per phase and territory.
pub(crate) const TERRITORY_ID_FIELD: OwnField = OwnField::new(
    "id_territoire",
    "string",
    "Identifiant ANCT du territoire (ti-4401).",
    true,
);

/// The day a dataset read "on the day" (the perimeters in force) was read.
pub(crate) const SITUATION_FIELD: OwnField = OwnField::new(
    "date_situation",
    "date",
    "Date à laquelle le périmètre est lu.",
    true,
);

impl Dataset {
    /// The platform's own schema of the dataset as a Table Schema (JSON), `None` for a national one.
    pub fn table_schema(&self) -> Option<serde_json::Value> {
        let own = self.schema.own?;
        let fields: Vec<serde_json::Value> = own
            .iter()
            .map(|f| {
                let mut constraints = serde_json::json!({ "required": f.required });
                if let Some(pattern) = f.pattern {
                    constraints["pattern"] = pattern.into();
                }
                serde_json::json!({
                    "name": f.name,
                    "type": f.kind,
                    "description": f.description,
                    "constraints": constraints,
                })
            })
            .collect();
        Some(serde_json::json!({
            "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
            "name": self.schema.name,
            "title": self.title,
            "description": self.description,
            "version": self.schema.version,
            "licenses": [{ "name": "etalab-2.0", "title": LICENCE, "path": LICENCE_URL }],
            "missingValues": [""],
            "fields": fields,
        }))
    }
}

/// A dataset of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Dataset {
    /// Its name in URLs (`/donnees/{slug}.csv`).
    pub slug: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What it holds, in a sentence.
    pub description: &'static str,
    /// The schema it follows.
    pub schema: Schema,
    /// Its fields' names, in the schema's order (each value carries its type, see [`Value`]).
    pub fields: &'static [&'static str],
    /// Whether its rows are places, each with a shape: then it is also published as GeoJSON.
    pub places: bool,
}

/// Every dataset published in a national schema.
pub const DATASETS: &[Dataset] = &[
    territories::DATASET,
    communes::DATASET,
    projects::DATASET,
    subsidies::DATASET,
    schemes::DATASET,
    envelopes::DATASET,
];

/// The dataset named `slug`.
pub fn dataset(slug: &str) -> Option<&'static Dataset> {
    DATASETS.iter().find(|d| d.slug == slug)
}

/// Why a record is not published.
pub type Reason = &'static str;

/// A dataset's rows, and the records withheld with their reasons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Publication {
    /// The published rows, each with one value per field.
    pub rows: Vec<Vec<Value>>,
    /// Records withheld, counted by reason.
    pub withheld: BTreeMap<Reason, usize>,
    /// Where each row lies, for a dataset of places (its GeoJSON): a GeoJSON geometry, `None` where the
    /// shape is not known; empty for the other datasets.
    pub geometries: Vec<Option<String>>,
}

impl Publication {
    /// Adds a record: its row, or the reason it is withheld.
    pub fn push(&mut self, record: Result<Vec<Value>, Reason>) {
        match record {
            Ok(row) => self.rows.push(row),
            Err(reason) => *self.withheld.entry(reason).or_default() += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_own_schema_names_the_datasets_fields_in_order() {
        for d in DATASETS {
            match d.schema.own {
                Some(own) => {
                    let names: Vec<&str> = own.iter().map(|f| f.name).collect();
                    assert_eq!(names, d.fields, "{}", d.slug);
                    let schema = d.table_schema().unwrap();
                    assert_eq!(schema["fields"].as_array().unwrap().len(), d.fields.len());
                }
                None => assert!(d.table_schema().is_none()),
            }
        }
    }

    #[test]
    fn decimals_are_written_exactly_with_a_point() {
        let text = |units, scale| Value::Decimal { units, scale }.plain_text().unwrap();
        assert_eq!(text(4_780_020, 2), "47800.2");
        assert_eq!(text(100, 2), "1");
        assert_eq!(text(5, 2), "0.05");
        assert_eq!(text(-1_050, 2), "-10.5");
        assert_eq!(text(7, 0), "7");
        let yes = Value::Boolean {
            value: true,
            words: ("oui", "non"),
        };
        assert_eq!(yes.plain_text().as_deref(), Some("oui"));
        assert_eq!(Value::Empty.plain_text(), None);
    }
}
