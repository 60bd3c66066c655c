//! A spreadsheet imported from the site in two steps: read and checked, previewed with what it would
//! change, confirmed, applied once; refused whole when something is wrong or out of scope.

mod common;

use common::{client, login};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

/// The import form sent, its answer as is.
async fn post_import(c: &reqwest::Client, base: &str, form: Form) -> reqwest::Response {
    c.post(format!("{base}/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn upload(
    c: &reqwest::Client,
    base: &str,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("csrf", csrf.to_owned())
        .part("fichier", Part::bytes(bytes).file_name(name.to_owned()));
    let response = post_import(c, base, form).await;
    // A file read is kept and its preview is one redirect away.
    match response.headers().get("location") {
        Some(to) if response.status() == StatusCode::SEE_OTHER => {
            let to = to.to_str().unwrap().to_owned();
            c.get(format!("{base}{to}")).send().await.unwrap()
        }
        _ => response,
    }
}

/// Uploads a registry file (`content`: `historique` or `postes`) from the import form. It is kept whatever
/// it holds, so the answer is a redirect; its page, read or refused, is returned.
async fn upload_registry(
    c: &reqwest::Client,
    (base, csrf): (&str, &str),
    content: &str,
    name: &str,
    text: &str,
) -> reqwest::Response {
    let form = Form::new()
        .text("csrf", csrf.to_owned())
        .text("contenu", content.to_owned())
        .part(
            "fichier",
            Part::bytes(text.as_bytes().to_vec()).file_name(name.to_owned()),
        );
    let response = post_import(c, base, form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = response.headers()["location"].to_str().unwrap().to_owned();
    c.get(format!("{base}{to}")).send().await.unwrap()
}

/// What precedes the preview's id in its confirmation form.
const CONFIRM: &str = "id=\"confirmer-import\" action=\"/imports/";

/// The address a page's element with `attribute` (`action="/imports/`, `id="rapport" href="`) points to.
fn link<'a>(html: &'a str, attribute: &str) -> &'a str {
    html.split(attribute)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no {attribute} in the page"))
}

#[tokio::test]
async fn a_pilot_previews_then_applies_a_messy_spreadsheet_once() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let c = client();
    assert_eq!(
        login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let page = c
        .get(format!("{base}/imports"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = common::hidden(&page, "csrf", "id=\"deposer-import\"");
    // Windows-1252, commas, a title row, loose headers, an amount in M€ and a date in words.
    let text = "Fiches actions des Vosges,,,,,\n\
                Code projet,Phase,Territoire,Intitulé,Coût du projet,En préparation\n\
                VOS-1,2018-2022,ti-4415,Scierie de l'été,\"1,2 M€\",19 novembre 2019\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let uploaded = upload(&c, &base, &csrf, "vosges.csv", bytes.to_vec()).await;
    assert_eq!(uploaded.status(), StatusCode::OK, "followed to the preview");
    let preview = common::plain(&uploaded.text().await.unwrap());
    assert!(preview.contains("Aperçu de « vosges.csv »"), "{preview}");
    assert!(
        preview.contains("<td>Intitulé</td>")
            && preview.contains("rapprochée → <code>titre</code>"),
        "the mapping is shown: {preview}"
    );
    assert!(preview.contains("windows-1252"), "the encoding is reported");
    assert!(
        preview.contains("<code>VOS-1</code>") && preview.contains("nouveau"),
        "the diff"
    );
    let action = link(&preview, CONFIRM).to_owned();
    let report = c
        .get(format!("{base}/imports/{action}/rapport.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        report.contains("vosges.csv;remarque;;;;;encodage windows-1252 détecté"),
        "{report}"
    );
    assert!(
        report.contains("vosges.csv;nouveau;Fiche action VOS-1;"),
        "{report}"
    );
    let none = c.get(format!("{base}/projets/VOS-1")).send().await.unwrap();
    assert_eq!(
        none.status(),
        StatusCode::NOT_FOUND,
        "nothing written by the preview"
    );

    let applied = c
        .post(format!("{base}/imports/{action}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(applied.status(), StatusCode::OK);
    assert!(applied.text().await.unwrap().contains("Import appliqué"));
    let project = c
        .get(format!("{base}/api/v1/projets/VOS-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(project.status(), StatusCode::OK);
    let project: serde_json::Value = project.json().await.unwrap();
    assert_eq!(project["title"], "Scierie de l'été", "{project}");

    // The report of an accepted file: what the reader noticed, and each change.
    let report = c
        .get(format!("{base}/imports/{action}/rapport.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        report.status(),
        StatusCode::NOT_FOUND,
        "applied: no longer pending"
    );

    // The same file again: nothing would change.
    let again = upload(&c, &base, &csrf, "vosges.csv", bytes.to_vec()).await;
    assert!(again.text().await.unwrap().contains("id=\"deja-importe\""));
}

#[tokio::test]
async fn a_file_with_errors_or_out_of_scope_is_refused_whole_with_every_problem() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let c = client();
    login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await;
    let page = c
        .get(format!("{base}/imports"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = common::hidden(&page, "csrf", "id=\"deposer-import\"");

    let bad = "code;phase;territoires;titre;cout_total\n\
               A-1;2018-2022;ti-4415;Un;beaucoup\n\
               A-2;2018-2022;ti-4415;Deux;31/02/2024\n\
               A-3;2018-2022;ti-4415;Trois;1 000\n";
    let refused = upload(&c, &base, &csrf, "erreurs.csv", bad.as_bytes().to_vec()).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let html = common::plain(&refused.text().await.unwrap());
    assert!(
        html.contains("ligne 2") && html.contains("ligne 3"),
        "every line: {html}"
    );
    assert!(html.contains("« beaucoup »"), "{html}");
    // The whole report, as a spreadsheet opens it: one row per problem, with its line and column.
    let report = link(&html, "id=\"rapport\" href=\"").to_owned();
    let csv = c.get(format!("{base}{report}")).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("rapport-erreurs.csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM for Excel");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "\u{feff}fichier;type;emplacement;colonne;avant;apres;message"
    );
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(
        rows[1].starts_with("erreurs.csv;erreur;ligne 2;cout_total;;;")
            && rows[1].contains("« beaucoup »"),
        "{csv}"
    );
    assert!(rows[2].contains("ligne 3;cout_total"), "{csv}");

    let elsewhere = "code;phase;territoires;titre\nHDF-1;2018-2022;ti-3209;Hors région\n";
    let refused = upload(&c, &base, &csrf, "hdf.csv", elsewhere.as_bytes().to_vec()).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(common::plain(&refused.text().await.unwrap()).contains("fiche action HDF-1"));

    // Beyond the upload limit: told in French on the import page, nothing kept.
    let huge = vec![b'a'; 66 * 1024 * 1024];
    let refused = upload(&c, &base, &csrf, "national.csv", huge).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(common::plain(&refused.text().await.unwrap()).contains("Fichier de plus de 64 Mo"));

    let other_user = client();
    login(
        &other_user,
        &base,
        "national@example.gouv.fr",
        common::PASSWORD,
    )
    .await;
    assert_eq!(
        other_user
            .get(format!("{base}/imports/inconnu"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// The fiches a list shows download in the import's tables; uploaded again unchanged they change nothing —
/// even for a regional pilot, whose workbook carries the national referential —, and an edit of one cell
/// is the one change the preview shows. The template offers the pilot's territories only.
#[tokio::test]
async fn downloaded_fiches_come_back_unchanged_and_the_template_is_scoped() {
    use calamine::Reader;
    let (base, _db) = common::spawn_app_with_own_database().await;
    let public = client();
    let list = "phase=2018-2022&perimetre=region:44&date=2026-01-01";
    let xlsx = public
        .get(format!("{base}/projets.xlsx?{list}"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("projets-2018-2022-region-44-2026-01-01.xlsx"));
    let xlsx = xlsx.bytes().await.unwrap().to_vec();
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx.clone())).unwrap();
    let projects = book.worksheet_range("projets").unwrap();
    assert_eq!(
        projects.height(),
        12,
        "the 11 fiches of the Grand Est demo and the header"
    );
    let csv = public
        .get(format!("{base}/projets.csv?{list}&q=hydrog"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 2, "the filter applies: {csv}");

    let c = client();
    login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await;
    let page = c
        .get(format!("{base}/imports"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("href=\"/imports/modele.xlsx\""));
    let csrf = common::hidden(&page, "csrf", "id=\"deposer-import\"");
    let same = upload(&c, &base, &csrf, "grand-est.xlsx", xlsx).await;
    assert_eq!(same.status(), StatusCode::OK);
    let same = common::plain(&same.text().await.unwrap());
    assert!(same.contains("id=\"rien-ne-change\""), "{same}");

    let all = public
        .get(format!("{base}/projets.csv?{list}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let edited = all.replace(
        "Datacenter de proximité",
        "Datacenter de proximité (2e tranche)",
    );
    assert_ne!(edited, all);
    let preview = upload(&c, &base, &csrf, "grand-est.csv", edited.into_bytes()).await;
    let preview = common::plain(&preview.text().await.unwrap());
    let report = link(&preview, "id=\"rapport\" href=\"").to_owned();
    let report = c
        .get(format!("{base}{report}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let changed: Vec<&str> = report.lines().filter(|l| l.contains(";modifié;")).collect();
    assert_eq!(
        changed,
        ["grand-est.csv;modifié;Fiche action GE2019-4401-DATACENTER;titre;Datacenter de proximité;Datacenter de proximité (2e tranche);"],
        "{report}"
    );
    assert!(
        preview.contains("1 enregistrement(s) nouveau(x) ou modifié(s)")
            && preview.contains("(2e tranche)"),
        "{preview}"
    );

    let template = c
        .get(format!("{base}/imports/modele.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(template.status(), StatusCode::OK);
    let template = template.bytes().await.unwrap().to_vec();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(template)).unwrap();
    let lists = book.worksheet_range("listes").unwrap();
    let ids: Vec<String> = lists
        .rows()
        .skip(1)
        .filter_map(|r| r.get(1).map(|c| c.to_string()))
        .filter(|id| !id.is_empty())
        .collect();
    assert!(ids.contains(&"ti-4415".to_owned()), "{ids:?}");
    assert!(
        ids.iter().all(|id| id.starts_with("ti-44")),
        "the pilot's region only: {ids:?}"
    );
    assert_eq!(
        public
            .get(format!("{base}/imports/modele.xlsx"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN,
        "signed out"
    );
    for (content, sheet) in [("historique", "historique"), ("postes", "postes")] {
        assert!(page.contains(&format!("href=\"/imports/modele.xlsx?contenu={content}\"")));
        let template = c
            .get(format!("{base}/imports/modele.xlsx?contenu={content}"))
            .send()
            .await
            .unwrap();
        assert_eq!(template.status(), StatusCode::OK);
        let template = template.bytes().await.unwrap().to_vec();
        let book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(template)).unwrap();
        assert_eq!(
            calamine::Reader::sheet_names(&book),
            ["notice", sheet, "listes"]
        );
    }
    let unknown = c
        .get(format!("{base}/imports/modele.xlsx?contenu=budget"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(common::plain(&unknown.text().await.unwrap())
        .contains("attendu projets, historique ou postes"));
}

/// The same two steps through the API, with a token: a refused file answers every problem and keeps
/// nothing, an accepted one its preview, then applying it writes it once; out of the token's scope: 403.
#[tokio::test]
async fn a_token_previews_then_applies_a_file_through_the_api() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let store = common::own_store(&db).await;
    let token = common::issue_token(&store, "outil-vosges", "region:44").await;
    let c = client();
    let send = |name: &str, body: &str| {
        c.post(format!("{base}/api/v1/imports?fichier={name}"))
            .bearer_auth(&token)
            .body(body.to_owned())
            .send()
    };

    let refused = send(
        "erreurs.csv",
        "code;phase;territoires;titre;cout_total\nA-1;2018-2022;ti-4415;Un;beaucoup\n",
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let refused: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        refused["problemes"][0]["emplacement"], "ligne 2",
        "{refused}"
    );
    assert_eq!(
        refused["problemes"][0]["colonne"], "cout_total",
        "{refused}"
    );

    let good = "Code projet;Phase;Territoire;Intitulé;En préparation\nAPI-1;2018-2022;ti-4415;Scierie;19 novembre 2019\n";
    let preview = send("plan.csv", good).await.unwrap();
    assert_eq!(preview.status(), StatusCode::CREATED);
    let preview: serde_json::Value = preview.json().await.unwrap();
    assert_eq!(preview["changements"], 1, "{preview}");
    assert_eq!(preview["premiers_changements"][0]["cle"], "API-1");
    assert_eq!(preview["premiers_changements"][0]["nouveau"], true);
    assert_eq!(
        preview["a_ecrire"][0],
        serde_json::json!(["fiches actions", 1]),
        "{preview}"
    );
    let id = preview["id"].as_str().unwrap().to_owned();
    let unseen = c
        .get(format!("{base}/api/v1/projets/API-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        unseen.status(),
        StatusCode::NOT_FOUND,
        "a preview writes nothing"
    );

    let applied = c
        .post(format!("{base}/api/v1/imports/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(applied.status(), StatusCode::OK);
    let applied: serde_json::Value = applied.json().await.unwrap();
    assert!(
        applied["ecrit"].to_string().contains("fiches actions"),
        "{applied}"
    );
    let project: serde_json::Value = c
        .get(format!("{base}/api/v1/projets/API-1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(project["title"], "Scierie");
    let again: serde_json::Value = send("plan.csv", good).await.unwrap().json().await.unwrap();
    assert!(
        again["a_ecrire"].is_null(),
        "imported before: nothing would change {again}"
    );
    let twice = c
        .post(format!("{base}/api/v1/imports/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        twice.status(),
        StatusCode::NOT_FOUND,
        "applied: no longer pending"
    );

    let elsewhere = send(
        "hdf.csv",
        "code;phase;territoires;titre\nHDF-9;2018-2022;ti-3209;Hors région\n",
    )
    .await
    .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    let anonymous = c
        .post(format!("{base}/api/v1/imports?fichier=plan.csv"))
        .body(good)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// A team's spreadsheet names a column in its own words: the refused file's page lists its headers with a
/// choice each; the team chooses, the file is read again and previewed, and the next file of the same
/// scope is read so at once — not another scope's.
#[tokio::test]
async fn a_column_chosen_on_the_import_page_is_remembered_for_the_scope() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let c = client();
    login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await;
    let page = c.get(format!("{base}/imports")).send().await.unwrap();
    let csrf = common::hidden(&page.text().await.unwrap(), "csrf", "id=\"deposer-import\"");
    let file = |code: &str| {
        format!(
            "Code projet;Phase;Territoire;Action envisagée;Couleur\n\
             {code};2018-2022;Vosges;Scierie de {code};bleu\n"
        )
        .into_bytes()
    };
    let refused = upload(&c, &base, &csrf, "plan.csv", file("VOS-7")).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let page = refused.text().await.unwrap();
    let text = common::plain(&page);
    assert!(
        text.contains("colonne inconnue « Action envisagée »")
            && text.contains("colonne inconnue « Couleur »"),
        "{text}"
    );
    assert!(
        page.contains("name=\"projets.3\"") && page.contains("name=\"projets.4\""),
        "each header has its choice: {page}"
    );
    let choose = link(&page, "action=\"/imports/").to_owned();
    assert!(choose.ends_with("/colonnes"), "{choose}");

    // A choice that is no column is refused, naming the field; nothing is kept.
    let wrong = c
        .post(format!("{base}/imports/{choose}"))
        .form(&[("csrf", csrf.as_str()), ("projets.3", "montant")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let wrong = common::plain(&wrong.text().await.unwrap());
    assert!(
        wrong.contains("« projets.3 »")
            && wrong.contains("« montant »")
            && wrong.contains("pas une colonne de la table projets"),
        "{wrong}"
    );
    let forged = c
        .post(format!("{base}/imports/{choose}"))
        .form(&[("csrf", "faux"), ("projets.3", "titre")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let chosen = c
        .post(format!("{base}/imports/{choose}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("projets.0", ""),
            ("projets.3", "titre"),
            ("projets.4", "_ignorer"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    let to = chosen.headers()["location"].to_str().unwrap();
    assert!(to.ends_with("#colonnes"), "back to the columns: {to}");
    let preview = c.get(format!("{base}{to}")).send().await.unwrap();
    assert_eq!(preview.status(), StatusCode::OK, "read again, previewed");
    let preview = common::plain(&preview.text().await.unwrap());
    assert!(preview.contains("Aperçu de « plan.csv »"), "{preview}");
    assert!(
        preview.contains("id=\"correspondance-memorisee\"")
            && preview.contains("correspondance mémorisée → <code>titre</code>")
            && preview.contains("ignorée (correspondance mémorisée)"),
        "{preview}"
    );
    assert!(preview.contains("<code>VOS-7</code>"), "{preview}");
    assert!(
        preview.contains("territoires : « Vosges » lu comme ti-4415 (Vosges), 1 cellule(s)"),
        "a territory given by its name is read as its code, and said: {preview}"
    );

    // The next file of the region is read so at once.
    let next = upload(&c, &base, &csrf, "plan-2.csv", file("VOS-8")).await;
    assert_eq!(next.status(), StatusCode::OK);
    let next = next.text().await.unwrap();
    assert!(next.contains("<code>VOS-8</code>"), "{next}");
    let action = link(&next, CONFIRM).to_owned();
    let applied = c
        .post(format!("{base}/imports/{action}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(applied.status(), StatusCode::OK);
    let project: serde_json::Value = c
        .get(format!("{base}/api/v1/projets/VOS-8"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(project["title"], "Scierie de VOS-8", "{project}");
    let again = upload(&c, &base, &csrf, "plan-2.csv", file("VOS-8")).await;
    assert!(again.text().await.unwrap().contains("id=\"deja-importe\""));

    // Another scope has its own mapping: the national team's reading is unchanged.
    let national = client();
    login(
        &national,
        &base,
        "national@example.gouv.fr",
        common::PASSWORD,
    )
    .await;
    let page = national
        .get(format!("{base}/imports"))
        .send()
        .await
        .unwrap();
    let csrf = common::hidden(&page.text().await.unwrap(), "csrf", "id=\"deposer-import\"");
    let other = upload(&national, &base, &csrf, "plan.csv", file("VOS-9")).await;
    assert_eq!(other.status(), StatusCode::BAD_REQUEST);
}

/// The column mapping through the API: read and replaced whole for the token's scope, checked field by
/// field, and applied to the scope's next uploads.
#[tokio::test]
async fn a_token_reads_and_replaces_its_scopes_column_mapping() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let store = common::own_store(&db).await;
    let token = common::issue_token(&store, "outil-vosges", "region:44").await;
    let c = client();
    let url = format!("{base}/api/v1/imports/colonnes");
    let get = || async {
        let answer = c.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        answer.json::<serde_json::Value>().await.unwrap()
    };
    assert_eq!(
        get().await,
        serde_json::json!({"perimetre": "region:44", "correspondance": {}})
    );
    let put = |body: serde_json::Value| c.put(&url).bearer_auth(&token).json(&body).send();
    let wrong = put(serde_json::json!({"correspondance": {"projets": {"Couleur": "teinte"}}}))
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let wrong: serde_json::Value = wrong.json().await.unwrap();
    assert!(
        wrong["error"]
            .as_str()
            .unwrap()
            .contains("« correspondance.projets.Couleur »"),
        "{wrong}"
    );
    let saved = put(serde_json::json!({
        "correspondance": {"projets": {"Action envisagée": "titre", "Couleur": null}}
    }))
    .await
    .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let expected = serde_json::json!({
        "perimetre": "region:44",
        "correspondance": {"projets": {"action_envisagee": "titre", "couleur": null}}
    });
    assert_eq!(saved.json::<serde_json::Value>().await.unwrap(), expected);
    assert_eq!(get().await, expected);
    let audited = store.audit_log(10).await.unwrap();
    assert!(
        audited
            .iter()
            .any(|e| e.entity == "column_mapping" && e.actor.contains("outil-vosges")),
        "{audited:?}"
    );

    let preview = c
        .post(format!("{base}/api/v1/imports?fichier=plan.csv"))
        .bearer_auth(&token)
        .body("code;phase;territoires;Action envisagée;Couleur\nAPI-7;2018-2022;ti-4415;Scierie;bleu\n")
        .send()
        .await
        .unwrap();
    assert_eq!(
        preview.status(),
        StatusCode::CREATED,
        "read with the mapping"
    );
    let preview: serde_json::Value = preview.json().await.unwrap();
    assert_eq!(
        preview["premiers_changements"][0]["cle"], "API-7",
        "{preview}"
    );
    let anonymous = client().get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// The registry's files on the same page: a pilot imports a history file (a milestone, a governance
/// appointment) and a file of posts in two steps; a record out of the pilot's region refuses the file.
#[tokio::test]
async fn a_pilot_imports_history_and_posts_in_two_steps_within_its_region() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let c = client();
    login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await;
    let page = c.get(format!("{base}/imports")).send().await.unwrap();
    let csrf = common::hidden(&page.text().await.unwrap(), "csrf", "id=\"deposer-import\"");
    let send = |content: &'static str, name: &'static str, text: &'static str| {
        upload_registry(&c, (&base, &csrf), content, name, text)
    };
    let outside = send(
        "historique",
        "jalons.csv",
        "Phase;Id territoire;Événement;Date\n\
         2018-2022;ti-4415;diagnostic_realise;2024-03-01\n\
         2018-2022;ti-1101;diagnostic_realise;2024-03-01\n",
    )
    .await;
    assert_eq!(outside.status(), StatusCode::BAD_REQUEST);
    let text = common::plain(&outside.text().await.unwrap());
    assert!(
        text.contains("territoire ti-1101 (2018-2022) : hors de votre périmètre")
            && !text.contains("ti-4415 (2018-2022) : hors"),
        "{text}"
    );

    let history = "Phase;Id territoire;Événement;Date;Personne\n\
                   2018-2022;ti-4415;diagnostic_realise;2024-03-01;\n\
                   2018-2022;Vosges;chef_de_projet;2024-04-02;Camille Martin\n";
    let preview = send("historique", "jalons.csv", history).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview = common::plain(&preview.text().await.unwrap());
    assert!(
        preview.contains("Lu : 2 faits (jalons, gouvernance, attributs)")
            && preview.contains("1 jalons, 1 nominations à écrire"),
        "{preview}"
    );
    assert!(
        preview.contains("<code>2018-2022/ti-4415</code>")
            && preview.contains("Camille Martin")
            && preview.contains("rôle : Chef de projet")
            && preview.contains("Diagnostic"),
        "each new fact with its content: {preview}"
    );
    let timeline = |c: reqwest::Client, base: String| async move {
        c.get(format!("{base}/api/v1/territoires/2018-2022/ti-4415"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(
        !timeline(c.clone(), base.clone())
            .await
            .contains("2024-03-01"),
        "a preview writes nothing"
    );
    let action = link(&preview, CONFIRM).to_owned();
    let report = c
        .get(format!("{base}/imports/{action}/rapport.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        report.contains("jalons.csv;nouveau;Territoire 2018-2022/ti-4415;"),
        "{report}"
    );
    let applied = c
        .post(format!("{base}/imports/{action}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(applied.status(), StatusCode::OK);
    let applied = common::plain(&applied.text().await.unwrap());
    assert!(applied.contains("Import appliqué"), "{applied}");
    assert!(
        applied.contains("1 jalons, 1 nominations enregistré(s)"),
        "{applied}"
    );
    assert!(
        timeline(c.clone(), base.clone())
            .await
            .contains("2024-03-01"),
        "applied"
    );
    let again = send("historique", "jalons.csv", history).await;
    assert!(again.text().await.unwrap().contains("id=\"deja-importe\""));

    let posts = send(
        "postes",
        "postes.csv",
        "phase;id_territoire;employeur;ouverture\n2018-2022;ti-4415;CC de l'Ouest vosgien;2024-01-15\n",
    )
    .await;
    assert_eq!(posts.status(), StatusCode::OK);
    let posts = common::plain(&posts.text().await.unwrap());
    assert!(
        posts.contains("1 postes de chef de projet à écrire"),
        "{posts}"
    );
    let response = c
        .post(format!("{base}/imports"))
        .multipart(
            Form::new()
                .text("csrf", csrf.clone())
                .text("contenu", "budget")
                .part(
                    "fichier",
                    Part::bytes(b"a\n1\n".to_vec()).file_name("x.csv"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(common::plain(&response.text().await.unwrap()).contains("contenu"));
}

/// A history file through the API: `contenu=historique`, previewed then applied; out of scope: 403.
#[tokio::test]
async fn a_token_imports_a_history_file_in_two_steps() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let store = common::own_store(&db).await;
    let token = common::issue_token(&store, "outil-vosges", "region:44").await;
    let c = client();
    let send = |contenu: &str, body: &'static str| {
        c.post(format!(
            "{base}/api/v1/imports?fichier=jalons.csv&contenu={contenu}"
        ))
        .bearer_auth(&token)
        .body(body)
        .send()
    };
    let outside = send(
        "historique",
        "phase;id_territoire;evenement;date\n2018-2022;ti-1101;diagnostic_realise;2024-03-01\n",
    )
    .await
    .unwrap();
    assert_eq!(outside.status(), StatusCode::FORBIDDEN);
    let preview = send(
        "historique",
        "phase;id_territoire;evenement;date\n2018-2022;ti-4415;diagnostic_realise;2024-03-01\n",
    )
    .await
    .unwrap();
    assert_eq!(preview.status(), StatusCode::CREATED);
    let preview: serde_json::Value = preview.json().await.unwrap();
    assert_eq!(preview["changements"], 1, "{preview}");
    assert_eq!(
        preview["a_ecrire"],
        serde_json::json!([["jalons", 1]]),
        "{preview}"
    );
    assert_eq!(
        preview["correspondance"][0][0], "historique",
        "how its headers were read: {preview}"
    );
    let id = preview["id"].as_str().unwrap();
    let applied = c
        .post(format!("{base}/api/v1/imports/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(applied.status(), StatusCode::OK);
    let applied: serde_json::Value = applied.json().await.unwrap();
    assert_eq!(applied["ecrit"], serde_json::json!([["jalons", 1]]));
    let unknown = send("budget", "a\n").await.unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}

/// A history file's columns are chosen on its page like a portfolio's, and remembered for the scope in
/// the same mapping, under its own table.
#[tokio::test]
async fn a_history_files_columns_are_chosen_and_remembered_like_the_portfolios() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let c = client();
    login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await;
    let page = c.get(format!("{base}/imports")).send().await.unwrap();
    let csrf = common::hidden(&page.text().await.unwrap(), "csrf", "id=\"deposer-import\"");
    let send = |name: &'static str, text: String| {
        let (c, base, csrf) = (c.clone(), base.clone(), csrf.clone());
        async move { upload_registry(&c, (&base, &csrf), "historique", name, &text).await }
    };
    let file = |day: &str| {
        format!(
            "Phase;Id territoire;Étape franchie;Date;Remarque interne\n\
             2018-2022;ti-4415;diagnostic_realise;{day};à relire\n"
        )
    };
    let refused = send("jalons.csv", file("2024-03-01")).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let page = refused.text().await.unwrap();
    let text = common::plain(&page);
    assert!(
        text.contains("colonne inconnue « Étape franchie »")
            && text.contains("colonne(s) manquante(s) : evenement"),
        "{text}"
    );
    assert!(
        page.contains("name=\"historique.2\"") && page.contains("name=\"historique.4\""),
        "each header of the history file has its choice: {page}"
    );
    let choose = link(&page, "action=\"/imports/").to_owned();
    assert!(choose.ends_with("/colonnes"), "{choose}");
    let chosen = c
        .post(format!("{base}/imports/{choose}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("historique.2", "evenement"),
            ("historique.4", "_ignorer"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    let to = chosen.headers()["location"].to_str().unwrap();
    let preview = c.get(format!("{base}{to}")).send().await.unwrap();
    assert_eq!(preview.status(), StatusCode::OK, "read again, previewed");
    let preview = common::plain(&preview.text().await.unwrap());
    assert!(
        preview.contains("Lu : 1 faits (jalons, gouvernance, attributs)")
            && preview.contains("correspondance mémorisée → <code>evenement</code>")
            && preview.contains("ignorée (correspondance mémorisée)"),
        "{preview}"
    );

    // The region's next history file is read so at once, and the portfolio's reading is untouched.
    let next = send("jalons-2.csv", file("2024-05-01")).await;
    assert_eq!(next.status(), StatusCode::OK);
    let store = common::own_store(&db).await;
    let kept = store
        .column_mapping("region:44", territoires_ingest::context::MAPPING_KIND)
        .await
        .unwrap()
        .expect("the region's mapping is kept");
    let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
    assert_eq!(
        kept,
        serde_json::json!({"historique": {"etape_franchie": "evenement", "remarque_interne": null}}),
        "kept under the history table, by header key"
    );
}

/// Brownfields on the same page: a pilot's file naming a commune of another region is refused with that
/// commune; its region's sites are previewed (the reader's remarks shown), applied once, and counted by
/// the observatory from their date.
#[tokio::test]
async fn a_pilot_imports_its_regions_brownfields_in_two_steps() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let c = client();
    login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await;
    let page = c.get(format!("{base}/imports")).send().await.unwrap();
    let csrf = common::hidden(&page.text().await.unwrap(), "csrf", "id=\"deposer-import\"");
    let header =
        "site_id;site_nom;site_statut;date_situation;comm_insee;unite_fonciere_surface;geompoint\n";
    let outside = format!(
        "{header}57463_900;Ancienne aciérie;friche sans projet;2025-03-01;57463;52000;POINT (6.17 49.11)\n\
         59350_901;Filature;friche sans projet;2025-03-01;59350;;POINT (3.06 50.63)\n"
    );
    let refused = upload_registry(&c, (&base, &csrf), "friches", "friches.csv", &outside).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let text = common::plain(&refused.text().await.unwrap());
    assert!(
        text.contains("commune 59350 (région 32) : hors de votre périmètre")
            && !text.contains("commune 57463"),
        "{text}"
    );

    let inside = format!(
        "{header}57463_900;Ancienne aciérie;friche sans projet;2025-03-01;57463;52000;POINT (6.17 49.11)\n\
         57463_902;Dépôt;friche avec projet;2025-03-01;57463;;POINT (6.18 49.12)\n"
    );
    let preview = upload_registry(&c, (&base, &csrf), "friches", "friches.csv", &inside).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview = preview.text().await.unwrap();
    let text = common::plain(&preview);
    assert!(
        text.contains("Lu : 2 friches") && text.contains("Ancienne aciérie"),
        "{text}"
    );
    let count = |c: reqwest::Client, base: String, date: &'static str| async move {
        let page = c
            .get(format!(
                "{base}/foncier?perimetre=epci:200039865&date={date}"
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        common::land_figure(&page, "sans_projet")
    };
    assert_eq!(
        count(c.clone(), base.clone(), "2026-01-01").await,
        0,
        "a preview writes nothing"
    );
    let action = link(&preview, CONFIRM).to_owned();
    let applied = c
        .post(format!("{base}/imports/{action}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(applied.status(), StatusCode::OK);
    assert!(common::plain(&applied.text().await.unwrap()).contains("Import appliqué"));
    assert_eq!(count(c.clone(), base.clone(), "2026-01-01").await, 1);
    assert_eq!(
        count(c.clone(), base.clone(), "2025-02-28").await,
        0,
        "counted from its date only"
    );
    let again = upload_registry(&c, (&base, &csrf), "friches", "friches.csv", &inside).await;
    assert!(again.text().await.unwrap().contains("id=\"deja-importe\""));
}
