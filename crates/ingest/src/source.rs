//! Where the reference data lives (`../shared/data` by default) and how its files are read and hashed.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{IngestError, Result};

/// The folder of official reference data (see its `SOURCES.md`).
#[derive(Debug, Clone)]
pub struct DataDir(PathBuf);

/// The data folder of a checkout: `TERRITOIRES_DATA_DIR`, else `../shared/data` beside the repository
/// (for tests and benchmarks, which run from a crate's folder).
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("TERRITOIRES_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

impl DataDir {
    /// A data folder; checks that it looks like one.
    pub fn open(path: impl Into<PathBuf>) -> Result<DataDir> {
        let path = path.into();
        if !path.join("SOURCES.md").is_file() {
            return Err(IngestError::Format {
                path,
                message: "dossier de données de référence introuvable (SOURCES.md absent) : \
                          indiquez-le avec --data-dir ou TERRITOIRES_DATA_DIR"
                    .into(),
            });
        }
        Ok(DataDir(path))
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The `@etalab/decoupage-administratif` folder.
    pub fn decoupage(&self) -> PathBuf {
        self.0.join("admin/decoupage-administratif-6.0.0")
    }

    /// ANCT region contours.
    pub fn region_contours(&self) -> PathBuf {
        self.0.join("geo/anct_polygone-4326_reg.geojson")
    }

    /// Cartofriches' brownfields in the CNIG standard (2,594 sites, 2024), then its list of points (21,803,
    /// 2023).
    pub fn cartofriches(&self) -> [PathBuf; 2] {
        [
            self.0
                .join("friches/cartofriches_friches_standard_test_2024.csv"),
            self.0
                .join("friches/cartofriches_listes_friches_ok_2023.latin1.csv"),
        ]
    }

    /// The CNIG *friches* Table Schema the platform exports in.
    pub fn friches_schema(&self) -> PathBuf {
        self.0
            .join("schemas/cnig-friches/schema_v1.0.6_latest.json")
    }

    /// The ANCT file of a phase's territories.
    pub fn territories(&self, phase: territoires_domain::phase::Phase) -> PathBuf {
        use territoires_domain::phase::Phase;
        self.0.join(match phase {
            Phase::First => "ti/ti_2018_2022_anct.geojson",
            Phase::Second => "ti/ti_2023_2027_anct.geojson",
        })
    }
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })
}

/// SHA-256 of some contents, in hex: the identity of an import.
pub fn hash<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parses JSON, naming the file and the position in the error.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| IngestError::Format {
        path: path.to_owned(),
        message: format!("JSON ligne {}, colonne {} : {e}", e.line(), e.column()),
    })
}
