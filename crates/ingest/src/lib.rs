//! Ingestion: turns the official files (referential, ANCT territories) and the spreadsheets users keep
//! (milestones, governance) into domain values, with errors that name the file, the record and the field,
//! then hands them to the store, which writes each import in one transaction.

pub mod bilan;
pub mod context;
pub mod demo;
mod error;
pub mod land;
pub mod opendata;
pub mod portfolio;
pub mod registry;
mod source;
pub mod spreadsheet;
pub mod table;
pub mod template;

pub use error::{IngestError, Problem, ERRORS_SHOWN};
pub use source::{default_data_dir, hash, DataDir};

/// Result of this crate's operations.
pub type Result<T, E = IngestError> = std::result::Result<T, E>;
