//! What people type to create or edit a record of the portfolio — in a web form or a JSON call, the same
//! French field names — and its reading into the domain's types. Every field is read, and every problem is
//! named with its field, the value given and what was expected, so that a form shows each message beside
//! its field and keeps what was typed.

use serde::{Deserialize, Serialize};

use super::funding::{Envelope, Funder, FundingLine, Scheme};
use super::project::{
    identifier, Holder, HolderKind, Outcomes, Project, ProjectStatus, StatusChange,
};
use super::scheme::{
    read_aid_types, read_coverage, read_targets, read_url, CogArea, SchemeDetails,
};
use crate::draft::{
    code_of, count, date, euros, flag, items, optional, plain, plain_euros, required, text,
    FieldErrors,
};
use crate::fr::iso_date;
use crate::ids::{RegionCode, TerritoryId};
use crate::phase::Phase;

/// Outcomes as typed, expected or measured: counts, and an amount in euros. `suffix` names the fields
/// (`emplois_crees_prevus`…).
fn read_outcomes(
    errors: &mut FieldErrors,
    suffix: &str,
    [jobs_created, jobs_kept, investment, tco2e_avoided, brownfield_hectares]: [&str; 5],
) -> Option<Outcomes> {
    let mut count_of = |name: &'static str, value: &str| {
        optional(errors, &format!("{name}_{suffix}"), value, count(name))
    };
    let jobs_created = count_of("emplois_crees", jobs_created);
    let jobs_kept = count_of("emplois_maintenus", jobs_kept);
    let tco2e_avoided = count_of("tco2e_evitees", tco2e_avoided);
    let brownfield_hectares = count_of("hectares_friche", brownfield_hectares);
    let investment = optional(
        errors,
        &format!("investissement_{suffix}"),
        investment,
        euros("investissement"),
    );
    Some(Outcomes {
        jobs_created: jobs_created?,
        jobs_kept: jobs_kept?,
        investment: investment?,
        tco2e_avoided: tco2e_avoided?,
        brownfield_hectares: brownfield_hectares?,
    })
}

/// The five outcome fields of a stored project, as a form shows them.
fn outcome_texts(o: &Outcomes) -> [String; 5] {
    let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    [
        n(o.jobs_created),
        n(o.jobs_kept),
        o.investment.map(plain_euros).unwrap_or_default(),
        n(o.tco2e_avoided),
        n(o.brownfield_hectares),
    ]
}

/// A fiche action as typed. On an edit, the code, the phase and the status history are the stored ones:
/// a status is recorded with its own form.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ProjectDraft {
    /// The version read, for an edit (optimistic concurrency); absent for a creation.
    pub version: Option<i64>,
    /// Stable code, e.g. `GE-2024-HYDRO`.
    #[serde(deserialize_with = "text")]
    pub code: String,
    /// `2018-2022` or `2023-2027`.
    #[serde(deserialize_with = "text")]
    pub phase: String,
    /// Title.
    #[serde(deserialize_with = "text")]
    pub titre: String,
    /// Description.
    #[serde(deserialize_with = "text")]
    pub description: String,
    /// Territories carrying it (`ti-4401`), at least one.
    pub territoires: Vec<String>,
    /// Axes of the phase (codes).
    pub axes: Vec<String>,
    /// Themes, free words.
    pub themes: Vec<String>,
    /// Initial status (creation only).
    #[serde(deserialize_with = "text")]
    pub statut: String,
    /// Date of the initial status.
    #[serde(deserialize_with = "text")]
    pub date_statut: String,
    /// Kind of porteur.
    #[serde(deserialize_with = "text")]
    pub porteur_type: String,
    /// Name of the porteur.
    #[serde(deserialize_with = "text")]
    pub porteur_nom: String,
    /// SIRET, SIREN or RNA of the porteur.
    #[serde(deserialize_with = "text")]
    pub porteur_identifiant: String,
    /// Total cost in euros.
    #[serde(deserialize_with = "text")]
    pub cout_total: String,
    /// Jobs created, expected.
    #[serde(deserialize_with = "text")]
    pub emplois_crees_prevus: String,
    /// Jobs kept, expected.
    #[serde(deserialize_with = "text")]
    pub emplois_maintenus_prevus: String,
    /// Industrial investment, euros, expected.
    #[serde(deserialize_with = "text")]
    pub investissement_prevus: String,
    /// Tonnes of CO2e avoided per year, expected.
    #[serde(deserialize_with = "text")]
    pub tco2e_evitees_prevus: String,
    /// Hectares of brownfield requalified, expected.
    #[serde(deserialize_with = "text")]
    pub hectares_friche_prevus: String,
    /// Jobs created, measured.
    #[serde(deserialize_with = "text")]
    pub emplois_crees_mesures: String,
    /// Jobs kept, measured.
    #[serde(deserialize_with = "text")]
    pub emplois_maintenus_mesures: String,
    /// Industrial investment, euros, measured.
    #[serde(deserialize_with = "text")]
    pub investissement_mesures: String,
    /// Tonnes of CO2e avoided per year, measured.
    #[serde(deserialize_with = "text")]
    pub tco2e_evitees_mesures: String,
    /// Hectares of brownfield requalified, measured.
    #[serde(deserialize_with = "text")]
    pub hectares_friche_mesures: String,
    /// Where the facts come from.
    #[serde(deserialize_with = "text")]
    pub source: String,
    /// Not yet public: shown to signed-in agents only.
    #[serde(deserialize_with = "flag")]
    pub non_publique: bool,
}

impl ProjectDraft {
    /// The draft of a stored project, to fill an edit form.
    pub fn of(p: &Project, version: i64) -> Self {
        let holder = p.holder.as_ref();
        let (expected, measured) = (outcome_texts(&p.expected), outcome_texts(&p.measured));
        ProjectDraft {
            version: Some(version),
            code: p.code.clone(),
            phase: p.phase.slug().into(),
            titre: p.title.clone(),
            description: p.description.clone(),
            territoires: p.territories.iter().map(|t| t.to_string()).collect(),
            axes: p.axes.iter().map(|a| a.code().to_owned()).collect(),
            themes: vec![p.themes.join(", ")],
            statut: String::new(),
            date_statut: String::new(),
            porteur_type: holder.map(|h| h.kind.code().into()).unwrap_or_default(),
            porteur_nom: holder.map(|h| h.name.clone()).unwrap_or_default(),
            porteur_identifiant: holder
                .and_then(|h| h.identifier.clone())
                .unwrap_or_default(),
            cout_total: p.total_cost.map(plain_euros).unwrap_or_default(),
            emplois_crees_prevus: expected[0].clone(),
            emplois_maintenus_prevus: expected[1].clone(),
            investissement_prevus: expected[2].clone(),
            tco2e_evitees_prevus: expected[3].clone(),
            hectares_friche_prevus: expected[4].clone(),
            emplois_crees_mesures: measured[0].clone(),
            emplois_maintenus_mesures: measured[1].clone(),
            investissement_mesures: measured[2].clone(),
            tco2e_evitees_mesures: measured[3].clone(),
            hectares_friche_mesures: measured[4].clone(),
            source: p.source.clone(),
            non_publique: p.not_yet_public,
        }
    }

    /// Reads a new fiche action: every field, its initial status included.
    pub fn read_new(&self, today: time::Date) -> Result<Project, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = code_of(&mut errors, "code", &self.code);
        let phase = required(&mut errors, "phase", &self.phase, "la phase", str::parse);
        let status = required(
            &mut errors,
            "statut",
            &self.statut,
            "le statut actuel",
            str::parse::<ProjectStatus>,
        );
        let on = required(
            &mut errors,
            "date_statut",
            &self.date_statut,
            "la date du statut",
            date("date_statut"),
        );
        if let Some(on) = on.filter(|on| *on > today) {
            errors.add(
                "date_statut",
                format!(
                    "le {} est à venir : un statut se constate, il ne se prévoit pas",
                    iso_date(on)
                ),
            );
        }
        let history = match (status, on) {
            (Some(status), Some(on)) => vec![StatusChange { status, on }],
            _ => Vec::new(),
        };
        let project = self.read_fields(&mut errors, code, phase, history);
        errors.into_result(project)
    }

    /// Reads an edit of `stored`: its code, phase and status history are kept.
    pub fn read_edit(&self, stored: &Project) -> Result<Project, FieldErrors> {
        let mut errors = FieldErrors::default();
        let project = self.read_fields(
            &mut errors,
            Some(stored.code.clone()),
            Some(stored.phase),
            stored.history.clone(),
        );
        errors.into_result(project)
    }

    fn read_fields(
        &self,
        errors: &mut FieldErrors,
        code: Option<String>,
        phase: Option<Phase>,
        history: Vec<StatusChange>,
    ) -> Option<Project> {
        let title = plain(&self.titre);
        if title.is_empty() {
            errors.add("titre", "à renseigner : le titre de la fiche action");
        } else if title.chars().count() > 300 {
            errors.add("titre", "300 caractères au plus");
        }
        if self.description.chars().count() > 20_000 {
            errors.add("description", "20 000 caractères au plus");
        }
        let territory_codes = items(&self.territoires);
        if territory_codes.is_empty() {
            errors.add(
                "territoires",
                "à renseigner : au moins un territoire porteur",
            );
        }
        let mut territories = Vec::new();
        for t in &territory_codes {
            if let Some(id) = errors.check("territoires", TerritoryId::parse(t)) {
                if !territories.contains(&id) {
                    territories.push(id);
                }
            }
        }
        let mut axes = Vec::new();
        for a in items(&self.axes) {
            if let Some(axis) = errors.check("axes", a.parse::<super::project::Axis>()) {
                match phase {
                    Some(phase) if !phase.axes().contains(&axis) => errors.add(
                        "axes",
                        format!(
                            "l'axe « {axis} » n'existe pas en {} (axes : {})",
                            phase.label(),
                            phase
                                .axes()
                                .iter()
                                .map(|a| a.label())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                    _ if !axes.contains(&axis) => axes.push(axis),
                    _ => {}
                }
            }
        }
        axes.sort();
        let themes: Vec<String> = items(&self.themes)
            .into_iter()
            .map(|t| t.to_lowercase())
            .collect();
        if themes
            .iter()
            .any(|t| t.contains('|') || t.chars().count() > 60)
        {
            errors.add("themes", "des mots de 60 caractères au plus, sans « | »");
        }
        let holder = self.read_holder(errors);
        let total_cost = optional(errors, "cout_total", &self.cout_total, euros("cout_total"));
        let expected = read_outcomes(
            errors,
            "prevus",
            [
                &self.emplois_crees_prevus,
                &self.emplois_maintenus_prevus,
                &self.investissement_prevus,
                &self.tco2e_evitees_prevus,
                &self.hectares_friche_prevus,
            ],
        );
        let measured = read_outcomes(
            errors,
            "mesures",
            [
                &self.emplois_crees_mesures,
                &self.emplois_maintenus_mesures,
                &self.investissement_mesures,
                &self.tco2e_evitees_mesures,
                &self.hectares_friche_mesures,
            ],
        );
        let source = match plain(&self.source) {
            s if s.is_empty() => "saisie".to_owned(),
            s => s,
        };
        let project = Project {
            code: code?,
            phase: phase?,
            territories,
            title,
            description: self.description.trim().to_owned(),
            axes,
            themes,
            holder: holder?,
            total_cost: total_cost?,
            expected: expected?,
            measured: measured?,
            history,
            source,
            not_yet_public: self.non_publique,
        };
        if !errors.is_empty() {
            return None;
        }
        errors.check("", project.validate()).map(|()| project)
    }

    fn read_holder(&self, errors: &mut FieldErrors) -> Option<Option<Holder>> {
        let (kind, name, id) = (
            plain(&self.porteur_type),
            plain(&self.porteur_nom),
            plain(&self.porteur_identifiant),
        );
        if kind.is_empty() && name.is_empty() && id.is_empty() {
            return Some(None);
        }
        let kind = required(
            errors,
            "porteur_type",
            &kind,
            "le type de porteur",
            str::parse::<HolderKind>,
        );
        if name.is_empty() {
            errors.add("porteur_nom", "à renseigner : le nom du porteur");
        }
        let holder = Holder {
            kind: kind?,
            identifier: identifier(&id),
            name,
        };
        errors
            .check("porteur_identifiant", holder.validate())
            .map(|()| Some(holder))
    }
}

/// A funding line as typed: its request (and, for a creation, optionally its commitment). Later
/// commitments, payments and cancellations are events with their own form.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LineDraft {
    /// The version read, for an edit.
    pub version: Option<i64>,
    /// The project's code (from the page's address in a form).
    #[serde(deserialize_with = "text")]
    pub projet: String,
    /// Funder code.
    #[serde(deserialize_with = "text")]
    pub financeur: String,
    /// Scheme code, if any.
    #[serde(deserialize_with = "text")]
    pub dispositif: String,
    /// `subvention`, `pret`, `avance_remboursable`, `ingenierie`.
    #[serde(deserialize_with = "text")]
    pub nature: String,
    /// The funder's decision reference.
    #[serde(deserialize_with = "text")]
    pub reference_decision: String,
    /// Amount requested, euros.
    #[serde(deserialize_with = "text")]
    pub montant_demande: String,
    /// Request date.
    #[serde(deserialize_with = "text")]
    pub date_demande: String,
    /// Amount committed, euros (creation only, optional).
    #[serde(deserialize_with = "text")]
    pub montant_engage: String,
    /// Commitment date (creation only, with the amount).
    #[serde(deserialize_with = "text")]
    pub date_engagement: String,
    /// A commitment above the request, decided so.
    #[serde(deserialize_with = "flag")]
    pub depassement_autorise: bool,
    /// How the grant is paid: `unique`, `echelonne`, or empty while not stated.
    #[serde(deserialize_with = "text")]
    pub conditions_versement: String,
}

impl LineDraft {
    /// The draft of a stored line, to fill an edit form.
    pub fn of(l: &FundingLine, version: i64) -> Self {
        LineDraft {
            version: Some(version),
            projet: l.project.clone(),
            financeur: l.funder.clone(),
            dispositif: l.scheme.clone().unwrap_or_default(),
            nature: l.instrument.code().into(),
            reference_decision: l.decision_reference.clone(),
            montant_demande: plain_euros(l.requested),
            date_demande: iso_date(l.requested_on),
            montant_engage: String::new(),
            date_engagement: String::new(),
            depassement_autorise: l.over_request_allowed,
            conditions_versement: l
                .payment_terms
                .map(|t| t.code().to_owned())
                .unwrap_or_default(),
        }
    }

    /// Reads a new line of `project`.
    pub fn read_new(&self, project: &str, today: time::Date) -> Result<FundingLine, FieldErrors> {
        let mut errors = FieldErrors::default();
        let funder = code_of(&mut errors, "financeur", &self.financeur);
        let reference = plain(&self.reference_decision);
        if reference.is_empty() || reference.chars().count() > 120 {
            errors.add(
                "reference_decision",
                "à renseigner : la référence de la décision ou de la demande (120 caractères au plus)",
            );
        }
        let committed = optional(
            &mut errors,
            "montant_engage",
            &self.montant_engage,
            euros("montant_engage"),
        );
        let committed_on = optional(
            &mut errors,
            "date_engagement",
            &self.date_engagement,
            date("date_engagement"),
        );
        let line = self.read_request(&mut errors, today).and_then(|mut l| {
            l.project = project.to_owned();
            l.funder = funder?;
            l.decision_reference = reference;
            l.committed = committed?;
            l.committed_on = committed_on?;
            Some(l)
        });
        if let Some(l) = &line {
            match (l.committed, l.committed_on) {
                (Some(_), None) => errors.add(
                    "date_engagement",
                    "à renseigner avec le montant engagé : la date de l'engagement",
                ),
                (None, Some(_)) => errors.add(
                    "montant_engage",
                    "à renseigner avec la date d'engagement : le montant engagé",
                ),
                (_, Some(on)) if on > today => errors.add(
                    "date_engagement",
                    format!("le {} est à venir", iso_date(on)),
                ),
                _ => {}
            }
        }
        Self::finish(errors, line)
    }

    /// Reads an edit of `stored`: its key (funder, decision, project) and its events are kept; the
    /// request, the scheme and the nature may change.
    pub fn read_edit(
        &self,
        stored: &FundingLine,
        today: time::Date,
    ) -> Result<FundingLine, FieldErrors> {
        let mut errors = FieldErrors::default();
        let line = self.read_request(&mut errors, today).map(|l| FundingLine {
            project: stored.project.clone(),
            funder: stored.funder.clone(),
            decision_reference: stored.decision_reference.clone(),
            committed: stored.committed,
            committed_on: stored.committed_on,
            paid: stored.paid,
            paid_on: stored.paid_on,
            first_paid_on: stored.first_paid_on,
            cancelled_on: stored.cancelled_on,
            ..l
        });
        Self::finish(errors, line)
    }

    fn finish(
        mut errors: FieldErrors,
        line: Option<FundingLine>,
    ) -> Result<FundingLine, FieldErrors> {
        if let Some(l) = line.as_ref().filter(|_| errors.is_empty()) {
            errors.check("", l.validate());
        }
        errors.into_result(line)
    }

    /// The fields an edit may change, in a line whose key is still blank.
    fn read_request(&self, errors: &mut FieldErrors, today: time::Date) -> Option<FundingLine> {
        let scheme = match plain(&self.dispositif) {
            s if s.is_empty() => Some(None),
            s => code_of(errors, "dispositif", &s).map(Some),
        };
        let instrument = required(errors, "nature", &self.nature, "la nature", str::parse);
        let requested = required(
            errors,
            "montant_demande",
            &self.montant_demande,
            "le montant demandé",
            euros("montant_demande"),
        );
        let requested_on = required(
            errors,
            "date_demande",
            &self.date_demande,
            "la date de la demande",
            date("date_demande"),
        );
        if let Some(on) = requested_on.filter(|on| *on > today) {
            errors.add("date_demande", format!("le {} est à venir", iso_date(on)));
        }
        let payment_terms = optional(
            errors,
            "conditions_versement",
            &self.conditions_versement,
            str::parse,
        );
        Some(FundingLine {
            project: String::new(),
            funder: String::new(),
            scheme: scheme?,
            instrument: instrument?,
            decision_reference: String::new(),
            requested: requested?,
            requested_on: requested_on?,
            committed: None,
            committed_on: None,
            paid: None,
            paid_on: None,
            first_paid_on: None,
            payment_terms: payment_terms?,
            cancelled_on: None,
            over_request_allowed: self.depassement_autorise,
        })
    }
}

/// A funder as typed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct FunderDraft {
    /// The version read, for an edit.
    pub version: Option<i64>,
    /// Code (`bpifrance`, `region-44`); fixed once created.
    #[serde(deserialize_with = "text")]
    pub code: String,
    /// Name.
    #[serde(deserialize_with = "text")]
    pub nom: String,
    /// Kind (`etat`, `operateur`, `region`, `collectivite`, `europe`, `prive`).
    #[serde(rename = "type", deserialize_with = "text")]
    pub kind: String,
    /// SIRET of the granting body, if known.
    #[serde(deserialize_with = "text")]
    pub siret: String,
}

impl FunderDraft {
    /// The draft of a stored funder.
    pub fn of(f: &Funder, version: i64) -> Self {
        FunderDraft {
            version: Some(version),
            code: f.code.clone(),
            nom: f.name.clone(),
            kind: f.kind.code().into(),
            siret: f.siret.clone().unwrap_or_default(),
        }
    }

    /// Reads the funder.
    pub fn read(&self) -> Result<Funder, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = code_of(&mut errors, "code", &self.code);
        let name = plain(&self.nom);
        if name.is_empty() {
            errors.add("nom", "à renseigner : le nom du financeur");
        }
        let kind = required(
            &mut errors,
            "type",
            &self.kind,
            "le type de financeur",
            str::parse,
        );
        let funder = code.zip(kind).map(|(code, kind)| Funder {
            code,
            name,
            kind,
            siret: identifier(&self.siret),
        });
        if let Some(f) = &funder {
            errors.check("siret", f.validate());
        }
        errors.into_result(funder)
    }
}

/// A scheme (dispositif) as typed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SchemeDraft {
    /// The version read, for an edit.
    pub version: Option<i64>,
    /// Code; fixed once created.
    #[serde(deserialize_with = "text")]
    pub code: String,
    /// Name.
    #[serde(deserialize_with = "text")]
    pub nom: String,
    /// The funder running it.
    #[serde(deserialize_with = "text")]
    pub financeur: String,
    /// Credits specific to Territoires d'industrie.
    #[serde(deserialize_with = "flag")]
    pub specifique_ti: bool,
    /// Aid notified to the European Commission: `oui`, `non`, or empty while not stated.
    #[serde(deserialize_with = "text")]
    pub notification_ue: String,
    /// What the scheme is, for the public (at most 5,000 characters).
    #[serde(deserialize_with = "text")]
    pub description: String,
    /// Who and what is eligible, in words.
    #[serde(deserialize_with = "text")]
    pub eligibilite: String,
    /// Kinds of aid (`financement`, `prêt`…), a list or one text separated by `|`.
    pub types_aides: Vec<String>,
    /// Targets (`professionnels`, `secteur public`…), a list or one text separated by `|`.
    pub cibles: Vec<String>,
    /// Where it applies, as COG codes separated by `|` (`REG-44|REG-32`).
    #[serde(deserialize_with = "text")]
    pub eligibilite_geographique: String,
    /// Where to read more.
    #[serde(deserialize_with = "text")]
    pub url_source: String,
    /// Opening date.
    #[serde(deserialize_with = "text")]
    pub date_ouverture: String,
    /// Closing date.
    #[serde(deserialize_with = "text")]
    pub date_cloture: String,
}

impl SchemeDraft {
    /// The draft of a stored scheme.
    pub fn of(s: &Scheme, version: i64) -> Self {
        SchemeDraft {
            version: Some(version),
            code: s.code.clone(),
            nom: s.name.clone(),
            financeur: s.funder.clone(),
            specifique_ti: s.ti_specific,
            notification_ue: match s.eu_notified {
                Some(true) => "oui".into(),
                Some(false) => "non".into(),
                None => String::new(),
            },
            description: s.details.description.clone().unwrap_or_default(),
            eligibilite: s.details.eligibility.clone().unwrap_or_default(),
            types_aides: s
                .details
                .aid_types
                .iter()
                .map(|t| t.code().into())
                .collect(),
            cibles: s.details.targets.iter().map(|t| t.code().into()).collect(),
            eligibilite_geographique: s
                .details
                .coverage
                .iter()
                .map(CogArea::as_str)
                .collect::<Vec<_>>()
                .join("|"),
            url_source: s.details.url.clone().unwrap_or_default(),
            date_ouverture: s.details.opens_on.map(iso_date).unwrap_or_default(),
            date_cloture: s.details.closes_on.map(iso_date).unwrap_or_default(),
        }
    }

    /// What the public reads of the scheme, each field read and its problems named.
    fn read_details(&self, errors: &mut FieldErrors) -> SchemeDetails {
        let text = |s: &str| Some(plain(s)).filter(|d| !d.is_empty());
        let details = SchemeDetails {
            description: text(&self.description),
            eligibility: text(&self.eligibilite),
            aid_types: errors
                .check("types_aides", read_aid_types(&self.types_aides.join("|")))
                .unwrap_or_default(),
            targets: errors
                .check("cibles", read_targets(&self.cibles.join("|")))
                .unwrap_or_default(),
            coverage: errors
                .check(
                    "eligibilite_geographique",
                    read_coverage(&self.eligibilite_geographique),
                )
                .unwrap_or_default(),
            url: errors
                .check("url_source", read_url(&self.url_source))
                .flatten(),
            opens_on: optional(
                errors,
                "date_ouverture",
                &self.date_ouverture,
                date("date_ouverture"),
            )
            .flatten(),
            closes_on: optional(
                errors,
                "date_cloture",
                &self.date_cloture,
                date("date_cloture"),
            )
            .flatten(),
        };
        if let Err(e) = details.validate() {
            errors.add_error(e.field().unwrap_or(""), e);
        }
        details
    }

    /// Reads the scheme.
    pub fn read(&self) -> Result<Scheme, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = code_of(&mut errors, "code", &self.code);
        let funder = code_of(&mut errors, "financeur", &self.financeur);
        let name = plain(&self.nom);
        if name.is_empty() {
            errors.add("nom", "à renseigner : le nom du dispositif");
        }
        let details = self.read_details(&mut errors);
        let notification = plain(&self.notification_ue);
        let eu_notified = errors.check(
            "notification_ue",
            crate::fr::read_yes_no(
                "notification_ue",
                &notification,
                "oui, non, ou vide tant que ce n'est pas établi",
            ),
        );
        let scheme = code
            .zip(funder)
            .zip(eu_notified)
            .map(|((code, funder), eu_notified)| Scheme {
                code,
                name,
                funder,
                ti_specific: self.specifique_ti,
                eu_notified,
                details,
            });
        errors.into_result(scheme)
    }
}

/// An envelope as typed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct EnvelopeDraft {
    /// The version read, for an edit.
    pub version: Option<i64>,
    /// Code; fixed once created.
    #[serde(deserialize_with = "text")]
    pub code: String,
    /// The scheme.
    #[serde(deserialize_with = "text")]
    pub dispositif: String,
    /// Region code; empty for a national envelope.
    #[serde(deserialize_with = "text")]
    pub region: String,
    /// First day of commitments.
    #[serde(deserialize_with = "text")]
    pub debut: String,
    /// Last day of commitments.
    #[serde(deserialize_with = "text")]
    pub fin: String,
    /// Amount, euros.
    #[serde(deserialize_with = "text")]
    pub montant: String,
}

impl EnvelopeDraft {
    /// The draft of a stored envelope.
    pub fn of(e: &Envelope, version: i64) -> Self {
        EnvelopeDraft {
            version: Some(version),
            code: e.code.clone(),
            dispositif: e.scheme.clone(),
            region: e.region.as_ref().map(|r| r.to_string()).unwrap_or_default(),
            debut: iso_date(e.starts_on),
            fin: iso_date(e.ends_on),
            montant: plain_euros(e.amount),
        }
    }

    /// Reads the envelope.
    pub fn read(&self) -> Result<Envelope, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = code_of(&mut errors, "code", &self.code);
        let scheme = code_of(&mut errors, "dispositif", &self.dispositif);
        let region = optional(&mut errors, "region", &self.region, RegionCode::parse);
        let starts_on = required(
            &mut errors,
            "debut",
            &self.debut,
            "le premier jour",
            date("debut"),
        );
        let ends_on = required(
            &mut errors,
            "fin",
            &self.fin,
            "le dernier jour",
            date("fin"),
        );
        let amount = required(
            &mut errors,
            "montant",
            &self.montant,
            "le montant",
            euros("montant"),
        );
        if let (Some(start), Some(end)) = (starts_on, ends_on) {
            if end < start {
                errors.add(
                    "fin",
                    format!(
                        "le {} précède le début, le {}",
                        iso_date(end),
                        iso_date(start)
                    ),
                );
            }
        }
        let envelope = (|| {
            Some(Envelope {
                code: code?,
                scheme: scheme?,
                region: region?,
                starts_on: starts_on?,
                ends_on: ends_on?,
                amount: amount?,
            })
        })();
        errors.into_result(envelope)
    }
}

#[cfg(test)]
mod tests;
