//! Tables from spreadsheets: CSV (`;` or `,`, UTF-8) and XLSX sheets, as header names and numbered rows.

use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, Reader};
use territoires_domain::search::search_key;

use crate::{IngestError, Result};

/// A table read from a file: header names, then numbered rows of cells.
pub(crate) struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// Column positions by normalised header (lower case, no accents, `_` for spaces).
    pub fn column_index(&self) -> HashMap<String, usize> {
        self.header
            .iter()
            .enumerate()
            .map(|(i, h)| (search_key(h).replace(' ', "_"), i))
            .collect()
    }
}

impl Table {
    /// Refuses a table that lacks a required column or has one it does not know, naming them and the
    /// columns expected.
    pub fn check_columns(&self, path: &Path, required: &[&str], known: &[&str]) -> Result<()> {
        let index = self.column_index();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !index.contains_key(*c))
            .collect();
        let unknown: Vec<&str> = self
            .header
            .iter()
            .filter(|h| {
                let key = search_key(h).replace(' ', "_");
                !key.is_empty() && !known.contains(&key.as_str())
            })
            .map(String::as_str)
            .collect();
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("colonne(s) manquante(s) : {}", missing.join(", ")));
        }
        if !unknown.is_empty() {
            problems.push(format!("colonne(s) inconnue(s) : {}", unknown.join(", ")));
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(IngestError::Format {
            path: path.to_owned(),
            message: format!(
                "{} (colonnes attendues : {})",
                problems.join(" ; "),
                known.join(", ")
            ),
        })
    }
}

pub(crate) fn read_csv(path: &Path, bytes: &[u8]) -> Result<Table> {
    let text = std::str::from_utf8(bytes).map_err(|e| IngestError::Format {
        path: path.to_owned(),
        message: format!(
            "encodage attendu UTF-8 (octet invalide à la position {})",
            e.valid_up_to()
        ),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Spreadsheets saved in French use semicolons; others use commas.
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.matches(';').count() >= first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| IngestError::Format {
            path: path.to_owned(),
            message: e.to_string(),
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            IngestError::record(path, format!("ligne {line}"), "-", e)
        })?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(Table { header, rows })
}

/// Reads one sheet of a workbook: `sheet`, or the first one. `Ok(None)` if the named sheet is absent.
pub(crate) fn read_xlsx_sheet(path: &Path, sheet: Option<&str>) -> Result<Option<Table>> {
    let format = |message: String| IngestError::Format {
        path: path.to_owned(),
        message,
    };
    let mut workbook = calamine::open_workbook_auto(path).map_err(|e| format(e.to_string()))?;
    let names = workbook.sheet_names();
    let sheet = match sheet {
        Some(wanted) => match names.iter().find(|n| search_key(n) == search_key(wanted)) {
            Some(name) => name.clone(),
            None => return Ok(None),
        },
        None => names
            .first()
            .cloned()
            .ok_or_else(|| format("classeur sans feuille".into()))?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| format(e.to_string()))?;
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, row)| (i + 1, row.iter().map(cell_text).collect::<Vec<_>>()));
    let header = rows
        .next()
        .map(|(_, h)| h)
        .ok_or_else(|| format(format!("feuille « {sheet} » vide")))?;
    Ok(Some(Table {
        header,
        rows: rows
            .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
            .collect(),
    }))
}

/// Reads the first sheet of a workbook, or the one named.
pub(crate) fn read_xlsx(path: &Path, sheet: Option<&str>) -> Result<Table> {
    read_xlsx_sheet(path, sheet)?.ok_or_else(|| IngestError::Format {
        path: path.to_owned(),
        message: format!("feuille « {} » absente", sheet.unwrap_or_default()),
    })
}

/// A cell as text; spreadsheet dates become ISO dates.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_serial_to_iso(dt.as_f64()),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Spreadsheet serial dates count days from 1899-12-30.
fn excel_serial_to_iso(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    let date = epoch + time::Duration::days(serial.floor() as i64);
    territoires_domain::fr::iso_date(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_serial_dates_are_calendar_dates() {
        assert_eq!(excel_serial_to_iso(43788.0), "2019-11-19");
    }
}
