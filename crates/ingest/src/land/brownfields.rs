//! Brownfield files (CSV or a workbook sheet `friches`), as Cartofriches publishes them and people keep
//! them: the CNIG *friches* standard's columns (any version, dates in French or ISO, `NA` for nothing),
//! or Cartofriches' list of points (`site_id`, `nature`, `nom_prodcartofriches`, `site_statut`, `geom` as
//! R's `c(lon, lat)`, Latin-1), or any mix. Every wrong line is reported with its column; a value the
//! standard's export cannot carry (a parcel list a spreadsheet turned into `5,62E+184`) is kept and
//! named in the report.
//!
//! Each line's status is a dated fact: as of its `date_situation`, else its `site_actu_date`, else the
//! situation date given with the file (a list of points dates none of its lines).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use territoires_domain::fr::read_date;
use territoires_domain::ids::CommuneCode;
use territoires_domain::land::brownfield::{
    read_square_metres, Brownfield, BrownfieldStatus, Point, EXTRA_FIELDS, STANDARD_FIELDS,
};
use territoires_domain::land::standard::is_missing;
use territoires_domain::text::undo_double_encoding;
use territoires_domain::DomainError;
use time::Date;

use territoires_store::registry::referential::ImportOutcome;
use territoires_store::Store;

use crate::context::Context;
use crate::source::{hash, DataDir};
use crate::table::{identity, read_bounded, read_table, Table};
use crate::{IngestError, Result};

/// The table a brownfield file is, in a scope's column mapping.
pub const TABLE: &str = "friches";

/// The columns of Cartofriches' list of points that are not the standard's.
pub const LIST_COLUMNS: [&str; 4] = ["nature", "nom_prodcartofriches", "geom", "date_situation"];

/// Every column a brownfield file may have: the standard's, then the list's.
pub fn columns() -> &'static [&'static str] {
    static COLUMNS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(|| {
        STANDARD_FIELDS
            .iter()
            .chain(LIST_COLUMNS.iter())
            .copied()
            .collect()
    })
}

const REQUIRED: [&str; 1] = ["site_id"];

/// A brownfield file read: its sites, its identity, and what the report should say.
#[derive(Debug)]
pub struct BrownfieldFile {
    /// The sites, in the file's order.
    pub sites: Vec<Brownfield>,
    /// The file's identity (content and how its headers were read).
    pub content_hash: String,
    /// What the reading noticed (encoding, row numbers dropped, codes completed).
    pub notes: Vec<String>,
}

/// Reads a brownfield file from disk; `situation` dates the lines that date nothing.
pub fn read_brownfields(
    path: &Path,
    context: &Context,
    situation: Option<Date>,
) -> Result<BrownfieldFile> {
    read_brownfields_file(path, &read_bounded(path)?, context, situation)
}

/// Reads a brownfield file from its contents, `path` naming it.
pub fn read_brownfields_file(
    path: &Path,
    bytes: &[u8],
    context: &Context,
    situation: Option<Date>,
) -> Result<BrownfieldFile> {
    let mut table = read_table(path, bytes, TABLE)?;
    drop_row_numbers(&mut table);
    table.check_columns_as(path, (TABLE, &context.mapping), &REQUIRED, columns())?;
    table.check_rows(path)?;
    let dated = table
        .header
        .iter()
        .any(|h| h == "date_situation" || h == "site_actu_date");
    if !dated && situation.is_none() {
        return Err(IngestError::Format {
            path: path.to_owned(),
            message: "aucune date ne dit quand le statut des friches est connu : ajoutez une colonne date_situation \
                      (ou site_actu_date), ou donnez la date de situation du fichier"
                .into(),
        });
    }
    let content_hash = identity(
        hash([
            bytes,
            situation
                .map(|d| d.to_string())
                .unwrap_or_default()
                .as_bytes(),
        ]),
        [(TABLE, table.readings.as_slice())],
    );
    let mut notes = std::mem::take(&mut table.notes);
    let (sites, more) = parse_table(path, table, situation)?;
    notes.extend(more);
    Ok(BrownfieldFile {
        sites,
        content_hash,
        notes,
    })
}

/// Drops a first column without header that only numbers the lines (what R and pandas write first).
fn drop_row_numbers(table: &mut Table) {
    let numbered = table.header.first().is_some_and(|h| h.trim().is_empty())
        && table.rows.iter().enumerate().all(|(i, (_, cells))| {
            cells
                .first()
                .is_some_and(|c| c.trim() == (i + 1).to_string())
        });
    if numbered && !table.rows.is_empty() {
        table.header.remove(0);
        for (_, cells) in &mut table.rows {
            cells.remove(0);
        }
        table
            .notes
            .push("première colonne sans en-tête ignorée : elle numérote les lignes".into());
    }
}

/// The sites of a table whose columns are checked, and what the report should say of their reading.
fn parse_table(
    path: &Path,
    mut table: Table,
    situation: Option<Date>,
) -> Result<(Vec<Brownfield>, Vec<String>)> {
    let index = table.column_index();
    let mut sites = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let (mut completed, mut repaired) = (0, 0);
    for (line, cells) in &mut table.rows {
        for cell in cells.iter_mut() {
            if let Some(text) = undo_double_encoding(cell) {
                *cell = text;
                repaired += 1;
            }
        }
        let (line, cells) = (&*line, &*cells);
        let get = |column: &str| {
            index
                .get(column)
                .and_then(|&i| cells.get(i))
                .map(|s| s.trim())
                .filter(|s| !is_missing(s))
        };
        let fail = |field: &str, e: DomainError| {
            IngestError::record(path, format!("ligne {line}"), field, e)
        };
        let parsed = (|| {
            let site_id = get("site_id").unwrap_or_default().to_owned();
            if !seen.insert(site_id.clone()) {
                return Err(fail(
                    "site_id",
                    DomainError::Rule(format!(
                        "le site « {site_id} » figure déjà plus haut dans le fichier"
                    )),
                ));
            }
            let (commune, padded) =
                commune_of(get("comm_insee"), &site_id).map_err(|e| fail("comm_insee", e))?;
            let point = match (get("geompoint"), get("geom")) {
                (Some(wkt), _) => {
                    Some(Point::read("geompoint", wkt).map_err(|e| fail("geompoint", e))?)
                }
                (None, Some(pair)) => Some(Point::read("geom", pair).map_err(|e| fail("geom", e))?),
                (None, None) => None,
            };
            let status = BrownfieldStatus::parse(get("site_statut").unwrap_or_default())
                .map_err(|e| fail("site_statut", e))?;
            let status_on = match (get("date_situation"), get("site_actu_date"), situation) {
                (Some(d), _, _) => {
                    read_date("date_situation", d).map_err(|e| fail("date_situation", e))?
                }
                (None, Some(d), _) => {
                    read_date("site_actu_date", d).map_err(|e| fail("site_actu_date", e))?
                }
                (None, None, Some(d)) => d,
                (None, None, None) => {
                    return Err(fail(
                        "site_actu_date",
                        DomainError::Rule(
                            "date manquante : la date à laquelle le statut est connu".into(),
                        ),
                    ))
                }
            };
            let area = |field: &'static str| {
                get(field)
                    .map(|v| read_square_metres(field, v).map_err(|e| fail(field, e)))
                    .transpose()
            };
            let standard: BTreeMap<String, String> = STANDARD_FIELDS
                .iter()
                .chain(EXTRA_FIELDS.iter())
                .filter(|f| {
                    !matches!(
                        **f,
                        "site_id"
                            | "site_nom"
                            | "comm_insee"
                            | "site_statut"
                            | "geompoint"
                            | "unite_fonciere_surface"
                            | "bati_surface"
                            | "source_nom"
                    )
                })
                .filter_map(|f| get(f).map(|v| ((*f).to_owned(), v.to_owned())))
                .collect();
            let site = Brownfield {
                name: get("site_nom").map(str::to_owned),
                commune,
                point,
                land_area_m2: area("unite_fonciere_surface")?,
                built_area_m2: area("bati_surface")?,
                status,
                status_on,
                source: get("source_nom")
                    .or(get("nom_prodcartofriches"))
                    .map(str::to_owned),
                standard,
                site_id,
            };
            site.validate()
                .map_err(|e| fail(e.field().unwrap_or("site_id"), e))?;
            Ok((site, padded))
        })();
        match parsed {
            Ok((site, padded)) => {
                completed += usize::from(padded);
                sites.push(site);
            }
            Err(e) => errors.push(e),
        }
    }
    IngestError::check(errors)?;
    let mut notes = Vec::new();
    if completed > 0 {
        notes.push(format!(
            "{completed} code(s) commune à 4 chiffres complétés d'un 0 initial (un tableur l'avait retiré)"
        ));
    }
    if repaired > 0 {
        notes.push(format!(
            "{repaired} valeur(s) encodée(s) deux fois (« Ã© » pour « é ») rétablie(s)"
        ));
    }
    Ok((sites, notes))
}

/// The commune: `comm_insee` (a code a spreadsheet shortened to 4 digits gets its 0 back), else the
/// site id's prefix (`50419_27068`, the standard's form); and whether a code was completed.
fn commune_of(
    given: Option<&str>,
    site_id: &str,
) -> std::result::Result<(CommuneCode, bool), DomainError> {
    let code = given.unwrap_or_else(|| site_id.split('_').next().unwrap_or_default());
    if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) {
        return CommuneCode::parse(&format!("0{code}")).map(|c| (c, true));
    }
    CommuneCode::parse(code).map(|c| (c, false))
}

/// Reads and imports a brownfield file in one transaction: one bad line and nothing is written.
pub async fn import_brownfields(
    store: &Store,
    path: &Path,
    context: &Context,
    situation: Option<Date>,
    actor: &str,
) -> Result<ImportOutcome> {
    let file = read_brownfields(path, context, situation)?;
    let mut outcome = store
        .import_brownfields(&file.sites, &file.content_hash, &file_name(path), actor)
        .await?;
    outcome.notes = file.notes;
    Ok(outcome)
}

/// The file's name without its folders: what a status records it came from (a server's paths are
/// nobody's business).
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The day Cartofriches' 2023 list of points is taken as of: it dates none of its lines, and was
/// published in 2023, so each status held on the year's last day at the latest.
pub const CARTOFRICHES_LIST_SITUATION: Date = time::macros::date!(2023 - 12 - 31);

/// Loads Cartofriches' two files from the reference data (`territoires up`): the 2023 list of points as of
/// [`CARTOFRICHES_LIST_SITUATION`], then the 2024 standard file, whose lines date themselves. Loading them
/// twice writes nothing.
pub async fn load_cartofriches(
    store: &Store,
    data: &DataDir,
    actor: &str,
) -> Result<ImportOutcome> {
    let [standard, list] = data.cartofriches();
    let context = Context::default();
    let list = import_brownfields(
        store,
        &list,
        &context,
        Some(CARTOFRICHES_LIST_SITUATION),
        actor,
    )
    .await?;
    let standard = import_brownfields(store, &standard, &context, None, actor).await?;
    Ok(ImportOutcome::combined([list, standard]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, situation: Option<Date>) -> Result<BrownfieldFile> {
        read_brownfields_file(
            Path::new("friches.csv"),
            text.as_bytes(),
            &Context::default(),
            situation,
        )
    }

    #[test]
    fn a_list_of_points_reads_with_its_situation_date_and_its_row_numbers_dropped() {
        let text = "\"\";\"site_id\";\"nature\";\"nom_prodcartofriches\";\"site_statut\";\"geom\"\n\
                    \"1\";\"01013_9130\";\"MTE\";\"Friche étude Ademe 2021\";\"friche potentielle\";c(5.517, 45.880)\n\
                    \"2\";\"59601_20139\";\"fond friche\";\"Appel à projet Fonds Friches\";\"friche avec projet\";c(4.11, 50.05)\n";
        let err = read(text, None).unwrap_err().to_string();
        assert!(err.contains("date_situation"), "{err}");
        let day = time::macros::date!(2023 - 12 - 31);
        let file = read(text, Some(day)).unwrap();
        assert_eq!(file.sites.len(), 2);
        let s = &file.sites[1];
        assert_eq!(s.commune.as_str(), "59601");
        assert_eq!(s.status, BrownfieldStatus::WithProject);
        assert_eq!(s.status_on, day);
        assert_eq!(
            s.point,
            Some(Point {
                lon: 4.11,
                lat: 50.05
            })
        );
        assert_eq!(s.source.as_deref(), Some("Appel à projet Fonds Friches"));
        assert_eq!(
            s.standard.get("nature").map(String::as_str),
            Some("fond friche")
        );
        assert!(
            file.notes.iter().any(|n| n.contains("numérote les lignes")),
            "{:?}",
            file.notes
        );
    }

    #[test]
    fn standard_lines_read_french_dates_na_and_shortened_commune_codes() {
        let text = "site_id;site_nom;site_statut;site_actu_date;comm_insee;unite_fonciere_surface;geompoint;bati_type\n\
                    3013_1;Ancienne tuilerie;friche sans projet;16/01/2024;3013;11 268;POINT (3.1 46.3);NA\n";
        let file = read(text, None).unwrap();
        let s = &file.sites[0];
        assert_eq!(s.commune.as_str(), "03013");
        assert_eq!(s.status_on, time::macros::date!(2024 - 01 - 16));
        assert_eq!(s.land_area_m2, Some(11_268));
        assert!(!s.standard.contains_key("bati_type"), "NA is nothing");
        assert!(file.notes.iter().any(|n| n.contains("4 chiffres")));
    }

    #[test]
    fn every_wrong_line_is_named_with_its_column_and_value() {
        let text = "site_id;site_statut;site_actu_date;geompoint;unite_fonciere_surface\n\
                    57463_1;friche en sommeil;2024-01-16;POINT (6.1 49.1);100\n\
                    57463_2;friche sans projet;2024-01-16;POINT (6.1);100\n\
                    57463_3;friche sans projet;le 3 mai;POINT (6.1 49.1);100\n\
                    57463_4;friche sans projet;2024-01-16;POINT (6.1 49.1);beaucoup\n\
                    57463_4;friche sans projet;2024-01-16;POINT (6.1 49.1);100\n";
        let err = read(text, None).unwrap_err().to_string();
        for expected in [
            "ligne 2, champ « site_statut » : site_statut : « friche en sommeil »",
            "ligne 3, champ « geompoint »",
            "ligne 4, champ « site_actu_date »",
            "ligne 5, champ « unite_fonciere_surface »",
            "ligne 6, champ « site_id » : le site « 57463_4 » figure déjà",
        ] {
            assert!(err.contains(expected), "{expected} in {err}");
        }
    }
}
