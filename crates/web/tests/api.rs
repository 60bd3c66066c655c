//! Black-box tests of the API, the pages and the downloads, against a server on a random port.

mod common;

use common::get_json;
use serde_json::Value;

#[tokio::test]
async fn territory_list_filters_and_pages() {
    let base = common::spawn_app().await;
    let (status, body) = get_json(&format!(
        "{base}/api/v1/territoires?phase=2023-2027&par_page=10"
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 183);
    assert_eq!(body["items"].as_array().unwrap().len(), 10);

    let (_, p1) = get_json(&format!(
        "{base}/api/v1/territoires?phase=2018-2022&par_page=500"
    ))
    .await;
    assert_eq!(p1["total"], 149);
    let attached_ge = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["region_code"] == "44")
        .count();
    assert_eq!(attached_ge, 15);

    let (_, found) = get_json(&format!(
        "{base}/api/v1/territoires?q=epernay&phase=2018-2022"
    ))
    .await;
    assert_eq!(found["total"], 1);
    assert_eq!(
        found["items"][0]["name"],
        "Epernay - Bassin sézannais - Portes de Romilly"
    );

    let (_, sorted) = get_json(&format!(
        "{base}/api/v1/territoires?phase=2023-2027&tri=population&ordre=desc&par_page=2"
    ))
    .await;
    let first = sorted["items"][0]["population"].as_i64().unwrap();
    let second = sorted["items"][1]["population"].as_i64().unwrap();
    assert!(first >= second && first > 500_000, "{first} {second}");

    let (_, signed) =
        get_json(&format!("{base}/api/v1/territoires?phase=2018-2022&statut=protocole_ou_contrat_signe&date=2019-11-19")).await;
    assert_eq!(signed["total"], 13);
}

#[tokio::test]
async fn bad_parameters_are_named_and_unknown_territories_are_404() {
    let base = common::spawn_app().await;
    let (status, body) = get_json(&format!("{base}/api/v1/territoires?phase=2020")).await;
    assert_eq!(status, 400);
    assert_eq!(body["field"], "phase");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("2018-2022 ou 2023-2027"),
        "{body}"
    );
    let (status, body) = get_json(&format!("{base}/api/v1/territoires?date=19/11/2019")).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("date")));
    let (status, _) = get_json(&format!("{base}/api/v1/territoires/2023-2027/ti-9999")).await;
    assert_eq!(status, 404);
    let page = reqwest::get(format!("{base}/territoires?tri=couleur"))
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 400);
    assert!(common::plain(&page.text().await.unwrap()).contains("paramètre « tri »"));
}

#[tokio::test]
async fn a_territory_answer_matches_its_snapshot() {
    let base = common::spawn_app().await;
    let (status, body) = get_json(&format!(
        "{base}/api/v1/territoires/2018-2022/ti-4404?date=2019-11-19"
    ))
    .await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("bazancourt_pomacle_2019_11_19", body);
}

#[tokio::test]
async fn as_of_reads_return_the_past() {
    let base = common::spawn_app().await;
    let stage = |body: &Value| body["progress"]["stage"].as_str().unwrap().to_owned();
    let (_, before) = get_json(&format!(
        "{base}/api/v1/territoires/2018-2022/ti-4415?date=2019-11-18"
    ))
    .await;
    let (_, after) = get_json(&format!(
        "{base}/api/v1/territoires/2018-2022/ti-4415?date=2019-11-19"
    ))
    .await;
    assert_eq!(
        stage(&before),
        "labellise",
        "labelled (at the latest on 19 November 2019), nothing recorded"
    );
    assert_eq!(stage(&after), "protocole_ou_contrat_signe");
    let page = reqwest::get(format!("{base}/regions/44?phase=2018-2022&date=2019-11-19"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"plan-valide\">13 / 15"),
        "Grand Est page as of 2019-11-19"
    );
    let page = reqwest::get(format!("{base}/regions/44?phase=2018-2022&date=2019-11-18"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"plan-valide\">2 / 15"),
        "Grand Est page as of 2019-11-18"
    );
}

#[tokio::test]
async fn referential_endpoints_answer() {
    let base = common::spawn_app().await;
    let (_, regions) = get_json(&format!("{base}/api/v1/regions")).await;
    let ge = regions
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "44")
        .unwrap();
    assert_eq!(
        (
            ge["territories_2018_2022"].as_i64(),
            ge["territories_2023_2027"].as_i64()
        ),
        (Some(15), Some(21))
    );
    let (_, epci) = get_json(&format!("{base}/api/v1/epci/200067213")).await;
    assert_eq!(epci["name"], "CU du Grand Reims");
    assert!(epci["territories"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == "ti-4404" && t["phase"] == "2018-2022"));
    let (_, communes) = get_json(&format!("{base}/api/v1/communes?q=epernay")).await;
    let codes: Vec<&str> = communes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"51230") && codes.contains(&"21246"),
        "Épernay and Épernay-sous-Gevrey: {codes:?}"
    );
    let (_, marne) = get_json(&format!("{base}/api/v1/communes?departement=51&par_page=1")).await;
    assert!(marne["total"].as_i64().unwrap() > 600);
    let (_, openapi) = get_json(&format!("{base}/api/v1/openapi.json")).await;
    for path in [
        "/api/v1/territoires",
        "/api/v1/territoires/{phase}/{id}",
        "/api/v1/epci",
        "/api/v1/communes",
        "/api/v1/regions",
    ] {
        assert!(
            openapi["paths"].get(path).is_some(),
            "OpenAPI documents {path}"
        );
    }
}

#[tokio::test]
async fn downloads_reread_with_the_same_rows() {
    let base = common::spawn_app().await;
    let (_, api) = get_json(&format!(
        "{base}/api/v1/territoires?region=44&phase=2023-2027&par_page=500"
    ))
    .await;
    let expected: Vec<String> = api["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();

    let csv = reqwest::get(format!("{base}/territoires.csv?region=44&phase=2023-2027"))
        .await
        .unwrap();
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".csv"));
    let text = csv.text().await.unwrap();
    let mut reader = csv_reader(text.trim_start_matches('\u{feff}'));
    let ids: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    assert_eq!(
        ids.iter().collect::<std::collections::BTreeSet<_>>(),
        expected.iter().collect()
    );

    let bytes = reqwest::get(format!("{base}/territoires.xlsx?region=44&phase=2023-2027"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let range = workbook.worksheet_range("territoires").unwrap();
    let rows: Vec<String> = range.rows().skip(1).map(|r| r[1].to_string()).collect();
    assert_eq!(rows.len(), expected.len());
    let population: f64 = range
        .rows()
        .skip(1)
        .map(|r| match r[6] {
            calamine::Data::Float(f) => f,
            ref other => panic!("population is a number, got {other:?}"),
        })
        .sum();
    let api_population: i64 = api["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["population"].as_i64().unwrap())
        .sum();
    assert_eq!(
        population as i64, api_population,
        "XLSX numbers are numbers and add up"
    );
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes())
}

#[tokio::test]
async fn pages_render_in_french_with_embedded_assets() {
    let base = common::spawn_app().await;
    for (path, needle) in [
        ("/", "Phase 2 (2023-2027)"),
        (
            "/territoires?q=epernay",
            "Epernay - Bassin sézannais - Portes de Romilly",
        ),
        ("/territoires/2023-2027/ti-4401", "Alsace Centrale"),
        ("/regions", "Grand Est"),
        ("/epci/200067213", "CU du Grand Reims"),
        ("/api", "openapi.json"),
        ("/api/explorateur", "swagger-ui-bundle.js"),
        ("/accessibilite", "non conforme"),
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "argon2id"),
        ("/cookies", "aucun cookie"),
        ("/plan-du-site", "/bilan"),
    ] {
        let response = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert!(
            response.headers().contains_key("content-security-policy"),
            "{path}"
        );
        let html = response.text().await.unwrap();
        let text = common::visible_text(&html);
        for bad in [" :", " ;", " !", " ?"] {
            assert!(
                !text.contains(bad),
                "{path}: an ordinary space before « {} »",
                bad.trim()
            );
        }
        let page = common::plain(&html);
        assert!(page.contains(needle), "{path} shows {needle}");
        for mandatory in [
            "href=\"/accessibilite\">Accessibilité : non conforme",
            "href=\"/mentions-legales\"",
            "href=\"/donnees-personnelles\"",
            "href=\"/cookies\"",
            "id=\"lien-se-connecter\"",
            "aria-controls=\"menu-principal\"",
        ] {
            assert!(
                page.contains(mandatory),
                "{path}: DSFR header and footer ({mandatory})"
            );
        }
        if path != "/" {
            assert!(
                page.contains("class=\"fr-breadcrumb\""),
                "{path}: breadcrumb"
            );
        }
    }
    let css = reqwest::get(format!("{base}/static/dsfr/dsfr.min.css"))
        .await
        .unwrap();
    assert_eq!(css.headers()["content-type"], "text/css");
    let missing = reqwest::get(format!("{base}/pas-de-page")).await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test]
async fn user_text_is_escaped() {
    let base = common::spawn_app().await;
    let page = reqwest::get(format!(
        "{base}/territoires?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(
        page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"),
        "the query is shown escaped"
    );
}

#[tokio::test]
async fn a_commune_and_any_member_siren_lead_to_their_territories() {
    let base = common::spawn_app().await;
    let (status, epernay) = get_json(&format!("{base}/api/v1/communes/51230")).await;
    assert_eq!(status, 200);
    assert_eq!(epernay["name"], "Épernay");
    let territories: Vec<(&str, &str)> = epernay["territories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["phase"].as_str().unwrap(), t["id"].as_str().unwrap()))
        .collect();
    assert!(
        territories.contains(&("2018-2022", "ti-4405")),
        "{territories:?}"
    );
    assert_eq!(
        territories.len(),
        2,
        "one territory per phase: {territories:?}"
    );
    let (status, members) = get_json(&format!("{base}/api/v1/membres/200067213")).await;
    assert_eq!(status, 200);
    assert!(members
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["territory_id"] == "ti-4404" && m["phase"] == "2018-2022"));
    let (status, body) = get_json(&format!("{base}/api/v1/membres/123")).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("siren")));
    let (status, _) = get_json(&format!("{base}/api/v1/communes/00000")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn pages_beyond_the_last_and_far_future_dates_are_refused() {
    let base = common::spawn_app().await;
    let (status, body) = get_json(&format!(
        "{base}/api/v1/territoires?phase=2023-2027&par_page=100&page=3"
    ))
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("page")),
        "{body}"
    );
    let (status, _) = get_json(&format!(
        "{base}/api/v1/territoires?phase=2023-2027&par_page=100&page=2"
    ))
    .await;
    assert_eq!(status, 200);
    let page = reqwest::get(format!("{base}/territoires?page=99"))
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 400);
    let started = std::time::Instant::now();
    let (status, body) = get_json(&format!("{base}/api/v1/bilan?date=9999-12-31")).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("date")),
        "{body}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "refused at once"
    );
    let (status, _) = get_json(&format!(
        "{base}/api/v1/bilan?phase=2018-2022&date=2032-12-31"
    ))
    .await;
    assert_eq!(
        status, 200,
        "ten years after the phase, a bilan is still asked for"
    );
}

#[tokio::test]
async fn the_openapi_document_is_valid_and_every_endpoint_is_typed() {
    let base = common::spawn_app().await;
    let (_, doc) = get_json(&format!("{base}/api/v1/openapi.json")).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let python = std::env::var("TERRITOIRES_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(&python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 with openapi-spec-validator (scripts/test installs it)");
    assert!(
        out.status.success(),
        "openapi-spec-validator ({python}) refuses the document: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for p in operation["parameters"].as_array().into_iter().flatten() {
                let placeholder = format!("{{{}}}", p["name"].as_str().unwrap());
                assert_eq!(
                    p["in"] == "path",
                    path.contains(&placeholder),
                    "{method} {path}: parameter {} is in the path only if the path has it",
                    p["name"]
                );
            }
            let success = match operation["responses"].get("201") {
                Some(created) => created,
                None => &operation["responses"]["200"],
            };
            let ok = &success["content"]["application/json"]["schema"];
            assert!(
                ok.get("$ref").is_some() || ok.get("type").is_some(),
                "{method} {path}: its answer is typed: {ok}"
            );
            assert_ne!(
                ok["type"], "object",
                "{method} {path}: a typed answer, not a bare object"
            );
            if method == "post" || method == "patch" {
                // JSON of a named schema, or a file's bytes; an action on a stored resource (applying an
                // upload) takes nothing.
                let content = &operation["requestBody"]["content"];
                let typed = content["application/json"]["schema"].get("$ref").is_some()
                    || content["application/octet-stream"]["schema"]
                        .get("$ref")
                        .is_some();
                let action = operation.get("requestBody").is_none() && path.ends_with('}');
                assert!(
                    typed || action,
                    "{path}: a write says what it takes: {content}"
                );
                assert!(
                    operation["security"].is_array(),
                    "{path}: a write says it needs a token"
                );
            }
        }
    }
    let page = common::plain(
        &reqwest::get(format!("{base}/api"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    for path in doc["paths"].as_object().unwrap().keys() {
        assert!(page.contains(path.as_str()), "/api lists {path}");
    }
}

/// Runs schemathesis (PyPI, installed by `scripts/test`) on the site at `base` with `args`: it reads the
/// OpenAPI document and sends the operations generated requests, valid and not, and checks that no answer
/// is a server error, nor a status, content type, header or body the document does not give for that
/// operation. Seeded, so that a failure replays. Panics with its report on a failure.
async fn schemathesis(base: &str, args: &[&str]) {
    let python = std::env::var("TERRITOIRES_PYTHON").unwrap_or_else(|_| "python3".into());
    let report = tempfile::tempdir().unwrap();
    let mut command =
        std::process::Command::new(std::path::Path::new(&python).with_file_name("schemathesis"));
    command
        .current_dir(report.path())
        .args(["run", &format!("{base}/api/v1/openapi.json"), "--url", base])
        .args(["--seed", "20261124", "--no-color"])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance,response_headers_conformance",
        ])
        .args(args);
    // The site answers on this runtime's workers while schemathesis runs on the blocking pool.
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("schemathesis beside the test's Python (scripts/test installs it)");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found answers outside the document:\n{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains(" passed"), "schemathesis ran: {printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_read_answering_outside_the_openapi_document() {
    let base = common::spawn_app().await;
    schemathesis(
        &base,
        &[
            "--max-examples",
            "30",
            "--phases",
            "examples,coverage,fuzzing",
            "--exclude-method",
            "POST",
            "--exclude-method",
            "PATCH",
        ],
    )
    .await;
}

/// The writes, with a national token on a database of their own: bodies of every shape, wrong types,
/// unknown ids, ids beyond 64 bits, bodies that are no JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_write_answering_outside_the_openapi_document() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let token =
        common::issue_token(&common::own_store(&db).await, "schemathesis", "national").await;
    schemathesis(
        &base,
        &[
            "--max-examples",
            "15",
            "--phases",
            "examples,fuzzing",
            "--include-method",
            "POST",
            "--include-method",
            "PATCH",
            "--header",
            &format!("Authorization: Bearer {token}"),
        ],
    )
    .await;
}

#[tokio::test]
async fn answers_are_kept_per_version_of_the_data_and_served_gzipped() {
    use std::io::Read as _;
    use territoires_domain::registry::milestone::{Milestone, MilestoneKind};
    use territoires_store::registry::history::{HistoryRecord, TerritoryRecord};

    let (base, dir) = common::spawn_app_with_own_database().await;
    let url = format!("{base}/api/v1/bilan?phase=2018-2022&date=2019-11-19");
    let client = reqwest::Client::new();
    let get = |encoding: &'static str| {
        let request = client.get(&url).header("accept-encoding", encoding);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            let gzipped = response
                .headers()
                .get("content-encoding")
                .is_some_and(|v| v == "gzip");
            let vary = response.headers().get("vary").cloned();
            (gzipped, vary, response.bytes().await.unwrap().to_vec())
        }
    };
    let (gzipped, vary, plain) = get("identity").await;
    assert!(!gzipped, "identity asked, identity served");
    assert_eq!(vary.unwrap(), "accept-encoding");
    let (gzipped, _, compressed) = get("gzip, br").await;
    assert!(gzipped, "gzip accepted, gzip served");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain, "the gzipped answer is the same answer");
    assert_eq!(get("identity").await.2, plain, "kept: the same bytes again");
    let before: Value = serde_json::from_slice(&plain).unwrap();
    let signed = common::value(&before, "protocoles_contrats_signes").unwrap();

    // Another instance (the CLI, a second server) records a signature: the next answer counts it.
    let (_, list) = get_json(&format!(
        "{base}/api/v1/territoires?phase=2018-2022&region=84&par_page=1"
    ))
    .await;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let other = territoires_store::Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("own.db").display()
    ))
    .await
    .unwrap();
    let on = time::macros::date!(2019 - 10 - 01);
    other
        .record(
            &TerritoryRecord {
                phase: territoires_domain::phase::Phase::First,
                territory_id: id.clone(),
                record: HistoryRecord::Milestone(Milestone {
                    source: "test".into(),
                    ..Milestone::on(MilestoneKind::ContractSigned, on)
                }),
                origin: "test".into(),
            },
            "test",
        )
        .await
        .unwrap();
    let (_, _, after) = get("identity").await;
    let after: Value = serde_json::from_slice(&after).unwrap();
    assert_eq!(
        common::value(&after, "protocoles_contrats_signes"),
        Some(signed + 1),
        "the signature of {id} is counted at once"
    );
}

/// A wrong method gets `405` with the methods accepted; a browser's preflight for a public read is
/// answered for any site; past its quota a client gets `429` and how long to wait, and another path of
/// the API is no way around it, while the site's pages are not counted.
#[tokio::test]
async fn wrong_methods_preflights_and_quotas_are_answered_as_http_says() {
    let (base, _dir) = common::spawn_app_with_options(territoires_web::SiteOptions {
        api_requests_per_minute: std::num::NonZeroU32::new(4),
        ..Default::default()
    })
    .await;
    let client = common::client();
    let wrong = client
        .delete(format!("{base}/api/v1/territoires"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 405);
    assert_eq!(wrong.headers()["allow"], "GET, HEAD");
    let body: Value = wrong.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("DELETE"), "{body}");
    let missing = client
        .get(format!("{base}/api/v1/nulle-part"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing
        .json()
        .await
        .expect("the API answers JSON even there");
    assert_eq!(body["status"], 404);
    let page = client
        .put(format!("{base}/territoires"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 405, "a page too");
    assert_eq!(page.headers()["allow"], "GET, HEAD");

    let preflight = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{base}/api/v1/territoires?phase=2023-2027"),
        )
        .header("origin", "https://reutilisateur.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "if-none-match")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("If-None-Match"));
    assert!(h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("GET"));

    // Three API requests so far (the 405, the 404, the preflight; the page is not counted): one more.
    let allowed = client
        .get(format!("{base}/api/v1/financeurs"))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    let over = client
        .get(format!("{base}/api/v1/territoires?phase=2023-2027"))
        .send()
        .await
        .unwrap();
    assert_eq!(over.status(), 429);
    let wait: u64 = over.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=15).contains(&wait),
        "4 per minute: one every 15 s, not {wait}"
    );
    assert_eq!(over.headers()["access-control-allow-origin"], "*");
    let body: Value = over.json().await.unwrap();
    assert_eq!(body["status"], 429);
    assert!(
        body["error"].as_str().unwrap().contains("réessayez"),
        "{body}"
    );
    let page = client
        .get(format!("{base}/territoires"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        200,
        "the site's pages are not the API's quota"
    );
}

/// Behind a trusted reverse proxy each client has its own quota, told by `X-Forwarded-For`; a header
/// from anyone else is not believed (the quota stays the connection's).
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_quota() {
    let get = |base: String, forwarded: &'static str| async move {
        common::client()
            .get(format!("{base}/api/v1/financeurs"))
            .header("x-forwarded-for", forwarded)
            .send()
            .await
            .unwrap()
            .status()
    };
    let (base, _dir) = common::spawn_app_with_options(territoires_web::SiteOptions {
        api_requests_per_minute: std::num::NonZeroU32::new(2),
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    })
    .await;
    for _ in 0..2 {
        assert_eq!(get(base.clone(), "203.0.113.7").await, 200);
    }
    assert_eq!(
        get(base.clone(), "203.0.113.7").await,
        429,
        "its quota spent"
    );
    assert_eq!(
        get(base.clone(), "203.0.113.8").await,
        200,
        "another client behind the same proxy"
    );
    assert_eq!(
        get(base.clone(), "203.0.113.8, 203.0.113.7").await,
        429,
        "the proxy's own entry is the right-most: a client cannot pick its address"
    );

    let (base, _dir) = common::spawn_app_with_options(territoires_web::SiteOptions {
        api_requests_per_minute: std::num::NonZeroU32::new(2),
        ..Default::default()
    })
    .await;
    for _ in 0..2 {
        assert_eq!(get(base.clone(), "203.0.113.7").await, 200);
    }
    assert_eq!(
        get(base.clone(), "203.0.113.9").await,
        429,
        "no proxy trusted: the header changes nothing"
    );
}

/// Every page of the list at `url` (a query string included), each read after the `next_cursor` of
/// the one before, until one gives none; each answers 200.
async fn walk_by_cursor(url: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page_url = match &next {
            Some(cursor) => format!("{url}&apres={cursor}"),
            None => url.to_owned(),
        };
        let (status, page) = get_json(&page_url).await;
        assert_eq!(status, 200, "{page_url}: {page}");
        next = page["next_cursor"].as_str().map(str::to_owned);
        pages.push(page);
        if next.is_none() {
            return pages;
        }
    }
}

/// The project list reads by cursor: a page follows the last fiche read, so a fiche added before it
/// neither repeats nor skips a fiche of the next page; every order is total (code breaks ties); a cursor
/// that is not one, or that another order made, is refused with its parameter.
#[tokio::test]
async fn the_project_list_reads_by_cursor_and_stays_right_while_fiches_are_added() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let list = |query: &str| {
        let url = format!("{base}/api/v1/projets?phase=2018-2022&perimetre=france&{query}");
        async move { get_json(&url).await }
    };
    let codes = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = list("par_page=500").await;
    let all = codes(&all);
    assert!(all.len() >= 8, "the demo's fiches: {all:?}");
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "by code unless told otherwise");

    let (status, first) = list("par_page=4").await;
    assert_eq!(status, 200);
    assert_eq!(codes(&first), all[..4]);
    let cursor = first["next_cursor"]
        .as_str()
        .expect("more follow")
        .to_owned();

    // A fiche that sorts before the cursor is added between the two reads.
    let store = common::own_store(&db).await;
    let token = common::issue_token(&store, "outil", "national").await;
    let created = common::client()
        .post(format!("{base}/api/v1/projets"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "code": "AAA-2019-PREMIER", "phase": "2018-2022", "titre": "Atelier partagé",
            "territoires": ["ti-4415"], "statut": "en_preparation", "date_statut": "2019-01-01"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    let (status, second) = list(&format!("par_page=4&apres={cursor}")).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(codes(&second), all[4..8], "no fiche repeated nor skipped");
    assert_eq!(
        second["total"],
        all.len() as i64 + 1,
        "the new one is counted"
    );
    // An offset would have shifted: the old second page now starts one fiche earlier.
    let (_, by_offset) = list("par_page=4&page=2").await;
    assert_eq!(codes(&by_offset)[0], all[3]);

    // Walking every page by cursor reads each fiche once.
    let walked: Vec<String> = walk_by_cursor(&format!(
        "{base}/api/v1/projets?phase=2018-2022&perimetre=france&par_page=3&tri=-titre"
    ))
    .await
    .iter()
    .flat_map(&codes)
    .collect();
    let (_, by_title) = list("par_page=500&tri=-titre").await;
    assert_eq!(walked, codes(&by_title));
    assert_eq!(walked.len(), all.len() + 1);
    let titles: Vec<String> = by_title["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| territoires_domain::search::search_key(p["title"].as_str().unwrap()))
        .collect();
    assert!(titles.windows(2).all(|w| w[0] >= w[1]), "{titles:?}");

    for (query, field) in [
        ("apres=pas-un-curseur", "apres"),
        (&format!("tri=engage&apres={cursor}") as &str, "apres"),
        (&format!("page=2&apres={cursor}"), "page"),
        ("tri=prix", "tri"),
    ] {
        let (status, body) = list(query).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some(field)),
            "{query}: {body}"
        );
    }
}

/// The territory, EPCI and commune lists read by cursor too: walking them page after page gives each
/// item once, in the order of the whole list (the territories by population, from the largest); a cursor
/// beside a page number, or that is none, is refused.
#[tokio::test]
async fn the_place_lists_read_by_cursor() {
    let base = common::spawn_app().await;
    for (list, key, par_page) in [
        (
            "territoires?phase=2023-2027&tri=population&ordre=desc",
            "id",
            40,
        ),
        ("communes?departement=57", "code", 200),
        ("epci?region=44", "siren", 40),
    ] {
        let url = |query: &str| format!("{base}/api/v1/{list}&{query}");
        let (_, whole) = get_json(&url("par_page=500")).await;
        let ids = |page: &Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i[key].as_str().unwrap().to_owned())
                .collect()
        };
        let total = whole["total"].as_i64().unwrap();
        let mut walked = Vec::new();
        for page in walk_by_cursor(&url(&format!("par_page={par_page}"))).await {
            assert_eq!(
                page["total"], total,
                "{list}: the count is the whole list's"
            );
            walked.extend(ids(&page));
        }
        assert!(walked.len() as i64 > par_page, "{list}: several pages");
        assert_eq!(walked.len() as i64, total, "{list}: each once");
        let first = ids(&whole);
        assert_eq!(
            walked[..first.len()],
            first,
            "{list}: in the list's order (its first 500)"
        );
        let mut unique = walked.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), walked.len(), "{list}: none twice");
        for (query, field) in [
            ("apres=pas-un-curseur", "apres"),
            ("page=2&apres=eyJ2YWx1ZSI6IiIsImlkIjoiIn0", "page"),
        ] {
            let (status, body) = get_json(&url(query)).await;
            assert_eq!(
                (status, body["field"].as_str()),
                (400, Some(field)),
                "{list} {query}: {body}"
            );
        }
    }
}

/// The EPCI list downloads with its search, as CSV and XLSX, the same EPCIs as the API gives; the page
/// links to both with the search kept.
#[tokio::test]
async fn the_epci_list_downloads_with_its_search() {
    let base = common::spawn_app().await;
    let (_, api) = get_json(&format!("{base}/api/v1/epci?q=bitche&par_page=500")).await;
    let expected: Vec<String> = api["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["siren"].as_str().unwrap().to_owned())
        .collect();
    assert!(!expected.is_empty(), "the search finds the Pays de Bitche");
    let page = reqwest::get(format!("{base}/epci?q=bitche"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("href=\"/epci.csv?q=bitche\"")
            && page.contains("href=\"/epci.xlsx?q=bitche\"")
    );
    let text = reqwest::get(format!("{base}/epci.csv?q=bitche"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv_reader(text.trim_start_matches('\u{feff}'));
    let sirens: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(sirens, expected);
    let bytes = reqwest::get(format!("{base}/epci.xlsx?q=bitche"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let range = workbook.worksheet_range("epci").unwrap();
    let rows: Vec<String> = range.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(rows, expected);
    let all = reqwest::get(format!("{base}/epci.csv"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, every) = get_json(&format!("{base}/api/v1/epci?par_page=1")).await;
    assert_eq!(
        (all.lines().count() - 1) as i64,
        every["total"].as_i64().unwrap(),
        "every EPCI without a search"
    );
}
