//! The write API with tokens: an operator pushes a commitment and a payment; the write lands in the audit
//! under the token's name and its use in the security log; a stale write gets the line as it is now beside
//! what was sent; a token out of its scope, revoked or unknown writes nothing.

mod common;

use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_operator_pushes_its_commitments_with_a_token_and_nothing_else() {
    let (base, db) = common::spawn_app_with_own_database().await;
    common::import_funding(
        &db.path().join("own.db"),
        "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande\n\
         GE2019-4415-HYDROGENE;bpifrance;fa;subvention;FA-2;500 000;2020-02-01\n\
         GE2019-4415-HYDROGENE;region-44;;subvention;R-9;250 000;2020-03-01\n",
    )
    .await;
    let store = common::own_store(&db).await;
    let secret = common::issue_token(&store, "bpi-push", "operateur:bpifrance").await;
    let today = time::OffsetDateTime::now_utc().date();
    let project = store
        .project("GE2019-4415-HYDROGENE", today)
        .await
        .unwrap()
        .unwrap();
    let line = |funder: &str| {
        project
            .lines
            .iter()
            .find(|l| l.line.funder == funder)
            .unwrap()
            .clone()
    };
    let (bpi, region) = (line("bpifrance"), line("region-44"));
    let c = reqwest::Client::new();
    let post = |id: i64, body: serde_json::Value, token: Option<&str>| {
        let mut request = c
            .post(format!("{base}/api/v1/financements/{id}"))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let committed = post(
        bpi.id,
        json!({"version": bpi.version, "evenement": "engagement", "montant_centimes": 40_000_000, "date": "2020-06-01"}),
        Some(&secret),
    )
    .await
    .unwrap();
    assert_eq!(committed.status(), StatusCode::OK);
    let committed: serde_json::Value = committed.json().await.unwrap();
    assert_eq!(committed["committed"], 40_000_000);
    assert_eq!(committed["committed_on"], "2020-06-01");
    let version = committed["version"].as_i64().unwrap();
    assert!(version > bpi.version);

    let paid = post(
        bpi.id,
        json!({"version": version, "evenement": "versement", "montant_centimes": 10_000_000, "date": "2021-01-15"}),
        Some(&secret),
    )
    .await
    .unwrap();
    assert_eq!(paid.status(), StatusCode::OK);

    // The same payment sent again with the old version: 409, the line as it is now beside what was sent.
    let stale = post(
        bpi.id,
        json!({"version": version, "evenement": "versement", "montant_centimes": 20_000_000, "date": "2021-02-15"}),
        Some(&secret),
    )
    .await
    .unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let stale: serde_json::Value = stale.json().await.unwrap();
    assert_eq!(stale["actuelle"]["paid"], 10_000_000);
    assert_eq!(stale["envoyee"]["montant_centimes"], 20_000_000);

    // Refusals write nothing: the region's line (not the operator's), a bad body, no token, a revoked one.
    let audited = store.audit_log(1000).await.unwrap().len();
    let out_of_scope = post(
        region.id,
        json!({"version": region.version, "evenement": "engagement", "montant_centimes": 1, "date": "2020-06-01"}),
        Some(&secret),
    )
    .await
    .unwrap();
    assert_eq!(out_of_scope.status(), StatusCode::FORBIDDEN);
    let bad = post(
        bpi.id,
        json!({"version": version, "evenement": "don", "date": "2021-02-15"}),
        Some(&secret),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let bad: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(bad["field"], "evenement");
    let malformed = post(bpi.id, json!({"evenement": "versement"}), Some(&secret))
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let malformed: serde_json::Value = malformed.json().await.unwrap();
    assert!(
        malformed["error"].as_str().unwrap().contains("version"),
        "{malformed}"
    );
    let anonymous = post(bpi.id, json!({}), None).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    store.revoke_token("bpi-push", "test".into()).await.unwrap();
    let revoked = post(
        bpi.id,
        json!({"version": version + 1, "evenement": "versement", "montant_centimes": 20_000_000, "date": "2021-02-15"}),
        Some(&secret),
    )
    .await
    .unwrap();
    assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
    let audit = store.audit_log(1000).await.unwrap();
    assert_eq!(
        audit.len(),
        audited + 1,
        "only the revocation was written after the refusals"
    );

    let by_token: Vec<_> = audit
        .iter()
        .filter(|e| e.actor == "token:bpi-push")
        .collect();
    assert_eq!(by_token.len(), 2, "the commitment and the payment");
    assert!(by_token.iter().all(|e| e.entity == "funding_line"));
    let log = store.security_log(50).await.unwrap();
    let uses = log
        .iter()
        .filter(|e| e.event == "jeton_utilise" && e.account.as_deref() == Some("bpi-push"))
        .count();
    assert_eq!(uses, 6, "every call with the live token is logged");
    assert_eq!(
        log.iter().filter(|e| e.event == "jeton_refuse").count(),
        1,
        "the revoked token's call"
    );
}

#[tokio::test]
async fn a_territory_team_creates_and_edits_its_fiches_with_a_token_and_every_refusal_names_its_field(
) {
    let (base, db) = common::spawn_app_with_own_database().await;
    common::import_funding(
        &db.path().join("own.db"),
        "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande\n\
         GE2019-4415-HYDROGENE;bpifrance;fa;subvention;FA-2;500 000;2020-02-01\n",
    )
    .await;
    let store = common::own_store(&db).await;
    let token =
        |name: &'static str, profile: &'static str| common::issue_token(&store, name, profile);
    let team = token("outil-epinal", "territoire:2018-2022/ti-4415").await;
    let pilot_hdf = token("outil-hdf", "region:32").await;
    let national = token("outil-anct", "national").await;
    let c = reqwest::Client::new();
    let send = |method: &str, path: &str, body: serde_json::Value, token: &str| {
        let url = format!("{base}{path}");
        let request = match method {
            "PATCH" => c.patch(url),
            _ => c.post(url),
        };
        request.bearer_auth(token).json(&body).send()
    };
    let fiche = json!({
        "code": "EPI-2021-CAMPUS", "phase": "2018-2022", "titre": "Campus de l'industrie du bois",
        "territoires": ["ti-4415"], "axes": ["recruter"], "themes": ["formation", "bois"],
        "statut": "en_preparation", "date_statut": "2021-03-01",
        "porteur_type": "epci", "porteur_nom": "CA d'Épinal", "porteur_identifiant": "245701206",
        "cout_total": 2500000, "emplois_crees_prevus": 30
    });

    // Every problem at once, each with its field; an unknown field is refused, not dropped.
    let bad = send(
        "POST",
        "/api/v1/projets",
        json!({"code": "X Y", "phase": "2018-2022", "titre": "", "territoires": ["ti-44"],
               "statut": "idee", "date_statut": "2021-01-01", "porteur_type": "entreprise",
               "porteur_nom": "A", "porteur_identifiant": "12345678901234"}),
        &team,
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let bad: serde_json::Value = bad.json().await.unwrap();
    let fields: Vec<&str> = bad["erreurs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["champ"].as_str().unwrap())
        .collect();
    for field in ["code", "titre", "territoires", "porteur_identifiant"] {
        assert!(fields.contains(&field), "{field} in {bad}");
    }
    let unknown = send("POST", "/api/v1/projets", json!({"titel": "x"}), &team)
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let unknown: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(unknown["erreurs"][0]["champ"], "titel");

    // Another region's pilot may not create a fiche of Épinal: 403, nothing written.
    let audited = store.audit_log(1000).await.unwrap().len();
    let refused = send("POST", "/api/v1/projets", fiche.clone(), &pilot_hdf)
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(store.audit_log(1000).await.unwrap().len(), audited);

    let created = send("POST", "/api/v1/projets", fiche.clone(), &team)
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: serde_json::Value = created.json().await.unwrap();
    assert_eq!(created["cout_total"], "2500000");
    assert_eq!(created["territoires"], json!(["ti-4415"]));
    let version = created["version"].as_i64().unwrap();
    let again = send("POST", "/api/v1/projets", fiche.clone(), &team)
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "a code is created once"
    );

    // Two tools edit the same version: one saved, the other 409 with the fiche as it is now.
    let mut mine = created.clone();
    mine["titre"] = "Campus du bois et de la forêt".into();
    let mut theirs = created.clone();
    theirs["emplois_crees_prevus"] = 45.into();
    // The address names the fiche: a PATCH need not repeat its code, and its conflict still shows it.
    theirs.as_object_mut().unwrap().remove("code");
    let first = send("PATCH", "/api/v1/projets/EPI-2021-CAMPUS", mine, &team)
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = send(
        "PATCH",
        "/api/v1/projets/EPI-2021-CAMPUS",
        theirs,
        &national,
    )
    .await
    .unwrap();
    assert_eq!(second.status(), StatusCode::CONFLICT);
    let second: serde_json::Value = second.json().await.unwrap();
    assert_eq!(second["actuelle"]["titre"], "Campus du bois et de la forêt");
    assert_eq!(second["actuelle"]["version"], version + 1);
    assert_eq!(second["envoyee"]["emplois_crees_prevus"], 45);

    // A funding line with its commitment, then its request edited; the operator's token sees it.
    let line = send(
        "POST",
        "/api/v1/projets/EPI-2021-CAMPUS/financements",
        json!({"financeur": "bpifrance", "dispositif": "fa", "nature": "subvention",
               "reference_decision": "FA-EPI-1", "montant_demande": "400 000",
               "date_demande": "2021-04-01", "montant_engage": 300000, "date_engagement": "2021-06-01"}),
        &team,
    )
    .await
    .unwrap();
    assert_eq!(line.status(), StatusCode::CREATED);
    let line: serde_json::Value = line.json().await.unwrap();
    assert_eq!(line["committed"], 30_000_000);
    let id = line["id"].as_i64().unwrap();
    let over = send(
        "PATCH",
        &format!("/api/v1/financements/{id}"),
        json!({"version": line["version"], "nature": "subvention", "montant_demande": 200000,
               "date_demande": "2021-04-01"}),
        &team,
    )
    .await
    .unwrap();
    assert_eq!(
        over.status(),
        StatusCode::BAD_REQUEST,
        "a request below its commitment"
    );
    let edited = send(
        "PATCH",
        &format!("/api/v1/financements/{id}"),
        json!({"version": line["version"], "nature": "subvention", "montant_demande": 450000,
               "date_demande": "2021-04-01"}),
        &team,
    )
    .await
    .unwrap();
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: serde_json::Value = edited.json().await.unwrap();
    assert_eq!(edited["requested"], 45_000_000);
    assert_eq!(edited["committed"], 30_000_000);

    // The envelope it draws on cannot shrink below it, and another region's pilot may not touch it.
    let envelopes: serde_json::Value = c
        .get(format!("{base}/api/v1/financeurs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fa44 = envelopes["enveloppes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "fa-44")
        .unwrap()
        .clone();
    let shrink = json!({"version": fa44["version"], "dispositif": "fa", "region": "44",
                        "debut": "2020-01-01", "fin": "2022-12-31", "montant": 1000});
    let by_hdf = send(
        "PATCH",
        "/api/v1/enveloppes/fa-44",
        shrink.clone(),
        &pilot_hdf,
    )
    .await
    .unwrap();
    assert_eq!(by_hdf.status(), StatusCode::FORBIDDEN);
    let shrunk = send("PATCH", "/api/v1/enveloppes/fa-44", shrink, &national)
        .await
        .unwrap();
    assert_eq!(shrunk.status(), StatusCode::BAD_REQUEST);
    let shrunk: serde_json::Value = shrunk.json().await.unwrap();
    assert!(
        shrunk["error"].as_str().unwrap().contains("épuisée"),
        "{shrunk}"
    );

    // Every write is in the audit under its token's name, and in the fiche's history on its page.
    let audit = store.audit_log(1000).await.unwrap();
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .filter(|e| e.actor.starts_with("token:"))
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|(a, _)| *a == "token:outil-epinal")
            .count(),
        4,
        "{actions:?}"
    );
    for action in [
        "create_project",
        "edit_project",
        "create_funding_line",
        "edit_funding_line",
    ] {
        assert!(
            actions.iter().any(|(_, a)| *a == action),
            "{action} in {actions:?}"
        );
    }
    assert!(
        !actions.iter().any(|(a, _)| *a != "token:outil-epinal"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_region_records_a_territory_history_and_posts_with_a_token_append_only() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let store = common::own_store(&db).await;
    let token =
        |name: &'static str, profile: &'static str| common::issue_token(&store, name, profile);
    let ge = token("outil-ge", "region:44").await;
    let hdf = token("outil-hdf", "region:32").await;
    let c = reqwest::Client::new();
    let territory = format!("{base}/api/v1/territoires/2023-2027/ti-4402");
    let post = |what: &str, body: serde_json::Value, token: &str| {
        c.post(format!("{territory}/{what}"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let audited = store.audit_log(1000).await.unwrap().len();

    // Every problem named by its field; an unknown field is refused, not dropped; nothing written.
    let bad = post(
        "jalons",
        json!({"evenement": "inauguration", "date": "31/02/2024", "couleur": "bleu"}),
        &ge,
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["erreurs"][0]["champ"], "couleur");
    let bad = post(
        "jalons",
        json!({"evenement": "inauguration", "date": "31/02/2024"}),
        &ge,
    )
    .await
    .unwrap();
    let body: serde_json::Value = bad.json().await.unwrap();
    let fields: Vec<&str> = body["erreurs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["champ"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["evenement", "date"], "{body}");

    // A milestone with a French date, once; the same again is a conflict.
    let milestone = json!({"evenement": "gouvernance_installee", "date": "15/03/2024", "source": "CR du comité"});
    let created = post("jalons", milestone.clone(), &ge).await.unwrap();
    let created_status = created.status();
    let created_text = created.text().await.unwrap();
    assert_eq!(created_status, StatusCode::CREATED, "{created_text}");
    assert_eq!(
        post("jalons", milestone.clone(), &ge)
            .await
            .unwrap()
            .status(),
        StatusCode::CONFLICT
    );
    // Another region's token writes nothing here.
    assert_eq!(
        post(
            "jalons",
            json!({"evenement": "contrat_signe", "date": "2024-05-02"}),
            &hdf
        )
        .await
        .unwrap()
        .status(),
        StatusCode::FORBIDDEN
    );

    // An appointment, and a post with a co-financing; the same post again writes nothing; a post of that
    // day with another employer is a conflict; its closing is recorded.
    assert_eq!(
        post(
            "gouvernance",
            json!({"role": "chef_de_projet", "date": "2024-04-01", "personne": "Camille Durand", "organisation": "PETR"}),
            &ge
        )
        .await
        .unwrap()
        .status(),
        StatusCode::CREATED
    );
    let job = json!({"employeur": "PETR Cœur de Lorraine", "ouvert_le": "2024-04-01",
        "cofinancements": [{"financeur": "bpifrance", "montant": "40 000", "debut": "2024-04-01", "fin": "2025-03-31"}]});
    let created = post("postes", job.clone(), &ge).await.unwrap();
    let created_status = created.status();
    let created_text = created.text().await.unwrap();
    assert_eq!(created_status, StatusCode::CREATED, "{created_text}");
    assert_eq!(
        post("postes", job.clone(), &ge).await.unwrap().status(),
        StatusCode::OK
    );
    let other = json!({"employeur": "CC Moselle et Madon", "ouvert_le": "2024-04-01"});
    assert_eq!(
        post("postes", other, &ge).await.unwrap().status(),
        StatusCode::CONFLICT
    );
    let unknown_funder = json!({"employeur": "PETR Cœur de Lorraine", "ouvert_le": "2024-04-01",
        "cofinancements": [{"financeur": "mecene", "montant": "1", "debut": "2024-04-01", "fin": "2024-05-01"}]});
    let refused = post("postes", unknown_funder, &ge).await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("mecene"));
    let closed = json!({"employeur": "PETR Cœur de Lorraine", "ouvert_le": "2024-04-01", "ferme_le": "2025-06-30"});
    assert_eq!(
        post("postes", closed, &ge).await.unwrap().status(),
        StatusCode::CREATED
    );

    let (_, detail) = common::get_json(&format!("{territory}?date=2025-01-01")).await;
    assert_eq!(detail["posts"][0]["employer"], "PETR Cœur de Lorraine");
    assert_eq!(detail["posts"][0]["closed_on"], "2025-06-30");
    assert_eq!(
        detail["posts"][0]["cofundings"][0]["amount_cents"],
        4_000_000
    );
    assert_eq!(detail["appointments"][0]["person"], "Camille Durand");
    let record = detail["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "gouvernance_installee")
        .expect("the milestone recorded")["id"]
        .as_i64()
        .unwrap();

    // Withdrawn with its reason, once.
    let withdrawal = json!({"type": "jalon", "enregistrement": record, "date": "2024-06-01", "motif": "saisi sur le mauvais territoire"});
    assert_eq!(
        post("retraits", withdrawal.clone(), &ge)
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        post("retraits", withdrawal, &ge).await.unwrap().status(),
        StatusCode::CONFLICT
    );
    let (_, detail) = common::get_json(&territory).await;
    let m = detail["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == record)
        .unwrap()
        .clone();
    assert_eq!(m["withdrawn_on"], "2024-06-01");

    // Each write audited once under the token's name; refusals wrote nothing.
    let audit = store.audit_log(1000).await.unwrap();
    let by_token: Vec<_> = audit[..audit.len() - audited]
        .iter()
        .filter(|e| e.actor == "token:outil-ge")
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        audit.len() - audited,
        by_token.len(),
        "only the token's writes"
    );
    assert_eq!(
        by_token.len(),
        5,
        "milestone, appointment, post, closing, withdrawal: {by_token:?}"
    );
}

#[tokio::test]
async fn a_fiche_moves_to_its_next_status_through_the_api_with_the_version_read() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let store = common::own_store(&db).await;
    let secret = common::issue_token(&store, "outil-epinal", "territoire:2018-2022/ti-4415").await;
    let c = reqwest::Client::new();
    let url = format!("{base}/api/v1/projets/GE2019-4415-HYDROGENE");
    let fiche: serde_json::Value = c.get(&url).send().await.unwrap().json().await.unwrap();
    let version = fiche["version"].as_i64().expect("the fiche's version");
    let status = |body: serde_json::Value| {
        c.post(format!("{url}/statut"))
            .bearer_auth(&secret)
            .json(&body)
            .send()
    };

    let bad = status(json!({"version": version, "statut": "fini", "date": "hier"}))
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["erreurs"].as_array().unwrap().len(), 2, "{body}");

    let done = status(json!({"version": version, "statut": "engage", "date": "2024-12-31"}))
        .await
        .unwrap();
    let text = done.text().await.unwrap();
    assert!(text.contains("\"version\""), "{text}");
    let stale = status(json!({"version": version, "statut": "abandonne", "date": "2025-01-31"}))
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let body: serde_json::Value = stale.json().await.unwrap();
    assert!(body["actuelle"]["version"].as_i64().unwrap() > version);
}

/// A body over its address's limit is refused before any handler reads it: 413, in French, in JSON.
#[tokio::test]
async fn a_body_over_the_limit_is_refused_in_french() {
    let (base, db) = common::spawn_app_with_own_database().await;
    let token = common::issue_token(&common::own_store(&db).await, "gros", "national").await;
    let title = "x".repeat(3 << 20);
    let response = common::client()
        .post(format!("{base}/api/v1/projets"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "code": "GROS", "titre": title }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], 413);
    assert_eq!(
        body["error"],
        "le contenu envoyé est trop volumineux : 2 Mo au plus à cette adresse"
    );
}
