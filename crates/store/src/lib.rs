//! Persistence of `territoires` on SQLite (embedded default) or PostgreSQL (production), through one set of
//! portable SQL queries run on sqlx's `Any` driver, and one migration set per database.
//!
//! Every write goes through a transaction that also appends to the audit log; histories (milestones,
//! appointments, perimeter versions) are append-only, so concurrent writers can never overwrite each
//! other: the second of two identical records is refused by a unique constraint.

pub mod access;
mod audit;
pub mod bilan;
mod error;
pub mod imports;
pub mod land;
pub mod opendata;
pub mod portfolio;
pub mod registry;
mod snapshot;
mod sql;
#[cfg(feature = "testing")]
pub mod testing;
mod version;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
pub use territoires_domain::access::Audience;

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
    /// Bounds the computations that run on the blocking pool (bilans, record lists) to one less than the
    /// cores, so that a burst of heavy requests queues instead of taking every core from the cheap ones.
    heavy: std::sync::Arc<tokio::sync::Semaphore>,
    /// This process's writers wait here in turn, rather than in SQLite's busy handler, which sleeps up to
    /// 100 ms between tries and lets a late writer pass an early one.
    turn: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The data's version as the writes announce it (PostgreSQL; see `version`).
    pushed: std::sync::Arc<version::Pushed>,
    /// Where the announcements are listened to (PostgreSQL), and the listener once started.
    listen_url: Option<std::sync::Arc<str>>,
    listener: std::sync::Arc<std::sync::OnceLock<version::Listener>>,
    /// Who reads through this handle: the public unless [`Store::seen_by`] says otherwise.
    audience: Audience,
}

/// A write transaction with its writer's turn, held until it commits or is dropped (rolled back).
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
    pushed: std::sync::Arc<version::Pushed>,
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::Transaction<'static, sqlx::Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl WriteTx {
    /// Commits the write, announcing the data's new version to the other processes (PostgreSQL) and
    /// to this one at once.
    pub(crate) async fn commit(mut self) -> Result<()> {
        let version = version::announce(&mut self.tx).await?;
        self.tx.commit().await?;
        if let Some(version) = version {
            self.pushed.saw(version);
        }
        Ok(())
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// This store as `audience` reads it: the fiches not yet public (and their lines) are in what the
    /// reads return only for [`Audience::Agents`]. Writes are the same through every handle.
    pub fn seen_by(&self, audience: Audience) -> Store {
        Store {
            audience,
            ..self.clone()
        }
    }

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
        // One core is always left to the cheap requests (at least one heavy computation runs).
        let heavy =
            std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1));
        Ok(Store {
            pool,
            backend,
            cache: Default::default(),
            heavy: std::sync::Arc::new(tokio::sync::Semaphore::new(heavy)),
            turn: Default::default(),
            pushed: Default::default(),
            listen_url: (backend == Backend::Postgres).then(|| url.as_str().into()),
            audience: Audience::Public,
            listener: Default::default(),
        })
    }

    /// Brings the schema up to date (idempotent).
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        self.mark_envelopes_once().await
    }

    /// Begins a write transaction, once this process's earlier writers are done. On SQLite it takes the
    /// write lock up front (`BEGIN IMMEDIATE`) and waits for it (busy timeout) when another process writes:
    /// a deferred transaction that reads first and writes later fails with "database is locked" when
    /// another writer committed in between, whatever the timeout.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        Store::unpin_request_snapshot();
        let turn = self.turn.clone().lock_owned().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx {
            tx,
            _turn: turn,
            pushed: self.pushed.clone(),
        })
    }

    /// Runs a CPU-bound computation off the async workers, at most one less than the cores at a time: requests that
    /// only read the cache keep their latency whatever the heavy ones do.
    pub async fn compute<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let permit = self
            .heavy
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| StoreError::Config(format!("calcul interrompu : {e}")))
    }

    /// Which engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection (lets a SQLite file be checkpointed cleanly, a test database be dropped).
    pub async fn close(&self) {
        if let Some(listener) = self.listener.get() {
            listener.stop();
        }
        self.pool.close().await;
    }

    /// The data's version as announced by the writes, without a query, once this process listens to
    /// them (PostgreSQL: the first call starts the listener); `None` when the database must be asked.
    fn pushed_version(&self) -> Option<i64> {
        let url = self.listen_url.as_ref()?;
        self.listener
            .get_or_init(|| version::listen(url.to_string(), self.pushed.clone()));
        self.pushed.get()
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

/// Today (UTC): events dated after it have not happened and are refused unless planned.
pub(crate) fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// Current time as stored in `recorded_at` columns (RFC 3339, UTC).
fn now() -> String {
    stamp(time::OffsetDateTime::now_utc())
}

/// A moment as stored in text columns (RFC 3339), which order as the moments do.
fn stamp(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .expect("a moment always formats")
}

/// SQL for the current millésime, inlined in queries that read the referential.
const CURRENT_MILLESIME: &str = "(SELECT MAX(millesime) FROM regions)";
