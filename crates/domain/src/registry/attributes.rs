//! Attributes of a territory as dated histories: *fragile* (the 25 fragile territories named in September
//! 2019) and the programme's free tags. An attribute is set or removed on a date; its value at a date is the
//! last change on or before it, so a past bilan still reads the attributes of its day.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

use super::milestone::Withdrawal;
use crate::fr::long_date;
use crate::DomainError;

/// An attribute a territory may carry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "attribut", content = "valeur", rename_all = "snake_case")]
pub enum Attribute {
    /// A *territoire fragile*, given priority support.
    Fragile,
    /// A free tag of the programme (lower case, e.g. `campus des métiers`).
    Tag(String),
}

impl Attribute {
    /// A tag, checked: 1 to 40 letters, digits, spaces, hyphens or apostrophes, stored in lower case.
    pub fn tag(value: &str) -> Result<Attribute, DomainError> {
        let v = value.trim().to_lowercase();
        let ok = (1..=40).contains(&v.chars().count())
            && v.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\'' | '’'));
        if !ok {
            return Err(DomainError::invalid(
                "etiquette",
                value,
                "une étiquette de 1 à 40 lettres, chiffres, espaces ou tirets",
            ));
        }
        Ok(Attribute::Tag(v))
    }

    /// The label shown to users.
    pub fn label(&self) -> String {
        match self {
            Attribute::Fragile => "Territoire fragile".into(),
            Attribute::Tag(t) => format!("Étiquette « {t} »"),
        }
    }

    /// The code used in URLs (`fragile`, `etiquette:nom`).
    pub fn code(&self) -> String {
        match self {
            Attribute::Fragile => "fragile".into(),
            Attribute::Tag(t) => format!("etiquette:{t}"),
        }
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl FromStr for Attribute {
    type Err = DomainError;

    /// Reads `fragile` or `etiquette:nom`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "fragile" => Ok(Attribute::Fragile),
            other => match other.strip_prefix("etiquette:") {
                Some(tag) => Attribute::tag(tag),
                None => Err(DomainError::invalid(
                    "attribut",
                    other,
                    "fragile ou etiquette:NOM",
                )),
            },
        }
    }
}

/// A dated change of an attribute: set (`present`) or removed from `on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeChange {
    /// The attribute.
    pub attribute: Attribute,
    /// Set (true) or removed (false).
    pub present: bool,
    /// From when.
    pub on: Date,
    /// Free text.
    pub note: String,
    /// Where the fact comes from.
    pub source: String,
    /// Set when the change was recorded in error.
    pub withdrawal: Option<Withdrawal>,
}

impl AttributeChange {
    /// Checks the change before it is recorded on `today`.
    pub fn validate(&self, today: Date) -> Result<(), DomainError> {
        if self.on.year() < 2018 {
            return Err(DomainError::Rule(format!(
                "{} : date antérieure au programme (2018)",
                self.attribute.label()
            )));
        }
        if self.on > today {
            return Err(DomainError::Rule(format!(
                "{} : le {} est dans le futur",
                self.attribute.label(),
                long_date(self.on)
            )));
        }
        Ok(())
    }

    /// The event code used in history files.
    pub fn event_code(&self) -> &'static str {
        match (&self.attribute, self.present) {
            (Attribute::Fragile, true) => "fragile",
            (Attribute::Fragile, false) => "fin_fragile",
            (Attribute::Tag(_), true) => "etiquette",
            (Attribute::Tag(_), false) => "fin_etiquette",
        }
    }
}

/// The attributes a territory carries at `date`: for each attribute, the last change on or before it that
/// was not withdrawn by then.
pub fn attributes_as_of(changes: &[AttributeChange], date: Date) -> BTreeSet<Attribute> {
    let mut in_force: Vec<&AttributeChange> = changes
        .iter()
        .filter(|c| c.on <= date && !c.withdrawal.as_ref().is_some_and(|w| w.in_force(date)))
        .collect();
    in_force.sort_by_key(|c| c.on);
    let mut set = BTreeSet::new();
    for c in in_force {
        if c.present {
            set.insert(c.attribute.clone());
        } else {
            set.remove(&c.attribute);
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn change(attribute: Attribute, present: bool, on: Date) -> AttributeChange {
        AttributeChange {
            attribute,
            present,
            on,
            note: String::new(),
            source: String::new(),
            withdrawal: None,
        }
    }

    #[test]
    fn attributes_follow_their_history() {
        let tag = Attribute::tag("Campus des métiers").unwrap();
        let h = [
            change(Attribute::Fragile, true, date!(2019 - 09 - 01)),
            change(tag.clone(), true, date!(2020 - 01 - 01)),
            change(Attribute::Fragile, false, date!(2021 - 06 - 01)),
        ];
        assert!(attributes_as_of(&h, date!(2019 - 08 - 31)).is_empty());
        assert_eq!(
            attributes_as_of(&h, date!(2020 - 06 - 01)),
            [Attribute::Fragile, tag.clone()].into()
        );
        assert_eq!(attributes_as_of(&h, date!(2022 - 01 - 01)), [tag].into());
    }

    #[test]
    fn codes_parse_and_tags_are_checked() {
        assert_eq!("fragile".parse::<Attribute>().unwrap(), Attribute::Fragile);
        assert_eq!(
            "etiquette:Hydrogène".parse::<Attribute>().unwrap(),
            Attribute::Tag("hydrogène".into())
        );
        assert!(Attribute::tag("").is_err());
        assert!(Attribute::tag("<script>").is_err());
        assert!("rouge".parse::<Attribute>().is_err());
    }

    #[test]
    fn future_changes_are_refused() {
        let c = change(Attribute::Fragile, true, date!(2027 - 01 - 01));
        assert!(c.validate(date!(2026 - 11 - 23)).is_err());
    }
}
