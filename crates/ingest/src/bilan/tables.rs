//! The rows under a bilan, as CSV (`;`, UTF-8 with BOM, decimal comma: what French spreadsheets open
//! as is) and as one XLSX workbook (figures, projects, funding lines; amounts as numbers in euros).

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use territoires_domain::fr::iso_date;
use territoires_domain::money::Cents;
use territoires_store::bilan::BilanRows;
use time::Date;

use super::BilanDocument;

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

/// A cell: text, or an amount (exported as a number).
enum Cell {
    Text(String),
    Amount(Option<Cents>),
    Count(Option<i64>),
}

fn amount(c: Cents) -> Cell {
    Cell::Amount(Some(c))
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn date(d: Option<Date>) -> Cell {
    Cell::Text(d.map(iso_date).unwrap_or_default())
}

fn project_rows(rows: &BilanRows, as_of: Date) -> Vec<Vec<Cell>> {
    rows.projects
        .iter()
        .map(|s| {
            let p = &s.project;
            vec![
                text(&p.code),
                text(p.phase.slug()),
                text(&p.title),
                text(
                    p.territories
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
                text(s.territory_names.join("|")),
                text(
                    p.axes
                        .iter()
                        .map(|a| a.code())
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
                text(p.themes.join("|")),
                text(p.holder.as_ref().map(|h| h.kind.code()).unwrap_or_default()),
                text(
                    p.holder
                        .as_ref()
                        .map(|h| h.name.clone())
                        .unwrap_or_default(),
                ),
                text(s.status.map(|st| st.code()).unwrap_or_default()),
                amount(s.money.requested),
                amount(s.money.committed),
                amount(s.money.paid),
                Cell::Amount(p.total_cost),
                Cell::Count(p.expected.jobs_created),
                Cell::Amount(p.expected.investment),
                text(iso_date(as_of)),
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
                text(&l.project),
                text(&l.funder),
                text(&v.funder_name),
                text(v.funder_kind.code()),
                text(l.scheme.clone().unwrap_or_default()),
                text(if v.ti_specific { "oui" } else { "non" }),
                text(l.instrument.code()),
                text(&l.decision_reference),
                amount(l.requested),
                date(Some(l.requested_on)),
                Cell::Amount(l.committed),
                date(l.committed_on),
                Cell::Amount(l.paid),
                date(l.paid_on),
                date(l.cancelled_on),
                amount(v.as_of.committed),
                amount(v.as_of.paid),
                text(iso_date(as_of)),
            ]
        })
        .collect()
}

fn csv(columns: &[&str], rows: Vec<Vec<Cell>>) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        w.write_record(columns).expect("writing to memory");
        for row in rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Amount(a) => a.map(|a| a.decimal().replace('.', ",")).unwrap_or_default(),
                Cell::Count(n) => n.map(|n| n.to_string()).unwrap_or_default(),
            }))
            .expect("writing to memory");
        }
        w.flush().expect("writing to memory");
    }
    out
}

/// The projects of a bilan, with their status and amounts at its date, as CSV.
pub fn projects_csv(rows: &BilanRows, as_of: Date) -> Vec<u8> {
    csv(&PROJECT_COLUMNS, project_rows(rows, as_of))
}

/// The funding lines of a bilan, with their amounts at its date, as CSV.
pub fn lines_csv(rows: &BilanRows, as_of: Date) -> Vec<u8> {
    csv(&LINE_COLUMNS, line_rows(rows, as_of))
}

/// The bilan as a workbook: its figures, then its projects and funding lines.
pub fn workbook(doc: &BilanDocument, rows: &BilanRows, as_of: Date) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let euros = Format::new().set_num_format("#,##0.00 €");
    let sheet = workbook.add_worksheet().set_name("indicateurs")?;
    sheet.write_string_with_format(0, 0, &doc.title, &bold)?;
    sheet.write_string(
        1,
        0,
        format!("{} · situation au {}", doc.subtitle, doc.as_of_label),
    )?;
    for (c, h) in ["indicateur", "valeur", "précision", "définition"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(3, c as u16, *h, &bold)?;
    }
    for (r, f) in doc.figures.iter().enumerate() {
        let row = r as u32 + 4;
        sheet.write_string(row, 0, &f.label)?;
        sheet.write_string(row, 1, &f.value)?;
        sheet.write_string(row, 2, &f.detail)?;
        sheet.write_string(row, 3, &f.definition)?;
    }
    sheet.autofit();
    for (name, columns, data) in [
        ("projets", &PROJECT_COLUMNS[..], project_rows(rows, as_of)),
        ("financements", &LINE_COLUMNS[..], line_rows(rows, as_of)),
    ] {
        let sheet = workbook.add_worksheet().set_name(name)?;
        for (c, h) in columns.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, cells) in data.into_iter().enumerate() {
            let row = r as u32 + 1;
            for (c, cell) in cells.into_iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(row, c, s)?;
                    }
                    Cell::Amount(Some(a)) => {
                        sheet.write_number_with_format(row, c, a.as_euros_f64(), &euros)?;
                    }
                    Cell::Count(Some(n)) => {
                        sheet.write_number(row, c, n as f64)?;
                    }
                    Cell::Amount(None) | Cell::Count(None) => {}
                }
            }
        }
        sheet.autofit();
        sheet.set_freeze_panes(1, 0)?;
    }
    workbook.save_to_buffer()
}
