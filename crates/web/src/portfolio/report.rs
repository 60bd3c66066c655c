//! `/imports/{id}/rapport.csv`: the whole report of an upload as a spreadsheet opens it — every problem of
//! a refused file (not only the first ones the page lists), or what the reader noticed and every change
//! applying it would make, field by field, before → after.

use axum::extract::State;
use axum::response::Response;
use territoires_ingest::spreadsheet::{csv, Cell};
use territoires_ingest::Problem;
use territoires_store::access::Author;

use super::imports::{entity_label, preview_file, read, read_context, refusal, upload_of};
use crate::access::auth::{actor, SignedIn};
use crate::history::changes;
use crate::params::PathParams;
use crate::registry::exports::attachment;
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
    let context = read_context(&state, &session.user.profile).await?;
    let rows = match read(name, &upload.content, &context) {
        Err(problems) => problem_rows(&problems),
        Ok(file) => {
            let mut rows: Vec<Vec<Cell>> = file
                .notes
                .iter()
                .map(|n| row(name, "remarque", "", "", "", "", n))
                .collect();
            let actor = actor(&session);
            let author = Author::user(&actor, &session.user.profile);
            let preview = preview_file(&state, author, &file, CHANGES_IN_REPORT).await;
            match preview {
                Err(e) => rows.extend(problem_rows(&refusal(name, e)?)),
                Ok(None) => rows.push(row(
                    name,
                    "remarque",
                    "",
                    "",
                    "",
                    "",
                    "fichier déjà importé : l'appliquer de nouveau ne changerait rien",
                )),
                Ok(Some(preview)) => {
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
