//! What both benchmarks share: a fresh PostgreSQL database, and concurrent keep-alive clients that report
//! latency quantiles.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use territoires_domain::phase::Phase;
use territoires_ingest::portfolio::synthetic;
use territoires_ingest::registry::{referential, territories};
use territoires_ingest::{default_data_dir, DataDir};
use territoires_store::registry::referential::ImportOutcome;
use territoires_store::Store;

/// Creates database `name` on the server of `admin` and returns its URL.
pub async fn fresh_postgres(admin: &str, name: &str) -> String {
    let store = Store::connect(admin).await.unwrap();
    store
        .execute_admin(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    store.close().await;
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}

/// A migrated database at `url` holding the real referential and the territories of both phases.
#[allow(dead_code)] // The registry benchmark imports them itself, to time it.
pub async fn registry(url: &str) -> Store {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let data = DataDir::open(default_data_dir()).unwrap();
    referential::import_referential(&store, &data, "bench")
        .await
        .unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    for phase in Phase::ALL {
        territories::import_territories(&store, &data, phase, None, today, "bench")
            .await
            .unwrap();
    }
    store
}

/// The synthetic national dataset at `scale` in a migrated database at `url`, over the real referential
/// and territories: the store, what the history and portfolio imports wrote, and how long they took.
#[allow(dead_code)] // The registry benchmark loads no portfolio.
pub async fn national(url: &str, scale: u32) -> (Store, ImportOutcome, ImportOutcome, Duration) {
    let store = registry(url).await;
    let started = Instant::now();
    let (history, portfolio) = synthetic::load_synthetic(&store, 42, scale, "bench")
        .await
        .unwrap();
    (store, history, portfolio, started.elapsed())
}

/// How many rows of `table` an import wrote.
#[allow(dead_code)] // The registry benchmark loads no portfolio.
pub fn written(outcome: &ImportOutcome, table: &str) -> u64 {
    outcome
        .written
        .iter()
        .find(|(t, _)| t == table)
        .map_or(0, |(_, n)| *n)
}

/// Runs `clients` clients in a loop over `paths` for `duration` after `warm_up`; returns the table row
/// `requests | throughput | p50 | p99 | max |`.
#[allow(dead_code)] // Not every benchmark reads rows.
pub async fn load(
    base: &str,
    paths: Vec<String>,
    clients: usize,
    duration: Duration,
    warm_up: Duration,
) -> String {
    measure_load(base, paths, clients, duration, warm_up, false)
        .await
        .row()
}

/// What a load measured.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Requests answered during the measure.
    pub requests: u64,
    /// Per second.
    pub throughput: f64,
    /// Latency quantiles, in milliseconds.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

impl Measured {
    /// The table cells `requests | throughput | p50 | p99 | max |`.
    pub fn row(&self) -> String {
        format!(
            "{} | {:.0} req/s | {:.2} ms | {:.2} ms | {:.2} ms |",
            self.requests, self.throughput, self.p50, self.p99, self.max
        )
    }
}

/// Like [`load`], saying `Accept-Encoding: gzip` as browsers do when `gzip` is set; returns the figures.
pub async fn measure_load(
    base: &str,
    paths: Vec<String>,
    clients: usize,
    duration: Duration,
    warm_up: Duration,
    gzip: bool,
) -> Measured {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let paths = Arc::new(paths);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, paths, next, base) =
            (client.clone(), paths.clone(), next.clone(), base.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
            loop {
                let elapsed = start.elapsed();
                if elapsed > warm_up + duration {
                    break;
                }
                let path = &paths[next.fetch_add(1, Ordering::Relaxed) % paths.len()];
                let sent = Instant::now();
                let mut request = client.get(format!("{base}{path}"));
                if gzip {
                    request = request.header("accept-encoding", "gzip");
                }
                let response = request.send().await.unwrap();
                assert!(
                    response.status().is_success(),
                    "{path}: {}",
                    response.status()
                );
                response.bytes().await.unwrap();
                if elapsed > warm_up {
                    histogram.record(sent.elapsed().as_micros() as u64).unwrap();
                }
            }
            histogram
        }));
    }
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    for t in tasks {
        total.add(t.await.unwrap()).unwrap();
    }
    let ms = |q: f64| total.value_at_quantile(q) as f64 / 1000.0;
    Measured {
        requests: total.len(),
        throughput: total.len() as f64 / duration.as_secs_f64(),
        p50: ms(0.5),
        p99: ms(0.99),
        max: total.max() as f64 / 1000.0,
    }
}

/// The site's options for a benchmark: its clients are one address playing many users, so the API's
/// quota per address is lifted (the limiter still counts every request).
#[allow(dead_code)] // Not every benchmark serves the site.
pub fn options() -> territoires_web::SiteOptions {
    territoires_web::SiteOptions {
        api_requests_per_minute: std::num::NonZeroU32::new(u32::MAX),
        ..Default::default()
    }
}

/// Runs `measure` on SQLite, then on a fresh PostgreSQL database when `TERRITOIRES_TEST_POSTGRES_URL` is
/// set, each given its database URL and a scratch folder; prints the report titled `title` (a machine
/// line, then a section per engine) and writes it to `target/bench-{slug}-report.md`.
#[allow(dead_code)] // Not every benchmark reports this way.
pub fn report_per_engine<F, Fut>(title: &str, slug: &str, measure: F)
where
    F: Fn(String, std::path::PathBuf) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let mut report = format!("# territoires — {title}\n\n");
    report.push_str(&format!(
        "Machine: {} cores. Reference registry loaded first (real communes, EPCI and territories).\n\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut engines = vec![(
        "SQLite".to_owned(),
        format!(
            "sqlite://{}",
            dir.path().join(format!("bench-{slug}.db")).display()
        ),
    )];
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Ok(admin) = std::env::var("TERRITOIRES_TEST_POSTGRES_URL") {
        let name = format!("bench_{slug}_{}", std::process::id());
        engines.push((
            "PostgreSQL".to_owned(),
            runtime.block_on(fresh_postgres(&admin, &name)),
        ));
    }
    for (engine, url) in engines {
        report.push_str(&format!("## {engine}\n\n"));
        report.push_str(&runtime.block_on(measure(url, dir.path().to_owned())));
        report.push('\n');
    }
    println!("{report}");
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../target/bench-{slug}-report.md"));
    std::fs::write(&target, &report).unwrap();
    eprintln!("report written to {}", target.display());
}
