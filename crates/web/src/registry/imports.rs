//! The registry's files on the import page, in the same two steps as the portfolio's: a history file
//! (milestones, labelling events, governance appointments, attributes), a file of chef de projet posts, or
//! (the land area's, until a second area's files call for a kind of their own) a brownfield file is
//! read and checked, every record within the importer's scope, previewed with what it would write (the
//! import itself rehearsed in a transaction rolled back), then applied in one transaction; the same file
//! again writes nothing.

use axum::http::StatusCode;
use axum::response::Response;
use territoires_domain::access::Profile;
use territoires_domain::phase::Phase;
use territoires_ingest::context::Context;
use territoires_ingest::land::brownfields::{self, BrownfieldFile};
use territoires_ingest::registry::{history, posts};
use territoires_ingest::table::TableHeaders;
use territoires_ingest::Problem;
use territoires_store::access::accounts::Session;
use territoires_store::imports::ImportPreview;
use territoires_store::imports::Upload;
use territoires_store::registry::history::TerritoryRecord;
use territoires_store::registry::posts::PostRecord;
use territoires_store::registry::referential::ImportOutcome;
use territoires_store::{Result, Store};

use crate::access::auth::actor;
use crate::portfolio::imports::{
    change_rows, headers_of, page, read_context, refusal, refused, remembered, respond, whole_file,
    written, MappingView, PreviewView, CHANGES_SHOWN,
};
use crate::{AppState, WebError};

/// What a registry file holds: the upload's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryKind {
    /// Milestones, labelling events, governance, attributes (`historique`).
    History,
    /// Chef de projet posts (`postes`).
    Posts,
    /// Brownfields (`friches`): the land area's, read in the same two steps.
    Brownfields,
}

impl RegistryKind {
    /// The kind of an upload (`historique`, `postes`), if it is a registry file.
    pub fn of(kind: &str) -> Option<Self> {
        match kind {
            "historique" => Some(RegistryKind::History),
            "postes" => Some(RegistryKind::Posts),
            "friches" => Some(RegistryKind::Brownfields),
            _ => None,
        }
    }

    /// The table its file is in a scope's column mapping.
    pub fn table(self) -> &'static str {
        match self {
            RegistryKind::History => history::TABLE,
            RegistryKind::Posts => posts::TABLE,
            RegistryKind::Brownfields => brownfields::TABLE,
        }
    }
}

/// A registry file read.
pub enum RegistryFile {
    /// A history file's records.
    History(Vec<TerritoryRecord>, String),
    /// A post file's records.
    Posts(Vec<PostRecord>, String),
    /// A brownfield file's sites, and the file's name (each status records where it came from).
    Brownfields(BrownfieldFile, String),
}

impl RegistryFile {
    /// Reads an upload of `kind`, or says every problem: headers read by the scope's mapping first,
    /// territories possibly given by name (`context`).
    pub fn read(
        kind: RegistryKind,
        file_name: &str,
        bytes: &[u8],
        context: &Context,
    ) -> Result<Self, Vec<Problem>> {
        let path = std::path::Path::new(file_name);
        match kind {
            RegistryKind::History => history::read_history_file(path, bytes, context)
                .map(|(records, hash)| RegistryFile::History(records, hash)),
            RegistryKind::Posts => posts::read_posts_file(path, bytes, context)
                .map(|(records, hash)| RegistryFile::Posts(records, hash)),
            // A file uploaded dates its lines itself (`date_situation` or `site_actu_date`).
            RegistryKind::Brownfields => {
                brownfields::read_brownfields_file(path, bytes, context, None)
                    .map(|file| RegistryFile::Brownfields(file, file_name.to_owned()))
            }
        }
        .map_err(|e| e.problems())
    }

    /// How many records, in the page's words.
    pub fn read_count(&self) -> (&'static str, usize) {
        match self {
            RegistryFile::History(records, _) => {
                ("faits (jalons, gouvernance, attributs)", records.len())
            }
            RegistryFile::Posts(records, _) => ("postes de chef de projet", records.len()),
            RegistryFile::Brownfields(file, _) => ("friches", file.sites.len()),
        }
    }

    /// What the reading noticed (encoding, codes completed), for the preview.
    pub fn notes(&self) -> Vec<String> {
        match self {
            RegistryFile::Brownfields(file, _) => file.notes.clone(),
            _ => Vec::new(),
        }
    }

    /// Why `profile` may not import it, as problems of `file_name`: each territory (or, for brownfields,
    /// commune) out of its scope named once (see [`Profile::territory_refusals`] and
    /// [`Profile::land_refusals`]); empty when it may.
    pub async fn out_of_scope(
        &self,
        store: &Store,
        profile: &Profile,
        file_name: &str,
    ) -> Result<Vec<Problem>> {
        if let RegistryFile::Brownfields(file, _) = self {
            let communes: Vec<&str> = file.sites.iter().map(|s| s.commune.as_str()).collect();
            let regions = store.regions_of_communes(&communes).await?;
            let refusals = profile.land_refusals(
                communes
                    .iter()
                    .map(|c| (*c, regions.get(*c).map(String::as_str))),
            );
            return Ok(refusals.iter().map(|r| whole_file(file_name, r)).collect());
        }
        let territories: Vec<(Phase, &str)> = match self {
            RegistryFile::History(records, _) => records
                .iter()
                .map(|r| (r.phase, r.territory_id.as_str()))
                .collect(),
            RegistryFile::Posts(records, _) => records
                .iter()
                .map(|r| (r.phase, r.territory_id.as_str()))
                .collect(),
            RegistryFile::Brownfields(..) => Vec::new(),
        };
        Ok(profile
            .territory_refusals(territories)
            .iter()
            .map(|r| whole_file(file_name, r))
            .collect())
    }

    /// What applying it would write (its first `shown` changes); `None` when imported before.
    pub async fn preview(
        &self,
        store: &Store,
        actor: &str,
        shown: i64,
    ) -> Result<Option<ImportPreview>> {
        match self {
            RegistryFile::History(records, hash) => {
                store.preview_history(records, hash, actor, shown).await
            }
            RegistryFile::Posts(records, hash) => {
                store.preview_posts(records, hash, actor, shown).await
            }
            RegistryFile::Brownfields(file, name) => {
                store
                    .preview_brownfields(&file.sites, &file.content_hash, name, actor, shown)
                    .await
            }
        }
    }

    /// Applies it in one transaction.
    pub async fn apply(&self, store: &Store, actor: &str) -> Result<ImportOutcome> {
        match self {
            RegistryFile::History(records, hash) => {
                store.import_history(records, hash, actor).await
            }
            RegistryFile::Posts(records, hash) => store.import_posts(records, hash, actor).await,
            RegistryFile::Brownfields(file, name) => {
                store
                    .import_brownfields(&file.sites, &file.content_hash, name, actor)
                    .await
            }
        }
    }
}

/// A registry file read and checked within its importer's scope, with how its headers were read.
struct Checked {
    file: RegistryFile,
    headers: Vec<TableHeaders>,
}

/// Reads an upload of `kind` and checks its scope; or the page listing why it is refused, with the form
/// to choose how its columns are read.
async fn read_checked(
    state: &AppState,
    session: &Session,
    upload: &Upload,
    kind: RegistryKind,
) -> std::result::Result<std::result::Result<Checked, Response>, WebError> {
    let context = read_context(state, &session.user.profile).await?;
    let headers = headers_of(upload, &context.mapping);
    let file = match RegistryFile::read(kind, &upload.file_name, &upload.content, &context) {
        Ok(file) => file,
        Err(problems) => return refused(session, upload, &headers, problems).map(Err),
    };
    let out_of_scope = file
        .out_of_scope(&state.store, &session.user.profile, &upload.file_name)
        .await?;
    if !out_of_scope.is_empty() {
        return refused(session, upload, &headers, out_of_scope).map(Err);
    }
    Ok(Ok(Checked { file, headers }))
}

/// `GET /imports/{id}` for a registry file: what it would write.
pub async fn preview(
    state: &AppState,
    session: &Session,
    upload: Upload,
    kind: RegistryKind,
) -> std::result::Result<Response, WebError> {
    let Checked { file, headers } = match read_checked(state, session, &upload, kind).await? {
        Ok(checked) => checked,
        Err(page) => return Ok(page),
    };
    let preview = match file
        .preview(&state.store, &actor(session), CHANGES_SHOWN)
        .await
    {
        Ok(preview) => preview,
        Err(e) => return refused_by_store(session, &upload, e),
    };
    let mut answer = page(session);
    answer.columns = Some((
        upload.id.clone(),
        headers.iter().map(MappingView::new).collect(),
    ));
    answer.preview = Some(PreviewView {
        id: upload.id.clone(),
        file_name: upload.file_name.clone(),
        checksum: upload.content_hash.chars().take(16).collect(),
        notes: file.notes(),
        remembered: remembered(&headers),
        read: vec![file.read_count()],
        changed: preview.as_ref().map_or(0, |p| p.changed),
        changes: change_rows(preview.as_ref(), true),
        written: preview.map(|p| written(p.written)),
    });
    respond(StatusCode::OK, answer)
}

/// The import page saying why the store refused the file (a fact contradicting a stored one…).
fn refused_by_store(
    session: &Session,
    upload: &Upload,
    e: territoires_store::StoreError,
) -> std::result::Result<Response, WebError> {
    let mut answer = page(session);
    answer.set_problems(refusal(&upload.file_name, e)?, Some(&upload.id));
    respond(StatusCode::BAD_REQUEST, answer)
}

/// `POST /imports/{id}` for a registry file: applies it, all or nothing.
pub async fn apply(
    state: &AppState,
    session: &Session,
    upload: Upload,
    kind: RegistryKind,
) -> std::result::Result<Response, WebError> {
    let file = match read_checked(state, session, &upload, kind).await? {
        Ok(checked) => checked.file,
        Err(page) => return Ok(page),
    };
    let outcome = match file.apply(&state.store, &actor(session)).await {
        Ok(outcome) => outcome,
        Err(e) => return refused_by_store(session, &upload, e),
    };
    let mut answer = page(session);
    state.store.delete_upload(&upload.id).await?;
    answer.applied = Some(written(outcome.written));
    respond(StatusCode::OK, answer)
}
