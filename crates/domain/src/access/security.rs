//! What the security log records, and how many failed sign-ins are tolerated before an account or an
//! address must wait: guessing a password takes more than a few tries a quarter of an hour.

use time::Duration;

/// An event of the security log (kept apart from the business audit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityEvent {
    /// A user signed in.
    SignedIn,
    /// A sign-in failed: unknown account or wrong password (the log does not say which).
    SignInFailed,
    /// A sign-in was refused without checking the password: too many recent failures.
    SignInThrottled,
    /// A user signed out.
    SignedOut,
    /// An API token was used.
    TokenUsed,
    /// An API call came with a token that is unknown, expired or revoked.
    TokenRefused,
    /// A ProConnect sign-in failed (the provider's error, a stale or forged answer).
    ProConnectFailed,
    /// An agent unknown to the platform signed in with ProConnect: an access request.
    AccessRequested,
    /// An access request was granted with a profile.
    AccessGranted,
    /// An access request was refused.
    AccessRefused,
    /// An administrator issued a one-time password-reset link.
    PasswordResetIssued,
    /// A password was reset through such a link.
    PasswordReset,
    /// An API token was issued.
    TokenIssued,
    /// An API token was revoked.
    TokenRevoked,
}

impl SecurityEvent {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            SecurityEvent::SignedIn => "connexion",
            SecurityEvent::SignInFailed => "echec_connexion",
            SecurityEvent::SignInThrottled => "connexion_refusee_tentatives",
            SecurityEvent::SignedOut => "deconnexion",
            SecurityEvent::TokenUsed => "jeton_utilise",
            SecurityEvent::TokenRefused => "jeton_refuse",
            SecurityEvent::ProConnectFailed => "echec_proconnect",
            SecurityEvent::AccessRequested => "demande_acces",
            SecurityEvent::AccessGranted => "acces_accorde",
            SecurityEvent::AccessRefused => "acces_refuse",
            SecurityEvent::PasswordResetIssued => "lien_reinitialisation",
            SecurityEvent::PasswordReset => "mot_de_passe_reinitialise",
            SecurityEvent::TokenIssued => "jeton_emis",
            SecurityEvent::TokenRevoked => "jeton_revoque",
        }
    }
}

/// How long an API token may be valid, in days: a token is a standing credential, renewed at least yearly.
pub const TOKEN_DAYS: std::ops::RangeInclusive<i64> = 1..=366;

/// What a token's validity must be, as users are told.
pub const TOKEN_DAYS_EXPECTED: &str = "attendu un nombre de jours de 1 à 366";

/// The expiry of a token valid `days` days from `from`, if that validity is allowed.
pub fn token_expiry(days: i64, from: time::OffsetDateTime) -> Option<time::OffsetDateTime> {
    TOKEN_DAYS
        .contains(&days)
        .then(|| from + Duration::days(days))
}

/// Failed sign-ins tolerated within a window, per account and per address.
#[derive(Debug, Clone, Copy)]
pub struct SignInThrottle {
    /// Failures on one account (whatever the address: a distributed guess).
    pub per_account: i64,
    /// Failures from one address (whatever the account: a sweep over accounts).
    pub per_address: i64,
    /// How far back failures count.
    pub window: Duration,
}

/// The platform's limits.
pub const SIGN_IN: SignInThrottle = SignInThrottle {
    per_account: 5,
    per_address: 20,
    window: Duration::minutes(15),
};

/// Why a sign-in attempt is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// Too many failures on this account.
    Account,
    /// Too many failures from this address.
    Address,
}

impl SignInThrottle {
    /// Whether one more attempt is refused, given the failures within the window.
    pub fn refusal(&self, account_failures: i64, address_failures: i64) -> Option<Throttled> {
        if account_failures >= self.per_account {
            Some(Throttled::Account)
        } else if address_failures >= self.per_address {
            Some(Throttled::Address)
        } else {
            None
        }
    }

    /// What the user is told.
    pub fn message(&self, why: Throttled) -> String {
        let minutes = self.window.whole_minutes();
        match why {
            Throttled::Account => format!(
                "Trop de tentatives de connexion échouées pour ce compte : réessayez dans {minutes} minutes."
            ),
            Throttled::Address => format!(
                "Trop de tentatives de connexion échouées depuis votre adresse : réessayez dans {minutes} minutes."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_last_from_a_day_to_a_year() {
        let from = time::macros::datetime!(2026-01-01 0:00 UTC);
        assert_eq!(token_expiry(0, from), None);
        assert_eq!(token_expiry(367, from), None);
        assert_eq!(
            token_expiry(366, from),
            Some(time::macros::datetime!(2027-01-02 0:00 UTC))
        );
    }

    #[test]
    fn the_sixth_failure_on_an_account_waits_and_a_sweep_over_accounts_too() {
        assert_eq!(SIGN_IN.refusal(4, 4), None);
        assert_eq!(SIGN_IN.refusal(5, 5), Some(Throttled::Account));
        assert_eq!(SIGN_IN.refusal(0, 19), None);
        assert_eq!(SIGN_IN.refusal(0, 20), Some(Throttled::Address));
        assert!(SIGN_IN
            .message(Throttled::Account)
            .contains("réessayez dans 15 minutes"));
    }
}
