//! Persistence of `territoires` on SQLite (embedded default) or PostgreSQL (production), through one set of
//! portable SQL queries run on sqlx's `Any` driver, and one migration set per database.
//!
//! Every write goes through a transaction that also appends to the audit log; histories (milestones,
//! appointments, perimeter versions) are append-only, so concurrent writers can never overwrite each
//! other: the second of two identical records is refused by a unique constraint.

pub mod accounts;
mod audit;
pub mod bilan;
mod error;
pub mod figures;
pub mod history;
pub mod portfolio;
pub mod referential;
mod snapshot;
mod sql;
pub mod territories;
#[cfg(feature = "testing")]
pub mod testing;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use audit::AuditEntry;
pub use error::StoreError;

/// Result of this crate's operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database engine behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// The database, shared by every request (cheap to clone).
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    cache: std::sync::Arc<snapshot::Cache>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Opens a database from its URL (`sqlite://territoires.db`, `postgres://user@host/db`). A SQLite file is
    /// created if missing.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "URL de base de données non reconnue : « {url} » (attendu sqlite://… ou postgres://…)"
            )));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run while an import writes; NORMAL is durable in WAL mode.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            backend,
            cache: Default::default(),
        })
    }

    /// Brings the schema up to date (idempotent).
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Which engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection (lets a SQLite file be checkpointed cleanly).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs one administrative statement (e.g. `CREATE DATABASE` for tests and benchmarks).
    pub async fn execute_admin(&self, sql: &str) -> Result<()> {
        self.pool.execute(sql).await?;
        Ok(())
    }

    /// The millésime of the referential in use, `None` before the first import.
    pub async fn current_millesime(&self) -> Result<Option<i32>> {
        let year: Option<i64> = sqlx::query_scalar("SELECT MAX(millesime) FROM regions")
            .fetch_one(&self.pool)
            .await?;
        Ok(year.map(|y| y as i32))
    }
}

/// Current time as stored in `recorded_at` columns (RFC 3339, UTC).
fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("the current time always formats")
}

/// SQL for the current millésime, inlined in queries that read the referential.
const CURRENT_MILLESIME: &str = "(SELECT MAX(millesime) FROM regions)";
