//! Identifiers of the official referential and of the programme, as newtypes that only hold valid values.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $field:literal, $expected:literal, $valid:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a value, trimming surrounding white space.
            pub fn parse(value: &str) -> Result<Self, DomainError> {
                let value = value.trim();
                let valid: fn(&str) -> bool = $valid;
                if valid(value) {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(DomainError::invalid($field, value, $expected))
                }
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn all_digits(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_digit())
}

string_id!(
    /// SIREN of a legal entity (EPCI, EPT, commune, company): nine digits.
    Siren, "siren", "9 chiffres", |v| all_digits(v, 9)
);

string_id!(
    /// INSEE code of a commune: five characters, digits or Corsica's 2A/2B.
    CommuneCode, "code_commune", "un code INSEE de 5 caractères (ex. 51230, 2A004)",
    |v| v.len() == 5
        && (v.bytes().all(|b| b.is_ascii_digit())
            || ((v.starts_with("2A") || v.starts_with("2B")) && v[2..].bytes().all(|b| b.is_ascii_digit())))
);

string_id!(
    /// INSEE code of a region: two digits (overseas collectivities use three).
    RegionCode, "code_region", "un code région INSEE (ex. 44)",
    |v| (v.len() == 2 || v.len() == 3) && v.bytes().all(|b| b.is_ascii_digit())
);

string_id!(
    /// Code of a département: 2 or 3 characters (01…95, 2A, 2B, 971…976).
    DepartementCode, "code_departement", "un code département (ex. 51, 2A, 974)",
    |v| matches!(v, "2A" | "2B") || ((v.len() == 2 || v.len() == 3) && v.bytes().all(|b| b.is_ascii_digit()))
);

string_id!(
    /// ANCT identifier of a labelled territory, `ti-RRNN` where RR is the region of attachment. ANCT reuses
    /// these between phases, so a territory is only identified by the pair (phase, id).
    TerritoryId, "id_territoire", "un identifiant ANCT de la forme ti-RRNN (ex. ti-4401)",
    |v| v.len() == 7 && v.starts_with("ti-") && v[3..].bytes().all(|b| b.is_ascii_digit())
);

impl TerritoryId {
    /// The region of attachment carried by the identifier (`ti-4401` → `44`).
    pub fn region_of_attachment(&self) -> RegionCode {
        RegionCode(self.0[3..5].to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siren_has_nine_digits() {
        assert_eq!(Siren::parse(" 200067213 ").unwrap().as_str(), "200067213");
        assert!(Siren::parse("20006721").is_err());
        assert!(Siren::parse("20006721X").is_err());
    }

    #[test]
    fn commune_codes_include_corsica() {
        assert!(CommuneCode::parse("2A004").is_ok());
        assert!(CommuneCode::parse("51230").is_ok());
        assert!(CommuneCode::parse("2C004").is_err());
        assert!(CommuneCode::parse("5123").is_err());
    }

    #[test]
    fn territory_id_carries_its_region() {
        let id = TerritoryId::parse("ti-4401").unwrap();
        assert_eq!(id.region_of_attachment().as_str(), "44");
        let err = TerritoryId::parse("TI4401").unwrap_err();
        assert!(err.to_string().contains("ti-RRNN"), "{err}");
    }

    #[test]
    fn ids_deserialize_through_validation() {
        let ok: Siren = serde_json_like("200067213").unwrap();
        assert_eq!(ok.as_str(), "200067213");
        assert!(serde_json_like::<Siren>("abc").is_err());
    }

    fn serde_json_like<T: TryFrom<String>>(s: &str) -> Result<T, T::Error> {
        T::try_from(s.to_owned())
    }
}
