//! The communes of each territory: one row per phase, territory and commune its perimeter in force covers,
//! with the commune's EPCI. The territories dataset counts them; this one lists them, so a reuser can
//! join the programme to any commune-level data. No national schema describes the programme's
//! perimeters, so the platform publishes its own (`/donnees/communes.schema.json`).

use time::Date;

use super::{
    Dataset, OwnField, Publication, Schema, Value, PHASE_FIELD, SITUATION_FIELD, TERRITORY_ID_FIELD,
};
use crate::fr::iso_date;

/// The fields of the platform's schema.
const FIELDS: &[OwnField] = &[
    PHASE_FIELD,
    TERRITORY_ID_FIELD,
    OwnField::new("nom_territoire", "string", "Nom du territoire.", true),
    OwnField::new(
        "code_insee",
        "string",
        "Code officiel géographique de la commune.",
        true,
    )
    .matching("^[0-9][0-9AB][0-9]{3}$"),
    OwnField::new("nom_commune", "string", "Nom de la commune.", true),
    OwnField::new(
        "code_departement",
        "string",
        "Code du département de la commune.",
        true,
    ),
    OwnField::new(
        "code_region",
        "string",
        "Code INSEE de la région de la commune.",
        true,
    ),
    OwnField::new(
        "siren_epci",
        "string",
        "SIREN de l'EPCI à fiscalité propre de la commune ; vide pour une commune isolée.",
        false,
    )
    .matching("^[0-9]{9}$"),
    OwnField::new("nom_epci", "string", "Nom de cet EPCI.", false),
    OwnField::new(
        "population",
        "integer",
        "Population municipale de la commune ; vide quand elle n'est pas connue.",
        false,
    ),
    SITUATION_FIELD,
];

/// The dataset.
pub const DATASET: Dataset = Dataset {
    slug: "communes",
    title: "Communes des Territoires d'industrie",
    description:
        "Chaque commune couverte par le périmètre en vigueur d'un territoire, phase par phase, \
                  avec son département, sa région, son EPCI et sa population.",
    schema: Schema {
        name: "territoires-d-industrie/communes",
        version: "1.0.0",
        url: "/donnees/communes.schema.json",
        own: Some(FIELDS),
    },
    fields: &[
        "phase",
        "id_territoire",
        "nom_territoire",
        "code_insee",
        "nom_commune",
        "code_departement",
        "code_region",
        "siren_epci",
        "nom_epci",
        "population",
        "date_situation",
    ],
    places: false,
};

/// A commune of a territory's perimeter, as the dataset needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommuneRecord {
    /// Phase slug.
    pub phase: String,
    /// The territory's ANCT id.
    pub territory_id: String,
    /// The territory's name.
    pub territory_name: String,
    /// INSEE code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Its département.
    pub departement: String,
    /// Its region.
    pub region: String,
    /// Its EPCI's SIREN; `None` for a commune in no EPCI.
    pub epci_siren: Option<String>,
    /// Its EPCI's name, when the referential has it.
    pub epci_name: Option<String>,
    /// Municipal population, when known.
    pub population: Option<i64>,
}

/// The communes, by phase, territory and code, read on `on`.
pub fn publish(communes: &[CommuneRecord], on: Date) -> Publication {
    let mut sorted: Vec<&CommuneRecord> = communes.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.phase, &a.territory_id, &a.code).cmp(&(&b.phase, &b.territory_id, &b.code))
    });
    let day = iso_date(on);
    let mut publication = Publication::default();
    for c in sorted {
        let text = |s: &Option<String>| s.clone().map_or(Value::Empty, Value::text);
        publication.push(Ok(vec![
            Value::Text(c.phase.clone()),
            Value::Text(c.territory_id.clone()),
            Value::Text(c.territory_name.clone()),
            Value::Text(c.code.clone()),
            Value::Text(c.name.clone()),
            Value::Text(c.departement.clone()),
            Value::Text(c.region.clone()),
            text(&c.epci_siren),
            text(&c.epci_name),
            c.population.map_or(Value::Empty, Value::Integer),
            Value::Text(day.clone()),
        ]));
    }
    publication
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn commune(phase: &str, territory: &str, code: &str) -> CommuneRecord {
        CommuneRecord {
            phase: phase.into(),
            territory_id: territory.into(),
            territory_name: format!("Territoire {territory}"),
            code: code.into(),
            name: format!("Commune {code}"),
            departement: "57".into(),
            region: "44".into(),
            epci_siren: Some("245701206".into()),
            epci_name: Some("CC du Pays de Bitche".into()),
            population: Some(5_000),
        }
    }

    #[test]
    fn communes_are_listed_by_phase_territory_and_code() {
        let mut isolated = commune("2023-2027", "ti-4401", "57001");
        isolated.epci_siren = None;
        isolated.epci_name = None;
        isolated.population = None;
        let p = publish(
            &[
                isolated,
                commune("2018-2022", "ti-4415", "57089"),
                commune("2018-2022", "ti-4415", "57012"),
            ],
            date!(2026 - 11 - 25),
        );
        let keys: Vec<(&Value, &Value)> = p.rows.iter().map(|r| (&r[1], &r[3])).collect();
        assert_eq!(
            keys,
            [
                (&Value::text("ti-4415"), &Value::text("57012")),
                (&Value::text("ti-4415"), &Value::text("57089")),
                (&Value::text("ti-4401"), &Value::text("57001")),
            ]
        );
        assert!(p.rows.iter().all(|r| r.len() == DATASET.fields.len()));
        assert_eq!(p.rows[0][7], Value::text("245701206"));
        assert_eq!(p.rows[0][9], Value::Integer(5_000));
        assert_eq!(
            (&p.rows[2][7], &p.rows[2][9]),
            (&Value::Empty, &Value::Empty),
            "no EPCI and an unknown population are left empty, never zero"
        );
        assert_eq!(p.rows[2][10], Value::text("2026-11-25"));
        assert!(p.geometries.is_empty());
    }
}
