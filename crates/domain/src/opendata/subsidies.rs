//! Grants in the SCDL *subventions* schema (2.1.1): the *données essentielles des conventions de
//! subvention* that the décret n° 2017-779 obliges public funders to publish.
//!
//! A funding line is a grant of the dataset once it is committed and its nature is a grant (in cash) or
//! engineering (in kind); loans, repayable advances and requests not yet decided are no grants. A grant
//! whose publication needs a fact the platform does not hold (the funder's SIRET, the beneficiary's
//! SIRET or RNA number, the payment terms and dates, whether the aid is notified to the European
//! Commission) is withheld with that reason.

use std::collections::HashMap;

use time::Date;

use super::{Dataset, Publication, Reason, Schema, Value};
use crate::fr::iso_date;
use crate::money::Cents;
use crate::portfolio::funding::{Funder, FundingLine, Instrument, PaymentTerms, Scheme};
use crate::portfolio::project::{HolderKind, Project};
use crate::portfolio::Portfolio;

/// The schema's longest `objet`.
const MAX_TEXT: usize = 256;

/// How long an `objet` is cut to: one character below the schema's longest, so that the apostrophe the CSV
/// puts before a text a spreadsheet would run as a formula keeps it within the schema.
const OBJET: usize = MAX_TEXT - 1;

/// Withheld: the commitment was cancelled, the grant no longer stands.
pub const CANCELLED: Reason = "engagement annulé";
/// Withheld: the funder's SIRET (`idAttribuant`) is not recorded.
pub const NO_FUNDER_SIRET: Reason = "SIRET du financeur non renseigné";
/// Withheld: the beneficiary has neither SIRET nor RNA number (one is required).
pub const NO_BENEFICIARY_ID: Reason = "SIRET ou numéro RNA du bénéficiaire non renseigné";
/// Withheld: the payment terms are not recorded.
pub const NO_TERMS: Reason = "conditions de versement non renseignées";
/// Withheld: no payment recorded yet, so no date or period of payment.
pub const NOT_PAID: Reason = "aucun versement enregistré";
/// Withheld: paid in instalments, the first payment's date is not recorded.
pub const NO_FIRST_PAYMENT: Reason = "date du premier versement non renseignée";
/// Withheld: whether the aid is notified to the European Commission is not stated (on its scheme).
pub const NO_EU_NOTIFICATION: Reason = "notification à la Commission européenne non renseignée";

/// The dataset.
pub const DATASET: Dataset = Dataset {
    slug: "subventions",
    title: "Subventions",
    description: "Les subventions engagées sur les fiches actions (en numéraire, et en nature pour \
                  l'ingénierie) : financeur, bénéficiaire, montant, conditions et dates de versement, \
                  dispositif.",
    schema: Schema {
        name: "scdl/subventions",
        version: "2.1.1",
        url: "https://schema.data.gouv.fr/scdl/subventions/",
        own: None,
    },
    fields: &[
        "nomAttribuant",
        "idAttribuant",
        "dateConvention",
        "referenceDecision",
        "nomBeneficiaire",
        "idBeneficiaire",
        "rnaBeneficiaire",
        "objet",
        "montant",
        "nature",
        "conditionsVersement",
        "datesPeriodeVersement",
        "idRAE",
        "notificationUE",
        "pourcentageSubvention",
        "dispositifAide",
    ],
    places: false,
};

/// The schema's nature of a funding line's instrument; `None` when it is no grant.
fn nature(instrument: Instrument) -> Option<&'static str> {
    match instrument {
        Instrument::Grant => Some("aide en numéraire"),
        Instrument::Engineering => Some("aide en nature"),
        Instrument::Loan | Instrument::RepayableAdvance => None,
    }
}

/// At most `max` characters of `text`, an ellipsis marking a cut.
fn at_most(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// The date or period of payment: the payment's date when paid at once, first and last payments'
/// dates when paid in instalments (one date while the first is the last).
fn payment_dates(l: &FundingLine, terms: PaymentTerms) -> Result<String, Reason> {
    let last = l.paid_on.ok_or(NOT_PAID)?;
    let first = match terms {
        PaymentTerms::Single => last,
        PaymentTerms::Instalments => l.first_paid_on.ok_or(NO_FIRST_PAYMENT)?,
    };
    Ok(if first == last {
        iso_date(last)
    } else {
        format!("{}/{}", iso_date(first), iso_date(last))
    })
}

/// A grant: a committed line of a grant's nature.
#[derive(Clone, Copy)]
struct Grant<'a> {
    line: &'a FundingLine,
    amount: Cents,
    on: Date,
    nature: &'static str,
}

impl<'a> Grant<'a> {
    fn of(line: &'a FundingLine) -> Option<Self> {
        Some(Grant {
            line,
            amount: line.committed?,
            on: line.committed_on?,
            nature: nature(line.instrument)?,
        })
    }
}

/// A grant as a row, or why it is withheld.
fn record(
    grant: &Grant<'_>,
    funder: &Funder,
    scheme: Option<&Scheme>,
    project: &Project,
) -> Result<Vec<Value>, Reason> {
    let Grant {
        line: l,
        amount,
        on,
        nature,
    } = *grant;
    if l.cancelled_on.is_some() {
        return Err(CANCELLED);
    }
    let funder_siret = funder.siret.clone().ok_or(NO_FUNDER_SIRET)?;
    let holder = project.holder.as_ref();
    let id = |kind: HolderKind| {
        holder
            .filter(|h| h.kind == kind)
            .and_then(|h| h.identifier.clone())
            .map_or(Value::Empty, Value::Text)
    };
    let (siret, rna) = (id(HolderKind::Company), id(HolderKind::Association));
    if siret == Value::Empty && rna == Value::Empty {
        return Err(NO_BENEFICIARY_ID);
    }
    let terms = l.payment_terms.ok_or(NO_TERMS)?;
    let dates = payment_dates(l, terms)?;
    let notified = scheme
        .and_then(|s| s.eu_notified)
        .ok_or(NO_EU_NOTIFICATION)?;
    Ok(vec![
        Value::Text(funder.name.clone()),
        Value::Text(funder_siret),
        Value::Text(iso_date(on)),
        Value::Text(l.decision_reference.clone()),
        Value::text(holder.map_or("", |h| h.name.as_str())),
        siret,
        rna,
        Value::Text(at_most(&project.title, OBJET)),
        Value::euros(amount),
        Value::text(nature),
        Value::text(terms.label()),
        Value::Text(dates),
        Value::Empty,
        Value::Boolean {
            value: notified,
            words: ("oui", "non"),
        },
        // One line, one beneficiary: it receives the whole grant.
        Value::Decimal { units: 1, scale: 0 },
        scheme.map_or(Value::Empty, |s| Value::Text(s.name.clone())),
    ])
}

/// The portfolio's committed grants, by funder, decision and project.
pub fn publish(portfolio: &Portfolio) -> Publication {
    let funders: HashMap<&str, &Funder> = portfolio
        .funders
        .iter()
        .map(|f| (f.code.as_str(), f))
        .collect();
    let schemes: HashMap<&str, &Scheme> = portfolio
        .schemes
        .iter()
        .map(|s| (s.code.as_str(), s))
        .collect();
    let projects: HashMap<&str, &Project> = portfolio
        .projects
        .iter()
        .map(|p| (p.code.as_str(), p))
        .collect();
    let mut grants: Vec<Grant<'_>> = portfolio.lines.iter().filter_map(Grant::of).collect();
    grants.sort_by(|a, b| a.line.key().cmp(&b.line.key()));
    let mut publication = Publication::default();
    for grant in &grants {
        let l = grant.line;
        // A stored portfolio is whole: every line's funder, scheme and project exist.
        let (Some(funder), Some(project)) = (
            funders.get(l.funder.as_str()),
            projects.get(l.project.as_str()),
        ) else {
            continue;
        };
        let scheme = l.scheme.as_deref().and_then(|s| schemes.get(s).copied());
        publication.push(record(grant, funder, scheme, project));
    }
    publication
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TerritoryId;
    use crate::phase::Phase;
    use crate::portfolio::funding::FunderKind;
    use crate::portfolio::project::{Holder, Outcomes};
    use time::macros::date;

    fn portfolio() -> Portfolio {
        let line = |project: &str, reference: &str, instrument| FundingLine {
            project: project.into(),
            funder: "region-44".into(),
            scheme: Some("climaxion".into()),
            instrument,
            decision_reference: reference.into(),
            requested: Cents(5_000_000),
            requested_on: date!(2024 - 01 - 10),
            committed: Some(Cents(4_780_020)),
            committed_on: Some(date!(2024 - 03 - 12)),
            paid: Some(Cents(2_000_000)),
            paid_on: Some(date!(2024 - 09 - 30)),
            first_paid_on: Some(date!(2024 - 04 - 15)),
            payment_terms: Some(PaymentTerms::Instalments),
            cancelled_on: None,
            over_request_allowed: false,
        };
        let project = |code: &str, holder: Holder| Project {
            not_yet_public: false,
            code: code.into(),
            phase: Phase::Second,
            territories: vec![TerritoryId::parse("ti-4415").unwrap()],
            title: "x".repeat(300),
            description: String::new(),
            axes: vec![],
            themes: vec![],
            holder: Some(holder),
            total_cost: None,
            expected: Outcomes::default(),
            measured: Outcomes::default(),
            history: vec![],
            source: String::new(),
        };
        let holder = |kind, identifier: &str| Holder {
            kind,
            identifier: Some(identifier.into()),
            name: "Bénéficiaire".into(),
        };
        let mut single = line("A", "CP-2", Instrument::Grant);
        single.payment_terms = Some(PaymentTerms::Single);
        single.first_paid_on = single.paid_on;
        let mut unpaid = line("A", "CP-3", Instrument::Grant);
        (unpaid.paid, unpaid.paid_on, unpaid.first_paid_on) = (None, None, None);
        let mut cancelled = line("A", "CP-4", Instrument::Grant);
        cancelled.cancelled_on = Some(date!(2024 - 10 - 01));
        let mut requested = line("A", "CP-5", Instrument::Grant);
        (requested.committed, requested.committed_on) = (None, None);
        (requested.paid, requested.paid_on, requested.first_paid_on) = (None, None, None);
        Portfolio {
            funders: vec![Funder {
                code: "region-44".into(),
                name: "Région Grand Est".into(),
                kind: FunderKind::Region,
                siret: Some("20005226400013".into()),
            }],
            schemes: vec![Scheme {
                details: Default::default(),
                code: "climaxion".into(),
                name: "Climaxion".into(),
                funder: "region-44".into(),
                ti_specific: false,
                eu_notified: Some(false),
            }],
            envelopes: vec![],
            projects: vec![
                project("A", holder(HolderKind::Company, "35600000000048")),
                project("B", holder(HolderKind::Epci, "245701206")),
                project("C", holder(HolderKind::Association, "W123456789")),
            ],
            lines: vec![
                line("A", "CP-1", Instrument::Grant),
                single,
                unpaid,
                cancelled,
                requested,
                line("A", "CP-6", Instrument::Loan),
                line("B", "CP-7", Instrument::Grant),
                line("C", "CP-8", Instrument::Engineering),
            ],
        }
    }

    fn field<'a>(row: &'a [Value], name: &str) -> &'a Value {
        &row[DATASET.fields.iter().position(|f| *f == name).unwrap()]
    }

    #[test]
    fn committed_grants_are_published_and_what_cannot_be_is_counted_with_its_reason() {
        let published = publish(&portfolio());
        assert_eq!(published.rows.len(), 3, "CP-1, CP-2, CP-8");
        assert_eq!(published.withheld.get(NOT_PAID), Some(&1));
        assert_eq!(published.withheld.get(CANCELLED), Some(&1));
        assert_eq!(
            published.withheld.get(NO_BENEFICIARY_ID),
            Some(&1),
            "an EPCI's SIREN is neither a SIRET nor an RNA number"
        );
        assert_eq!(
            published.withheld.values().sum::<usize>(),
            3,
            "a request and a loan are no grants: neither published nor withheld"
        );
        let instalments = &published.rows[0];
        assert_eq!(
            field(instalments, "referenceDecision"),
            &Value::text("CP-1")
        );
        assert_eq!(
            field(instalments, "idAttribuant"),
            &Value::text("20005226400013")
        );
        assert_eq!(
            field(instalments, "dateConvention"),
            &Value::text("2024-03-12")
        );
        assert_eq!(
            field(instalments, "montant").plain_text().as_deref(),
            Some("47800.2")
        );
        assert_eq!(
            field(instalments, "datesPeriodeVersement"),
            &Value::text("2024-04-15/2024-09-30")
        );
        assert_eq!(
            field(instalments, "conditionsVersement"),
            &Value::text("échelonné")
        );
        assert_eq!(
            field(instalments, "notificationUE").plain_text().as_deref(),
            Some("non")
        );
        let Value::Text(objet) = field(instalments, "objet") else {
            panic!("an objet");
        };
        assert_eq!(
            objet.chars().count(),
            MAX_TEXT - 1,
            "cut below the schema's length, room left for the CSV's formula guard"
        );
        assert_eq!(
            field(&published.rows[1], "datesPeriodeVersement"),
            &Value::text("2024-09-30"),
            "paid at once: one date"
        );
        let in_kind = &published.rows[2];
        assert_eq!(field(in_kind, "nature"), &Value::text("aide en nature"));
        assert_eq!(
            field(in_kind, "rnaBeneficiaire"),
            &Value::text("W123456789")
        );
        assert_eq!(field(in_kind, "idBeneficiaire"), &Value::Empty);
    }

    #[test]
    fn a_missing_fact_of_the_funder_or_scheme_withholds_every_grant_it_concerns() {
        let mut p = portfolio();
        p.funders[0].siret = None;
        assert_eq!(publish(&p).withheld.get(NO_FUNDER_SIRET), Some(&5));
        let mut p = portfolio();
        p.schemes[0].eu_notified = None;
        assert_eq!(publish(&p).withheld.get(NO_EU_NOTIFICATION), Some(&3));
        let mut p = portfolio();
        p.lines[0].first_paid_on = None;
        p.lines[0].payment_terms = Some(PaymentTerms::Instalments);
        let published = publish(&p);
        assert_eq!(published.withheld.get(NO_FIRST_PAYMENT), Some(&1));
        assert_eq!(published.rows.len(), 2);
    }
}
