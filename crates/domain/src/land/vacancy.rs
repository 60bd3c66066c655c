//! The legal vacancy of a business park's units (loi Climat et Résilience, art. 220, code de l'urbanisme
//! L. 318-8-2): a unit is *vacant* when no activity liable to the *cotisation foncière des entreprises*
//! has been carried on there for at least two years. A unit empty for less is only *unoccupied*: the
//! inventory each EPCI owes counts the vacant ones, and its vacancy rate is theirs over all units.

use serde::Serialize;
use time::{Date, Month};

/// How long a unit must go without a CFE activity to be vacant, in years.
pub const VACANCY_YEARS: i32 = 2;

/// What is known of the CFE activity of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CfeActivity {
    /// An activity liable to the CFE is carried on there.
    Ongoing,
    /// The last one ended on this day.
    EndedOn(Date),
    /// None has ever been carried on there since the unit exists (built, divided) on this day.
    NeverSince(Date),
}

/// A unit's occupancy in the inventory's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Occupancy {
    /// An activity is carried on there.
    Occupied,
    /// No activity, for less than two years: not vacant in the law's sense.
    Unoccupied,
    /// No activity for at least two years.
    Vacant,
}

/// A unit's occupancy on `on`: vacant from two years after its activity ended (the anniversary day
/// included), unoccupied before. A unit whose activity ends after `on` was still occupied then.
pub fn occupancy(activity: CfeActivity, on: Date) -> Occupancy {
    let idle_since = match activity {
        CfeActivity::Ongoing => return Occupancy::Occupied,
        CfeActivity::EndedOn(day) | CfeActivity::NeverSince(day) => day,
    };
    if idle_since > on {
        return Occupancy::Occupied;
    }
    if years_after(idle_since, VACANCY_YEARS) <= on {
        Occupancy::Vacant
    } else {
        Occupancy::Unoccupied
    }
}

/// The same day `years` later; 29 February gives 28 February in a common year.
fn years_after(day: Date, years: i32) -> Date {
    let year = day.year() + years;
    day.replace_year(year).unwrap_or_else(|_| {
        Date::from_calendar_date(year, Month::February, 28).expect("28 February exists every year")
    })
}

/// The vacancy rate of an inventory: vacant units over all units, in per cent; `None` for no unit (a
/// rate of nothing is unknown, not zero).
pub fn vacancy_rate(units: impl IntoIterator<Item = Occupancy>) -> Option<f64> {
    let (mut vacant, mut all) = (0u32, 0u32);
    for unit in units {
        all += 1;
        vacant += u32::from(unit == Occupancy::Vacant);
    }
    (all > 0).then(|| 100.0 * f64::from(vacant) / f64::from(all))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_unit_idle_for_23_months_is_not_vacant_and_for_25_months_is() {
        let ended = CfeActivity::EndedOn(date!(2023 - 01 - 15));
        assert_eq!(
            occupancy(ended, date!(2024 - 12 - 15)),
            Occupancy::Unoccupied
        );
        assert_eq!(
            occupancy(ended, date!(2025 - 01 - 14)),
            Occupancy::Unoccupied
        );
        assert_eq!(occupancy(ended, date!(2025 - 01 - 15)), Occupancy::Vacant);
        assert_eq!(occupancy(ended, date!(2025 - 02 - 15)), Occupancy::Vacant);
        let never = CfeActivity::NeverSince(date!(2022 - 06 - 01));
        assert_eq!(
            occupancy(never, date!(2024 - 05 - 01)),
            Occupancy::Unoccupied
        );
        assert_eq!(occupancy(never, date!(2024 - 07 - 01)), Occupancy::Vacant);
    }

    #[test]
    fn an_ongoing_or_future_end_is_occupied_and_29_february_counts_to_28() {
        assert_eq!(
            occupancy(CfeActivity::Ongoing, date!(2025 - 01 - 01)),
            Occupancy::Occupied
        );
        let later = CfeActivity::EndedOn(date!(2026 - 03 - 01));
        assert_eq!(occupancy(later, date!(2025 - 01 - 01)), Occupancy::Occupied);
        let leap = CfeActivity::EndedOn(date!(2024 - 02 - 29));
        assert_eq!(
            occupancy(leap, date!(2026 - 02 - 27)),
            Occupancy::Unoccupied
        );
        assert_eq!(occupancy(leap, date!(2026 - 02 - 28)), Occupancy::Vacant);
    }

    #[test]
    fn the_rate_counts_vacant_units_only_and_is_unknown_without_units() {
        use Occupancy::*;
        assert_eq!(
            vacancy_rate([Vacant, Unoccupied, Occupied, Occupied]),
            Some(25.0)
        );
        assert_eq!(vacancy_rate([]), None);
    }
}
