//! Exports of the territory list as CSV (`;`, UTF-8 with BOM, as French spreadsheets expect) and XLSX.

use rust_xlsxwriter::Workbook;
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
