//! The import's two steps for machines (API token): `POST /api/v1/imports` sends a spreadsheet (the body,
//! its name in `?fichier=`) and answers its preview — or every problem, nothing kept —; `POST
//! /api/v1/imports/{id}` applies it, under the same rules as the site's `/imports`.

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use territoires_ingest::context::{columns_of, MAPPING_KIND};
use territoires_ingest::portfolio::PortfolioFile;
use territoires_ingest::table::{ColumnMapping, TableHeaders};
use territoires_ingest::Problem;
use territoires_store::access::Author;
use territoires_store::imports::Upload;
use utoipa::{IntoParams, ToSchema};

use territoires_store::imports::ImportPreview;
use territoires_store::registry::referential::ImportOutcome;

use super::imports::{
    entity_label, headers_of, preview_file, read, read_context, refusal, table_label, written,
    CHANGES_SHOWN, PORTFOLIO,
};
use crate::access::auth::random_token;
use crate::access::guard::Caller;
use crate::error::ApiError;
use crate::history::changes;
use crate::params::{Params, PathParams};
use crate::registry::imports::{RegistryFile, RegistryKind};
use crate::{AppState, WebError};

/// One problem of a file.
#[derive(Serialize, ToSchema)]
pub struct ProblemDto {
    /// The file.
    pub fichier: String,
    /// Where in it (`feuille projets, ligne 12`), empty for the whole file.
    pub emplacement: String,
    /// The column, empty when none.
    pub colonne: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl From<Problem> for ProblemDto {
    fn from(p: Problem) -> Self {
        ProblemDto {
            fichier: p.file,
            emplacement: p.location,
            colonne: p.column,
            message: p.message,
        }
    }
}

/// A refused file: nothing was kept or written.
#[derive(Serialize, ToSchema)]
pub struct RefusedDto {
    /// 400 (or 403 when records are out of the token's scope).
    pub status: u16,
    /// In one sentence.
    pub error: String,
    /// Every problem.
    pub problemes: Vec<ProblemDto>,
}

/// A field a change sets.
#[derive(Serialize, ToSchema)]
pub struct FieldChangeDto {
    /// The field, in French.
    pub champ: String,
    /// Before.
    pub avant: String,
    /// After.
    pub apres: String,
}

/// A record an import would write.
#[derive(Serialize, ToSchema)]
pub struct ChangeDto {
    /// `Fiche action`, `Ligne de financement`…
    pub enregistrement: String,
    /// Its key.
    pub cle: String,
    /// New (otherwise changed).
    pub nouveau: bool,
    /// The fields changed (empty for a new record).
    pub champs: Vec<FieldChangeDto>,
}

/// The preview of an uploaded file.
#[derive(Serialize, ToSchema)]
pub struct PreviewDto {
    /// The upload's id, to apply it (kept 24 hours).
    pub id: String,
    /// The file's name.
    pub fichier: String,
    /// SHA-256 of its content.
    pub empreinte: String,
    /// Rows read per table.
    pub lu: Vec<(String, usize)>,
    /// What the reader noticed (encoding, hidden sheets, formulas).
    pub remarques: Vec<String>,
    /// Per table, each header as written and the column it was read as.
    pub correspondance: Vec<(String, Vec<(String, String)>)>,
    /// Rows the import would write per table; null when this content was imported before (nothing would
    /// change).
    pub a_ecrire: Option<Vec<(String, u64)>>,
    /// How many records it would create or change.
    pub changements: i64,
    /// The first of them (200 at most).
    pub premiers_changements: Vec<ChangeDto>,
}

/// What applying wrote.
#[derive(Serialize, ToSchema)]
pub struct AppliedDto {
    /// Rows written per table (none: everything was already stored identically).
    pub ecrit: Vec<(String, u64)>,
}

/// A file's bytes, as the OpenAPI document describes a binary body.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(#[allow(dead_code)] Vec<u8>);

/// The file's name.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileName {
    /// The file's name as it should appear in problems and the audit log (`plan.xlsx`).
    pub fichier: Option<String>,
    /// What it holds: `projets` (fiches actions and funding, the default), `historique` (milestones,
    /// labelling events, governance, attributes), `postes` (chef de projet posts) or `friches`
    /// (brownfields: the CNIG standard or Cartofriches' points, each line dated).
    #[param(pattern = "^(projets|historique|postes|friches)$")]
    pub contenu: Option<String>,
}

fn refused(status: StatusCode, problems: Vec<Problem>) -> Response {
    let dto = RefusedDto {
        status: status.as_u16(),
        error: format!(
            "fichier refusé : {} problème(s), rien n'a été enregistré",
            problems.len()
        ),
        problemes: problems.into_iter().map(ProblemDto::from).collect(),
    };
    (status, Json(dto)).into_response()
}

/// A store refusal as the answer: 403 out of scope, 400 otherwise.
fn store_refusal(file_name: &str, e: territoires_store::StoreError) -> Result<Response, ApiError> {
    let status = match e {
        territoires_store::StoreError::Forbidden(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    Ok(refused(status, refusal(file_name, e)?))
}

async fn preview_of(
    state: &AppState,
    caller: &Caller,
    upload: &Upload,
    file: &PortfolioFile,
) -> Result<Result<PreviewDto, Response>, ApiError> {
    let author = Author::user(&caller.actor, &caller.profile);
    let preview = match preview_file(state, author, file, CHANGES_SHOWN).await {
        Ok(preview) => preview,
        Err(e) => return Ok(Err(store_refusal(&upload.file_name, e)?)),
    };
    let p = &file.portfolio;
    let mut dto = PreviewDto::new(
        upload,
        vec![
            ("financeurs", p.funders.len()),
            ("dispositifs", p.schemes.len()),
            ("enveloppes", p.envelopes.len()),
            ("projets", p.projects.len()),
            ("financements", p.lines.len()),
        ],
        preview,
    );
    dto.remarques = file.notes.clone();
    dto.correspondance = correspondance(&file.mappings);
    Ok(Ok(dto))
}

/// How each table's headers were read: per table, each header read as a column, with that column.
fn correspondance(headers: &[TableHeaders]) -> Vec<(String, Vec<(String, String)>)> {
    headers
        .iter()
        .map(|t| {
            (
                t.table.to_owned(),
                t.mapping()
                    .map(|(h, c)| (h.to_owned(), c.to_owned()))
                    .collect(),
            )
        })
        .collect()
}

impl PreviewDto {
    /// The preview of `upload`, which read `lu` rows per table and would do `preview`.
    fn new(upload: &Upload, lu: Vec<(&str, usize)>, preview: Option<ImportPreview>) -> Self {
        PreviewDto {
            id: upload.id.clone(),
            fichier: upload.file_name.clone(),
            empreinte: upload.content_hash.clone(),
            lu: lu
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(t, n)| (t.to_owned(), n))
                .collect(),
            remarques: Vec::new(),
            correspondance: Vec::new(),
            changements: preview.as_ref().map_or(0, |p| p.changed),
            premiers_changements: preview
                .as_ref()
                .map(|p| {
                    p.changes
                        .iter()
                        .map(|e| ChangeDto {
                            enregistrement: entity_label(&e.entity).to_owned(),
                            cle: e.entity_key.clone(),
                            nouveau: e.before_json.is_none(),
                            champs: changes(e.before_json.as_deref(), e.after_json.as_deref())
                                .into_iter()
                                .map(|(champ, avant, apres)| FieldChangeDto {
                                    champ,
                                    avant,
                                    apres,
                                })
                                .collect(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            a_ecrire: preview.map(|p| labelled(p.written)),
        }
    }
}

/// The preview of a registry file (history, posts) checked within the caller's scope, its headers read
/// by `mapping`.
async fn registry_preview(
    state: &AppState,
    caller: &Caller,
    (upload, mapping): (&Upload, &ColumnMapping),
    file: &RegistryFile,
) -> Result<Result<PreviewDto, Response>, ApiError> {
    let out_of_scope = file
        .out_of_scope(&state.store, &caller.profile, &upload.file_name)
        .await?;
    if !out_of_scope.is_empty() {
        return Ok(Err(refused(StatusCode::FORBIDDEN, out_of_scope)));
    }
    let preview = match file
        .preview(&state.store, &caller.actor, CHANGES_SHOWN)
        .await
    {
        Ok(preview) => preview,
        Err(e) => return Ok(Err(store_refusal(&upload.file_name, e)?)),
    };
    let (what, n) = file.read_count();
    let mut dto = PreviewDto::new(upload, vec![(what, n)], preview);
    dto.correspondance = correspondance(&headers_of(upload, mapping));
    Ok(Ok(dto))
}

/// Dépose un tableur et en donne l'aperçu (jeton d'API)
///
/// `POST /api/v1/imports?fichier=plan.xlsx`: the body is the file (XLSX, ODS or CSV, 64 MB at most), read as
/// the site reads it. A file with problems is refused with every one of them and nothing is kept; otherwise
/// it is kept 24 hours for the token and its preview answered: what would be written, each change before →
/// after. Nothing is written until `POST /api/v1/imports/{id}`.
#[utoipa::path(
    post,
    path = "/api/v1/imports",
    tag = "Projets",
    params(FileName),
    request_body(content = FileBytes, content_type = "application/octet-stream", description = "Le fichier"),
    security(("jeton" = [])),
    responses(
        (status = 201, description = "Lu et vérifié : son aperçu", body = PreviewDto),
        (status = 400, description = "Fichier refusé : chaque problème (feuille, ligne, colonne)", body = RefusedDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto),
        (status = 403, description = "Des enregistrements que le fichier changerait sont hors du profil du jeton", body = RefusedDto),
        (status = 413, description = "Fichier de plus de 64 Mo", body = crate::api::ErrorDto)
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Params(name): Params<FileName>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let file_name: String = name
        .fichier
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "fichier".into())
        .chars()
        .take(120)
        .collect();
    if body.is_empty() {
        return Err(crate::params::bad(
            "corps",
            "attendu le contenu du fichier (XLSX, ODS ou CSV)",
        )
        .into());
    }
    let mut upload = Upload {
        id: random_token(),
        kind: PORTFOLIO.into(),
        file_name,
        content_hash: territoires_ingest::hash([body.as_ref()]),
        content: body.to_vec(),
        uploaded_by: caller.actor.clone(),
        uploaded_at: String::new(),
    };
    let previewed = match name.contenu.as_deref() {
        None | Some(PORTFOLIO) => {
            let context = read_context(&state, &caller.profile).await?;
            let file = match read(&upload.file_name, &body, &context) {
                Ok(file) => file,
                Err(problems) => return Ok(refused(StatusCode::BAD_REQUEST, problems)),
            };
            upload.content_hash = file.content_hash.clone();
            preview_of(&state, &caller, &upload, &file).await?
        }
        Some(kind) => {
            let Some(registry) = RegistryKind::of(kind) else {
                return Err(crate::params::bad(
                    "contenu",
                    "attendu projets, historique, postes ou friches",
                )
                .into());
            };
            upload.kind = kind.to_owned();
            let context = read_context(&state, &caller.profile).await?;
            let file = match RegistryFile::read(registry, &upload.file_name, &body, &context) {
                Ok(file) => file,
                Err(problems) => return Ok(refused(StatusCode::BAD_REQUEST, problems)),
            };
            registry_preview(&state, &caller, (&upload, &context.mapping), &file).await?
        }
    };
    match previewed {
        Ok(preview) => {
            state.store.save_upload(&upload).await?;
            Ok((StatusCode::CREATED, Json(preview)).into_response())
        }
        Err(refused) => Ok(refused),
    }
}

/// Applique un tableur déposé (jeton d'API)
///
/// `POST /api/v1/imports/{id}`: applies the upload in one transaction, all or nothing, audited as one import
/// with its checksum; the same content again writes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/imports/{id}",
    tag = "Projets",
    params(("id" = String, Path, description = "L'id rendu par le dépôt")),
    security(("jeton" = [])),
    responses(
        (status = 200, description = "Appliqué", body = AppliedDto),
        (status = 400, description = "Refusé par les règles (par exemple un engagement au-delà de son enveloppe, enregistré entre-temps)", body = RefusedDto),
        (status = 403, description = "Hors du profil du jeton", body = RefusedDto),
        (status = 404, description = "Aucun dépôt en attente sous cet id pour ce jeton", body = crate::api::ErrorDto)
    )
)]
pub async fn apply(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let upload = state
        .store
        .upload(&id, &caller.actor)
        .await?
        .ok_or_else(|| {
            WebError::NotFound(format!("dépôt {id} : aucun fichier en attente sous cet id"))
        })?;
    if let Some(kind) = RegistryKind::of(&upload.kind) {
        let context = read_context(&state, &caller.profile).await?;
        let file = match RegistryFile::read(kind, &upload.file_name, &upload.content, &context) {
            Ok(file) => file,
            Err(problems) => return Ok(refused(StatusCode::BAD_REQUEST, problems)),
        };
        let out_of_scope = file
            .out_of_scope(&state.store, &caller.profile, &upload.file_name)
            .await?;
        if !out_of_scope.is_empty() {
            return Ok(refused(StatusCode::FORBIDDEN, out_of_scope));
        }
        let outcome = match file.apply(&state.store, &caller.actor).await {
            Ok(outcome) => outcome,
            Err(e) => return store_refusal(&upload.file_name, e),
        };
        state.store.delete_upload(&upload.id).await?;
        return Ok(Json(AppliedDto::from(outcome)).into_response());
    }
    let context = read_context(&state, &caller.profile).await?;
    let file = match read(&upload.file_name, &upload.content, &context) {
        Ok(file) => file,
        Err(problems) => return Ok(refused(StatusCode::BAD_REQUEST, problems)),
    };
    let outcome = state
        .store
        .import_portfolio(
            (&file.portfolio, &file.given),
            &file.content_hash,
            Author::user(&caller.actor, &caller.profile),
        )
        .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => return store_refusal(&upload.file_name, e),
    };
    state.store.delete_upload(&upload.id).await?;
    Ok(Json(AppliedDto::from(outcome)).into_response())
}

/// The rows written per table (see [`written`]), tables named in French.
fn labelled(counts: Vec<(String, u64)>) -> Vec<(String, u64)> {
    written(counts)
        .into_iter()
        .map(|(t, n)| (table_label(&t).to_owned(), n))
        .collect()
}

impl From<ImportOutcome> for AppliedDto {
    fn from(outcome: ImportOutcome) -> Self {
        AppliedDto {
            ecrit: labelled(outcome.written),
        }
    }
}

/// A scope's column mapping: how its files' headers are read where the automatic reading misses them.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct MappingDto {
    /// The scope it is kept for: the token's profile (`region:44`). Ignored when sent.
    #[serde(default)]
    pub perimetre: String,
    /// Per table (`projets`, `financements`…, `historique`, `postes`), per header as files write it, the
    /// column it is read as, or
    /// `null` to ignore it: `{"projets": {"Action envisagée": "titre", "Couleur": null}}`. Headers are
    /// kept by their key (lower case, no accents: `action_envisagee`).
    #[schema(value_type = Object)]
    pub correspondance:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, Option<String>>>,
}

impl MappingDto {
    fn of(caller: &Caller, mapping: &ColumnMapping) -> Self {
        MappingDto {
            perimetre: caller.profile.to_string(),
            correspondance: mapping.choices().clone(),
        }
    }
}

/// Lit la correspondance de colonnes du périmètre (jeton d'API)
///
/// `GET /api/v1/imports/colonnes`: the column mapping the token's scope keeps, the one its uploads are read
/// with (empty: the automatic reading only).
#[utoipa::path(
    get,
    path = "/api/v1/imports/colonnes",
    tag = "Projets",
    security(("jeton" = [])),
    responses(
        (status = 200, description = "La correspondance du périmètre du jeton", body = MappingDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto)
    )
)]
pub async fn mapping(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let context = read_context(&state, &caller.profile).await?;
    Ok(Json(MappingDto::of(&caller, &context.mapping)).into_response())
}

/// Remplace la correspondance de colonnes du périmètre (jeton d'API)
///
/// `PUT /api/v1/imports/colonnes`: replaces the token's scope's column mapping whole (audited); the next
/// uploads of the scope, on the site and through the API, are read with it.
#[utoipa::path(
    put,
    path = "/api/v1/imports/colonnes",
    tag = "Projets",
    request_body = MappingDto,
    security(("jeton" = [])),
    responses(
        (status = 200, description = "Enregistrée : la correspondance telle qu'elle est maintenant", body = MappingDto),
        (status = 400, description = "Table, en-tête ou colonne inconnus, nommés", body = crate::api::ErrorDto),
        (status = 401, description = "Jeton absent, inconnu, expiré ou révoqué", body = crate::api::ErrorDto)
    )
)]
pub async fn replace_mapping(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    input: Result<Json<MappingDto>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = input.map_err(|e| crate::params::bad("corps", e.body_text()))?;
    let mapping = ColumnMapping::from_choices(input.correspondance, columns_of)
        .map_err(|(field, message)| crate::params::bad(&field, message))?;
    state
        .store
        .save_column_mapping(
            &caller.profile.to_string(),
            MAPPING_KIND,
            &mapping.to_json(),
            &caller.actor,
        )
        .await?;
    Ok(Json(MappingDto::of(&caller, &mapping)).into_response())
}
