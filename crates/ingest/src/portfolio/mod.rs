//! Portfolio spreadsheets: funders, schemes, envelopes, projects (fiches actions) and funding lines, as one
//! XLSX workbook with a sheet per table or as a folder of CSV files named after the tables. Tables that are
//! absent are empty. Multi-valued cells (territories, axes, themes) separate values with `|`.
//!
//! A project's status history is one date column per status (`idee`, `en_preparation`, `engage`,
//! `en_cours`, `realise`, `abandonne`): fill the date each status was entered, leave the others empty.

pub mod export;
pub mod synthetic;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use territoires_domain::fr::{read_date, read_yes_no};
use territoires_domain::ids::RegionCode;
use territoires_domain::money::Cents;
use territoires_domain::phase::Phase;
use territoires_domain::portfolio::funding::{Envelope, Funder, FundingLine, Scheme};
use territoires_domain::portfolio::given::Given;
use territoires_domain::portfolio::project::{
    identifier, normalise_theme, Holder, HolderKind, Outcomes, Project, ProjectStatus, StatusChange,
};
use territoires_domain::portfolio::scheme::{
    read_aid_types, read_coverage, read_targets, read_url, SchemeDetails,
};
use territoires_domain::portfolio::{Portfolio, Row};
use territoires_domain::registry::names::{Found, Places};
use territoires_domain::DomainError;
use territoires_store::registry::referential::ImportOutcome;
use territoires_store::Store;

use crate::context::Context;
use crate::source::hash;
use crate::table::{
    identity, is_workbook, read_bounded, read_csv, ColumnMapping, Table, TableHeaders, Workbook,
};
use crate::{IngestError, Result};

/// The tables of a portfolio and their columns, in the order files list them.
pub const TABLES: [(&str, &[&str]); 5] = [
    ("financeurs", &["code", "nom", "type", "siret"]),
    (
        "dispositifs",
        &[
            "code",
            "nom",
            "financeur",
            "specifique_ti",
            "notification_ue",
            "description",
            "eligibilite",
            "types_aides",
            "cibles",
            "eligibilite_geographique",
            "url_source",
            "date_ouverture",
            "date_cloture",
        ],
    ),
    (
        "enveloppes",
        &["code", "dispositif", "region", "debut", "fin", "montant"],
    ),
    ("projets", &PROJECT_COLUMNS),
    ("financements", &LINE_COLUMNS),
];

/// Columns of the `projets` table.
pub const PROJECT_COLUMNS: [&str; 29] = [
    "code",
    "phase",
    "territoires",
    "titre",
    "description",
    "axes",
    "themes",
    "porteur_type",
    "porteur_id",
    "porteur_nom",
    "cout_total",
    "emplois_crees_prevus",
    "emplois_maintenus_prevus",
    "investissement_prevu",
    "tco2e_evitees_prevues",
    "hectares_friche_prevus",
    "emplois_crees_constates",
    "emplois_maintenus_constates",
    "investissement_constate",
    "tco2e_evitees_constatees",
    "hectares_friche_constates",
    "idee",
    "en_preparation",
    "engage",
    "en_cours",
    "realise",
    "abandonne",
    "source",
    "non_publique",
];

/// Columns of the `financements` table.
pub const LINE_COLUMNS: [&str; 15] = [
    "projet",
    "financeur",
    "dispositif",
    "nature",
    "reference_decision",
    "montant_demande",
    "date_demande",
    "montant_engage",
    "date_engagement",
    "montant_verse",
    "date_versement",
    "date_premier_versement",
    "conditions_versement",
    "date_annulation",
    "depassement_autorise",
];

/// A portfolio read from files, with where each row came from.
#[derive(Debug)]
pub struct PortfolioFile {
    /// The rows.
    pub portfolio: Portfolio,
    /// Identity of the content (an import of the same content writes nothing).
    pub content_hash: String,
    /// What reading the files noticed (encoding, hidden sheets, formulas), for the import's report.
    pub notes: Vec<String>,
    /// Per table read, how each header was read.
    pub mappings: Vec<TableHeaders>,
    /// The columns of projects and lines the files gave: a stored record keeps what they lack.
    pub given: Given,
    origins: HashMap<&'static str, Vec<(PathBuf, String)>>,
}

impl PortfolioFile {
    /// Checks the file's rows on their own (values, dates, transitions, duplicates) and names the file and
    /// line of every problem. References to rows stored before, and envelopes, are checked by the store
    /// once the file is merged with them.
    pub fn validate(&self) -> Result<()> {
        let errors = self
            .portfolio
            .row_problems(&self.given)
            .into_iter()
            .map(|(row, err)| {
                let (table, i) = match row {
                    Row::Funder(i) => ("financeurs", i),
                    Row::Scheme(i) => ("dispositifs", i),
                    Row::Envelope(i) => ("enveloppes", i),
                    Row::Project(i) => ("projets", i),
                    Row::Line(i) => ("financements", i),
                };
                let (path, location) = &self.origins[table][i];
                IngestError::record(path, location.clone(), err.field().unwrap_or("-"), err)
            })
            .collect();
        IngestError::check(errors)
    }
}

/// Reads a portfolio from a workbook (XLSX, ODS or XLS, one sheet per table), a projects CSV file, or a
/// folder of CSV files named after the tables; headers read by a scope's `mapping` first.
pub fn read_portfolio(path: &Path, context: &Context) -> Result<PortfolioFile> {
    let mut tables: Tables = Vec::new();
    let mut contents: Vec<Vec<u8>> = Vec::new();
    if path.is_dir() {
        for (name, _) in TABLES {
            let file = path.join(format!("{name}.csv"));
            if file.is_file() {
                let bytes = read_bounded(&file)?;
                tables.push((
                    name,
                    file.clone(),
                    String::new(),
                    Some(read_csv(&file, &bytes)?),
                ));
                contents.push(bytes);
            } else {
                tables.push((name, file, String::new(), None));
            }
        }
    } else {
        return read_portfolio_file(path, &read_bounded(path)?, context);
    }
    let content_hash = hash(contents.iter().map(Vec::as_slice));
    parse_tables(tables, content_hash, context)
}

/// Reads a portfolio from one file's contents, `path` naming it: a workbook holds one sheet per table; a
/// single CSV is a projects table (the common case of a territory's list of fiches actions). The bytes say
/// which, whatever the file is named. Headers are read by the importer's scope's mapping first.
pub fn read_portfolio_file(path: &Path, bytes: &[u8], context: &Context) -> Result<PortfolioFile> {
    parse_tables(tables_of(path, bytes)?, hash([bytes]), context)
}

/// How the headers of each table of a file are read, also when the file is refused (its columns, or
/// its rows): what the import page offers to map. Empty when the file is no table at all.
pub fn read_headers(path: &Path, bytes: &[u8], mapping: &ColumnMapping) -> Vec<TableHeaders> {
    let Ok(tables) = tables_of(path, bytes) else {
        return Vec::new();
    };
    tables
        .into_iter()
        .filter_map(|(name, path, _, table)| {
            let mut table = table?;
            let columns = columns_of(name);
            // Refused or not, the readings are what is wanted here.
            let _ = table.check_columns_as(&path, (name, mapping), &[], columns);
            Some(TableHeaders {
                table: name,
                columns,
                headers: table.readings,
            })
        })
        .collect()
}

/// The columns of a table of [`TABLES`].
pub fn columns_of(table: &str) -> &'static [&'static str] {
    TABLES
        .iter()
        .find(|(n, _)| *n == table)
        .map(|(_, c)| *c)
        .unwrap_or_default()
}

type Tables = Vec<(&'static str, PathBuf, String, Option<Table>)>;

/// The tables of one file: a workbook's sheets named after the tables, or a CSV of projects.
fn tables_of(path: &Path, bytes: &[u8]) -> Result<Tables> {
    let mut tables = Vec::new();
    if is_workbook(bytes) {
        let mut workbook = Workbook::open(path, bytes)?;
        for (name, _) in TABLES {
            tables.push((
                name,
                path.to_owned(),
                format!("feuille {name}, "),
                workbook.sheet(Some(name))?,
            ));
        }
        if tables.iter().all(|(_, _, _, t)| t.is_none()) {
            return Err(IngestError::Format {
                path: path.to_owned(),
                message: format!(
                    "aucune feuille attendue dans ce classeur (feuilles attendues : {})",
                    TABLES
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    } else {
        tables.push((
            "projets",
            path.to_owned(),
            String::new(),
            Some(read_csv(path, bytes)?),
        ));
    }
    Ok(tables)
}

/// Reads a portfolio from CSV texts held in memory (the demo), each named as its file.
pub(crate) fn read_portfolio_texts(texts: &[(&'static str, &str, &str)]) -> Result<PortfolioFile> {
    let mut tables = Vec::new();
    for (table, name, text) in texts {
        let path = PathBuf::from(name);
        tables.push((
            *table,
            path.clone(),
            String::new(),
            Some(read_csv(&path, text.as_bytes())?),
        ));
    }
    parse_tables(
        tables,
        hash(texts.iter().map(|(_, _, t)| t.as_bytes())),
        &Context::default(),
    )
}

struct Cells<'a> {
    index: &'a HashMap<String, usize>,
    cells: &'a [String],
}

impl Cells<'_> {
    fn get(&self, column: &str) -> &str {
        self.index
            .get(column)
            .and_then(|&i| self.cells.get(i))
            .map_or("", |s| s.trim())
    }

    fn optional(&self, column: &str) -> Option<&str> {
        Some(self.get(column)).filter(|s| !s.is_empty())
    }

    fn required(&self, column: &'static str) -> std::result::Result<&str, (String, DomainError)> {
        self.optional(column).ok_or_else(|| {
            (
                column.to_owned(),
                DomainError::Rule("valeur obligatoire manquante".into()),
            )
        })
    }
}

type CellResult<T> = std::result::Result<T, (String, DomainError)>;

/// A holder's identifier: as written, except an EPCI's, which may be given by name (in `porteur_id`, or
/// only in `porteur_nom`) and is then read as its SIREN.
fn holder_identifier(
    c: &Cells<'_>,
    kind: HolderKind,
    name: Option<&str>,
    (places, named): (&Places, &mut Named),
) -> CellResult<Option<String>> {
    let given = c.optional("porteur_id");
    if kind != HolderKind::Epci {
        return Ok(given.map(str::to_owned));
    }
    match (given, name) {
        (Some(id), _) => {
            let (siren, official) = places.epci(id).map_err(at("porteur_id"))?;
            if let Some(official) = official {
                named.note("porteur_id", id, &siren, official);
            }
            Ok(Some(siren))
        }
        // A name alone identifies the EPCI when it names exactly one; otherwise the holder keeps its name.
        (None, Some(name)) => Ok(match places.epcis.find(name) {
            Found::One(siren, official) => {
                named.note("porteur_nom", name, siren, official);
                Some(siren.to_owned())
            }
            Found::Suggestions(_) => None,
        }),
        (None, None) => Ok(None),
    }
}

fn at(column: &str) -> impl Fn(DomainError) -> (String, DomainError) + '_ {
    move |e| (column.to_owned(), e)
}

fn cents(c: &Cells<'_>, column: &'static str) -> CellResult<Option<Cents>> {
    c.optional(column)
        .map(|v| Cents::parse(column, v))
        .transpose()
        .map_err(at(column))
}

fn integer(c: &Cells<'_>, column: &'static str) -> CellResult<Option<i64>> {
    c.optional(column)
        .map(|v| {
            let digits: String = v
                .chars()
                .filter(|ch| !ch.is_whitespace() && *ch != '\u{202F}')
                .collect();
            digits
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| DomainError::Invalid {
                    field: column,
                    value: v.to_owned(),
                    expected: "un nombre entier positif",
                })
        })
        .transpose()
        .map_err(at(column))
}

fn date(c: &Cells<'_>, column: &'static str) -> CellResult<Option<time::Date>> {
    c.optional(column)
        .map(|v| read_date(column, v))
        .transpose()
        .map_err(at(column))
}

fn yes_no(c: &Cells<'_>, column: &'static str) -> CellResult<bool> {
    Ok(optional_yes_no(c, column)?.unwrap_or(false))
}

/// A yes or no, `None` when the cell is empty.
fn optional_yes_no(c: &Cells<'_>, column: &'static str) -> CellResult<Option<bool>> {
    read_yes_no(column, c.get(column), "oui ou non").map_err(at(column))
}

fn outcomes(c: &Cells<'_>, columns: [&'static str; 5]) -> CellResult<Outcomes> {
    Ok(Outcomes {
        jobs_created: integer(c, columns[0])?,
        jobs_kept: integer(c, columns[1])?,
        investment: cents(c, columns[2])?,
        tco2e_avoided: integer(c, columns[3])?,
        brownfield_hectares: integer(c, columns[4])?,
    })
}

/// The places a file gave by name, read as their codes: `(column, as written, code, name)` and how many
/// cells, for the report.
#[derive(Default)]
struct Named(std::collections::BTreeMap<(&'static str, String, String, String), usize>);

impl Named {
    /// Counts a cell of `column` that gave `written` for the place `code`, officially `name`.
    fn note(&mut self, column: &'static str, written: &str, code: &str, name: &str) {
        *self
            .0
            .entry((column, written.to_owned(), code.to_owned(), name.to_owned()))
            .or_default() += 1;
    }

    fn notes(self) -> impl Iterator<Item = String> {
        self.0
            .into_iter()
            .map(|((column, written, code, name), n)| {
                format!("{column} : « {written} » lu comme {code} ({name}), {n} cellule(s)")
            })
    }
}

fn parse_row(
    table: &str,
    c: &Cells<'_>,
    p: &mut Portfolio,
    (places, named): (&Places, &mut Named),
) -> CellResult<()> {
    match table {
        "financeurs" => p.funders.push(Funder {
            code: c.required("code")?.to_owned(),
            name: c.required("nom")?.to_owned(),
            kind: c.get("type").parse().map_err(at("type"))?,
            siret: identifier(c.get("siret")),
        }),
        "dispositifs" => p.schemes.push(Scheme {
            code: c.required("code")?.to_owned(),
            name: c.required("nom")?.to_owned(),
            funder: c.required("financeur")?.to_owned(),
            ti_specific: yes_no(c, "specifique_ti")?,
            eu_notified: optional_yes_no(c, "notification_ue")?,
            details: SchemeDetails {
                description: c.optional("description").map(str::to_owned),
                eligibility: c.optional("eligibilite").map(str::to_owned),
                aid_types: read_aid_types(c.get("types_aides")).map_err(at("types_aides"))?,
                targets: read_targets(c.get("cibles")).map_err(at("cibles"))?,
                coverage: read_coverage(c.get("eligibilite_geographique"))
                    .map_err(at("eligibilite_geographique"))?,
                url: read_url(c.get("url_source")).map_err(at("url_source"))?,
                opens_on: date(c, "date_ouverture")?,
                closes_on: date(c, "date_cloture")?,
            },
        }),
        "enveloppes" => p.envelopes.push(Envelope {
            code: c.required("code")?.to_owned(),
            scheme: c.required("dispositif")?.to_owned(),
            region: c
                .optional("region")
                .map(RegionCode::parse)
                .transpose()
                .map_err(at("region"))?,
            starts_on: read_date("debut", c.get("debut")).map_err(at("debut"))?,
            ends_on: read_date("fin", c.get("fin")).map_err(at("fin"))?,
            amount: Cents::parse("montant", c.get("montant")).map_err(at("montant"))?,
        }),
        "projets" => {
            let mut history = Vec::new();
            for status in ProjectStatus::ALL {
                if let Some(on) = date(c, status.code())? {
                    history.push(StatusChange {
                        status: *status,
                        on,
                    });
                }
            }
            // The order of the columns is the order of the statuses; a stable sort keeps it for equal dates.
            history.sort_by_key(|s| s.on);
            let holder = match (c.optional("porteur_type"), c.optional("porteur_nom")) {
                (None, None) => None,
                (kind, name) => {
                    let kind: HolderKind = kind
                        .unwrap_or("autre")
                        .parse()
                        .map_err(at("porteur_type"))?;
                    Some(Holder {
                        identifier: holder_identifier(c, kind, name, (places, named))?,
                        kind,
                        name: name.unwrap_or_default().to_owned(),
                    })
                }
            };
            let phase: Phase = c.get("phase").parse().map_err(at("phase"))?;
            p.projects.push(Project {
                not_yet_public: yes_no(c, "non_publique")?,
                code: c.required("code")?.to_owned(),
                phase,
                territories: split(c.get("territoires"))
                    .map(|t| {
                        let (id, official) =
                            places.territory(phase, t).map_err(at("territoires"))?;
                        if let Some(official) = official {
                            named.note("territoires", t, id.as_str(), official);
                        }
                        Ok(id)
                    })
                    .collect::<CellResult<_>>()?,
                title: c.required("titre")?.to_owned(),
                description: c.get("description").to_owned(),
                axes: split(c.get("axes"))
                    .map(str::parse)
                    .collect::<std::result::Result<_, _>>()
                    .map_err(at("axes"))?,
                themes: split(c.get("themes")).map(normalise_theme).collect(),
                holder,
                total_cost: cents(c, "cout_total")?,
                expected: outcomes(
                    c,
                    [
                        "emplois_crees_prevus",
                        "emplois_maintenus_prevus",
                        "investissement_prevu",
                        "tco2e_evitees_prevues",
                        "hectares_friche_prevus",
                    ],
                )?,
                measured: outcomes(
                    c,
                    [
                        "emplois_crees_constates",
                        "emplois_maintenus_constates",
                        "investissement_constate",
                        "tco2e_evitees_constatees",
                        "hectares_friche_constates",
                    ],
                )?,
                history,
                source: c.get("source").to_owned(),
            });
        }
        _ => p.lines.push(FundingLine {
            project: c.required("projet")?.to_owned(),
            funder: c.required("financeur")?.to_owned(),
            scheme: c.optional("dispositif").map(str::to_owned),
            instrument: c.get("nature").parse().map_err(at("nature"))?,
            decision_reference: c.required("reference_decision")?.to_owned(),
            requested: Cents::parse("montant_demande", c.get("montant_demande"))
                .map_err(at("montant_demande"))?,
            requested_on: read_date("date_demande", c.get("date_demande"))
                .map_err(at("date_demande"))?,
            committed: cents(c, "montant_engage")?,
            committed_on: date(c, "date_engagement")?,
            paid: cents(c, "montant_verse")?,
            paid_on: date(c, "date_versement")?,
            first_paid_on: date(c, "date_premier_versement")?,
            payment_terms: c
                .optional("conditions_versement")
                .map(str::parse)
                .transpose()
                .map_err(at("conditions_versement"))?,
            cancelled_on: date(c, "date_annulation")?,
            over_request_allowed: yes_no(c, "depassement_autorise")?,
        }),
    }
    Ok(())
}

fn split(cell: &str) -> impl Iterator<Item = &str> {
    cell.split('|').map(str::trim).filter(|s| !s.is_empty())
}

fn parse_tables(tables: Tables, content_hash: String, context: &Context) -> Result<PortfolioFile> {
    let mapping = &context.mapping;
    let mut named = Named::default();
    let mut portfolio = Portfolio::default();
    let mut origins: HashMap<&'static str, Vec<(PathBuf, String)>> = HashMap::new();
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let mut mappings = Vec::new();
    let first_path = tables.first().map(|t| t.1.clone()).unwrap_or_default();
    for (name, path, prefix, table) in tables {
        let Some(mut table) = table else { continue };
        let expected = columns_of(name);
        table
            .check_columns_as(&path, (name, mapping), &[], expected)
            .map_err(|e| match e {
                IngestError::Format { path, message } => IngestError::Format {
                    path,
                    message: format!("{prefix}{message}"),
                },
                e => e,
            })?;
        notes.extend(table.notes.iter().map(|n| format!("{prefix}{n}")));
        mappings.push(TableHeaders {
            table: name,
            columns: expected,
            headers: std::mem::take(&mut table.readings),
        });
        let index = table.column_index();
        for (line, cells) in &table.rows {
            let location = format!("{prefix}ligne {line}");
            match parse_row(
                name,
                &Cells {
                    index: &index,
                    cells,
                },
                &mut portfolio,
                (&context.places, &mut named),
            ) {
                Ok(()) => origins
                    .entry(name)
                    .or_default()
                    .push((path.clone(), location)),
                Err((field, e)) => errors.push(IngestError::record(&path, location, field, e)),
            }
        }
    }
    IngestError::check(errors)?;
    notes.extend(named.notes());
    let p = &portfolio;
    if p.funders.is_empty()
        && p.schemes.is_empty()
        && p.envelopes.is_empty()
        && p.projects.is_empty()
        && p.lines.is_empty()
    {
        return Err(IngestError::Format {
            path: first_path,
            message: "aucune ligne à importer : les tables n'ont que leur en-tête".into(),
        });
    }
    let columns = |table: &str| -> Vec<String> {
        mappings
            .iter()
            .filter(|t| t.table == table)
            .flat_map(|t| t.mapping().map(|(_, column)| column.to_owned()))
            .collect()
    };
    let content_hash = identity(
        content_hash,
        mappings.iter().map(|t| (t.table, t.headers.as_slice())),
    );
    let given = Given::Columns {
        funders: columns("financeurs"),
        schemes: columns("dispositifs"),
        projects: columns("projets"),
        lines: columns("financements"),
    };
    let file = PortfolioFile {
        portfolio,
        content_hash,
        notes,
        mappings,
        given,
        origins,
    };
    file.validate()?;
    Ok(file)
}

/// Reads and imports a portfolio in one transaction: one bad row, or one commitment beyond its envelope
/// once merged with what is stored, and nothing is written.
pub async fn import_portfolio(
    store: &Store,
    path: &Path,
    context: &Context,
    actor: &str,
) -> Result<ImportOutcome> {
    let file = read_portfolio(path, context)?;
    let mut outcome = store
        .import_portfolio((&file.portfolio, &file.given), &file.content_hash, actor)
        .await?;
    outcome.notes = file.notes;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use territoires_domain::ids::TerritoryId;

    use super::*;

    const FUNDERS: &str =
        "code;nom;type\nbpifrance;Bpifrance;operateur\nregion-44;Région Grand Est;region\n";
    const SCHEMES: &str =
        "code;nom;financeur;specifique_ti\nfa;Fonds d'accélération;bpifrance;oui\n";
    const ENVELOPES: &str =
        "code;dispositif;region;debut;fin;montant\nfa-44;fa;44;2020-01-01;2022-12-31;1 000 000\n";
    const PROJECTS: &str = "code;phase;territoires;titre;axes;themes;idee;en_preparation;engage\n\
        P1;2018-2022;ti-4411|ti-3209;[G]HOST;innover;Verre| savoir-faire;;2019-11-19;2020-06-01\n\
        P2;2018-2022;ti-4401;Datacenter;innover;numérique;2019-01-01;2019-11-19;\n";
    const LINES: &str = "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande;montant_engage;date_engagement\n\
        P1;bpifrance;fa;subvention;D-1;600 000;2020-01-15;600 000;2020-06-01\n\
        P2;region-44;;subvention;R-7;50000;2020-02-01;;\n";

    fn read(projects: &str, lines: &str) -> Result<PortfolioFile> {
        read_portfolio_texts(&[
            ("financeurs", "financeurs.csv", FUNDERS),
            ("dispositifs", "dispositifs.csv", SCHEMES),
            ("enveloppes", "enveloppes.csv", ENVELOPES),
            ("projets", "projets.csv", projects),
            ("financements", "financements.csv", lines),
        ])
    }

    #[test]
    fn reads_every_table() {
        let f = read(PROJECTS, LINES).unwrap();
        let p = &f.portfolio;
        assert_eq!(
            (
                p.funders.len(),
                p.schemes.len(),
                p.envelopes.len(),
                p.projects.len(),
                p.lines.len()
            ),
            (2, 1, 1, 2, 2)
        );
        assert_eq!(p.projects[0].territories.len(), 2);
        assert_eq!(p.projects[0].themes, ["verre", "savoir-faire"]);
        assert_eq!(p.projects[0].history.len(), 2);
        assert_eq!(p.envelopes[0].amount, Cents::euros(1_000_000));
        assert_eq!(p.lines[1].committed, None);
    }

    #[test]
    fn dates_and_amounts_read_as_people_write_them() {
        let p = read(
            PROJECTS,
            &LINES.replace("600 000;2020-06-01", "0,6 M€;1er juin 2020"),
        )
        .unwrap()
        .portfolio;
        assert_eq!(p.lines[0].committed, Some(Cents::euros(600_000)));
        assert_eq!(
            p.lines[0].committed_on,
            Some(time::macros::date!(2020 - 06 - 01))
        );
    }

    #[test]
    fn bad_cells_are_named_with_file_line_and_column() {
        let err = read(
            PROJECTS.replace("innover;Verre", "inventer;Verre").as_str(),
            LINES,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("projets.csv, ligne 2, champ « axes »"),
            "{err}"
        );
        let err = read(
            PROJECTS,
            &LINES.replace("600 000;2020-06-01", "600 000;31/06/2020"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("financements.csv, ligne 2, champ « date_engagement »"),
            "{err}"
        );
    }

    #[test]
    fn a_schemes_public_description_is_read_and_its_bad_cells_named() {
        let schemes = |row: &str| {
            read_portfolio_texts(&[
                ("financeurs", "financeurs.csv", FUNDERS),
                (
                    "dispositifs",
                    "dispositifs.csv",
                    &format!(
                        "code;nom;financeur;Types d'aides;cibles;Éligibilité géographique;date_cloture\n{row}\n"
                    ),
                ),
            ])
        };
        let file = schemes(
            "fa;Fonds;bpifrance;financement | prêt;secteur public;reg-44 REG-32;31/12/2022",
        )
        .unwrap();
        let d = &file.portfolio.schemes[0].details;
        assert_eq!(d.aid_types.len(), 2);
        assert_eq!(d.coverage[0].as_str(), "REG-44");
        assert_eq!(d.closes_on, Some(time::macros::date!(2022 - 12 - 31)));
        for (bad, column) in [
            ("fa;Fonds;bpifrance;subvention;;;", "types_aides"),
            ("fa;Fonds;bpifrance;;entreprises;;", "cibles"),
            ("fa;Fonds;bpifrance;;;DEP-2A;", "eligibilite_geographique"),
        ] {
            let err = schemes(bad).unwrap_err().to_string();
            assert!(
                err.contains(&format!("dispositifs.csv, ligne 2, champ « {column} »")),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn rules_across_rows_name_the_offending_line() {
        let over = LINES.replace(
            "D-1;600 000;2020-01-15;600 000",
            "D-1;1 200 000;2020-01-15;1 200 000",
        );
        // Envelopes are checked once merged with what is stored (the store names the line by its key).
        let file = read(PROJECTS, &over).unwrap();
        let (row, err) = file.portfolio.validate().unwrap_err();
        assert_eq!(row, Row::Line(0));
        assert!(err.to_string().contains("épuisée"), "{err}");
        let backwards = PROJECTS.replace(";2019-11-19;2020-06-01", ";2020-11-19;2020-06-01");
        let err = read(&backwards, LINES).unwrap_err().to_string();
        assert!(err.contains("projets.csv, ligne 2"), "{err}");
    }

    #[test]
    fn every_rows_problem_is_reported_not_only_the_first() {
        let csv = "code;phase;territoires;titre;en_preparation\n\
                   GE-1;2018-2022;ti-4415;Scierie;2020-01-01\n\
                   GE-1;2018-2022;ti-4415;Scierie bis;2020-01-01\n\
                   ge-2;2018-2022;ti-4415;Fonderie;2020-01-01\n\
                   GE-2;2018-2022;ti-4415;Fonderie bis;2020-01-01\n";
        let err = read_portfolio_file(Path::new("p.csv"), csv.as_bytes(), &Context::default())
            .unwrap_err();
        let problems = err.problems();
        assert_eq!(problems.len(), 2, "{err}");
        let text = err.to_string();
        assert!(text.contains("projet « GE-1 » en double"), "{text}");
        assert!(
            text.contains("projet « GE-2 » : le code « ge-2 » existe déjà"),
            "{text}"
        );
    }

    #[test]
    fn unknown_columns_are_refused() {
        let err = read("code;phase;territoires;titre;budget\n", LINES)
            .unwrap_err()
            .to_string();
        assert!(err.contains("colonne inconnue « budget »"), "{err}");
    }

    #[test]
    fn a_scopes_choices_read_its_headers_and_are_part_of_the_files_identity() {
        let read = |csv: &str, m: &ColumnMapping| {
            let context = Context {
                mapping: m.clone(),
                ..Context::default()
            };
            read_portfolio_file(Path::new("p.csv"), csv.as_bytes(), &context)
        };
        let csv = "Plan d'actions;;;;\n\
                   code;phase;territoires;Action envisagée;Couleur\n\
                   P9;2018-2022;ti-4415;Scierie;bleu\n";
        let err = read(csv, &ColumnMapping::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("colonne inconnue « Action envisagée »"),
            "{err}"
        );
        let mut m = ColumnMapping::default();
        let columns = columns_of("projets");
        m.choose(
            "projets",
            columns,
            "Action envisagée",
            crate::table::Choice::Column("titre".into()),
        );
        m.choose("projets", columns, "Couleur", crate::table::Choice::Ignore);
        let file = read(csv, &m).unwrap();
        assert_eq!(file.portfolio.projects[0].title, "Scierie");
        assert_ne!(
            file.content_hash,
            hash([csv.as_bytes()]),
            "the same bytes read with other choices are another import"
        );
        let plain = "code;phase;territoires;titre\nP9;2018-2022;ti-4415;Scierie\n";
        assert_eq!(
            read(plain, &m).unwrap().content_hash,
            hash([plain.as_bytes()]),
            "choices the file does not use leave its identity to its bytes"
        );
        let headers = read_headers(
            Path::new("p.csv"),
            csv.as_bytes(),
            &ColumnMapping::default(),
        );
        assert_eq!(headers.len(), 1);
        assert_eq!(
            headers[0]
                .headers
                .iter()
                .filter(|h| h.how.refuses())
                .count(),
            2,
            "a refused file's headers are read for the page that maps them: {headers:?}"
        );
    }

    #[test]
    fn territories_and_epcis_given_by_name_are_read_as_their_codes_or_refused_with_a_suggestion() {
        let context = Context {
            places: Places::new(
                [(
                    Phase::First,
                    TerritoryId::parse("ti-4415").unwrap(),
                    "Vosges".to_owned(),
                )],
                [("200069441".to_owned(), "CC du Pays de Bitche".to_owned())],
            ),
            ..Context::default()
        };
        let read = |csv: &str| read_portfolio_file(Path::new("p.csv"), csv.as_bytes(), &context);
        let file = read(
            "code;phase;territoires;titre;porteur_type;porteur_nom\n\
             P1;2018-2022;vosges;Scierie;epci;Communauté de communes du Pays de Bitche\n\
             P2;2018-2022;Vosges|ti-4401;Atelier;epci;Syndicat mixte\n",
        )
        .unwrap();
        let p = &file.portfolio.projects;
        assert_eq!(p[0].territories[0].to_string(), "ti-4415");
        assert_eq!(
            p[0].holder.as_ref().unwrap().identifier.as_deref(),
            Some("200069441"),
            "the EPCI named by its holder's name"
        );
        assert_eq!(p[1].territories.len(), 2);
        assert_eq!(
            p[1].holder.as_ref().unwrap().identifier,
            None,
            "no EPCI of that name: kept as a name"
        );
        assert!(
            file.notes
                .iter()
                .any(|n| n == "territoires : « Vosges » lu comme ti-4415 (Vosges), 1 cellule(s)"),
            "{:?}",
            file.notes
        );
        let err = read(
            "code;phase;territoires;titre;porteur_type;porteur_id\n\
             P1;2018-2022;Vosge;Scierie;;\n\
             P2;2018-2022;Vosges;Scierie;epci;Pays de Bitche\n",
        )
        .unwrap_err();
        let problems = err.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].column, "territoires");
        assert!(
            problems[0]
                .message
                .contains("vouliez-vous dire « Vosges » → ti-4415 ?"),
            "{problems:?}"
        );
        assert_eq!(problems[1].column, "porteur_id");
        assert!(
            problems[1]
                .message
                .contains("« Pays de Bitche » : EPCI inconnu ; vouliez-vous dire « CC du Pays de Bitche » → 200069441 ?"),
            "{problems:?}"
        );
    }
}
