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
    let (secret, hash) = territoires_web::access::auth::new_api_token();
    store
        .issue_token(
            "bpi-push",
            &hash,
            &"operateur:bpifrance".parse().unwrap(),
            "2999-01-01T00:00:00Z",
            "test".into(),
        )
        .await
        .unwrap();
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
