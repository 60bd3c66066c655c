//! Benchmark of the bilans on the synthetic national dataset (about 2,000 projects and 10,000 funding lines
//! over the 332 real territories): bilan computation as of many dates, its PDF, and the bilan API under load.
//!
//! `cargo bench -p territoires-web --bench bilan` (SQLite); wrapped in `scripts/with-postgres` it measures
//! PostgreSQL too. Prints a report and writes it to `target/bench-bilan-report.md`. Targets (issue #3):
//! national bilan under 50 ms as of any date, its PDF under 1 s, on both engines.

mod common;

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use territoires_domain::bilan::frame::{Frame, Scope};
use territoires_domain::phase::Phase;
use territoires_ingest::bilan::{document, pdf, DocumentInput, MapIndicator};
use time::{Date, Duration as Days};

const CLIENTS: usize = 16;
const LOAD_DURATION: Duration = Duration::from_secs(6);
const RUNS: usize = 200;
const PDF_RUNS: usize = 10;

fn main() {
    let mut report = String::from("# territoires — bilan benchmark\n\n");
    report.push_str(&format!(
        "Machine: {} cores. Synthetic national dataset, seed 42, over the real 149 + 183 territories.\n\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut engines = vec![(
        "SQLite".to_owned(),
        format!("sqlite://{}", dir.path().join("bench-bilan.db").display()),
    )];
    if let Ok(admin) = std::env::var("TERRITOIRES_TEST_POSTGRES_URL") {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        engines.push((
            "PostgreSQL".to_owned(),
            runtime.block_on(common::fresh_postgres(
                &admin,
                &format!("bench_bilan_{}", std::process::id()),
            )),
        ));
    }
    for (engine, url) in engines {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        report.push_str(&format!("## {engine}\n\n"));
        report.push_str(&runtime.block_on(measure(&url)));
        report.push('\n');
    }
    println!("{report}");
    let target =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-bilan-report.md");
    std::fs::write(&target, &report).unwrap();
    eprintln!("report written to {}", target.display());
}

fn quantiles(h: &Histogram<u64>) -> String {
    let ms = |v: u64| v as f64 / 1000.0;
    format!(
        "{} | {:.2} ms | {:.2} ms | {:.2} ms |",
        h.len(),
        ms(h.value_at_quantile(0.5)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max())
    )
}

async fn measure(url: &str) -> String {
    let mut out = String::new();
    let (store, history, portfolio, took) = common::national(url, 1).await;
    let today = time::OffsetDateTime::now_utc().date();
    let written = common::written;
    out.push_str(&format!(
        "Synthetic load: {} milestones, {} projects, {} funding lines, {} status changes in **{:.2} s** \
         (generation, whole-portfolio checks, one transaction each).\n\n",
        written(&history, "milestones"),
        written(&portfolio, "projects"),
        written(&portfolio, "funding_lines"),
        written(&portfolio, "status_changes"),
        took.as_secs_f64()
    ));

    // The first read after a write rebuilds the in-memory read model (registry and portfolio).
    let started = Instant::now();
    store
        .bilan(&Frame::at(Phase::Second, Scope::France, today))
        .await
        .unwrap();
    out.push_str(&format!(
        "First bilan after the load (rebuilds the read model from the database): {:.0} ms.\n\n",
        started.elapsed().as_secs_f64() * 1000.0
    ));

    out.push_str("| bilan (store, with its evolution as steps) | runs | p50 | p99 | max |\n|---|---|---|---|---|\n");
    let dates: Vec<Date> = (0..RUNS)
        .map(|i| time::macros::date!(2019 - 01 - 01) + Days::days((i * 17) as i64))
        .collect();
    for (label, phase, scope) in [
        ("national, phase 1", Phase::First, Scope::France),
        ("national, phase 2", Phase::Second, Scope::France),
        (
            "region Grand Est, phase 2",
            Phase::Second,
            "region:44".parse().unwrap(),
        ),
    ] {
        let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
        for date in &dates {
            let t = Instant::now();
            let report = store
                .bilan(&Frame::at(phase, scope.clone(), *date))
                .await
                .unwrap();
            h.record(t.elapsed().as_micros() as u64).unwrap();
            std::hint::black_box(report);
        }
        out.push_str(&format!(
            "| {label}, {RUNS} dates from 2019 to 2028 | {}\n",
            quantiles(&h)
        ));
    }

    let shapes = store.territory_shapes(Phase::Second).await.unwrap();
    let regions = store.region_shapes().await.unwrap();
    let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).unwrap();
    let mut size = 0;
    for i in 0..PDF_RUNS {
        let t = Instant::now();
        let report = store
            .bilan(&Frame::at(
                Phase::Second,
                Scope::France,
                today - Days::days(i as i64 * 30),
            ))
            .await
            .unwrap();
        let doc = document(&DocumentInput {
            report: &report,
            scope_label: "France",
            scheme_label: None,
            territory_shapes: &shapes,
            region_shapes: &regions,
            map_indicator: MapIndicator::Committed,
            link: &|_, _| None,
            generated_on: today,
        });
        let bytes = pdf::render(&doc, today).unwrap();
        h.record(t.elapsed().as_micros() as u64).unwrap();
        size = bytes.len();
    }
    out.push_str(&format!(
        "| national PDF, phase 2 (bilan + document + layout + PDF, map of 183 territories, {} KB) | {}\n\n",
        size / 1024,
        quantiles(&h)
    ));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(territoires_web::serve(
        store.clone(),
        listener,
        common::options(),
    ));
    out.push_str("| HTTP under load ({CLIENTS} clients) | requests | throughput | p50 | p99 | max |\n|---|---|---|---|---|---|\n".replace("{CLIENTS}", &CLIENTS.to_string()).as_str());
    let api: Vec<String> = dates
        .iter()
        .map(|d| {
            format!(
                "/api/v1/bilan?phase=2023-2027&perimetre=france&date={}",
                territoires_domain::fr::iso_date(*d)
            )
        })
        .collect();
    let page: Vec<String> = dates
        .iter()
        .map(|d| {
            format!(
                "/bilan?phase=2023-2027&perimetre=region:44&date={}",
                territoires_domain::fr::iso_date(*d)
            )
        })
        .collect();
    for (label, paths) in [
        ("`/api/v1/bilan` national, dates in turn", api),
        ("`/bilan` page, Grand Est, dates in turn", page),
    ] {
        out.push_str(&format!(
            "| {label} | {}\n",
            common::load(&base, paths, CLIENTS, LOAD_DURATION, Duration::from_secs(1)).await
        ));
    }
    out
}
