//! Benchmark of economic land (issue #11): the import of Cartofriches' 21,803 points and 2,594 standard
//! sites (then both again, which writes nothing), the observatory's summary over each area, and the
//! observatory pages under concurrent load.
//!
//! `cargo bench -p territoires-web --bench land` (SQLite); wrapped in `scripts/with-postgres` it measures
//! PostgreSQL too. Prints a report and writes it to `target/bench-land-report.md`.

mod common;

use std::time::{Duration, Instant};

use territoires_domain::land::area::{Area, LandFrame};
use territoires_domain::phase::Phase;
use territoires_ingest::context::Context;
use territoires_ingest::land::brownfields::{import_brownfields, CARTOFRICHES_LIST_SITUATION};
use territoires_ingest::{default_data_dir, DataDir};

/// The areas measured: France, Grand Est, a Grand Est territory, Metz Métropole.
const AREAS: [&str; 4] = [
    "france",
    "region:44",
    "territoire:ti-4415",
    "epci:200039865",
];

/// Milliseconds since `started`.
fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

async fn measure(url: &str) -> String {
    let store = common::registry(url).await;
    let data = DataDir::open(default_data_dir()).unwrap();
    let [standard, list] = data.cartofriches();
    let context = Context::default();
    let mut out = String::from("| step | time |\n|---|---|\n");
    for (label, path, situation) in [
        (
            "Cartofriches list, 21,803 points (Latin-1)",
            &list,
            Some(CARTOFRICHES_LIST_SITUATION),
        ),
        (
            "Cartofriches standard file, 2,594 sites (completes 2,287)",
            &standard,
            None,
        ),
        (
            "the list again (writes nothing)",
            &list,
            Some(CARTOFRICHES_LIST_SITUATION),
        ),
        ("the standard file again (writes nothing)", &standard, None),
    ] {
        let started = Instant::now();
        let outcome = import_brownfields(&store, path, &context, situation, "bench")
            .await
            .unwrap();
        out.push_str(&format!(
            "| {label}: {:?} | {:.0} ms |\n",
            outcome.written,
            ms(started)
        ));
    }
    out.push_str("\n| summary by status, as of 2026-01-01 | sites | p50 | max (20 runs) |\n|---|---|---|---|\n");
    for area in AREAS {
        let frame = LandFrame {
            phase: Phase::Second,
            area: area.parse::<Area>().unwrap(),
            on: time::macros::date!(2026 - 01 - 01),
        };
        let mut times = Vec::new();
        let mut sites = 0;
        for _ in 0..20 {
            let started = Instant::now();
            sites = store.brownfield_summary(&frame).await.unwrap().sites();
            times.push(ms(started));
        }
        times.sort_by(f64::total_cmp);
        out.push_str(&format!(
            "| {area} | {sites} | {:.1} ms | {:.1} ms |\n",
            times[10], times[19]
        ));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(territoires_web::serve(store, listener, common::options()));
    out.push_str("\n| pages under load (8 clients, 5 s) | requests | throughput | p50 | p99 | max |\n|---|---|---|---|---|---|\n");
    for (label, paths) in [
        (
            "observatory of a region, a territory, an EPCI",
            AREAS[1..]
                .iter()
                .map(|a| format!("/foncier?perimetre={a}&phase=2023-2027&date=2026-01-01"))
                .collect::<Vec<_>>(),
        ),
        (
            "observatory of France (5,000 points drawn)",
            vec!["/foncier?date=2026-01-01".to_owned()],
        ),
        (
            "a list page of a region's brownfields",
            vec![
                "/foncier/friches?perimetre=region:44&statut=sans_projet&date=2026-01-01"
                    .to_owned(),
            ],
        ),
    ] {
        let row = common::load(
            &base,
            paths,
            8,
            Duration::from_secs(5),
            Duration::from_secs(1),
        )
        .await;
        out.push_str(&format!("| {label} | {row}\n"));
    }
    out
}

fn main() {
    common::report_per_engine("land benchmark", "land", |url, _| async move {
        measure(&url).await
    });
}
