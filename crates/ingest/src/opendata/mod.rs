//! Open-data files: a dataset's rows as CSV (the form schema.data.gouv.fr validates: comma-separated,
//! UTF-8, a header of the schema's field names), JSON (an array of objects, unknown values `null`) and
//! XLSX (one sheet, for spreadsheet users).

use rust_xlsxwriter::XlsxError;
use territoires_domain::money::Cents;
use territoires_domain::opendata::{Dataset, Publication, Value};

use crate::spreadsheet::{csv_text, xlsx as one_sheet, Cell};

/// The dataset as CSV. Text that a spreadsheet would run as a formula is neutralised as in every export.
pub fn csv(dataset: &Dataset, publication: &Publication) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(dataset.fields).expect("writing to memory");
    for row in &publication.rows {
        w.write_record(row.iter().map(|v| match v {
            Value::Text(s) => csv_text(s),
            // A Table Schema array in CSV is its JSON text.
            Value::List(items) if items.is_empty() => String::new(),
            Value::List(items) => serde_json::to_string(items).expect("strings serialise"),
            other => other.plain_text().unwrap_or_default(),
        }))
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Empty => serde_json::Value::Null,
        Value::Text(s) => s.as_str().into(),
        Value::Integer(n) => (*n).into(),
        // The shortest text that reads back as the same double: `47800.2`, never `47800.199999…`.
        Value::Decimal { units, scale } => {
            serde_json::Number::from_f64(*units as f64 / 10_f64.powi(*scale as i32))
                .map_or(serde_json::Value::Null, serde_json::Value::Number)
        }
        Value::Boolean { value, .. } => (*value).into(),
        Value::List(items) => items.as_slice().into(),
    }
}

/// The dataset as a JSON array of objects, one per row, keyed by the schema's field names in the schema's
/// order (readers that take the first object's keys as the header see the schema's).
pub fn json(dataset: &Dataset, publication: &Publication) -> Vec<u8> {
    let keys: Vec<String> = dataset
        .fields
        .iter()
        .map(|f| serde_json::to_string(f).expect("strings serialise"))
        .collect();
    let mut out = b"[".to_vec();
    for (i, row) in publication.rows.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"{" } else { b",{" });
        for (j, (key, v)) in keys.iter().zip(row).enumerate() {
            if j > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key.as_bytes());
            out.push(b':');
            serde_json::to_writer(&mut out, &json_value(v)).expect("writing to memory");
        }
        out.push(b'}');
    }
    out.push(b']');
    out
}

/// The dataset as a GeoJSON FeatureCollection (RFC 7946, WGS84): each row a feature, its values as
/// properties, its shape as geometry (`null` where unknown). `None` for a dataset whose rows are no places.
pub fn geojson(dataset: &Dataset, publication: &Publication) -> Option<Vec<u8>> {
    if !dataset.places {
        return None;
    }
    let mut out = br#"{"type":"FeatureCollection","features":["#.to_vec();
    for (i, row) in publication.rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let properties: serde_json::Map<String, serde_json::Value> = dataset
            .fields
            .iter()
            .zip(row)
            .map(|(k, v)| ((*k).to_owned(), json_value(v)))
            .collect();
        out.extend_from_slice(br#"{"type":"Feature","properties":"#);
        serde_json::to_writer(&mut out, &properties).expect("writing to memory");
        out.extend_from_slice(br#","geometry":"#);
        // The geometry is the platform's own GeoJSON text, written at import.
        match publication.geometries.get(i).and_then(Option::as_deref) {
            Some(geometry) => out.extend_from_slice(geometry.as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Some(out)
}

/// The dataset as a workbook of one sheet: whole numbers and amounts as numbers, lists joined by « , ».
pub fn xlsx(dataset: &Dataset, publication: &Publication) -> Result<Vec<u8>, XlsxError> {
    let rows = publication.rows.iter().map(|row| {
        row.iter()
            .map(|v| match v {
                Value::Empty => Cell::Count(None),
                Value::Text(s) => Cell::text(s.as_str()),
                Value::Integer(n) => Cell::Count(Some(*n)),
                Value::Decimal { units, scale: 2 } => Cell::Cents(Some(Cents(*units))),
                Value::Decimal { units, scale: 0 } => Cell::Count(Some(*units)),
                other => Cell::text(other.plain_text().unwrap_or_default()),
            })
            .collect()
    });
    one_sheet(dataset.slug, dataset.fields, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use territoires_domain::opendata::Schema;

    const DATASET: Dataset = Dataset {
        slug: "essai",
        title: "Essai",
        description: "",
        schema: Schema {
            name: "essai",
            version: "1",
            url: "",
            own: None,
        },
        fields: &["nom", "budget", "leviers"],
        places: false,
    };

    fn publication() -> Publication {
        Publication {
            geometries: vec![],
            rows: vec![
                vec![
                    Value::text("=HYPERLINK(\"x\")"),
                    Value::Integer(450_000),
                    Value::List(vec!["a".into(), "b, c".into()]),
                ],
                vec![
                    Value::text("Usine, « nord »"),
                    Value::Empty,
                    Value::List(vec![]),
                ],
            ],
            withheld: Default::default(),
        }
    }

    #[test]
    fn csv_is_comma_separated_unknown_is_empty_and_formulas_never_run() {
        let text = String::from_utf8(csv(&DATASET, &publication())).unwrap();
        assert_eq!(
            text,
            "nom,budget,leviers\n\"'=HYPERLINK(\"\"x\"\")\",450000,\"[\"\"a\"\",\"\"b, c\"\"]\"\n\"Usine, « nord »\",,\n"
        );
    }

    #[test]
    fn json_keeps_types_and_unknown_is_null() {
        let rows: serde_json::Value =
            serde_json::from_slice(&json(&DATASET, &publication())).unwrap();
        assert_eq!(rows[0]["budget"], 450_000);
        assert_eq!(rows[0]["leviers"][1], "b, c");
        assert!(rows[1]["budget"].is_null());
        assert_eq!(rows[0]["nom"], "=HYPERLINK(\"x\")");
        let text = String::from_utf8(json(&DATASET, &publication())).unwrap();
        assert!(text.starts_with("[{\"nom\":"), "the schema's order: {text}");
    }
}
