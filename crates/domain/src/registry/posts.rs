//! The *chef de projet* posts of a territory as records: who employs the post, when it opened and closed,
//! and who co-finances it (funder, amount, period). Who holds the post is the governance history (role
//! `chef_de_projet`): a post is *filled* at a date when it is open and the seat has a holder then.

use serde::{Deserialize, Serialize};
use time::Date;

use super::governance::{governance_as_of, Appointment, Role};
use crate::fr::{iso_date, long_date};
use crate::money::Cents;
use crate::DomainError;

/// A co-financing of a post: a funder pays part of it over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cofunding {
    /// Funder code (as in the portfolio: `bdt`, `region-44`…).
    pub funder: String,
    /// Amount over the period.
    pub amount: Cents,
    /// First day covered.
    pub starts_on: Date,
    /// Last day covered.
    pub ends_on: Date,
}

/// A chef de projet post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectLeadPost {
    /// The employer (EPCI, syndicat mixte, CCI…).
    pub employer: String,
    /// Opened (created) on.
    pub opened_on: Date,
    /// Closed on, if it was.
    pub closed_on: Option<Date>,
    /// Its co-financings.
    pub cofundings: Vec<Cofunding>,
    /// Where the facts come from.
    pub source: String,
}

impl ProjectLeadPost {
    /// Checks the post before it is recorded on `today`.
    pub fn validate(&self, today: Date) -> Result<(), DomainError> {
        let who = format!(
            "poste de chef de projet ouvert le {}",
            iso_date(self.opened_on)
        );
        let rule = |msg: String| Err(DomainError::Rule(format!("{who} : {msg}")));
        if self.employer.trim().is_empty() {
            return rule("l'employeur est vide".into());
        }
        if self.opened_on.year() < 2018 {
            return rule("ouverture antérieure au programme (2018)".into());
        }
        if self.opened_on > today {
            return rule(format!("ouverture future ({})", long_date(self.opened_on)));
        }
        if let Some(closed) = self.closed_on {
            if closed < self.opened_on {
                return rule(format!(
                    "fermeture le {} avant l'ouverture",
                    long_date(closed)
                ));
            }
            if closed > today {
                return rule(format!("fermeture future ({})", long_date(closed)));
            }
        }
        for c in &self.cofundings {
            if c.funder.trim().is_empty() {
                return rule("cofinancement sans financeur".into());
            }
            if c.amount <= Cents::ZERO {
                return rule(format!(
                    "cofinancement de {} : montant attendu positif",
                    c.funder
                ));
            }
            if c.ends_on < c.starts_on {
                return rule(format!(
                    "cofinancement de {} : période {} – {} inversée",
                    c.funder,
                    iso_date(c.starts_on),
                    iso_date(c.ends_on)
                ));
            }
        }
        Ok(())
    }

    /// Whether the post exists on `date`.
    pub fn open_on(&self, date: Date) -> bool {
        self.opened_on <= date && self.closed_on.is_none_or(|c| date < c)
    }

    /// The co-financings covering `date` while the post is open.
    pub fn cofunded_on(&self, date: Date) -> impl Iterator<Item = &Cofunding> {
        let open = self.open_on(date);
        self.cofundings
            .iter()
            .filter(move |c| open && c.starts_on <= date && date <= c.ends_on)
    }
}

/// What a territory's chef de projet post looks like at a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostState {
    /// Nothing recorded: neither a post nor an appointment. Unknown, not "no post".
    Unknown,
    /// A post is open (or an appointment says the seat exists) and nobody holds it.
    Vacant,
    /// Somebody holds the seat.
    Filled,
}

/// The post situation of a territory at a date: filled, vacant or unknown, and whether a co-financing
/// covers it.
pub fn post_state(
    posts: &[ProjectLeadPost],
    appointments: &[Appointment],
    date: Date,
) -> (PostState, bool) {
    let seat = governance_as_of(appointments, date)
        .into_iter()
        .find(|s| s.appointment.role == Role::ChefDeProjet);
    let open = posts.iter().any(|p| p.open_on(date));
    let state = match seat {
        Some(s) if s.appointment.person.is_some() => PostState::Filled,
        Some(_) => PostState::Vacant,
        None if open => PostState::Vacant,
        None => PostState::Unknown,
    };
    let cofunded = posts.iter().any(|p| p.cofunded_on(date).next().is_some());
    (state, cofunded)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn post() -> ProjectLeadPost {
        ProjectLeadPost {
            employer: "CA Épinal".into(),
            opened_on: date!(2019 - 02 - 01),
            closed_on: Some(date!(2023 - 01 - 01)),
            cofundings: vec![Cofunding {
                funder: "bdt".into(),
                amount: Cents::euros(40_000),
                starts_on: date!(2019 - 02 - 01),
                ends_on: date!(2021 - 01 - 31),
            }],
            source: String::new(),
        }
    }

    fn chef(person: Option<&str>, on: Date) -> Appointment {
        Appointment {
            role: Role::ChefDeProjet,
            person: person.map(str::to_owned),
            organisation: "CA Épinal".into(),
            started_on: on,
            withdrawal: None,
        }
    }

    #[test]
    fn a_post_is_filled_when_its_seat_has_a_holder() {
        let posts = [post()];
        let seats = [
            chef(Some("A. Martin"), date!(2019 - 04 - 01)),
            chef(None, date!(2021 - 09 - 01)),
        ];
        assert_eq!(
            post_state(&posts, &seats, date!(2019 - 03 - 01)),
            (PostState::Vacant, true)
        );
        assert_eq!(
            post_state(&posts, &seats, date!(2020 - 01 - 01)),
            (PostState::Filled, true)
        );
        assert_eq!(
            post_state(&posts, &seats, date!(2021 - 10 - 01)),
            (PostState::Vacant, false)
        );
        assert_eq!(
            post_state(&[], &[], date!(2021 - 10 - 01)),
            (PostState::Unknown, false),
            "nothing recorded is unknown, not vacant"
        );
    }

    #[test]
    fn posts_are_checked() {
        let today = date!(2026 - 11 - 23);
        assert!(post().validate(today).is_ok());
        let mut p = post();
        p.cofundings[0].ends_on = date!(2018 - 01 - 01);
        assert!(p
            .validate(today)
            .unwrap_err()
            .to_string()
            .contains("inversée"));
        let mut p = post();
        p.employer = " ".into();
        assert!(p.validate(today).is_err());
        let mut p = post();
        p.closed_on = Some(date!(2027 - 01 - 01));
        assert!(p.validate(today).is_err());
    }
}
