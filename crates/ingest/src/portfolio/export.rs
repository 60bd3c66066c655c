//! Portfolio spreadsheets out, in the very tables and columns the import reads ([`super::TABLES`]): an
//! export imports back as it was (the round trip is tested), so a team downloads its fiches, edits them in
//! its spreadsheet and uploads them again.

use rust_xlsxwriter::{Workbook, XlsxError};
use territoires_domain::portfolio::project::{Outcomes, Project, ProjectStatus};
use territoires_domain::portfolio::Portfolio;

use super::TABLES;
use crate::spreadsheet::{csv, write_rows, Cell};

fn text(s: &str) -> Cell {
    Cell::text(s)
}

fn joined<T: AsRef<str>>(values: impl IntoIterator<Item = T>) -> Cell {
    Cell::Text(
        values
            .into_iter()
            .map(|v| v.as_ref().to_owned())
            .collect::<Vec<_>>()
            .join("|"),
    )
}

fn yes_no(b: bool) -> Cell {
    text(if b { "oui" } else { "non" })
}

fn outcomes(o: &Outcomes) -> [Cell; 5] {
    [
        Cell::Count(o.jobs_created),
        Cell::Count(o.jobs_kept),
        Cell::Cents(o.investment),
        Cell::Count(o.tco2e_avoided),
        Cell::Count(o.brownfield_hectares),
    ]
}

fn project_row(p: &Project) -> Vec<Cell> {
    let holder = p.holder.as_ref();
    let mut row = vec![
        text(&p.code),
        text(p.phase.slug()),
        joined(p.territories.iter().map(|t| t.as_str())),
        text(&p.title),
        text(&p.description),
        joined(p.axes.iter().map(|a| a.code())),
        joined(&p.themes),
        text(holder.map_or("", |h| h.kind.code())),
        text(holder.and_then(|h| h.identifier.as_deref()).unwrap_or("")),
        text(holder.map_or("", |h| h.name.as_str())),
        Cell::Cents(p.total_cost),
    ];
    row.extend(outcomes(&p.expected));
    row.extend(outcomes(&p.measured));
    // One date column per status: the date it was entered, empty if it never was.
    row.extend(
        ProjectStatus::ALL
            .iter()
            .map(|s| Cell::Date(p.history.iter().find(|c| c.status == *s).map(|c| c.on))),
    );
    row.push(text(&p.source));
    row.push(yes_no(p.not_yet_public));
    row
}

/// The rows of `table` (a name of [`TABLES`]) of `p`, cell by cell in that table's columns.
pub fn rows(p: &Portfolio, table: &str) -> Vec<Vec<Cell>> {
    match table {
        "financeurs" => p
            .funders
            .iter()
            .map(|f| {
                vec![
                    text(&f.code),
                    text(&f.name),
                    text(f.kind.code()),
                    text(f.siret.as_deref().unwrap_or("")),
                ]
            })
            .collect(),
        "dispositifs" => p
            .schemes
            .iter()
            .map(|s| {
                vec![
                    text(&s.code),
                    text(&s.name),
                    text(&s.funder),
                    yes_no(s.ti_specific),
                    text(match s.eu_notified {
                        Some(true) => "oui",
                        Some(false) => "non",
                        None => "",
                    }),
                    text(s.details.description.as_deref().unwrap_or("")),
                    text(s.details.eligibility.as_deref().unwrap_or("")),
                    joined(s.details.aid_types.iter().map(|t| t.code())),
                    joined(s.details.targets.iter().map(|t| t.code())),
                    joined(s.details.coverage.iter().map(|a| a.as_str())),
                    text(s.details.url.as_deref().unwrap_or("")),
                    Cell::Date(s.details.opens_on),
                    Cell::Date(s.details.closes_on),
                ]
            })
            .collect(),
        "enveloppes" => p
            .envelopes
            .iter()
            .map(|e| {
                vec![
                    text(&e.code),
                    text(&e.scheme),
                    text(e.region.as_ref().map_or("", |r| r.as_str())),
                    Cell::Date(Some(e.starts_on)),
                    Cell::Date(Some(e.ends_on)),
                    Cell::Cents(Some(e.amount)),
                ]
            })
            .collect(),
        "projets" => p.projects.iter().map(project_row).collect(),
        "financements" => p
            .lines
            .iter()
            .map(|l| {
                vec![
                    text(&l.project),
                    text(&l.funder),
                    text(l.scheme.as_deref().unwrap_or("")),
                    text(l.instrument.code()),
                    text(&l.decision_reference),
                    Cell::Cents(Some(l.requested)),
                    Cell::Date(Some(l.requested_on)),
                    Cell::Cents(l.committed),
                    Cell::Date(l.committed_on),
                    Cell::Cents(l.paid),
                    Cell::Date(l.paid_on),
                    Cell::Date(l.first_paid_on),
                    text(l.payment_terms.map_or("", |t| t.code())),
                    Cell::Date(l.cancelled_on),
                    yes_no(l.over_request_allowed),
                ]
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The columns of `table`.
pub fn columns(table: &str) -> &'static [&'static str] {
    TABLES
        .iter()
        .find(|(name, _)| *name == table)
        .map_or(&[], |(_, columns)| columns)
}

/// One table of `p` as a CSV file (`;`, UTF-8 with a BOM, decimal comma), as the import reads it.
pub fn csv_table(p: &Portfolio, table: &str) -> Vec<u8> {
    csv(columns(table), rows(p, table))
}

/// `p` as one workbook, a sheet per table (empty tables keep their header), as the import reads it.
pub fn workbook(p: &Portfolio) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    for (name, columns) in TABLES {
        let sheet = workbook.add_worksheet().set_name(name)?;
        write_rows(sheet, 0, columns, rows(p, name))?;
        sheet.set_freeze_panes(1, 0)?;
    }
    workbook.save_to_buffer()
}
