//! Workbooks (XLSX, ODS, XLS) read within bounds: the zip directory is checked before anything is
//! inflated, a hidden sheet and formulas are reported (a formula's last computed value is what is read),
//! and spreadsheet dates become calendar dates.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, SheetVisible};
use territoires_domain::search::search_key;

use super::{limits, Table};
use crate::{IngestError, Result};

/// Whether `bytes` look like a workbook (a zip, as XLSX and ODS are, or an old XLS compound file).
pub(crate) fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xd0\xcf\x11\xe0")
}

/// What a damaged file that made the spreadsheet reader fail is told.
const DAMAGED: &str =
    "classeur endommagé, illisible : enregistrez-le à nouveau depuis votre tableur";

/// Runs a call into the spreadsheet reader, its panic becoming `None`: a damaged file can make it panic (a
/// cell reference whose column overflows, in calamine 0.38), and a bad file is refused with a sentence, it
/// never brings the import down.
fn guarded<T>(read: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).ok()
}

/// A workbook opened once, its zip directory checked, to read as many of its sheets as asked.
pub(crate) struct Workbook<'a> {
    path: &'a Path,
    workbook: calamine::Sheets<Cursor<&'a [u8]>>,
    sheets: Vec<calamine::Sheet>,
}

impl<'a> Workbook<'a> {
    /// Opens the workbook in `bytes` (`path` names it in errors), refusing what is not one, or is too
    /// large once unzipped, before anything is inflated.
    pub(crate) fn open(path: &'a Path, bytes: &'a [u8]) -> Result<Workbook<'a>> {
        let format = |message: String| IngestError::Format {
            path: path.to_owned(),
            message,
        };
        limits::check_size(bytes.len()).map_err(format)?;
        if !is_workbook(bytes) {
            return Err(format(
                "ce n'est pas un classeur (XLSX, ODS ou XLS) : enregistrez-le depuis votre tableur"
                    .into(),
            ));
        }
        if bytes.starts_with(b"PK\x03\x04") {
            limits::check_zip(bytes).map_err(format)?;
        }
        let workbook = guarded(|| calamine::open_workbook_auto_from_rs(Cursor::new(bytes)))
            .ok_or_else(|| format(DAMAGED.into()))?
            .map_err(|e| format(format!("classeur illisible : {}", short(&e.to_string()))))?;
        let sheets = workbook.sheets_metadata().to_vec();
        Ok(Workbook {
            path,
            workbook,
            sheets,
        })
    }

    fn error(&self, message: String) -> IngestError {
        IngestError::Format {
            path: self.path.to_owned(),
            message,
        }
    }

    /// Reads one sheet: `sheet` (matched without case or accents), or the first visible one. `Ok(None)`
    /// if the named sheet is absent.
    pub(crate) fn sheet(&mut self, sheet: Option<&str>) -> Result<Option<Table>> {
        let hidden: Vec<String> = self
            .sheets
            .iter()
            .filter(|s| s.visible != SheetVisible::Visible)
            .map(|s| s.name.clone())
            .collect();
        let name = match sheet {
            Some(wanted) => match self
                .sheets
                .iter()
                .find(|s| search_key(&s.name) == search_key(wanted))
            {
                Some(s) => s.name.clone(),
                None => return Ok(None),
            },
            None => self
                .sheets
                .iter()
                .find(|s| s.visible == SheetVisible::Visible)
                .or(self.sheets.first())
                .map(|s| s.name.clone())
                .ok_or_else(|| self.error("classeur sans feuille".into()))?,
        };
        let range = guarded(|| self.workbook.worksheet_range(&name))
            .ok_or_else(|| self.error(format!("feuille « {name} » : {DAMAGED}")))?
            .map_err(|e| {
                self.error(format!(
                    "feuille « {name} » illisible : {}",
                    short(&e.to_string())
                ))
            })?;
        if range.height() > limits::MAX_ROWS {
            return Err(self.error(format!(
                "feuille « {name} » de {} lignes, au-delà de la limite de {} : découpez-la",
                range.height(),
                limits::MAX_ROWS
            )));
        }
        let formulas = guarded(|| self.workbook.worksheet_formula(&name))
            .ok_or_else(|| self.error(format!("feuille « {name} » : {DAMAGED}")))?
            .map(|f| f.used_cells().filter(|(_, _, f)| !f.is_empty()).count())
            .unwrap_or(0);
        // Rows are numbered as the spreadsheet shows them, from where the used range starts.
        let first_row = range.start().map_or(0, |(row, _)| row as usize);
        let lines = range
            .rows()
            .enumerate()
            .map(|(i, row)| {
                (
                    first_row + i + 1,
                    row.iter().map(cell_text).collect::<Vec<_>>(),
                )
            })
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
            .collect();
        let mut table = Table::from_lines(lines)
            .ok_or_else(|| self.error(format!("feuille « {name} » vide")))?;
        if hidden.contains(&name) {
            table.notes.push(format!(
                "la feuille « {name} » est masquée dans le classeur : elle est lue"
            ));
        } else if !hidden.is_empty() {
            table.notes.push(format!(
                "feuille(s) masquée(s) non lue(s) : {}",
                hidden.join(", ")
            ));
        }
        if formulas > 0 {
            table.notes.push(format!(
                "{formulas} cellule(s) de la feuille « {name} » contiennent une formule : la valeur \
                 calculée lors du dernier enregistrement est lue, pas la formule"
            ));
        }
        Ok(Some(table))
    }
}

/// At most 200 characters of a reader's message: an error never echoes a whole cell.
fn short(message: &str) -> String {
    territoires_domain::error::excerpt(message, 200)
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

/// A spreadsheet date cell as an ISO date (its time of day dropped); a serial beyond the calendar stays
/// the number it is, which the column's reading then refuses.
fn excel_serial_to_iso(serial: f64) -> String {
    territoires_domain::fr::excel_date(serial.floor() as i64)
        .map(territoires_domain::fr::iso_date)
        .unwrap_or_else(|| serial.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_serial_dates_are_calendar_dates() {
        assert_eq!(excel_serial_to_iso(43788.0), "2019-11-19");
    }
}
