//! Brownfields out, in the CNIG *friches* standard: the CSV its Table Schema validates (comma-separated,
//! UTF-8, the schema's field names as header), every value written the standard's way or left empty.

use territoires_domain::land::standard::{brownfield_row, StandardSchema};
use territoires_store::land::brownfields::BrownfieldRow;

use crate::source::{read, DataDir};
use crate::spreadsheet::csv_text;
use crate::{IngestError, Result};

/// The CNIG *friches* Table Schema of the reference data, which the export follows.
pub fn friches_schema(data: &DataDir) -> Result<StandardSchema> {
    let path = data.friches_schema();
    let text = read(&path)?;
    StandardSchema::from_json(&String::from_utf8_lossy(&text)).map_err(|e| IngestError::Format {
        path,
        message: e.to_string(),
    })
}

/// The rows as the standard's CSV. Text a spreadsheet would run as a formula is neutralised as in every
/// export.
pub fn brownfields_csv(schema: &StandardSchema, rows: &[BrownfieldRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema.field_names())
        .expect("writing to memory");
    for row in rows {
        let values = brownfield_row(
            schema,
            &row.site(),
            row.known(),
            row.commune_name.as_deref(),
        );
        w.write_record(values.iter().map(|v| csv_text(v)))
            .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
