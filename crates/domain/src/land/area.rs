//! The area an observatory figure covers: France, a region, a territory of a phase (its perimeter as of
//! the figure's date) or an EPCI.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::bilan::frame::Scope;
use time::Date;

use crate::ids::{RegionCode, Siren, TerritoryId};
use crate::phase::Phase;
use crate::DomainError;

/// Where land figures are counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Area {
    /// Every commune.
    France,
    /// The communes of a region.
    Region(RegionCode),
    /// The communes of a territory's perimeter in force on the date (its EPCIs' and its single communes').
    Territory(TerritoryId),
    /// The communes of an EPCI.
    Epci(Siren),
}

impl FromStr for Area {
    type Err = DomainError;

    /// Reads `france`, `region:44`, `territoire:ti-4401` (as a bilan's scope) or `epci:200067213`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(siren) = s.trim().strip_prefix("epci:") {
            return Siren::parse(siren).map(Area::Epci);
        }
        match s.parse::<Scope>() {
            Ok(Scope::France) => Ok(Area::France),
            Ok(Scope::Region(r)) => Ok(Area::Region(r)),
            Ok(Scope::Territory(t)) => Ok(Area::Territory(t)),
            Err(_) => Err(DomainError::invalid(
                "perimetre",
                s,
                "france, region:CODE, territoire:ti-RRNN ou epci:SIREN",
            )),
        }
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Area::France => f.write_str("france"),
            Area::Region(r) => write!(f, "region:{r}"),
            Area::Territory(t) => write!(f, "territoire:{t}"),
            Area::Epci(s) => write!(f, "epci:{s}"),
        }
    }
}

impl Serialize for Area {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An observatory's question: which area, on which day, a territory read in which phase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct LandFrame {
    /// The phase a territory is read in (its id is the phase's).
    pub phase: Phase,
    /// The area.
    pub area: Area,
    /// The day.
    pub on: Date,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_area_reads_back_what_it_writes_and_names_what_it_expects() {
        for text in [
            "france",
            "region:44",
            "territoire:ti-4415",
            "epci:200067213",
        ] {
            let area: Area = text.parse().unwrap();
            assert_eq!(area.to_string(), text);
        }
        assert_eq!("".parse::<Area>().unwrap(), Area::France);
        let err = "epci:123".parse::<Area>().unwrap_err().to_string();
        assert!(err.contains("9 chiffres"), "{err}");
        let err = "canton:12".parse::<Area>().unwrap_err().to_string();
        assert!(err.contains("epci:SIREN"), "{err}");
    }
}
