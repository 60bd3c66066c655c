//! What people type to create or edit a record — in a web form or a JSON call, the same French field
//! names — and the tools to read it into the domain's types: every field is read, and every problem is
//! named with its field, the value given and what was expected, so that a form shows each message beside
//! its field and keeps what was typed. Each area has its drafts (`portfolio::drafts`, `registry::drafts`).

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::EXCERPT;
use crate::money::Cents;
use crate::DomainError;

/// A problem with one field of a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field, as named in the form and the API (`titre`, `territoires`…); empty for the record as a
    /// whole.
    #[serde(rename = "champ")]
    pub field: String,
    /// What is wrong, in French.
    pub message: String,
}

/// Every problem found in a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// One problem with `field`.
    pub fn one(field: &str, message: impl Into<String>) -> FieldErrors {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    /// Adds a problem with `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Adds a domain error: a value's error goes to its field (or `field` when the domain names another),
    /// a rule's to `field`.
    pub fn add_error(&mut self, field: &str, error: DomainError) {
        let message = match error {
            DomainError::Invalid {
                value, expected, ..
            } => format!("« {} » invalide, attendu {expected}", excerpt(&value)),
            DomainError::Rule(message) => message,
        };
        self.add(field, message);
    }

    /// The value of `result`, or `None` with its error recorded against `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, DomainError>) -> Option<T> {
        result.map_err(|e| self.add_error(field, e)).ok()
    }

    /// The first message about `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_result<T>(self, value: Option<T>) -> Result<T, FieldErrors> {
        match value {
            Some(value) if self.is_empty() => Ok(value),
            _ => Err(self),
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| {
                if e.field.is_empty() {
                    e.message.clone()
                } else {
                    format!("{} : {}", e.field, e.message)
                }
            })
            .collect();
        f.write_str(&parts.join(" ; "))
    }
}

/// At most [`EXCERPT`] characters of a value, for messages.
pub(crate) fn excerpt(value: &str) -> String {
    crate::error::excerpt(value, EXCERPT)
}

/// Reads text, a number or nothing as text: forms send text, JSON callers numbers.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Text(String),
        Integer(i64),
        Number(f64),
        Flag(bool),
    }
    // None of the variants fits an object or a list: say so in French rather than serde's « data did not
    // match any variant of untagged enum ».
    let given = Option::<Given>::deserialize(d).map_err(|_| {
        serde::de::Error::custom(
            "attendu du texte, un nombre ou oui/non, pas un objet ni une liste",
        )
    })?;
    Ok(match given {
        None => String::new(),
        Some(Given::Text(s)) => s,
        Some(Given::Integer(n)) => n.to_string(),
        Some(Given::Number(n)) => n.to_string().replace('.', ","),
        Some(Given::Flag(b)) => b.to_string(),
    })
}

/// Reads a check box (`on` when ticked, absent otherwise), a JSON boolean, `oui`/`non`, `1`/`0`. Anything
/// else is refused with its value: a typo must not silently mean « non ».
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let t = text(d)?;
    match crate::fr::read_yes_no("case", &t, "oui ou non") {
        Ok(ticked) => Ok(ticked.unwrap_or(false)),
        Err(_) => Err(serde::de::Error::custom(format!(
            "« {} » : attendu oui ou non",
            excerpt(&t)
        ))),
    }
}

/// A list: repeated form fields or a JSON array, each item possibly a comma-separated list.
pub(crate) fn items(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split([',', ';', '\n']))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

pub(crate) fn optional<T>(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    parse: impl FnOnce(&str) -> Result<T, DomainError>,
) -> Option<Option<T>> {
    if value.trim().is_empty() {
        Some(None)
    } else {
        errors.check(field, parse(value.trim())).map(Some)
    }
}

pub(crate) fn required<T>(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    what: &str,
    parse: impl FnOnce(&str) -> Result<T, DomainError>,
) -> Option<T> {
    if value.trim().is_empty() {
        errors.add(field, format!("à renseigner : {what}"));
        None
    } else {
        errors.check(field, parse(value.trim()))
    }
}

pub(crate) fn count(field: &'static str) -> impl Fn(&str) -> Result<i64, DomainError> {
    move |v: &str| {
        let digits: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        digits
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| DomainError::Invalid {
                field,
                value: v.to_owned(),
                expected: "un nombre entier positif ou nul",
            })
    }
}

pub(crate) fn euros(field: &'static str) -> impl Fn(&str) -> Result<Cents, DomainError> {
    move |v: &str| Cents::parse(field, v)
}

/// A date as a date field sends it (`2026-11-19`) or as people type it (`19/11/2026`, `19 novembre 2026`).
pub(crate) fn date(field: &'static str) -> impl Fn(&str) -> Result<time::Date, DomainError> {
    move |v: &str| crate::fr::read_date(field, v)
}

pub(crate) fn plain(value: &str) -> String {
    value.trim().to_owned()
}

pub(crate) fn code_of(errors: &mut FieldErrors, field: &str, value: &str) -> Option<String> {
    let v = value.trim();
    match crate::text::check_code("code", v) {
        Ok(()) => Some(v.to_owned()),
        Err(_) => {
            errors.add(
                field,
                format!(
                    "« {} » invalide, attendu un code de 1 à 64 caractères : lettres sans accent, chiffres, « - », « _ » ou « . »",
                    excerpt(v)
                ),
            );
            None
        }
    }
}

/// An amount as a form shows it back (`1200000,50`), which [`Cents::parse`] reads again.
pub(crate) fn plain_euros(c: Cents) -> String {
    if c.0 % 100 == 0 {
        (c.0 / 100).to_string()
    } else {
        format!("{},{:02}", c.0 / 100, (c.0 % 100).abs())
    }
}
