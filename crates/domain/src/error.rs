//! The one error type of the domain: a value that does not parse or a rule that is broken.

/// What went wrong, in words a user can act on (French, as shown in the UI and in import reports).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A value does not have the expected form.
    #[error("{field} : « {value} » invalide, attendu {expected}")]
    Invalid {
        /// The field or column the value came from.
        field: &'static str,
        /// The rejected value, as given.
        value: String,
        /// What was expected, in words.
        expected: &'static str,
    },
    /// A business rule forbids the operation.
    #[error("{0}")]
    Rule(String),
}

impl DomainError {
    pub(crate) fn invalid(field: &'static str, value: &str, expected: &'static str) -> Self {
        Self::Invalid {
            field,
            value: value.to_owned(),
            expected,
        }
    }
}
