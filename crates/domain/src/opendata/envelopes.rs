//! The envelopes: what each scheme can commit, nationally or for a region, over a period. No national
//! schema describes them, so the platform publishes its own (`/donnees/enveloppes.schema.json`). What is
//! committed on them is not published here: it is the sum of the funding lines, in the bilans, where the
//! public reads the lines it counts.

use std::collections::HashMap;

use super::{Dataset, OwnField, Publication, Schema, Value};
use crate::fr::iso_date;
use crate::portfolio::Portfolio;

/// The fields of the platform's schema.
const FIELDS: &[OwnField] = &[
    OwnField::new("code", "string", "Code de l'enveloppe.", true),
    OwnField::new(
        "code_dispositif",
        "string",
        "Code du dispositif dont elle relève.",
        true,
    ),
    OwnField::new("nom_dispositif", "string", "Nom du dispositif.", true),
    OwnField::new(
        "code_financeur",
        "string",
        "Code du financeur du dispositif.",
        true,
    ),
    OwnField::new("nom_financeur", "string", "Nom du financeur.", true),
    OwnField::new("portee", "string", "nationale ou régionale.", true)
        .matching("^(nationale|régionale)$"),
    OwnField::new(
        "code_region",
        "string",
        "Code INSEE de la région d'une enveloppe régionale ; vide pour une enveloppe nationale.",
        false,
    ),
    OwnField::new("date_debut", "date", "Premier jour des engagements.", true),
    OwnField::new("date_fin", "date", "Dernier jour des engagements.", true),
    OwnField::new(
        "montant",
        "number",
        "Montant que le dispositif peut engager sur l'enveloppe, en euros.",
        true,
    ),
];

/// The dataset.
pub const DATASET: Dataset = Dataset {
    slug: "enveloppes",
    title: "Enveloppes des dispositifs",
    description: "Ce que chaque dispositif peut engager, au niveau national ou pour une région, sur une \
                  période. Les montants engagés sont ceux des lignes de financement, dans les bilans.",
    schema: Schema {
        name: "territoires-d-industrie/enveloppes",
        version: "1.0.0",
        url: "/donnees/enveloppes.schema.json",
        own: Some(FIELDS),
    },
    fields: &[
        "code",
        "code_dispositif",
        "nom_dispositif",
        "code_financeur",
        "nom_financeur",
        "portee",
        "code_region",
        "date_debut",
        "date_fin",
        "montant",
    ],
    places: false,
};

/// The envelopes of `portfolio`, by code.
pub fn publish(portfolio: &Portfolio) -> Publication {
    let schemes: HashMap<&str, (&str, &str)> = portfolio
        .schemes
        .iter()
        .map(|s| (s.code.as_str(), (s.name.as_str(), s.funder.as_str())))
        .collect();
    let funders: HashMap<&str, &str> = portfolio
        .funders
        .iter()
        .map(|f| (f.code.as_str(), f.name.as_str()))
        .collect();
    let mut envelopes: Vec<_> = portfolio.envelopes.iter().collect();
    envelopes.sort_by(|a, b| a.code.cmp(&b.code));
    let mut publication = Publication::default();
    for e in envelopes {
        let (scheme_name, funder) = schemes
            .get(e.scheme.as_str())
            .copied()
            .unwrap_or((e.scheme.as_str(), ""));
        publication.push(Ok(vec![
            Value::Text(e.code.clone()),
            Value::Text(e.scheme.clone()),
            Value::Text(scheme_name.to_owned()),
            Value::text(funder),
            Value::text(funders.get(funder).copied().unwrap_or(funder)),
            Value::text(if e.region.is_some() {
                "régionale"
            } else {
                "nationale"
            }),
            e.region
                .as_ref()
                .map_or(Value::Empty, |r| Value::text(r.as_str())),
            Value::Text(iso_date(e.starts_on)),
            Value::Text(iso_date(e.ends_on)),
            Value::euros(e.amount),
        ]));
    }
    publication
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RegionCode;
    use crate::money::Cents;
    use crate::portfolio::funding::{Envelope, Funder, FunderKind, Scheme};
    use time::macros::date;

    #[test]
    fn envelopes_are_published_with_their_scheme_funder_and_reach() {
        let envelope = |code: &str, region: Option<&str>| Envelope {
            code: code.into(),
            scheme: "fa".into(),
            region: region.map(|r| RegionCode::parse(r).unwrap()),
            starts_on: date!(2020 - 01 - 01),
            ends_on: date!(2022 - 12 - 31),
            amount: Cents::euros(1_000_000),
        };
        let p = Portfolio {
            funders: vec![Funder {
                code: "bpifrance".into(),
                name: "Bpifrance".into(),
                kind: FunderKind::Operator,
                siret: None,
            }],
            schemes: vec![Scheme {
                code: "fa".into(),
                name: "Fonds d'accélération".into(),
                funder: "bpifrance".into(),
                ti_specific: true,
                eu_notified: None,
                details: Default::default(),
            }],
            envelopes: vec![envelope("fa-national", None), envelope("fa-44", Some("44"))],
            ..Portfolio::default()
        };
        let published = publish(&p);
        assert_eq!(published.rows.len(), 2);
        let regional = &published.rows[0];
        assert_eq!(regional.len(), DATASET.fields.len());
        assert_eq!(regional[0], Value::text("fa-44"), "by code");
        assert_eq!(regional[2], Value::text("Fonds d'accélération"));
        assert_eq!(regional[4], Value::text("Bpifrance"));
        assert_eq!(
            (&regional[5], &regional[6]),
            (&Value::text("régionale"), &Value::text("44"))
        );
        assert_eq!(regional[9].plain_text().as_deref(), Some("1000000"));
        let national = &published.rows[1];
        assert_eq!(
            (&national[5], &national[6]),
            (&Value::text("nationale"), &Value::Empty),
            "no region: empty, not invented"
        );
    }
}
