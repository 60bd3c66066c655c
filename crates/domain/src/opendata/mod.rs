//! Open data: the programme's records as the public may reuse them, each dataset in a national schema of
//! schema.data.gouv.fr (a Table Schema) under the *Licence Ouverte 2.0*.
//!
//! A dataset is a list of typed fields and rows of [`Value`]s. A record that lacks a fact the schema
//! requires is not published with an invented value: it is withheld, and the count of withheld records,
//! by reason, is published beside the dataset (see [`Publication`]).

pub mod projects;

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
    /// A list of texts.
    List(Vec<String>),
}

impl Value {
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

/// The national schema a dataset follows.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Its name on schema.data.gouv.fr.
    pub name: &'static str,
    /// The version followed.
    pub version: &'static str,
    /// Where it is documented.
    pub url: &'static str,
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
}

/// Every dataset published in a national schema.
pub const DATASETS: &[Dataset] = &[projects::DATASET];

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
