//! The order of a list of fiches actions, and where a page of it ends. A page that starts after the last
//! fiche read — its sort value and code, a [`Cursor`] — rather than at an offset stays right while fiches
//! are added, changed or removed: nothing is skipped or read twice because the rows before it moved.

use std::cmp::Ordering;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::money::Cents;
use crate::portfolio::project::Project;
use crate::search::search_key;
use crate::DomainError;

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderKey {
    /// The fiche's code.
    #[default]
    Code,
    /// Its title, as a reader sorts it (accents and case aside).
    Title,
    /// The amount committed on it at the list's date; fiches without funding line last.
    Committed,
}

/// An order: a key and a direction. Ties are broken by code, so that the order is total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Order {
    /// The key.
    pub key: OrderKey,
    /// Whether from the greatest.
    pub descending: bool,
}

impl FromStr for Order {
    type Err = DomainError;

    /// `code`, `titre`, `engage`, each possibly preceded by `-` for the descending order.
    fn from_str(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        let (descending, name) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let key = match name {
            "code" => OrderKey::Code,
            "titre" => OrderKey::Title,
            "engage" => OrderKey::Committed,
            _ => {
                return Err(DomainError::invalid(
                    "tri",
                    s,
                    "code, titre ou engage, précédé de - pour l'ordre décroissant",
                ))
            }
        };
        Ok(Order { key, descending })
    }
}

/// A fiche's value for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    /// A text key (the code, or the title folded for sorting).
    Text(String),
    /// An amount in cents; `None` when the fiche has no funding line at the date.
    Amount(Option<i64>),
}

/// Where a page ends: the last fiche's sort value and code. The next page holds the fiches after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Its value for the order.
    pub value: SortValue,
    /// Its code.
    pub code: String,
}

impl Order {
    /// The value of `p` for this order, `committed` being what is committed on it at the list's date.
    pub fn value(&self, p: &Project, committed: Option<Cents>) -> SortValue {
        match self.key {
            OrderKey::Code => SortValue::Text(p.code.clone()),
            OrderKey::Title => SortValue::Text(search_key(&p.title)),
            OrderKey::Committed => SortValue::Amount(committed.map(|c| c.0)),
        }
    }

    /// Compares two fiches by (value, code): the value in the order's direction, an unknown amount
    /// after every known one whatever the direction, then the code.
    pub fn compare(&self, a: (&SortValue, &str), b: (&SortValue, &str)) -> Ordering {
        let directed = |o: Ordering| if self.descending { o.reverse() } else { o };
        let by_value = match (a.0, b.0) {
            (SortValue::Text(x), SortValue::Text(y)) => directed(x.cmp(y)),
            (SortValue::Amount(Some(x)), SortValue::Amount(Some(y))) => directed(x.cmp(y)),
            (SortValue::Amount(None), SortValue::Amount(None)) => Ordering::Equal,
            (SortValue::Amount(None), SortValue::Amount(Some(_))) => Ordering::Greater,
            (SortValue::Amount(Some(_)), SortValue::Amount(None)) => Ordering::Less,
            // A cursor made for another order: compared by code alone.
            _ => Ordering::Equal,
        };
        by_value.then_with(|| a.1.cmp(b.1))
    }

    /// Whether `cursor` could have been made by this order (its value of the right kind).
    pub fn accepts(&self, cursor: &Cursor) -> bool {
        matches!(
            (self.key, &cursor.value),
            (OrderKey::Code | OrderKey::Title, SortValue::Text(_))
                | (OrderKey::Committed, SortValue::Amount(_))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(n: Option<i64>) -> SortValue {
        SortValue::Amount(n)
    }

    #[test]
    fn orders_are_read_with_their_direction() {
        assert_eq!("titre".parse::<Order>().unwrap().key, OrderKey::Title);
        let o: Order = "-engage".parse().unwrap();
        assert!(o.descending && o.key == OrderKey::Committed);
        let e = "prix".parse::<Order>().unwrap_err().to_string();
        assert!(e.contains("tri") && e.contains("titre"), "{e}");
    }

    #[test]
    fn unknown_amounts_come_last_in_either_direction_and_codes_break_ties() {
        for descending in [false, true] {
            let o = Order {
                key: OrderKey::Committed,
                descending,
            };
            let mut rows = [
                (amount(None), "A"),
                (amount(Some(5)), "B"),
                (amount(Some(9)), "C"),
                (amount(Some(5)), "A"),
            ];
            rows.sort_by(|a, b| o.compare((&a.0, a.1), (&b.0, b.1)));
            let codes: Vec<&str> = rows.iter().map(|r| r.1).collect();
            let expected = if descending {
                ["C", "A", "B", "A"]
            } else {
                ["A", "B", "C", "A"]
            };
            assert_eq!(codes, expected, "descending: {descending}");
            assert_eq!(rows[3].0, amount(None));
        }
    }

    #[test]
    fn a_cursor_reads_back_and_belongs_to_its_order() {
        let c = Cursor {
            value: amount(None),
            code: "A".into(),
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), c);
        assert!("engage".parse::<Order>().unwrap().accepts(&c));
        assert!(!"titre".parse::<Order>().unwrap().accepts(&c));
    }
}
