//! Text tables: CSV as spreadsheets save it — UTF-8 (with or without a BOM) or Windows-1252, detected;
//! `;`, `,` or tab, detected; title lines above the header and short or empty lines tolerated (the header
//! is found later, against the table's columns).

use std::path::Path;

use super::{limits, Table};
use crate::{IngestError, Result};

/// Decodes a text file: UTF-8 when it is valid UTF-8, otherwise the encoding the bytes look like
/// (Windows-1252 for a French Excel export). Returns the text and the encoding's name when it was not
/// UTF-8, for the report.
pub fn decode(bytes: &[u8]) -> (String, Option<&'static str>) {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_owned(), None);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let encoding = detector.guess(Some(b"fr"), true);
    let (text, _, _) = encoding.decode(bytes);
    (text.into_owned(), Some(encoding.name()))
}

/// The separator of a CSV text: the one of `;`, `,` and tab that splits its first lines most evenly
/// into the most fields.
fn delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|&d| {
            let counts: Vec<usize> = lines
                .iter()
                .map(|l| l.bytes().filter(|&b| b == d).count())
                .collect();
            // The most common count over the lines (a title line has none): how many fields a row has.
            let mut mode = (0, 0);
            for &c in &counts {
                let n = counts.iter().filter(|&&x| x == c).count();
                if c > 0 && (n, c) > mode {
                    mode = (n, c);
                }
            }
            mode
        })
        .unwrap_or(b';')
}

/// Reads a CSV file: every line with its number, empty lines skipped; the first line is taken as the
/// header until the table's columns say otherwise.
pub(crate) fn read_csv(path: &Path, bytes: &[u8]) -> Result<Table> {
    let format = |message: String| IngestError::Format {
        path: path.to_owned(),
        message,
    };
    limits::check_size(bytes.len()).map_err(format)?;
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xd0\xcf\x11\xe0") {
        return Err(format(
            "c'est un classeur, pas un fichier CSV : enregistrez-le en .xlsx ou .ods".into(),
        ));
    }
    if bytes.contains(&0) {
        return Err(format(
            "ce n'est pas un fichier texte (CSV) ni un classeur".into(),
        ));
    }
    let (text, encoding) = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            IngestError::record(path, format!("ligne {line}"), "-", e)
        })?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if lines.len() >= limits::MAX_ROWS {
            return Err(format(format!(
                "plus de {} lignes : découpez le fichier",
                limits::MAX_ROWS
            )));
        }
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        lines.push((
            line,
            record
                .iter()
                .map(|c| crate::spreadsheet::read_csv_text(c).to_owned())
                .collect(),
        ));
    }
    let mut table = Table::from_lines(lines).ok_or_else(|| format("fichier vide".into()))?;
    if let Some(name) = encoding {
        table.notes.push(format!(
            "encodage {name} détecté (le fichier n'est pas en UTF-8) : vérifiez les accents de l'aperçu"
        ));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_is_the_one_that_splits_lines_evenly() {
        assert_eq!(delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(
            delimiter("Titre du tableau\na,b,c\n1,\"2;5\",3\n4,5,6\n"),
            b','
        );
        assert_eq!(delimiter("a\tb\n1\t2\n"), b'\t');
    }

    #[test]
    fn windows_1252_is_detected_and_decoded() {
        let (text, encoding) = decode(b"titre;r\xe9gion\nCaf\xe9 de l'\xe9t\xe9;44\n");
        assert_eq!(encoding, Some("windows-1252"));
        assert!(
            text.contains("région") && text.contains("Café de l'été"),
            "{text}"
        );
        let (text, encoding) = decode("\u{feff}titre;région\n".as_bytes());
        assert_eq!((text.as_str(), encoding), ("titre;région\n", None));
    }
}
