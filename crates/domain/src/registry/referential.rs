//! The official geographic referential (*Code officiel géographique*), one millésime at a time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{CommuneCode, DepartementCode, RegionCode, Siren};
use crate::DomainError;

/// A region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    /// INSEE code.
    pub code: RegionCode,
    /// Official name.
    pub name: String,
}

/// A département.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Departement {
    /// Code (01…95, 2A, 2B, 971…).
    pub code: DepartementCode,
    /// Region it belongs to.
    pub region: RegionCode,
    /// Official name.
    pub name: String,
}

/// The legal nature of a grouping of communes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GroupingNature {
    /// Communauté de communes.
    CC,
    /// Communauté d'agglomération.
    CA,
    /// Communauté urbaine.
    CU,
    /// Métropole.
    MET,
    /// Établissement public territorial (Grand Paris).
    EPT,
}

impl GroupingNature {
    /// The code as in the official files.
    pub fn code(self) -> &'static str {
        match self {
            Self::CC => "CC",
            Self::CA => "CA",
            Self::CU => "CU",
            Self::MET => "MET",
            Self::EPT => "EPT",
        }
    }

    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Self::CC => "Communauté de communes",
            Self::CA => "Communauté d'agglomération",
            Self::CU => "Communauté urbaine",
            Self::MET => "Métropole",
            Self::EPT => "Établissement public territorial",
        }
    }
}

impl fmt::Display for GroupingNature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for GroupingNature {
    type Err = DomainError;

    /// Accepts the codes of `@etalab/decoupage-administratif` (`METRO` and `MET69` are métropoles).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "CC" => Ok(Self::CC),
            "CA" => Ok(Self::CA),
            "CU" => Ok(Self::CU),
            "MET" | "METRO" | "MET69" => Ok(Self::MET),
            "EPT" => Ok(Self::EPT),
            other => Err(DomainError::invalid(
                "type",
                other,
                "CC, CA, CU, METRO, MET69 ou EPT",
            )),
        }
    }
}

/// An EPCI or an EPT with its member communes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grouping {
    /// SIREN.
    pub siren: Siren,
    /// Official name.
    pub name: String,
    /// Legal nature.
    pub nature: GroupingNature,
    /// Member communes.
    pub members: Vec<CommuneCode>,
}

/// A current commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commune {
    /// INSEE code.
    pub code: CommuneCode,
    /// Official name.
    pub name: String,
    /// Département.
    pub departement: DepartementCode,
    /// Region.
    pub region: RegionCode,
    /// SIREN of the commune itself (absent for a few overseas collectivities).
    pub siren: Option<Siren>,
    /// Municipal population.
    pub population: Option<i64>,
}

/// One millésime of the referential, as imported.
#[derive(Debug, Clone, Default)]
pub struct Referential {
    /// COG year.
    pub millesime: i32,
    /// Regions.
    pub regions: Vec<Region>,
    /// Départements.
    pub departements: Vec<Departement>,
    /// EPCIs and EPTs.
    pub groupings: Vec<Grouping>,
    /// Current communes.
    pub communes: Vec<Commune>,
}
