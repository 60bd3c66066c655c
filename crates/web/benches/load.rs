//! Benchmark of the platform under load (issue #8): reads as browsers ask for them, heavy requests beside
//! cheap ones, reads while writes happen, concurrent writes, and the national bilan at one and eight
//! times the synthetic national data, on SQLite and PostgreSQL. Datasette (PyPI) serves the same communes
//! table beside the platform, for a ratio.
//!
//! `scripts/bench` runs it on both engines (it installs Datasette and starts PostgreSQL). Prints a report
//! and writes it to `target/bench-load-report.md`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{measure_load, Measured};
use hdrhistogram::Histogram;
use territoires_domain::bilan::frame::{Frame, Scope};
use territoires_domain::fr::iso_date;
use territoires_domain::money::Cents;
use territoires_domain::phase::Phase;
use territoires_domain::portfolio::funding::{Funder, FunderKind, LineEvent};
use territoires_domain::portfolio::Portfolio;
use territoires_store::portfolio::{LineChange, LineView};
use territoires_store::Store;
use time::Duration as Days;

const CLIENTS: usize = 32;
const WRITERS: usize = 16;
const HEAVY: usize = 4;
const DURATION: Duration = Duration::from_secs(5);
const WARM_UP: Duration = Duration::from_secs(1);
/// The scales measured, unless `TERRITOIRES_BENCH_SCALES` names others (`8`, `1,8`).
const SCALES: [u32; 2] = [1, 8];
const COMMUNES: &str = "/api/v1/communes?departement=57&par_page=50";
const NATIONAL: &str = "/api/v1/bilan?phase=2018-2022&date=2026-06-30";
const PDF: &str = "/bilan.pdf?phase=2023-2027&date=2026-06-30";

fn scales() -> Vec<u32> {
    std::env::var("TERRITOIRES_BENCH_SCALES")
        .ok()
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().parse().expect("TERRITOIRES_BENCH_SCALES: numbers"))
                .collect()
        })
        .unwrap_or(SCALES.to_vec())
}

fn main() {
    // `RUST_LOG=territoires_store=debug` shows each rebuild of the read model and what it cost.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut report = format!(
        "# territoires — load benchmark\n\nMachine: {cores} cores. {CLIENTS} keep-alive clients saying \
         `Accept-Encoding: gzip`, {}s after {}s of warm-up; client and server share the cores. Synthetic \
         national dataset (seed 42) over the real 149 + 183 territories, at scales {:?}.\n\n",
        DURATION.as_secs(),
        WARM_UP.as_secs(),
        scales()
    );
    let dir = tempfile::tempdir().unwrap();
    let admin = std::env::var("TERRITOIRES_TEST_POSTGRES_URL").ok();
    let mut engines = vec!["SQLite"];
    if admin.is_some() {
        engines.push("PostgreSQL");
    }
    for engine in engines {
        for scale in scales() {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            let (url, file) = match engine {
                "SQLite" => {
                    let file = dir.path().join(format!("load-{scale}.db"));
                    (format!("sqlite://{}", file.display()), Some(file))
                }
                _ => (
                    runtime.block_on(common::fresh_postgres(
                        admin.as_deref().unwrap(),
                        &format!("bench_load_{}_{scale}", std::process::id()),
                    )),
                    None,
                ),
            };
            report.push_str(&format!("## {engine}, scale {scale}\n\n"));
            // Datasette once, beside SQLite at scale 1: the communes table is the same at every scale.
            let datasette = (scale == 1).then_some(file).flatten();
            report.push_str(&runtime.block_on(measure(&url, scale, datasette.as_deref())));
            report.push('\n');
            eprint!("{report}");
        }
    }
    println!("{report}");
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-load-report.md");
    std::fs::write(&target, &report).unwrap();
    eprintln!("report written to {}", target.display());
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn quantiles(h: &Histogram<u64>) -> String {
    let ms = |v: u64| v as f64 / 1000.0;
    format!(
        "{:.2} ms | {:.2} ms | {:.2} ms |",
        ms(h.value_at_quantile(0.5)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max())
    )
}

async fn prepare(url: &str, scale: u32) -> (Store, String) {
    let (store, _, portfolio, took) = common::national(url, scale).await;
    let summary = format!(
        "Data: {} projects, {} funding lines, loaded in {:.2} s.\n\n",
        common::written(&portfolio, "projects"),
        common::written(&portfolio, "funding_lines"),
        took.as_secs_f64()
    );
    (store, summary)
}

async fn measure(url: &str, scale: u32, sqlite_file: Option<&Path>) -> String {
    let (store, mut out) = prepare(url, scale).await;
    out.push_str(&bilans(&store).await);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(territoires_web::serve(
        store.clone(),
        listener,
        common::options(),
    ));
    let load = |paths: Vec<String>, clients: usize| {
        let base = base.clone();
        async move { measure_load(&base, paths, clients, DURATION, WARM_UP, true).await }
    };

    out.push_str("| HTTP, gzip accepted | requests | throughput | p50 | p99 | max |\n|---|---|---|---|---|---|\n");
    let communes = load(vec![COMMUNES.into()], CLIENTS).await;
    out.push_str(&format!("| `{COMMUNES}` | {}\n", communes.row()));
    let home = load(vec!["/".into()], CLIENTS).await;
    out.push_str(&format!("| `/` home page | {}\n", home.row()));
    let css = load(vec!["/static/dsfr/dsfr.min.css".into()], CLIENTS).await;
    out.push_str(&format!(
        "| `/static/dsfr/dsfr.min.css` (gzipped once) | {}\n",
        css.row()
    ));
    let national = load(vec![NATIONAL.into()], CLIENTS).await;
    out.push_str(&format!(
        "| `{NATIONAL}` national bilan | {}\n",
        national.row()
    ));
    let client = reqwest::Client::new();
    let first_pdf = Instant::now();
    let pdf = client.get(format!("{base}{PDF}")).send().await.unwrap();
    assert!(pdf.status().is_success());
    let pdf_size = pdf.bytes().await.unwrap().len();
    let first_pdf = first_pdf.elapsed();
    let pdfs = load(vec![PDF.into()], CLIENTS).await;
    out.push_str(&format!(
        "| `{PDF}` ({} KB; first render {:.0} ms, then kept for the data version) | {}\n",
        pdf_size / 1024,
        ms(first_pdf),
        pdfs.row()
    ));
    let health = load(vec!["/sante".into()], CLIENTS).await;
    out.push_str(&format!("| `/sante` alone | {}\n", health.row()));
    let (health_beside, heavy) = health_beside_heavy(&base).await;
    out.push_str(&format!(
        "| `/sante` beside {HEAVY} clients asking national bilans at new dates ({heavy:.0} bilans/s) | {}\n",
        health_beside.row()
    ));
    // Distinct lines for each kind of write: the store's writers would otherwise use them all up.
    let mut lines = uncommitted_lines(&store).await;
    let occasional = lines.split_off(lines.len().saturating_sub(20));
    let (through_store, over_http): (Vec<_>, Vec<_>) =
        lines.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let strip = |v: Vec<(usize, LineView)>| v.into_iter().map(|(_, l)| l).collect::<Vec<_>>();
    let (under_writes, writes) = reads_under_writes(&store, &base, occasional).await;
    out.push_str(&format!(
        "| `{NATIONAL}` while a commitment is recorded every 2 s ({writes} writes) | {}\n\n",
        under_writes.row()
    ));
    out.push_str(&format!(
        "p99 under writes / p99 without: **{:.1}×** (target ≤ 2×).\n\n",
        under_writes.p99 / national.p99
    ));
    out.push_str(&concurrent_writes(&store, url, strip(through_store)).await);
    out.push_str(&http_writes(&store, &base, strip(over_http)).await);
    out.push_str(&mixed_work(&store, &base).await);
    if let Some(file) = sqlite_file {
        out.push_str(&sign_in_timing(&store, &base).await);
        out.push_str(&datasette(&store, file, &communes).await);
    }
    out
}

/// The national bilan through the store: the first after the load (read model and evolution built), then
/// at 100 other dates.
async fn bilans(store: &Store) -> String {
    let today = time::OffsetDateTime::now_utc().date();
    let started = Instant::now();
    store
        .bilan(&Frame::at(Phase::First, Scope::France, today))
        .await
        .unwrap();
    let first = started.elapsed();
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    for i in 0..100 {
        let on = time::macros::date!(2019 - 01 - 01) + Days::days(i * 29);
        let t = Instant::now();
        std::hint::black_box(
            store
                .bilan(&Frame::at(Phase::First, Scope::France, on))
                .await
                .unwrap(),
        );
        h.record(t.elapsed().as_micros() as u64).unwrap();
    }
    format!(
        "National phase-1 bilan through the store: first after the load (reads the data, builds the read \
         model and the evolution) {:.0} ms; at 100 other dates p50 | p99 | max: {}\n\n",
        ms(first),
        quantiles(&h)
    )
}

/// `/sante` under load while clients ask national bilans at dates never asked before (nothing cached).
async fn health_beside_heavy(base: &str) -> (Measured, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut heavy = Vec::new();
    for c in 0..HEAVY {
        let (stop, done, base) = (stop.clone(), done.clone(), base.to_owned());
        heavy.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let on = time::macros::date!(2018 - 12 - 01) + Days::days((i * HEAVY + c) as i64);
                i += 1;
                let response = client
                    .get(format!(
                        "{base}/api/v1/bilan?phase=2018-2022&date={}",
                        iso_date(on.min(time::macros::date!(2032 - 12 - 31)))
                    ))
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success());
                response.bytes().await.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let started = Instant::now();
    let health = measure_load(
        base,
        vec!["/sante".into()],
        CLIENTS - HEAVY,
        DURATION,
        WARM_UP,
        true,
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    for h in heavy {
        h.await.unwrap();
    }
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    (health, rate)
}

/// Lines nobody committed yet, for writes that all succeed.
async fn uncommitted_lines(store: &Store) -> Vec<LineView> {
    let today = time::OffsetDateTime::now_utc().date();
    let mut lines = Vec::new();
    for phase in Phase::ALL {
        lines.extend(
            store
                .bilan_rows(&Frame::at(phase, Scope::France, today))
                .await
                .unwrap()
                .lines
                .into_iter()
                .filter(|l| l.line.committed.is_none() && l.line.cancelled_on.is_none()),
        );
    }
    lines
}

/// A small commitment on `line`, the day after its request.
fn commitment(line: &LineView) -> LineChange {
    LineChange {
        line_id: line.id,
        project: None,
        read_version: line.version,
        event: LineEvent::Commit {
            amount: Cents::euros(100).min(line.line.requested),
            on: line.line.requested_on + Days::days(1),
            over_request_allowed: false,
        },
    }
}

/// The national bilan under load while a commitment is recorded every 2 seconds.
async fn reads_under_writes(store: &Store, base: &str, lines: Vec<LineView>) -> (Measured, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut written = 0;
            for line in lines.iter().rev() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                store
                    .record_line_event(commitment(line), "bench")
                    .await
                    .unwrap();
                written += 1;
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            written
        })
    };
    let measured = measure_load(
        base,
        vec![NATIONAL.into()],
        CLIENTS,
        DURATION * 2,
        WARM_UP,
        true,
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    (measured, writer.await.unwrap())
}

/// Commitments recorded by concurrent writers on distinct lines, while an import runs from another
/// instance (as the CLI beside a busy site).
async fn concurrent_writes(store: &Store, url: &str, lines: Vec<LineView>) -> String {
    let lines = Arc::new(Mutex::new(lines));
    let available = lines.lock().unwrap().len();
    let started = Instant::now();
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        let (store, lines) = (store.clone(), lines.clone());
        writers.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
            let mut failed = Vec::new();
            while started.elapsed() < DURATION {
                let Some(line) = lines.lock().unwrap().pop() else {
                    break;
                };
                let t = Instant::now();
                if let Err(e) = store.record_line_event(commitment(&line), "bench").await {
                    failed.push(e.to_string());
                }
                h.record(t.elapsed().as_micros() as u64).unwrap();
            }
            (h, failed)
        }));
    }
    let cli = tokio::spawn({
        let url = url.to_owned();
        async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let other = Store::connect(&url).await.unwrap();
            let t = Instant::now();
            let funder = Portfolio {
                funders: vec![Funder {
                    siret: None,
                    code: "bench-cli".into(),
                    name: "Import de la ligne de commande".into(),
                    kind: FunderKind::Private,
                }],
                ..Portfolio::default()
            };
            let outcome = other
                .import_portfolio(
                    (&funder, &territoires_domain::portfolio::given::Given::All),
                    "bench-cli",
                    "cli",
                )
                .await;
            (outcome.map(|_| ()).map_err(|e| e.to_string()), t.elapsed())
        }
    });
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    let mut failed = Vec::new();
    for w in writers {
        let (h, f) = w.await.unwrap();
        total.add(h).unwrap();
        failed.extend(f);
    }
    let elapsed = started.elapsed();
    let (cli, cli_time) = cli.await.unwrap();
    format!(
        "Concurrent writes: {WRITERS} writers recording commitments on distinct lines ({available} \
         available) for {:.1} s, through the store: **{:.0} writes/s**, p50 | p99 | max: {} {} failed{}. \
         An import from another instance meanwhile: {} in {:.0} ms.\n\n",
        elapsed.as_secs_f64(),
        total.len() as f64 / elapsed.as_secs_f64(),
        quantiles(&total),
        failed.len(),
        failed
            .first()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default(),
        match cli {
            Ok(()) => "succeeded".to_owned(),
            Err(e) => format!("FAILED ({e})"),
        },
        ms(cli_time)
    )
}

/// The value of the first hidden input `name` in `page`.
fn hidden(page: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&needle)
        .unwrap_or_else(|| panic!("{name} in page"))
        + needle.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// Commitments recorded through the project page's form, as agents do: {WRITERS} signed-in browsers on
/// distinct lines, each post checked (CSRF, scope, version) and answered by a redirect.
async fn http_writes(store: &Store, base: &str, lines: Vec<LineView>) -> String {
    const EMAIL: &str = "bench@example.gouv.fr";
    const PASSWORD: &str = "mot de passe du banc";
    store
        .create_user(
            EMAIL,
            "Banc d'essai",
            &territoires_web::access::auth::hash_password(PASSWORD),
            &"national".parse().unwrap(),
            "bench".into(),
        )
        .await
        .unwrap();
    let available = lines.len();
    let lines = Arc::new(Mutex::new(lines));
    let started = Instant::now();
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        let (lines, base) = (lines.clone(), base.to_owned());
        writers.push(tokio::spawn(async move {
            let c = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let login = c.get(format!("{base}/connexion")).send().await.unwrap();
            let csrf = hidden(&login.text().await.unwrap(), "csrf");
            let signed = c
                .post(format!("{base}/connexion"))
                .form(&[
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("csrf", &csrf),
                    ("next", "/"),
                ])
                .send()
                .await
                .unwrap();
            assert!(
                signed.status().is_redirection(),
                "sign-in: {}",
                signed.status()
            );
            let home = c.get(format!("{base}/")).send().await.unwrap();
            let csrf = hidden(&home.text().await.unwrap(), "csrf");
            let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
            let mut statuses: Vec<u16> = Vec::new();
            while started.elapsed() < DURATION {
                let Some(line) = lines.lock().unwrap().pop() else {
                    break;
                };
                let amount = Cents::euros(100).min(line.line.requested);
                let form = [
                    ("csrf", csrf.clone()),
                    ("version", line.version.to_string()),
                    ("evenement", "engagement".to_owned()),
                    ("montant", format!("{}", amount.0 / 100)),
                    ("date", iso_date(line.line.requested_on + Days::days(1))),
                ];
                let t = Instant::now();
                let response = c
                    .post(format!(
                        "{base}/projets/{}/financements/{}",
                        line.line.project, line.id
                    ))
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                h.record(t.elapsed().as_micros() as u64).unwrap();
                if !response.status().is_redirection() {
                    statuses.push(response.status().as_u16());
                }
            }
            (h, statuses)
        }));
    }
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    let mut refused = Vec::new();
    for w in writers {
        let (h, s) = w.await.unwrap();
        total.add(h).unwrap();
        refused.extend(s);
    }
    let elapsed = started.elapsed();
    let errors = refused.iter().filter(|s| **s >= 500).count();
    format!(
        "Writes over HTTP: {WRITERS} signed-in browsers posting the commitment form on distinct lines ({available} available) for {:.1} s: **{:.0} writes/s**, p50 | p99 | max: {} {} not redirected ({errors} server errors{}).\n\n",
        elapsed.as_secs_f64(),
        total.len() as f64 / elapsed.as_secs_f64(),
        quantiles(&total),
        refused.len(),
        refused
            .first()
            .map(|s| format!(", first: HTTP {s}"))
            .unwrap_or_default(),
    )
}

/// A fiche's version and measured jobs created (0 when unknown), read through the API.
async fn read_jobs(c: &reqwest::Client, base: &str, code: &str) -> (i64, i64) {
    let d: serde_json::Value = c
        .get(format!("{base}/api/v1/projets/{code}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        d["version"].as_i64().unwrap(),
        d["measured"]["jobs_created"].as_i64().unwrap_or(0),
    )
}

/// How long the mixed workload runs: 60 s, or `TERRITOIRES_BENCH_MIXED_SECONDS`.
fn mixed_duration() -> Duration {
    Duration::from_secs(
        std::env::var("TERRITOIRES_BENCH_MIXED_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    )
}

/// People at work (issue #9): {CLIENTS} clients for a minute on a few shared fiches actions, each turn a
/// page read, an API read, or a read-modify-write through the write API (`PATCH` with the version read,
/// retried on 409). Each successful write adds one to a fiche's measured jobs: at the end, every fiche
/// must hold its initial value plus the writes acknowledged, or an update was lost.
async fn mixed_work(store: &Store, base: &str) -> String {
    const HOT: usize = 16;
    let (secret, hash) = territoires_web::access::auth::new_api_token();
    store
        .issue_token(
            "banc-mixte",
            &hash,
            &"national".parse().unwrap(),
            "2999-01-01T00:00:00Z",
            "bench".into(),
        )
        .await
        .unwrap();
    let mut codes: Vec<String> = Vec::new();
    for line in uncommitted_lines(store).await {
        if codes.len() < HOT && !codes.contains(&line.line.project) {
            codes.push(line.line.project);
        }
    }
    let client = reqwest::Client::new();
    let mut initial = Vec::new();
    for code in &codes {
        initial.push(read_jobs(&client, base, code).await.1);
    }
    let codes = Arc::new(codes);
    let duration = mixed_duration();
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CLIENTS {
        let (codes, base, secret) = (codes.clone(), base.to_owned(), secret.clone());
        workers.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            let mut reads = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
            let mut writes = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
            let (mut done, mut conflicts, mut errors) = (vec![0i64; codes.len()], 0u64, 0u64);
            let mut turn = w;
            while started.elapsed() < duration {
                turn += 1;
                let i = (turn * 7 + w) % codes.len();
                let code = &codes[i];
                let t = Instant::now();
                match turn % 10 {
                    0..=4 => {
                        let r = c.get(format!("{base}/projets/{code}")).send().await.unwrap();
                        errors += u64::from(!r.status().is_success());
                        r.bytes().await.unwrap();
                        reads.record(t.elapsed().as_micros() as u64).unwrap();
                    }
                    5..=6 => {
                        let r = c.get(format!("{base}/api/v1/projets/{code}")).send().await.unwrap();
                        errors += u64::from(!r.status().is_success());
                        r.bytes().await.unwrap();
                        reads.record(t.elapsed().as_micros() as u64).unwrap();
                    }
                    _ => loop {
                        let (version, n) = read_jobs(&c, &base, code).await;
                        let t = Instant::now();
                        let r = c
                            .patch(format!("{base}/api/v1/projets/{code}"))
                            .bearer_auth(&secret)
                            .json(&serde_json::json!({"version": version, "emplois_crees_mesures": n + 1}))
                            .send()
                            .await
                            .unwrap();
                        writes.record(t.elapsed().as_micros() as u64).unwrap();
                        match r.status().as_u16() {
                            200 => {
                                done[i] += 1;
                                break;
                            }
                            409 => conflicts += 1,
                            _ => {
                                errors += 1;
                                break;
                            }
                        }
                    },
                }
            }
            (reads, writes, done, conflicts, errors)
        }));
    }
    let mut reads = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    let mut writes = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    let (mut done, mut conflicts, mut errors) = (vec![0i64; codes.len()], 0, 0);
    for w in workers {
        let (r, wr, d, c, e) = w.await.unwrap();
        reads.add(r).unwrap();
        writes.add(wr).unwrap();
        for (total, n) in done.iter_mut().zip(d) {
            *total += n;
        }
        conflicts += c;
        errors += e;
    }
    let elapsed = started.elapsed();
    let mut lost = 0;
    for (i, code) in codes.iter().enumerate() {
        let now = read_jobs(&client, base, code).await.1;
        lost += (initial[i] + done[i] - now).abs();
    }
    let acknowledged: i64 = done.iter().sum();
    format!(
        "Mixed work: {CLIENTS} clients on {HOT} shared fiches for {:.0} s — page and API reads, and read-modify-writes through `PATCH /api/v1/projets/{{code}}` (version read, retried on 409): **{:.0} requests/s**; reads p50 | p99 | max: {}; writes p50 | p99 | max: {}; {acknowledged} writes acknowledged, {conflicts} conflicts answered 409 and retried, {errors} errors, **lost updates: {lost}**.\n\n",
        elapsed.as_secs_f64(),
        (reads.len() + writes.len()) as f64 / elapsed.as_secs_f64(),
        quantiles(&reads),
        quantiles(&writes),
    )
}

/// A refused sign-in takes as long for an unknown address as for a known one with a wrong password (the
/// time must not tell which accounts exist). Four of each, below the sign-in throttle's limits.
async fn sign_in_timing(store: &Store, base: &str) -> String {
    store
        .create_user(
            "connu@example.gouv.fr",
            "Compte connu",
            &territoires_web::access::auth::hash_password("le bon mot de passe"),
            &"national".parse().unwrap(),
            "bench".into(),
        )
        .await
        .unwrap();
    let attempt = |email: String| async move {
        let c = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = c.get(format!("{base}/connexion")).send().await.unwrap();
        let csrf = hidden(&page.text().await.unwrap(), "csrf");
        let t = Instant::now();
        let refused = c
            .post(format!("{base}/connexion"))
            .form(&[
                ("email", email.as_str()),
                ("password", "mauvais"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
        ms(t.elapsed())
    };
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[1] + v[2]) / 2.0
    };
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..4 {
        known.push(attempt("connu@example.gouv.fr".into()).await);
        unknown.push(attempt(format!("inconnu-{i}@example.gouv.fr")).await);
    }
    let (known, unknown) = (median(known), median(unknown));
    format!(
        "Refused sign-in, median of 4: known account with a wrong password {known:.0} ms, unknown account \
         {unknown:.0} ms (ratio {:.2}).\n\n",
        unknown / known
    )
}

/// Datasette serving a copy of the same SQLite file, on the same query as `/api/v1/communes`.
async fn datasette(store: &Store, file: &Path, ours: &Measured) -> String {
    let exe = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-tools/venv/bin/datasette");
    if !exe.exists() {
        return "Datasette is not installed: `scripts/bench` installs it.\n\n".into();
    }
    store
        .execute_admin("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    let copy = file.with_file_name("communes.db");
    std::fs::copy(file, &copy).unwrap();
    let millesime = store.current_millesime().await.unwrap().unwrap();
    let port = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap().port()
    };
    let mut child = tokio::process::Command::new(&exe)
        .args(["serve", "-i"])
        .arg(&copy)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let path = format!(
        "/communes/communes.json?_shape=array&_size=50&_sort=code&millesime={millesime}&departement_code=57"
    );
    let client = reqwest::Client::new();
    let ready = Instant::now();
    while client.get(format!("{base}{path}")).send().await.is_err() {
        assert!(
            ready.elapsed() < Duration::from_secs(30),
            "Datasette did not start"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let theirs = measure_load(&base, vec![path.clone()], CLIENTS, DURATION, WARM_UP, true).await;
    child.kill().await.ok();
    format!(
        "| Same communes query, side by side | requests | throughput | p50 | p99 | max |\n|---|---|---|---|---|---|\n\
         | territoires `{COMMUNES}` | {}\n| Datasette 0.65 `{path}` | {}\n\n\
         territoires / Datasette: **{:.1}×** the throughput, p99 {:.2} ms vs {:.2} ms.\n\n",
        ours.row(),
        theirs.row(),
        ours.throughput / theirs.throughput,
        ours.p99,
        theirs.p99
    )
}
