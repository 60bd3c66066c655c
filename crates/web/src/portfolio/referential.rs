//! Who funds through what — funders, schemes (dispositifs), envelopes — on the site and in the write API:
//! a public page listing them, and for each kind one form and one save, written once for the three kinds
//! through [`Head`].

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::de::DeserializeOwned;
use serde::Serialize;
use territoires_domain::access::Profile;
use territoires_domain::draft::FieldErrors;
use territoires_domain::opendata::schemes;
use territoires_domain::portfolio::drafts::{EnvelopeDraft, FunderDraft, SchemeDraft};
use territoires_domain::portfolio::funding::{Envelope, Funder, FunderKind, Scheme};
use territoires_domain::portfolio::scheme::{AidType, Target};
use territoires_store::access::accounts::Session;
use territoires_store::access::Author;
use territoires_store::portfolio::{FundingReferential, Save, Versioned};
use territoires_store::Store;

use crate::access::auth::{actor, check_csrf, MaybeSession, SignedIn};
use crate::access::guard::Caller;
use crate::forms::{
    api_refusal, differences, read_json, saved, version_read, ConflictView, Field, FormPage,
    Posted, Refusal, Section,
};
use crate::params::Params;
use crate::params::{urlencode, PathParams};
use crate::views::{render, Chrome};
use crate::{AppState, WebError};

/// A kind of record of the funding referential.
pub trait Head: Send + Sync + 'static {
    /// The record.
    type Record: Serialize + Clone + Send + Sync;
    /// What is typed.
    type Draft: Serialize + DeserializeOwned + Default + Clone + Send;
    /// The path segment (`financeurs`).
    const PATH: &'static str;
    /// Its entity in the audit log (`funder`).
    const ENTITY: &'static str;
    /// « le financeur », as a sentence names it.
    const NAME: &'static str;
    /// The heading of a new one.
    const NEW: &'static str;
    /// Its records in the referential.
    fn records(r: &FundingReferential) -> &[Versioned<Self::Record>];
    /// The code of a record.
    fn code(record: &Self::Record) -> &str;
    /// The draft of a stored record.
    fn draft_of(record: &Self::Record, version: i64) -> Self::Draft;
    /// The version a draft read.
    fn version(draft: &Self::Draft) -> Option<i64>;
    /// With another version.
    fn set_version(draft: &mut Self::Draft, version: i64);
    /// Reads a draft.
    fn read(draft: &Self::Draft) -> Result<Self::Record, FieldErrors>;
    /// The fields of the form.
    fn fields(draft: &Self::Draft, r: &FundingReferential, editing: bool) -> Vec<Field>;
    /// Whether `profile` may save `record` (the store decides again inside the write).
    fn may_manage(profile: &Profile, record: Option<&Self::Record>) -> bool;
    /// Saves.
    fn save(
        store: &Store,
        save: Save<Self::Record>,
        author: Author<'_>,
    ) -> impl std::future::Future<Output = territoires_store::Result<i64>> + Send;
}

/// Funders.
pub struct Funders;
/// Schemes.
pub struct Schemes;
/// Envelopes.
pub struct Envelopes;

impl Head for Funders {
    type Record = Funder;
    type Draft = FunderDraft;
    const PATH: &'static str = "financeurs";
    const ENTITY: &'static str = "funder";
    const NAME: &'static str = "le financeur";
    const NEW: &'static str = "Nouveau financeur";
    fn records(r: &FundingReferential) -> &[Versioned<Funder>] {
        &r.funders
    }
    fn code(record: &Funder) -> &str {
        &record.code
    }
    fn draft_of(record: &Funder, version: i64) -> FunderDraft {
        FunderDraft::of(record, version)
    }
    fn version(draft: &FunderDraft) -> Option<i64> {
        draft.version
    }
    fn set_version(draft: &mut FunderDraft, version: i64) {
        draft.version = Some(version);
    }
    fn read(draft: &FunderDraft) -> Result<Funder, FieldErrors> {
        draft.read()
    }
    fn fields(d: &FunderDraft, _: &FundingReferential, editing: bool) -> Vec<Field> {
        vec![
            Field::text("code", "Code", &d.code)
                .hint("Court et stable, sans espace (ex. bpifrance, region-44)")
                .required()
                .readonly(editing),
            Field::text("nom", "Nom", &d.nom).required(),
            Field::select(
                "type",
                "Type",
                &d.kind,
                None,
                FunderKind::ALL
                    .iter()
                    .map(|k| (k.code().to_owned(), k.label().to_owned())),
            )
            .hint("L'État et ses opérateurs comptent dans « engagé par l'État »")
            .required(),
            Field::text("siret", "SIRET de l'organisme qui attribue", &d.siret)
                .hint("14 chiffres ; publié avec ses subventions (données ouvertes, format SCDL)"),
        ]
    }
    fn may_manage(profile: &Profile, _: Option<&Funder>) -> bool {
        profile.may_manage_funders()
    }
    async fn save(
        store: &Store,
        save: Save<Funder>,
        author: Author<'_>,
    ) -> territoires_store::Result<i64> {
        store.save_funder(save, author).await
    }
}

impl Head for Schemes {
    type Record = Scheme;
    type Draft = SchemeDraft;
    const PATH: &'static str = "dispositifs";
    const ENTITY: &'static str = "scheme";
    const NAME: &'static str = "le dispositif";
    const NEW: &'static str = "Nouveau dispositif";
    fn records(r: &FundingReferential) -> &[Versioned<Scheme>] {
        &r.schemes
    }
    fn code(record: &Scheme) -> &str {
        &record.code
    }
    fn draft_of(record: &Scheme, version: i64) -> SchemeDraft {
        SchemeDraft::of(record, version)
    }
    fn version(draft: &SchemeDraft) -> Option<i64> {
        draft.version
    }
    fn set_version(draft: &mut SchemeDraft, version: i64) {
        draft.version = Some(version);
    }
    fn read(draft: &SchemeDraft) -> Result<Scheme, FieldErrors> {
        draft.read()
    }
    fn fields(d: &SchemeDraft, r: &FundingReferential, editing: bool) -> Vec<Field> {
        vec![
            Field::text("code", "Code", &d.code)
                .hint("Court et stable, sans espace (ex. fonds-acceleration)")
                .required()
                .readonly(editing),
            Field::text("nom", "Nom", &d.nom).required(),
            Field::select(
                "financeur",
                "Financeur",
                &d.financeur,
                None,
                super::funder_options(r),
            )
            .required(),
            Field::checkbox(
                "specifique_ti",
                "Crédits propres à Territoires d'industrie (sinon droit commun)",
                d.specifique_ti,
            ),
            Field::select(
                "notification_ue",
                "Aides notifiées à la Commission européenne",
                &d.notification_ue,
                Some("Non renseigné"),
                [
                    ("oui".to_owned(), "Oui (aides d'État notifiées)".to_owned()),
                    ("non".to_owned(), "Non".to_owned()),
                ],
            )
            .hint("Publié avec chaque subvention du dispositif (données ouvertes, format SCDL)"),
            Field::text("description", "Description publique", &d.description)
                .kind("textarea")
                .hint("Ce qu'est le dispositif, pour un agent public (5 000 caractères au plus). Avec l'éligibilité, les types d'aide, les cibles et la couverture, il est publié en données ouvertes (schéma national des dispositifs d'aide) ; sans eux, il est compté parmi les dispositifs retenus"),
            Field::text("eligibilite", "Critères d'éligibilité", &d.eligibilite).kind("textarea"),
            Field::checks(
                "types_aides",
                "Types d'aide",
                &d.types_aides,
                AidType::ALL
                    .iter()
                    .map(|t| (t.code().to_owned(), t.label().to_owned())),
            ),
            Field::checks(
                "cibles",
                "Bénéficiaires ciblés",
                &d.cibles,
                Target::ALL
                    .iter()
                    .map(|t| (t.code().to_owned(), t.label().to_owned())),
            ),
            Field::text(
                "eligibilite_geographique",
                "Couverture géographique",
                &d.eligibilite_geographique,
            )
            .hint("Codes du COG séparés par | : PAYS-99100 (France), REG-44, DEP-57, EPCI-245701206, COM-57463"),
            Field::text("url_source", "Page de présentation", &d.url_source)
                .hint("Adresse complète (https://…)"),
            Field::text("date_ouverture", "Date d'ouverture", &d.date_ouverture).kind("date"),
            Field::text("date_cloture", "Date de clôture", &d.date_cloture).kind("date"),
        ]
    }
    fn may_manage(profile: &Profile, _: Option<&Scheme>) -> bool {
        profile.may_manage_funders()
    }
    async fn save(
        store: &Store,
        save: Save<Scheme>,
        author: Author<'_>,
    ) -> territoires_store::Result<i64> {
        store.save_scheme(save, author).await
    }
}

impl Head for Envelopes {
    type Record = Envelope;
    type Draft = EnvelopeDraft;
    const PATH: &'static str = "enveloppes";
    const ENTITY: &'static str = "envelope";
    const NAME: &'static str = "l'enveloppe";
    const NEW: &'static str = "Nouvelle enveloppe";
    fn records(r: &FundingReferential) -> &[Versioned<Envelope>] {
        &r.envelopes
    }
    fn code(record: &Envelope) -> &str {
        &record.code
    }
    fn draft_of(record: &Envelope, version: i64) -> EnvelopeDraft {
        EnvelopeDraft::of(record, version)
    }
    fn version(draft: &EnvelopeDraft) -> Option<i64> {
        draft.version
    }
    fn set_version(draft: &mut EnvelopeDraft, version: i64) {
        draft.version = Some(version);
    }
    fn read(draft: &EnvelopeDraft) -> Result<Envelope, FieldErrors> {
        draft.read()
    }
    fn fields(d: &EnvelopeDraft, r: &FundingReferential, editing: bool) -> Vec<Field> {
        vec![
            Field::text("code", "Code", &d.code)
                .hint("Court et stable, sans espace (ex. fa-44-2024)")
                .required()
                .readonly(editing),
            Field::select(
                "dispositif",
                "Dispositif",
                &d.dispositif,
                None,
                r.schemes
                    .iter()
                    .map(|s| (s.record.code.clone(), s.record.name.clone())),
            )
            .required(),
            Field::text("region", "Région (code INSEE)", &d.region)
                .hint("Vide pour une enveloppe nationale ; ex. 44 pour le Grand Est"),
            Field::text("debut", "Premier jour d'engagement", &d.debut)
                .kind("date")
                .required(),
            Field::text("fin", "Dernier jour d'engagement", &d.fin)
                .kind("date")
                .required(),
            Field::text("montant", "Montant (€)", &d.montant)
                .kind("amount")
                .hint("Les engagements en vigueur sur l'enveloppe doivent y tenir")
                .required(),
        ]
    }
    fn may_manage(profile: &Profile, record: Option<&Envelope>) -> bool {
        match record {
            Some(e) => profile.may_manage_envelope(e.region.as_ref()),
            None => profile.may_manage_envelopes(),
        }
    }
    async fn save(
        store: &Store,
        save: Save<Envelope>,
        author: Author<'_>,
    ) -> territoires_store::Result<i64> {
        store.save_envelope(save, author).await
    }
}

#[derive(askama::Template)]
#[template(path = "funding.html")]
struct FundingPage {
    chrome: Chrome,
    referential: FundingReferential,
    /// Why a scheme is not in the open data, by code (those published are absent).
    withheld: std::collections::HashMap<String, &'static str>,
    may_funders: bool,
    may_envelopes: bool,
    saved: bool,
}

/// `?enregistre=1` after a save.
#[derive(serde::Deserialize)]
pub struct SavedFlag {
    enregistre: Option<String>,
}

/// `GET /financeurs`: funders, schemes and envelopes.
pub async fn page(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    Params(flag): Params<SavedFlag>,
) -> Result<Response, WebError> {
    let profile = session.as_ref().map(|s| &s.user.profile);
    let referential = state.store.funding_referential().await?;
    let withheld = schemes::missing_by_code(
        referential.schemes.iter().map(|s| &s.record),
        referential.envelopes.iter().map(|e| &e.record),
    );
    let page = FundingPage {
        chrome: Chrome::new("Financeurs, dispositifs et enveloppes", "projets", &session)
            .crumb("Financeurs, dispositifs et enveloppes", None),
        referential,
        withheld,
        may_funders: profile.is_some_and(Profile::may_manage_funders),
        may_envelopes: profile.is_some_and(Profile::may_manage_envelopes),
        saved: flag.enregistre.is_some(),
    };
    Ok(render(page)?.into_response())
}

fn refuse_scope<H: Head>(profile: &Profile) -> WebError {
    WebError::Forbidden(format!(
        "Votre profil ({}) ne permet pas de gérer {} : les financeurs et dispositifs relèvent de l'équipe nationale, les enveloppes régionales aussi du pilote de leur région.",
        profile.label(),
        H::NAME
    ))
}

fn form<H: Head>(
    session: &Session,
    draft: &H::Draft,
    r: &FundingReferential,
    edit_code: Option<&str>,
) -> FormPage {
    let title = match edit_code {
        Some(code) => format!("Modifier {} {code}", H::NAME),
        None => H::NEW.to_owned(),
    };
    let chrome = Chrome::new(title.clone(), "projets", &Some(session.clone()))
        .crumb(
            "Financeurs, dispositifs et enveloppes",
            Some("/financeurs".into()),
        )
        .crumb(title, None);
    let action = match edit_code {
        Some(code) => format!("/{}/{}/modifier", H::PATH, urlencode(code)),
        None => format!("/{}", H::PATH),
    };
    let mut page = FormPage::new(chrome, session, action, "/financeurs".into());
    page.version = H::version(draft);
    page.sections = vec![Section {
        legend: "Identification",
        fields: H::fields(draft, r, edit_code.is_some()),
    }];
    page
}

/// The stored record of `code`.
fn stored<H: Head>(r: &FundingReferential, code: &str) -> Result<Versioned<H::Record>, WebError> {
    H::records(r)
        .iter()
        .find(|v| H::code(&v.record) == code)
        .cloned()
        .ok_or_else(|| WebError::NotFound(format!("{} {code} n'existe pas", H::NAME)))
}

/// `GET /{financeurs|dispositifs|enveloppes}/nouveau`
pub async fn new_form<H: Head>(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Response, WebError> {
    if !H::may_manage(&session.user.profile, None) {
        return Err(refuse_scope::<H>(&session.user.profile));
    }
    let r = state.store.funding_referential().await?;
    form::<H>(&session, &H::Draft::default(), &r, None).respond(StatusCode::OK)
}

/// `GET /{financeurs|dispositifs|enveloppes}/{code}/modifier`
pub async fn edit_form<H: Head>(
    State(state): State<AppState>,
    PathParams(code): PathParams<String>,
    SignedIn(session): SignedIn,
) -> Result<Response, WebError> {
    let r = state.store.funding_referential().await?;
    let record = stored::<H>(&r, &code)?;
    if !H::may_manage(&session.user.profile, Some(&record.record)) {
        return Err(refuse_scope::<H>(&session.user.profile));
    }
    let mut page = form::<H>(
        &session,
        &H::draft_of(&record.record, record.version),
        &r,
        Some(&code),
    );
    page.journal = crate::history::for_reader(&state, true, &[(H::ENTITY, code)]).await?;
    page.respond(StatusCode::OK)
}

/// `POST /{financeurs|dispositifs|enveloppes}`
pub async fn create<H: Head>(
    state: State<AppState>,
    session: SignedIn,
    posted: Posted<H::Draft>,
) -> Result<Response, WebError> {
    post::<H>(state, None, session, posted).await
}

/// `POST /{financeurs|dispositifs|enveloppes}/{code}/modifier`
pub async fn edit<H: Head>(
    state: State<AppState>,
    PathParams(code): PathParams<String>,
    session: SignedIn,
    posted: Posted<H::Draft>,
) -> Result<Response, WebError> {
    post::<H>(state, Some(code), session, posted).await
}

async fn post<H: Head>(
    State(state): State<AppState>,
    code: Option<String>,
    SignedIn(session): SignedIn,
    Posted { csrf, mut draft }: Posted<H::Draft>,
) -> Result<Response, WebError> {
    check_csrf(&session, &csrf)?;
    let r = state.store.funding_referential().await?;
    let current = code.as_deref().map(|c| stored::<H>(&r, c)).transpose()?;
    if !H::may_manage(&session.user.profile, current.as_ref().map(|v| &v.record)) {
        return Err(refuse_scope::<H>(&session.user.profile));
    }
    let actor = actor(&session);
    let result = save::<H>(
        &state,
        code.as_deref(),
        &draft,
        Author::user(&actor, &session.user.profile),
    )
    .await;
    let refusal = match result {
        Ok(_) => return Ok(saved("/financeurs")),
        Err(refusal) => refusal,
    };
    match refusal {
        Refusal::Fields(errors) => form::<H>(&session, &draft, &r, code.as_deref())
            .with_errors(&errors)
            .respond(StatusCode::BAD_REQUEST),
        Refusal::Conflict(message) => {
            let now = state.store.funding_referential().await?;
            match code.as_deref().map(|c| stored::<H>(&now, c)).transpose()? {
                Some(now_record) => {
                    let typed = H::read(&draft).ok();
                    let rows = differences(&now_record.record, &typed, |_| None);
                    H::set_version(&mut draft, now_record.version);
                    let mut page = form::<H>(&session, &draft, &now, code.as_deref());
                    page.conflict = Some(ConflictView {
                        what: format!("{} {}", H::NAME, H::code(&now_record.record)),
                        rows,
                    });
                    page.respond(StatusCode::CONFLICT)
                }
                None => {
                    let errors = FieldErrors::one("code", message);
                    form::<H>(&session, &draft, &now, None)
                        .with_errors(&errors)
                        .respond(StatusCode::CONFLICT)
                }
            }
        }
        Refusal::Other(WebError::Forbidden(message)) => {
            let mut page = form::<H>(&session, &draft, &r, code.as_deref());
            page.general.push(message);
            page.respond(StatusCode::FORBIDDEN)
        }
        Refusal::Other(e) => Err(e),
    }
}

/// Reads and saves a draft: a creation without `code`, an edit of `code` (the code typed must be it).
async fn save<H: Head>(
    state: &AppState,
    code: Option<&str>,
    draft: &H::Draft,
    author: Author<'_>,
) -> Result<i64, Refusal> {
    let record = H::read(draft)?;
    let save = match code {
        None => Save::new(record),
        Some(code) => {
            if H::code(&record) != code {
                return Err(FieldErrors::one(
                    "code",
                    format!("le code d'un enregistrement ne change pas (« {code} »)"),
                )
                .into());
            }
            let version = version_read(H::version(draft))?;
            Save::edit(record, version)
        }
    };
    Ok(H::save(&state.store, save, author).await?)
}

/// The answer of the write API: the record as stored now, in the form a write sends, with its version.
async fn api_answer<H: Head>(
    state: &AppState,
    code: &str,
    status: StatusCode,
) -> Result<Response, WebError> {
    let r = state.store.funding_referential().await?;
    let v = stored::<H>(&r, code)?;
    Ok((status, Json(H::draft_of(&v.record, v.version))).into_response())
}

/// `POST /api/v1/{financeurs|dispositifs|enveloppes}` (token).
pub async fn api_create<H: Head>(
    state: State<AppState>,
    caller: Extension<Caller>,
    body: Bytes,
) -> Response {
    api_post::<H>(state, None, caller, body).await
}

/// `PATCH /api/v1/{financeurs|dispositifs|enveloppes}/{code}` (token): absent fields keep their value.
pub async fn api_edit<H: Head>(
    state: State<AppState>,
    PathParams(code): PathParams<String>,
    caller: Extension<Caller>,
    body: Bytes,
) -> Response {
    api_post::<H>(state, Some(code), caller, body).await
}

async fn api_post<H: Head>(
    State(state): State<AppState>,
    code: Option<String>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let result: Result<Response, Refusal> = async {
        let r = state.store.funding_referential().await?;
        let current = code
            .as_deref()
            .map(|c| stored::<H>(&r, c))
            .transpose()
            .map_err(Refusal::Other)?;
        if !H::may_manage(&caller.profile, current.as_ref().map(|v| &v.record)) {
            return Err(Refusal::Other(refuse_scope::<H>(&caller.profile)));
        }
        // An edit: the fields left out keep their stored value.
        let stored_draft = current.as_ref().map(|v| H::draft_of(&v.record, v.version));
        let draft: H::Draft = read_json(&body, stored_draft.as_ref())?;
        save::<H>(
            &state,
            code.as_deref(),
            &draft,
            Author::user(&caller.actor, &caller.profile),
        )
        .await?;
        let saved_code = H::read(&draft)
            .map(|r| H::code(&r).to_owned())
            .unwrap_or_default();
        let status = if code.is_some() {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        api_answer::<H>(&state, &saved_code, status)
            .await
            .map_err(Refusal::Other)
    }
    .await;
    match result {
        Ok(response) => response,
        Err(refusal) => {
            let now = match &code {
                Some(c) => state
                    .store
                    .funding_referential()
                    .await
                    .ok()
                    .and_then(|r| stored::<H>(&r, c).ok())
                    .map(|v| H::draft_of(&v.record, v.version)),
                None => None,
            };
            let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            api_refusal(refusal, || now, &sent)
        }
    }
}

/// Who funds through what, each record in the form a write sends, with its version.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FundingReferentialDto {
    /// Funders.
    pub financeurs: Vec<FunderDraft>,
    /// Schemes.
    pub dispositifs: Vec<SchemeDraft>,
    /// Envelopes.
    pub enveloppes: Vec<EnvelopeDraft>,
}

/// Financeurs, dispositifs et enveloppes, avec leur version
///
/// `GET /api/v1/financeurs`: each record as a write sends it back.
#[utoipa::path(
    get,
    path = "/api/v1/financeurs",
    tag = "Projets",
    responses((status = 200, description = "Le référentiel des financements", body = FundingReferentialDto))
)]
pub async fn api_list(
    State(state): State<AppState>,
) -> Result<Json<FundingReferentialDto>, crate::error::ApiError> {
    let r = state.store.funding_referential().await?;
    Ok(Json(FundingReferentialDto {
        financeurs: r
            .funders
            .iter()
            .map(|v| FunderDraft::of(&v.record, v.version))
            .collect(),
        dispositifs: r
            .schemes
            .iter()
            .map(|v| SchemeDraft::of(&v.record, v.version))
            .collect(),
        enveloppes: r
            .envelopes
            .iter()
            .map(|v| EnvelopeDraft::of(&v.record, v.version))
            .collect(),
    }))
}

/// The OpenAPI descriptions of the generic handlers, one per kind and operation.
pub mod doc {
    #![allow(dead_code)]
    use territoires_domain::portfolio::drafts::{EnvelopeDraft, FunderDraft, SchemeDraft};

    macro_rules! documented {
        ($create:ident, $edit:ident, $path:literal, $draft:ty, $what:literal) => {
            #[doc = concat!("Crée ", $what, " (jeton d'API)")]
            #[utoipa::path(
                post,
                path = concat!("/api/v1/", $path),
                tag = "Projets",
                request_body = $draft,
                security(("jeton" = [])),
                responses(
                    (status = 201, description = "Créé, tel qu'enregistré, avec sa version", body = $draft),
                    (status = 400, description = "Champs à corriger, chacun nommé", body = crate::portfolio::api_write::FieldErrorsDto),
                    (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
                    (status = 403, description = "Le profil du jeton ne le permet pas", body = crate::api::ErrorDto),
                    (status = 409, description = "Ce code existe déjà")
                )
            )]
            pub fn $create() {}

            #[doc = concat!("Modifie ", $what, " (jeton d'API) : les champs absents gardent leur valeur ; `version` obligatoire")]
            #[utoipa::path(
                patch,
                path = concat!("/api/v1/", $path, "/{code}"),
                tag = "Projets",
                params(("code" = String, Path, description = "Code")),
                request_body = $draft,
                security(("jeton" = [])),
                responses(
                    (status = 200, description = "Enregistré, avec sa nouvelle version", body = $draft),
                    (status = 400, description = "Champs à corriger, chacun nommé", body = crate::portfolio::api_write::FieldErrorsDto),
                    (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
                    (status = 403, description = "Le profil du jeton ne le permet pas", body = crate::api::ErrorDto),
                    (status = 404, description = "Code inconnu", body = crate::api::ErrorDto),
                    (status = 409, description = "Modifié depuis la version envoyée : `actuelle` et `envoyee`")
                )
            )]
            pub fn $edit() {}
        };
    }

    documented!(
        create_funder,
        edit_funder,
        "financeurs",
        FunderDraft,
        "un financeur"
    );
    documented!(
        create_scheme,
        edit_scheme,
        "dispositifs",
        SchemeDraft,
        "un dispositif"
    );
    documented!(
        create_envelope,
        edit_envelope,
        "enveloppes",
        EnvelopeDraft,
        "une enveloppe"
    );
}
