//! Accounts, sessions and profiles.

pub mod accounts;
