//! Tables from spreadsheets as people write them: CSV (UTF-8 or Windows-1252, `;`, `,` or tab) and
//! workbook sheets (XLSX, ODS, XLS), read within bounds; the header row found below title rows and its
//! headers matched to the table's columns whatever their case, accents, synonyms or small typos; empty
//! lines skipped; what the reader noticed (encoding, hidden sheets, formulas) kept for the report.

mod columns;
pub mod limits;
mod mapping;
mod text;
mod workbook;

use std::collections::HashMap;
use std::path::Path;

pub use columns::{key, match_column};
pub use mapping::{
    identity, Choice, ColumnMapping, HeaderReading, How, TableHeaders, MAX_CHOICES, MAX_HEADER,
};
pub(crate) use text::read_csv;
pub(crate) use workbook::{is_workbook, Workbook};

use territoires_domain::error::EXCERPT;

use crate::source::read;
use crate::{IngestError, Result};

/// How many lines below the first one a header row is looked for (title rows, a logo, a date…).
const HEADER_SEARCH: usize = 10;

/// A table read from a file: header names, then numbered rows of cells.
pub(crate) struct Table {
    /// The header: once [`Table::check_columns`] has run, the table's column names.
    pub header: Vec<String>,
    /// Each row with its line number in the file.
    pub rows: Vec<(usize, Vec<String>)>,
    /// What the reader noticed and the report should say (encoding detected, hidden sheets, formulas).
    pub notes: Vec<String>,
    /// Once the columns are checked, how each header was read (also when they are refused).
    pub readings: Vec<HeaderReading>,
}

impl Table {
    /// A table of non-empty lines, the first taken as the header; `None` when there is none.
    fn from_lines(mut lines: Vec<(usize, Vec<String>)>) -> Option<Table> {
        if lines.is_empty() {
            return None;
        }
        let (_, header) = lines.remove(0);
        Some(Table {
            header,
            rows: lines,
            notes: Vec::new(),
            readings: Vec::new(),
        })
    }

    /// Column positions by header key (lower case, no accents, `_` for spaces).
    pub fn column_index(&self) -> HashMap<String, usize> {
        self.header
            .iter()
            .enumerate()
            .map(|(i, h)| (key(h), i))
            .collect()
    }

    /// Finds the header row (the first line, or the line among the next ones whose cells name the most
    /// columns: title rows above are dropped), matches each header to a column of `known`, and renames
    /// the header to the columns' names. Refuses, naming them with a suggestion, headers that match no
    /// column or the same column twice, and required columns that are absent.
    pub fn check_columns(&mut self, path: &Path, required: &[&str], known: &[&str]) -> Result<()> {
        self.check_columns_as(path, ("", &ColumnMapping::default()), required, known)
    }

    /// [`Table::check_columns`], reading the headers by a scope's `mapping` of `table` first.
    pub fn check_columns_as(
        &mut self,
        path: &Path,
        (table, mapping): (&str, &ColumnMapping),
        required: &[&str],
        known: &[&str],
    ) -> Result<()> {
        self.find_header(known, |h| mapping.get(table, h).is_some());
        self.readings = mapping.read(table, &self.header, known);
        let mut problems = Vec::new();
        for reading in &self.readings {
            match &reading.how {
                How::Twice { column } => problems.push(format!(
                    "la colonne « {} » désigne de nouveau « {column} »",
                    excerpt(&reading.written)
                )),
                How::Unknown { suggestion } => problems.push(format!(
                    "colonne inconnue « {} »{}",
                    excerpt(&reading.written),
                    suggestion
                        .as_ref()
                        .map(|c| format!(" (vouliez-vous dire « {c} » ?)"))
                        .unwrap_or_default()
                )),
                _ => {}
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !self.readings.iter().any(|r| r.column.as_deref() == Some(c)))
            .collect();
        if !missing.is_empty() {
            problems.push(format!("colonne(s) manquante(s) : {}", missing.join(", ")));
        }
        // A cell beyond the last header has no column: it would be silently dropped.
        if let Some((line, _)) = self.rows.iter().find(|(_, cells)| {
            cells
                .iter()
                .skip(self.header.len())
                .any(|c| !c.trim().is_empty())
        }) {
            problems.push(format!(
                "ligne {line} : des valeurs au-delà de la dernière colonne de l'en-tête"
            ));
        }
        if !problems.is_empty() {
            return Err(IngestError::Format {
                path: path.to_owned(),
                message: format!(
                    "{} (colonnes attendues : {})",
                    problems.join(" ; "),
                    known.join(", ")
                ),
            });
        }
        self.header = self
            .readings
            .iter()
            .map(|r| r.column.clone().unwrap_or_default())
            .collect();
        Ok(())
    }

    /// Refuses a table without rows: a file holding only its header is refused, not imported as nothing.
    pub fn check_rows(&self, path: &Path) -> Result<()> {
        if self.rows.is_empty() {
            return Err(IngestError::Format {
                path: path.to_owned(),
                message: "aucune ligne à importer : le fichier n'a que son en-tête".into(),
            });
        }
        Ok(())
    }

    /// Moves the header to the best header row among the first lines, dropping the title rows above.
    /// `chosen` tells the headers a scope's mapping reads, which count as naming a column.
    fn find_header(&mut self, known: &[&str], chosen: impl Fn(&str) -> bool) {
        let score = |cells: &[String]| {
            cells
                .iter()
                .filter(|c| match_column(c, known).is_some() || chosen(c))
                .count()
        };
        let first = score(&self.header);
        let best = self
            .rows
            .iter()
            .take(HEADER_SEARCH)
            .enumerate()
            .map(|(i, (_, cells))| (i, score(cells)))
            .filter(|(_, score)| *score > first)
            .max_by_key(|&(i, score)| (score, std::cmp::Reverse(i)));
        if let Some((i, _)) = best {
            let mut rest = self.rows.split_off(i);
            let (_, header) = rest.remove(0);
            self.header = header;
            self.rows = rest;
        }
    }
}

/// At most [`EXCERPT`] characters of a header, for messages.
pub(crate) fn excerpt(value: &str) -> String {
    territoires_domain::error::excerpt(value, EXCERPT)
}

/// Reads a table from a file's contents, whatever its name ends with (the bytes say which): a CSV text, or
/// a workbook's sheet named `table` (as the template names it), else its first visible sheet.
pub(crate) fn read_table(path: &Path, bytes: &[u8], table: &str) -> Result<Table> {
    if workbook::is_workbook(bytes) {
        let mut workbook = Workbook::open(path, bytes)?;
        match workbook.sheet(Some(table))? {
            Some(sheet) => Ok(sheet),
            None => workbook.sheet(None)?.ok_or_else(|| IngestError::Format {
                path: path.to_owned(),
                message: "classeur sans feuille".into(),
            }),
        }
    } else {
        read_csv(path, bytes)
    }
}

/// Reads a file, refusing one beyond [`limits::MAX_FILE_BYTES`] before reading it.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    if let Ok(meta) = std::fs::metadata(path) {
        limits::check_size(meta.len() as usize).map_err(|message| IngestError::Format {
            path: path.to_owned(),
            message,
        })?;
    }
    read(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        read_csv(Path::new("t.csv"), text.as_bytes()).unwrap()
    }

    #[test]
    fn the_header_is_found_below_title_rows_and_renamed_to_the_columns() {
        let mut t = table(
            "Plan d'actions du territoire;;\n\
             Mis à jour le 3 mars 2024;;\n\
             \n\
             Code;Intitulé;Territoire\n\
             P1;Campus;ti-4415\n\
             ;;\n\
             P2;Datacenter;ti-4401\n",
        );
        t.check_columns(
            Path::new("t.csv"),
            &["code"],
            &["code", "titre", "territoires"],
        )
        .unwrap();
        assert_eq!(t.header, ["code", "titre", "territoires"]);
        let lines: Vec<usize> = t.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(
            lines,
            [5, 7],
            "line numbers are the file's, empty lines skipped"
        );
    }

    #[test]
    fn unknown_missing_and_twice_named_columns_are_refused_with_a_suggestion() {
        let mut t = table("code;titer;Couleur;Titre\nP1;a;b;c\n");
        let err = t
            .check_columns(
                Path::new("t.csv"),
                &["code", "territoires"],
                &["code", "titre", "territoires"],
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("colonne inconnue « Couleur »"), "{err}");
        assert!(
            err.contains("« Titre » désigne de nouveau « titre »"),
            "{err}"
        );
        assert!(err.contains("manquante(s) : territoires"), "{err}");
        let mut t = table("code;titre;xyzzy_montant\nP1;a;b\n");
        let err = t
            .check_columns(Path::new("t.csv"), &[], &["code", "titre", "montant"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("colonne inconnue « xyzzy_montant »"), "{err}");
    }

    #[test]
    fn a_value_beyond_the_header_is_refused_with_its_line() {
        let mut t = table("code;titre\nP1;a\nP2;b;oublié\n");
        let err = t
            .check_columns(Path::new("t.csv"), &[], &["code", "titre"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ligne 3 : des valeurs au-delà"), "{err}");
    }

    #[test]
    fn hostile_or_empty_inputs_are_refused_clearly() {
        let err = |bytes: &[u8]| {
            read_csv(Path::new("x.csv"), bytes)
                .err()
                .unwrap()
                .to_string()
        };
        assert!(err(b"").contains("fichier vide"));
        assert!(err(b"\n;;\n\n").contains("fichier vide"));
        assert!(err(b"PK\x03\x04rest").contains("c'est un classeur"));
        assert!(err(b"\x7fELF\x00\x01").contains("pas un fichier texte"));
        let huge = vec![b'a'; limits::MAX_FILE_BYTES + 1];
        assert!(err(&huge).contains("au-delà de la limite"));
    }
}
