//! The one error type of the storage layer.

use territoires_domain::DomainError;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("base de données : {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("migration : {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The configuration (URL…) is wrong.
    #[error("{0}")]
    Config(String),
    /// What was asked for does not exist.
    #[error("introuvable : {0}")]
    NotFound(String),
    /// The record exists already, or another write got there first.
    #[error("conflit : {0}")]
    Conflict(String),
    /// A value or rule of the domain is broken.
    #[error(transparent)]
    Invalid(#[from] DomainError),
    /// The author's profile does not allow the write.
    #[error("{0}")]
    Forbidden(String),
    /// The operation needs something done first (e.g. the referential imported).
    #[error("{0}")]
    Precondition(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to a [`StoreError::Conflict`] with the given message.
    pub(crate) fn conflict_on_unique(
        err: sqlx::Error,
        message: impl FnOnce() -> String,
    ) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(message())
            }
            _ => StoreError::Database(err),
        }
    }
}
