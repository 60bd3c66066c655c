//! What reading an import draws on beyond its bytes, for every table alike: how the importer's scope
//! names its columns (one mapping per scope, covering the portfolio's tables and the registry's files),
//! and the names of the places its cells may give instead of codes.

use std::path::Path;

use territoires_domain::registry::names::Places;
use territoires_store::Store;

use crate::land::brownfields;
use crate::registry::{history, posts};
use crate::table::{read_table, ColumnMapping, TableHeaders};
use crate::{portfolio, Result};

/// The kind a scope's column mapping is stored under. One mapping holds every table's choices, keyed by
/// table; the name is the one it was first stored under, when only the portfolio's tables had one.
pub const MAPPING_KIND: &str = "projets";

/// What reading a file draws on: the scope's column mapping and the places by name.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The scope's column mapping.
    pub mapping: ColumnMapping,
    /// Territories and EPCIs by name.
    pub places: Places,
}

impl Context {
    /// The context of an import by `scope` (a profile's stored form): its column mapping, if it keeps
    /// one (none without a scope), and the places stored.
    pub async fn load(store: &Store, scope: Option<&str>) -> Result<Context> {
        let mapping = match scope {
            Some(scope) => store.column_mapping(scope, MAPPING_KIND).await?,
            None => None,
        }
        // Written by this crate: unreadable only if its format changed, and then read as none.
        .and_then(|json| ColumnMapping::from_json(&json).ok())
        .unwrap_or_default();
        Ok(Context {
            mapping,
            places: store.place_names().await?,
        })
    }
}

/// The columns of any table a mapping may name: the portfolio's ([`portfolio::TABLES`]), a history file
/// ([`history::TABLE`]), a post file ([`posts::TABLE`]); none for an unknown name.
pub fn columns_of(table: &str) -> &'static [&'static str] {
    match table {
        history::TABLE => &history::COLUMNS,
        posts::TABLE => &posts::COLUMNS,
        brownfields::TABLE => brownfields::columns(),
        _ => portfolio::columns_of(table),
    }
}

/// How the headers of a one-table file (a history or post file) are read by `mapping` as `table`, also
/// when the file is refused: what the import page offers to map. Empty when the file is no table at all.
pub fn read_single_headers(
    path: &Path,
    bytes: &[u8],
    table: &'static str,
    mapping: &ColumnMapping,
) -> Vec<TableHeaders> {
    let Ok(mut read) = read_table(path, bytes, table) else {
        return Vec::new();
    };
    let columns = columns_of(table);
    // Refused or not, the readings are what is wanted here.
    let _ = read.check_columns_as(path, (table, mapping), &[], columns);
    vec![TableHeaders {
        table,
        columns,
        headers: read.readings,
    }]
}
