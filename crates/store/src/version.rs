//! How a process learns the data's version without asking for it on every request.
//!
//! On SQLite the version query is a local read of microseconds: every request asks. On PostgreSQL it is a
//! round trip, which doubled the latency of answers served from memory. So each write's transaction
//! announces its new version (`NOTIFY`, delivered on commit) and a listener connection of every process
//! keeps the latest one: requests that need not see the very latest writes (anonymous readers, answers
//! cached per version) use it with no query; the others still ask the database. While the listener is
//! not connected, every request asks, as on SQLite.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{Any, Transaction};

use crate::Result;

/// The channel the writes announce their version on.
const CHANNEL: &str = "territoires_data_version";

/// The latest version announced to this process; negative while it is not listening.
#[derive(Debug)]
pub(crate) struct Pushed(AtomicI64);

impl Default for Pushed {
    fn default() -> Self {
        Pushed(AtomicI64::new(-1))
    }
}

impl Pushed {
    /// The latest version announced, if the listener is connected.
    pub(crate) fn get(&self) -> Option<i64> {
        Some(self.0.load(Ordering::Acquire)).filter(|v| *v >= 0)
    }

    /// A version this process wrote or was told of (a late announcement never moves it back).
    pub(crate) fn saw(&self, version: i64) {
        let mut current = self.0.load(Ordering::Acquire);
        // Only while listening: a negative value means "ask the database", and must stay so.
        while current >= 0 && current < version {
            match self
                .0
                .compare_exchange(current, version, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(seen) => current = seen,
            }
        }
    }

    fn set(&self, version: i64) {
        self.0.store(version, Ordering::Release);
    }

    fn unknown(&self) {
        self.0.store(-1, Ordering::Release);
    }
}

/// Announces the data's version after a write, inside its transaction (on PostgreSQL; SQLite has no
/// listeners and needs none). Returns the version.
pub(crate) async fn announce(tx: &mut Transaction<'_, Any>) -> Result<Option<i64>> {
    if tx.backend_name() != "PostgreSQL" {
        return Ok(None);
    }
    let version: i64 = sqlx::query_scalar(&format!(
        "SELECT v.version FROM data_version v
         CROSS JOIN LATERAL (SELECT pg_notify('{CHANNEL}', v.version::text)) n"
    ))
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(version))
}

/// The task keeping a [`Pushed`] up to date; stopped when dropped (with the last clone of its store).
#[derive(Debug)]
pub(crate) struct Listener(tokio::task::JoinHandle<()>);

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Listener {
    /// Stops listening now.
    pub(crate) fn stop(&self) {
        self.0.abort();
    }
}

/// Keeps `pushed` at the latest announced version, reconnecting when the connection drops (meanwhile,
/// requests ask the database).
pub(crate) fn listen(url: String, pushed: Arc<Pushed>) -> Listener {
    Listener(tokio::spawn(async move {
        loop {
            if let Err(e) = follow(&url, &pushed).await {
                tracing::warn!(error = %e, "version listener disconnected; requests ask the database");
            }
            pushed.unknown();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }))
}

/// Listens, then reads the current version (so that no announcement falls between the two), then
/// follows the announcements until the connection drops.
async fn follow(url: &str, pushed: &Pushed) -> Result<()> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    let current: i64 = sqlx::query_scalar("SELECT version FROM data_version")
        .fetch_one(&mut listener)
        .await?;
    pushed.set(current);
    // `try_recv` answers `None` when the connection was lost: notifications may have been missed.
    while let Some(n) = listener.try_recv().await? {
        if let Ok(version) = n.payload().parse::<i64>() {
            pushed.saw(version);
        }
    }
    Ok(())
}
