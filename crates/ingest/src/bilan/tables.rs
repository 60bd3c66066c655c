//! The rows under a bilan, as CSV (`;`, UTF-8 with BOM, decimal comma: what French spreadsheets open
//! as is) and as one XLSX workbook (figures, projects, funding lines; amounts as numbers in euros).

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use territoires_domain::money::Cents;
use territoires_store::bilan::{BilanReport, BilanRows};
use time::Date;

use super::{BilanDocument, Figure};
use crate::spreadsheet::{csv, write_rows, Cell};

/// Columns of the projects table.
pub const PROJECT_COLUMNS: [&str; 17] = [
    "code",
    "phase",
    "titre",
    "territoires",
    "noms_territoires",
    "axes",
    "themes",
    "porteur_type",
    "porteur_nom",
    "statut_a_date",
    "demande_a_date",
    "engage_a_date",
    "verse_a_date",
    "cout_total",
    "emplois_crees_prevus",
    "investissement_prevu",
    "date_situation",
];

/// Columns of the funding lines table.
pub const LINE_COLUMNS: [&str; 18] = [
    "projet",
    "financeur",
    "nom_financeur",
    "type_financeur",
    "dispositif",
    "specifique_ti",
    "nature",
    "reference_decision",
    "montant_demande",
    "date_demande",
    "montant_engage",
    "date_engagement",
    "montant_verse",
    "date_versement",
    "date_annulation",
    "engage_a_date",
    "verse_a_date",
    "date_situation",
];

fn project_rows(rows: &BilanRows, as_of: Date) -> Vec<Vec<Cell>> {
    rows.projects
        .iter()
        .map(|s| {
            let p = &s.project;
            let money = |f: fn(&territoires_domain::portfolio::funding::LineAmounts) -> Cents| {
                Cell::Cents(s.money.as_ref().map(f))
            };
            vec![
                Cell::text(&p.code),
                Cell::text(p.phase.slug()),
                Cell::text(&p.title),
                Cell::text(
                    p.territories
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
                Cell::text(s.territory_names.join("|")),
                Cell::text(
                    p.axes
                        .iter()
                        .map(|a| a.code())
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
                Cell::text(p.themes.join("|")),
                Cell::text(p.holder.as_ref().map(|h| h.kind.code()).unwrap_or_default()),
                Cell::text(
                    p.holder
                        .as_ref()
                        .map(|h| h.name.clone())
                        .unwrap_or_default(),
                ),
                Cell::text(s.status.map(|st| st.code()).unwrap_or_default()),
                money(|m| m.requested),
                money(|m| m.committed),
                money(|m| m.paid),
                Cell::Cents(p.total_cost),
                Cell::Count(p.expected.jobs_created),
                Cell::Cents(p.expected.investment),
                Cell::Date(Some(as_of)),
            ]
        })
        .collect()
}

fn line_rows(rows: &BilanRows, as_of: Date) -> Vec<Vec<Cell>> {
    rows.lines
        .iter()
        .map(|v| {
            let l = &v.line;
            vec![
                Cell::text(&l.project),
                Cell::text(&l.funder),
                Cell::text(&v.funder_name),
                Cell::text(v.funder_kind.code()),
                Cell::text(l.scheme.clone().unwrap_or_default()),
                Cell::text(if v.ti_specific { "oui" } else { "non" }),
                Cell::text(l.instrument.code()),
                Cell::text(&l.decision_reference),
                Cell::Cents(Some(l.requested)),
                Cell::Date(Some(l.requested_on)),
                Cell::Cents(l.committed),
                Cell::Date(l.committed_on),
                Cell::Cents(l.paid),
                Cell::Date(l.paid_on),
                Cell::Date(l.cancelled_on),
                Cell::Cents(Some(v.as_of.committed)),
                Cell::Cents(Some(v.as_of.paid)),
                Cell::Date(Some(as_of)),
            ]
        })
        .collect()
}

/// The projects of a bilan, with their status and amounts at its date, as CSV.
pub fn projects_csv(rows: &BilanRows, as_of: Date) -> Vec<u8> {
    csv(&PROJECT_COLUMNS, project_rows(rows, as_of))
}

/// The funding lines of a bilan, with their amounts at its date, as CSV.
pub fn lines_csv(rows: &BilanRows, as_of: Date) -> Vec<u8> {
    csv(&LINE_COLUMNS, line_rows(rows, as_of))
}

/// Columns of the figures sheet.
pub const FIGURE_COLUMNS: [&str; 7] = [
    "code",
    "indicateur",
    "valeur",
    "unite",
    "enregistrements",
    "precision",
    "definition",
];

fn figure_rows<'a>(figures: impl IntoIterator<Item = &'a Figure>) -> Vec<Vec<Cell>> {
    figures
        .into_iter()
        .map(|f| {
            let cents = f.code.unit() == territoires_domain::bilan::figures::Unit::Cents;
            vec![
                Cell::text(f.code.code()),
                Cell::text(&f.label),
                if cents {
                    Cell::Cents(f.number.map(Cents))
                } else {
                    Cell::Count(f.number)
                },
                Cell::text(if cents { "euros" } else { "nombre" }),
                Cell::Count(Some(f.basis)),
                Cell::text(&f.detail),
                Cell::text(&f.definition),
            ]
        })
        .collect()
}

/// The bilan as a workbook: every figure (a number, or an empty cell when unknown), the breakdowns, the
/// evolution, then its projects and funding lines.
pub fn workbook(
    doc: &BilanDocument,
    report: &BilanReport,
    rows: &BilanRows,
) -> Result<Vec<u8>, XlsxError> {
    let as_of = report.bilan.frame.as_of;
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet().set_name("indicateurs")?;
    sheet.write_string_with_format(0, 0, &doc.title, &bold)?;
    sheet.write_string(
        1,
        0,
        format!("{} · situation au {}", doc.subtitle, doc.as_of_label),
    )?;
    if let Some(message) = &doc.not_started {
        sheet.write_string(3, 0, message)?;
    } else {
        let last = write_rows(
            sheet,
            3,
            &FIGURE_COLUMNS,
            figure_rows(
                doc.figures
                    .iter()
                    .chain(&doc.other_figures)
                    .chain(&doc.flows),
            ),
        )?;
        for (i, note) in doc.notes.iter().enumerate() {
            sheet.write_string(last + 2 + i as u32, 0, note)?;
        }
    }
    sheet.autofit();
    for table in &doc.tables {
        if table.rows.is_empty() {
            continue;
        }
        let name: String = table
            .title
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
            .take(31)
            .collect();
        let sheet = workbook.add_worksheet().set_name(name)?;
        let headers: Vec<&str> = table.headers.iter().map(String::as_str).collect();
        write_rows(
            sheet,
            0,
            &headers,
            table.rows.iter().map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(c, cell)| match (table.numeric[c], cell.cents) {
                        (false, _) => Cell::text(&cell.text),
                        (true, true) => Cell::Cents(cell.number.map(Cents)),
                        (true, false) => match cell.number {
                            Some(n) => Cell::Count(Some(n)),
                            None if cell.text == "Inconnu" => Cell::Count(None),
                            None => Cell::text(&cell.text),
                        },
                    })
                    .collect()
            }),
        )?;
        sheet.autofit();
        sheet.set_freeze_panes(1, 0)?;
    }
    let sheet = workbook.add_worksheet().set_name("evolution")?;
    write_rows(
        sheet,
        0,
        &["indicateur", "date", "valeur", "unite"],
        report.evolution.iter().flat_map(|s| {
            let cents = s.figure.unit() == territoires_domain::bilan::figures::Unit::Cents;
            s.steps.iter().map(move |p| {
                vec![
                    Cell::text(s.figure.code()),
                    Cell::Date(Some(p.on)),
                    if cents {
                        Cell::Cents(p.value.map(Cents))
                    } else {
                        Cell::Count(p.value)
                    },
                    Cell::text(if cents { "euros" } else { "nombre" }),
                ]
            })
        }),
    )?;
    sheet.autofit();
    for (name, columns, data) in [
        ("projets", &PROJECT_COLUMNS[..], project_rows(rows, as_of)),
        ("financements", &LINE_COLUMNS[..], line_rows(rows, as_of)),
    ] {
        let sheet = workbook.add_worksheet().set_name(name)?;
        write_rows(sheet, 0, columns, data)?;
        sheet.autofit();
        sheet.set_freeze_panes(1, 0)?;
    }
    workbook.save_to_buffer()
}
