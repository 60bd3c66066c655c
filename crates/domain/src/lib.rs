//! The pure domain of *Territoires d'industrie*: the programme's vocabulary as types, and the rules that
//! apply to them. Nothing here does IO, so every rule is unit-tested without a database.

//!
//! Each area of the programme has its module, named the same in every crate of the workspace:
//! [`registry`] (geography, territories, labelling, milestones, governance), [`portfolio`] (fiches actions
//! and their funding), [`land`] (economic land: brownfields, vacancy, the observatory), [`bilan`] (the
//! indicator engine) and [`access`] (who may do what). The modules at the
//! root are the vocabulary they share: identifiers, phases, money, French formatting, maps.

pub mod access;
pub mod bilan;
pub mod draft;
pub mod error;
pub mod fr;
pub mod ids;
pub mod land;
pub mod map;
pub mod money;
pub mod opendata;
pub mod phase;
pub mod portfolio;
pub mod registry;
pub mod search;
pub mod text;

pub use error::DomainError;
