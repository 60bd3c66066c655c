//! The bounds an upload is read within: a hostile file (a zip bomb, a huge sheet) is refused before it
//! costs memory or time, with a sentence that says which bound and by how much.

use std::io::Cursor;

/// The largest file read (a national portfolio workbook is a few megabytes).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// The largest a workbook may grow once unzipped.
pub const MAX_UNZIPPED_BYTES: u64 = 512 * 1024 * 1024;
/// How much larger than the file its unzipped content may be: spreadsheets compress 5 to 20 times, bombs
/// a thousand.
pub const MAX_RATIO: u64 = 100;
/// The most lines a table may have (the national portfolio has some 50,000 funding lines).
pub const MAX_ROWS: usize = 500_000;

/// Why a file is refused, in French.
pub fn check_size(len: usize) -> Result<(), String> {
    if len > MAX_FILE_BYTES {
        return Err(format!(
            "fichier de {} Mo, au-delà de la limite de {} Mo : découpez-le",
            len / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    Ok(())
}

/// Checks a workbook's zip directory before anything is inflated: the sizes its entries declare, and
/// that each entry is no larger than declared is enforced by the reader.
pub fn check_zip(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| "classeur illisible (archive zip invalide)".to_owned())?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|_| "classeur illisible (entrée zip invalide)".to_owned())?;
        total = total.saturating_add(entry.size());
    }
    let limit = MAX_UNZIPPED_BYTES.min(
        (bytes.len() as u64)
            .saturating_mul(MAX_RATIO)
            .max(16 * 1024 * 1024),
    );
    if total > limit {
        return Err(format!(
            "classeur refusé : {} Mo une fois décompressé pour {} Ko de fichier (limite {} Mo) — \
             probablement une « bombe zip » ; enregistrez-le de nouveau depuis votre tableur",
            total / (1024 * 1024),
            bytes.len() / 1024,
            limit / (1024 * 1024)
        ));
    }
    Ok(())
}
