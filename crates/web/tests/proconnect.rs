//! Sign-in with ProConnect against a real OpenID Connect provider: npm `oidc-provider` (what ProConnect's
//! own identity provider runs on), mounted under `/api/v2` with ProConnect's scopes and claims, userinfo
//! signed as a JWT, started by this test (installed by `scripts/test`). The whole journey: an unknown agent
//! becomes an access request, another region's pilot may not grant it, its region's pilot does, the agent
//! signs in, edits their territory, and signs out at the provider too.

mod common;

use common::{client, hidden, login, site_with_provider};
use reqwest::StatusCode;
use url::Url;

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("a redirect, got {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

fn absolute(base: &Url, location: &str) -> Url {
    base.join(location).unwrap()
}

/// Signs in at the provider as `email`, from the site's `/connexion/proconnect`: follows the provider's
/// redirects and fills its sign-in form, and returns the site's callback URL the provider sends back to
/// (not yet visited).
async fn through_provider(c: &reqwest::Client, base: &str, email: &str) -> Url {
    let start = c
        .get(format!(
            "{base}/connexion/proconnect?next=/territoires/2023-2027/ti-4415"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let mut url = Url::parse(&location(&start)).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert!(query["state"].len() >= 32, "state of 32+ characters");
    assert!(query["nonce"].len() >= 32, "nonce of 32+ characters");
    assert_eq!(query["code_challenge_method"], "S256");
    let scopes: Vec<&str> = query["scope"].split(' ').collect();
    for scope in [
        "openid",
        "given_name",
        "usual_name",
        "email",
        "uid",
        "siret",
    ] {
        assert!(scopes.contains(&scope), "scope {scope} asked");
    }
    for _ in 0..10 {
        if url.as_str().starts_with(base) {
            return url;
        }
        let response = c.get(url.clone()).send().await.unwrap();
        if response.status() == StatusCode::OK {
            let page = response.text().await.unwrap();
            assert!(
                page.contains("name=\"email\""),
                "the provider's sign-in form: {page}"
            );
            let action = page
                .split("action=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap()
                .to_owned();
            let posted = c
                .post(absolute(&url, &action))
                .form(&[("email", email)])
                .send()
                .await
                .unwrap();
            url = absolute(&url, &location(&posted));
        } else {
            url = absolute(&url, &location(&response));
        }
    }
    panic!("the provider never sent the browser back");
}

async fn sign_in_with_proconnect(
    c: &reqwest::Client,
    base: &str,
    email: &str,
) -> reqwest::Response {
    let back = through_provider(c, base, email).await;
    c.get(back).send().await.unwrap()
}

async fn admin_page(c: &reqwest::Client, base: &str) -> String {
    c.get(format!("{base}/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Posts a decision on access request `id` from `/admin`, with the page's CSRF token.
async fn decide(
    c: &reqwest::Client,
    base: &str,
    id: i64,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = hidden(&admin_page(c, base).await, "csrf", "id=\"demandes\"");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    c.post(format!("{base}/admin/demandes/{id}"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_agent_requests_access_gets_it_from_its_regions_pilot_edits_and_signs_out_at_the_provider(
) {
    let (base, dir, _provider) = site_with_provider().await;
    let store = common::own_store(&dir).await;
    let agent = client();

    let login_page = agent
        .get(format!("{base}/connexion"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login_page.contains("fr-connect--pro"),
        "the ProConnect button"
    );

    // First sign-in: unknown to the platform, an access request with ProConnect's claims.
    let first = sign_in_with_proconnect(&agent, &base, "camille.martin@anct.gouv.fr").await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first
        .headers()
        .get("set-cookie")
        .is_none_or(|c| !c.to_str().unwrap().starts_with("ti_session=")));
    let page = first.text().await.unwrap();
    assert!(
        page.contains("Demande d&#39;accès enregistrée")
            || page.contains("Demande d'accès enregistrée"),
        "{page}"
    );
    let requests = store.access_requests(10).await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.email, "camille.martin@anct.gouv.fr");
    assert_eq!(
        request.name, "Camille MARTIN",
        "given_name and usual_name from userinfo"
    );
    assert_eq!(request.siret.as_deref(), Some("13002526500013"));
    assert_eq!(request.status, "en_attente");

    // Again before a decision: still waiting, no second request.
    let again = sign_in_with_proconnect(&agent, &base, "camille.martin@anct.gouv.fr").await;
    assert!(again.text().await.unwrap().contains("attend encore"));
    assert_eq!(store.access_requests(10).await.unwrap().len(), 1);

    // The pilot of Hauts-de-France sees it but may not grant a Grand Est territory: nothing changes.
    let hdf = client();
    assert_eq!(
        login(&hdf, &base, "pilote-hdf@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    assert!(admin_page(&hdf, &base)
        .await
        .contains("camille.martin@anct.gouv.fr"));
    let audit_before = store.audit_page(0, 100_000).await.unwrap().len();
    let grant = [
        ("decision", "accorder"),
        ("profil", "territoire:2023-2027/ti-4415"),
    ];
    let refused = decide(&hdf, &base, request.id, &grant).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(common::plain(&refused.text().await.unwrap()).contains("ne permet pas d"));
    assert_eq!(
        store.access_requests(10).await.unwrap()[0].status,
        "en_attente"
    );
    assert_eq!(
        store.audit_page(0, 100_000).await.unwrap().len(),
        audit_before,
        "a refused decision leaves no audit row"
    );

    // The pilot of Grand Est grants it.
    let ge = client();
    assert_eq!(
        login(&ge, &base, "pilote-ge@example.gouv.fr", common::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let granted = decide(&ge, &base, request.id, &grant).await;
    assert_eq!(granted.status(), StatusCode::SEE_OTHER);
    let audit = store.audit_page(0, 100_000).await.unwrap();
    let actions: Vec<_> = audit[audit_before..]
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("user:pilote-ge@example.gouv.fr", "create_user"),
            ("user:pilote-ge@example.gouv.fr", "grant_access")
        ]
    );

    // The agent signs in, lands where they were going, and records a milestone of their territory.
    let signed_in = sign_in_with_proconnect(&agent, &base, "camille.martin@anct.gouv.fr").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_in), "/territoires/2023-2027/ti-4415");
    let url = format!("{base}/territoires/2023-2027/ti-4415");
    let page = agent.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Camille MARTIN"),
        "the header names the agent"
    );
    let csrf = hidden(&page, "csrf", "id=\"form-jalon\"");
    let saved = agent
        .post(format!("{url}/jalons"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("evenement", "plan_actions_valide"),
            ("date", "2025-03-12"),
            ("precision", "exacte"),
            ("source", "Délibération du conseil régional"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let last = store.audit_page(0, 100_000).await.unwrap().pop().unwrap();
    assert_eq!(last.actor, "user:camille.martin@anct.gouv.fr");
    assert!(
        agent
            .post(format!("{base}/territoires/2023-2027/ti-4401/jalons"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("evenement", "plan_actions_valide"),
                ("date", "2025-03-12"),
                ("precision", "exacte")
            ])
            .send()
            .await
            .unwrap()
            .status()
            == StatusCode::FORBIDDEN,
        "another territory is out of the agent's scope"
    );

    // Sign-out ends the session here and at the provider (end-session with the ID token as hint).
    let out = agent
        .post(format!("{base}/deconnexion"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let end_session = Url::parse(&location(&out)).unwrap();
    assert!(
        end_session.path().ends_with("/api/v2/session/end"),
        "{end_session}"
    );
    let query: std::collections::HashMap<_, _> = end_session.query_pairs().into_owned().collect();
    assert_eq!(query["post_logout_redirect_uri"], format!("{base}/"));
    assert_eq!(query["id_token_hint"].split('.').count(), 3, "a JWT hint");
    let provider_page = agent.get(end_session.clone()).send().await.unwrap();
    assert_eq!(
        provider_page.status(),
        StatusCode::OK,
        "the provider accepts the hint"
    );
    let page = provider_page.text().await.unwrap();
    let xsrf = hidden(&page, "xsrf", "<form");
    let action = page
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let confirmed = agent
        .post(absolute(&end_session, action))
        .form(&[("xsrf", xsrf.as_str()), ("logout", "yes")])
        .send()
        .await
        .unwrap();
    let home = location(&confirmed);
    assert!(
        home.starts_with(&format!("{base}/?state=")),
        "back to the site: {home}"
    );
    let after = agent.get(format!("{base}/admin")).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::FORBIDDEN, "signed out");

    let log = store.security_log(50).await.unwrap();
    let events: Vec<_> = log.iter().map(|e| e.event.as_str()).collect();
    for event in ["demande_acces", "acces_accorde", "connexion", "deconnexion"] {
        assert!(
            events.contains(&event),
            "{event} in the security log: {events:?}"
        );
    }
    assert!(log
        .iter()
        .any(|e| e.event == "connexion" && e.detail.as_deref() == Some("proconnect")));
}

#[tokio::test]
async fn forged_replayed_and_refused_answers_sign_nobody_in() {
    let (base, dir, _provider) = site_with_provider().await;
    let store = common::own_store(&dir).await;
    let c = client();
    let back = through_provider(&c, &base, "dominique.durand@anct.gouv.fr").await;

    // Another browser (without the state's cookie) cannot use the answer.
    let other = client();
    let stolen = other.get(back.clone()).send().await.unwrap();
    assert_eq!(stolen.status(), StatusCode::BAD_REQUEST);
    assert!(stolen
        .text()
        .await
        .unwrap()
        .contains("commencée dans ce navigateur"));

    // The genuine answer works once (an access request), and never again.
    assert_eq!(
        c.get(back.clone()).send().await.unwrap().status(),
        StatusCode::OK
    );
    let replay = c.get(back).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);

    // A state that does not match the browser's.
    let back = through_provider(&c, &base, "dominique.durand@anct.gouv.fr").await;
    let mut forged = back.clone();
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    forged.set_query(Some(&format!("code={code}&state={}", "x".repeat(43))));
    assert_eq!(
        c.get(forged).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );

    // The provider's error is told, and logged.
    let denied = c
        .get(format!(
            "{base}/connexion/proconnect/retour?error=access_denied&error_description=refus"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::BAD_REQUEST);
    assert!(denied.text().await.unwrap().contains("access_denied"));

    // A refused request is told with its reason at the next sign-in.
    let national = client();
    login(
        &national,
        &base,
        "national@example.gouv.fr",
        common::PASSWORD,
    )
    .await;
    let id = store.access_requests(10).await.unwrap()[0].id;
    let empty_reason = decide(
        &national,
        &base,
        id,
        &[("decision", "refuser"), ("motif", " ")],
    )
    .await;
    assert_eq!(
        empty_reason.status(),
        StatusCode::BAD_REQUEST,
        "a refusal owes a reason"
    );
    let refusal = [("decision", "refuser"), ("motif", "Agent hors programme")];
    assert_eq!(
        decide(&national, &base, id, &refusal).await.status(),
        StatusCode::SEE_OTHER
    );
    let refused = sign_in_with_proconnect(&c, &base, "dominique.durand@anct.gouv.fr").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Agent hors programme"));
    let failures = store
        .security_log(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "echec_proconnect")
        .count();
    assert!(failures >= 4, "{failures} failures logged");
}
