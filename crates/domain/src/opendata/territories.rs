//! The Territoires d'industrie and their perimeters: one row per territory and phase, with the EPCIs its
//! perimeter holds on the day of the publication. No national schema describes the programme's
//! territories, so the platform publishes its own (`/donnees/territoires.schema.json`).

use time::Date;

use super::{
    Dataset, OwnField, Publication, Schema, Value, PHASE_FIELD, SITUATION_FIELD, TERRITORY_ID_FIELD,
};
use crate::fr::iso_date;

/// The fields of the platform's schema.
const FIELDS: &[OwnField] = &[
    PHASE_FIELD,
    TERRITORY_ID_FIELD,
    OwnField::new("nom", "string", "Nom du territoire.", true),
    OwnField::new(
        "code_region",
        "string",
        "Code INSEE de la région de rattachement.",
        true,
    ),
    OwnField::new(
        "nom_region",
        "string",
        "Nom de la région de rattachement.",
        true,
    ),
    OwnField::new(
        "codes_regions",
        "array",
        "Codes des régions où se trouvent ses communes.",
        true,
    ),
    OwnField::new(
        "codes_departements",
        "array",
        "Codes des départements où se trouvent ses communes.",
        true,
    ),
    OwnField::new(
        "nb_communes",
        "integer",
        "Nombre de communes du périmètre en vigueur.",
        true,
    ),
    OwnField::new(
        "population",
        "integer",
        "Population municipale de ces communes.",
        true,
    ),
    OwnField::new(
        "siren_membres",
        "array",
        "SIREN des EPCI (ou communes) membres du périmètre en vigueur à la date de situation.",
        true,
    ),
    OwnField::new(
        "noms_membres",
        "array",
        "Leurs noms, dans le même ordre.",
        true,
    ),
    SITUATION_FIELD,
];

/// The dataset.
pub const DATASET: Dataset = Dataset {
    slug: "territoires",
    title: "Territoires d'industrie",
    description:
        "Les territoires des deux phases du programme, leur région, leurs départements, leurs \
                  communes et leur population, et les EPCI membres de leur périmètre en vigueur.",
    schema: Schema {
        name: "territoires-d-industrie/territoires",
        version: "1.0.0",
        url: "/donnees/territoires.schema.json",
        own: Some(FIELDS),
    },
    fields: &[
        "phase",
        "id_territoire",
        "nom",
        "code_region",
        "nom_region",
        "codes_regions",
        "codes_departements",
        "nb_communes",
        "population",
        "siren_membres",
        "noms_membres",
        "date_situation",
    ],
    places: true,
};

/// A member of a territory's perimeter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// SIREN.
    pub siren: String,
    /// Name (the referential's, else the labelling source's).
    pub name: String,
}

/// A territory as the dataset needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerritoryRecord {
    /// Phase slug.
    pub phase: String,
    /// ANCT id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region of attachment: code and name.
    pub region: (String, String),
    /// Regions of its communes.
    pub regions: Vec<String>,
    /// Départements of its communes.
    pub departements: Vec<String>,
    /// Communes of the perimeter in force.
    pub commune_count: i64,
    /// Their population.
    pub population: i64,
    /// Members of the perimeter in force on the day.
    pub members: Vec<Member>,
    /// Its shape, a GeoJSON geometry, when known.
    pub geometry: Option<String>,
}

/// The territories, by phase and id, read on `on`.
pub fn publish(territories: &[TerritoryRecord], on: Date) -> Publication {
    let mut sorted: Vec<&TerritoryRecord> = territories.iter().collect();
    sorted.sort_by(|a, b| (&a.phase, &a.id).cmp(&(&b.phase, &b.id)));
    let mut publication = Publication::default();
    for t in sorted {
        publication.push(Ok(vec![
            Value::Text(t.phase.clone()),
            Value::Text(t.id.clone()),
            Value::Text(t.name.clone()),
            Value::Text(t.region.0.clone()),
            Value::Text(t.region.1.clone()),
            Value::List(t.regions.clone()),
            Value::List(t.departements.clone()),
            Value::Integer(t.commune_count),
            Value::Integer(t.population),
            Value::List(t.members.iter().map(|m| m.siren.clone()).collect()),
            Value::List(t.members.iter().map(|m| m.name.clone()).collect()),
            Value::Text(iso_date(on)),
        ]));
        publication.geometries.push(t.geometry.clone());
    }
    publication
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn territories_are_published_by_phase_and_id_with_their_members() {
        let t = |phase: &str, id: &str| TerritoryRecord {
            phase: phase.into(),
            id: id.into(),
            name: format!("Territoire {id}"),
            region: ("44".into(), "Grand Est".into()),
            regions: vec!["44".into()],
            departements: vec!["57".into(), "67".into()],
            commune_count: 120,
            population: 95_000,
            members: vec![Member {
                siren: "245701206".into(),
                name: "CC du Pays de Bitche".into(),
            }],
            geometry: (id == "ti-4415").then(|| "{}".to_owned()),
        };
        let p = publish(
            &[
                t("2023-2027", "ti-4401"),
                t("2018-2022", "ti-4415"),
                t("2018-2022", "ti-4401"),
            ],
            date!(2026 - 11 - 25),
        );
        let ids: Vec<(&Value, &Value)> = p.rows.iter().map(|r| (&r[0], &r[1])).collect();
        assert_eq!(ids[0], (&Value::text("2018-2022"), &Value::text("ti-4401")));
        assert_eq!(ids[2].0, &Value::text("2023-2027"));
        let row = &p.rows[0];
        assert_eq!(row.len(), DATASET.fields.len());
        assert_eq!(row[9], Value::List(vec!["245701206".into()]));
        assert_eq!(row[11], Value::text("2026-11-25"));
        assert!(p.withheld.is_empty());
        assert_eq!(
            p.geometries,
            [None, Some("{}".to_owned()), None],
            "with its row"
        );
    }
}
