//! Authorisation, proved on the running site: every route of the route table, for every profile, on a
//! record in its scope and on one out of it. What each call may do is asked of the domain's policy; the
//! site must answer accordingly (403 exactly when refused). A route whose parameters this test does not
//! know how to fill fails it, so a new route is covered as soon as it is added.

mod common;

use common::{client, login};
use reqwest::StatusCode;
use territoires_domain::access::routes::Rule;
use territoires_domain::access::Profile;
use territoires_domain::ids::TerritoryId;
use territoires_domain::portfolio::project::Project;
use territoires_web::ROUTES;

/// What a call is about, to ask the policy what the caller may do.
enum Subject {
    Nothing,
    Territory(territoires_domain::phase::Phase, TerritoryId),
    Project(Project),
    Line(Project, String),
    /// An envelope of a region (`None`: national).
    Envelope(Option<territoires_domain::ids::RegionCode>),
}

/// One call of a route: its address, the form it posts, and what it is about.
struct Call {
    url: String,
    form: Vec<(&'static str, String)>,
    subject: Subject,
}

/// Whether the policy lets `profile` (none: signed out) make a call of `rule` about `subject`.
fn allowed(profile: Option<&Profile>, rule: Rule, subject: &Subject) -> bool {
    match (rule, profile, subject) {
        (Rule::Public, _, _) => true,
        (_, None, _) => false,
        (Rule::EditTerritory, Some(p), Subject::Territory(phase, id)) => {
            p.may_edit_territory(*phase, id)
        }
        (Rule::EditProject, Some(p), Subject::Project(project)) => p.may_edit_project(project),
        (Rule::EditProject, Some(p), Subject::Nothing) => p.may_create_projects(),
        (Rule::RecordFunding, Some(p), Subject::Project(project)) => p.may_add_funding(project),
        (Rule::ManageEnvelopes, Some(p), Subject::Nothing) => p.may_manage_envelopes(),
        (Rule::ManageEnvelopes, Some(p), Subject::Envelope(region)) => {
            p.may_manage_envelope(region.as_ref())
        }
        (Rule::RecordFunding, Some(p), Subject::Line(project, funder)) => {
            p.may_record_funding(project, funder)
        }
        (Rule::NationalTeam, Some(p), Subject::Nothing) => *p == Profile::National,
        (Rule::Administer, Some(p), Subject::Nothing) => p.administers(),
        (rule, _, _) => panic!("no subject for a route of rule {rule:?}"),
    }
}

const TERRITORIES: [(&str, &str); 3] = [
    ("2023-2027", "ti-4401"),
    ("2023-2027", "ti-3201"),
    ("2018-2022", "ti-4415"),
];
const PROJECTS: [&str; 2] = ["GE2019-4415-HYDROGENE", "GE2019-4411-GHOST"];

#[tokio::test]
async fn every_route_answers_as_the_policy_decides_for_every_profile_in_and_out_of_scope() {
    let (base, db) = common::spawn_app_with_own_database().await;
    common::import_funding(
        &db.path().join("own.db"),
        "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande\n\
         GE2019-4411-GHOST;bpifrance;fa;subvention;FA-1;700 000;2020-02-01\n\
         GE2019-4415-HYDROGENE;bpifrance;fa;subvention;FA-2;500 000;2020-02-01\n\
         GE2019-4415-HYDROGENE;region-44;;subvention;R-9;250 000;2020-03-01\n",
    )
    .await;
    let store = common::own_store(&db).await;
    store
        .create_user(
            "equipe-4415@example.gouv.fr",
            "Équipe Épinal",
            &territoires_web::access::auth::hash_password(common::PASSWORD),
            &"territoire:2018-2022/ti-4415".parse().unwrap(),
            "test".into(),
        )
        .await
        .unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let mut projects = Vec::new();
    for code in PROJECTS {
        projects.push(store.project(code, today).await.unwrap().unwrap());
    }

    // Every call of every route, its parameters filled with records in and out of each scope.
    let mut calls: Vec<(&territoires_web::Route, Call)> = Vec::new();
    for route in ROUTES {
        let params: Vec<&str> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let mut made: Vec<(String, Subject)> = Vec::new();
        match params.as_slice() {
            [] => made.push((route.path.to_owned(), Subject::Nothing)),
            ["phase", "id"] => {
                for (phase, id) in TERRITORIES {
                    made.push((
                        route.path.replace("{phase}", phase).replace("{id}", id),
                        Subject::Territory(phase.parse().unwrap(), TerritoryId::parse(id).unwrap()),
                    ));
                }
            }
            ["code"] if route.path.starts_with("/projets/") || route.path.starts_with("/api/v1/projets/") => {
                for p in &projects {
                    made.push((
                        route.path.replace("{code}", &p.summary.project.code),
                        Subject::Project(p.summary.project.clone()),
                    ));
                }
            }
            ["id"] if route.path.starts_with("/api/v1/financements/") => {
                for p in &projects {
                    for line in &p.lines {
                        made.push((
                            route.path.replace("{id}", &line.id.to_string()),
                            Subject::Line(p.summary.project.clone(), line.line.funder.clone()),
                        ));
                    }
                }
            }
            ["code", "id"] if route.path.contains("/financements/") => {
                for p in &projects {
                    for line in &p.lines {
                        made.push((
                            route
                                .path
                                .replace("{code}", &p.summary.project.code)
                                .replace("{id}", &line.id.to_string()),
                            Subject::Line(p.summary.project.clone(), line.line.funder.clone()),
                        ));
                    }
                }
            }
            ["code"] if route.path.contains("financeurs/") => {
                made.push((route.path.replace("{code}", "bpifrance"), Subject::Nothing))
            }
            ["code"] if route.path.contains("dispositifs/") => {
                made.push((route.path.replace("{code}", "fa"), Subject::Nothing))
            }
            // fa-44, Grand Est's envelope: only the national team and Grand Est's pilot may change it.
            ["code"] if route.path.contains("enveloppes/") => made.push((
                route.path.replace("{code}", "fa-44"),
                Subject::Envelope(Some(territoires_domain::ids::RegionCode::parse("44").unwrap())),
            )),
            ["code"] if route.path.starts_with("/regions/") => {
                made.push((route.path.replace("{code}", "44"), Subject::Nothing))
            }
            ["code"] if route.path.starts_with("/api/v1/communes/") => {
                made.push((route.path.replace("{code}", "88160"), Subject::Nothing))
            }
            ["fichier"] => made.push((
                route.path.replace("{fichier}", "projets.csv"),
                Subject::Nothing,
            )),
            ["jeton"] => made.push((route.path.replace("{jeton}", "inconnu"), Subject::Nothing)),
            ["id"] if route.path.starts_with("/imports/") || route.path.starts_with("/api/v1/imports/") => {
                made.push((route.path.replace("{id}", "inconnu"), Subject::Nothing))
            }
            ["id"] if route.path.starts_with("/admin/demandes/") => {
                made.push((route.path.replace("{id}", "1"), Subject::Nothing))
            }
            ["siren"] => made.push((route.path.replace("{siren}", "200068120"), Subject::Nothing)),
            // A brownfield's page reads for anyone; the fixture holds none, so this one is unknown.
            ["site_id"] => made.push((route.path.replace("{site_id}", "57463_1"), Subject::Nothing)),
            ["*path"] => made.push((
                route.path.replace("{*path}", "dsfr/dsfr.min.css"),
                Subject::Nothing,
            )),
            other => panic!(
                "{} {}: no sample for its parameters {other:?}; teach this test what to fill them with",
                route.method, route.path
            ),
        }
        for (url, subject) in made {
            // Complete forms, so that a refusal can only come from authorisation: an allowed call is
            // refused for its stale version (409) or an incomplete form, never with 403.
            let form = match route.rule {
                Rule::EditProject => vec![
                    ("version", "0".to_owned()),
                    ("statut", "engage".to_owned()),
                    ("date", "2024-01-01".to_owned()),
                ],
                Rule::RecordFunding => vec![
                    ("version", "0".to_owned()),
                    ("evenement", "versement".to_owned()),
                    ("montant", "1".to_owned()),
                    ("date", "2024-01-01".to_owned()),
                ],
                _ => Vec::new(),
            };
            calls.push((route, Call { url, form, subject }));
        }
    }
    // Signing out last, so that each profile keeps its session through the others.
    calls.sort_by_key(|(route, _)| route.path == "/deconnexion");

    let profiles: [Option<&str>; 6] = [
        None,
        Some("national@example.gouv.fr"),
        Some("pilote-ge@example.gouv.fr"),
        Some("pilote-hdf@example.gouv.fr"),
        Some("equipe-4415@example.gouv.fr"),
        Some("bpifrance@example.gouv.fr"),
    ];
    let mut checked = 0;
    let mut refused = 0;
    for email in profiles {
        let c = client();
        // On the site a session and its CSRF token; under /api/ a token of the same profile.
        let (profile, csrf, token) = match email {
            None => (None, "x".to_owned(), None),
            Some(email) => {
                assert_eq!(
                    login(&c, &base, email, common::PASSWORD).await,
                    StatusCode::SEE_OTHER
                );
                let home = c
                    .get(format!("{base}/"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                let profile = store
                    .user_credentials(email)
                    .await
                    .unwrap()
                    .unwrap()
                    .0
                    .profile;
                let (secret, hash) = territoires_web::access::auth::new_api_token();
                store
                    .issue_token(
                        email,
                        &hash,
                        &profile,
                        "2999-01-01T00:00:00Z",
                        "test".into(),
                    )
                    .await
                    .unwrap();
                (
                    Some(profile),
                    common::hidden(&home, "csrf", "ti-logout"),
                    Some(secret),
                )
            }
        };
        for (route, call) in &calls {
            let url = format!("{base}{}", call.url);
            let response = match route.method {
                "GET" => {
                    // HEAD follows its GET's rule (monitors and link checkers send it).
                    // Under /api/, a token says who asks (public reads ignore it).
                    let with_token = |request: reqwest::RequestBuilder| match &token {
                        Some(token) if route.path.starts_with("/api/") => {
                            request.bearer_auth(token)
                        }
                        _ => request,
                    };
                    let head = with_token(c.head(&url)).send().await.unwrap().status();
                    let get = with_token(c.get(&url)).send().await.unwrap();
                    assert_eq!(
                        head == StatusCode::FORBIDDEN,
                        get.status() == StatusCode::FORBIDDEN,
                        "HEAD {} answers as its GET",
                        call.url
                    );
                    get
                }
                "POST" | "PATCH" | "PUT" if route.path.starts_with("/api/") => {
                    let body: serde_json::Map<String, serde_json::Value> = call
                        .form
                        .iter()
                        .map(|(k, v)| match *k {
                            "version" => (k.to_string(), v.parse::<i64>().unwrap().into()),
                            "montant" => ("montant_centimes".into(), 100.into()),
                            _ => (k.to_string(), v.clone().into()),
                        })
                        .collect();
                    let mut request = match route.method {
                        "PATCH" => c.patch(&url),
                        "PUT" => c.put(&url),
                        _ => c.post(&url),
                    }
                    .json(&body);
                    if let Some(token) = &token {
                        request = request.bearer_auth(token);
                    }
                    request.send().await.unwrap()
                }
                "POST" => {
                    let mut form = call.form.clone();
                    form.push(("csrf", csrf.clone()));
                    if route.path == "/connexion" {
                        form.push(("email", "personne@example.gouv.fr".into()));
                        form.push(("password", "mauvais".into()));
                    }
                    c.post(&url).form(&form).send().await.unwrap()
                }
                other => panic!("{other} {}: a method this test does not send", route.path),
            };
            let status = response.status();
            let who = email.unwrap_or("signed out");
            assert!(
                !status.is_server_error(),
                "{who}: {} {} answered {status}",
                route.method,
                call.url
            );
            let expected = allowed(profile.as_ref(), route.rule, &call.subject);
            let is_login_without_its_cookie = route.path == "/connexion" && route.method == "POST";
            if expected && !is_login_without_its_cookie {
                assert_ne!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{who} may {} {}",
                    route.method,
                    call.url
                );
            } else if !expected {
                // Under /api/, no token at all is 401 (who are you?); a token out of scope, 403.
                let refusal = match (route.path.starts_with("/api/"), &token) {
                    (true, None) => StatusCode::UNAUTHORIZED,
                    _ => StatusCode::FORBIDDEN,
                };
                assert_eq!(
                    status, refusal,
                    "{who} may not {} {}",
                    route.method, call.url
                );
                refused += 1;
            }
            checked += 1;
        }
    }
    assert!(
        refused > 0 && checked > refused,
        "both decisions were exercised ({refused} refused of {checked})"
    );
    // Nothing refused was written: the portfolio and the registry still have no change from these calls.
    assert!(
        store
            .audit_log(1000)
            .await
            .unwrap()
            .iter()
            .all(|e| !e.actor.starts_with("user:") && !e.actor.starts_with("token:")),
        "no call of this test may have written (allowed ones were stale or incomplete)"
    );
}
