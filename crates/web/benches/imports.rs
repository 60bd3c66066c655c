//! Benchmark of a national spreadsheet import (issue #10): a workbook of at least 50,000 lines (fiches
//! actions and funding lines of the synthetic national dataset, written by the very export users download),
//! read, previewed, applied, then applied again; and the national export of every fiche.
//!
//! `cargo bench -p territoires-web --bench imports` (SQLite); wrapped in `scripts/with-postgres` it measures
//! PostgreSQL too. Prints a report and writes it to `target/bench-imports-report.md`. Targets: the preview
//! of 50,000 lines (read + checks + diff) under 2 s, its peak memory under 200 MB.
//!
//! Memory is measured where it means something: the read and preview run again in a fresh process (the
//! bench itself, re-executed), which opens the store, reads the workbook and previews it, as the site does
//! on an upload; its peak resident set (`VmHWM`) is the whole process's.

mod common;

use std::path::Path;
use std::time::Instant;

use territoires_domain::bilan::frame::{Frame, Scope};
use territoires_domain::phase::Phase;
use territoires_ingest::portfolio::{export, read_portfolio_file, synthetic};
use territoires_store::bilan::ProjectQuery;
use territoires_store::{Audience, Store};

/// The synthetic scale that gives a workbook of at least 50,000 lines.
const SCALE: u32 = 6;

/// A figure of the process's memory (`VmHWM`: its peak), in MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Runs `step`, returning its result and its duration in seconds.
async fn timed<T>(step: impl std::future::Future<Output = T>) -> (T, f64) {
    let started = Instant::now();
    let out = step.await;
    (out, started.elapsed().as_secs_f64())
}

/// The variable that makes this bench the fresh process reading and previewing a file: `<url>|<path>`.
const CHILD: &str = "TERRITOIRES_BENCH_PREVIEW";

/// In the fresh process: opens the store at `url`, reads the workbook at `path` and previews it; prints
/// the read and preview times (s) and the process's peak memory (MB).
async fn child(url: &str, path: &Path) {
    let store = Store::connect(url).await.unwrap();
    let bytes = std::fs::read(path).unwrap();
    let (file, read_s) =
        timed(async { read_portfolio_file(path, &bytes, &Default::default()).unwrap() }).await;
    drop(bytes);
    let (preview, preview_s) = timed(async {
        store
            .preview_portfolio(
                (&file.portfolio, &file.given),
                &file.content_hash,
                "bench",
                200,
            )
            .await
            .unwrap()
            .unwrap()
    })
    .await;
    assert!(preview.changed > 50_000);
    println!("{read_s} {preview_s} {}", peak_mb());
}

/// Reads and previews the workbook at `path` against the store at `url` in a fresh process: read time,
/// preview time, peak memory.
fn in_fresh_process(url: &str, path: &Path) -> (f64, f64, f64) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env(CHILD, format!("{url}|{}", path.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let figures: Vec<f64> = text
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    (figures[0], figures[1], figures[2])
}

async fn measure(url: &str, dir: &Path) -> String {
    let store = common::registry(url).await;
    let data = synthetic::generate_for(&store, 42, SCALE).await.unwrap();
    let p = &data.portfolio;
    let lines =
        p.funders.len() + p.schemes.len() + p.envelopes.len() + p.projects.len() + p.lines.len();
    let (bytes, write_s) = timed(async { export::workbook(p).unwrap() }).await;
    let path = dir.join("national.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let (fresh_read_s, fresh_preview_s, fresh_mb) = in_fresh_process(url, &path);

    let (file, read_s) =
        timed(async { read_portfolio_file(&path, &bytes, &Default::default()).unwrap() }).await;
    let incoming = (&file.portfolio, &file.given);
    let (preview, preview_s) = timed(async {
        store
            .preview_portfolio(incoming, &file.content_hash, "bench", 200)
            .await
            .unwrap()
            .unwrap()
    })
    .await;
    let (applied, apply_s) = timed(async {
        store
            .import_portfolio(incoming, &file.content_hash, "bench")
            .await
            .unwrap()
    })
    .await;
    assert_eq!(
        applied.written, preview.written,
        "the preview announces the apply"
    );
    let (again, again_s) = timed(async {
        store
            .preview_portfolio(incoming, &file.content_hash, "bench", 200)
            .await
            .unwrap()
    })
    .await;
    assert!(again.is_none(), "the same file again changes nothing");
    let mut edited = file.portfolio.clone();
    edited.projects[0].title.push_str(" (modifié)");
    let preview_edited = || async {
        store
            .preview_portfolio((&edited, &file.given), "edited", "bench", 200)
            .await
            .unwrap()
            .unwrap()
    };
    // The first read after the apply builds the store's read model of the stored records; the next ones
    // use it, as a running site does.
    let (_, cold_s) = timed(preview_edited()).await;
    let (changed, changed_s) = timed(preview_edited()).await;
    assert_eq!(changed.changed, 1);
    let today = time::OffsetDateTime::now_utc().date();
    let ((records, size), export_s) = timed(async {
        let mut all = 0;
        let mut size = 0;
        for phase in Phase::ALL {
            // The national team's download: every fiche, those not yet public included.
            let extract = store
                .seen_by(Audience::Agents)
                .portfolio_extract(&ProjectQuery::all(Frame::at(phase, Scope::France, today)))
                .await
                .unwrap();
            all += extract.projects.len() + extract.lines.len();
            size += export::workbook(&extract).unwrap().len();
        }
        (all, size)
    })
    .await;
    let dataset = &territoires_domain::opendata::projects::DATASET;
    let (published, publish_s) = timed(async { store.publication(dataset).await.unwrap() }).await;
    let (csv, csv_s) =
        timed(async { territoires_ingest::opendata::csv(dataset, &published.publication) }).await;
    let (_, cached_s) = timed(async { store.publication(dataset).await.unwrap() }).await;
    let grants = &territoires_domain::opendata::subsidies::DATASET;
    let (granted, grants_s) = timed(async { store.publication(grants).await.unwrap() }).await;
    let (grants_csv, grants_csv_s) =
        timed(async { territoires_ingest::opendata::csv(grants, &granted.publication) }).await;
    let grants_withheld: usize = granted.publication.withheld.values().sum();
    format!(
        "Workbook of **{lines} lines** ({} fiches, {} funding lines, {} funders, {} schemes, {} envelopes), \
         {:.1} MB, written by the download's export in {write_s:.2} s.\n\n\
         | step | time |\n|---|---|\n\
         | **read + preview in a fresh process** (open the store, read every cell, merge, check, diff): \
         **peak memory of the whole process {fresh_mb:.0} MB** (target < 200 MB) | **{:.2} s** ({fresh_read_s:.2} + {fresh_preview_s:.2}; target < 2 s) |\n\
         | read (unzip, headers, every cell parsed and checked) | {read_s:.2} s |\n\
         | preview (merge with the stored portfolio, whole-portfolio checks, diff; in memory, nothing written) | {preview_s:.2} s |\n\
         | apply (one transaction, {} rows written, audited) | {apply_s:.2} s |\n\
         | preview of the same file again (nothing would change) | {again_s:.3} s |\n\
         | preview of the file with one title edited: 1 change among the stored records (the first read of the stored portfolio after the apply took {cold_s:.2} s) | {changed_s:.2} s |\n\
         | national export: {records} fiches and lines of both phases as two workbooks ({:.1} MB) | {export_s:.2} s |\n\
         | open data: the {} fiches in the projets-territoire schema (audit dates read, rows built; then kept until the data changes: {cached_s:.4} s) | {publish_s:.2} s |\n\
         | open data: its CSV ({:.1} MB) | {csv_s:.2} s |\n\
         | open data: the {} committed grants in the SCDL subventions schema ({grants_withheld} withheld with their reason) | {grants_s:.2} s |\n\
         | open data: their CSV ({:.1} MB) | {grants_csv_s:.2} s |\n",
        p.projects.len(),
        p.lines.len(),
        p.funders.len(),
        p.schemes.len(),
        p.envelopes.len(),
        bytes.len() as f64 / 1e6,
        fresh_read_s + fresh_preview_s,
        applied.written.iter().map(|(_, n)| n).sum::<u64>(),
        size as f64 / 1e6,
        published.publication.rows.len(),
        csv.len() as f64 / 1e6,
        granted.publication.rows.len(),
        grants_csv.len() as f64 / 1e6,
    )
}

fn main() {
    if let Ok(job) = std::env::var(CHILD) {
        let (url, path) = job.split_once('|').unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(child(url, Path::new(path)));
        return;
    }
    common::report_per_engine(
        "spreadsheet import benchmark",
        "imports",
        |url, dir| async move { measure(&url, &dir).await },
    );
}
