//! The pages every State site owes its users: accessibility statement, legal notice, personal data,
//! cookies, and the site map.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use crate::access::auth::MaybeSession;
use crate::views::{render, Chrome};
use crate::AppState;
use crate::WebError;

#[derive(Template)]
#[template(path = "info.html")]
struct InfoPage {
    chrome: Chrome,
    sections: Vec<(&'static str, Vec<&'static str>)>,
    links: Vec<(&'static str, &'static str)>,
}

fn page(
    title: &'static str,
    session: &Option<territoires_store::access::accounts::Session>,
    sections: Vec<(&'static str, Vec<&'static str>)>,
    links: Vec<(&'static str, &'static str)>,
) -> Result<Html<String>, WebError> {
    render(InfoPage {
        chrome: Chrome::new(title, "", session).crumb(title, None),
        sections,
        links,
    })
}

/// `/accessibilite`: the accessibility statement, with its compliance level.
pub async fn accessibility(MaybeSession(session): MaybeSession) -> Result<Html<String>, WebError> {
    page(
        "Déclaration d'accessibilité",
        &session,
        vec![
            ("", vec![
                "L'Agence nationale de la cohésion des territoires s'engage à rendre ses sites internet accessibles conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005. Cette déclaration d'accessibilité s'applique au registre Territoires d'industrie.",
            ]),
            ("Établissement de cette déclaration", vec![
                "Cette déclaration a été établie le 23 novembre 2026. Technologies utilisées : HTML, CSS, SVG, JavaScript du système de design de l'État (DSFR).",
            ]),
            ("État de conformité", vec![
                "Le registre Territoires d'industrie est non conforme avec le référentiel général d'amélioration de l'accessibilité (RGAA) version 4.1 : aucun audit de conformité n'a encore été réalisé.",
                "Chaque type de page est néanmoins vérifié automatiquement à chaque version avec l'outil de contrôle axe-core, sans défaut grave ; le site suit le système de design de l'État (DSFR) ; les bilans en PDF sont structurés pour les lecteurs d'écran (norme PDF/UA-1) : titre, langue, intertitres, tableaux à en-têtes, textes de remplacement des cartes et graphiques.",
            ]),
            ("Contenus non accessibles", vec![
                "Les cartes et graphiques des bilans sont des images vectorielles : leurs données sont aussi données en tableaux sur la même page et dans les téléchargements CSV et XLSX.",
            ]),
            ("Retour d'information et contact", vec![
                "Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez l'équipe nationale du programme Territoires d'industrie à l'Agence nationale de la cohésion des territoires (20 avenue de Ségur, 75007 Paris) pour être orienté vers une alternative accessible ou obtenir le contenu sous une autre forme.",
            ]),
            ("Voies de recours", vec![
                "Si vous constatez un défaut d'accessibilité vous empêchant d'accéder à un contenu ou une fonctionnalité du site, que vous nous le signalez et que vous ne parvenez pas à obtenir une réponse de notre part, vous êtes en droit de faire parvenir vos doléances ou une demande de saisine au Défenseur des droits : par le formulaire en ligne du Défenseur des droits, en contactant le délégué du Défenseur des droits dans votre région, ou par courrier (gratuit, sans affranchissement) à Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.",
            ]),
        ],
        vec![],
    )
}

/// `/mentions-legales`
pub async fn legal(MaybeSession(session): MaybeSession) -> Result<Html<String>, WebError> {
    page(
        "Mentions légales",
        &session,
        vec![
            ("Éditeur", vec!["Agence nationale de la cohésion des territoires (ANCT), pour le programme Territoires d'industrie."]),
            ("Hébergement", vec!["Le registre est un logiciel autonome : il est hébergé par l'administration qui le déploie, sur ses propres serveurs, avec sa base de données."]),
            ("Réutilisation des données", vec![
                "Les données publiées (territoires, périmètres, jalons, projets, financements, bilans) sont réutilisables sous licence Etalab 2.0, en citant la source et la date de mise à jour.",
                "Sources : ANCT (listes des Territoires d'industrie, Licence Ouverte 2.0), Etalab (Code officiel géographique 2026, Licence Ouverte), saisies des équipes du programme.",
            ]),
            ("Système de design", vec!["Le site utilise le système de design de l'État (DSFR), embarqué dans le logiciel : aucune ressource n'est chargée depuis un autre site."]),
        ],
        vec![],
    )
}

/// `/donnees-personnelles`
pub async fn personal_data(MaybeSession(session): MaybeSession) -> Result<Html<String>, WebError> {
    page(
        "Données personnelles",
        &session,
        vec![
            ("Données traitées", vec![
                "Comptes des agents et partenaires du programme : adresse électronique, nom, profil (périmètre des droits), empreinte du mot de passe (argon2id) ; sessions (empreinte du jeton, date d'expiration).",
                "Gouvernance des territoires : noms des membres des binômes élu–industriel et des chefs de projet, et leur organisation, au titre de leur fonction.",
                "Journal d'audit : chaque modification, avec l'adresse électronique de son auteur, la date, l'état avant et après.",
            ]),
            ("Finalité et base légale", vec!["Piloter le programme Territoires d'industrie et en publier les bilans : mission d'intérêt public de l'ANCT."]),
            ("Durée de conservation", vec!["Les comptes sont conservés tant que leur titulaire participe au programme ; le journal d'audit est conservé pour la durée du programme, les bilans passés devant rester reproductibles."]),
            ("Vos droits", vec!["Vous pouvez accéder aux données vous concernant, les rectifier ou demander leur effacement en contactant l'équipe nationale du programme (ANCT) ; vous pouvez saisir la CNIL."]),
        ],
        vec![],
    )
}

/// `/cookies`
pub async fn cookies(MaybeSession(session): MaybeSession) -> Result<Html<String>, WebError> {
    page(
        "Gestion des cookies",
        &session,
        vec![("", vec![
            "Ce site ne dépose aucun cookie de mesure d'audience ni de publicité, et ne charge aucune ressource tierce.",
            "Deux cookies strictement nécessaires sont déposés, exemptés de consentement : le cookie de session, après connexion (HttpOnly), et le cookie anti-falsification de requête du formulaire de connexion.",
        ])],
        vec![],
    )
}

/// `/plan-du-site`
pub async fn site_map(MaybeSession(session): MaybeSession) -> Result<Html<String>, WebError> {
    page(
        "Plan du site",
        &session,
        vec![],
        vec![
            ("/", "Accueil : le programme en chiffres et sur une carte"),
            (
                "/territoires",
                "Territoires : liste, recherche, téléchargements",
            ),
            ("/regions", "Régions"),
            ("/epci", "EPCI et EPT"),
            ("/projets", "Projets (fiches actions)"),
            (
                "/bilan",
                "Bilans : chiffres, cartes, graphiques, téléchargements",
            ),
            (
                "/donnees",
                "Données ouvertes : jeux de données aux schémas nationaux",
            ),
            ("/api", "API"),
            ("/api/explorateur", "Explorateur de l'API"),
            ("/connexion", "Connexion"),
            ("/accessibilite", "Déclaration d'accessibilité"),
            ("/mentions-legales", "Mentions légales"),
            ("/donnees-personnelles", "Données personnelles"),
            ("/cookies", "Gestion des cookies"),
        ],
    )
}

#[derive(Template)]
#[template(path = "api.html")]
struct ApiPage {
    chrome: Chrome,
    /// Method, path, what it does, its parameters.
    endpoints: Vec<(&'static str, String, String, String)>,
    /// API requests an address may make per minute.
    per_minute: u32,
}

/// `/api`: every endpoint of the OpenAPI document, with what it does and its parameters.
pub async fn api_page(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
) -> Result<Html<String>, WebError> {
    use utoipa::OpenApi;
    let doc = crate::api::ApiDoc::openapi();
    let mut endpoints = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PATCH", &item.patch),
        ] {
            let Some(op) = op else { continue };
            let mut params: Vec<String> = op
                .parameters
                .iter()
                .flatten()
                .map(|p| p.name.clone())
                .collect();
            if op.request_body.is_some() {
                params.push("corps JSON".into());
            }
            endpoints.push((
                method,
                path.clone(),
                op.summary.clone().unwrap_or_default(),
                params.join(", "),
            ));
        }
    }
    render(ApiPage {
        chrome: Chrome::new("API", "api", &session).crumb("API", None),
        endpoints,
        per_minute: state
            .options
            .api_requests_per_minute
            .unwrap_or(crate::access::rate::DEFAULT_PER_MINUTE)
            .get(),
    })
}

#[derive(Template)]
#[template(path = "explorer.html")]
struct ExplorerPage {
    chrome: Chrome,
}

/// `/api/explorateur`: Swagger UI, vendored, on the API's own document.
pub async fn api_explorer(MaybeSession(session): MaybeSession) -> Result<Html<String>, WebError> {
    render(ExplorerPage {
        chrome: Chrome::new("Explorateur de l'API", "api", &session)
            .crumb("API", Some("/api".into()))
            .crumb("Explorateur", None),
    })
}
