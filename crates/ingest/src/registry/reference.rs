//! The project's own reference data: what the sources say of each territory's labelling (see
//! `crates/ingest/reference/README.md`), loaded by `territoires up` after the ANCT lists.

use territoires_store::registry::referential::ImportOutcome;
use territoires_store::Store;

use crate::registry::history::read_history_text;
use crate::Result;

/// File name of the labelling reference, as named in errors and the audit log.
pub const LABELLINGS_FILE: &str = "reference/labellisations.csv";
const LABELLINGS: &str = include_str!("../../reference/labellisations.csv");

/// Loads the known labelling dates (needs the phase 1 territories imported). Loading them twice writes
/// nothing.
pub async fn load_labellings(store: &Store, actor: &str) -> Result<ImportOutcome> {
    let (records, content_hash) = read_history_text(LABELLINGS_FILE, LABELLINGS)?;
    Ok(store.import_history(&records, &content_hash, actor).await?)
}
