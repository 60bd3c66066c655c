//! `/imports`: a spreadsheet of fiches actions and funding lines imported from the site in two steps. The
//! upload is read (as people write spreadsheets: see `ingest::table`) and checked — every problem listed
//! with its file, sheet, line and column, every record in the importer's scope — then kept; its preview
//! shows how its headers were read, what the reader noticed, and what applying it would change (new,
//! changed before → after, unchanged), computed by the import's own merge and checks, in memory. Confirming applies it in
//! one transaction, audited as one import with its checksum; the same file again changes nothing.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use territoires_ingest::portfolio::{read_portfolio_file, PortfolioFile};
use territoires_ingest::Problem;
use territoires_ingest::ERRORS_SHOWN;
use territoires_store::access::accounts::Session;
use territoires_store::access::Author;
use territoires_store::imports::Upload;
use territoires_store::portfolio::PortfolioPreview;
use territoires_store::registry::referential::ImportOutcome;

use crate::access::auth::{actor, check_csrf, random_token, SignedIn};
use crate::history::changes;
use crate::params::PathParams;
use crate::views::{render, Chrome};
use crate::{AppState, WebError};

/// How many changes a preview lists (the count says how many in all).
pub(crate) const CHANGES_SHOWN: i64 = 200;

/// A change the import would make.
pub struct ChangeRow {
    /// `fiche action`, `ligne de financement`…
    pub what: &'static str,
    /// Its key.
    pub key: String,
    /// New, or changed.
    pub new: bool,
    /// Field, before, after.
    pub fields: Vec<(String, String, String)>,
}

/// How the headers of one table were read: those read as another name, and those that are the column's
/// own name (listed in one line: a downloaded file has only those).
pub struct MappingView {
    pub table: &'static str,
    pub renamed: Vec<(String, String)>,
    pub exact: Vec<String>,
}

impl MappingView {
    fn new((table, mapping): &(&'static str, Vec<(String, String)>)) -> Self {
        let (exact, renamed): (Vec<_>, Vec<_>) = mapping
            .iter()
            .cloned()
            .partition(|(header, column)| header == column);
        MappingView {
            table,
            renamed,
            exact: exact.into_iter().map(|(_, column)| column).collect(),
        }
    }
}

/// What the preview shows.
pub struct PreviewView {
    pub id: String,
    pub file_name: String,
    pub checksum: String,
    pub notes: Vec<String>,
    pub mappings: Vec<MappingView>,
    /// Rows per table in the file.
    pub read: Vec<(&'static str, usize)>,
    /// `None`: the same file was imported before.
    pub written: Option<Vec<(String, u64)>>,
    pub changes: Vec<ChangeRow>,
    pub changed: i64,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    chrome: Chrome,
    csrf: String,
    /// Why the file was refused: the first problems.
    problems: Vec<Problem>,
    /// How many problems in all.
    problem_count: usize,
    /// The refused upload, whose whole report downloads.
    report_id: Option<String>,
    preview: Option<PreviewView>,
    /// After applying: what was written.
    applied: Option<Vec<(String, u64)>>,
}

fn page(session: &Session) -> ImportsPage {
    ImportsPage {
        chrome: Chrome::new("Importer un tableur", "projets", &Some(session.clone()))
            .crumb("Projets", Some("/projets".into()))
            .crumb("Importer un tableur", None),
        csrf: session.csrf_token.clone(),
        problems: Vec::new(),
        problem_count: 0,
        report_id: None,
        preview: None,
        applied: None,
    }
}

fn respond(status: StatusCode, page: ImportsPage) -> Result<Response, WebError> {
    Ok((status, render(page)?).into_response())
}

/// `GET /imports`
pub async fn imports_page(SignedIn(session): SignedIn) -> Result<Response, WebError> {
    respond(StatusCode::OK, page(&session))
}

/// Reads an upload, or says every problem. Whether its records are in the importer's scope is judged by
/// the store, against what is stored, when the file is previewed and applied.
pub(crate) fn read(file_name: &str, bytes: &[u8]) -> Result<PortfolioFile, Vec<Problem>> {
    read_portfolio_file(std::path::Path::new(file_name), bytes).map_err(|e| e.problems())
}

/// A problem that concerns the whole file.
fn whole_file(file: &str, message: impl Into<String>) -> Problem {
    Problem {
        file: file.to_owned(),
        location: String::new(),
        column: String::new(),
        message: message.into(),
    }
}

/// `POST /imports`: the file (multipart, field `fichier`) and the form's token.
pub async fn upload(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let (mut csrf, mut file) = (String::new(), None);
    // A body beyond the route's limit, or cut short, is told on the import page, in French.
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        let mut answer = page(&session);
        let status = e.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "Fichier de plus de {} Mo : découpez-le (par région, par table) et déposez chaque partie.",
                territoires_ingest::table::limits::MAX_FILE_BYTES / (1024 * 1024)
            )
        } else {
            "Le fichier n'a pas été reçu en entier : déposez-le de nouveau.".to_owned()
        };
        answer.set_problems(vec![whole_file("", message)], None);
        respond(status, answer)
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return unreadable(e),
        };
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("fichier") => {
                let name = field.file_name().unwrap_or("fichier").to_owned();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes.to_vec())),
                    Err(e) => return unreadable(e),
                }
            }
            _ => {}
        }
    }
    check_csrf(&session, &csrf)?;
    let mut answer = page(&session);
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        answer.set_problems(
            vec![whole_file(
                "",
                "Choisissez un fichier (XLSX, ODS ou CSV) non vide.",
            )],
            None,
        );
        return respond(StatusCode::BAD_REQUEST, answer);
    };
    let file_name: String = file_name.chars().take(120).collect();
    // A refused file is kept too: its page lists the problems and its whole report downloads.
    let content_hash = match read(&file_name, &bytes) {
        Ok(file) => file.content_hash,
        Err(_) => territoires_ingest::hash([bytes.as_slice()]),
    };
    let id = random_token();
    state
        .store
        .save_upload(&Upload {
            id: id.clone(),
            kind: "projets".into(),
            file_name,
            content_hash,
            content: bytes,
            uploaded_by: actor(&session),
            uploaded_at: String::new(),
        })
        .await?;
    Ok((
        StatusCode::SEE_OTHER,
        [(LOCATION, format!("/imports/{id}"))],
    )
        .into_response())
}

/// The upload `id` of the session's user.
pub(crate) async fn upload_of(
    state: &AppState,
    session: &Session,
    id: &str,
) -> Result<Upload, WebError> {
    state
        .store
        .upload(id, &actor(session))
        .await?
        .ok_or_else(|| {
            WebError::NotFound(
                "Ce fichier n'est plus en attente (importé, expiré après 24 heures, ou déposé par quelqu'un d'autre) : déposez-le de nouveau.".into(),
            )
        })
}

/// The upload `id` of the session's user, read again; or the page that tells why it cannot be imported.
async fn read_upload(
    state: &AppState,
    session: &Session,
    id: &str,
) -> Result<Result<(Upload, PortfolioFile), Response>, WebError> {
    let upload = upload_of(state, session, id).await?;
    match read(&upload.file_name, &upload.content) {
        Ok(file) => Ok(Ok((upload, file))),
        Err(problems) => refused(session, &upload, problems).map(Err),
    }
}

impl ImportsPage {
    fn set_problems(&mut self, problems: Vec<Problem>, report_id: Option<&str>) {
        self.problem_count = problems.len();
        self.problems = problems.into_iter().take(ERRORS_SHOWN).collect();
        self.report_id = report_id.map(str::to_owned);
    }
}

/// The import page listing why `upload` is refused, nothing changed, its whole report a link away.
fn refused(
    session: &Session,
    upload: &Upload,
    problems: Vec<Problem>,
) -> Result<Response, WebError> {
    let mut answer = page(session);
    answer.set_problems(problems, Some(&upload.id));
    respond(StatusCode::BAD_REQUEST, answer)
}

/// What the store refused of a file (its rules, or the importer's scope), each refused record a problem;
/// other errors are the site's own.
pub(crate) fn refusal(
    file_name: &str,
    e: territoires_store::StoreError,
) -> Result<Vec<Problem>, WebError> {
    use territoires_store::StoreError::*;
    match e {
        Forbidden(list) => Ok(list.lines().map(|l| whole_file(file_name, l)).collect()),
        e @ (Invalid(_) | Conflict(_) | NotFound(_)) => {
            Ok(vec![whole_file(file_name, e.to_string())])
        }
        e => Err(e.into()),
    }
}

/// What applying `file` would do for `author`: its first `shown` changes (see
/// [`territoires_store::Store::preview_portfolio`]). The page, its report and the API preview alike.
pub(crate) async fn preview_file(
    state: &AppState,
    author: Author<'_>,
    file: &PortfolioFile,
    shown: i64,
) -> Result<Option<PortfolioPreview>, territoires_store::StoreError> {
    state
        .store
        .preview_portfolio(
            (&file.portfolio, &file.given),
            &file.content_hash,
            author,
            shown,
        )
        .await
}

/// `GET /imports/{id}`: the preview.
pub async fn preview(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    SignedIn(session): SignedIn,
) -> Result<Response, WebError> {
    let (upload, file) = match read_upload(&state, &session, &id).await? {
        Ok(read) => read,
        Err(refused) => return Ok(refused),
    };
    let mut answer = page(&session);
    let actor = actor(&session);
    let author = Author::user(&actor, &session.user.profile);
    let preview = match preview_file(&state, author, &file, CHANGES_SHOWN).await {
        Ok(preview) => preview,
        Err(e) => return refused(&session, &upload, refusal(&upload.file_name, e)?),
    };
    let p = &file.portfolio;
    answer.preview = Some(PreviewView {
        id: upload.id.clone(),
        file_name: upload.file_name.clone(),
        checksum: upload.content_hash.chars().take(16).collect(),
        notes: file.notes.clone(),
        mappings: file.mappings.iter().map(MappingView::new).collect(),
        read: vec![
            ("financeurs", p.funders.len()),
            ("dispositifs", p.schemes.len()),
            ("enveloppes", p.envelopes.len()),
            ("fiches actions", p.projects.len()),
            ("lignes de financement", p.lines.len()),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect(),
        changed: preview.as_ref().map_or(0, |p| p.changed),
        changes: preview
            .as_ref()
            .map(|p| {
                p.changes
                    .iter()
                    .map(|e| ChangeRow {
                        what: entity_label(&e.entity),
                        key: e.entity_key.clone(),
                        new: e.before_json.is_none(),
                        fields: changes(e.before_json.as_deref(), e.after_json.as_deref()),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        written: preview.map(|p| p.written.into_iter().filter(|(_, n)| *n > 0).collect()),
    });
    respond(StatusCode::OK, answer)
}

/// The confirmation form.
#[derive(Deserialize)]
pub struct Confirm {
    csrf: String,
}

/// `POST /imports/{id}`: applies the upload, all or nothing.
pub async fn apply(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    SignedIn(session): SignedIn,
    Form(form): Form<Confirm>,
) -> Result<Response, WebError> {
    check_csrf(&session, &form.csrf)?;
    let (upload, file) = match read_upload(&state, &session, &id).await? {
        Ok(read) => read,
        Err(refused) => return Ok(refused),
    };
    let mut answer = page(&session);
    let outcome: ImportOutcome = match state
        .store
        .import_portfolio(
            (&file.portfolio, &file.given),
            &file.content_hash,
            Author::user(&actor(&session), &session.user.profile),
        )
        .await
    {
        Ok(outcome) => outcome,
        Err(e) => return refused(&session, &upload, refusal(&upload.file_name, e)?),
    };
    state.store.delete_upload(&upload.id).await?;
    answer.applied = Some(
        outcome
            .written
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect(),
    );
    respond(StatusCode::OK, answer)
}

/// An audited entity in the preview's words.
pub(crate) fn entity_label(entity: &str) -> &'static str {
    match entity {
        "project" => "Fiche action",
        "funding_line" => "Ligne de financement",
        "funder" => "Financeur",
        "scheme" => "Dispositif",
        "envelope" => "Enveloppe",
        _ => "Enregistrement",
    }
}

/// The table names of a written count, in French.
pub fn table_label(table: &str) -> &str {
    match table {
        "funders" => "financeurs",
        "schemes" => "dispositifs",
        "envelopes" => "enveloppes",
        "projects" => "fiches actions",
        "status_changes" => "statuts",
        "funding_lines" => "lignes de financement",
        other => other,
    }
}
