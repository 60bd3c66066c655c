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
use territoires_domain::access::Profile;
use territoires_ingest::context::{read_single_headers, Context, MAPPING_KIND};
use territoires_ingest::portfolio::{read_headers, read_portfolio_file, PortfolioFile};
use territoires_ingest::table::{Choice, ColumnMapping, How, TableHeaders};
use territoires_ingest::Problem;
use territoires_ingest::ERRORS_SHOWN;
use territoires_store::access::accounts::Session;
use territoires_store::access::Author;
use territoires_store::imports::ImportPreview;
use territoires_store::imports::Upload;
use territoires_store::registry::referential::ImportOutcome;

use crate::access::auth::{actor, check_csrf, random_token, SignedIn};
use crate::history::changes;
use crate::params::PathParams;
use crate::registry::imports::{self as registry_imports, RegistryKind};
use crate::views::{render, Chrome};
use crate::{AppState, WebError};

/// The kind of an upload of fiches actions and funding (the form's default); see [`RegistryKind`] for
/// the others.
pub(crate) const PORTFOLIO: &str = "projets";

/// How many changes a preview lists (the count says how many in all).
pub(crate) const CHANGES_SHOWN: i64 = 200;

/// A change the import would make.
pub struct ChangeRow {
    /// `Fiche action`, `Ligne de financement`, `Jalon`…
    pub what: String,
    /// Its key.
    pub key: String,
    /// New, or changed.
    pub new: bool,
    /// Whether a new record's fields are listed too.
    pub detailed: bool,
    /// Field, before, after.
    pub fields: Vec<(String, String, String)>,
}

/// How one header of a file was read, with the choice its select shows.
pub struct HeaderView {
    /// Its position in the table's header row (the form's field is `{table}.{index}`).
    pub index: usize,
    pub written: String,
    /// The column it is read as, if any.
    pub column: Option<String>,
    /// What the automatic reading gives (the select's first option).
    pub automatic: Option<&'static str>,
    /// The select's value: a column, [`Choice::IGNORE`], or empty for the automatic reading.
    pub selected: String,
    pub how: &'static str,
    /// Whether this reading refuses the file.
    pub refuses: bool,
    pub suggestion: Option<String>,
}

/// How the headers of one table were read: first those read otherwise than by their own name (matched,
/// chosen, unknown), then those that are the column's own name (a downloaded file has only those).
pub struct MappingView {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub read_otherwise: Vec<HeaderView>,
    pub exact: Vec<HeaderView>,
}

impl MappingView {
    pub(crate) fn new(table: &TableHeaders) -> Self {
        let view = |(index, h): (usize, &territoires_ingest::table::HeaderReading)| HeaderView {
            index,
            written: h.written.clone(),
            column: h.column.clone(),
            automatic: territoires_ingest::table::match_column(&h.written, table.columns),
            selected: match &h.how {
                How::Remembered => h.column.clone().unwrap_or_default(),
                How::Ignored => Choice::IGNORE.to_owned(),
                _ => String::new(),
            },
            how: h.how.label(),
            refuses: h.how.refuses(),
            suggestion: match &h.how {
                How::Unknown { suggestion } => suggestion.clone(),
                _ => None,
            },
        };
        let (exact, read_otherwise): (Vec<_>, Vec<_>) = table
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.how != How::Blank)
            .partition(|(_, h)| h.how == How::Exact);
        MappingView {
            table: table.table,
            columns: table.columns,
            read_otherwise: read_otherwise.into_iter().map(view).collect(),
            exact: exact.into_iter().map(view).collect(),
        }
    }
}

/// What reading an import of `profile` draws on: its scope's column mapping, the places by name.
pub(crate) async fn read_context(state: &AppState, profile: &Profile) -> Result<Context, WebError> {
    Context::load(&state.store, Some(&profile.to_string()))
        .await
        .map_err(|e| match e {
            territoires_ingest::IngestError::Store(e) => e.into(),
            e => WebError::Internal(e.to_string()),
        })
}

/// What the preview shows.
pub struct PreviewView {
    pub id: String,
    pub file_name: String,
    pub checksum: String,
    pub notes: Vec<String>,
    /// How many choices the scope's mapping holds.
    pub remembered: bool,
    /// Rows per table in the file.
    pub read: Vec<(&'static str, usize)>,
    /// `None`: the same file was imported before.
    pub written: Option<Vec<(String, u64)>>,
    pub changes: Vec<ChangeRow>,
    pub changed: i64,
}

#[derive(Template)]
#[template(path = "imports.html")]
pub(crate) struct ImportsPage {
    pub(crate) chrome: Chrome,
    pub(crate) csrf: String,
    /// Why the file was refused: the first problems.
    pub(crate) problems: Vec<Problem>,
    /// How many problems in all.
    pub(crate) problem_count: usize,
    /// The refused upload, whose whole report downloads.
    pub(crate) report_id: Option<String>,
    pub(crate) preview: Option<PreviewView>,
    /// After applying: what was written.
    pub(crate) applied: Option<Vec<(String, u64)>>,
    /// The upload whose columns are shown, and how they were read (the preview, or a refused file).
    pub(crate) columns: Option<(String, Vec<MappingView>)>,
    /// Whose mapping the choices are remembered for.
    pub(crate) scope_label: String,
}

pub(crate) fn page(session: &Session) -> ImportsPage {
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
        columns: None,
        scope_label: session.user.profile.label(),
    }
}

pub(crate) fn respond(status: StatusCode, page: ImportsPage) -> Result<Response, WebError> {
    Ok((status, render(page)?).into_response())
}

/// `GET /imports`
pub async fn imports_page(SignedIn(session): SignedIn) -> Result<Response, WebError> {
    respond(StatusCode::OK, page(&session))
}

/// Reads an upload, or says every problem. Whether its records are in the importer's scope is judged by
/// the store, against what is stored, when the file is previewed and applied.
pub(crate) fn read(
    file_name: &str,
    bytes: &[u8],
    context: &Context,
) -> Result<PortfolioFile, Vec<Problem>> {
    read_portfolio_file(std::path::Path::new(file_name), bytes, context).map_err(|e| e.problems())
}

/// A problem that concerns the whole file.
pub(crate) fn whole_file(file: &str, message: impl Into<String>) -> Problem {
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
    let (mut csrf, mut file, mut content) = (String::new(), None, String::new());
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
            Some("contenu") => content = field.text().await.unwrap_or_default(),
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
    // What the file holds: the portfolio (the form's default), or a registry file.
    let kind = match content.as_str() {
        "" | PORTFOLIO => PORTFOLIO,
        other => match RegistryKind::of(other) {
            Some(_) => other,
            None => {
                return Err(WebError::BadRequest {
                    field: "contenu".into(),
                    message: format!(
                        "« {} » : attendu projets, historique, postes ou friches",
                        other.chars().take(40).collect::<String>()
                    ),
                })
            }
        },
    };
    // A refused file is kept too: its page lists the problems and its whole report downloads. Its
    // checksum is recomputed by each read: stored here only for the record.
    let content_hash = territoires_ingest::hash([bytes.as_slice()]);
    let id = random_token();
    state
        .store
        .save_upload(&Upload {
            id: id.clone(),
            kind: kind.into(),
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

/// A portfolio upload read again; or the page that tells why it cannot be imported.
async fn read_upload(
    state: &AppState,
    session: &Session,
    upload: Upload,
) -> Result<Result<(Upload, PortfolioFile), Response>, WebError> {
    let context = read_context(state, &session.user.profile).await?;
    match read(&upload.file_name, &upload.content, &context) {
        Ok(file) => Ok(Ok((upload, file))),
        Err(problems) => refused(
            session,
            &upload,
            &headers_of(&upload, &context.mapping),
            problems,
        )
        .map(Err),
    }
}

impl ImportsPage {
    pub(crate) fn set_problems(&mut self, problems: Vec<Problem>, report_id: Option<&str>) {
        self.problem_count = problems.len();
        self.problems = problems.into_iter().take(ERRORS_SHOWN).collect();
        self.report_id = report_id.map(str::to_owned);
    }
}

/// The import page listing why `upload` is refused, nothing changed, its whole report a link away, and
/// how its columns were read (`headers`), to choose them otherwise.
pub(crate) fn refused(
    session: &Session,
    upload: &Upload,
    headers: &[TableHeaders],
    problems: Vec<Problem>,
) -> Result<Response, WebError> {
    let mut answer = page(session);
    answer.set_problems(problems, Some(&upload.id));
    if !headers.is_empty() {
        answer.columns = Some((
            upload.id.clone(),
            headers.iter().map(MappingView::new).collect(),
        ));
    }
    respond(StatusCode::BAD_REQUEST, answer)
}

/// The import page saying why the store refused `file` (its rules, or the importer's scope).
fn refused_by_store(
    session: &Session,
    upload: &Upload,
    file: &PortfolioFile,
    e: territoires_store::StoreError,
) -> Result<Response, WebError> {
    refused(
        session,
        upload,
        &file.mappings,
        refusal(&upload.file_name, e)?,
    )
}

/// How the headers of `upload` are read by `mapping`, the file refused or not, whatever it holds.
pub(crate) fn headers_of(upload: &Upload, mapping: &ColumnMapping) -> Vec<TableHeaders> {
    let path = std::path::Path::new(&upload.file_name);
    match RegistryKind::of(&upload.kind) {
        Some(kind) => read_single_headers(path, &upload.content, kind.table(), mapping),
        None => read_headers(path, &upload.content, mapping),
    }
}

/// Whether a scope's choices, rather than the automatic reading, read some of `headers`.
pub(crate) fn remembered(headers: &[TableHeaders]) -> bool {
    headers
        .iter()
        .flat_map(|t| &t.headers)
        .any(|h| matches!(h.how, How::Remembered | How::Ignored))
}

/// What the store refused of a file (its rules, or the importer's scope), each refused record a problem;
/// other errors are the site's own.
pub(crate) fn refusal(
    file_name: &str,
    e: territoires_store::StoreError,
) -> Result<Vec<Problem>, WebError> {
    use territoires_store::StoreError::*;
    match e {
        // The store tells each refused record on its own line.
        Forbidden(list) => Ok(list.lines().map(|l| whole_file(file_name, l)).collect()),
        e @ Invalid(_) => Ok(e
            .to_string()
            .lines()
            .map(|l| whole_file(file_name, l))
            .collect()),
        e @ (Conflict(_) | NotFound(_)) => Ok(vec![whole_file(file_name, e.to_string())]),
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
) -> Result<Option<ImportPreview>, territoires_store::StoreError> {
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
    let upload = upload_of(&state, &session, &id).await?;
    if let Some(kind) = RegistryKind::of(&upload.kind) {
        return registry_imports::preview(&state, &session, upload, kind).await;
    }
    let (upload, file) = match read_upload(&state, &session, upload).await? {
        Ok(read) => read,
        Err(refused) => return Ok(refused),
    };
    let mut answer = page(&session);
    answer.columns = Some((
        upload.id.clone(),
        file.mappings.iter().map(MappingView::new).collect(),
    ));
    let actor = actor(&session);
    let author = Author::user(&actor, &session.user.profile);
    let preview = match preview_file(&state, author, &file, CHANGES_SHOWN).await {
        Ok(preview) => preview,
        Err(e) => return refused_by_store(&session, &upload, &file, e),
    };
    let p = &file.portfolio;
    answer.preview = Some(PreviewView {
        id: upload.id.clone(),
        file_name: upload.file_name.clone(),
        checksum: upload.content_hash.chars().take(16).collect(),
        notes: file.notes.clone(),
        remembered: remembered(&file.mappings),
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
        changes: change_rows(preview.as_ref(), false),
        written: preview.map(|p| written(p.written)),
    });
    respond(StatusCode::OK, answer)
}

/// The changes a preview lists; `detailed`: new records listed with their fields too (facts of the
/// registry, whose content is all there is to check).
pub(crate) fn change_rows(preview: Option<&ImportPreview>, detailed: bool) -> Vec<ChangeRow> {
    preview
        .map(|p| {
            p.changes
                .iter()
                .map(|e| ChangeRow {
                    // A registry fact is named by what it records (a milestone, an appointment…).
                    what: if detailed {
                        crate::history::action_label(&e.action).to_owned()
                    } else {
                        entity_label(&e.entity).to_owned()
                    },
                    key: e.entity_key.clone(),
                    new: e.before_json.is_none(),
                    detailed,
                    fields: changes(e.before_json.as_deref(), e.after_json.as_deref()),
                })
                .collect()
        })
        .unwrap_or_default()
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
    let upload = upload_of(&state, &session, &id).await?;
    if let Some(kind) = RegistryKind::of(&upload.kind) {
        return registry_imports::apply(&state, &session, upload, kind).await;
    }
    let (upload, file) = match read_upload(&state, &session, upload).await? {
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
        Err(e) => return refused_by_store(&session, &upload, &file, e),
    };
    state.store.delete_upload(&upload.id).await?;
    answer.applied = Some(written(outcome.written));
    respond(StatusCode::OK, answer)
}

/// `POST /imports/{id}/colonnes`: the columns chosen for the headers of an upload (field `{table}.{index}`
/// per header: a column, `_ignorer`, or empty for the automatic reading), remembered for the user's
/// scope; then the upload is read again with them.
pub async fn choose_columns(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    SignedIn(session): SignedIn,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    check_csrf(&session, csrf)?;
    let upload = upload_of(&state, &session, &id).await?;
    let mut mapping = read_context(&state, &session.user.profile).await?.mapping;
    let headers = headers_of(&upload, &mapping);
    mapping
        .choose_from_form(&headers, &form)
        .map_err(|(field, message)| WebError::BadRequest { field, message })?;
    state
        .store
        .save_column_mapping(
            &session.user.profile.to_string(),
            MAPPING_KIND,
            &mapping.to_json(),
            &actor(&session),
        )
        .await?;
    Ok((
        StatusCode::SEE_OTHER,
        [(LOCATION, format!("/imports/{id}#colonnes"))],
    )
        .into_response())
}

/// An audited entity in the preview's words.
pub(crate) fn entity_label(entity: &str) -> &'static str {
    match entity {
        "project" => "Fiche action",
        "funding_line" => "Ligne de financement",
        "funder" => "Financeur",
        "scheme" => "Dispositif",
        "envelope" => "Enveloppe",
        "territory" => "Territoire",
        _ => "Enregistrement",
    }
}

/// The rows an import wrote (or would write) per table, those it wrote none of left out, and those it
/// skipped as already recorded (history files count them) too: they are not writes.
pub(crate) fn written(counts: Vec<(String, u64)>) -> Vec<(String, u64)> {
    counts
        .into_iter()
        .filter(|(table, n)| *n > 0 && table != "already_recorded")
        .collect()
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
        "milestones" => "jalons",
        "appointments" => "nominations",
        "attributes" => "attributs",
        "project_lead_posts" => "postes de chef de projet",
        other => other,
    }
}
