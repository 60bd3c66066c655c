//! What a bilan is asked for: a phase, a scope (France, a region, a territory), a date, optionally the
//! start of a period for flows ("signed between D1 and D2") and a scheme the bilan is restricted to.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::Date;

use crate::fr::{iso_date, long_date};
use crate::ids::{RegionCode, TerritoryId};
use crate::phase::Phase;
use crate::DomainError;

/// What a bilan covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The whole programme.
    France,
    /// The territories attached to a region, and their projects.
    Region(RegionCode),
    /// One territory and its projects.
    Territory(TerritoryId),
}

impl FromStr for Scope {
    type Err = DomainError;

    /// Reads `france`, `region:44` or `territoire:ti-4401`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || s == "france" {
            return Ok(Scope::France);
        }
        if let Some(code) = s.strip_prefix("region:") {
            return Ok(Scope::Region(RegionCode::parse(code)?));
        }
        if let Some(id) = s.strip_prefix("territoire:") {
            return Ok(Scope::Territory(TerritoryId::parse(id)?));
        }
        Err(DomainError::Invalid {
            field: "perimetre",
            value: s.to_owned(),
            expected: "france, region:CODE ou territoire:ti-RRNN",
        })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::France => f.write_str("france"),
            Scope::Region(r) => write!(f, "region:{r}"),
            Scope::Territory(t) => write!(f, "territoire:{t}"),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Scope {
    /// Whether a territory (by id and region of attachment) is in the scope.
    pub fn includes_territory(&self, id: &str, region: &str) -> bool {
        match self {
            Scope::France => true,
            Scope::Region(r) => r.as_str() == region,
            Scope::Territory(t) => t.as_str() == id,
        }
    }
}

/// A bilan's question: phase, scope, date, and optionally the start of a period and a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Frame {
    /// The phase.
    pub phase: Phase,
    /// The scope.
    pub scope: Scope,
    /// The date stocks are read at, and the last day of the period.
    pub as_of: Date,
    /// The first day of the period flows are counted over (both ends included), if flows are asked.
    pub since: Option<Date>,
    /// Only the projects funded through this scheme, and only the scheme's funding lines.
    pub scheme: Option<String>,
}

impl Frame {
    /// A frame without period nor scheme.
    pub fn at(phase: Phase, scope: Scope, as_of: Date) -> Frame {
        Frame {
            phase,
            scope,
            as_of,
            since: None,
            scheme: None,
        }
    }

    /// Checks the dates: within what the phase can hold, and a period that does not end before it starts.
    pub fn validate(&self) -> Result<(), DomainError> {
        self.phase.check_date(self.as_of)?;
        if let Some(since) = self.since {
            self.phase.check_date(since)?;
            if since > self.as_of {
                return Err(DomainError::Rule(format!(
                    "période du {} au {} : le début suit la fin",
                    iso_date(since),
                    iso_date(self.as_of)
                )));
            }
        }
        Ok(())
    }

    /// Whether the phase had started at the date.
    pub fn started(&self) -> bool {
        self.as_of >= self.phase.labelling_date()
    }

    /// Whether `date` falls in the period (always false without one).
    pub fn in_period(&self, date: Date) -> bool {
        self.since.is_some_and(|s| s <= date && date <= self.as_of)
    }

    /// The period in words: "le 19 novembre 2019", "du 1er janvier au 19 novembre 2019".
    pub fn period_label(&self) -> Option<String> {
        let since = self.since?;
        Some(if since == self.as_of {
            format!("le {}", long_date(since))
        } else {
            format!("du {} au {}", long_date(since), long_date(self.as_of))
        })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn scopes_parse() {
        assert_eq!(
            "region:44".parse::<Scope>().unwrap(),
            Scope::Region(RegionCode::parse("44").unwrap())
        );
        assert_eq!("".parse::<Scope>().unwrap(), Scope::France);
        assert!("departement:51"
            .parse::<Scope>()
            .unwrap_err()
            .to_string()
            .contains("region:CODE"));
    }

    #[test]
    fn periods_are_checked_and_inclusive() {
        let mut f = Frame::at(Phase::First, Scope::France, date!(2019 - 11 - 19));
        f.since = Some(date!(2019 - 11 - 19));
        assert!(f.validate().is_ok());
        assert!(f.in_period(date!(2019 - 11 - 19)));
        assert!(!f.in_period(date!(2019 - 11 - 18)));
        assert_eq!(f.period_label().unwrap(), "le 19 novembre 2019");
        f.since = Some(date!(2019 - 12 - 01));
        assert!(f.validate().is_err());
        let far = Frame::at(Phase::First, Scope::France, date!(9999 - 12 - 31));
        assert!(far.validate().is_err());
    }
}
