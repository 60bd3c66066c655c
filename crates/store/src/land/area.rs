//! Which communes an observatory's area covers on its date, as a condition on a commune code.

use territoires_domain::fr::iso_date;
use territoires_domain::land::area::{Area, LandFrame};

use crate::sql::{Filter, Value};
use crate::CURRENT_MILLESIME;

/// Adds to `filter` that `column` (a commune code) lies in the frame's area on its date. A territory's
/// communes are its perimeter's in force on the date: its EPCIs' communes (current millésime) and its
/// single communes.
pub(crate) fn in_area(filter: &mut Filter, column: &str, frame: &LandFrame) {
    match &frame.area {
        Area::France => {}
        Area::Region(region) => {
            filter.and(
                &format!("{column} IN (SELECT code FROM communes WHERE millesime = {CURRENT_MILLESIME} AND region_code = ?)"),
                region.as_str(),
            );
        }
        Area::Epci(siren) => {
            filter.and(
                &format!("{column} IN (SELECT code FROM communes WHERE millesime = {CURRENT_MILLESIME} AND epci_siren = ?)"),
                siren.as_str(),
            );
        }
        Area::Territory(id) => {
            let members = "pm.phase = ? AND pm.territory_id = ? AND pm.valid_from <= ? AND (pm.valid_to IS NULL OR pm.valid_to > ?)";
            let values = || {
                let day = iso_date(frame.on);
                vec![
                    Value::from(frame.phase.slug()),
                    Value::from(id.as_str()),
                    Value::from(day.clone()),
                    Value::from(day),
                ]
            };
            filter.and_all(
                &format!(
                    "{column} IN (SELECT gm.commune_code FROM perimeter_members pm
                       JOIN grouping_members gm ON gm.millesime = {CURRENT_MILLESIME} AND gm.grouping_siren = pm.siren
                       WHERE {members}
                     UNION SELECT c.code FROM perimeter_members pm
                       JOIN communes c ON c.millesime = {CURRENT_MILLESIME} AND c.siren = pm.siren
                       WHERE {members})"
                ),
                values().into_iter().chain(values()).collect(),
            );
        }
    }
}
