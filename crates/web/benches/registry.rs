//! Benchmark of the registry: full reference import, then page and API latency under concurrent load.
//!
//! `cargo bench -p territoires-web` (SQLite); wrapped in `scripts/with-postgres` it measures PostgreSQL
//! too. Prints a report and writes it to `target/bench-report.md`. Targets (issue #2): import under 3 s;
//! territory page and API list p99 under 10 ms at 32 concurrent clients on a 2-core machine.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use territoires_domain::phase::Phase;
use territoires_ingest::{default_data_dir, demo, referential, territories, DataDir};
use territoires_store::Store;

const CLIENTS: usize = 32;
const LOAD_DURATION: Duration = Duration::from_secs(8);
const WARM_UP: Duration = Duration::from_secs(1);
const IMPORT_RUNS: usize = 3;

fn main() {
    let mut report = String::from("# territoires — benchmark report\n\n");
    report.push_str(&format!(
        "Machine: {} cores. Load: {CLIENTS} concurrent keep-alive clients for {}s after {}s of warm-up, \
         client and server in the same process (they share the cores).\n\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        LOAD_DURATION.as_secs(),
        WARM_UP.as_secs()
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut engines = vec![("SQLite".to_owned(), None)];
    if let Ok(admin) = std::env::var("TERRITOIRES_TEST_POSTGRES_URL") {
        engines.push(("PostgreSQL".to_owned(), Some(admin)));
    }
    for (engine, admin) in engines {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut urls = Vec::new();
        for run in 0..IMPORT_RUNS {
            urls.push(match &admin {
                None => format!(
                    "sqlite://{}",
                    dir.path().join(format!("bench-{run}.db")).display()
                ),
                Some(admin) => runtime.block_on(fresh_postgres(admin, run)),
            });
        }
        let mut timings = Vec::new();
        for url in &urls {
            timings.push(runtime.block_on(import(url)));
        }
        timings.sort_by(|a, b| a.total_cmp(b));
        report.push_str(&format!(
            "## {engine}\n\nFull reference import into an empty database (34,969 communes, 1,266 EPCI/EPT, \
             332 territories with contours, parse + simplify + write, one transaction each), {IMPORT_RUNS} runs: \
             best **{:.2} s**, median {:.2} s, worst {:.2} s (target < 3 s).\n\n",
            timings[0],
            timings[timings.len() / 2],
            timings[timings.len() - 1]
        ));

        let url = urls.last().unwrap().clone();
        let server = runtime.block_on(async {
            let store = Store::connect(&url).await.unwrap();
            demo::load_demo(&store, "bench").await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(territoires_web::serve(store, listener));
            base
        });
        let ids: Vec<String> = (1..=99)
            .flat_map(|r| (1..=30).map(move |n| format!("ti-{r:02}{n:02}")))
            .collect();
        let existing = runtime.block_on(existing_pages(&server, &ids));
        report.push_str(
            "| request | requests | throughput | p50 | p99 | max |\n|---|---|---|---|---|---|\n",
        );
        for (label, paths) in [
            ("territory page (HTML, 183 territories in turn)", existing),
            (
                "API list `/api/v1/territoires?phase=2023-2027&par_page=50`",
                vec!["/api/v1/territoires?phase=2023-2027&par_page=50".to_owned()],
            ),
            (
                "territory list page `/territoires`",
                vec!["/territoires?phase=2023-2027".to_owned()],
            ),
            ("home page (map of 183 territories)", vec!["/".to_owned()]),
        ] {
            let line = runtime.block_on(load(&server, paths));
            report.push_str(&format!("| {label} | {line}\n"));
        }
        report.push('\n');
        drop(runtime);
    }
    println!("{report}");
    let target =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-report.md");
    std::fs::write(&target, &report).unwrap();
    eprintln!("report written to {}", target.display());
}

async fn fresh_postgres(admin: &str, run: usize) -> String {
    let store = Store::connect(admin).await.unwrap();
    let name = format!("bench_{}_{run}", std::process::id());
    store
        .execute_admin(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    store.close().await;
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}

async fn import(url: &str) -> f64 {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let data = DataDir::open(default_data_dir()).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let started = Instant::now();
    referential::import_referential(&store, &data, "bench")
        .await
        .unwrap();
    for phase in Phase::ALL {
        territories::import_territories(&store, &data, phase, None, today, "bench")
            .await
            .unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    store.close().await;
    elapsed
}

async fn existing_pages(base: &str, ids: &[String]) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut pages = Vec::new();
    for id in ids {
        let path = format!("/territoires/2023-2027/{id}");
        if client
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
        {
            pages.push(path);
        }
    }
    assert_eq!(pages.len(), 183, "every phase-2 territory has a page");
    pages
}

/// Runs `CLIENTS` clients in a loop over `paths`; returns the table row.
async fn load(base: &str, paths: Vec<String>) -> String {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let paths = Arc::new(paths);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (client, paths, next, base) =
            (client.clone(), paths.clone(), next.clone(), base.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
            loop {
                let elapsed = start.elapsed();
                if elapsed > WARM_UP + LOAD_DURATION {
                    break;
                }
                let path = &paths[next.fetch_add(1, Ordering::Relaxed) % paths.len()];
                let sent = Instant::now();
                let response = client.get(format!("{base}{path}")).send().await.unwrap();
                assert!(
                    response.status().is_success(),
                    "{path}: {}",
                    response.status()
                );
                response.bytes().await.unwrap();
                if elapsed > WARM_UP {
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
    format!(
        "{} | {:.0} req/s | {:.2} ms | {:.2} ms | {:.2} ms |",
        total.len(),
        total.len() as f64 / LOAD_DURATION.as_secs_f64(),
        ms(0.5),
        ms(0.99),
        total.max() as f64 / 1000.0
    )
}
