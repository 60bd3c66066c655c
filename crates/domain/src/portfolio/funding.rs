//! Who funds projects and how: financeurs, dispositifs (schemes), enveloppes and lignes de financement.
//!
//! The lessons of the programme's evaluations are rules here: every amount shown is computed from funding
//! lines, requested, committed and paid are kept apart, and a line's natural key (funder, decision
//! reference, project) forbids counting a co-financing twice.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::fr::iso_date;
use crate::ids::RegionCode;
use crate::money::Cents;
use crate::portfolio::project::{check_siret, coded_enum};
use crate::portfolio::scheme::SchemeDetails;
use crate::text::{check_code, check_text};
use crate::DomainError;

coded_enum!(
    /// Kinds of funders, as bilans group them.
    FunderKind, "type_financeur", "un type de financeur (etat, operateur, region, collectivite, europe, prive)", {
        /// State ministries and services.
        State => "etat", "État";
        /// State operators: Bpifrance, Banque des Territoires, Ademe, Business France, France Travail, Cerema…
        Operator => "operateur", "Opérateur de l'État";
        /// Regional councils.
        Region => "region", "Région";
        /// EPCIs, départements, communes.
        LocalAuthority => "collectivite", "Collectivité locale";
        /// The European Union.
        Europe => "europe", "Union européenne";
        /// Companies and other private funders.
        Private => "prive", "Privé";
    }
);

impl FunderKind {
    /// Whether a commitment by this funder makes a project "engaged by the State" (the State or one of its
    /// operators), the figure national committees report.
    pub fn is_state_group(self) -> bool {
        matches!(self, Self::State | Self::Operator)
    }
}

coded_enum!(
    /// The form a funding takes.
    Instrument, "nature", "une nature (subvention, pret, avance_remboursable, ingenierie)", {
        /// Grant.
        Grant => "subvention", "Subvention";
        /// Loan.
        Loan => "pret", "Prêt";
        /// Repayable advance.
        RepayableAdvance => "avance_remboursable", "Avance remboursable";
        /// Engineering support (studies, project management) valued in euros.
        Engineering => "ingenierie", "Ingénierie";
    }
);

coded_enum!(
    /// How a grant is paid, as its convention says (the SCDL's `conditionsVersement`).
    PaymentTerms, "conditions_versement", "des conditions de versement (unique, echelonne)", {
        /// In one payment.
        Single => "unique", "unique";
        /// In instalments.
        Instalments => "echelonne", "échelonné";
    }
);

/// A funder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funder {
    /// Short stable code (`bpifrance`, `region-44`).
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: FunderKind,
    /// The SIRET of the body that grants (the SCDL's `idAttribuant`), when known.
    #[serde(default)]
    pub siret: Option<String>,
}

impl Funder {
    /// Checks the SIRET, when there is one.
    pub fn validate(&self) -> Result<(), DomainError> {
        check_code("code", &self.code)?;
        check_text("nom", &self.name, 200)?;
        match &self.siret {
            Some(siret) => check_siret("siret", siret),
            None => Ok(()),
        }
    }
}

/// A dispositif: a scheme through which a funder funds projects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    /// Short stable code (`fonds-acceleration`).
    pub code: String,
    /// Name.
    pub name: String,
    /// The funder running it.
    pub funder: String,
    /// Whether its credits are specific to Territoires d'industrie (otherwise general law, *droit commun*).
    pub ti_specific: bool,
    /// Whether its aid is notified to the European Commission as State aid (the SCDL's `notificationUE`);
    /// `None` while not stated.
    #[serde(default)]
    pub eu_notified: Option<bool>,
    /// What the public reads of it (the *dispositif-aide* schema); its fields sit beside the others in
    /// JSON, so that a history names each of them.
    #[serde(flatten)]
    pub details: SchemeDetails,
}

impl Scheme {
    /// Checks what is described.
    pub fn validate(&self) -> Result<(), DomainError> {
        check_code("code", &self.code)?;
        check_text("nom", &self.name, 300)?;
        self.details.validate()
    }
}

/// An envelope: the amount a scheme can commit, for a region or nationally, over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Short stable code.
    pub code: String,
    /// The scheme.
    pub scheme: String,
    /// The region it is for; `None` for a national envelope.
    pub region: Option<RegionCode>,
    /// First day of commitments.
    pub starts_on: Date,
    /// Last day of commitments.
    pub ends_on: Date,
    /// Amount available.
    pub amount: Cents,
}

impl Envelope {
    /// Checks the envelope itself.
    pub fn validate(&self) -> Result<(), DomainError> {
        check_code("code", &self.code)?;
        if self.ends_on < self.starts_on {
            return Err(DomainError::Rule(format!(
                "enveloppe {} : fin {} avant le début {}",
                self.code,
                iso_date(self.ends_on),
                iso_date(self.starts_on)
            )));
        }
        Ok(())
    }

    /// Whether a commitment of the scheme on `on` for a project of `region` draws on this envelope.
    pub fn covers(&self, scheme: &str, region: Option<&RegionCode>, on: Date) -> bool {
        self.scheme == scheme
            && (self.starts_on..=self.ends_on).contains(&on)
            && self.region.as_ref().is_none_or(|r| Some(r) == region)
    }

    /// Checks that committing `amount`, with `already` committed on the envelope, stays within it.
    pub fn check_commitment(&self, already: Cents, amount: Cents) -> Result<(), DomainError> {
        if already + amount > self.amount {
            let left = if already >= self.amount {
                Cents::ZERO
            } else {
                self.amount - already
            };
            return Err(DomainError::Rule(format!(
                "enveloppe « {} » épuisée : {} déjà engagés sur {}, reste {} ; l'engagement de {} est refusé",
                self.code, already, self.amount, left, amount
            )));
        }
        Ok(())
    }
}

/// The envelope a commitment draws on: the scheme's regional envelope for the project's region if there is
/// one in force at that date, else its national one. `None` when the scheme has no envelope (general law).
pub fn envelope_for<'a>(
    envelopes: &'a [Envelope],
    scheme: &str,
    region: Option<&RegionCode>,
    on: Date,
) -> Option<&'a Envelope> {
    envelope_position(envelopes, scheme, region, on).map(|i| &envelopes[i])
}

/// The envelope `line`'s commitment draws on, its project being in `region`: none when it is not
/// committed, has no scheme, or no envelope of its scheme covers its region and date. The total committed
/// in force on an envelope never exceeds it; since commitments only add up, checking a new commitment
/// against the sum of the others drawing on the same envelope is the same as replaying them all in date
/// order (what [`super::Portfolio::validate`] does for a whole file).
pub fn draws_on<'a>(
    envelopes: &'a [Envelope],
    line: &FundingLine,
    region: Option<&RegionCode>,
) -> Option<&'a Envelope> {
    envelope_for(
        envelopes,
        line.scheme.as_deref()?,
        region,
        line.committed_on?,
    )
}

/// [`envelope_for`], as a position in `envelopes`.
pub fn envelope_position(
    envelopes: &[Envelope],
    scheme: &str,
    region: Option<&RegionCode>,
    on: Date,
) -> Option<usize> {
    let covering = || {
        envelopes
            .iter()
            .enumerate()
            .filter(|(_, e)| e.covers(scheme, region, on))
    };
    covering()
        .find(|(_, e)| e.region.is_some())
        .or_else(|| covering().next())
        .map(|(i, _)| i)
}

/// A ligne de financement: one funder's part in one project, through a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingLine {
    /// The project funded.
    pub project: String,
    /// The funder.
    pub funder: String,
    /// The scheme, if the funding goes through one.
    pub scheme: Option<String>,
    /// Grant, loan…
    pub instrument: Instrument,
    /// The funder's decision reference: with funder and project, the line's natural key.
    pub decision_reference: String,
    /// Amount requested.
    pub requested: Cents,
    /// When the request was filed: the line exists from that day.
    pub requested_on: Date,
    /// Amount committed (granted), if any.
    pub committed: Option<Cents>,
    /// When it was committed.
    pub committed_on: Option<Date>,
    /// Amount paid so far.
    pub paid: Option<Cents>,
    /// Date of the last payment.
    pub paid_on: Option<Date>,
    /// Date of the first payment (recorded by the first payment event, or imported).
    #[serde(default)]
    pub first_paid_on: Option<Date>,
    /// How the grant is paid, as its convention says.
    #[serde(default)]
    pub payment_terms: Option<PaymentTerms>,
    /// When the commitment was cancelled, if it was.
    pub cancelled_on: Option<Date>,
    /// Committing more than requested was explicitly allowed.
    pub over_request_allowed: bool,
}

/// How far a line had come at a date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LineAmounts {
    /// Requested (0 if the request was not filed yet).
    pub requested: Cents,
    /// Committed and not cancelled.
    pub committed: Cents,
    /// Paid.
    pub paid: Cents,
}

impl FundingLine {
    /// The line's natural key: one line per funder, decision and project, so that nothing is counted twice.
    pub fn key(&self) -> (&str, &str, &str) {
        (&self.funder, &self.decision_reference, &self.project)
    }

    /// Checks amounts and dates: committed never above requested unless explicitly allowed, paid never
    /// above committed, dates in order (request ≤ commitment ≤ payment, commitment ≤ cancellation).
    pub fn validate(&self) -> Result<(), DomainError> {
        let who = format!(
            "ligne {} / {} / {}",
            self.project, self.funder, self.decision_reference
        );
        let rule = |msg: String| Err(DomainError::Rule(format!("{who} : {msg}")));
        if self.decision_reference.trim().is_empty() {
            return rule("référence de décision vide".into());
        }
        if self.committed.is_some() != self.committed_on.is_some() {
            return rule(
                "un montant engagé va avec sa date d'engagement (et réciproquement)".into(),
            );
        }
        if self.paid.is_some() != self.paid_on.is_some() {
            return rule(
                "un montant versé va avec sa date de versement (et réciproquement)".into(),
            );
        }
        if let (Some(committed), Some(on)) = (self.committed, self.committed_on) {
            if committed > self.requested && !self.over_request_allowed {
                return rule(format!(
                    "engagé {committed} supérieur au demandé {} (indiquer depassement_autorise = oui si c'est voulu)",
                    self.requested
                ));
            }
            if on < self.requested_on {
                return rule(format!(
                    "engagement du {} antérieur à la demande du {}",
                    iso_date(on),
                    iso_date(self.requested_on)
                ));
            }
        }
        if let (Some(paid), Some(paid_on)) = (self.paid, self.paid_on) {
            let (Some(committed), Some(committed_on)) = (self.committed, self.committed_on) else {
                return rule("versement sans engagement".into());
            };
            if paid > committed {
                return rule(format!("versé {paid} supérieur à l'engagé {committed}"));
            }
            let first_paid_on = self.first_paid_on.unwrap_or(paid_on);
            if first_paid_on < committed_on {
                return rule(format!(
                    "versement du {} antérieur à l'engagement du {}",
                    iso_date(first_paid_on),
                    iso_date(committed_on)
                ));
            }
            if paid_on < first_paid_on {
                return rule(format!(
                    "dernier versement du {} antérieur au premier, du {}",
                    iso_date(paid_on),
                    iso_date(first_paid_on)
                ));
            }
            if self.payment_terms == Some(PaymentTerms::Single) && first_paid_on != paid_on {
                return rule(format!(
                    "versement unique, mais un premier versement le {} et un dernier le {}",
                    iso_date(first_paid_on),
                    iso_date(paid_on)
                ));
            }
        } else if self.first_paid_on.is_some() {
            return rule("date de premier versement sans montant versé".into());
        }
        if let Some(cancelled_on) = self.cancelled_on {
            match self.committed_on {
                None => return rule("annulation d'une ligne jamais engagée".into()),
                Some(on) if cancelled_on < on => {
                    return rule(format!(
                        "annulation du {} antérieure à l'engagement du {}",
                        iso_date(cancelled_on),
                        iso_date(on)
                    ))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The line's amounts as known on `date`: a cancelled commitment no longer counts from its
    /// cancellation; payments made before it still do.
    pub fn as_of(&self, date: Date) -> LineAmounts {
        if self.requested_on > date {
            return LineAmounts::default();
        }
        let cancelled = self.cancelled_on.is_some_and(|c| c <= date);
        let committed = match (self.committed, self.committed_on) {
            (Some(amount), Some(on)) if on <= date && !cancelled => amount,
            _ => Cents::ZERO,
        };
        let paid = match (self.paid, self.paid_on) {
            (Some(amount), Some(on)) if on <= date => amount,
            _ => Cents::ZERO,
        };
        LineAmounts {
            requested: self.requested,
            committed,
            paid,
        }
    }

    /// The line as recorded on `date`: `None` before its request; a commitment, payment or cancellation
    /// dated later is left out (a payment is the amount paid so far: one dated later was not known then).
    pub fn record_as_of(&self, date: Date) -> Option<FundingLine> {
        if self.requested_on > date {
            return None;
        }
        let by = |on: Option<Date>| on.is_some_and(|on| on <= date);
        let mut line = self.clone();
        if !by(line.committed_on) {
            (line.committed, line.committed_on) = (None, None);
        }
        if !by(line.paid_on) {
            (line.paid, line.paid_on, line.first_paid_on) = (None, None, None);
        }
        if !by(line.cancelled_on) {
            line.cancelled_on = None;
        }
        Some(line)
    }

    /// Refuses a request, commitment, payment or cancellation dated after `today`.
    pub fn check_not_future(&self, today: Date) -> Result<(), DomainError> {
        let dates = [
            ("demande", Some(self.requested_on)),
            ("engagement", self.committed_on),
            ("versement", self.paid_on),
            ("annulation", self.cancelled_on),
        ];
        match dates
            .into_iter()
            .find(|(_, d)| d.is_some_and(|d| d > today))
        {
            Some((what, Some(on))) => Err(super::future(
                &format!("ligne {} / {} : {what}", self.project, self.funder),
                on,
                today,
            )),
            _ => Ok(()),
        }
    }

    /// The amount the line commits against an envelope: its commitment unless cancelled.
    pub fn committed_in_force(&self) -> Cents {
        match (self.committed, self.cancelled_on) {
            (Some(amount), None) => amount,
            _ => Cents::ZERO,
        }
    }
}

/// What happens to a funding line after its request: a commitment, a payment, a cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "evenement", rename_all = "snake_case")]
pub enum LineEvent {
    /// The funder commits (grants) an amount.
    Commit {
        /// Amount committed.
        amount: Cents,
        /// Date of the decision.
        on: Date,
        /// Committing more than requested is intended.
        over_request_allowed: bool,
    },
    /// A payment brings the amount paid to `total_paid`.
    Pay {
        /// Total paid after this payment.
        total_paid: Cents,
        /// Date of the payment.
        on: Date,
    },
    /// The commitment is cancelled.
    Cancel {
        /// Date of the cancellation.
        on: Date,
    },
}

impl FundingLine {
    /// The line after `event`, checked: the same rules as for a whole line apply.
    pub fn apply(&self, event: LineEvent) -> Result<FundingLine, DomainError> {
        let mut next = self.clone();
        match event {
            LineEvent::Commit {
                amount,
                on,
                over_request_allowed,
            } => {
                if self.cancelled_on.is_some() {
                    return Err(DomainError::Rule(
                        "ligne annulée : engager une nouvelle ligne".into(),
                    ));
                }
                next.committed = Some(amount);
                next.committed_on = Some(on);
                next.over_request_allowed = over_request_allowed;
            }
            LineEvent::Pay { total_paid, on } => {
                if self.paid_on.is_some_and(|previous| on < previous) {
                    return Err(DomainError::Rule(
                        "versement antérieur au dernier versement enregistré".into(),
                    ));
                }
                if self.paid.is_some_and(|previous| total_paid < previous) {
                    return Err(DomainError::Rule(
                        "le total versé ne peut pas diminuer (saisir le cumul des versements)"
                            .into(),
                    ));
                }
                next.paid = Some(total_paid);
                next.paid_on = Some(on);
                if self.paid_on.is_none() {
                    next.first_paid_on = Some(on);
                }
            }
            LineEvent::Cancel { on } => {
                if self.cancelled_on.is_some() {
                    return Err(DomainError::Rule("ligne déjà annulée".into()));
                }
                next.cancelled_on = Some(on);
            }
        }
        next.validate()?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn line() -> FundingLine {
        FundingLine {
            first_paid_on: None,
            payment_terms: None,
            project: "P1".into(),
            funder: "bpifrance".into(),
            scheme: Some("fonds-acceleration".into()),
            instrument: Instrument::Grant,
            decision_reference: "D-1".into(),
            requested: Cents::euros(100_000),
            requested_on: date!(2020 - 01 - 10),
            committed: Some(Cents::euros(80_000)),
            committed_on: Some(date!(2020 - 06 - 01)),
            paid: Some(Cents::euros(40_000)),
            paid_on: Some(date!(2021 - 02 - 01)),
            cancelled_on: None,
            over_request_allowed: false,
        }
    }

    fn envelope(region: Option<&str>, amount: i64) -> Envelope {
        Envelope {
            code: format!("fa-{}", region.unwrap_or("national")),
            scheme: "fonds-acceleration".into(),
            region: region.map(|r| RegionCode::parse(r).unwrap()),
            starts_on: date!(2020 - 01 - 01),
            ends_on: date!(2022 - 12 - 31),
            amount: Cents::euros(amount),
        }
    }

    #[test]
    fn a_line_as_recorded_on_a_date_keeps_only_what_had_happened() {
        let l = line();
        assert_eq!(l.record_as_of(date!(2020 - 01 - 09)), None);
        let requested = l.record_as_of(date!(2020 - 05 - 31)).unwrap();
        assert_eq!((requested.committed, requested.paid), (None, None));
        assert_eq!(requested.requested, l.requested);
        let committed = l.record_as_of(date!(2020 - 06 - 01)).unwrap();
        assert_eq!(committed.committed, Some(Cents::euros(80_000)));
        assert_eq!(committed.paid_on, None);
        assert_eq!(l.record_as_of(date!(2021 - 02 - 01)).unwrap(), l);
        let mut cancelled = l.clone();
        cancelled.cancelled_on = Some(date!(2022 - 01 - 01));
        assert_eq!(
            cancelled
                .record_as_of(date!(2021 - 12 - 31))
                .unwrap()
                .cancelled_on,
            None
        );
        // What a record as of a date says is what the bilan of that date counts.
        for d in [
            date!(2020 - 03 - 01),
            date!(2020 - 07 - 01),
            date!(2022 - 06 - 01),
        ] {
            assert_eq!(
                cancelled.record_as_of(d).unwrap().as_of(d),
                cancelled.as_of(d)
            );
        }
    }

    #[test]
    fn events_move_a_line_forward_under_the_same_rules() {
        let mut requested = line();
        requested.committed = None;
        requested.committed_on = None;
        requested.paid = None;
        requested.paid_on = None;
        let committed = requested
            .apply(LineEvent::Commit {
                amount: Cents::euros(90_000),
                on: date!(2020 - 03 - 01),
                over_request_allowed: false,
            })
            .unwrap();
        assert_eq!(committed.committed, Some(Cents::euros(90_000)));
        let too_much = LineEvent::Commit {
            amount: Cents::euros(150_000),
            on: date!(2020 - 03 - 01),
            over_request_allowed: false,
        };
        assert!(requested.apply(too_much).is_err());
        let paid = committed
            .apply(LineEvent::Pay {
                total_paid: Cents::euros(30_000),
                on: date!(2020 - 09 - 01),
            })
            .unwrap();
        assert!(paid
            .apply(LineEvent::Pay {
                total_paid: Cents::euros(20_000),
                on: date!(2020 - 10 - 01)
            })
            .is_err());
        let cancelled = paid
            .apply(LineEvent::Cancel {
                on: date!(2021 - 01 - 01),
            })
            .unwrap();
        assert!(cancelled
            .apply(LineEvent::Cancel {
                on: date!(2021 - 02 - 01)
            })
            .is_err());
    }

    #[test]
    fn the_first_payment_is_dated_by_its_event_and_a_single_payment_stays_single() {
        let mut l = line();
        (l.paid, l.paid_on) = (None, None);
        let once = l
            .apply(LineEvent::Pay {
                total_paid: Cents::euros(30_000),
                on: date!(2020 - 09 - 01),
            })
            .unwrap();
        assert_eq!(once.first_paid_on, Some(date!(2020 - 09 - 01)));
        let twice = once
            .apply(LineEvent::Pay {
                total_paid: Cents::euros(50_000),
                on: date!(2021 - 01 - 15),
            })
            .unwrap();
        assert_eq!(
            (twice.first_paid_on, twice.paid_on),
            (Some(date!(2020 - 09 - 01)), Some(date!(2021 - 01 - 15))),
            "the first payment keeps its date"
        );
        let single = FundingLine {
            payment_terms: Some(PaymentTerms::Single),
            ..once
        };
        let err = single
            .apply(LineEvent::Pay {
                total_paid: Cents::euros(50_000),
                on: date!(2021 - 01 - 15),
            })
            .unwrap_err();
        assert!(err.to_string().contains("versement unique"), "{err}");
        let mut backwards = twice.clone();
        backwards.first_paid_on = Some(date!(2021 - 03 - 01));
        assert!(backwards.validate().is_err(), "first after last");
        let mut before_commitment = twice;
        before_commitment.first_paid_on = Some(date!(2020 - 05 - 01));
        assert!(before_commitment.validate().is_err());
        assert_eq!(
            before_commitment
                .record_as_of(date!(2020 - 12 - 31))
                .unwrap()
                .first_paid_on,
            None,
            "as of a date before the last payment, no payment is known"
        );
    }

    #[test]
    fn a_consistent_line_is_valid() {
        assert!(line().validate().is_ok());
    }

    #[test]
    fn committed_above_requested_needs_the_flag() {
        let mut l = line();
        l.committed = Some(Cents::euros(120_000));
        let err = l.validate().unwrap_err().to_string();
        assert!(
            err.contains("supérieur au demandé") && err.contains("depassement_autorise"),
            "{err}"
        );
        l.over_request_allowed = true;
        l.paid = None;
        l.paid_on = None;
        assert!(l.validate().is_ok());
    }

    #[test]
    fn dates_must_be_in_order() {
        let mut l = line();
        l.paid_on = Some(date!(2020 - 05 - 01));
        assert!(l
            .validate()
            .unwrap_err()
            .to_string()
            .contains("antérieur à l'engagement"));
        let mut l = line();
        l.committed_on = Some(date!(2019 - 12 - 31));
        assert!(l
            .validate()
            .unwrap_err()
            .to_string()
            .contains("antérieur à la demande"));
        let mut l = line();
        l.cancelled_on = Some(date!(2020 - 05 - 01));
        assert!(l.validate().unwrap_err().to_string().contains("annulation"));
        let mut l = line();
        l.paid = Some(Cents::euros(90_000));
        assert!(l
            .validate()
            .unwrap_err()
            .to_string()
            .contains("supérieur à l'engagé"));
    }

    #[test]
    fn amounts_are_read_as_of_a_date() {
        let l = line();
        assert_eq!(l.as_of(date!(2020 - 01 - 09)), LineAmounts::default());
        assert_eq!(l.as_of(date!(2020 - 01 - 10)).committed, Cents::ZERO);
        assert_eq!(
            l.as_of(date!(2020 - 06 - 01)).committed,
            Cents::euros(80_000)
        );
        assert_eq!(l.as_of(date!(2020 - 06 - 01)).paid, Cents::ZERO);
        assert_eq!(l.as_of(date!(2021 - 02 - 01)).paid, Cents::euros(40_000));
        let mut cancelled = line();
        cancelled.cancelled_on = Some(date!(2022 - 01 - 01));
        assert_eq!(
            cancelled.as_of(date!(2021 - 12 - 31)).committed,
            Cents::euros(80_000)
        );
        assert_eq!(
            cancelled.as_of(date!(2022 - 01 - 01)).committed,
            Cents::ZERO
        );
        assert_eq!(
            cancelled.as_of(date!(2022 - 01 - 01)).paid,
            Cents::euros(40_000)
        );
        assert_eq!(cancelled.committed_in_force(), Cents::ZERO);
    }

    #[test]
    fn an_exhausted_envelope_refuses_commitments() {
        let e = envelope(Some("44"), 1_000_000);
        assert!(e
            .check_commitment(Cents::euros(900_000), Cents::euros(100_000))
            .is_ok());
        let err = e
            .check_commitment(Cents::euros(900_000), Cents::euros(150_000))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("épuisée") && err.contains("reste 100\u{202F}000\u{a0}€"),
            "{err}"
        );
    }

    #[test]
    fn regional_envelopes_come_before_national_ones() {
        let envelopes = [envelope(None, 10), envelope(Some("44"), 5)];
        let ge = RegionCode::parse("44").unwrap();
        let hdf = RegionCode::parse("32").unwrap();
        let on = date!(2021 - 01 - 01);
        assert_eq!(
            envelope_for(&envelopes, "fonds-acceleration", Some(&ge), on)
                .unwrap()
                .code,
            "fa-44"
        );
        assert_eq!(
            envelope_for(&envelopes, "fonds-acceleration", Some(&hdf), on)
                .unwrap()
                .code,
            "fa-national"
        );
        assert!(envelope_for(
            &envelopes,
            "fonds-acceleration",
            Some(&ge),
            date!(2023 - 01 - 01)
        )
        .is_none());
        assert!(envelope_for(&envelopes, "autre", Some(&ge), on).is_none());
    }
}
