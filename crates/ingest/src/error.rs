//! The one error type of ingestion: where in which file, and what was expected.

use std::path::PathBuf;

/// Why an import failed. Nothing was written when this is returned.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A file could not be opened or read.
    #[error("{path} : lecture impossible ({source})")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not of the expected format at all.
    #[error("{path} : format invalide ({message})")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// One record of a file is wrong.
    #[error("{path}, {location}, champ « {field} » : {message}")]
    Record {
        /// The file.
        path: PathBuf,
        /// Line or record (`ligne 12`, `entité 3 (ti-4401)`).
        location: String,
        /// The field or column.
        field: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// Several records are wrong: all of them are reported at once.
    #[error("{}", many(.0))]
    Many(Vec<IngestError>),
    /// The store refused the import.
    #[error(transparent)]
    Store(#[from] territoires_store::StoreError),
}

impl IngestError {
    pub(crate) fn record(
        path: &std::path::Path,
        location: impl Into<String>,
        field: impl Into<String>,
        message: impl ToString,
    ) -> Self {
        IngestError::Record {
            path: path.to_owned(),
            location: location.into(),
            field: field.into(),
            message: message.to_string(),
        }
    }

    /// Returns `Ok` if no error was collected, or all of them at once.
    pub(crate) fn check(errors: Vec<IngestError>) -> Result<(), IngestError> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.into_iter().next().expect("one error")),
            _ => Err(IngestError::Many(errors)),
        }
    }
}

/// One problem of a file, as an import report lists it (a row of its table or of its CSV).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub file: String,
    /// Where in it (`feuille projets, ligne 12`), empty for the whole file.
    pub location: String,
    /// The column or field, empty when none.
    pub column: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl IngestError {
    /// Every problem this error reports, one per record (all of them, not only the first ones shown).
    pub fn problems(&self) -> Vec<Problem> {
        let whole = |path: &std::path::Path, message: String| Problem {
            file: path.display().to_string(),
            location: String::new(),
            column: String::new(),
            message,
        };
        match self {
            IngestError::Io { path, source } => {
                vec![whole(path, format!("lecture impossible ({source})"))]
            }
            IngestError::Format { path, message } => {
                vec![whole(path, format!("format invalide ({message})"))]
            }
            IngestError::Record {
                path,
                location,
                field,
                message,
            } => vec![Problem {
                file: path.display().to_string(),
                location: location.clone(),
                column: if field == "-" {
                    String::new()
                } else {
                    field.clone()
                },
                message: message.clone(),
            }],
            IngestError::Many(errors) => errors.iter().flat_map(IngestError::problems).collect(),
            IngestError::Store(e) => vec![Problem {
                file: String::new(),
                location: String::new(),
                column: String::new(),
                message: e.to_string(),
            }],
        }
    }
}

/// How many errors a report lists; the count says how many there are in all.
pub const ERRORS_SHOWN: usize = 200;

/// Every error of a file, the first [`ERRORS_SHOWN`] listed.
fn many(errors: &[IngestError]) -> String {
    let mut text = format!("{} erreur(s) :", errors.len());
    for e in errors.iter().take(ERRORS_SHOWN) {
        text.push('\n');
        text.push_str(&e.to_string());
    }
    if errors.len() > ERRORS_SHOWN {
        text.push_str(&format!(
            "\n… et {} autre(s), non listée(s) : corrigez celles-ci et importez de nouveau",
            errors.len() - ERRORS_SHOWN
        ));
    }
    text
}
