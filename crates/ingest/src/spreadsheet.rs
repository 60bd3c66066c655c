//! Spreadsheets out: CSV as French spreadsheets open it (`;`, UTF-8 with a BOM, decimal comma) and XLSX
//! sheets with numbers stored as numbers, unknown values as empty cells, and text that can never run as a
//! formula.

use rust_xlsxwriter::{Format, Worksheet, XlsxError};
use territoires_domain::fr::iso_date;
use territoires_domain::money::Cents;
use time::Date;

/// A cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as text.
    Text(String),
    /// An amount in euros (cents inside); `None` is unknown: an empty cell, never 0.
    Cents(Option<Cents>),
    /// A whole number; `None` is unknown.
    Count(Option<i64>),
    /// A date, ISO in CSV and a date in XLSX; `None` is empty.
    Date(Option<Date>),
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
}

/// Text as a CSV cell that a spreadsheet will never evaluate: a leading `=`, `+`, `-`, `@`, tab or carriage
/// return (how formulas, and formula injections, start) is preceded by an apostrophe.
pub fn csv_text(text: &str) -> String {
    // A text that already starts with such an apostrophe gets one more, so that reading gives it back.
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) || read_csv_text(text) != text {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The text a CSV cell written by [`csv_text`] holds: the apostrophe before a formula's first character is
/// dropped, as a spreadsheet does when it shows the cell, so that an export imports back as it was.
pub fn read_csv_text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest)
            if rest
                .trim_start_matches('\'')
                .starts_with(['=', '+', '-', '@', '\t', '\r']) =>
        {
            rest
        }
        _ => cell,
    }
}

/// A CSV file of `columns` and `rows`.
pub fn csv(columns: &[&str], rows: impl IntoIterator<Item = Vec<Cell>>) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        w.write_record(columns).expect("writing to memory");
        for row in rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => csv_text(s),
                Cell::Cents(a) => a.map(|a| a.decimal().replace('.', ",")).unwrap_or_default(),
                Cell::Count(n) => n.map(|n| n.to_string()).unwrap_or_default(),
                Cell::Date(d) => d.map(iso_date).unwrap_or_default(),
            }))
            .expect("writing to memory");
        }
        w.flush().expect("writing to memory");
    }
    out
}

/// A workbook of one sheet named `name`: a header row and the rows, as [`write_rows`] writes them.
pub fn xlsx(
    name: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet().set_name(name)?;
    write_rows(sheet, 0, columns, rows)?;
    workbook.save_to_buffer()
}

/// Writes a header row and rows into a sheet from `first_row`: text as text, amounts in euros with the
/// euro format, counts as numbers, dates as dates, unknown values as empty cells.
pub fn write_rows(
    sheet: &mut Worksheet,
    first_row: u32,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<u32, XlsxError> {
    let bold = Format::new().set_bold();
    let euros = Format::new().set_num_format("#,##0.00 €");
    let day = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in columns.iter().enumerate() {
        sheet.write_string_with_format(first_row, c as u16, *h, &bold)?;
    }
    let mut row = first_row;
    for cells in rows {
        row += 1;
        for (c, cell) in cells.into_iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(row, c, s)?;
                }
                Cell::Cents(Some(a)) => {
                    sheet.write_number_with_format(row, c, a.as_euros_f64(), &euros)?;
                }
                Cell::Count(Some(n)) => {
                    sheet.write_number(row, c, n as f64)?;
                }
                Cell::Date(Some(d)) => {
                    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(
                        d.year() as u16,
                        d.month() as u8,
                        d.day(),
                    )?;
                    sheet.write_datetime_with_format(row, c, &date, &day)?;
                }
                Cell::Cents(None) | Cell::Count(None) | Cell::Date(None) => {}
            }
        }
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_never_run_and_unknown_is_empty() {
        let out = csv(
            &["a", "b", "c"],
            [vec![
                Cell::text("=HYPERLINK(\"http://x\")"),
                Cell::Cents(None),
                Cell::Cents(Some(Cents(-150))),
            ]],
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.ends_with(";;-1,50\n"), "{text}");
        assert_eq!(csv_text("-1"), "'-1");
        assert_eq!(csv_text("Vosges"), "Vosges");
        for text in ["=1+1", "-1", "'=x", "''+", "'t Hoeke", "@a", "Vosges", ""] {
            assert_eq!(read_csv_text(&csv_text(text)), text);
        }
        assert_eq!(read_csv_text("'t Hoeke"), "'t Hoeke");
    }
}
