//! Bilans, projects and funding through the HTTP interface: the demo's figures, forms that commit money
//! under scopes, CSRF, envelopes and optimistic concurrency, and downloads whose totals match the bilan.

mod common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::{client, figure, get_json, login, value};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use territoires_store::Store;

const DEMO_GE: &str = "phase=2018-2022&perimetre=region:44&date=2019-11-19";

#[tokio::test]
async fn the_demo_bilan_says_13_of_15_action_plans_on_19_november_2019() {
    let base = common::spawn_app().await;
    let (status, body) = get_json(&format!("{base}/api/v1/bilan?{DEMO_GE}")).await;
    assert_eq!(status, 200);
    assert_eq!(value(&body, "territoires"), Some(15));
    assert_eq!(value(&body, "plans_valides"), Some(13));
    assert_eq!(value(&body, "projets"), Some(11));
    assert_eq!(value(&body, "projets_financement_inconnu"), Some(11));
    let committed = figure(&body, "montant_engage");
    assert_eq!(
        committed["value"],
        Value::Null,
        "unknown amounts are null, never 0"
    );
    assert_eq!(committed["basis"], 0, "and rest on no record");
    insta::assert_json_snapshot!("bilan_grand_est_2019_11_19", body);

    let (_, before) = get_json(&format!(
        "{base}/api/v1/bilan?phase=2018-2022&perimetre=region:44&date=2019-11-18"
    ))
    .await;
    assert_eq!(value(&before, "plans_valides"), Some(2));
    assert_eq!(value(&before, "projets"), Some(0));

    let page = common::plain(
        &reqwest::get(format!("{base}/bilan?{DEMO_GE}"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains("19 novembre 2019"), "French long date");
    assert!(page.contains("Projets au financement inconnu"));
    assert!(page.contains("<svg"), "server-side charts");
    assert!(
        page.contains("Inconnu") && !page.contains(">0 €<"),
        "unknown amounts read Inconnu"
    );

    let (status, err) = get_json(&format!("{base}/api/v1/bilan?perimetre=departement:51")).await;
    assert_eq!((status, err["field"].as_str()), (400, Some("perimetre")));
    let (status, err) = get_json(&format!("{base}/api/v1/bilan?date=19/11/2019")).await;
    assert_eq!((status, err["field"].as_str()), (400, Some("date")));
    let (status, err) = get_json(&format!("{base}/api/v1/bilan?{DEMO_GE}&du=2019-12-01")).await;
    assert_eq!(
        (status, err["field"].as_str()),
        (400, Some("du")),
        "a period that ends before it starts"
    );
    let status = reqwest::get(format!("{base}/bilan?perimetre=region:99"))
        .await
        .unwrap()
        .status();
    assert_eq!(status, 400);
    let (status, _) = get_json(&format!("{base}/api/v1/projets/INCONNU")).await;
    assert_eq!(status, 404);
}

/// The records of a figure (or breakdown cell) through its API link, all of them.
async fn records(base: &str, link: &str) -> Value {
    let (status, body) = get_json(&format!("{base}{link}&par_page=1000")).await;
    assert_eq!(status, 200, "{link}: {body}");
    body
}

/// Checks that a records answer counts or adds up to `expected` (a figure or a cell of the bilan).
fn check_records(link: &str, expected: &Value, records: &Value) {
    assert_eq!(
        records["value"], expected["value"],
        "{link}: the same value"
    );
    assert_eq!(
        records["total"], expected["basis"],
        "{link}: as many records as the figure rests on"
    );
    let sum: i64 = records["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["weight"].as_i64().unwrap())
        .sum::<i64>()
        + records["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["amount"].as_i64().unwrap())
            .sum::<i64>()
        + records["territories"].as_array().unwrap().len() as i64
        + records["milestones"].as_array().unwrap().len() as i64;
    if let Some(v) = expected["value"].as_i64() {
        assert_eq!(sum, v, "{link}: the records add up to the figure");
    }
}

#[tokio::test]
async fn every_figure_and_cell_of_a_bilan_leads_exactly_to_the_records_it_counts() {
    let (base, dir) = common::spawn_app_with_own_database().await;
    common::import_funding(
        &dir.path().join("own.db"),
        "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande;montant_engage;date_engagement;montant_verse;date_versement\n\
         GE2019-4411-GHOST;bpifrance;fa;subvention;FA-1;700 000;2020-02-01;600 000;2020-06-01;200 000;2021-01-15\n\
         GE2019-4415-HYDROGENE;region-44;;subvention;R-9;250 000,50;2020-03-01;250 000,50;2020-09-15;;\n",
    )
    .await;
    for query in [
        "phase=2018-2022&perimetre=region:44&date=2021-12-31&du=2019-11-19",
        "phase=2018-2022&perimetre=france&date=2019-11-19&du=2019-11-19",
        "phase=2018-2022&perimetre=territoire:ti-4411&date=2021-12-31",
    ] {
        let (status, bilan) = get_json(&format!("{base}/api/v1/bilan?{query}")).await;
        assert_eq!(status, 200, "{query}");
        for f in bilan["figures"].as_array().unwrap() {
            let link = f["records"].as_str().unwrap();
            check_records(link, f, &records(&base, link).await);
        }
        for table in bilan["tables"].as_array().unwrap() {
            for row in table["rows"].as_array().unwrap() {
                for cell in row["cells"].as_array().unwrap() {
                    let link = cell["records"].as_str().unwrap();
                    check_records(link, cell, &records(&base, link).await);
                }
            }
        }
    }
    // The press release's 11 signatures that day, as a flow.
    let (_, day) = get_json(&format!(
        "{base}/api/v1/bilan?phase=2018-2022&perimetre=region:44&date=2019-11-19&du=2019-11-19"
    ))
    .await;
    assert_eq!(value(&day, "signatures_periode"), Some(11));
    // The committed figure leads to the two funding lines, whose amounts add up to it.
    let (_, ge) = get_json(&format!(
        "{base}/api/v1/bilan?phase=2018-2022&perimetre=region:44&date=2021-12-31"
    ))
    .await;
    let lines = records(
        &base,
        figure(&ge, "montant_engage")["records"].as_str().unwrap(),
    )
    .await;
    assert_eq!(lines["lines"].as_array().unwrap().len(), 2);
    assert_eq!(lines["value"], 85_000_050);
    // The page of the same records lists them, with the total.
    let page = common::plain(
        &reqwest::get(format!(
            "{base}{}",
            figure(&ge, "montant_engage")["records_page"]
                .as_str()
                .unwrap()
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap(),
    );
    assert!(
        page.contains("FA-1") && page.contains("R-9"),
        "the two lines are listed"
    );
    assert!(page.contains("850 000,50 €"), "with their total");
}

#[tokio::test]
async fn before_its_phase_a_bilan_says_so_and_unknown_is_empty_in_the_spreadsheets() {
    let base = common::spawn_app().await;
    let (status, body) = get_json(&format!(
        "{base}/api/v1/bilan?phase=2023-2027&date=2020-06-01"
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["started"], false);
    assert!(
        body["figures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["value"].is_null()),
        "no zero stands for unknown"
    );
    let page = common::plain(
        &reqwest::get(format!("{base}/bilan?phase=2023-2027&date=2020-06-01"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(
        page.contains("id=\"phase-non-commencee\"") && page.contains("pas commencé"),
        "the page says the phase had not started"
    );
    let (_, p1) = get_json(&format!(
        "{base}/api/v1/bilan?phase=2018-2022&date=2018-06-01"
    ))
    .await;
    assert_eq!(p1["started"], false);

    // The demo has no funding line: the committed figure is an empty cell, never 0.
    let xlsx = reqwest::get(format!("{base}/bilan.xlsx?{DEMO_GE}"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.to_vec())).unwrap();
    let sheet = book.worksheet_range("indicateurs").unwrap();
    let row = sheet
        .rows()
        .find(|r| r.first().is_some_and(|c| *c == "montant_engage"))
        .expect("the committed figure in the workbook");
    assert_eq!(row[2], Data::Empty, "unknown is an empty cell: {row:?}");
    let projects = sheet
        .rows()
        .find(|r| r.first().is_some_and(|c| *c == "projets"))
        .unwrap();
    assert_eq!(
        projects[2],
        Data::Float(11.0),
        "numbers are stored as numbers"
    );
    let csv = reqwest::get(format!("{base}/bilan.csv?{DEMO_GE}&table=projets"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let committed = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "engage_a_date")
        .unwrap();
    assert!(
        reader.records().all(|r| r.unwrap()[committed].is_empty()),
        "no line, no amount: empty, not 0"
    );
}

async fn line_form(
    c: &Client,
    base: &str,
    project: &str,
    funder_name: &str,
) -> (String, String, String) {
    let page = c
        .get(format!("{base}/projets/{project}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page
        .find(&format!("<strong>{funder_name}</strong>"))
        .unwrap_or_else(|| panic!("a form for {funder_name}"));
    let form_start = page[..at].rfind("<form").unwrap();
    let action_start = form_start + page[form_start..].find("action=\"").unwrap() + 8;
    let action =
        page[action_start..action_start + page[action_start..].find('"').unwrap()].to_owned();
    let csrf = common::hidden(&page[form_start..], "csrf", "<form");
    let version = common::hidden(&page[form_start..], "version", "<form");
    (action, csrf, version)
}

/// Reads the form of `funder`'s line on `project` and posts it with `event`, `amount` and `date`.
async fn post_line(
    c: &Client,
    base: &str,
    project: &str,
    funder: &str,
    [event, amount, date]: [&str; 3],
) -> reqwest::Response {
    let (action, csrf, version) = line_form(c, base, project, funder).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("evenement", event),
        ("montant", amount),
        ("date", date),
    ];
    c.post(format!("{base}{action}"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn commitments_through_forms_follow_the_rules_and_the_downloads_add_up() {
    let (base, dir) = common::spawn_app_with_own_database().await;
    common::import_funding(
        &dir.path().join("own.db"),
        "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande\n\
         GE2019-4411-GHOST;bpifrance;fa;subvention;FA-1;700 000;2020-02-01\n\
         GE2019-4415-HYDROGENE;bpifrance;fa;subvention;FA-2;500 000;2020-02-01\n\
         GE2019-4415-HYDROGENE;region-44;;subvention;R-9;250 000,50;2020-03-01\n",
    )
    .await;
    let bilan_query = "phase=2018-2022&perimetre=region:44&date=2021-12-31";
    let committed = |body: &Value| value(body, "montant_engage").unwrap();

    let anonymous = client();
    let (action, csrf, version) = {
        let ge = client();
        assert_eq!(
            login(&ge, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await,
            StatusCode::SEE_OTHER
        );
        line_form(&ge, &base, "GE2019-4411-GHOST", "Bpifrance").await
    };
    let form = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("evenement", "engagement"),
        ("montant", "600 000"),
        ("date", "2020-06-01"),
    ];
    let status = anonymous
        .post(format!("{base}{action}"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::FORBIDDEN, "signed out");

    let hdf = client();
    assert_eq!(
        login(&hdf, &base, "pilote-hdf@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let (_, hdf_csrf, _) = line_form(&hdf, &base, "GE2019-4411-GHOST", "Bpifrance").await;
    let hydrogen = hdf
        .get(format!("{base}/projets/GE2019-4415-HYDROGENE"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !hydrogen.contains("id=\"form-ligne-"),
        "a Hauts-de-France pilot gets no form on a Vosges project"
    );

    let ge = client();
    assert_eq!(
        login(&ge, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let (action, csrf, version) = line_form(&ge, &base, "GE2019-4411-GHOST", "Bpifrance").await;
    let bad_csrf = [
        ("csrf", "x"),
        ("version", version.as_str()),
        ("evenement", "engagement"),
        ("montant", "600 000"),
        ("date", "2020-06-01"),
    ];
    assert_eq!(
        ge.post(format!("{base}{action}"))
            .form(&bad_csrf)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let form = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("evenement", "engagement"),
        ("montant", "600 000"),
        ("date", "2020-06-01"),
    ];
    assert_eq!(
        ge.post(format!("{base}{action}"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    let stale = ge
        .post(format!("{base}{action}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.status(),
        StatusCode::CONFLICT,
        "a form read before the commitment is refused"
    );
    // The conflict page shows what was typed beside what is recorded now.
    let page = common::plain(&stale.text().await.unwrap());
    let table = &page[page
        .find("Votre saisie et l'état enregistré")
        .expect("the comparison")..];
    assert!(
        table.contains("<td>600 000 € le 1er juin 2020</td><td>600 000 € le 1er juin 2020</td>"),
        "{table}"
    );
    assert!(page.contains("rien n'a été écrasé"));

    let (_, body) = get_json(&format!("{base}/api/v1/bilan?{bilan_query}")).await;
    assert_eq!(committed(&body), 60_000_000, "600,000 € in cents");
    assert_eq!(
        value(&body, "projets_engages_etat"),
        Some(1),
        "Bpifrance is a State operator"
    );
    assert_eq!(
        value(&body, "montant_engage_specifique_ti"),
        Some(60_000_000)
    );

    // The envelope has 400,000 € left: 500,000 € more is refused, with the reason, and nothing changes.
    let refused = post_line(
        &ge,
        &base,
        "GE2019-4415-HYDROGENE",
        "Bpifrance",
        ["engagement", "500000", "2020-07-01"],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let message = refused.text().await.unwrap();
    assert!(
        message.contains("épuisée") && message.contains("reste 400"),
        "{message}"
    );
    let (_, unchanged) = get_json(&format!("{base}/api/v1/bilan?{bilan_query}")).await;
    assert_eq!(committed(&unchanged), 60_000_000);

    for step in [
        ["engagement", "250 000,50", "2020-09-15"],
        ["versement", "100000", "2021-03-01"],
    ] {
        let response = post_line(
            &ge,
            &base,
            "GE2019-4415-HYDROGENE",
            "Région Grand Est",
            step,
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{step:?}");
    }

    // An operator records payments on its own lines, and gets no form on another funder's.
    let bpi = client();
    assert_eq!(
        login(&bpi, &base, "bpifrance@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let paid = post_line(
        &bpi,
        &base,
        "GE2019-4411-GHOST",
        "Bpifrance",
        ["versement", "100 000", "2021-01-15"],
    )
    .await;
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    let hydrogen = bpi
        .get(format!("{base}/projets/GE2019-4415-HYDROGENE"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        hydrogen.contains("<strong>Bpifrance</strong>"),
        "its own line has a form"
    );
    assert!(
        !hydrogen.contains("<strong>Région Grand Est</strong>"),
        "the region's line has none"
    );
    assert!(
        !hydrogen.contains("id=\"form-statut\""),
        "an operator does not move project statuses"
    );

    // What a page does not offer is refused when posted anyway, and changes nothing: the operator on the
    // region's line, the Hauts-de-France pilot on a Vosges project, a line under another project's address.
    let (region_line, ge_csrf, region_version) =
        line_form(&ge, &base, "GE2019-4415-HYDROGENE", "Région Grand Est").await;
    let (_, bpi_csrf, _) = line_form(&bpi, &base, "GE2019-4411-GHOST", "Bpifrance").await;
    let (_, before) = get_json(&format!("{base}/api/v1/bilan?{bilan_query}")).await;
    let payment = |csrf: &str| {
        [
            ("csrf", csrf.to_owned()),
            ("version", region_version.clone()),
            ("evenement", "versement".to_owned()),
            ("montant", "1".to_owned()),
            ("date", "2021-06-01".to_owned()),
        ]
    };
    let refused = bpi
        .post(format!("{base}{region_line}"))
        .form(&payment(&bpi_csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("Région Grand Est"));
    let refused = hdf
        .post(format!("{base}{region_line}"))
        .form(&payment(&hdf_csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let elsewhere = region_line.replace("GE2019-4415-HYDROGENE", "GE2019-4411-GHOST");
    let status = ge
        .post(format!("{base}{elsewhere}"))
        .form(&payment(&ge_csrf))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, after) = get_json(&format!("{base}/api/v1/bilan?{bilan_query}")).await;
    assert_eq!(
        value(&after, "montant_verse"),
        value(&before, "montant_verse")
    );

    // A shared project's status can be moved by the pilot of a partner territory's region, one step at a time.
    let ghost = hdf
        .get(format!("{base}/projets/GE2019-4411-GHOST"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let version = common::hidden(&ghost, "version", "id=\"form-statut\"");
    let skip = [
        ("csrf", hdf_csrf.as_str()),
        ("version", version.as_str()),
        ("statut", "realise"),
        ("date", "2020-06-01"),
    ];
    let refused = hdf
        .post(format!("{base}/projets/GE2019-4411-GHOST/statut"))
        .form(&skip)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("non autorisé"));
    let engage = [
        ("csrf", hdf_csrf.as_str()),
        ("version", version.as_str()),
        ("statut", "engage"),
        ("date", "2020-06-01"),
    ];
    assert_eq!(
        hdf.post(format!("{base}/projets/GE2019-4411-GHOST/statut"))
            .form(&engage)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );

    let (_, body) = get_json(&format!("{base}/api/v1/bilan?{bilan_query}")).await;
    let total = committed(&body);
    assert_eq!(total, 60_000_000 + 25_000_050);
    assert_eq!(value(&body, "montant_verse"), Some(20_000_000));
    let by_funder = body["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["grouping"] == "financeur")
        .unwrap();
    let column = by_funder["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "montant_engage")
        .unwrap();
    let funders: i64 = by_funder["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cells"][column]["value"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(funders, total, "funders add up to the total");
    assert_eq!(body["envelopes"][0]["committed"], 60_000_000);
    let (_, past) = get_json(&format!(
        "{base}/api/v1/bilan?phase=2018-2022&perimetre=region:44&date=2020-06-30"
    ))
    .await;
    assert_eq!(
        committed(&past),
        60_000_000,
        "as of mid-2020, the region had not committed yet"
    );

    // The workbook re-reads with the same totals.
    let xlsx = reqwest::get(format!("{base}/bilan.xlsx?{bilan_query}"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.to_vec())).unwrap();
    let lines = book.worksheet_range("financements").unwrap();
    let header: Vec<String> = lines
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let column = header.iter().position(|h| h == "engage_a_date").unwrap();
    let sum: f64 = lines
        .rows()
        .skip(1)
        .map(|r| match &r[column] {
            Data::Float(f) => *f,
            _ => 0.0,
        })
        .sum();
    assert_eq!((sum * 100.0).round() as i64, total);
    let projects = book.worksheet_range("projets").unwrap();
    assert_eq!(projects.rows().count() - 1, 11, "the eleven demo projects");

    // So does the CSV of the lines (decimal comma, semicolons).
    let csv = reqwest::get(format!("{base}/bilan.csv?{bilan_query}&table=financements"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "engage_a_date")
        .unwrap();
    let cents: i64 = reader
        .records()
        .map(|r| r.unwrap()[column].replace(',', "").parse::<i64>().unwrap())
        .sum();
    assert_eq!(cents, total);

    // Every write is in the audit log under the user's name.
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("own.db").display()))
        .await
        .unwrap();
    let log = store.audit_log(5).await.unwrap();
    assert_eq!(log[0].action, "record_project_status");
    assert_eq!(log[0].actor, "user:pilote-hdf@example.gouv.fr");
    assert!(log
        .iter()
        .any(|e| e.action == "record_line_event" && e.actor == "user:pilote-ge@example.gouv.fr"));
}

/// The records a figure counts download as CSV with the page's filters: the same records as the API
/// lists, each with its address; the page links to it.
#[tokio::test]
async fn a_figures_records_download_as_csv() {
    let base = common::spawn_app().await;
    let query = format!("{DEMO_GE}&chiffre=plans_valides");
    let (status, api) = get_json(&format!(
        "{base}/api/v1/bilan/enregistrements?{query}&par_page=500"
    ))
    .await;
    assert_eq!(status, 200, "{api}");
    let expected = api["territories"].as_array().unwrap().len();
    assert_eq!(expected, 13, "the 13 validated plans of the demo");
    let page = reqwest::get(format!("{base}/bilan/enregistrements?{query}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let link = page
        .split("id=\"enregistrements-csv\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the page links to its CSV")
        .replace("&#38;", "&");
    let csv = reqwest::get(format!("{base}{link}")).await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK, "{link}");
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("enregistrements-plans_valides-2019-11-19.csv"));
    let text = csv.text().await.unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("Territoire;") && header.ends_with(";Adresse"),
        "{header}"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), expected, "{text}");
    assert!(
        rows.iter()
            .all(|r| r.contains(";/territoires/2018-2022/ti-")),
        "{text}"
    );
}
