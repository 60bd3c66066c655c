//! Fresh, migrated databases for tests: one SQLite file and one PostgreSQL database per call, so that every
//! storage test runs on both engines and no test sees another's data.
//!
//! PostgreSQL comes from `TERRITOIRES_TEST_POSTGRES_URL` (a superuser URL, set by `scripts/with-postgres`,
//! which `scripts/test` wraps around the suite). Without it the tests fail, naming the script, unless
//! `TERRITOIRES_TEST_SKIP_POSTGRES=1` says to run on SQLite alone.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::{Backend, Store};

/// A store for one test; its SQLite file lives as long as it does.
pub struct TestStore {
    /// The store.
    pub store: Store,
    /// `sqlite` or `postgres`, for assertion messages.
    pub label: &'static str,
    /// The URL it was opened with (to open it again, e.g. from a server under test).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh SQLite store.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = Store::connect(&url).await.expect("open SQLite");
    store.migrate().await.expect("migrate SQLite");
    TestStore {
        store,
        label: "sqlite",
        url,
        _dir: Some(dir),
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh PostgreSQL database, or `None` when PostgreSQL tests are explicitly skipped.
pub async fn postgres() -> Option<TestStore> {
    let Ok(admin) = std::env::var("TERRITOIRES_TEST_POSTGRES_URL") else {
        if std::env::var("TERRITOIRES_TEST_SKIP_POSTGRES").as_deref() == Ok("1") {
            return None;
        }
        panic!(
            "TERRITOIRES_TEST_POSTGRES_URL is not set: run the suite with `scripts/test` (it starts a throwaway \
             PostgreSQL), or set TERRITOIRES_TEST_SKIP_POSTGRES=1 to test on SQLite alone"
        );
    };
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000
    );
    let admin_store = Store::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin_store.pool)
        .await
        .expect("create test database");
    admin_store.close().await;
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(&admin);
    let url = format!("{base}/{name}");
    let store = Store::connect(&url).await.expect("open test database");
    assert_eq!(store.backend(), Backend::Postgres);
    store.migrate().await.expect("migrate PostgreSQL");
    Some(TestStore {
        store,
        label: "postgres",
        url,
        _dir: None,
    })
}

/// A fresh store on each engine available to the test run.
pub async fn all() -> Vec<TestStore> {
    let mut stores = vec![sqlite().await];
    stores.extend(postgres().await);
    stores
}

impl TestStore {
    /// Another fresh store on the same engine (to import into what was exported from this one).
    pub async fn like(&self) -> TestStore {
        match self.label {
            "sqlite" => sqlite().await,
            _ => postgres().await.expect("PostgreSQL, as the first store"),
        }
    }

    /// Runs a query returning one integer (NULL reads as 0), with text parameters `$1…`: the independent
    /// computations tests compare the store's figures with.
    pub async fn scalar(&self, sql: &str, params: &[&str]) -> i64 {
        let mut query = sqlx::query_scalar::<_, Option<i64>>(sql);
        for p in params {
            query = query.bind(*p);
        }
        query
            .fetch_one(&self.store.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .unwrap_or(0)
    }
}

/// Holds the read model's rebuild as a slow rebuild in another request would: while the guard lives, a
/// reader that finds the data changed cannot rebuild and is served the snapshot it had.
pub async fn hold_rebuild(store: &Store) -> tokio::sync::OwnedMutexGuard<()> {
    store.cache.rebuild.clone().lock_owned().await
}

/// How many times this store read the whole portfolio into its read model (rather than patching it with
/// the rows a write changed).
pub fn portfolio_loads(store: &Store) -> u64 {
    store
        .cache
        .portfolio_loads
        .load(std::sync::atomic::Ordering::Relaxed)
}

/// The funding lines whose stored envelope mark differs from what the domain decides on the stored
/// portfolio (each as `funder/decision/project → expected`): empty when the store keeps them right.
pub async fn misdrawn_lines(store: &Store) -> Vec<String> {
    store
        .misdrawn_lines()
        .await
        .expect("read the envelope marks")
}

/// The data version this store was told of by the writes' announcements (PostgreSQL), if it listens.
pub fn announced_version(store: &Store) -> Option<i64> {
    store.pushed.get()
}
