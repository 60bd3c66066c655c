//! A real server on a random port, over a SQLite database holding the real reference data and the demo.
//! The database is built once per test binary; each test opens its own server on it.

use std::path::PathBuf;

use std::sync::OnceLock;
use tokio::io::AsyncBufReadExt as _;

use territoires_domain::phase::Phase;
use territoires_domain::portfolio::funding::{Funder, FunderKind};
use territoires_domain::portfolio::Portfolio;
use territoires_ingest::registry::{reference, referential, territories};
use territoires_ingest::{default_data_dir, demo, DataDir};
use territoires_store::Store;

static FIXTURE: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();

/// The URL of the fixture database (built on first use, on a runtime of its own).
fn fixture_url() -> String {
    FIXTURE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temporary directory");
            let url = format!(
                "sqlite://{}",
                PathBuf::from(dir.path()).join("fixture.db").display()
            );
            let build = url.clone();
            std::thread::spawn(move || {
                tokio::runtime::Runtime::new()
                    .unwrap()
                    .block_on(async move {
                        let store = Store::connect(&build).await.unwrap();
                        store.migrate().await.unwrap();
                        let data = DataDir::open(default_data_dir())
                            .expect("reference data in ../shared/data");
                        referential::import_referential(&store, &data, "test")
                            .await
                            .unwrap();
                        let today = time::OffsetDateTime::now_utc().date();
                        for phase in Phase::ALL {
                            territories::import_territories(
                                &store, &data, phase, None, today, "test",
                            )
                            .await
                            .unwrap();
                        }
                        reference::load_labellings(&store, "test").await.unwrap();
                        demo::load_demo(&store, "test").await.unwrap();
                        // An operator's account names its funder, which must exist.
                        let bpifrance = Portfolio {
                            funders: vec![Funder {
                                siret: None,
                                code: "bpifrance".into(),
                                name: "Bpifrance".into(),
                                kind: FunderKind::Operator,
                            }],
                            ..Portfolio::default()
                        };
                        store
                            .import_portfolio(
                                (
                                    &bpifrance,
                                    &territoires_domain::portfolio::given::Given::All,
                                ),
                                "fixture-funders",
                                "test",
                            )
                            .await
                            .unwrap();
                        for (email, profile) in [
                            ("national@example.gouv.fr", "national"),
                            ("pilote-ge@example.gouv.fr", "region:44"),
                            ("pilote-hdf@example.gouv.fr", "region:32"),
                            ("bpifrance@example.gouv.fr", "operateur:bpifrance"),
                        ] {
                            let hash = territoires_web::access::auth::hash_password(PASSWORD);
                            store
                                .create_user(
                                    email,
                                    "Test",
                                    &hash,
                                    &profile.parse().unwrap(),
                                    "test".into(),
                                )
                                .await
                                .unwrap();
                        }
                        // Copies of the file must hold everything: fold the write-ahead log into it.
                        store
                            .execute_admin("PRAGMA wal_checkpoint(TRUNCATE)")
                            .await
                            .unwrap();
                        store.close().await;
                    })
            })
            .join()
            .expect("fixture database built");
            (dir, url)
        })
        .1
        .clone()
}

/// The password of the fixture's accounts.
pub const PASSWORD: &str = "mot de passe de test";

/// Starts the application on 127.0.0.1 with a random port; returns its base URL (no trailing slash).
#[allow(dead_code)] // Each test binary compiles this module; not every one reads the shared fixture.
pub async fn spawn_app() -> String {
    serve(Store::connect(&fixture_url()).await.expect("open fixture")).await
}

/// Like [`spawn_app`], on a copy of the fixture of its own, for tests that write.
#[allow(dead_code)] // Each test binary compiles this module; not every one writes.
pub async fn spawn_app_with_own_database() -> (String, tempfile::TempDir) {
    spawn_app_with_options(options()).await
}

/// The site's options in tests: a test is one client walking many addresses (every figure of a bilan, every
/// route for every profile), so the API's quota per address is lifted; the quota's own test sets one.
pub fn options() -> territoires_web::SiteOptions {
    let data = DataDir::open(default_data_dir()).expect("reference data in ../shared/data");
    territoires_web::SiteOptions {
        api_requests_per_minute: std::num::NonZeroU32::new(u32::MAX),
        friches_schema: Some(std::sync::Arc::new(
            territoires_ingest::land::export::friches_schema(&data)
                .expect("the CNIG friches schema"),
        )),
        ..Default::default()
    }
}

/// Like [`spawn_app_with_own_database`], the site being reached as `options` say.
#[allow(dead_code)] // Each test binary compiles this module; not every one writes.
pub async fn spawn_app_with_options(
    options: territoires_web::SiteOptions,
) -> (String, tempfile::TempDir) {
    spawn_app_with(|_| async { options }).await
}

/// Like [`spawn_app_with_options`], the options made knowing the site's address (e.g. to register it at
/// an identity provider started meanwhile).
#[allow(dead_code)] // Each test binary compiles this module; not every one needs its address first.
pub async fn spawn_app_with<F, Fut>(options: F) -> (String, tempfile::TempDir)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = territoires_web::SiteOptions>,
{
    let fixture = fixture_url();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("own.db");
    std::fs::copy(fixture.trim_start_matches("sqlite://"), &copy).unwrap();
    let store = Store::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a random port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let options = options(base.clone()).await;
    tokio::spawn(territoires_web::serve(store, listener, options));
    (base, dir)
}

/// The store of a database made by [`spawn_app_with_own_database`] (in its folder), to look at what the
/// site wrote.
#[allow(dead_code)] // Each test binary compiles this module; not every one writes.
pub async fn own_store(dir: &tempfile::TempDir) -> Store {
    Store::connect(&format!("sqlite://{}", dir.path().join("own.db").display()))
        .await
        .unwrap()
}

async fn serve(store: Store) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a random port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(territoires_web::serve(store, listener, options()));
    base
}

/// Imports funders (Bpifrance, Région Grand Est), a TI-specific scheme `fa` with a Grand Est envelope of
/// 1,000,000 € over 2020–2022, and the funding lines given (a `financements.csv` text), from CSV files as a
/// user would, into the SQLite file at `db`.
#[allow(dead_code)] // Each test binary compiles this module; not every one funds projects.
pub async fn import_funding(db: &std::path::Path, lines_csv: &str) {
    import_tables(
        db,
        &[
            (
                "financeurs.csv",
                "code;nom;type\nbpifrance;Bpifrance;operateur\nregion-44;Région Grand Est;region\n",
            ),
            (
                "dispositifs.csv",
                "code;nom;financeur;specifique_ti\nfa;Fonds d'accélération;bpifrance;oui\n",
            ),
            (
                "enveloppes.csv",
                "code;dispositif;region;debut;fin;montant\nfa-44;fa;44;2020-01-01;2022-12-31;1 000 000\n",
            ),
            ("financements.csv", lines_csv),
        ],
    )
    .await;
}

/// Imports the portfolio tables given (file name, CSV text) in one import, as a user would, into the
/// SQLite file at `db`.
#[allow(dead_code)] // Each test binary compiles this module; not every one funds projects.
pub async fn import_tables(db: &std::path::Path, files: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let store = Store::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    territoires_ingest::portfolio::import_portfolio(
        &store,
        dir.path(),
        &Default::default(),
        "test",
    )
    .await
    .unwrap();
    store.close().await;
}

/// Issues an API token named `name` with `profile` (stored form: `national`, `region:44`…) until 2999, and
/// returns its secret.
#[allow(dead_code)] // Each test binary compiles this module; not every one writes with a token.
pub async fn issue_token(store: &Store, name: &str, profile: &str) -> String {
    let (secret, hash) = territoires_web::access::auth::new_api_token();
    store
        .issue_token(
            name,
            &hash,
            &profile.parse().unwrap(),
            "2999-01-01T00:00:00Z",
            "test".into(),
        )
        .await
        .unwrap();
    secret
}

/// A client that keeps cookies (a browser session) and does not follow redirects (tests read them).
#[allow(dead_code)] // Each test binary compiles this module; not every one signs in.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first hidden input `name` after the text `after` in a page.
#[allow(dead_code)] // Each test binary compiles this module; not every one posts forms.
pub fn hidden(page: &str, name: &str, after: &str) -> String {
    let from = page
        .find(after)
        .unwrap_or_else(|| panic!("{after} in page"));
    let needle = format!("name=\"{name}\" value=\"");
    let start = from
        + page[from..]
            .find(&needle)
            .unwrap_or_else(|| panic!("{name} after {after}"))
        + needle.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// Signs in through the login form (with its CSRF token); returns the answer's status.
#[allow(dead_code)] // Each test binary compiles this module; not every one signs in.
pub async fn login(
    c: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::StatusCode {
    let page = c
        .get(format!("{base}/connexion"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf", "<form");
    let form = [
        ("email", email),
        ("password", password),
        ("csrf", &csrf),
        ("next", "/"),
    ];
    c.post(format!("{base}/connexion"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .status()
}

/// GETs a URL and reads its JSON, with the status.
#[allow(dead_code)] // Each test binary compiles this module; not every one reads JSON.
pub async fn get_json(url: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Page text with French typography's no-break spaces read as spaces, for assertions on words.
#[allow(dead_code)] // Each test binary compiles this module; not every one reads pages.
pub fn plain(text: &str) -> String {
    text.replace(['\u{202F}', '\u{a0}'], " ")
}

/// The entry of a figure in a bilan answer of the API.
#[allow(dead_code)] // Each test binary compiles this module; not every one reads bilans.
pub fn figure<'a>(bilan: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    bilan["figures"]
        .as_array()
        .expect("a bilan has figures")
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("figure {code} in the bilan"))
}

/// The value of a figure of a bilan answer (`None` when null: unknown).
#[allow(dead_code)] // Each test binary compiles this module; not every one reads bilans.
pub fn value(bilan: &serde_json::Value, code: &str) -> Option<i64> {
    figure(bilan, code)["value"].as_i64()
}

/// The text of a page outside its tags, scripts, styles and code (what typography rules apply to).
#[allow(dead_code)] // Each test binary compiles this module; not every one reads pages.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let skip_to = ["<script", "<style", "<code", "<pre", "<textarea"]
            .iter()
            .find(|t| rest.starts_with(**t))
            .map(|t| format!("</{}>", &t[1..]));
        let end = match skip_to {
            Some(close) => rest.find(&close).map_or(rest.len(), |i| i + close.len()),
            None => rest.find('>').map_or(rest.len(), |i| i + 1),
        };
        rest = &rest[end..];
    }
    out.push_str(rest);
    // As a reader sees it: the entities askama escapes with, decoded (`&amp;` last).
    [
        ("&#x27;", "'"),
        ("&#39;", "'"),
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
        ("&amp;", "&"),
        ("&#38;", "&"),
    ]
    .iter()
    .fold(out, |text, (entity, c)| text.replace(entity, c))
}

// The OpenID Connect provider of the ProConnect tests (npm `oidc-provider`, installed by `scripts/test`),
// and a site configured to sign in with it.
#[allow(dead_code)]
pub const CLIENT_ID: &str = "territoires-test";
#[allow(dead_code)]
pub const CLIENT_SECRET: &str = "un secret de test assez long pour HS256 et plus encore";

/// The provider, killed when dropped.
#[allow(dead_code)]
pub struct Provider {
    /// Its issuer URL.
    pub issuer: String,
    _child: tokio::process::Child,
}

#[allow(dead_code)]
pub async fn start_provider(site: &str) -> Provider {
    let script = std::env::var("TERRITOIRES_OIDC_PROVIDER").expect(
        "TERRITOIRES_OIDC_PROVIDER: the test provider's provider.mjs with its node_modules (scripts/test installs it)",
    );
    let mut child = tokio::process::Command::new("node")
        .arg(&script)
        .env("PORT", "0")
        .env("CLIENT_ID", CLIENT_ID)
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .env(
            "REDIRECT_URI",
            format!("{site}/connexion/proconnect/retour"),
        )
        .env("POST_LOGOUT_REDIRECT_URI", format!("{site}/"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs the test provider");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let issuer = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the provider prints `ready ISSUER`");
        if let Some(issuer) = line.strip_prefix("ready ") {
            break issuer.to_owned();
        }
    };
    // The provider writes notices later on: its output is read to the end, or it would die of a broken pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Provider {
        issuer,
        _child: child,
    }
}

#[allow(dead_code)]
pub async fn site_with_provider() -> (String, tempfile::TempDir, Provider) {
    let mut provider = None;
    let (base, dir) = spawn_app_with(|base| {
        let provider = &mut provider;
        async move {
            let started = start_provider(&base).await;
            let settings = territoires_web::access::proconnect::ProConnectSettings {
                issuer: started.issuer.clone(),
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
            };
            *provider = Some(started);
            territoires_web::SiteOptions {
                public_url: Some(base),
                proconnect: Some(settings),
                ..options()
            }
        }
    })
    .await;
    (base, dir, provider.unwrap())
}

/// `frictionless validate` of `body` (named `name`) against `schema`: its report as JSON.
#[allow(dead_code)] // Each test binary compiles this module; not every one validates files.
pub fn validate(schema: &std::path::Path, name: &str, body: &[u8]) -> serde_json::Value {
    // frictionless refuses paths outside its working folder: schema and file go in one.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(schema, dir.path().join("schema.json")).unwrap();
    std::fs::write(dir.path().join(name), body).unwrap();
    let python = std::env::var("TERRITOIRES_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(&python)
        .current_dir(dir.path())
        .args([
            "-m",
            "frictionless",
            "validate",
            "--json",
            "--type",
            "table",
            "--schema",
            "schema.json",
            name,
        ])
        .output()
        .expect("python with frictionless (scripts/test installs it)");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "frictionless ({python}) answered: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Asserts that a frictionless report is valid and read `rows` rows.
#[allow(dead_code)]
pub fn assert_valid(report: &serde_json::Value, rows: usize, what: &str) {
    let task = &report["tasks"][0];
    assert_eq!(
        report["valid"], true,
        "{what} follows its schema: {:#}",
        task["errors"]
    );
    assert_eq!(task["stats"]["rows"], rows, "{what}: every row was read");
}

/// The number of sites the land observatory's status table gives for `code` (`sans_projet`).
#[allow(dead_code)] // Each test binary compiles this module; not every one reads the observatory.
pub fn land_figure(page: &str, code: &str) -> u64 {
    let cell = page
        .split(&format!("id=\"sites-{code}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("sites-{code} in {page}"));
    visible_text(cell.split("</td>").next().unwrap())
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}
