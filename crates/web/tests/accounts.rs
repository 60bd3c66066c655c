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
        ("date", "20/06/2024".into()),
    ];
    let response = c
        .post(format!("{url}/gouvernance"))
        .form(&bad_date)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(common::plain(&response.text().await.unwrap()).contains("paramètre « date »"));

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
