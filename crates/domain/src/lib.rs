//! The pure domain of *Territoires d'industrie*: the programme's vocabulary as types, and the rules that
//! apply to them. Nothing here does IO, so every rule is unit-tested without a database.

pub mod access;
pub mod error;
pub mod fr;
pub mod funding;
pub mod governance;
pub mod ids;
pub mod indicators;
pub mod map;
pub mod milestone;
pub mod money;
pub mod phase;
pub mod portfolio;
pub mod project;
pub mod referential;
pub mod search;
pub mod territory;

pub use error::DomainError;
