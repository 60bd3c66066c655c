//! History spreadsheets (CSV or XLSX): one line per milestone or governance appointment.
//!
//! Columns, in any order (headers are matched ignoring case and accents): `phase`, `id_territoire`,
//! `evenement` (a milestone code such as `contrat_signe`, or a role: `binome_elu`, `binome_industriel`,
//! `chef_de_projet`), `date` (AAAA-MM-JJ or a spreadsheet date), `precision` (`exacte` or `au_plus_tard`),
//! `personne` (for a role; empty means the post is vacant), `organisation`, `note`, `source`.

use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, Reader};
use territoires_domain::fr::parse_date;
use territoires_domain::governance::{Appointment, Role};
use territoires_domain::milestone::{Milestone, MilestoneKind};
use territoires_domain::phase::Phase;
use territoires_domain::search::search_key;
use territoires_domain::DomainError;
use territoires_store::history::{HistoryRecord, TerritoryRecord};
use territoires_store::referential::ImportOutcome;
use territoires_store::Store;

use crate::source::{hash, read};
use crate::{IngestError, Result};

/// The columns of a history file.
pub const COLUMNS: [&str; 9] = [
    "phase",
    "id_territoire",
    "evenement",
    "date",
    "precision",
    "personne",
    "organisation",
    "note",
    "source",
];
const REQUIRED: [&str; 4] = ["phase", "id_territoire", "evenement", "date"];

/// A table read from a file: header names, then numbered rows of cells.
struct Table {
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

fn read_csv(path: &Path, bytes: &[u8]) -> Result<Table> {
    let text = std::str::from_utf8(bytes).map_err(|e| IngestError::Format {
        path: path.to_owned(),
        message: format!(
            "encodage attendu UTF-8 (octet invalide à la position {})",
            e.valid_up_to()
        ),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Spreadsheets saved in French use semicolons; others use commas.
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.matches(';').count() >= first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| IngestError::Format {
            path: path.to_owned(),
            message: e.to_string(),
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            IngestError::record(path, format!("ligne {line}"), "-", e)
        })?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(Table { header, rows })
}

fn read_xlsx(path: &Path) -> Result<Table> {
    let format = |message: String| IngestError::Format {
        path: path.to_owned(),
        message,
    };
    let mut workbook = calamine::open_workbook_auto(path).map_err(|e| format(e.to_string()))?;
    let sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| format("classeur sans feuille".into()))?;
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| format(e.to_string()))?;
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, row)| (i + 1, row.iter().map(cell_text).collect::<Vec<_>>()));
    let header = rows
        .next()
        .map(|(_, h)| h)
        .ok_or_else(|| format(format!("feuille « {sheet} » vide")))?;
    Ok(Table {
        header,
        rows: rows
            .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
            .collect(),
    })
}

/// A cell as text; spreadsheet dates become ISO dates.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_serial_to_iso(dt.as_f64()),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Spreadsheet serial dates count days from 1899-12-30.
fn excel_serial_to_iso(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    let date = epoch + time::Duration::days(serial.floor() as i64);
    territoires_domain::fr::iso_date(date)
}

/// Reads a history file (`.csv` or `.xlsx`) into records. Every wrong line is reported, with its column.
pub fn read_history(path: &Path) -> Result<(Vec<TerritoryRecord>, String)> {
    let bytes = read(path)?;
    let content_hash = hash([bytes.as_slice()]);
    let is_xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let table = if is_xlsx {
        read_xlsx(path)?
    } else {
        read_csv(path, &bytes)?
    };
    let origin = path.display().to_string();
    Ok((parse_table(path, &origin, table)?, content_hash))
}

/// Reads history from CSV text held in memory (the demo dataset), `name` standing for its file.
pub(crate) fn read_history_text(name: &str, text: &str) -> Result<(Vec<TerritoryRecord>, String)> {
    let path = Path::new(name);
    let table = read_csv(path, text.as_bytes())?;
    Ok((parse_table(path, name, table)?, hash([text.as_bytes()])))
}

fn parse_table(path: &Path, origin: &str, table: Table) -> Result<Vec<TerritoryRecord>> {
    let index: HashMap<String, usize> = table
        .header
        .iter()
        .enumerate()
        .map(|(i, h)| (search_key(h).replace(' ', "_"), i))
        .collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !index.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        return Err(IngestError::Format {
            path: path.to_owned(),
            message: format!(
                "colonne(s) manquante(s) : {} (colonnes attendues : {})",
                missing.join(", "),
                COLUMNS.join(", ")
            ),
        });
    }
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (line, cells) in table.rows {
        let get = |column: &str| {
            index
                .get(column)
                .and_then(|&i| cells.get(i))
                .map(|s| s.trim())
                .unwrap_or_default()
        };
        let location = format!("ligne {line}");
        let fail =
            |field: &str, e: DomainError| IngestError::record(path, location.clone(), field, e);
        let parsed = (|| {
            let phase: Phase = get("phase").parse().map_err(|e| fail("phase", e))?;
            let territory_id = territoires_domain::ids::TerritoryId::parse(get("id_territoire"))
                .map_err(|e| fail("id_territoire", e))?;
            let date = parse_date("date", get("date")).map_err(|e| fail("date", e))?;
            let event = get("evenement");
            let record = if let Ok(role) = event.parse::<Role>() {
                let person = Some(get("personne"))
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned);
                HistoryRecord::Appointment(Appointment {
                    role,
                    person,
                    organisation: get("organisation").to_owned(),
                    started_on: date,
                })
            } else {
                let kind: MilestoneKind = event.parse().map_err(|_| {
                    fail(
                        "evenement",
                        DomainError::Invalid {
                            field: "evenement",
                            value: event.to_owned(),
                            expected: "un code de jalon (contrat_signe, plan_actions_valide…) ou un rôle (binome_elu, binome_industriel, chef_de_projet)",
                        },
                    )
                })?;
                let m = Milestone {
                    kind,
                    occurred_on: date,
                    precision: get("precision").parse().map_err(|e| fail("precision", e))?,
                    note: get("note").to_owned(),
                    source: get("source").to_owned(),
                };
                m.validate_for(phase).map_err(|e| fail("evenement", e))?;
                HistoryRecord::Milestone(m)
            };
            Ok::<_, IngestError>(TerritoryRecord {
                phase,
                territory_id: territory_id.to_string(),
                record,
                origin: format!("{origin}, ligne {line}"),
            })
        })();
        match parsed {
            Ok(r) => records.push(r),
            Err(e) => errors.push(e),
        }
    }
    IngestError::check(errors)?;
    Ok(records)
}

/// Reads and imports a history file in one transaction: one bad line and nothing is written.
pub async fn import_history(store: &Store, path: &Path, actor: &str) -> Result<ImportOutcome> {
    let (records, content_hash) = read_history(path)?;
    Ok(store.import_history(&records, &content_hash, actor).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<TerritoryRecord>> {
        read_history_text("test.csv", text).map(|(r, _)| r)
    }

    #[test]
    fn reads_milestones_and_appointments_with_either_delimiter() {
        let records = parse(
            "phase;id_territoire;evenement;date;precision;personne;organisation;note;source\n\
             2018-2022;ti-4401;contrat_signe;2019-11-19;;;;Signature;Communiqué\n\
             2023-2027;ti-4401;chef_de_projet;2024-02-01;;;CA de Haguenau;;\n",
        )
        .unwrap();
        assert_eq!(records.len(), 2);
        assert!(
            matches!(&records[0].record, HistoryRecord::Milestone(m) if m.kind == MilestoneKind::ContractSigned)
        );
        assert!(matches!(&records[1].record, HistoryRecord::Appointment(a) if a.person.is_none()));
        let comma =
            parse("phase,id_territoire,evenement,date\n2,ti-4401,labellise,2023-11-09\n").unwrap();
        assert_eq!(comma.len(), 1);
    }

    #[test]
    fn every_bad_line_is_named_with_its_column() {
        let err = parse(
            "phase;id_territoire;evenement;date\n\
             2018-2022;ti-4401;contrat_signe;19/11/2019\n\
             2018-2022;ti-44;contrat_signe;2019-11-19\n\
             2018-2022;ti-4401;candidature_deposee;2019-11-19\n\
             2018-2022;ti-4401;signature;2019-11-19\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("4 erreur(s)"), "{err}");
        assert!(err.contains("test.csv, ligne 2, champ « date »"), "{err}");
        assert!(err.contains("ligne 3, champ « id_territoire »"), "{err}");
        assert!(
            err.contains(
                "ligne 4, champ « evenement » : le jalon « Candidature déposée » n'existe pas"
            ),
            "{err}"
        );
        assert!(err.contains("ligne 5, champ « evenement »"), "{err}");
    }

    #[test]
    fn missing_columns_are_listed() {
        let err = parse("phase;evenement\n1;contrat_signe\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("colonne(s) manquante(s) : id_territoire, date"),
            "{err}"
        );
    }

    #[test]
    fn spreadsheet_serial_dates_are_calendar_dates() {
        assert_eq!(excel_serial_to_iso(43788.0), "2019-11-19");
    }
}
