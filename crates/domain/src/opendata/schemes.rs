//! Dispositifs in the *dispositif-aide* schema (Etalab, 0.2.0): the schema the State's aid services
//! (aides-territoires, Mission transition écologique…) exchange schemes in.
//!
//! The schema requires a description, eligibility criteria, kinds of aid, targets and a geographic
//! coverage: a scheme not yet described so is withheld with the first missing fact as its reason. Its
//! *porteur* is its funder, with the SIREN of the funder's SIRET when recorded. The coverage, when not
//! typed, follows from the scheme's envelopes: a national envelope covers France (`PAYS-99100`), regional
//! ones their regions (`REG-44`).

use std::collections::HashMap;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{Dataset, Publication, Reason, Schema, Value};
use crate::portfolio::funding::{Envelope, Funder, Scheme};
use crate::portfolio::scheme::CogArea;
use crate::portfolio::Portfolio;

/// The namespace of the schemes' published identifiers: fixed for ever, so that a scheme keeps its UUID
/// from one export to the next.
const NAMESPACE: Uuid = Uuid::from_u128(0x3f0d_91a4_52c7_4e8b_a1d6_0c5e_9b27_6f14);

/// The programme a scheme specific to Territoires d'industrie belongs to.
const PROGRAMME: &str = "Territoires d'industrie";

/// Withheld: no description.
pub const NO_DESCRIPTION: Reason = "description non renseignée";
/// Withheld: no eligibility criteria.
pub const NO_ELIGIBILITY: Reason = "critères d'éligibilité non renseignés";
/// Withheld: no kind of aid.
pub const NO_AID_TYPE: Reason = "types d'aide non renseignés";
/// Withheld: no target.
pub const NO_TARGET: Reason = "bénéficiaires ciblés non renseignés";
/// Withheld: no coverage typed and no envelope to derive it from.
pub const NO_COVERAGE: Reason = "couverture géographique non renseignée (ni enveloppe)";
/// Withheld: never recorded through the platform, so no date of update.
pub const NO_STAMP: Reason = "date de mise à jour inconnue";

/// The dataset.
pub const DATASET: Dataset = Dataset {
    slug: "dispositifs",
    title: "Dispositifs d'aide",
    description:
        "Les dispositifs qui financent les fiches actions : description, éligibilité, types \
                  d'aide, bénéficiaires ciblés, couverture géographique, financeur.",
    schema: Schema {
        name: "etalab/dispositif-aide",
        version: "0.2.0",
        url: "https://schema.data.gouv.fr/etalab/schema-dispositif-aide/",
        own: None,
    },
    fields: &[
        "id",
        "titre",
        "promesse",
        "description",
        "eligibilite",
        "types_aides",
        "porteurs",
        "programmes_parents",
        "url_source",
        "cibles",
        "eligibilite_geographique",
        "eligibilite_geographique_exclusions",
        "date_ouverture",
        "date_cloture",
        "date_mise_a_jour",
    ],
    places: false,
};

/// The published identifier of the scheme `code`: a UUID v5, the same in every export.
pub fn id(code: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, code.as_bytes())
}

/// A date as the schema's date-times: its first instant (UTC, still that day in France).
fn day(on: Option<Date>) -> Value {
    on.map_or(Value::Empty, |d| instant(d.midnight().assume_utc()))
}

fn instant(at: OffsetDateTime) -> Value {
    Value::Text(
        at.format(&Rfc3339)
            .expect("a date-time formats as RFC 3339"),
    )
}

/// A *porteur* as the schema writes it.
#[derive(serde::Serialize)]
struct Carrier<'a> {
    nom: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    siren: Option<&'a str>,
    roles: [&'static str; 1],
}

/// The schema's `porteurs`: the funder, as a JSON list of `{nom, siren, roles}`.
fn carriers(funder: Option<&Funder>, code: &str) -> String {
    let siret = funder.and_then(|f| f.siret.as_deref());
    let carrier = Carrier {
        nom: funder.map_or(code, |f| f.name.as_str()),
        siren: siret.map(|s| s.get(..9).unwrap_or(s)),
        roles: ["financeur"],
    };
    serde_json::to_string(&[carrier]).expect("a carrier serialises")
}

/// Where a scheme applies when not typed: where its envelopes are. `None` without an envelope.
fn coverage_of<'a>(envelopes: impl Iterator<Item = &'a Envelope>) -> Option<Vec<String>> {
    let mut areas: Vec<String> = envelopes
        .map(|e| match &e.region {
            Some(region) => format!("REG-{}", region.as_str()),
            None => "PAYS-99100".to_owned(),
        })
        .collect();
    if areas.iter().any(|a| a == "PAYS-99100") {
        areas = vec!["PAYS-99100".into()];
    }
    areas.sort();
    areas.dedup();
    (!areas.is_empty()).then_some(areas)
}

/// A scheme as a row of the dataset, or why it is withheld.
pub fn record(
    s: &Scheme,
    funder: Option<&Funder>,
    envelopes: &[&Envelope],
    updated: Option<OffsetDateTime>,
) -> Result<Vec<Value>, Reason> {
    let d = &s.details;
    let description = d.description.as_ref().ok_or(NO_DESCRIPTION)?;
    let eligibility = d.eligibility.as_ref().ok_or(NO_ELIGIBILITY)?;
    if d.aid_types.is_empty() {
        return Err(NO_AID_TYPE);
    }
    if d.targets.is_empty() {
        return Err(NO_TARGET);
    }
    let coverage = if d.coverage.is_empty() {
        coverage_of(envelopes.iter().copied()).ok_or(NO_COVERAGE)?
    } else {
        d.coverage
            .iter()
            .map(CogArea::as_str)
            .map(str::to_owned)
            .collect()
    };
    let updated = updated.ok_or(NO_STAMP)?;
    let words = |items: Vec<&str>| Value::Text(items.join("|"));
    Ok(vec![
        Value::Text(id(&s.code).to_string()),
        Value::Text(s.name.clone()),
        Value::Empty,
        Value::Text(description.clone()),
        Value::Text(eligibility.clone()),
        words(d.aid_types.iter().map(|t| t.code()).collect()),
        Value::Text(carriers(funder, &s.funder)),
        if s.ti_specific {
            Value::text(PROGRAMME)
        } else {
            Value::Empty
        },
        d.url.clone().map_or(Value::Empty, Value::Text),
        words(d.targets.iter().map(|t| t.code()).collect()),
        Value::Text(coverage.join("|")),
        Value::Empty,
        day(d.opens_on),
        day(d.closes_on),
        instant(updated),
    ])
}

/// Why `s` would be withheld for want of a fact the schema requires of the scheme itself (its date of
/// update aside: that is the platform's to know); `None` when it is described enough to be published.
pub fn missing(s: &Scheme, envelopes: &[&Envelope]) -> Option<Reason> {
    record(s, None, envelopes, Some(OffsetDateTime::UNIX_EPOCH)).err()
}

/// Why each of `schemes` would be withheld (see [`missing`]), by code; those described enough are absent.
pub fn missing_by_code<'a>(
    schemes: impl IntoIterator<Item = &'a Scheme>,
    envelopes: impl IntoIterator<Item = &'a Envelope>,
) -> HashMap<String, Reason> {
    let envelopes = by_scheme(envelopes);
    schemes
        .into_iter()
        .filter_map(|s| {
            let reason = missing(s, envelopes.get(s.code.as_str()).map_or(&[], Vec::as_slice))?;
            Some((s.code.clone(), reason))
        })
        .collect()
}

/// The envelopes by the code of their scheme.
fn by_scheme<'a>(
    envelopes: impl IntoIterator<Item = &'a Envelope>,
) -> HashMap<&'a str, Vec<&'a Envelope>> {
    let mut by_scheme: HashMap<&str, Vec<&Envelope>> = HashMap::new();
    for e in envelopes {
        by_scheme.entry(e.scheme.as_str()).or_default().push(e);
    }
    by_scheme
}

/// The schemes of `portfolio`, by code, each dated by `updated` (its last recorded change).
pub fn publish(
    portfolio: &Portfolio,
    updated: impl Fn(&str) -> Option<OffsetDateTime>,
) -> Publication {
    let funders: HashMap<&str, &Funder> = portfolio
        .funders
        .iter()
        .map(|f| (f.code.as_str(), f))
        .collect();
    let envelopes = by_scheme(&portfolio.envelopes);
    let mut schemes: Vec<&Scheme> = portfolio.schemes.iter().collect();
    schemes.sort_by(|a, b| a.code.cmp(&b.code));
    let mut publication = Publication::default();
    for s in schemes {
        publication.push(record(
            s,
            funders.get(s.funder.as_str()).copied(),
            envelopes.get(s.code.as_str()).map_or(&[], Vec::as_slice),
            updated(&s.code),
        ));
    }
    publication
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RegionCode;
    use crate::money::Cents;
    use crate::portfolio::funding::FunderKind;
    use crate::portfolio::scheme::{AidType, SchemeDetails, Target};
    use time::macros::{date, datetime};

    fn portfolio() -> Portfolio {
        let scheme = |code: &str, details: SchemeDetails| Scheme {
            code: code.into(),
            name: format!("Dispositif {code}"),
            funder: "bpifrance".into(),
            ti_specific: code == "a",
            eu_notified: None,
            details,
        };
        let described = SchemeDetails {
            description: Some("Des prêts".into()),
            eligibility: Some("Les PME".into()),
            aid_types: vec![AidType::Loan, AidType::Financing],
            targets: vec![Target::Professionals],
            opens_on: Some(date!(2023 - 01 - 01)),
            ..SchemeDetails::default()
        };
        let envelope = |code: &str, region: Option<&str>| Envelope {
            code: code.into(),
            scheme: "a".into(),
            region: region.map(|r| RegionCode::parse(r).unwrap()),
            starts_on: date!(2023 - 01 - 01),
            ends_on: date!(2023 - 12 - 31),
            amount: Cents::euros(1_000),
        };
        Portfolio {
            funders: vec![Funder {
                code: "bpifrance".into(),
                name: "Bpifrance".into(),
                kind: FunderKind::Operator,
                siret: Some("32025248900051".into()),
            }],
            schemes: vec![
                scheme("b", SchemeDetails::default()),
                scheme("a", described.clone()),
                scheme(
                    "c",
                    SchemeDetails {
                        coverage: vec![CogArea::parse("DEP-57").unwrap()],
                        ..described.clone()
                    },
                ),
                scheme("d", described),
            ],
            envelopes: vec![envelope("a-44", Some("44")), envelope("a-32", Some("32"))],
            ..Portfolio::default()
        }
    }

    #[test]
    fn a_described_scheme_is_published_and_an_undescribed_one_withheld() {
        let at = datetime!(2024-05-02 08:30 UTC);
        let published = publish(&portfolio(), |code| (code != "c").then_some(at));
        assert_eq!(published.rows.len(), 1, "a only: {published:?}");
        assert_eq!(published.withheld.get(NO_DESCRIPTION), Some(&1), "b");
        assert_eq!(published.withheld.get(NO_STAMP), Some(&1), "c");
        assert_eq!(published.withheld.get(NO_COVERAGE), Some(&1), "d");
        let a = &published.rows[0];
        assert_eq!(a.len(), DATASET.fields.len());
        assert_eq!(a[0], Value::Text(id("a").to_string()));
        assert_eq!(a[5], Value::text("prêt|financement"));
        assert_eq!(
            a[6],
            Value::text(r#"[{"nom":"Bpifrance","siren":"320252489","roles":["financeur"]}]"#)
        );
        assert_eq!(a[7], Value::text(PROGRAMME), "specific to the programme");
        assert_eq!(a[10], Value::text("REG-32|REG-44"), "from its envelopes");
        assert_eq!(a[12], Value::text("2023-01-01T00:00:00Z"));
        assert_eq!(a[13], Value::Empty, "no closing date: empty, not invented");
        assert_eq!(a[14], Value::text("2024-05-02T08:30:00Z"));
    }

    #[test]
    fn a_national_envelope_covers_france_and_a_typed_coverage_wins() {
        let mut p = portfolio();
        p.envelopes[0].region = None;
        let published = publish(&p, |_| Some(datetime!(2024-05-02 08:30 UTC)));
        assert_eq!(published.rows[0][10], Value::text("PAYS-99100"));
        assert_eq!(published.rows[1][10], Value::text("DEP-57"), "c, typed");
    }

    #[test]
    fn what_a_scheme_lacks_is_said_before_its_publication() {
        let p = portfolio();
        assert_eq!(missing(&p.schemes[0], &[]), Some(NO_DESCRIPTION));
        assert_eq!(missing(&p.schemes[3], &[]), Some(NO_COVERAGE));
        assert_eq!(missing(&p.schemes[3], &[&p.envelopes[0]]), None);
        let by_code = missing_by_code(&p.schemes, &p.envelopes);
        assert_eq!(by_code.get("b"), Some(&NO_DESCRIPTION));
        assert_eq!(by_code.get("a"), None, "covered by its own envelopes");
        assert_eq!(
            by_code.get("d"),
            Some(&NO_COVERAGE),
            "a's envelopes cover a only"
        );
    }
}
