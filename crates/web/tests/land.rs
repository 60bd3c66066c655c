//! The land observatory, black-box, on the real Cartofriches files: each figure is the count of the sites
//! its link lists; the export follows the CNIG *friches* standard 1.0.6 (checked with `frictionless`),
//! the standard's own example included after an import; wrong parameters are named.

mod common;

use common::{assert_valid, client, land_figure as figure, spawn_app_with_own_database, validate};
use territoires_ingest::DataDir;

fn schema() -> std::path::PathBuf {
    DataDir::open(territoires_ingest::default_data_dir())
        .unwrap()
        .friches_schema()
}

#[tokio::test]
async fn a_figure_lists_the_sites_it_counts_and_exports_in_the_standard() {
    // Its own database: the 22,110 sites and their 48,794 audit entries stay out of the shared fixture.
    let (base, dir) = spawn_app_with_own_database().await;
    let data = DataDir::open(territoires_ingest::default_data_dir()).unwrap();
    territoires_ingest::land::brownfields::load_cartofriches(
        &common::own_store(&dir).await,
        &data,
        "test",
    )
    .await
    .unwrap();
    let c = client();
    let frame = "perimetre=region:44&date=2026-01-01";
    let page = c
        .get(format!("{base}/foncier?{frame}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("Région Grand Est"), "{page}");
    let without_project = figure(&page, "sans_projet");
    assert!(
        without_project > 100,
        "Grand Est has hundreds: {without_project}"
    );

    // Its link lists exactly those sites, page after page.
    let mut listed = 0;
    let mut next = Some(format!(
        "/foncier/friches?phase=2023-2027&{frame}&statut=sans_projet"
    ));
    while let Some(href) = next.take() {
        let list = c
            .get(format!("{base}{}", href.replace("&#38;", "&")))
            .send()
            .await
            .unwrap();
        assert_eq!(list.status(), 200);
        let list = list.text().await.unwrap();
        listed += list.matches("<td>friche sans projet</td>").count() as u64;
        next = list
            .split("id=\"suivantes\"")
            .next()
            .and_then(|before| before.rsplit("href=\"").next())
            .filter(|_| list.contains("id=\"suivantes\""))
            .map(|h| h.split('"').next().unwrap().to_owned());
    }
    assert_eq!(listed, without_project);

    // The export is the standard's, and holds the same sites.
    let csv = c
        .get(format!(
            "{base}/foncier/friches.csv?{frame}&statut=sans_projet"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.bytes().await.unwrap();
    assert_valid(
        &validate(&schema(), "friches.csv", &csv),
        without_project as usize,
        "the Grand Est export",
    );

    // On an earlier date only the sites whose status was dated by then count.
    let early = c
        .get(format!(
            "{base}/foncier?perimetre=region:44&date=2015-01-01"
        ))
        .send()
        .await
        .unwrap();
    let early = figure(&early.text().await.unwrap(), "sans_projet");
    assert!(early < without_project, "{early} < {without_project}");

    // A site's page: its dated statuses, each with the file that said it.
    let site = c
        .get(format!("{base}/foncier/friches/67462_19670"))
        .send()
        .await
        .unwrap();
    assert_eq!(site.status(), 200);
    let site = site.text().await.unwrap();
    for expected in [
        "Scierie",
        "<tr><td>2022-10-10</td><td>friche potentielle</td><td>cartofriches_friches_standard_test_2024.csv</td></tr>",
        "<tr><td>2023-12-31</td><td>friche potentielle</td><td>cartofriches_listes_friches_ok_2023.latin1.csv</td></tr>",
    ] {
        assert!(site.contains(expected), "{expected} in {site}");
    }
    let unknown = c
        .get(format!("{base}/foncier/friches/00000_0"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    for (query, field) in [
        ("perimetre=canton:1", "perimetre"),
        ("statut=en+sommeil", "statut"),
        ("apres=../x", "apres"),
        ("date=hier", "date"),
    ] {
        let answer = c
            .get(format!("{base}/foncier/friches?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{query}");
        assert!(answer.text().await.unwrap().contains(field), "{query}");
    }
}

#[tokio::test]
async fn the_standards_example_comes_back_valid_after_an_import() {
    let (base, dir) = spawn_app_with_own_database().await;
    let store = common::own_store(&dir).await;
    let example = DataDir::open(territoires_ingest::default_data_dir())
        .unwrap()
        .path()
        .join("schemas/cnig-friches/fichier-valide_v1.0.5.csv");
    let context = territoires_ingest::context::Context::load(&store, None)
        .await
        .unwrap();
    territoires_ingest::land::brownfields::import_brownfields(
        &store, &example, &context, None, "test",
    )
    .await
    .unwrap();
    let epci = store
        .commune("12083")
        .await
        .unwrap()
        .unwrap()
        .epci_siren
        .unwrap();
    let csv = client()
        .get(format!(
            "{base}/foncier/friches.csv?perimetre=epci:{epci}&date=2026-01-01"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let report = validate(&schema(), "friches.csv", csv.as_bytes());
    let rows = csv.lines().count() - 1;
    assert_valid(&report, rows, "the export with the example");
    let line = csv
        .lines()
        .find(|l| l.starts_with("12083_22-12.0017,"))
        .expect("the example's site");
    for kept in [
        "Centre médical thermal",
        "friche avec projet",
        "2003-05-18",
        "P4a|G1a|Z2b",
        "POINT (3.9815 49.2527)",
        "16750",
    ] {
        assert!(line.contains(kept), "{kept} in {line}");
    }
}
