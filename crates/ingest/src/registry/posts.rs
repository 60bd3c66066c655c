//! Chef de projet post files (CSV or XLSX): one line per post, or per co-financing of a post (the post's
//! columns repeated).
//!
//! Columns: `phase`, `id_territoire`, `employeur`, `ouverture` (day the post opened), `fermeture` (empty while
//! open), `financeur` (funder code, empty for a post without co-financing), `montant` (euros), `debut`,
//! `fin` (the co-financed period), `source`.

use std::collections::BTreeMap;
use std::path::Path;

use territoires_domain::fr::read_date;
use territoires_domain::money::Cents;
use territoires_domain::phase::Phase;
use territoires_domain::registry::names::Places;
use territoires_domain::registry::posts::{Cofunding, ProjectLeadPost};
use territoires_domain::DomainError;
use territoires_store::registry::posts::PostRecord;
use territoires_store::registry::referential::ImportOutcome;
use territoires_store::Store;

use crate::context::Context;
use crate::source::hash;
use crate::table::{identity, read_bounded, read_table, Table};
use crate::{IngestError, Result};

/// The table a post file is, in a scope's column mapping.
pub const TABLE: &str = "postes";

/// The columns of a post file.
pub const COLUMNS: [&str; 10] = [
    "phase",
    "id_territoire",
    "employeur",
    "ouverture",
    "fermeture",
    "financeur",
    "montant",
    "debut",
    "fin",
    "source",
];
const REQUIRED: [&str; 4] = ["phase", "id_territoire", "employeur", "ouverture"];

/// Reads a post file into records, one per post.
pub fn read_posts(path: &Path, context: &Context) -> Result<(Vec<PostRecord>, String)> {
    read_posts_file(path, &read_bounded(path)?, context)
}

/// Reads a post file from its contents (an upload), `path` naming it: a workbook's sheet `postes` (else
/// its first visible one) or a CSV text; headers are read by the scope's
/// mapping first, territories may be given by name.
pub fn read_posts_file(
    path: &Path,
    bytes: &[u8],
    context: &Context,
) -> Result<(Vec<PostRecord>, String)> {
    let mut table = read_table(path, bytes, TABLE)?;
    table.check_columns_as(path, (TABLE, &context.mapping), &REQUIRED, &COLUMNS)?;
    table.check_rows(path)?;
    let content_hash = identity(hash([bytes]), [(TABLE, table.readings.as_slice())]);
    Ok((parse_table(path, table, &context.places)?, content_hash))
}

/// The posts of a table whose columns are checked.
fn parse_table(path: &Path, table: Table, places: &Places) -> Result<Vec<PostRecord>> {
    let index = table.column_index();
    let mut posts: BTreeMap<(Phase, String, time::Date), PostRecord> = BTreeMap::new();
    let mut errors = Vec::new();
    for (line, cells) in table.rows {
        let get = |column: &str| {
            index
                .get(column)
                .and_then(|&i| cells.get(i))
                .map(|s| s.trim())
                .unwrap_or_default()
        };
        let fail = |field: &str, e: DomainError| {
            IngestError::record(path, format!("ligne {line}"), field, e)
        };
        let date = |field: &'static str| read_date(field, get(field)).map_err(|e| fail(field, e));
        let parsed = (|| {
            let phase: Phase = get("phase").parse().map_err(|e| fail("phase", e))?;
            let (id, _) = places
                .territory(phase, get("id_territoire"))
                .map_err(|e| fail("id_territoire", e))?;
            let opened_on = date("ouverture")?;
            let closed_on = match get("fermeture") {
                "" => None,
                _ => Some(date("fermeture")?),
            };
            let cofunding = match get("financeur") {
                "" => None,
                funder => Some(Cofunding {
                    funder: funder.to_owned(),
                    amount: Cents::parse("montant", get("montant"))
                        .map_err(|e| fail("montant", e))?,
                    starts_on: date("debut")?,
                    ends_on: date("fin")?,
                }),
            };
            Ok::<_, IngestError>((phase, id, opened_on, closed_on, cofunding))
        })();
        let (phase, id, opened_on, closed_on, cofunding) = match parsed {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let record = posts
            .entry((phase, id.to_string(), opened_on))
            .or_insert_with(|| PostRecord {
                phase,
                territory_id: id.to_string(),
                post: ProjectLeadPost {
                    employer: get("employeur").to_owned(),
                    opened_on,
                    closed_on,
                    cofundings: Vec::new(),
                    source: get("source").to_owned(),
                },
                origin: format!("{}, ligne {line}", path.display()),
            });
        if record.post.employer != get("employeur") || record.post.closed_on != closed_on {
            errors.push(fail(
                "employeur",
                DomainError::Rule(format!(
                    "le poste ouvert le {} est décrit autrement plus haut ({})",
                    get("ouverture"),
                    record.origin
                )),
            ));
        }
        record.post.cofundings.extend(cofunding);
    }
    IngestError::check(errors)?;
    Ok(posts.into_values().collect())
}

/// Reads and imports a post file in one transaction.
pub async fn import_posts(
    store: &Store,
    path: &Path,
    context: &Context,
    actor: &str,
) -> Result<ImportOutcome> {
    let (records, content_hash) = read_posts(path, context)?;
    Ok(store.import_posts(&records, &content_hash, actor).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<PostRecord>> {
        read_posts_file(
            Path::new("postes.csv"),
            text.as_bytes(),
            &Context::default(),
        )
        .map(|(posts, _)| posts)
    }

    #[test]
    fn lines_of_one_post_gather_its_cofundings() {
        let posts = parse(
            "phase;id_territoire;employeur;ouverture;fermeture;financeur;montant;debut;fin;source\n\
             2023-2027;ti-4401;CA de Haguenau;2024-02-01;;bdt;40 000;2024-02-01;2026-01-31;Convention\n\
             2023-2027;ti-4401;CA de Haguenau;2024-02-01;;region-44;20 000;2024-02-01;2025-01-31;Convention\n\
             2023-2027;ti-4402;PETR;2024-03-01;;;;;;\n",
        )
        .unwrap();
        assert_eq!(posts.len(), 2);
        assert_eq!(posts[0].post.cofundings.len(), 2);
        assert_eq!(posts[0].post.cofundings[0].amount, Cents::euros(40_000));
        assert!(posts[1].post.cofundings.is_empty());
    }

    #[test]
    fn bad_lines_are_named() {
        let err = parse(
            "phase;id_territoire;employeur;ouverture;financeur;montant;debut;fin\n\
             2023-2027;ti-4401;CA;2024-02-31;bdt;40 000;2024-02-01;2026-01-31\n\
             2023-2027;ti-4401;CA;2024-02-01;bdt;beaucoup;2024-02-01;2026-01-31\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("ligne 2, champ « ouverture »"), "{err}");
        assert!(err.contains("ligne 3, champ « montant »"), "{err}");
    }
}
