//! The demo dataset: facts of the Grand Est press release of 19 November 2019 on the signature of the
//! region's Territoires d'industrie contracts, written as a history file (see `demo/README.md`).

use territoires_store::referential::ImportOutcome;
use territoires_store::Store;

use crate::history::read_history_text;
use crate::Result;

/// File name of the demo history, as named in errors and the audit log.
pub const DEMO_FILE: &str = "demo/grand-est-2019.csv";
const DEMO_HISTORY: &str = include_str!("../demo/grand-est-2019.csv");

/// Loads the demo history (needs the phase 1 territories imported). Loading it twice writes nothing.
pub async fn load_demo(store: &Store, actor: &str) -> Result<ImportOutcome> {
    let (records, content_hash) = read_history_text(DEMO_FILE, DEMO_HISTORY)?;
    Ok(store.import_history(&records, &content_hash, actor).await?)
}
