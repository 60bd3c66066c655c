//! `/imports/{id}/rapport.csv`: the whole report of an upload as a spreadsheet opens it — every problem of
//! a refused file (not only the first ones the page lists), or what the reader noticed and every change
//! applying it would make, field by field, before → after.

use axum::extract::State;
use axum::response::Response;
use territoires_ingest::spreadsheet::{csv, Cell};
use territoires_ingest::Problem;
use territoires_store::access::Author;

use territoires_store::imports::ImportPreview;

use super::imports::{entity_label, preview_file, read, read_context, refusal, upload_of};
use crate::access::auth::{actor, SignedIn};
use crate::history::changes;
use crate::params::PathParams;
use crate::registry::exports::attachment;
use crate::registry::imports::{RegistryFile, RegistryKind};
use crate::{AppState, WebError};

/// The report's columns.
const COLUMNS: [&str; 7] = [
    "fichier",
    "type",
    "emplacement",
    "colonne",
    "avant",
    "apres",
    "message",
];

/// How many changes a report lists at most (a file holds at most a million rows; a report that long
/// would not open in a spreadsheet anyway). Its last line says when some are left out.
const CHANGES_IN_REPORT: i64 = 200_000;

fn row(
    file: &str,
    kind: &str,
    location: &str,
    column: &str,
    before: &str,
    after: &str,
    message: &str,
) -> Vec<Cell> {
    [file, kind, location, column, before, after, message]
        .into_iter()
        .map(Cell::text)
        .collect()
}

fn problem_rows(problems: &[Problem]) -> Vec<Vec<Cell>> {
    problems
        .iter()
        .map(|p| {
            row(
                &p.file,
                "erreur",
                &p.location,
                &p.column,
                "",
                "",
                &p.message,
            )
        })
        .collect()
}

/// `GET /imports/{id}/rapport.csv`
pub async fn report_csv(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    SignedIn(session): SignedIn,
) -> Result<Response, WebError> {
    let upload = upload_of(&state, &session, &id).await?;
    let name = &upload.file_name;
    let actor = actor(&session);
    // Each kind read and previewed as its page does: the problems, or the notes and the preview.
    let context = read_context(&state, &session.user.profile).await?;
    let read: Result<(Vec<String>, Option<ImportPreview>), Vec<Problem>> =
        match RegistryKind::of(&upload.kind) {
            Some(kind) => match RegistryFile::read(kind, name, &upload.content, &context) {
                Err(problems) => Err(problems),
                Ok(file) => {
                    let out_of_scope = file
                        .out_of_scope(&state.store, &session.user.profile, name)
                        .await?;
                    if !out_of_scope.is_empty() {
                        Err(out_of_scope)
                    } else {
                        match file.preview(&state.store, &actor, CHANGES_IN_REPORT).await {
                            Ok(preview) => Ok((Vec::new(), preview)),
                            Err(e) => Err(refusal(name, e)?),
                        }
                    }
                }
            },
            None => match read(name, &upload.content, &context) {
                Err(problems) => Err(problems),
                Ok(file) => {
                    let author = Author::user(&actor, &session.user.profile);
                    match preview_file(&state, author, &file, CHANGES_IN_REPORT).await {
                        Ok(preview) => Ok((file.notes, preview)),
                        Err(e) => Err(refusal(name, e)?),
                    }
                }
            },
        };
    let rows = match read {
        Err(problems) => problem_rows(&problems),
        Ok((notes, preview)) => {
            let mut rows: Vec<Vec<Cell>> = notes
                .iter()
                .map(|n| row(name, "remarque", "", "", "", "", n))
                .collect();
            match preview {
                None => rows.push(row(
                    name,
                    "remarque",
                    "",
                    "",
                    "",
                    "",
                    "fichier déjà importé : l'appliquer de nouveau ne changerait rien",
                )),
                Some(preview) => {
                    for e in &preview.changes {
                        let what = format!("{} {}", entity_label(&e.entity), e.entity_key);
                        if e.before_json.is_none() {
                            rows.push(row(name, "nouveau", &what, "", "", "", ""));
                            continue;
                        }
                        for (field, before, after) in
                            changes(e.before_json.as_deref(), e.after_json.as_deref())
                        {
                            rows.push(row(name, "modifié", &what, &field, &before, &after, ""));
                        }
                    }
                    if preview.changed > preview.changes.len() as i64 {
                        rows.push(row(
                            name,
                            "remarque",
                            "",
                            "",
                            "",
                            "",
                            &format!(
                                "{} changements en tout, les {} premiers ci-dessus",
                                preview.changed,
                                preview.changes.len()
                            ),
                        ));
                    }
                }
            }
            rows
        }
    };
    let stem = name
        .rsplit_once('.')
        .map_or(name.as_str(), |(stem, _)| stem);
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("rapport-{}.csv", safe_file_name(stem)),
        csv(&COLUMNS, rows),
    ))
}

/// A file name made of ASCII letters, digits, `-` and `_` only: it goes into a header.
fn safe_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
