//! Benchmark of the registry: full reference import, then page and API latency under concurrent load.
//!
//! `cargo bench -p territoires-web` (SQLite); wrapped in `scripts/with-postgres` it measures PostgreSQL
//! too. Prints a report and writes it to `target/bench-report.md`. Targets (issue #2): import under 3 s;
//! territory page and API list p99 under 10 ms at 32 concurrent clients on a 2-core machine.

mod common;

use std::time::{Duration, Instant};

use territoires_domain::phase::Phase;
use territoires_ingest::registry::{referential, territories};
use territoires_ingest::{default_data_dir, demo, DataDir};
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
                Some(admin) => runtime.block_on(common::fresh_postgres(
                    admin,
                    &format!("bench_{}_{run}", std::process::id()),
                )),
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
            tokio::spawn(territoires_web::serve(store, listener, common::options()));
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
            let line = runtime.block_on(common::load(
                &server,
                paths,
                CLIENTS,
                LOAD_DURATION,
                WARM_UP,
            ));
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
