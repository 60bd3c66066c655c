//! The demo dataset: facts of the Grand Est press release of 19 November 2019 on the signature of the
//! region's Territoires d'industrie contracts, as a history file and a projects file (see `demo/README.md`).

use territoires_store::registry::referential::ImportOutcome;
use territoires_store::Store;

use crate::portfolio::read_portfolio_texts;
use crate::registry::history::read_history_text;
use crate::Result;

/// File name of the demo history, as named in errors and the audit log.
pub const DEMO_FILE: &str = "demo/grand-est-2019.csv";
const DEMO_HISTORY: &str = include_str!("../demo/grand-est-2019.csv");
/// File name of the demo projects.
pub const DEMO_PROJECTS_FILE: &str = "demo/grand-est-2019-projets.csv";
const DEMO_PROJECTS: &str = include_str!("../demo/grand-est-2019-projets.csv");

/// Loads the demo history and projects (needs the phase 1 territories imported), as one outcome. Loading
/// it twice writes nothing.
pub async fn load_demo(store: &Store, actor: &str) -> Result<ImportOutcome> {
    let (records, content_hash) = read_history_text(DEMO_FILE, DEMO_HISTORY)?;
    let history = store.import_history(&records, &content_hash, actor).await?;
    let projects = read_portfolio_texts(&[("projets", DEMO_PROJECTS_FILE, DEMO_PROJECTS)])?;
    let portfolio = store
        .import_portfolio(
            (&projects.portfolio, &projects.given),
            &projects.content_hash,
            actor,
        )
        .await?;
    Ok(ImportOutcome::combined([history, portfolio]))
}
