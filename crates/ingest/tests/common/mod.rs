//! What the tests on the real reference data share.

use territoires_domain::fr::parse_date;
use territoires_domain::phase::Phase;
use territoires_ingest::registry::{referential, territories};
use territoires_ingest::{default_data_dir, DataDir};
use territoires_store::Store;
use time::Date;

/// A date from its ISO form.
pub fn d(s: &str) -> Date {
    parse_date("date", s).unwrap()
}

/// The reference data folder beside the repository.
pub fn data() -> DataDir {
    DataDir::open(default_data_dir())
        .expect("reference data beside the repository (../shared/data)")
}

/// Imports the referential and the territories of both phases.
pub async fn import_registry(store: &Store) {
    let data = data();
    referential::import_referential(store, &data, "test")
        .await
        .unwrap();
    for phase in Phase::ALL {
        territories::import_territories(store, &data, phase, None, d("2026-01-01"), "test")
            .await
            .unwrap();
    }
}

/// What reading a file draws on without a scope: the places stored, no column mapping.
#[allow(dead_code)] // Each test binary compiles this module; not every one imports registry files.
pub async fn context(store: &Store) -> territoires_ingest::context::Context {
    territoires_ingest::context::Context::load(store, None)
        .await
        .unwrap()
}
