//! Sign-in, sessions and the checks of every write.

pub mod auth;
pub(crate) mod guard;
pub(crate) mod headers;
