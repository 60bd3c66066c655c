//! The bilan as a document: figures with their definitions, charts, a map and tables, in French, built once
//! and rendered by the web page (HTML) and by the PDF export alike. The CSV and XLSX exports give the rows
//! underneath. Every figure, row, bar and map area carries the link to the records it counts; a value that
//! is unknown reads "Inconnu", never 0.

pub mod charts;
mod figures;
mod map;
pub mod pdf;
pub mod tables;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use territoires_domain::bilan::figures::{Criterion, FigureCode, Grouping, Unit, Value};
use territoires_domain::bilan::report::Breakdown;
use territoires_domain::fr::{long_date, typography};
use territoires_domain::money::Cents;
use territoires_domain::DomainError;
use territoires_store::bilan::BilanReport;
use territoires_store::registry::territories::MapShape;
use time::Date;

pub use figures::{format_value, headline};

/// What the map of a bilan is coloured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum MapIndicator {
    /// Stage reached by each territory.
    #[default]
    Stage,
    /// Projects carried.
    Projects,
    /// Amounts committed on its projects.
    Committed,
    /// Amounts paid on its projects.
    Paid,
}

impl MapIndicator {
    /// Every indicator, as offered to users.
    pub const ALL: [MapIndicator; 4] = [Self::Stage, Self::Projects, Self::Committed, Self::Paid];

    /// The code used in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Stage => "stade",
            Self::Projects => "projets",
            Self::Committed => "engage",
            Self::Paid => "verse",
        }
    }

    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Self::Stage => "Étape atteinte",
            Self::Projects => "Nombre de projets",
            Self::Committed => "Montants engagés",
            Self::Paid => "Montants versés",
        }
    }

    /// The figure a map area's link leads to.
    pub fn figure(self) -> FigureCode {
        match self {
            Self::Stage => FigureCode::Territories,
            Self::Projects => FigureCode::Projects,
            Self::Committed => FigureCode::Committed,
            Self::Paid => FigureCode::Paid,
        }
    }
}

impl FromStr for MapIndicator {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|i| i.code() == s.trim())
            .ok_or_else(|| DomainError::Invalid {
                field: "indicateur",
                value: s.to_owned(),
                expected: "stade, projets, engage ou verse",
            })
    }
}

impl fmt::Display for MapIndicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A figure of the document.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// Its code.
    pub code: FigureCode,
    /// What it counts.
    pub label: String,
    /// The value, formatted ("13", "850 001 €", "Inconnu").
    pub value: String,
    /// The value as a number (cents for amounts), `None` when unknown.
    pub number: Option<i64>,
    /// How many records it rests on.
    pub basis: i64,
    /// A precision (share, breakdown, what is unknown).
    pub detail: String,
    /// How it is computed.
    pub definition: String,
    /// The list of its records.
    pub href: Option<String>,
}

/// A cell of a document table.
#[derive(Debug, Clone, Serialize)]
pub struct TableCell {
    /// The text shown.
    pub text: String,
    /// The records behind it.
    pub href: Option<String>,
    /// The number behind it, for spreadsheets: cents for amounts, `None` for text or unknown.
    pub number: Option<i64>,
    /// Whether the number is an amount (cents).
    pub cents: bool,
}

impl TableCell {
    fn text(text: impl Into<String>) -> TableCell {
        TableCell {
            text: text.into(),
            href: None,
            number: None,
            cents: false,
        }
    }
}

/// A chart or map, as SVG.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// Title.
    pub title: String,
    /// The SVG.
    pub svg: String,
    /// What it shows, in words: the alternative text of the PDF and of assistive technologies.
    pub description: String,
    /// A note under it.
    pub note: Option<String>,
    /// Legend entries (colour or pattern, label), for maps.
    pub legend: Vec<(String, String)>,
}

/// A table of the document.
#[derive(Debug, Clone, Serialize)]
pub struct TableBlock {
    /// Title.
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Whether each column is numeric (right-aligned, never cut).
    pub numeric: Vec<bool>,
    /// Rows of cells; a last row labelled "Total" is the total.
    pub rows: Vec<Vec<TableCell>>,
    /// A note under it.
    pub note: Option<String>,
    /// Why it is empty, when it is.
    pub empty: Option<String>,
}

/// The whole bilan, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct BilanDocument {
    /// Title.
    pub title: String,
    /// Phase (and scheme).
    pub subtitle: String,
    /// "19 novembre 2019".
    pub as_of_label: String,
    /// "le 19 novembre 2019", "du … au …", when flows are asked.
    pub period_label: Option<String>,
    /// Whether the phase had started at the date; before, the document says so and shows no figure.
    pub started: bool,
    /// The message shown instead of figures before the phase started.
    pub not_started: Option<String>,
    /// The key figures.
    pub figures: Vec<Figure>,
    /// The other figures, for the complete table.
    pub other_figures: Vec<Figure>,
    /// Flows over the period.
    pub flows: Vec<Figure>,
    /// The map.
    pub map: Option<Chart>,
    /// Charts.
    pub charts: Vec<Chart>,
    /// Tables.
    pub tables: Vec<TableBlock>,
    /// What the figures do not say (unknown amounts, uncertain dates, double counting in breakdowns).
    pub notes: Vec<String>,
    /// Where the figures come from.
    pub sources: Vec<String>,
    /// The day the document was produced.
    pub generated_on: String,
}

/// Builds the link to the records of a figure under a criterion; `None` where there is none.
pub type Linker<'a> = &'a dyn Fn(FigureCode, &Criterion) -> Option<String>;

/// What a document is built from.
pub struct DocumentInput<'a> {
    /// The figures and their evolution.
    pub report: &'a BilanReport,
    /// "France", "Région Grand Est", "Terres de Lorraine (ti-4411)".
    pub scope_label: &'a str,
    /// The scheme's name when the bilan is restricted to one.
    pub scheme_label: Option<&'a str>,
    /// The phase's territory shapes.
    pub territory_shapes: &'a [MapShape],
    /// Region shapes.
    pub region_shapes: &'a [MapShape],
    /// What the map shows.
    pub map_indicator: MapIndicator,
    /// Links to records.
    pub link: Linker<'a>,
    /// The day the document is produced.
    pub generated_on: Date,
}

/// A document figure from the bilan's value of `code`.
fn figure(input: &DocumentInput<'_>, code: FigureCode, detail: String) -> Figure {
    let value = input.report.bilan.value(code);
    Figure {
        code,
        label: code.label().to_owned(),
        value: format_value(code, value),
        number: value.value,
        basis: value.basis,
        detail: typography(&detail),
        definition: typography(code.definition()),
        href: (input.link)(code, &Criterion::all()),
    }
}

fn cell(code: FigureCode, value: Value, href: Option<String>) -> TableCell {
    TableCell {
        text: format_value(code, value),
        href: value.value.and(href),
        number: value.value,
        cents: code.unit() == Unit::Cents,
    }
}

/// A breakdown as a table: a label column, then one linked cell per figure.
fn breakdown_table(input: &DocumentInput<'_>, t: &Breakdown) -> TableBlock {
    let mut rows: Vec<Vec<TableCell>> = t
        .rows
        .iter()
        .map(|r| {
            let criterion = Criterion::of(t.grouping, r.key.clone());
            std::iter::once(TableCell::text(&r.label))
                .chain(
                    t.columns
                        .iter()
                        .zip(&r.values)
                        .map(|(&f, &v)| cell(f, v, (input.link)(f, &criterion))),
                )
                .collect()
        })
        .collect();
    let additive = matches!(
        t.grouping,
        Grouping::Funder | Grouping::FunderKind | Grouping::Scheme
    );
    if additive && !rows.is_empty() {
        rows.push(
            std::iter::once(TableCell::text("Total"))
                .chain(t.columns.iter().map(|&f| {
                    cell(
                        f,
                        input.report.bilan.value(f),
                        (input.link)(f, &Criterion::all()),
                    )
                }))
                .collect(),
        );
    }
    let first = match t.grouping {
        Grouping::Region => "Région",
        Grouping::Territory => "Territoire",
        Grouping::Attribute => "Attribut",
        Grouping::Axis => "Axe",
        Grouping::Status => "Statut",
        Grouping::Scheme => "Dispositif",
        Grouping::Funder => "Financeur",
        Grouping::FunderKind => "Type de financeur",
    };
    let note = match t.grouping {
        Grouping::Region | Grouping::Territory | Grouping::Axis | Grouping::Attribute => Some(
            "Un projet partagé entre plusieurs territoires, régions ou axes compte dans chacun : ces lignes peuvent dépasser le total.",
        ),
        Grouping::Funder | Grouping::FunderKind | Grouping::Scheme => Some(
            "Chaque ligne de financement compte une fois, pour son financeur et son dispositif : les lignes s'additionnent au total.",
        ),
        Grouping::Status => None,
    };
    TableBlock {
        title: t.grouping.label().to_owned(),
        headers: std::iter::once(first.to_owned())
            .chain(t.columns.iter().map(|f| f.label().to_owned()))
            .collect(),
        numeric: std::iter::once(false)
            .chain(t.columns.iter().map(|_| true))
            .collect(),
        rows,
        note: note.map(str::to_owned),
        empty: None,
    }
}

/// The document's tables, with the reason when one is empty.
fn tables(input: &DocumentInput<'_>) -> Vec<TableBlock> {
    let b = &input.report.bilan;
    let mut out: Vec<TableBlock> = b
        .tables
        .iter()
        .filter(|t| t.grouping != Grouping::Territory || t.rows.len() <= 60)
        .map(|t| breakdown_table(input, t))
        .collect();
    if b.started && b.table(Grouping::Funder).is_none() {
        out.push(TableBlock {
            title: Grouping::Funder.label().to_owned(),
            headers: Vec::new(),
            numeric: Vec::new(),
            rows: Vec::new(),
            note: None,
            empty: Some(
                "Aucune ligne de financement n'est enregistrée à cette date pour ce périmètre : les montants sont inconnus, pas nuls."
                    .into(),
            ),
        });
    }
    if !b.envelopes.is_empty() {
        out.push(TableBlock {
            title: "Consommation des enveloppes".into(),
            headers: ["Enveloppe", "Dispositif", "Portée", "Montant", "Engagé (tout le programme)", "Taux"]
                .map(String::from)
                .to_vec(),
            numeric: vec![false, false, false, true, true, true],
            rows: b
                .envelopes
                .iter()
                .map(|e| {
                    let amount = |c: Cents| TableCell {
                        text: c.rounded().to_string(),
                        href: None,
                        number: Some(c.0),
                        cents: true,
                    };
                    vec![
                        TableCell::text(&e.code),
                        TableCell {
                            href: (input.link)(
                                FigureCode::Committed,
                                &Criterion::of(Grouping::Scheme, e.scheme.clone()),
                            ),
                            ..TableCell::text(&e.scheme_name)
                        },
                        TableCell::text(
                            e.region
                                .as_ref()
                                .map_or_else(|| "Nationale".into(), |r| format!("Région {r}")),
                        ),
                        amount(e.amount),
                        amount(e.committed),
                        TableCell::text(figures::money_share(e.committed, e.amount)),
                    ]
                })
                .collect(),
            note: Some(
                "Engagé sur l'enveloppe entière à la date, tous territoires et phases confondus ; le lien du dispositif mène aux lignes du périmètre."
                    .into(),
            ),
            empty: None,
        });
    }
    out
}

/// Builds the document of a bilan.
pub fn document(input: &DocumentInput<'_>) -> BilanDocument {
    let b = &input.report.bilan;
    let frame = &b.frame;
    let subtitle = match input.scheme_label {
        Some(s) => format!("{} · dispositif « {s} »", frame.phase.label()),
        None => frame.phase.label().to_owned(),
    };
    let title = format!("Bilan Territoires d'industrie — {}", input.scope_label);
    let generated_on = long_date(input.generated_on);
    let sources = vec![
        "Territoires et périmètres : ANCT, listes des Territoires d'industrie des phases 1 et 2 (Licence Ouverte 2.0).".to_owned(),
        "Géographie : Code officiel géographique 2026 de l'Insee, découpage administratif publié par Etalab (Licence Ouverte).".to_owned(),
        "Jalons, désignations, projets et lignes de financement : registre du programme, saisis et importés par les équipes nationale, régionales et territoriales et les opérateurs, datés et audités.".to_owned(),
    ];
    if !b.started {
        return BilanDocument {
            not_started: Some(typography(&format!(
                "La {} a été lancée le {} : au {}, elle n'avait pas commencé. Aucun chiffre n'existe à cette date ; choisissez une date postérieure au lancement.",
                frame.phase.label(),
                long_date(frame.phase.labelling_date()),
                long_date(frame.as_of)
            ))),
            title,
            subtitle,
            as_of_label: long_date(frame.as_of),
            period_label: frame.period_label(),
            started: false,
            figures: Vec::new(),
            other_figures: Vec::new(),
            flows: Vec::new(),
            map: None,
            charts: Vec::new(),
            tables: Vec::new(),
            notes: Vec::new(),
            sources,
            generated_on,
        };
    }
    let (figures, other_figures) = headline(input, figure);
    let flows = b
        .figures
        .iter()
        .filter(|f| f.figure.is_flow())
        .map(|f| figure(input, f.figure, String::new()))
        .collect();
    BilanDocument {
        title,
        subtitle,
        as_of_label: long_date(frame.as_of),
        period_label: frame.period_label(),
        started: true,
        not_started: None,
        figures,
        other_figures,
        flows,
        map: Some(map::map(input)),
        charts: figures::charts(input),
        tables: tables(input),
        notes: figures::notes(input)
            .into_iter()
            .map(|n| typography(&n))
            .collect(),
        sources,
        generated_on,
    }
}
