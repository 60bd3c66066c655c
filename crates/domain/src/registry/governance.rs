//! Governance of a territory: the *binôme élu–industriel* and the *chef de projet*, as a dated history of
//! appointments. A new appointment to a role ends the previous one; nothing is ever edited in place.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

use super::milestone::Withdrawal;
use crate::fr::long_date;
use crate::DomainError;

/// A role in a territory's governance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The elected half of the binôme.
    BinomeElu,
    /// The industrialist half of the binôme.
    BinomeIndustriel,
    /// The project lead the territory recruits.
    ChefDeProjet,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 3] = [Role::BinomeElu, Role::BinomeIndustriel, Role::ChefDeProjet];

    /// The code used in files and the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::BinomeElu => "binome_elu",
            Role::BinomeIndustriel => "binome_industriel",
            Role::ChefDeProjet => "chef_de_projet",
        }
    }

    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Role::BinomeElu => "Binôme élu",
            Role::BinomeIndustriel => "Binôme industriel",
            Role::ChefDeProjet => "Chef de projet",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Role {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| {
                DomainError::invalid("role", s, "binome_elu, binome_industriel ou chef_de_projet")
            })
    }
}

/// An appointment to a role from a date. `person: None` records the post as vacant from that date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// The role filled (or left vacant).
    pub role: Role,
    /// Who holds it; `None` when the post is vacant.
    pub person: Option<String>,
    /// Their organisation (company, EPCI, employer of the chef de projet).
    pub organisation: String,
    /// From when.
    pub started_on: Date,
    /// Set when the appointment was recorded in error.
    pub withdrawal: Option<Withdrawal>,
}

impl Appointment {
    /// Checks the appointment before it is recorded on `today`.
    pub fn validate(&self, today: Date) -> Result<(), DomainError> {
        if let Some(person) = &self.person {
            if person.trim().is_empty() {
                return Err(DomainError::invalid(
                    "personne",
                    person,
                    "un nom, ou rien pour un poste vacant",
                ));
            }
        }
        if self.started_on.year() < 2018 {
            return Err(DomainError::Rule(
                "une désignation ne peut précéder le programme (2018)".into(),
            ));
        }
        if self.started_on > today {
            return Err(DomainError::Rule(format!(
                "désignation datée du {}, dans le futur",
                long_date(self.started_on)
            )));
        }
        Ok(())
    }
}

/// Who held each role on a date, with the date their appointment ends (the next appointment), if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seat {
    /// The appointment in force.
    pub appointment: Appointment,
    /// The day the next appointment to the role started, if it has.
    pub ended_on: Option<Date>,
}

/// The governance as of `date`: for each role, the latest appointment started on or before it. Roles never
/// filled are absent; appointments withdrawn by then are ignored.
pub fn governance_as_of(history: &[Appointment], date: Date) -> Vec<Seat> {
    Role::ALL
        .into_iter()
        .filter_map(|role| {
            let mut of_role: Vec<&Appointment> = history
                .iter()
                .filter(|a| {
                    a.role == role && !a.withdrawal.as_ref().is_some_and(|w| w.in_force(date))
                })
                .collect();
            of_role.sort_by_key(|a| a.started_on);
            let current = of_role.iter().rposition(|a| a.started_on <= date)?;
            Some(Seat {
                appointment: of_role[current].clone(),
                ended_on: of_role.get(current + 1).map(|next| next.started_on),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn appoint(role: Role, person: Option<&str>, on: Date) -> Appointment {
        Appointment {
            role,
            person: person.map(str::to_owned),
            organisation: "Org".into(),
            started_on: on,
            withdrawal: None,
        }
    }

    #[test]
    fn the_latest_appointment_holds_the_seat() {
        let h = vec![
            appoint(Role::ChefDeProjet, Some("A"), date!(2019 - 01 - 01)),
            appoint(Role::ChefDeProjet, None, date!(2020 - 06 - 01)),
            appoint(Role::ChefDeProjet, Some("B"), date!(2020 - 09 - 01)),
            appoint(Role::BinomeElu, Some("E"), date!(2019 - 02 - 01)),
        ];
        let early = governance_as_of(&h, date!(2019 - 01 - 15));
        assert_eq!(early.len(), 1);
        assert_eq!(early[0].appointment.person.as_deref(), Some("A"));
        assert_eq!(early[0].ended_on, Some(date!(2020 - 06 - 01)));

        let gap = governance_as_of(&h, date!(2020 - 07 - 01));
        let chef = gap
            .iter()
            .find(|s| s.appointment.role == Role::ChefDeProjet)
            .unwrap();
        assert_eq!(
            chef.appointment.person, None,
            "the post is vacant between A and B"
        );

        let late = governance_as_of(&h, date!(2024 - 01 - 01));
        assert_eq!(late.len(), 2);
        assert_eq!(late[0].appointment.role, Role::BinomeElu);
        assert_eq!(late[1].appointment.person.as_deref(), Some("B"));
        assert_eq!(late[1].ended_on, None);
    }

    #[test]
    fn blank_names_are_refused() {
        let today = date!(2026 - 11 - 23);
        let a = appoint(Role::BinomeElu, Some("  "), date!(2020 - 01 - 01));
        assert!(a.validate(today).is_err());
        assert!(appoint(Role::BinomeElu, None, date!(2020 - 01 - 01))
            .validate(today)
            .is_ok());
        assert!(appoint(Role::BinomeElu, Some("A"), date!(2027 - 01 - 01))
            .validate(today)
            .is_err());
    }

    #[test]
    fn a_withdrawn_appointment_gives_the_seat_back_to_the_previous_one() {
        let mut wrong = appoint(Role::BinomeElu, Some("Erreur"), date!(2021 - 01 - 01));
        wrong.withdrawal = Some(Withdrawal {
            on: date!(2021 - 02 - 01),
            reason: "mauvaise personne".into(),
        });
        let h = vec![
            appoint(Role::BinomeElu, Some("E"), date!(2019 - 01 - 01)),
            wrong,
        ];
        let holder = |on| governance_as_of(&h, on)[0].appointment.person.clone();
        assert_eq!(holder(date!(2021 - 01 - 15)).as_deref(), Some("Erreur"));
        assert_eq!(holder(date!(2021 - 03 - 01)).as_deref(), Some("E"));
    }
}
