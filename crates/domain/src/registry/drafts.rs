//! What people type to record a territory's history — a milestone, a governance appointment, an attribute,
//! a chef de projet post, the withdrawal of a record made in error — in a web form or a JSON call, with the
//! same French field names, and its reading into the domain's types with every problem named by field.
//! The rules that need the date of the day (nothing in the future unless planned) stay with each record's
//! `validate`, which the store calls when it writes.

use serde::{Deserialize, Serialize};

use super::attributes::{Attribute, AttributeChange};
use super::governance::Appointment;
use super::milestone::{DatePrecision, Milestone, RecordKind, Withdrawal};
use super::posts::{Cofunding, ProjectLeadPost};
use crate::draft::{date, euros, items, optional, plain, required, text, FieldErrors};
use crate::ids::TerritoryId;

/// A milestone as typed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct MilestoneDraft {
    /// The event's code (`gouvernance_installee`, `contrat_signe`…).
    #[serde(deserialize_with = "text")]
    pub evenement: String,
    /// The day, or the latest possible day.
    #[serde(deserialize_with = "text")]
    pub date: String,
    /// `exacte` (default), `au_plus_tard`, `entre` or `prevu`.
    #[serde(deserialize_with = "text")]
    pub precision: String,
    /// The earliest possible day, for `entre`.
    #[serde(deserialize_with = "text")]
    pub date_au_plus_tot: String,
    /// The territories a merger or split led to (`ti-4401`), a list or one text separated by `|`.
    pub successeurs: Vec<String>,
    /// Free text.
    #[serde(deserialize_with = "text")]
    pub note: String,
    /// Where the fact comes from.
    #[serde(deserialize_with = "text")]
    pub source: String,
}

impl MilestoneDraft {
    /// Reads the milestone.
    pub fn read(&self) -> Result<Milestone, FieldErrors> {
        let mut errors = FieldErrors::default();
        let kind = required(&mut errors, "evenement", &self.evenement, "le jalon", |v| {
            v.parse()
        });
        let occurred_on = required(&mut errors, "date", &self.date, "la date", date("date"));
        let precision = errors.check("precision", self.precision.trim().parse::<DatePrecision>());
        let earliest = optional(
            &mut errors,
            "date_au_plus_tot",
            &self.date_au_plus_tot,
            date("date_au_plus_tot"),
        );
        let related: Vec<_> = self
            .successeurs
            .iter()
            .flat_map(|s| s.split('|'))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .filter_map(|s| errors.check("successeurs", TerritoryId::parse(s)))
            .collect();
        let milestone = (|| {
            Some(Milestone {
                kind: kind?,
                occurred_on: occurred_on?,
                precision: precision?,
                earliest: earliest?,
                related,
                note: plain(&self.note),
                source: plain(&self.source),
                withdrawal: None,
            })
        })();
        errors.into_result(milestone)
    }
}

/// A governance appointment as typed: a role filled (or left vacant) from a date.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AppointmentDraft {
    /// `elu`, `industriel`, `chef_de_projet`…
    #[serde(deserialize_with = "text")]
    pub role: String,
    /// From when.
    #[serde(deserialize_with = "text")]
    pub date: String,
    /// Who holds it; empty when the seat is vacant.
    #[serde(deserialize_with = "text")]
    pub personne: String,
    /// Their organisation.
    #[serde(deserialize_with = "text")]
    pub organisation: String,
}

impl AppointmentDraft {
    /// Reads the appointment.
    pub fn read(&self) -> Result<Appointment, FieldErrors> {
        let mut errors = FieldErrors::default();
        let role = required(&mut errors, "role", &self.role, "le rôle", |v| v.parse());
        let started_on = required(&mut errors, "date", &self.date, "la date", date("date"));
        let person = Some(plain(&self.personne)).filter(|p| !p.is_empty());
        let appointment = (|| {
            Some(Appointment {
                role: role?,
                person,
                organisation: plain(&self.organisation),
                started_on: started_on?,
                withdrawal: None,
            })
        })();
        errors.into_result(appointment)
    }
}

/// An attribute change as typed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AttributeDraft {
    /// `fragile`, `fin_fragile`, `etiquette` or `fin_etiquette`.
    #[serde(deserialize_with = "text")]
    pub evenement: String,
    /// From when.
    #[serde(deserialize_with = "text")]
    pub date: String,
    /// The tag, for `etiquette` and `fin_etiquette`.
    #[serde(deserialize_with = "text")]
    pub etiquette: String,
    /// Where the fact comes from.
    #[serde(deserialize_with = "text")]
    pub source: String,
}

impl AttributeDraft {
    /// Reads the change.
    pub fn read(&self) -> Result<AttributeChange, FieldErrors> {
        let mut errors = FieldErrors::default();
        let tag = |errors: &mut FieldErrors| {
            required(
                errors,
                "etiquette",
                &self.etiquette,
                "l'étiquette",
                Attribute::tag,
            )
        };
        let attribute = match self.evenement.trim() {
            "fragile" => Some((Attribute::Fragile, true)),
            "fin_fragile" => Some((Attribute::Fragile, false)),
            "etiquette" => tag(&mut errors).map(|t| (t, true)),
            "fin_etiquette" => tag(&mut errors).map(|t| (t, false)),
            other => {
                errors.add(
                    "evenement",
                    format!(
                        "« {} » invalide, attendu fragile, fin_fragile, etiquette ou fin_etiquette",
                        crate::draft::excerpt(other)
                    ),
                );
                None
            }
        };
        let on = required(&mut errors, "date", &self.date, "la date", date("date"));
        let change = (|| {
            let (attribute, present) = attribute?;
            Some(AttributeChange {
                attribute,
                present,
                on: on?,
                note: String::new(),
                source: plain(&self.source),
                withdrawal: None,
            })
        })();
        errors.into_result(change)
    }
}

/// The withdrawal of a record made in error, as typed: which record, from when, and why.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct WithdrawalDraft {
    /// `jalon`, `designation` or `attribut`.
    #[serde(rename = "type", deserialize_with = "text")]
    pub kind: String,
    /// The record's number, as the territory's page and API give it.
    #[serde(deserialize_with = "text")]
    pub enregistrement: String,
    /// The day from which it no longer counts.
    #[serde(deserialize_with = "text")]
    pub date: String,
    /// Why (5 characters at least).
    #[serde(deserialize_with = "text")]
    pub motif: String,
}

/// A withdrawal read: the record it supersedes and the withdrawal itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawalOf {
    /// The kind of record.
    pub kind: RecordKind,
    /// Its number.
    pub record: i64,
    /// When and why.
    pub withdrawal: Withdrawal,
}

impl WithdrawalDraft {
    /// Reads the withdrawal.
    pub fn read(&self) -> Result<WithdrawalOf, FieldErrors> {
        let mut errors = FieldErrors::default();
        let kind = required(&mut errors, "type", &self.kind, "le type", |v| v.parse());
        let record = required(
            &mut errors,
            "enregistrement",
            &self.enregistrement,
            "le numéro de l'enregistrement",
            |v| {
                v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    crate::DomainError::Invalid {
                        field: "enregistrement",
                        value: v.to_owned(),
                        expected: "un numéro d'enregistrement",
                    }
                })
            },
        );
        let on = required(&mut errors, "date", &self.date, "la date", date("date"));
        if self.motif.trim().chars().count() < 5 {
            errors.add(
                "motif",
                "à renseigner : le motif du retrait (5 caractères au moins)",
            );
        }
        let withdrawal = (|| {
            Some(WithdrawalOf {
                kind: kind?,
                record: record?,
                withdrawal: Withdrawal {
                    on: on?,
                    reason: plain(&self.motif),
                },
            })
        })();
        errors.into_result(withdrawal)
    }
}

/// A co-financing of a post as typed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CofundingDraft {
    /// The funder's code (`bdt`, `region-44`…).
    #[serde(deserialize_with = "text")]
    pub financeur: String,
    /// Amount over the period, euros.
    #[serde(deserialize_with = "text")]
    pub montant: String,
    /// First day covered.
    #[serde(deserialize_with = "text")]
    pub debut: String,
    /// Last day covered.
    #[serde(deserialize_with = "text")]
    pub fin: String,
}

/// A chef de projet post as typed. Recording a post already stored (same opening day) closes it or adds
/// the co-financings it lacks; anything else differing is refused as a conflict.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PostDraft {
    /// The employer (EPCI, syndicat mixte, CCI…).
    #[serde(deserialize_with = "text")]
    pub employeur: String,
    /// Opened on.
    #[serde(deserialize_with = "text")]
    pub ouvert_le: String,
    /// Closed on, if it was.
    #[serde(deserialize_with = "text")]
    pub ferme_le: String,
    /// Its co-financings.
    pub cofinancements: Vec<CofundingDraft>,
    /// Where the facts come from.
    #[serde(deserialize_with = "text")]
    pub source: String,
}

impl PostDraft {
    /// Reads the post. A co-financing's fields are named `cofinancements.N.champ` (from 1); a row left
    /// entirely empty (a form's blank row) is skipped.
    pub fn read(&self) -> Result<ProjectLeadPost, FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.employeur.trim().is_empty() {
            errors.add("employeur", "à renseigner : l'employeur du poste");
        }
        let opened_on = required(
            &mut errors,
            "ouvert_le",
            &self.ouvert_le,
            "la date d'ouverture",
            date("ouvert_le"),
        );
        let closed_on = optional(&mut errors, "ferme_le", &self.ferme_le, date("ferme_le"));
        let mut cofundings = Some(Vec::new());
        for (n, c) in self.cofinancements.iter().enumerate() {
            let parts = [&c.financeur, &c.montant, &c.debut, &c.fin];
            if parts.iter().all(|p| p.trim().is_empty()) {
                continue;
            }
            let name = |field: &str| format!("cofinancements.{}.{field}", n + 1);
            let funder = items(std::slice::from_ref(&c.financeur)).into_iter().next();
            if funder.is_none() {
                errors.add(&name("financeur"), "à renseigner : le financeur");
            }
            let amount = required(
                &mut errors,
                &name("montant"),
                &c.montant,
                "le montant",
                euros("montant"),
            );
            let starts_on = required(
                &mut errors,
                &name("debut"),
                &c.debut,
                "le premier jour",
                date("debut"),
            );
            let ends_on = required(
                &mut errors,
                &name("fin"),
                &c.fin,
                "le dernier jour",
                date("fin"),
            );
            match (funder, amount, starts_on, ends_on, cofundings.as_mut()) {
                (Some(funder), Some(amount), Some(starts_on), Some(ends_on), Some(list)) => list
                    .push(Cofunding {
                        funder,
                        amount,
                        starts_on,
                        ends_on,
                    }),
                _ => cofundings = None,
            }
        }
        let post = (|| {
            Some(ProjectLeadPost {
                employer: plain(&self.employeur),
                opened_on: opened_on?,
                closed_on: closed_on?,
                cofundings: cofundings?,
                source: plain(&self.source),
            })
        })();
        errors.into_result(post)
    }
}

#[cfg(test)]
mod tests;
