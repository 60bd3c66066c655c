//! What the public reads of a dispositif beyond its name and funder: the facts the national
//! *dispositif-aide* schema (Etalab, 0.2.0) publishes — its description, who is eligible and where, the
//! kinds of aid it gives, its opening and closing dates. Every fact is optional here: a scheme is recorded
//! before it is described, and the open data withholds it (counted) until what the schema requires is
//! known, rather than publishing an invented value.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::fr::iso_date;
use crate::portfolio::project::coded_enum;
use crate::DomainError;

coded_enum!(
    /// A kind of aid, in the words of the *dispositif-aide* schema's list (`types_aides`).
    AidType, "types_aides", "un type d'aide (assistance, avantage fiscal, conseil, étude, financement, formation, information, prêt)", {
        /// Replacement services, a listening unit.
        Assistance => "assistance", "Assistance";
        /// Tax credits, reductions and other reliefs.
        TaxAdvantage => "avantage fiscal", "Avantage fiscal";
        /// Support, an expert's advice, engineering.
        Advice => "conseil", "Conseil";
        /// Diagnostic, feasibility study.
        Study => "étude", "Étude";
        /// Grant, co-financing, a share of the project's cost.
        Financing => "financement", "Financement";
        /// Training for the manager or the employees.
        Training => "formation", "Formation";
        /// Legal or administrative information.
        Information => "information", "Information";
        /// A loan, or a public guarantee of one.
        Loan => "prêt", "Prêt";
    }
);

coded_enum!(
    /// Who a scheme is for, in the four words of the schema (`cibles`).
    Target, "cibles", "une cible (professionnels, particuliers, associations, secteur public)", {
        /// Companies and the self-employed.
        Professionals => "professionnels", "Professionnels";
        /// Private persons.
        Individuals => "particuliers", "Particuliers";
        /// Associations.
        Associations => "associations", "Associations";
        /// Local authorities and public bodies.
        PublicSector => "secteur public", "Secteur public";
    }
);

/// An area of the *Code officiel géographique* as the schema writes it: a level and a code, `PAYS-99100`
/// (France), `REG-44`, `DEP-57`, `EPCI-245701206`, `COM-57463`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CogArea(String);

/// The levels of the Code officiel géographique the schema names.
const COG_LEVELS: [&str; 5] = ["PAYS", "REG", "DEP", "EPCI", "COM"];

impl CogArea {
    /// Reads `PAYS-99100`, `reg-44`…; the schema's pattern (`^[A-Z]+-\d+$`) admits digits only, so
    /// Corsica's départements are given by their region (`REG-94`) or communes.
    pub fn parse(value: &str) -> Result<CogArea, DomainError> {
        let v = value.trim().to_uppercase();
        let invalid = || {
            DomainError::invalid(
                "eligibilite_geographique",
                value,
                "un territoire du COG : PAYS-99100, REG-44, DEP-57, EPCI-245701206 ou COM-57463",
            )
        };
        let (level, code) = v.split_once('-').ok_or_else(invalid)?;
        if !COG_LEVELS.contains(&level)
            || code.is_empty()
            || code.len() > 9
            || !code.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        Ok(CogArea(v))
    }

    /// The code as the schema writes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CogArea {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        CogArea::parse(&s)
    }
}

impl From<CogArea> for String {
    fn from(a: CogArea) -> String {
        a.0
    }
}

/// The longest description the schema accepts.
pub const DESCRIPTION_MAX: usize = 5_000;

/// The longest address kept.
const URL_MAX: usize = 2_000;

/// What the public reads of a scheme. Empty (the default) until someone describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SchemeDetails {
    /// What the scheme is, for a public agent to understand it (at most [`DESCRIPTION_MAX`] characters).
    pub description: Option<String>,
    /// Who and what is eligible, in words.
    pub eligibility: Option<String>,
    /// The kinds of aid it gives.
    pub aid_types: Vec<AidType>,
    /// Who it is for.
    pub targets: Vec<Target>,
    /// Where it applies.
    pub coverage: Vec<CogArea>,
    /// Where to read more (`https://…`).
    pub url: Option<String>,
    /// When it opens.
    pub opens_on: Option<Date>,
    /// When it closes.
    pub closes_on: Option<Date>,
}

impl SchemeDetails {
    /// Whether nothing is described.
    pub fn is_empty(&self) -> bool {
        *self == SchemeDetails::default()
    }

    /// Checks what is given — the description's length, the address, the dates' order — naming the
    /// field at fault.
    pub fn validate(&self) -> Result<(), DomainError> {
        if let Some(d) = &self.description {
            if d.chars().count() > DESCRIPTION_MAX {
                return Err(DomainError::invalid(
                    "description",
                    d,
                    "au plus 5 000 caractères (schéma national des dispositifs d'aide)",
                ));
            }
        }
        if let Some(url) = &self.url {
            check_url(url)?;
        }
        if let (Some(opens), Some(closes)) = (self.opens_on, self.closes_on) {
            if closes < opens {
                return Err(DomainError::invalid(
                    "date_cloture",
                    &iso_date(closes),
                    "une date de clôture au plus tôt à l'ouverture",
                ));
            }
        }
        Ok(())
    }
}

/// The items of a list as typed: separated by `|` (the schema's way), commas or semicolons, each read
/// with `read`, repeats dropped.
fn list<T: PartialEq>(
    text: &str,
    read: impl Fn(&str) -> Result<T, DomainError>,
) -> Result<Vec<T>, DomainError> {
    let mut out = Vec::new();
    for word in text.split(['|', ',', ';', '\n']).map(str::trim) {
        if word.is_empty() {
            continue;
        }
        let item = read(word)?;
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

/// Kinds of aid as typed (`financement|prêt`).
pub fn read_aid_types(text: &str) -> Result<Vec<AidType>, DomainError> {
    list(text, str::parse)
}

/// Targets as typed (`professionnels|secteur public`).
pub fn read_targets(text: &str) -> Result<Vec<Target>, DomainError> {
    list(text, str::parse)
}

/// Areas as typed (`REG-44|REG-32`; spaces separate them too).
pub fn read_coverage(text: &str) -> Result<Vec<CogArea>, DomainError> {
    list(&text.replace(char::is_whitespace, "|"), CogArea::parse)
}

/// An address as typed: `None` when blank.
pub fn read_url(text: &str) -> Result<Option<String>, DomainError> {
    let url = text.trim();
    if url.is_empty() {
        return Ok(None);
    }
    check_url(url)?;
    Ok(Some(url.to_owned()))
}

/// An address the public can follow: `http://` or `https://`, no space, of a bounded length.
pub fn check_url(url: &str) -> Result<(), DomainError> {
    let lower = url.to_ascii_lowercase();
    let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
    let host = url.split_once("://").map_or("", |(_, rest)| rest);
    if !scheme_ok
        || host.is_empty()
        || url.len() > URL_MAX
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(DomainError::invalid(
            "url_source",
            url,
            "une adresse web complète (https://…), sans espace",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn cog_areas_are_read_in_the_schemas_form() {
        assert_eq!(CogArea::parse(" reg-44 ").unwrap().as_str(), "REG-44");
        assert_eq!(CogArea::parse("PAYS-99100").unwrap().as_str(), "PAYS-99100");
        for bad in [
            "44",
            "REG-",
            "REGION-44",
            "DEP-2A",
            "COM-57463-1",
            "EPCI-1234567890",
        ] {
            let e = CogArea::parse(bad).unwrap_err().to_string();
            assert!(e.contains("REG-44"), "{bad}: {e}");
        }
    }

    #[test]
    fn lists_are_read_as_people_type_them() {
        assert_eq!(
            read_aid_types("financement | prêt, financement").unwrap(),
            [AidType::Financing, AidType::Loan]
        );
        assert_eq!(
            read_coverage("REG-44 reg-32|").unwrap(),
            [
                CogArea::parse("REG-44").unwrap(),
                CogArea::parse("REG-32").unwrap()
            ]
        );
        assert!(read_targets("professionnels|entreprises").is_err());
        assert_eq!(read_url("  ").unwrap(), None);
    }

    #[test]
    fn kinds_of_aid_and_targets_are_the_schemas_words() {
        assert_eq!("prêt".parse::<AidType>().unwrap(), AidType::Loan);
        assert_eq!(
            "Avantage fiscal".parse::<AidType>().unwrap().code(),
            "avantage fiscal"
        );
        assert!("subvention".parse::<AidType>().is_err());
        assert_eq!(
            "secteur public".parse::<Target>().unwrap(),
            Target::PublicSector
        );
    }

    #[test]
    fn details_are_checked() {
        let ok = SchemeDetails {
            description: Some("é".repeat(DESCRIPTION_MAX)),
            url: Some("https://www.bpifrance.fr/".into()),
            opens_on: Some(date!(2023 - 01 - 01)),
            closes_on: Some(date!(2023 - 01 - 01)),
            ..SchemeDetails::default()
        };
        assert!(ok.validate().is_ok());
        let long = SchemeDetails {
            description: Some("é".repeat(DESCRIPTION_MAX + 1)),
            ..ok.clone()
        };
        assert!(long.validate().unwrap_err().to_string().contains("5 000"));
        for url in [
            "www.bpifrance.fr",
            "javascript:alert(1)",
            "https://",
            "https://a b",
        ] {
            let bad = SchemeDetails {
                url: Some(url.into()),
                ..ok.clone()
            };
            assert!(bad.validate().is_err(), "{url}");
        }
        let reversed = SchemeDetails {
            closes_on: Some(date!(2022 - 12 - 31)),
            ..ok
        };
        assert!(reversed
            .validate()
            .unwrap_err()
            .to_string()
            .contains("2022-12-31"));
        assert!(SchemeDetails::default().is_empty());
    }
}
