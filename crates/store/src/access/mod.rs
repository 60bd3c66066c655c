//! Accounts, sessions and profiles, and who a write is made by.

pub mod accounts;
pub mod requests;
pub mod resets;
pub mod security;
pub mod tokens;

use territoires_domain::access::Profile;

/// Who makes a write: the name the audit log keeps, and the profile the write is checked against inside
/// its own transaction (on the rows as they are then, so no change between a check and the write slips
/// through). The platform's own tools — CLI imports, the demo, benchmarks — write without a profile.
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    /// Name in the audit log (`user:…`, `cli`…).
    pub actor: &'a str,
    /// The signed-in user's profile, if a user writes.
    pub profile: Option<&'a Profile>,
}

impl<'a> Author<'a> {
    /// A signed-in user with their profile.
    pub fn user(actor: &'a str, profile: &'a Profile) -> Author<'a> {
        Author {
            actor,
            profile: Some(profile),
        }
    }
}

impl<'a> From<&'a str> for Author<'a> {
    /// One of the platform's own tools, named so in the audit log.
    fn from(actor: &'a str) -> Author<'a> {
        Author {
            actor,
            profile: None,
        }
    }
}
