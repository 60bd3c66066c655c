//! Exports of the territory and EPCI lists as CSV (`;`, UTF-8 with BOM, as French spreadsheets expect) and
//! XLSX.

use rust_xlsxwriter::Workbook;
use territoires_store::registry::referential::GroupingRow;
use territoires_store::registry::territories::TerritoryListItem;
use time::Date;

use crate::spreadsheet::{csv, write_rows, Cell};

/// Column headers of the territory exports.
pub const TERRITORY_COLUMNS: [&str; 10] = [
    "phase",
    "id_territoire",
    "nom",
    "region_rattachement",
    "regions",
    "nb_communes",
    "population",
    "statut",
    "statut_libelle",
    "date_situation",
];

fn cells(item: &TerritoryListItem, as_of: Date) -> Vec<Cell> {
    let t = &item.territory;
    vec![
        Cell::text(&t.phase),
        Cell::text(&t.id),
        Cell::text(&t.name),
        Cell::text(&t.region_code),
        Cell::text(item.regions.join(",")),
        Cell::Count(Some(t.commune_count)),
        Cell::Count(Some(t.population)),
        Cell::text(item.progress.stage.code()),
        Cell::text(item.progress.label()),
        Cell::Date(Some(as_of)),
    ]
}

/// Column headers of the EPCI exports.
pub const EPCI_COLUMNS: [&str; 5] = ["siren", "nom", "nature", "population", "nb_communes"];

fn epci_cells(g: &GroupingRow) -> Vec<Cell> {
    vec![
        Cell::text(&g.siren),
        Cell::text(&g.name),
        Cell::text(&g.nature),
        Cell::Count(Some(g.population)),
        Cell::Count(Some(g.commune_count)),
    ]
}

/// The EPCI list as CSV.
pub fn epcis_csv(items: &[GroupingRow]) -> Vec<u8> {
    csv(&EPCI_COLUMNS, items.iter().map(epci_cells))
}

/// The EPCI list as an XLSX workbook.
pub fn epcis_xlsx(items: &[GroupingRow]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("epci")?;
    write_rows(sheet, 0, &EPCI_COLUMNS, items.iter().map(epci_cells))?;
    sheet.autofit();
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}

/// The list as CSV.
pub fn territories_csv(items: &[TerritoryListItem], as_of: Date) -> Vec<u8> {
    csv(&TERRITORY_COLUMNS, items.iter().map(|i| cells(i, as_of)))
}

/// The list as an XLSX workbook, numbers as numbers.
pub fn territories_xlsx(
    items: &[TerritoryListItem],
    as_of: Date,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("territoires")?;
    write_rows(
        sheet,
        0,
        &TERRITORY_COLUMNS,
        items.iter().map(|i| cells(i, as_of)),
    )?;
    sheet.autofit();
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}
