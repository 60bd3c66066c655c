//! A real server on a random port, over a SQLite database holding the real reference data and the demo.
//! The database is built once per test binary; each test opens its own server on it.

use std::path::PathBuf;
use std::sync::OnceLock;

use territoires_domain::phase::Phase;
use territoires_ingest::{default_data_dir, demo, referential, territories, DataDir};
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
                        demo::load_demo(&store, "test").await.unwrap();
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

/// Starts the application on 127.0.0.1 with a random port; returns its base URL (no trailing slash).
pub async fn spawn_app() -> String {
    let store = Store::connect(&fixture_url()).await.expect("open fixture");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a random port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(territoires_web::serve(store, listener));
    base
}
