//! History spreadsheets (CSV or XLSX): one line per milestone or governance appointment.
//!
//! Columns, in any order (headers are matched ignoring case and accents): `phase`, `id_territoire`,
//! `evenement` (a milestone code such as `contrat_signe`, or a role: `binome_elu`, `binome_industriel`,
//! `chef_de_projet`), `date` (AAAA-MM-JJ or a spreadsheet date), `precision` (`exacte` or `au_plus_tard`),
//! `personne` (for a role; empty means the post is vacant), `organisation`, `note`, `source`.

use std::path::Path;

use territoires_domain::fr::parse_date;
use territoires_domain::governance::{Appointment, Role};
use territoires_domain::milestone::{Milestone, MilestoneKind};
use territoires_domain::phase::Phase;
use territoires_domain::DomainError;
use territoires_store::history::{HistoryRecord, TerritoryRecord};
use territoires_store::referential::ImportOutcome;
use territoires_store::Store;

use crate::source::{hash, read};
use crate::table::{read_csv, read_xlsx, Table};
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

/// Reads a history file (`.csv` or `.xlsx`) into records. Every wrong line is reported, with its column.
pub fn read_history(path: &Path) -> Result<(Vec<TerritoryRecord>, String)> {
    let bytes = read(path)?;
    let content_hash = hash([bytes.as_slice()]);
    let is_xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let table = if is_xlsx {
        read_xlsx(path, None)?
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
    let index = table.column_index();
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
}
