//! Access requests: an agent ProConnect knows signs in for the first time, and someone who administers
//! accounts decides.

use std::fmt;
use std::str::FromStr;

use crate::DomainError;

/// Where an access request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    /// Waiting for a decision.
    Pending,
    /// Granted with a profile: the account exists.
    Granted,
    /// Refused, with a reason the agent is shown when signing in again.
    Refused,
}

impl RequestStatus {
    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Pending => "en attente",
            RequestStatus::Granted => "accordée",
            RequestStatus::Refused => "refusée",
        }
    }
}

impl fmt::Display for RequestStatus {
    /// The stored code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestStatus::Pending => "en_attente",
            RequestStatus::Granted => "accordee",
            RequestStatus::Refused => "refusee",
        })
    }
}

impl FromStr for RequestStatus {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en_attente" => Ok(RequestStatus::Pending),
            "accordee" => Ok(RequestStatus::Granted),
            "refusee" => Ok(RequestStatus::Refused),
            _ => Err(DomainError::invalid(
                "statut de la demande",
                s,
                "en_attente, accordee ou refusee",
            )),
        }
    }
}

/// A password set through a reset link: long enough to resist guessing, without composition rules
/// (ANSSI's recommendation for passwords alone: length first).
pub fn check_new_password(password: &str) -> Result<(), DomainError> {
    const MIN: usize = 12;
    if password.chars().count() < MIN {
        return Err(DomainError::Rule(format!(
            "le mot de passe doit compter au moins {MIN} caractères"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_short_passwords_are_refused() {
        for s in [
            RequestStatus::Pending,
            RequestStatus::Granted,
            RequestStatus::Refused,
        ] {
            assert_eq!(s.to_string().parse::<RequestStatus>().unwrap(), s);
        }
        assert!("accepted".parse::<RequestStatus>().is_err());
        assert!(check_new_password("court").is_err());
        assert!(check_new_password("une phrase assez longue").is_ok());
    }
}
