//! The registry's files: the official referential, ANCT territory lists, history spreadsheets, and the
//! territory list exports.

pub mod export;
mod geojson;
pub mod history;
pub mod posts;
pub mod reference;
pub mod referential;
pub mod territories;
