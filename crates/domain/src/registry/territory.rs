//! A territory labelled in a phase, and its perimeter: the groupings (EPCI, EPT or single commune) that
//! make it up, each with validity dates.

use std::collections::BTreeSet;

use serde::Serialize;
use time::Date;

use crate::ids::{Siren, TerritoryId};
use crate::map::Contour;
use crate::phase::Phase;

/// A member of a perimeter, by SIREN, as the labelling source names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PerimeterMember {
    /// SIREN of the EPCI, EPT or commune.
    pub siren: Siren,
    /// The name the source gives (kept as evidence; the referential's name is shown).
    pub label: String,
}

/// A labelled territory as an import source describes it.
#[derive(Debug, Clone)]
pub struct LabelledTerritory {
    /// The phase it is labelled in.
    pub phase: Phase,
    /// ANCT identifier within the phase.
    pub id: TerritoryId,
    /// Name.
    pub name: String,
    /// Members of its perimeter.
    pub members: Vec<PerimeterMember>,
    /// Its contour, ready for maps.
    pub contour: Option<Contour>,
}

/// What changes when a perimeter is replaced by a new version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PerimeterChange {
    /// Members that join.
    pub joining: Vec<Siren>,
    /// Members that leave.
    pub leaving: Vec<Siren>,
}

impl PerimeterChange {
    /// Compares the members in force with those of a new version of the perimeter.
    pub fn between<'a>(
        current: impl IntoIterator<Item = &'a Siren>,
        next: impl IntoIterator<Item = &'a Siren>,
    ) -> Self {
        let current: BTreeSet<&Siren> = current.into_iter().collect();
        let next: BTreeSet<&Siren> = next.into_iter().collect();
        Self {
            joining: next.difference(&current).map(|s| (*s).clone()).collect(),
            leaving: current.difference(&next).map(|s| (*s).clone()).collect(),
        }
    }

    /// Whether the new version is the same perimeter.
    pub fn is_empty(&self) -> bool {
        self.joining.is_empty() && self.leaving.is_empty()
    }
}

/// The date from which a new perimeter version applies: the phase's labelling for a first import, the
/// given effective date for a later change.
pub fn perimeter_start(phase: Phase, first_version: bool, effective: Date) -> Date {
    if first_version {
        phase.labelling_date()
    } else {
        effective
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn s(v: &str) -> Siren {
        Siren::parse(v).unwrap()
    }

    #[test]
    fn a_change_lists_who_joins_and_who_leaves() {
        let current = [s("200067213"), s("200066009")];
        let next = [s("200066009"), s("246800726")];
        let change = PerimeterChange::between(&current, &next);
        assert_eq!(change.joining, vec![s("246800726")]);
        assert_eq!(change.leaving, vec![s("200067213")]);
        assert!(PerimeterChange::between(&current, &current).is_empty());
    }

    #[test]
    fn first_versions_start_at_labelling() {
        assert_eq!(
            perimeter_start(Phase::Second, true, date!(2025 - 01 - 01)),
            date!(2023 - 11 - 09)
        );
        assert_eq!(
            perimeter_start(Phase::Second, false, date!(2025 - 01 - 01)),
            date!(2025 - 01 - 01)
        );
    }
}
