//! Sign-in, sessions and the checks of every write.

pub(crate) mod admin;
pub mod auth;
pub(crate) mod guard;
pub(crate) mod headers;
pub mod proconnect;
pub(crate) mod proconnect_pages;
pub mod rate;
pub mod reset;
