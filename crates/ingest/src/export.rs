//! Exports of the territory list as CSV (`;`, UTF-8 with BOM, as French spreadsheets expect) and XLSX.

use rust_xlsxwriter::{Format, Workbook};
use territoires_domain::fr::iso_date;
use territoires_store::territories::TerritoryListItem;
use time::Date;

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

fn cells(item: &TerritoryListItem, as_of: Date) -> [String; 10] {
    let t = &item.territory;
    [
        t.phase.clone(),
        t.id.clone(),
        t.name.clone(),
        t.region_code.clone(),
        item.regions.join(","),
        t.commune_count.to_string(),
        t.population.to_string(),
        item.progress.stage.code().to_owned(),
        item.progress.stage.label().to_owned(),
        iso_date(as_of),
    ]
}

/// The list as CSV.
pub fn territories_csv(items: &[TerritoryListItem], as_of: Date) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        w.write_record(TERRITORY_COLUMNS)
            .expect("writing to memory");
        for item in items {
            w.write_record(cells(item, as_of))
                .expect("writing to memory");
        }
        w.flush().expect("writing to memory");
    }
    out
}

/// The list as an XLSX workbook, numbers as numbers.
pub fn territories_xlsx(
    items: &[TerritoryListItem],
    as_of: Date,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("territoires")?;
    let bold = Format::new().set_bold();
    for (c, h) in TERRITORY_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, item) in items.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, value) in cells(item, as_of).iter().enumerate() {
            let c = c as u16;
            if c == 5 || c == 6 {
                sheet.write_number(row, c, value.parse::<f64>().unwrap_or_default())?;
            } else {
                sheet.write_string(row, c, value)?;
            }
        }
    }
    sheet.autofit();
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}
