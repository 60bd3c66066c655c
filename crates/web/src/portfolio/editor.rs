//! Creating and editing fiches actions and their funding lines on the site: the forms and their saves.
//! Handlers parse, ask the domain to read the draft and the store to save it, and render; the store
//! decides scope on the record itself.

use axum::http::StatusCode;
use axum::response::Response;
use territoires_domain::draft::FieldErrors;
use territoires_domain::phase::Phase;
use territoires_domain::portfolio::drafts::{LineDraft, ProjectDraft};
use territoires_domain::portfolio::funding::{Instrument, PaymentTerms};
use territoires_domain::portfolio::project::{HolderKind, Project, ProjectStatus};
use territoires_store::access::accounts::Session;
use territoires_store::access::Author;
use territoires_store::portfolio::{FundingReferential, Save};
use territoires_store::registry::territories::TerritoryQuery;

use super::{check_scope, funder_options, line_in_scope, stored_project, today};
use crate::access::auth::{actor, check_csrf, SignedIn};
use crate::access::Seen;
use crate::forms::{
    differences, saved, version_read, ConflictView, Field, FormPage, Posted, Refusal, Section,
};
use crate::params::{urlencode, PathParams};
use crate::views::{Choice, Chrome};
use crate::{AppState, WebError};

fn project_href(code: &str) -> String {
    format!("/projets/{}", urlencode(code))
}

/// The labels of a fiche action's fields, for the conflict table.
fn project_label(field: &str) -> Option<&'static str> {
    Some(match field {
        "title" => "Titre",
        "description" => "Description",
        "territories" => "Territoires",
        "axes" => "Axes",
        "themes" => "Thèmes",
        "holder" => "Porteur",
        "total_cost" => "Coût total",
        "expected" => "Résultats prévus",
        "measured" => "Résultats constatés",
        "source" => "Source",
        "not_yet_public" => "Pas encore publique",
        "history" => "Statuts",
        _ => return None,
    })
}

/// The territories the user may carry projects for, as suggestions.
async fn territory_choices(state: &AppState, session: &Session) -> Result<Vec<Choice>, WebError> {
    let all = state
        .store
        .territories(&TerritoryQuery::all(today()))
        .await?;
    Ok(all
        .items
        .iter()
        .filter(|t| {
            let phase: Phase = t.territory.phase.parse().unwrap_or(Phase::Second);
            territoires_domain::ids::TerritoryId::parse(&t.territory.id)
                .is_ok_and(|id| session.user.profile.may_edit_territory(phase, &id))
        })
        .map(|t| Choice {
            value: t.territory.id.clone(),
            label: format!("{} ({})", t.territory.name, t.territory.phase),
            selected: false,
        })
        .collect())
}

/// The form of a fiche action: `stored` for an edit (code and phase fixed, no initial status).
async fn project_form(
    state: &AppState,
    session: &Session,
    draft: &ProjectDraft,
    stored: Option<&Project>,
) -> Result<FormPage, WebError> {
    let editing = stored.is_some();
    let (title, action, back) = match stored {
        Some(p) => (
            format!("Modifier la fiche action {}", p.code),
            format!("{}/modifier", project_href(&p.code)),
            project_href(&p.code),
        ),
        None => (
            "Nouvelle fiche action".to_owned(),
            "/projets".to_owned(),
            "/projets".to_owned(),
        ),
    };
    let chrome = Chrome::new(title.clone(), "projets", &Some(session.clone()))
        .crumb("Projets", Some("/projets".into()))
        .crumb(title, None);
    let mut page = FormPage::new(chrome, session, action, back);
    page.version = draft.version;
    page.intro = "Les champs marqués * sont obligatoires. Un résultat non renseigné reste « non renseigné » dans les bilans, jamais zéro.".into();
    let axes = Phase::ALL.into_iter().flat_map(|phase| {
        phase.axes().iter().map(move |a| {
            (
                a.code().to_owned(),
                format!("{} — {}", a.label(), phase.label()),
            )
        })
    });
    let mut identity = vec![Field::text("code", "Code", &draft.code)
        .hint("Unique et stable, sans espace (ex. GE-2024-HYDRO)")
        .required()
        .readonly(editing)];
    if !editing {
        identity.push(
            Field::select(
                "phase",
                "Phase",
                &draft.phase,
                None,
                Phase::ALL
                    .into_iter()
                    .rev()
                    .map(|p| (p.slug().to_owned(), p.label().to_owned())),
            )
            .required(),
        );
    }
    identity.extend([
        Field::text("titre", "Titre", &draft.titre).required(),
        Field::text("description", "Description", &draft.description).kind("textarea"),
        Field::text(
            "territoires",
            "Territoires porteurs",
            &draft.territoires.join(", "),
        )
        .hint("Identifiants séparés par des virgules (ex. ti-4401, ti-4402)")
        .required()
        .list("territoires-possibles"),
        Field::checks("axes", "Axes du plan d'actions", &draft.axes, axes)
            .hint("Ceux de la phase du projet"),
        Field::text("themes", "Thèmes", &draft.themes.join(", "))
            .hint("Mots séparés par des virgules (ex. hydrogène, friche, formation)"),
    ]);
    let mut sections = vec![Section {
        legend: "La fiche action",
        fields: identity,
    }];
    if !editing {
        sections.push(Section {
            legend: "Statut actuel",
            fields: vec![
                Field::select(
                    "statut",
                    "Statut",
                    &draft.statut,
                    None,
                    ProjectStatus::ALL
                        .iter()
                        .map(|s| (s.code().to_owned(), s.label().to_owned())),
                )
                .required(),
                Field::text("date_statut", "Depuis le", &draft.date_statut)
                    .kind("date")
                    .required(),
            ],
        });
    }
    sections.push(Section {
        legend: "Porteur",
        fields: vec![
            Field::select(
                "porteur_type",
                "Type de porteur",
                &draft.porteur_type,
                Some("Non renseigné"),
                HolderKind::ALL
                    .iter()
                    .map(|k| (k.code().to_owned(), k.label().to_owned())),
            ),
            Field::text("porteur_nom", "Nom du porteur", &draft.porteur_nom),
            Field::text(
                "porteur_identifiant",
                "Identifiant du porteur",
                &draft.porteur_identifiant,
            )
            .hint("SIRET (14 chiffres) d'une entreprise, SIREN (9 chiffres) d'un EPCI, RNA (W et 9 chiffres) d'une association ; la clé de contrôle est vérifiée"),
            Field::text("cout_total", "Coût total (€)", &draft.cout_total)
                .kind("amount")
                .hint("Ex. 1 200 000 ou 1200000,50"),
        ],
    });
    let outcomes = |suffix: &str, values: [&String; 5]| {
        let names: [(&'static str, &'static str); 5] = match suffix {
            "prevus" => [
                ("emplois_crees_prevus", "Emplois créés"),
                ("emplois_maintenus_prevus", "Emplois maintenus"),
                ("investissement_prevus", "Investissement industriel (€)"),
                ("tco2e_evitees_prevus", "tCO2e évitées par an"),
                ("hectares_friche_prevus", "Hectares de friche requalifiés"),
            ],
            _ => [
                ("emplois_crees_mesures", "Emplois créés"),
                ("emplois_maintenus_mesures", "Emplois maintenus"),
                ("investissement_mesures", "Investissement industriel (€)"),
                ("tco2e_evitees_mesures", "tCO2e évitées par an"),
                ("hectares_friche_mesures", "Hectares de friche requalifiés"),
            ],
        };
        names
            .into_iter()
            .zip(values)
            .map(|((name, label), value)| Field::text(name, label, value).kind("number"))
            .collect::<Vec<_>>()
    };
    sections.push(Section {
        legend: "Résultats prévus",
        fields: outcomes(
            "prevus",
            [
                &draft.emplois_crees_prevus,
                &draft.emplois_maintenus_prevus,
                &draft.investissement_prevus,
                &draft.tco2e_evitees_prevus,
                &draft.hectares_friche_prevus,
            ],
        ),
    });
    sections.push(Section {
        legend: "Résultats constatés",
        fields: outcomes(
            "mesures",
            [
                &draft.emplois_crees_mesures,
                &draft.emplois_maintenus_mesures,
                &draft.investissement_mesures,
                &draft.tco2e_evitees_mesures,
                &draft.hectares_friche_mesures,
            ],
        ),
    });
    sections.push(Section {
        legend: "Origine et publication",
        fields: vec![
            Field::text("source", "Source", &draft.source).hint(
                "D'où viennent ces informations (comité, délibération…) ; « saisie » par défaut",
            ),
            Field::checkbox(
                "non_publique",
                "Pas encore publique : visible des seuls agents connectés, absente des pages \
                 publiques, de l'API publique, des bilans publics et des données ouvertes",
                draft.non_publique,
            ),
        ],
    });
    page.sections = sections;
    page.datalists = vec![(
        "territoires-possibles",
        territory_choices(state, session).await?,
    )];
    page.submit = if editing {
        "Enregistrer les modifications"
    } else {
        "Créer la fiche action"
    };
    Ok(page)
}

/// `GET /projets/nouveau`
pub async fn new_project(
    Seen(state): Seen,
    SignedIn(session): SignedIn,
) -> Result<Response, WebError> {
    let draft = ProjectDraft {
        phase: Phase::Second.slug().into(),
        territoires: match &session.user.profile {
            territoires_domain::access::Profile::TerritoryTeam(_, id) => vec![id.to_string()],
            _ => Vec::new(),
        },
        statut: ProjectStatus::Idea.code().into(),
        date_statut: territoires_domain::fr::iso_date(today()),
        ..ProjectDraft::default()
    };
    project_form(&state, &session, &draft, None)
        .await?
        .respond(StatusCode::OK)
}

/// `POST /projets`
pub async fn create_project(
    Seen(state): Seen,
    SignedIn(session): SignedIn,
    Posted { csrf, draft }: Posted<ProjectDraft>,
) -> Result<Response, WebError> {
    check_csrf(&session, &csrf)?;
    let result: Result<i64, Refusal> = async {
        let project = draft.read_new(today())?;
        Ok(state
            .store
            .save_project(
                Save::new(project),
                Author::user(&actor(&session), &session.user.profile),
            )
            .await?)
    }
    .await;
    match result {
        Ok(_) => Ok(saved(&project_href(draft.code.trim()))),
        Err(refusal) => refused(&state, &session, draft, None, refusal).await,
    }
}

/// `GET /projets/{code}/modifier`
pub async fn edit_project_form(
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    SignedIn(session): SignedIn,
) -> Result<Response, WebError> {
    let (project, version) = stored_project(&state, &code).await?;
    check_scope(
        &session.user.profile,
        session.user.profile.may_edit_project(&project),
        format!("de modifier le projet {code}"),
    )?;
    project_form(
        &state,
        &session,
        &ProjectDraft::of(&project, version),
        Some(&project),
    )
    .await?
    .respond(StatusCode::OK)
}

/// `POST /projets/{code}/modifier`
pub async fn edit_project(
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    SignedIn(session): SignedIn,
    Posted { csrf, draft }: Posted<ProjectDraft>,
) -> Result<Response, WebError> {
    check_csrf(&session, &csrf)?;
    let (project, _) = stored_project(&state, &code).await?;
    check_scope(
        &session.user.profile,
        session.user.profile.may_edit_project(&project),
        format!("de modifier le projet {code}"),
    )?;
    let result: Result<i64, Refusal> = async {
        let version = version_read(draft.version)?;
        let edited = draft.read_edit(&project)?;
        Ok(state
            .store
            .save_project(
                Save::edit(edited, version),
                Author::user(&actor(&session), &session.user.profile),
            )
            .await?)
    }
    .await;
    match result {
        Ok(_) => Ok(saved(&project_href(&code))),
        Err(refusal) => refused(&state, &session, draft, Some(&project), refusal).await,
    }
}

/// The project form again, with what was typed and why it was not saved.
async fn refused(
    state: &AppState,
    session: &Session,
    mut draft: ProjectDraft,
    stored: Option<&Project>,
    refusal: Refusal,
) -> Result<Response, WebError> {
    match refusal {
        Refusal::Fields(errors) => project_form(state, session, &draft, stored)
            .await?
            .with_errors(&errors)
            .respond(StatusCode::BAD_REQUEST),
        Refusal::Conflict(message) => match stored {
            // An edit: the record now beside what was typed; the form now carries the current version.
            Some(old) => {
                let (now, version) = stored_project(state, &old.code).await?;
                let typed = draft.read_edit(&now).unwrap_or_else(|_| old.clone());
                let rows = differences(&now, &typed, project_label);
                draft.version = Some(version);
                let mut page = project_form(state, session, &draft, Some(&now)).await?;
                page.conflict = Some(ConflictView {
                    what: format!("le projet {}", now.code),
                    rows,
                });
                page.respond(StatusCode::CONFLICT)
            }
            None => {
                let errors = FieldErrors::one("code", message);
                project_form(state, session, &draft, None)
                    .await?
                    .with_errors(&errors)
                    .respond(StatusCode::CONFLICT)
            }
        },
        Refusal::Other(WebError::Forbidden(message)) => {
            let mut page = project_form(state, session, &draft, stored).await?;
            page.general.push(message);
            page.respond(StatusCode::FORBIDDEN)
        }
        Refusal::Other(e) => Err(e),
    }
}

/// The labels of a funding line's fields, for the conflict table.
fn line_label(field: &str) -> Option<&'static str> {
    Some(match field {
        "scheme" => "Dispositif",
        "instrument" => "Nature",
        "requested" => "Montant demandé",
        "requested_on" => "Date de la demande",
        "committed" => "Montant engagé",
        "committed_on" => "Date d'engagement",
        "paid" => "Versé",
        "paid_on" => "Date du versement",
        "cancelled_on" => "Annulation",
        "over_request_allowed" => "Dépassement autorisé",
        _ => return None,
    })
}

/// The form of a funding line of project `code`: `editing` keeps the funder and the decision reference.
fn line_form(
    session: &Session,
    code: &str,
    draft: &LineDraft,
    referential: &FundingReferential,
    edit_id: Option<i64>,
) -> FormPage {
    let title = match edit_id {
        Some(_) => format!(
            "Modifier la demande de financement {}",
            draft.reference_decision
        ),
        None => "Nouvelle ligne de financement".to_owned(),
    };
    let chrome = Chrome::new(title.clone(), "projets", &Some(session.clone()))
        .crumb("Projets", Some("/projets".into()))
        .crumb(code.to_owned(), Some(project_href(code)))
        .crumb(title, None);
    let action = match edit_id {
        Some(id) => format!("{}/financements/{id}/modifier", project_href(code)),
        None => format!("{}/financements", project_href(code)),
    };
    let mut page = FormPage::new(chrome, session, action, project_href(code));
    page.version = draft.version;
    page.intro = "Une ligne par financeur, décision et projet : c'est ce qui empêche de compter deux fois un cofinancement. Les engagements, versements et annulations suivants s'enregistrent sur la page du projet.".into();
    let editing = edit_id.is_some();
    let funders = funder_options(referential);
    let schemes = referential.schemes.iter().map(|s| {
        (
            s.record.code.clone(),
            format!("{} ({})", s.record.name, s.record.funder),
        )
    });
    let mut request = vec![
        Field::select("financeur", "Financeur", &draft.financeur, None, funders)
            .required()
            .readonly(editing),
        Field::select(
            "dispositif",
            "Dispositif",
            &draft.dispositif,
            Some("Aucun (hors dispositif)"),
            schemes,
        )
        .hint("Un dispositif du financeur choisi"),
        Field::select(
            "nature",
            "Nature",
            &draft.nature,
            None,
            Instrument::ALL
                .iter()
                .map(|i| (i.code().to_owned(), i.label().to_owned())),
        )
        .required(),
        Field::text(
            "reference_decision",
            "Référence de la décision ou de la demande",
            &draft.reference_decision,
        )
        .required()
        .readonly(editing),
        Field::text(
            "montant_demande",
            "Montant demandé (€)",
            &draft.montant_demande,
        )
        .kind("amount")
        .required(),
        Field::text("date_demande", "Date de la demande", &draft.date_demande)
            .kind("date")
            .required(),
    ];
    if editing {
        // A select cannot be read-only: the funder is sent again as typed, and kept by the domain.
        request[0].kind = "text";
    }
    let mut sections = vec![Section {
        legend: "La demande",
        fields: request,
    }];
    let mut commitment = Vec::new();
    if !editing {
        commitment.extend([
            Field::text(
                "montant_engage",
                "Montant engagé (€)",
                &draft.montant_engage,
            )
            .kind("amount")
            .hint("Si la décision est déjà prise"),
            Field::text(
                "date_engagement",
                "Date d'engagement",
                &draft.date_engagement,
            )
            .kind("date"),
        ]);
    }
    commitment.push(Field::checkbox(
        "depassement_autorise",
        "Engagement supérieur au demandé voulu",
        draft.depassement_autorise,
    ));
    commitment.push(
        Field::select(
            "conditions_versement",
            "Conditions de versement",
            &draft.conditions_versement,
            Some("Non renseignées"),
            PaymentTerms::ALL
                .iter()
                .map(|t| (t.code().to_owned(), format!("Versement {}", t.label()))),
        )
        .hint("Selon la convention ; publiées avec la subvention (données ouvertes)"),
    );
    sections.push(Section {
        legend: "L'engagement",
        fields: commitment,
    });
    page.sections = sections;
    page.submit = if editing {
        "Enregistrer la demande"
    } else {
        "Créer la ligne"
    };
    page
}

/// `GET /projets/{code}/financements/nouveau`
pub async fn new_line(
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    SignedIn(session): SignedIn,
) -> Result<Response, WebError> {
    let (project, _) = stored_project(&state, &code).await?;
    check_scope(
        &session.user.profile,
        session.user.profile.may_add_funding(&project),
        format!("d'ajouter un financement au projet {code}"),
    )?;
    let referential = state.store.funding_referential().await?;
    let draft = LineDraft {
        nature: Instrument::Grant.code().into(),
        date_demande: territoires_domain::fr::iso_date(today()),
        financeur: match &session.user.profile {
            territoires_domain::access::Profile::Operator(f) => f.clone(),
            _ => String::new(),
        },
        ..LineDraft::default()
    };
    line_form(&session, &code, &draft, &referential, None).respond(StatusCode::OK)
}

/// `POST /projets/{code}/financements`
pub async fn create_line(
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    SignedIn(session): SignedIn,
    Posted { csrf, draft }: Posted<LineDraft>,
) -> Result<Response, WebError> {
    check_csrf(&session, &csrf)?;
    let (project, _) = stored_project(&state, &code).await?;
    check_scope(
        &session.user.profile,
        session.user.profile.may_add_funding(&project),
        format!("d'ajouter un financement au projet {code}"),
    )?;
    let result: Result<_, Refusal> = async {
        let line = draft.read_new(&code, today())?;
        Ok(state
            .store
            .save_funding_line(
                None,
                Save::new(line),
                Author::user(&actor(&session), &session.user.profile),
            )
            .await?)
    }
    .await;
    line_outcome(&state, &session, &code, draft, None, result).await
}

/// `GET /projets/{code}/financements/{id}/modifier`
pub async fn edit_line_form(
    Seen(state): Seen,
    PathParams((code, id)): PathParams<(String, i64)>,
    SignedIn(session): SignedIn,
) -> Result<Response, WebError> {
    let stored = line_in_scope(&state, &session.user.profile, Some(&code), id).await?;
    let referential = state.store.funding_referential().await?;
    line_form(
        &session,
        &code,
        &LineDraft::of(&stored.line, stored.version),
        &referential,
        Some(id),
    )
    .respond(StatusCode::OK)
}

/// `POST /projets/{code}/financements/{id}/modifier`
pub async fn edit_line(
    Seen(state): Seen,
    PathParams((code, id)): PathParams<(String, i64)>,
    SignedIn(session): SignedIn,
    Posted { csrf, draft }: Posted<LineDraft>,
) -> Result<Response, WebError> {
    check_csrf(&session, &csrf)?;
    let stored = line_in_scope(&state, &session.user.profile, Some(&code), id).await?;
    let result: Result<_, Refusal> = async {
        let version = version_read(draft.version)?;
        let edited = draft.read_edit(&stored.line, today())?;
        Ok(state
            .store
            .save_funding_line(
                Some(id),
                Save::edit(edited, version),
                Author::user(&actor(&session), &session.user.profile),
            )
            .await?)
    }
    .await;
    line_outcome(&state, &session, &code, draft, Some(id), result).await
}

async fn line_outcome<T>(
    state: &AppState,
    session: &Session,
    code: &str,
    mut draft: LineDraft,
    edit_id: Option<i64>,
    result: Result<T, Refusal>,
) -> Result<Response, WebError> {
    let refusal = match result {
        Ok(_) => return Ok(saved(&project_href(code))),
        Err(r) => r,
    };
    let referential = state.store.funding_referential().await?;
    match refusal {
        Refusal::Fields(errors) => line_form(session, code, &draft, &referential, edit_id)
            .with_errors(&errors)
            .respond(StatusCode::BAD_REQUEST),
        Refusal::Conflict(message) => {
            let now = match edit_id {
                Some(id) => state.store.funding_line(id).await?,
                None => None,
            };
            match now {
                Some(now) => {
                    let typed = draft
                        .read_edit(&now.line, today())
                        .unwrap_or_else(|_| now.line.clone());
                    let rows = differences(&now.line, &typed, line_label);
                    draft.version = Some(now.version);
                    let mut page = line_form(session, code, &draft, &referential, edit_id);
                    page.conflict = Some(ConflictView {
                        what: format!("la ligne {}", now.line.decision_reference),
                        rows,
                    });
                    page.respond(StatusCode::CONFLICT)
                }
                None => {
                    let errors = FieldErrors::one("reference_decision", message);
                    line_form(session, code, &draft, &referential, edit_id)
                        .with_errors(&errors)
                        .respond(StatusCode::CONFLICT)
                }
            }
        }
        Refusal::Other(WebError::Forbidden(message)) => {
            let mut page = line_form(session, code, &draft, &referential, edit_id);
            page.general.push(message);
            page.respond(StatusCode::FORBIDDEN)
        }
        Refusal::Other(e) => Err(e),
    }
}
