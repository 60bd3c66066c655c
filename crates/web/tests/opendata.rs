//! Open data, black-box: the `/donnees` page lists each dataset with its schema, licence, update date and
//! row count; each file validates against its national Table Schema with PyPI's `frictionless`; a client
//! holding the current files gets `304`, and a write gives new files with the new record.

mod common;

use common::{assert_valid, validate};

use reqwest::{header, StatusCode};
use serde_json::json;
use territoires_domain::opendata::{self, DATASETS};

/// The schema file of a dataset: a national one from the shared data (`schemas/`), the platform's own
/// as the site serves it (written in `keep`).
async fn schema_file(
    base: &str,
    dataset: &opendata::Dataset,
    keep: &tempfile::TempDir,
) -> std::path::PathBuf {
    if dataset.schema.own.is_some() {
        let served = get(&format!("{base}{}", dataset.schema.url)).await;
        assert_eq!(
            served.status(),
            StatusCode::OK,
            "{} served",
            dataset.schema.url
        );
        let path = keep.path().join(format!("{}.schema.json", dataset.slug));
        std::fs::write(&path, served.bytes().await.unwrap()).unwrap();
        return path;
    }
    let dir = match dataset.slug {
        "projets" => "betagouv-projets-territoire/schema_0.1.0.json",
        "subventions" => "scdl-subventions/schema_2.1.1_official.json",
        "dispositifs" => "etalab-dispositif-aide/schema_0.2.0.json",
        other => panic!("no schema file for {other}"),
    };
    territoires_ingest::default_data_dir()
        .join("schemas")
        .join(dir)
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

/// A change to a dataset's CSV that its schema refuses: (from, to).
fn tampering(dataset: &opendata::Dataset) -> (&'static str, &'static str) {
    match dataset.slug {
        "projets" => (",Étude,", ",Étude préalable,"),
        "subventions" => (",aide en numéraire,", ",aide numéraire,"),
        "dispositifs" => (",professionnels|secteur public,", ",entreprises,"),
        "territoires" | "communes" => ("2018-2022,ti-", "2018-22,ti-"),
        "enveloppes" => (",régionale,", ",regionale,"),
        other => panic!("no tampering for {other}"),
    }
}

/// Grants on the demo's fiches, from the spreadsheets a funder would import: the funders with their
/// SIRET (Région Grand Est's left unknown), a scheme notified or not, two beneficiaries (a company, an
/// association), and lines paid at once, in instalments, not yet, cancelled, a loan.
async fn import_grants(db: &std::path::Path) {
    // A title a spreadsheet would run, longer than the schema's `objet`: cut, then guarded in the CSV, it
    // must still fit the schema.
    let formula = format!("=HYPERLINK(\"x\") {}", "hydrogène ".repeat(27));
    let projects = format!(
        "code;phase;territoires;titre;porteur_type;porteur_id;porteur_nom\n\
         GE2019-4411-GHOST;2018-2022;ti-4411|ti-3209|ti-3213;[G]HOST;entreprise;35600000000048;La Poste\n\
         GE2019-4415-HYDROGENE;2018-2022;ti-4415;{formula};association;W671234567;Hydrogène Vosges\n"
    );
    common::import_tables(
        db,
        &[
            (
                "financeurs.csv",
                "code;nom;type;siret\n\
                 bpifrance;Bpifrance;operateur;320 252 489 00051\n\
                 region-44;Région Grand Est;region;\n",
            ),
            (
                "dispositifs.csv",
                "code;nom;financeur;specifique_ti;notification_ue;description;eligibilite;types_aides;\
                 cibles;eligibilite_geographique;url_source;date_ouverture;date_cloture\n\
                 fa;Fonds d'accélération;bpifrance;oui;non;Subventions aux investissements industriels;\
                 Projets des territoires d'industrie;financement|étude;professionnels|secteur public;;\
                 https://www.bpifrance.fr/;01/01/2020;31 décembre 2022\n\
                 fb;Prêt de développement;bpifrance;non;non;;;;;;;;\n",
            ),
            (
                "enveloppes.csv",
                "code;dispositif;region;debut;fin;montant\n\
                 fa-44;fa;44;2020-01-01;2022-12-31;5 000 000\n",
            ),
            ("projets.csv", &projects),
            (
                "financements.csv",
                "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande;\
                 montant_engage;date_engagement;montant_verse;date_versement;date_premier_versement;\
                 conditions_versement;date_annulation\n\
                 GE2019-4411-GHOST;bpifrance;fa;subvention;FA-1;700 000;2020-02-01;600 000,10;2020-06-01;\
                 200 000;2021-01-15;2020-09-01;echelonne;\n\
                 GE2019-4415-HYDROGENE;bpifrance;fa;ingenierie;FA-2;50 000;2020-02-01;40 000;2020-06-01;\
                 40 000;2020-10-01;;unique;\n\
                 GE2019-4415-HYDROGENE;bpifrance;fa;subvention;FA-3;50 000;2020-02-01;40 000;2020-06-01;;;;unique;\n\
                 GE2019-4411-GHOST;bpifrance;fa;subvention;FA-4;50 000;2020-02-01;40 000;2020-06-01;;;;unique;2020-07-01\n\
                 GE2019-4411-GHOST;bpifrance;fa;pret;FA-5;50 000;2020-02-01;40 000;2020-06-01;;;;;\n\
                 GE2019-4415-HYDROGENE;region-44;;subvention;R-9;250 000,50;2020-03-01;250 000,50;2020-09-15;\
                 250 000,50;2020-12-01;;unique;\n",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn every_dataset_is_listed_and_its_files_follow_their_national_schema() {
    let (base, db) = common::spawn_app_with_own_database().await;
    import_grants(&db.path().join("own.db")).await;
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
        assert!(rows > 0, "the data publishes {}", dataset.slug);
        assert!(
            page.contains(&format!("Lignes publiées</th><td>{rows}</td>")),
            "the page counts the file's {rows} rows"
        );
        let keep = tempfile::tempdir().unwrap();
        let schema = schema_file(&base, dataset, &keep).await;
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

        let geojson = get(&format!("{base}/donnees/{}.geojson", dataset.slug)).await;
        if dataset.places {
            assert_eq!(
                geojson.headers()[header::CONTENT_TYPE],
                "application/geo+json"
            );
            let places: serde_json::Value = geojson.json().await.unwrap();
            assert_eq!(places["type"], "FeatureCollection");
            assert_eq!(places["features"].as_array().unwrap().len(), rows);
        } else {
            assert_eq!(
                geojson.status(),
                StatusCode::NOT_FOUND,
                "{} has no places",
                dataset.slug
            );
        }

        // The validator does check: a value off the schema's list is refused.
        let (from, to) = tampering(dataset);
        let text = String::from_utf8(csv.to_vec()).unwrap();
        assert!(text.contains(from), "{} has {from}: {text}", dataset.slug);
        let report = validate(&schema, "jeu.csv", text.replacen(from, to, 1).as_bytes());
        assert_eq!(report["valid"], false, "a value off the schema's list");
    }
    let places: serde_json::Value = get(&format!("{base}/donnees/territoires.geojson"))
        .await
        .json()
        .await
        .unwrap();
    let vosges = places["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["properties"]["phase"] == "2018-2022" && f["properties"]["id_territoire"] == "ti-4415"
        })
        .expect("the Vosges, phase 1");
    assert_eq!(vosges["geometry"]["type"], "MultiPolygon");
    let first = &vosges["geometry"]["coordinates"][0][0][0];
    let (lon, lat) = (first[0].as_f64().unwrap(), first[1].as_f64().unwrap());
    assert!(
        (5.3..7.3).contains(&lon) && (47.8..48.6).contains(&lat),
        "WGS84 longitude and latitude, in the Vosges: {first}"
    );
    assert!(
        vosges["properties"]["siren_membres"]
            .as_array()
            .unwrap()
            .len()
            > 1
    );
    let grants: serde_json::Value = get(&format!("{base}/donnees/subventions.json"))
        .await
        .json()
        .await
        .unwrap();
    let by_reference = |r: &str| {
        grants
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["referenceDecision"] == r)
            .unwrap_or_else(|| panic!("{r} published: {grants:#}"))
            .clone()
    };
    let instalments = by_reference("FA-1");
    assert_eq!(
        instalments["idAttribuant"], "32025248900051",
        "spaces dropped"
    );
    assert_eq!(instalments["montant"], 600_000.1);
    assert_eq!(
        instalments["datesPeriodeVersement"],
        "2020-09-01/2021-01-15"
    );
    assert_eq!(instalments["notificationUE"], false);
    assert_eq!(instalments["idBeneficiaire"], "35600000000048");
    let in_kind = by_reference("FA-2");
    assert_eq!(in_kind["nature"], "aide en nature");
    assert_eq!(in_kind["rnaBeneficiaire"], "W671234567");
    assert_eq!(in_kind["datesPeriodeVersement"], "2020-10-01");
    assert_eq!(
        grants.as_array().unwrap().len(),
        2,
        "FA-3 to R-9 are not: {grants:#}"
    );
    let csv = get(&format!("{base}/donnees/subventions.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("'=HYPERLINK"),
        "a formula in a title never runs: {csv}"
    );
    let text = common::visible_text(&page);
    let schemes: serde_json::Value = get(&format!("{base}/donnees/dispositifs.json"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(schemes.as_array().unwrap().len(), 1, "fb is not described");
    let fa = &schemes[0];
    assert_eq!(fa["id"], opendata::schemes::id("fa").to_string());
    assert_eq!(fa["types_aides"], "financement|étude");
    assert_eq!(
        fa["eligibilite_geographique"], "REG-44",
        "where its envelope is"
    );
    assert_eq!(
        fa["porteurs"],
        r#"[{"nom":"Bpifrance","siren":"320252489","roles":["financeur"]}]"#
    );
    assert_eq!(fa["programmes_parents"], "Territoires d'industrie");
    assert_eq!(fa["date_cloture"], "2022-12-31T00:00:00Z");
    assert_eq!(
        fa["promesse"],
        serde_json::Value::Null,
        "unknown, not blank"
    );
    for withheld in [
        "1 (description non renseignée)",
        "1 (aucun versement enregistré)",
        "1 (engagement annulé)",
        "1 (SIRET du financeur non renseigné)",
    ] {
        assert!(
            text.contains(withheld),
            "« {withheld} » on the page: {text}"
        );
    }
    assert!(
        !text.contains("(conditions de versement non renseignées)"),
        "a loan has no payment terms, yet is no grant: not even withheld"
    );
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

/// A fiche marked « pas encore publique » is read by signed-in agents only: signed out, no page, API answer,
/// list, export, dataset or bilan holds it; a token or a session reads it, marked as such; once its team
/// publishes it, everyone does.
#[tokio::test]
async fn a_fiche_not_yet_public_is_read_by_signed_in_agents_only() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let store = common::own_store(&db).await;
    let team = common::issue_token(&store, "outil-epinal", "territoire:2018-2022/ti-4415").await;
    let scope = "phase=2018-2022&perimetre=territoire:ti-4415&date=2021-06-01";
    let bilan = format!("{base}/api/v1/bilan?{scope}");
    let projects_before = common::value(&common::get_json(&bilan).await.1, "projets");
    let title = "Reprise du site papetier de Golbey";
    let created = common::client()
        .post(format!("{base}/api/v1/projets"))
        .bearer_auth(&team)
        .json(&json!({
            "code": "EPI-2021-PAPETERIE", "phase": "2018-2022", "titre": title,
            "territoires": ["ti-4415"], "statut": "en_preparation", "date_statut": "2021-03-01",
            "non_publique": "oui"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: serde_json::Value = created.json().await.unwrap();
    assert_eq!(created["non_publique"], true);

    let anonymous = |path: &str| {
        let url = format!("{base}{path}");
        async move {
            let r = get(&url).await;
            (r.status(), r.text().await.unwrap())
        }
    };
    let hidden_from_public = || async {
        for path in [
            "/projets/EPI-2021-PAPETERIE",
            "/api/v1/projets/EPI-2021-PAPETERIE",
        ] {
            assert_eq!(anonymous(path).await.0, StatusCode::NOT_FOUND, "{path}");
        }
        for path in [
            format!("/projets?{scope}"),
            format!("/api/v1/projets?{scope}"),
            format!("/projets.csv?{scope}"),
            "/territoires/2018-2022/ti-4415?date=2021-06-01".to_owned(),
            "/donnees/projets.csv".to_owned(),
            "/donnees/projets.json".to_owned(),
        ] {
            let (status, body) = anonymous(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(
                !body.contains(title),
                "{path} shows the fiche to the public"
            );
        }
    };
    hidden_from_public().await;
    assert_eq!(
        common::value(&common::get_json(&bilan).await.1, "projets"),
        projects_before,
        "the public bilan does not count it"
    );

    // An agent's token reads it, marked, and its bilan counts it.
    let with_token = |path: &str| {
        common::client()
            .get(format!("{base}{path}"))
            .bearer_auth(&team)
            .send()
    };
    let read: serde_json::Value = with_token("/api/v1/projets/EPI-2021-PAPETERIE")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["title"], title);
    assert_eq!(read["not_yet_public"], true);
    let agents_bilan: serde_json::Value = with_token(&format!("/api/v1/bilan?{scope}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        common::value(&agents_bilan, "projets"),
        Some(projects_before.unwrap_or(0) + 1)
    );
    // A token the platform does not know is refused, not read as the public.
    let forged = common::client()
        .get(format!("{base}/api/v1/projets?{scope}"))
        .bearer_auth("inconnu")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    // A signed-in agent of another region reads it too, with the notice.
    let c = common::client();
    assert_eq!(
        common::login(&c, &base, "pilote-hdf@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let page = c
        .get(format!("{base}/projets/EPI-2021-PAPETERIE"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("id=\"non-publique\""));
    let list = c
        .get(format!("{base}/projets?{scope}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(title) && list.contains("pas encore publique"));
    hidden_from_public().await;

    // Published by its team: everyone reads it.
    let published = common::client()
        .patch(format!("{base}/api/v1/projets/EPI-2021-PAPETERIE"))
        .bearer_auth(&team)
        .json(&json!({
            "version": created["version"], "titre": title, "territoires": ["ti-4415"],
            "non_publique": "non"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), StatusCode::OK);
    let (status, body) = anonymous("/api/v1/projets/EPI-2021-PAPETERIE").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"not_yet_public\":false"));
    assert!(anonymous("/donnees/projets.csv").await.1.contains(title));
    assert_eq!(
        common::value(&common::get_json(&bilan).await.1, "projets"),
        Some(projects_before.unwrap_or(0) + 1)
    );
}
