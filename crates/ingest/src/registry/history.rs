//! History spreadsheets (CSV or XLSX): one line per event, governance appointment or attribute change of a
//! territory. Labelling files are history files too (events `labellise`, `retire`, `fusionne`, `scinde`).
//!
//! Columns, in any order (headers are matched ignoring case and accents): `phase`, `id_territoire`,
//! `evenement` (an event code such as `labellise` or `contrat_signe`; a role: `binome_elu`,
//! `binome_industriel`, `chef_de_projet`; or an attribute change: `fragile`, `fin_fragile`, `etiquette`,
//! `fin_etiquette`), `date` (AAAA-MM-JJ, a spreadsheet date, or `AAAA-MM-JJ/AAAA-MM-JJ` with precision
//! `entre`), `precision` (`exacte`, `au_plus_tard`, `entre`, `prevu`), `personne` (for a role; empty means
//! the post is vacant), `organisation`, `note`, `source`, `successeurs` (for `fusionne` and `scinde`: ids
//! separated by `|`), `etiquette` (for `etiquette` and `fin_etiquette`). Any other column is refused.

use std::path::Path;

use territoires_domain::ids::TerritoryId;
use territoires_domain::phase::Phase;
use territoires_domain::registry::attributes::{Attribute, AttributeChange};
use territoires_domain::registry::governance::{Appointment, Role};
use territoires_domain::registry::milestone::{
    parse_event_date, DatePrecision, Milestone, MilestoneKind,
};
use territoires_domain::registry::names::Places;
use territoires_domain::DomainError;
use territoires_store::registry::history::{HistoryRecord, TerritoryRecord};
use territoires_store::registry::referential::ImportOutcome;
use territoires_store::Store;

use crate::context::Context;
use crate::source::hash;
use crate::table::{identity, read_bounded, read_csv, read_table, Table};
use crate::{IngestError, Result};

/// The table a history file is, in a scope's column mapping.
pub const TABLE: &str = "historique";

/// The columns of a history file.
pub const COLUMNS: [&str; 11] = [
    "phase",
    "id_territoire",
    "evenement",
    "date",
    "precision",
    "personne",
    "organisation",
    "note",
    "source",
    "successeurs",
    "etiquette",
];
const REQUIRED: [&str; 4] = ["phase", "id_territoire", "evenement", "date"];

/// Reads a history file (`.csv` or `.xlsx`) into records. Every wrong line is reported, with its column.
pub fn read_history(path: &Path, context: &Context) -> Result<(Vec<TerritoryRecord>, String)> {
    read_history_file(path, &read_bounded(path)?, context)
}

/// Reads a history file from its contents (an upload), `path` naming it: a workbook's sheet `historique`
/// (else its first visible one) or a CSV text, whatever the name says. Headers are read by the scope's
/// mapping first; territories may be given by name.
pub fn read_history_file(
    path: &Path,
    bytes: &[u8],
    context: &Context,
) -> Result<(Vec<TerritoryRecord>, String)> {
    let mut table = read_table(path, bytes, TABLE)?;
    table.check_columns_as(path, (TABLE, &context.mapping), &REQUIRED, &COLUMNS)?;
    table.check_rows(path)?;
    let content_hash = identity(hash([bytes]), [(TABLE, table.readings.as_slice())]);
    let origin = path.display().to_string();
    Ok((
        parse_table(path, &origin, table, &context.places)?,
        content_hash,
    ))
}

/// Reads history from CSV text held in memory (the demo and reference datasets), `name` standing for its
/// file.
pub(crate) fn read_history_text(name: &str, text: &str) -> Result<(Vec<TerritoryRecord>, String)> {
    let path = Path::new(name);
    let mut table = read_csv(path, text.as_bytes())?;
    table.check_columns(path, &REQUIRED, &COLUMNS)?;
    Ok((
        parse_table(path, name, table, &Places::default())?,
        hash([text.as_bytes()]),
    ))
}

/// An attribute change from its event code, if it is one.
fn attribute_event(event: &str) -> Option<(bool, bool)> {
    // (is a tag, present)
    match event {
        "fragile" => Some((false, true)),
        "fin_fragile" => Some((false, false)),
        "etiquette" => Some((true, true)),
        "fin_etiquette" => Some((true, false)),
        _ => None,
    }
}

/// The records of a table whose columns are checked.
fn parse_table(
    path: &Path,
    origin: &str,
    table: Table,
    places: &Places,
) -> Result<Vec<TerritoryRecord>> {
    let index = table.column_index();
    let today = time::OffsetDateTime::now_utc().date();
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
            let (territory_id, _) = places
                .territory(phase, get("id_territoire"))
                .map_err(|e| fail("id_territoire", e))?;
            let precision: DatePrecision =
                get("precision").parse().map_err(|e| fail("precision", e))?;
            let (earliest, date) =
                parse_event_date(get("date"), precision).map_err(|e| fail("date", e))?;
            let event = get("evenement");
            let single_date = |what: &str| {
                if precision == DatePrecision::Exact {
                    Ok(())
                } else {
                    Err(fail(
                        "precision",
                        DomainError::Rule(format!(
                            "{what} a une date exacte (précision « exacte » ou vide)"
                        )),
                    ))
                }
            };
            let record = if let Ok(role) = event.parse::<Role>() {
                single_date("une désignation")?;
                let a = Appointment {
                    role,
                    person: Some(get("personne"))
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned),
                    organisation: get("organisation").to_owned(),
                    started_on: date,
                    withdrawal: None,
                };
                a.validate(today).map_err(|e| fail("date", e))?;
                HistoryRecord::Appointment(a)
            } else if let Some((is_tag, present)) = attribute_event(event) {
                single_date("un changement d'attribut")?;
                let attribute = if is_tag {
                    Attribute::tag(get("etiquette")).map_err(|e| fail("etiquette", e))?
                } else {
                    Attribute::Fragile
                };
                let c = AttributeChange {
                    attribute,
                    present,
                    on: date,
                    note: get("note").to_owned(),
                    source: get("source").to_owned(),
                    withdrawal: None,
                };
                c.validate(today).map_err(|e| fail("date", e))?;
                HistoryRecord::Attribute(c)
            } else {
                let kind: MilestoneKind = event.parse().map_err(|_| {
                    fail(
                        "evenement",
                        DomainError::Invalid {
                            field: "evenement",
                            value: event.to_owned(),
                            expected: "un code d'événement (labellise, contrat_signe, plan_actions_valide…), un rôle (binome_elu, binome_industriel, chef_de_projet) ou un attribut (fragile, fin_fragile, etiquette, fin_etiquette)",
                        },
                    )
                })?;
                let related = get("successeurs")
                    .split('|')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(TerritoryId::parse)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| fail("successeurs", e))?;
                let m = Milestone {
                    kind,
                    occurred_on: date,
                    precision,
                    earliest,
                    related,
                    note: get("note").to_owned(),
                    source: get("source").to_owned(),
                    withdrawal: None,
                };
                m.validate_for(phase, today)
                    .map_err(|e| fail("evenement", e))?;
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
pub async fn import_history(
    store: &Store,
    path: &Path,
    context: &Context,
    actor: &str,
) -> Result<ImportOutcome> {
    let (records, content_hash) = read_history(path, context)?;
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
             2018-2022;ti-4401;contrat_signe;31/02/2019\n\
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
    fn labelling_bounds_successors_and_attributes_are_read() {
        let records = parse(
            "phase;id_territoire;evenement;date;precision;successeurs;etiquette;source\n\
             2018-2022;ti-4401;labellise;2018-11-22/2019-11-19;entre;;;Communiqué\n\
             2018-2022;ti-4402;fusionne;2021-01-01;;ti-4401|ti-4403;;\n\
             2018-2022;ti-4403;fragile;2019-09-01;;;;Liste de septembre 2019\n\
             2018-2022;ti-4403;etiquette;2020-01-01;;;Campus des métiers;\n\
             2023-2027;ti-4401;contrat_signe;2031-01-01;prevu;;;\n",
        )
        .unwrap();
        assert_eq!(records.len(), 5);
        let HistoryRecord::Milestone(m) = &records[0].record else {
            panic!()
        };
        assert_eq!(m.earliest, Some(time::macros::date!(2018 - 11 - 22)));
        let HistoryRecord::Milestone(m) = &records[1].record else {
            panic!()
        };
        assert_eq!(m.related.len(), 2);
        assert!(
            matches!(&records[2].record, HistoryRecord::Attribute(c) if c.attribute == Attribute::Fragile)
        );
        assert!(
            matches!(&records[3].record, HistoryRecord::Attribute(c) if c.attribute == Attribute::Tag("campus des métiers".into()))
        );
        assert!(
            matches!(&records[4].record, HistoryRecord::Milestone(m) if m.precision == DatePrecision::Planned)
        );
    }

    #[test]
    fn future_events_unknown_columns_and_intervals_without_precision_are_refused() {
        let err = parse(
            "phase;id_territoire;evenement;date;precision\n\
             2023-2027;ti-4401;contrat_signe;2031-01-01;\n\
             2018-2022;ti-4401;labellise;2018-11-22/2019-11-19;\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("ligne 2, champ « evenement »") && err.contains("prévu"),
            "{err}"
        );
        assert!(err.contains("ligne 3, champ « date »"), "{err}");
        let err = parse("phase;id_territoire;evenement;date;commentaire\n1;ti-4401;contrat_signe;2019-11-19;x\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("colonne inconnue « commentaire »"), "{err}");
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
