//! Open data, black-box: the `/donnees` page lists each dataset with its schema, licence, update date and
//! row count; each file validates against its national Table Schema with PyPI's `frictionless`; a client
//! holding the current files gets `304`, and a write gives new files with the new record.

mod common;

use reqwest::{header, StatusCode};
use serde_json::json;
use territoires_domain::opendata::{self, DATASETS};

/// The schema file of a dataset, in the shared data (`schemas/`).
fn schema_file(dataset: &opendata::Dataset) -> std::path::PathBuf {
    let dir = match dataset.slug {
        "projets" => "betagouv-projets-territoire/schema_0.1.0.json",
        other => panic!("no schema file for {other}"),
    };
    territoires_ingest::default_data_dir()
        .join("schemas")
        .join(dir)
}

/// `frictionless validate` of `body` (named `name`) against `schema`: its report as JSON.
fn validate(schema: &std::path::Path, name: &str, body: &[u8]) -> serde_json::Value {
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

fn assert_valid(report: &serde_json::Value, rows: usize, what: &str) {
    let task = &report["tasks"][0];
    assert_eq!(
        report["valid"], true,
        "{what} follows its schema: {:#}",
        task["errors"]
    );
    assert_eq!(task["stats"]["rows"], rows, "{what}: every row was read");
}

async fn get(url: &str) -> reqwest::Response {
    common::client().get(url).send().await.unwrap()
}

/// A `GET` from a client that holds the answer tagged `tag`.
async fn get_holding(url: &str, tag: &header::HeaderValue) -> reqwest::Response {
    common::client()
        .get(url)
        .header(header::IF_NONE_MATCH, tag.clone())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_dataset_is_listed_and_its_files_follow_their_national_schema() {
    let base = common::spawn_app().await;
    let page = get(&format!("{base}/donnees")).await.text().await.unwrap();
    let text = common::visible_text(&page);
    assert!(text.contains("Licence Ouverte 2.0"), "{text}");
    for dataset in DATASETS {
        assert!(text.contains(dataset.title), "{} listed", dataset.title);
        assert!(text.contains(dataset.schema.name), "its schema named");
        let csv = get(&format!("{base}/donnees/{}.csv", dataset.slug)).await;
        assert_eq!(csv.status(), StatusCode::OK);
        assert_eq!(csv.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let csv = csv.bytes().await.unwrap();
        let rows = csv.iter().filter(|b| **b == b'\n').count() - 1;
        assert!(rows > 0, "the demo publishes {}", dataset.slug);
        assert!(
            page.contains(&format!("Lignes publiées</th><td>{rows}</td>")),
            "the page counts the file's {rows} rows"
        );
        let schema = schema_file(dataset);
        assert_valid(&validate(&schema, "jeu.csv", &csv), rows, "the CSV");
        let json = get(&format!("{base}/donnees/{}.json", dataset.slug))
            .await
            .bytes()
            .await
            .unwrap();
        assert_valid(&validate(&schema, "jeu.json", &json), rows, "the JSON");
        let xlsx = get(&format!("{base}/donnees/{}.xlsx", dataset.slug)).await;
        assert_eq!(xlsx.status(), StatusCode::OK);
        assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a workbook");

        // The validator does check: a phase outside the schema's list is refused.
        let tampered =
            String::from_utf8(csv.to_vec())
                .unwrap()
                .replacen(",Étude,", ",Étude préalable,", 1);
        let report = validate(&schema, "jeu.csv", tampered.as_bytes());
        assert_eq!(report["valid"], false, "a value off the schema's list");
    }
    assert_eq!(
        get(&format!("{base}/donnees/projets.ods")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&format!("{base}/donnees/inconnu.csv")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_client_holding_the_files_gets_304_until_a_write_changes_them() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let url = format!("{base}/donnees/projets.csv");
    let first = get(&url).await;
    let tag = first.headers()[header::ETAG].clone();
    let before = first.text().await.unwrap();
    let again = get_holding(&url, &tag).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[header::ETAG], tag);
    assert!(again.bytes().await.unwrap().is_empty());

    let store = common::own_store(&db).await;
    let token = common::issue_token(&store, "outil-epinal", "territoire:2018-2022/ti-4415").await;
    let created = common::client()
        .post(format!("{base}/api/v1/projets"))
        .bearer_auth(token)
        .json(&json!({
            "code": "EPI-2021-CAMPUS", "phase": "2018-2022", "titre": "Campus de l'industrie du bois",
            "territoires": ["ti-4415"], "statut": "engage", "date_statut": "2021-03-01",
            "cout_total": "2 500 000,60"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let after = get_holding(&url, &tag).await;
    assert_eq!(after.status(), StatusCode::OK, "the data changed");
    assert_ne!(after.headers()[header::ETAG], tag);
    let after = after.text().await.unwrap();
    assert_eq!(after.lines().count(), before.lines().count() + 1);
    let id = opendata::projects::id("EPI-2021-CAMPUS").to_string();
    let row = after
        .lines()
        .find(|l| l.starts_with(&id))
        .expect("the new fiche");
    assert!(
        row.contains(
            ",Campus de l'industrie du bois,,2500001,,Opération,En cours,Territoires d'industrie,"
        ),
        "its cost rounded to the euro, its phase from its status: {row}"
    );
}
