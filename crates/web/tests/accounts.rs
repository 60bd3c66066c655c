//! Accounts and write forms: login, CSRF, scopes, audit.

mod common;

use common::{client, login};
use reqwest::StatusCode;

#[tokio::test]
async fn a_pilot_records_a_milestone_of_a_territory_of_its_region() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let c = client();
    assert_eq!(
        login(&c, &base, "pilote-ge@example.gouv.fr", "mauvais").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );

    let url = format!("{base}/territoires/2023-2027/ti-4401");
    let page = c.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("id=\"form-jalon\""),
        "the pilot of Grand Est gets the forms"
    );
    let csrf = common::hidden(&page, "csrf", "<form");

    let form = |token: &str| {
        vec![
            ("csrf", token.to_owned()),
            ("evenement", "plan_actions_valide".to_owned()),
            ("date", "2024-06-20".to_owned()),
            ("precision", "exacte".to_owned()),
            ("note", "Délibération <b>du conseil régional</b>".to_owned()),
            ("source", "Délibération CR 24-123".to_owned()),
        ]
    };
    let forged = c
        .post(format!("{url}/jalons"))
        .form(&form("0".repeat(64).as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "a wrong CSRF token is refused"
    );

    let saved = c
        .post(format!("{url}/jalons"))
        .form(&form(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let page = c
        .get(format!("{url}?date=2024-06-20"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Plan d&#39;actions validé par le conseil régional")
            || page.contains("Plan d'actions validé par le conseil régional")
    );
    assert!(
        page.contains("&#60;b&#62;du conseil régional")
            || page.contains("&lt;b&gt;du conseil régional"),
        "notes are escaped"
    );

    let again = c
        .post(format!("{url}/jalons"))
        .form(&form(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "the same milestone twice is refused"
    );

    let bad_date = vec![
        ("csrf", csrf.clone()),
        ("role", "chef_de_projet".into()),
        ("date", "2024-13-45".into()),
    ];
    let response = c
        .post(format!("{url}/gouvernance"))
        .form(&bad_date)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(common::plain(&response.text().await.unwrap()).contains("« 2024-13-45 » invalide"));

    let appointment = vec![
        ("csrf", csrf.clone()),
        ("role", "chef_de_projet".into()),
        ("personne", "Camille Exemple".into()),
        ("organisation", "CC du Pays de Barr".into()),
        ("date", "2024-03-01".into()),
    ];
    assert_eq!(
        c.post(format!("{url}/gouvernance"))
            .form(&appointment)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    let api = c
        .get(format!(
            "{base}/api/v1/territoires/2023-2027/ti-4401?date=2024-06-20"
        ))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(api["progress"]["stage"], "plan_actions_valide");
    assert_eq!(api["governance"][0]["person"], "Camille Exemple");
}

#[tokio::test]
async fn scopes_and_sessions_are_enforced() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let anonymous = client();
    let url = format!("{base}/territoires/2023-2027/ti-4401");
    let page = anonymous
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("id=\"form-jalon\"") && page.contains("lien-connexion"));
    let form = [
        ("csrf", "x"),
        ("evenement", "gouvernance_installee"),
        ("date", "2024-01-01"),
    ];
    assert_eq!(
        anonymous
            .post(format!("{url}/jalons"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );

    // The pilot of Hauts-de-France cannot touch a Grand Est territory, even with a valid token.
    let hdf = client();
    assert_eq!(
        login(&hdf, &base, "pilote-hdf@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let own_page = hdf
        .get(format!("{base}/territoires/2023-2027/ti-3201"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = common::hidden(&own_page, "csrf", "<form");
    let page = hdf.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        !page.contains("id=\"form-jalon\""),
        "no forms outside the pilot's region"
    );
    let form = [
        ("csrf", csrf.as_str()),
        ("evenement", "gouvernance_installee"),
        ("date", "2024-01-01"),
    ];
    let refused = hdf
        .post(format!("{url}/jalons"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("ne permet pas de mettre à jour ti-4401"));

    // Logging out ends the session.
    assert_eq!(
        hdf.post(format!("{base}/deconnexion"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    let own = hdf
        .get(format!("{base}/territoires/2023-2027/ti-3201"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!own.contains("id=\"form-jalon\""));

    // A login form posted from elsewhere (no CSRF cookie) is refused.
    let form = [
        ("email", "national@example.gouv.fr"),
        ("password", common::PASSWORD),
        ("csrf", "x"),
    ];
    assert_eq!(
        client()
            .post(format!("{base}/connexion"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_milestone_recorded_in_error_is_withdrawn_and_future_ones_are_planned() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let c = client();
    assert_eq!(
        login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let url = format!("{base}/territoires/2023-2027/ti-4402");
    let page = c.get(&url).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden(&page, "csrf", "id=\"form-jalon\"");
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let c = c.clone();
        let url = format!("{url}/{path}");
        async move { c.post(url).form(&fields).send().await.unwrap() }
    };
    let milestone = |kind: &str, date: &str, precision: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("evenement", kind.to_owned()),
            ("date", date.to_owned()),
            ("precision", precision.to_owned()),
            ("source", "test".to_owned()),
        ]
    };
    assert_eq!(
        post("jalons", milestone("contrat_signe", "2024-05-02", "exacte"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let stage = |date: &'static str| {
        let base = base.clone();
        async move {
            let (_, body) = common::get_json(&format!(
                "{base}/api/v1/territoires/2023-2027/ti-4402?date={date}"
            ))
            .await;
            body["progress"]["stage"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(stage("2024-06-01").await, "protocole_ou_contrat_signe");

    // The contract was signed by another territory: withdrawn from 1 July 2024, with the reason.
    let page = c.get(&url).send().await.unwrap().text().await.unwrap();
    let contract = page
        .find("<strong>Contrat signé</strong>")
        .expect("the contract in the timeline");
    let at = contract
        + page[contract..]
            .find("id=\"retirer-jalon-")
            .expect("a withdrawal form per milestone");
    let record = page[at + "id=\"retirer-jalon-".len()..]
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let withdraw = |reason: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("type", "jalon".to_owned()),
            ("enregistrement", record.clone()),
            ("date", "2024-07-01".to_owned()),
            ("motif", reason.to_owned()),
        ]
    };
    let no_reason = post("retraits", withdraw("")).await;
    assert_eq!(
        no_reason.status(),
        StatusCode::BAD_REQUEST,
        "a withdrawal needs its reason"
    );
    assert_eq!(
        post(
            "retraits",
            withdraw("signé par Alsace bossue, pas ce territoire")
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        stage("2024-06-01").await,
        "protocole_ou_contrat_signe",
        "the past stays as it was"
    );
    assert_eq!(
        stage("2024-07-01").await,
        "labellise",
        "it no longer counts from its withdrawal"
    );
    let page = common::plain(&c.get(&url).send().await.unwrap().text().await.unwrap());
    assert!(
        page.contains("retiré le 1er juillet 2024 : signé par Alsace bossue, pas ce territoire"),
        "both stay in the history"
    );
    assert_eq!(
        post("retraits", withdraw("deux fois")).await.status(),
        StatusCode::CONFLICT
    );

    // What has not happened yet is refused, unless recorded as planned, which never counts as done.
    let future = post(
        "jalons",
        milestone("evaluation_mi_parcours", "2099-06-01", "exacte"),
    )
    .await;
    assert_eq!(future.status(), StatusCode::BAD_REQUEST);
    assert!(common::plain(&future.text().await.unwrap()).contains("prévu"));
    assert_eq!(
        post(
            "jalons",
            milestone("evaluation_mi_parcours", "2027-06-01", "prevu")
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        stage("2030-01-01").await,
        "labellise",
        "a planned milestone is not done"
    );
    let page = common::plain(&c.get(&url).send().await.unwrap().text().await.unwrap());
    assert!(page.contains("prévu, ne compte pas comme fait"));

    // An attribute, dated.
    let fragile = vec![
        ("csrf", csrf.clone()),
        ("evenement", "fragile".to_owned()),
        ("date", "2024-01-15".to_owned()),
        ("source", "Liste des territoires fragiles".to_owned()),
    ];
    assert_eq!(
        post("attributs", fragile).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, bilan) = common::get_json(&format!(
        "{base}/api/v1/bilan?phase=2023-2027&perimetre=region:44&date=2024-06-01"
    ))
    .await;
    assert_eq!(common::value(&bilan, "territoires_fragiles"), Some(1));
    let (_, earlier) = common::get_json(&format!(
        "{base}/api/v1/bilan?phase=2023-2027&perimetre=region:44&date=2024-01-14"
    ))
    .await;
    assert_eq!(
        common::value(&earlier, "territoires_fragiles"),
        None,
        "before any list of fragile territories was given, their number is unknown, not 0"
    );
}

/// A refused form comes back on its own page, each message beside its field and what was typed kept; a
/// chef de projet post is opened, then closed, from the territory's page.
#[tokio::test]
async fn territory_forms_keep_what_was_typed_and_record_posts() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let c = client();
    assert_eq!(
        login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let url = format!("{base}/territoires/2023-2027/ti-4402");
    let page = c.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"form-poste\""), "the post form");
    let csrf = common::hidden(&page, "csrf", "id=\"form-jalon\"");

    let refused = c
        .post(format!("{url}/jalons"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("evenement", "contrat_signe"),
            ("date", "31/02/2024"),
            ("note", "signé en comité"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let html = refused.text().await.unwrap();
    let error = html
        .split("id=\"erreur-date\"")
        .nth(1)
        .expect("the message beside the date field");
    assert!(
        common::plain(error).starts_with(">« 31/02/2024 » invalide"),
        "{error}"
    );
    assert!(
        html.contains("value=\"signé en comité\""),
        "the note typed is kept"
    );
    assert!(
        html.contains("value=\"31/02/2024\" type=\"text\""),
        "a date the picker cannot show stays as typed"
    );
    assert!(
        html.contains("<option value=\"contrat_signe\" selected>"),
        "the milestone chosen is kept"
    );

    let opened = c
        .post(format!("{url}/postes"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("employeur", "PETR Cœur de Lorraine"),
            ("ouvert_le", "01/04/2024"),
            ("cofinancements.1.financeur", "bpifrance"),
            ("cofinancements.1.montant", "40 000 €"),
            ("cofinancements.1.debut", "2024-04-01"),
            ("cofinancements.1.fin", "2025-03-31"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let bad_closing = c
        .post(format!("{url}/postes"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("employeur", "PETR Cœur de Lorraine"),
            ("ouvert_le", "2024-04-01"),
            ("ferme_le", "2024-01-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_closing.status(), StatusCode::BAD_REQUEST);
    let html = common::plain(&bad_closing.text().await.unwrap());
    assert!(
        html.contains("fermeture le 1er janvier 2024 avant l"),
        "{html}"
    );
    let closed = c
        .post(format!("{url}/postes"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("employeur", "PETR Cœur de Lorraine"),
            ("ouvert_le", "2024-04-01"),
            ("ferme_le", "2025-06-30"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    let page = common::plain(&c.get(&url).send().await.unwrap().text().await.unwrap());
    assert!(
        page.contains("PETR Cœur de Lorraine</strong>, ouvert du 1er avril 2024 au 30 juin 2025"),
        "the post, closed"
    );
    assert!(
        page.contains("cofinancé par bpifrance : 40 000 €"),
        "its co-financing"
    );
}

/// An envelope's edit page shows its history: who changed what, from which route or token.
#[tokio::test]
async fn a_funding_referential_record_shows_its_history_to_those_who_edit_it() {
    let (base, db) = common::spawn_app_with_own_database().await;
    common::import_funding(
        &db.path().join("own.db"),
        "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande\n\
         GE2019-4415-HYDROGENE;bpifrance;fa;subvention;FA-2;500 000;2020-02-01\n",
    )
    .await;
    let store = common::own_store(&db).await;
    let secret = common::issue_token(&store, "outil-anct", "national").await;
    let api = reqwest::Client::new();
    let referential: serde_json::Value = api
        .get(format!("{base}/api/v1/financeurs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fa44 = referential["enveloppes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "fa-44")
        .unwrap()
        .clone();
    let grown = api
        .patch(format!("{base}/api/v1/enveloppes/fa-44"))
        .bearer_auth(&secret)
        .json(&serde_json::json!({"version": fa44["version"], "montant": "987 654 321"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        grown.status(),
        StatusCode::OK,
        "{}",
        grown.text().await.unwrap()
    );

    let c = client();
    assert_eq!(
        login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let page = c
        .get(format!("{base}/enveloppes/fa-44/modifier"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let history = common::plain(
        &page[page
            .find("id=\"historique\"")
            .expect("the history under the form")..],
    )
    .replace("&#39;", "'");
    assert!(
        history.contains("<td>outil-anct</td><td>jeton d'API</td>"),
        "{history}"
    );
    assert!(
        history.contains("Modification d'une enveloppe"),
        "{history}"
    );
    assert!(
        history.contains("montant (centimes)</code> : 100000000 → 98765432100"),
        "before → after: {history}"
    );
}

/// Five wrong passwords on an account, then even the right one waits a quarter of an hour; another account
/// from the same address still signs in; every attempt is in the security log, apart from the audit.
#[tokio::test]
async fn sign_in_attempts_are_limited_per_account_and_logged() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let c = client();
    for _ in 0..5 {
        assert_eq!(
            login(&c, &base, "pilote-ge@example.gouv.fr", "mauvais").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&c, &base, "Pilote-GE@example.gouv.fr", common::PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the sixth attempt is refused, whatever the password and the case of the address"
    );
    let page = c
        .get(format!("{base}/connexion"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = common::hidden(&page, "csrf", "<form");
    let refused = c
        .post(format!("{base}/connexion"))
        .form(&[
            ("email", "pilote-ge@example.gouv.fr"),
            ("password", common::PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.headers()["retry-after"], "900");
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("réessayez dans 15 minutes"));
    assert_eq!(
        login(
            &client(),
            &base,
            "pilote-hdf@example.gouv.fr",
            common::PASSWORD
        )
        .await,
        StatusCode::SEE_OTHER,
        "another account from the same address is not locked out"
    );

    let store = common::own_store(&db).await;
    let log = store.security_log(20).await.unwrap();
    let count = |event: &str, account: &str| {
        log.iter()
            .filter(|e| e.event == event && e.account.as_deref() == Some(account))
            .count()
    };
    assert_eq!(count("echec_connexion", "pilote-ge@example.gouv.fr"), 5);
    assert_eq!(
        count("connexion_refusee_tentatives", "pilote-ge@example.gouv.fr"),
        2
    );
    assert_eq!(count("connexion", "pilote-hdf@example.gouv.fr"), 1);
    assert!(log
        .iter()
        .all(|e| e.address.as_deref() == Some("127.0.0.1")));
    assert!(
        store
            .audit_log(100)
            .await
            .unwrap()
            .iter()
            .all(|e| e.action != "login"),
        "sign-ins are not business changes"
    );
}

/// Personal pages (signed in, or the sign-in form with its token) are never kept by a cache; every answer
/// keeps its address to the site; the transport is left as served until the site says it is on HTTPS.
#[tokio::test]
async fn personal_pages_are_not_cached_and_the_referrer_stays_on_the_site() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let head = reqwest::Client::new()
        .head(format!("{base}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.status(),
        StatusCode::OK,
        "HEAD is a GET without its body"
    );
    let anonymous = reqwest::get(format!("{base}/")).await.unwrap();
    assert_eq!(
        header(&anonymous, "referrer-policy").as_deref(),
        Some("same-origin")
    );
    assert_eq!(
        header(&anonymous, "cache-control").as_deref(),
        Some("no-cache"),
        "a shared page may be kept, revalidated with its ETag"
    );
    assert!(header(&anonymous, "etag").is_some());
    assert_eq!(header(&anonymous, "strict-transport-security"), None);
    let form = reqwest::get(format!("{base}/connexion")).await.unwrap();
    assert_eq!(header(&form, "cache-control").as_deref(), Some("no-store"));

    let c = client();
    assert_eq!(
        login(&c, &base, "bpifrance@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let home = c.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(header(&home, "cache-control").as_deref(), Some("no-store"));
    assert!(
        home.text().await.unwrap().contains("id=\"se-deconnecter\""),
        "an operator has a sign-out in the header too"
    );
}

/// Behind HTTPS the session cookie is `Secure` and browsers are told to keep to HTTPS.
#[tokio::test]
async fn over_https_the_session_cookie_is_secure_and_hsts_is_sent() {
    let (base, _db) = common::spawn_app_with_options(territoires_web::SiteOptions {
        public_url: Some("https://territoires.example.gouv.fr".into()),
        ..Default::default()
    })
    .await;
    let c = client();
    let page = c.get(format!("{base}/connexion")).send().await.unwrap();
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let csrf = common::hidden(&page.text().await.unwrap(), "csrf", "<form");
    let signed = c
        .post(format!("{base}/connexion"))
        .form(&[
            ("email", "national@example.gouv.fr"),
            ("password", common::PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("ti_session="))
        .unwrap();
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

/// A territory's page tells signed-in users who changed it, how and what, field by field; the public does
/// not see names; the national team exports the whole log, others may not.
#[tokio::test]
async fn a_records_history_names_who_changed_what_for_signed_in_users_only() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let c = client();
    assert_eq!(
        login(&c, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let url = format!("{base}/territoires/2023-2027/ti-4401");
    let page = c.get(&url).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden(&page, "csrf", "<form");
    let saved = c
        .post(format!("{url}/jalons"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("evenement", "gouvernance_installee"),
            ("date", "2024-03-01"),
            ("precision", "exacte"),
            ("note", ""),
            ("source", "Compte rendu du comité"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);

    let page = common::plain(&c.get(&url).send().await.unwrap().text().await.unwrap());
    let history = &page[page
        .find("Historique des modifications")
        .expect("a history")..];
    assert!(history.contains("pilote-ge@example.gouv.fr"), "{history}");
    assert!(history.contains("formulaire") && history.contains("Jalon"));
    assert!(
        history.contains("Compte rendu du comité"),
        "the fields recorded"
    );
    let public = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(
        !public.contains("Historique des modifications") && !public.contains("pilote-ge@"),
        "the public does not see who changed what"
    );

    assert_eq!(
        c.get(format!("{base}/journal.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN,
        "a regional pilot does not export the log"
    );
    let national = client();
    assert_eq!(
        login(
            &national,
            &base,
            "national@example.gouv.fr",
            common::PASSWORD
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let export = national
        .get(format!("{base}/journal.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::OK);
    let text = export.text().await.unwrap();
    let mut rows = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let last = rows
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[2] == "user:pilote-ge@example.gouv.fr")
        .last()
        .expect("the milestone in the export");
    assert_eq!(&last[3], "record_milestone");
    assert_eq!(&last[5], "2023-2027/ti-4401");
    let numero: i64 = last[0].parse().unwrap();
    let after = national
        .get(format!("{base}/journal.csv?depuis={numero}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !after.contains("user:pilote-ge@example.gouv.fr"),
        "an export continues after the entry given"
    );
    // The same entries as a workbook.
    let workbook = national
        .get(format!("{base}/journal.xlsx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(workbook.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "journal").unwrap();
    let milestone = sheet
        .rows()
        .find(|r| r[0].to_string() == numero.to_string())
        .expect("the milestone's entry in the workbook");
    assert_eq!(milestone[3].to_string(), "record_milestone");
}

/// Administration on the web: a pilot sees and manages only its region's accounts; a local account is
/// created without a password and its one-time link sets one; a token is shown once, works, and stops
/// when revoked; disabling an account ends its sessions.
#[tokio::test]
async fn a_pilot_administers_its_regions_accounts_links_and_tokens() {
    let (base, dir) = common::spawn_app_with_own_database().await;
    let store = common::own_store(&dir).await;
    let pilot = client();
    login(&pilot, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await;
    let page = pilot
        .get(format!("{base}/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("pilote-ge@example.gouv.fr"),
        "its region's accounts are listed"
    );
    assert!(
        !page.contains("pilote-hdf@example.gouv.fr"),
        "another region's pilot is not listed"
    );
    assert!(
        !page.contains("national@example.gouv.fr"),
        "nor the national team"
    );
    assert!(
        !page.contains("value=\"operateur:"),
        "a pilot cannot give an operator's profile"
    );
    let csrf = common::hidden(&page, "csrf", "id=\"comptes\"");
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.push(("csrf", csrf.clone()));
        pilot.post(format!("{base}{path}")).form(&form).send()
    };
    // The list is searched (accents and case ignored) and paged.
    let search = |q: &'static str| {
        let pilot = pilot.clone();
        let url = format!("{base}/admin?q={q}");
        async move { common::plain(&pilot.get(url).send().await.unwrap().text().await.unwrap()) }
    };
    let listed = "<span class=\"fr-text--sm\">pilote-ge@example.gouv.fr";
    let found = search("P%C3%8FLOTE-GE").await;
    assert!(
        found.contains(listed),
        "found whatever the accents and case"
    );
    assert!(found.contains("1 compte(s) pour « PÏLOTE-GE »"));
    let none = search("%C3%A9quipe").await;
    assert!(!none.contains(listed) && none.contains("0 compte(s) pour « équipe »"));
    let beyond = pilot
        .get(format!("{base}/admin?page=9"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !beyond.contains("<span class=\"fr-text--sm\">pilote-ge@example.gouv.fr"),
        "page 9 is empty"
    );

    // Out of scope: refused with the reason, nothing written.
    let audit = store.audit_page(0, 100_000).await.unwrap().len();
    let out = post(
        "/admin/comptes",
        vec![
            ("email", "x@example.fr".into()),
            ("nom", "X".into()),
            ("profil", "region:32".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(out.status(), StatusCode::FORBIDDEN);
    let disable_other = post(
        "/admin/comptes/desactiver",
        vec![("email", "pilote-hdf@example.gouv.fr".into())],
    )
    .await
    .unwrap();
    assert_eq!(disable_other.status(), StatusCode::FORBIDDEN);
    assert_eq!(store.audit_page(0, 100_000).await.unwrap().len(), audit);

    // A local account for the industrialist of a binôme, and its link.
    let created = post(
        "/admin/comptes",
        vec![
            ("email", "Industriel@Exemple.fr".into()),
            ("nom", "Alex Industriel".into()),
            ("profil", "territoire:2023-2027/ti-4401".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    let page = created.text().await.unwrap();
    let link = page
        .split("<code id=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(link.contains("/mot-de-passe/"), "{link}");
    let holder = client();
    let url = format!("{base}{}", &link[link.find("/mot-de-passe/").unwrap()..]);
    let form = holder.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("industriel@exemple.fr"));
    let short = holder
        .post(&url)
        .form(&[("password", "court"), ("confirmation", "court")])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    let set = holder
        .post(&url)
        .form(&[
            ("password", "une longue phrase de passe"),
            ("confirmation", "une longue phrase de passe"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(
        holder.get(&url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "a link serves once"
    );
    assert_eq!(
        login(
            &holder,
            &base,
            "industriel@exemple.fr",
            "une longue phrase de passe"
        )
        .await,
        StatusCode::SEE_OTHER
    );

    // Disabling it ends its session at once.
    let disabled = post(
        "/admin/comptes/desactiver",
        vec![("email", "industriel@exemple.fr".into())],
    )
    .await
    .unwrap();
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    let home = holder
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("ti-logout"), "signed out by the disabling");

    // A token, shown once, scoped to the region, revoked.
    let issued = post(
        "/admin/jetons",
        vec![
            ("nom", "sig-grand-est".into()),
            ("profil", "region:44".into()),
            ("jours", "30".into()),
        ],
    )
    .await
    .unwrap();
    let page = issued.text().await.unwrap();
    let secret = page
        .split("<code id=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let line = reqwest::Client::new()
        .post(format!("{base}/api/v1/financements/999999"))
        .bearer_auth(&secret)
        .json(&serde_json::json!({"version": 0, "evenement": "versement", "montant_centimes": 1, "date": "2024-01-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        line.status(),
        StatusCode::NOT_FOUND,
        "the token is accepted (the line does not exist)"
    );
    let page = pilot
        .get(format!("{base}/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&secret), "the secret is never shown again");
    let revoked = post(
        "/admin/jetons/revoquer",
        vec![("nom", "sig-grand-est".into())],
    )
    .await
    .unwrap();
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let after = reqwest::Client::new()
        .post(format!("{base}/api/v1/financements/999999"))
        .bearer_auth(&secret)
        .json(&serde_json::json!({"version": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);

    // Every write under the pilot's name in the audit.
    let actions: Vec<String> = store
        .audit_page(audit as i64, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.actor == "user:pilote-ge@example.gouv.fr")
        .map(|e| e.action)
        .collect();
    for action in [
        "create_user",
        "issue_password_reset",
        "disable_user",
        "issue_token",
        "revoke_token",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}
