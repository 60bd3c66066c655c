//! The one configuration of the binary: command-line flags, each with its environment variable.

use std::path::PathBuf;

use clap::Args;
use territoires_ingest::DataDir;

/// Where the database and the reference data are.
#[derive(Debug, Args)]
pub struct Settings {
    /// Base de données : sqlite://fichier.db (par défaut) ou postgres://utilisateur@hôte/base.
    #[arg(
        long,
        global = true,
        env = "TERRITOIRES_DATABASE_URL",
        default_value = "sqlite://territoires.db"
    )]
    pub database_url: String,
    /// Dossier des données de référence (voir son SOURCES.md).
    #[arg(
        long,
        global = true,
        env = "TERRITOIRES_DATA_DIR",
        default_value = "../shared/data"
    )]
    pub data_dir: PathBuf,
}

impl Settings {
    /// The reference data folder, checked.
    pub fn data_dir(&self) -> anyhow::Result<DataDir> {
        Ok(DataDir::open(&self.data_dir)?)
    }
}
