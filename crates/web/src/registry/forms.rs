//! The registry's write forms — a milestone, a governance appointment, an attribute, a chef de projet post,
//! and the withdrawal of a record made in error — by someone whose profile covers the territory (the guard
//! decided), with the form's CSRF token, audited under the user's name. The territory's page shows the
//! forms; a refused one comes back on its own page with each message beside its field and what was typed.

use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use territoires_domain::draft::FieldErrors;
use territoires_domain::ids::TerritoryId;
use territoires_domain::phase::Phase;
use territoires_domain::registry::drafts::{
    AppointmentDraft, AttributeDraft, CofundingDraft, MilestoneDraft, PostDraft, WithdrawalDraft,
};
use territoires_domain::registry::governance::Role;
use territoires_domain::registry::milestone::{DatePrecision, MilestoneKind};
use territoires_store::access::accounts::Session;
use territoires_store::registry::history::{HistoryRecord, TerritoryRecord};
use territoires_store::registry::posts::PostRecord;

use crate::access::auth::{actor, check_csrf, SignedIn};
use crate::forms::{Field, FormPage, Posted, Refusal, Section};
use crate::params::PathParams;
use crate::views::Chrome;
use crate::{AppState, WebError};

/// A territory named by a write's address.
pub(crate) struct Target {
    /// Its phase.
    pub phase: Phase,
    /// Its ANCT id.
    pub id: TerritoryId,
}

impl Target {
    /// Reads the address's phase and id.
    pub(crate) fn parse(phase: &str, id: &str) -> Result<Target, WebError> {
        Ok(Target {
            phase: phase
                .parse()
                .map_err(|_| WebError::NotFound(format!("phase {phase} inconnue")))?,
            id: TerritoryId::parse(id).map_err(|e| WebError::NotFound(e.to_string()))?,
        })
    }

    /// The territory's page.
    fn href(&self) -> String {
        format!("/territoires/{}/{}", self.phase, self.id)
    }

    /// A milestone, appointment or attribute change of this territory, from `origin`.
    pub(crate) fn record(&self, record: HistoryRecord, origin: &str) -> TerritoryRecord {
        TerritoryRecord {
            phase: self.phase,
            territory_id: self.id.to_string(),
            record,
            origin: origin.into(),
        }
    }

    /// A post of this territory, from `origin`.
    pub(crate) fn post(
        &self,
        post: territoires_domain::registry::posts::ProjectLeadPost,
        origin: &str,
    ) -> PostRecord {
        PostRecord {
            phase: self.phase,
            territory_id: self.id.to_string(),
            post,
            origin: origin.into(),
        }
    }
}

/// The forms of the territory's page, each with its fields as typed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TerritoryForm {
    /// `jalons`
    Milestone,
    /// `gouvernance`
    Appointment,
    /// `attributs`
    Attribute,
    /// `postes`
    Post,
    /// `retraits`
    Withdrawal,
}

impl TerritoryForm {
    /// The last segment of the address it posts to, and the flag set after a save.
    pub fn path(self) -> &'static str {
        match self {
            Self::Milestone => "jalons",
            Self::Appointment => "gouvernance",
            Self::Attribute => "attributs",
            Self::Post => "postes",
            Self::Withdrawal => "retraits",
        }
    }

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Milestone => "Enregistrer un jalon",
            Self::Appointment => "Désigner",
            Self::Attribute => "Attribut",
            Self::Post => "Poste de chef de projet",
            Self::Withdrawal => "Retirer un enregistrement",
        }
    }
}

fn choices<T: Copy>(
    all: impl IntoIterator<Item = T>,
    code: impl Fn(T) -> String,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.into_iter()
        .map(|t| (code(t), label(t).to_owned()))
        .collect()
}

/// The milestone form's fields.
pub fn milestone_fields(d: &MilestoneDraft, phase: Phase) -> Vec<Field> {
    let kinds = MilestoneKind::ALL
        .into_iter()
        .filter(|k| k.applies_to(phase));
    vec![
        Field::select(
            "evenement",
            "Jalon",
            &d.evenement,
            None,
            choices(kinds, |k| k.code().into(), MilestoneKind::label),
        )
        .required(),
        Field::select(
            "precision",
            "Précision de la date",
            &d.precision,
            None,
            choices(
                DatePrecision::ALL,
                |p| p.code().into(),
                DatePrecision::label,
            ),
        ),
        Field::text("date", "Date", &d.date)
            .kind("date")
            .hint("ou dernière date possible ; un jalon futur s'enregistre « prévu »")
            .required(),
        Field::text(
            "date_au_plus_tot",
            "Première date possible",
            &d.date_au_plus_tot,
        )
        .kind("date")
        .hint("pour la précision « entre deux dates »"),
        Field::text("successeurs", "Successeurs", &d.successeurs.join(" | "))
            .hint("pour une fusion ou une scission : identifiants séparés par |"),
        Field::text("note", "Note", &d.note),
        Field::text("source", "Source", &d.source).hint("compte rendu, délibération…"),
    ]
}

/// The appointment form's fields.
pub fn appointment_fields(d: &AppointmentDraft) -> Vec<Field> {
    vec![
        Field::select(
            "role",
            "Rôle",
            &d.role,
            None,
            choices(Role::ALL, |r| r.code().into(), Role::label),
        )
        .required(),
        Field::text("personne", "Titulaire", &d.personne).hint("vide : poste vacant"),
        Field::text("organisation", "Organisation", &d.organisation),
        Field::text("date", "Depuis le", &d.date)
            .kind("date")
            .required(),
    ]
}

/// The attribute form's fields.
pub fn attribute_fields(d: &AttributeDraft) -> Vec<Field> {
    let events = [
        ("fragile", "Classé territoire fragile"),
        ("fin_fragile", "Plus territoire fragile"),
        ("etiquette", "Étiquette ajoutée"),
        ("fin_etiquette", "Étiquette retirée"),
    ];
    vec![
        Field::select(
            "evenement",
            "Attribut",
            &d.evenement,
            None,
            events.map(|(v, l)| (v.to_owned(), l.to_owned())),
        ),
        Field::text("etiquette", "Étiquette", &d.etiquette).hint("pour une étiquette"),
        Field::text("date", "À partir du", &d.date)
            .kind("date")
            .required(),
        Field::text("source", "Source", &d.source),
    ]
}

/// The post form as posted: the post and one co-financing row, its fields named as the draft's errors
/// name them.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PostForm {
    employeur: String,
    ouvert_le: String,
    ferme_le: String,
    source: String,
    #[serde(rename = "cofinancements.1.financeur")]
    financeur: String,
    #[serde(rename = "cofinancements.1.montant")]
    montant: String,
    #[serde(rename = "cofinancements.1.debut")]
    debut: String,
    #[serde(rename = "cofinancements.1.fin")]
    fin: String,
}

impl From<&PostForm> for PostDraft {
    fn from(f: &PostForm) -> PostDraft {
        PostDraft {
            employeur: f.employeur.clone(),
            ouvert_le: f.ouvert_le.clone(),
            ferme_le: f.ferme_le.clone(),
            source: f.source.clone(),
            cofinancements: vec![CofundingDraft {
                financeur: f.financeur.clone(),
                montant: f.montant.clone(),
                debut: f.debut.clone(),
                fin: f.fin.clone(),
            }],
        }
    }
}

/// The post form's fields; `funders` are (code, name).
pub fn post_fields(f: &PostForm, funders: Vec<(String, String)>) -> Vec<Field> {
    vec![
        Field::text("employeur", "Employeur", &f.employeur)
            .hint("EPCI, syndicat mixte, CCI…")
            .required(),
        Field::text("ouvert_le", "Ouvert le", &f.ouvert_le)
            .kind("date")
            .hint("un poste déjà enregistré à cette date est complété : fermeture, cofinancement")
            .required(),
        Field::text("ferme_le", "Fermé le", &f.ferme_le).kind("date"),
        Field::select(
            "cofinancements.1.financeur",
            "Cofinancé par",
            &f.financeur,
            Some("Aucun cofinancement"),
            funders,
        ),
        Field::text(
            "cofinancements.1.montant",
            "Montant du cofinancement",
            &f.montant,
        )
        .kind("amount")
        .hint("en euros, ex. 40 000"),
        Field::text("cofinancements.1.debut", "Cofinancé du", &f.debut).kind("date"),
        Field::text("cofinancements.1.fin", "au", &f.fin).kind("date"),
        Field::text("source", "Source", &f.source).hint("convention, délibération…"),
    ]
}

/// The withdrawal form's fields (the territory's page has one per record, with the record's number).
fn withdrawal_fields(d: &WithdrawalDraft) -> Vec<Field> {
    vec![
        Field::select(
            "type",
            "Type d'enregistrement",
            &d.kind,
            None,
            [
                ("jalon", "Jalon"),
                ("designation", "Désignation"),
                ("attribut", "Attribut"),
            ]
            .map(|(v, l)| (v.to_owned(), l.to_owned())),
        ),
        Field::text(
            "enregistrement",
            "Numéro de l'enregistrement",
            &d.enregistrement,
        )
        .kind("number")
        .required(),
        Field::text("date", "Ne compte plus à partir du", &d.date)
            .kind("date")
            .required(),
        Field::text("motif", "Motif", &d.motif).required(),
    ]
}

/// After a save, back to the territory's page with its confirmation; after a refusal, the form on its own
/// page with every message beside its field (400), or the conflict on top (409).
fn outcome(
    session: &Session,
    target: &Target,
    form: TerritoryForm,
    fields: Vec<Field>,
    result: Result<(), Refusal>,
) -> Result<Response, WebError> {
    let (status, errors) = match result {
        Ok(()) => {
            return Ok((
                StatusCode::SEE_OTHER,
                [(
                    LOCATION,
                    format!("{}?enregistre={}", target.href(), form.path()),
                )],
            )
                .into_response())
        }
        Err(Refusal::Fields(errors)) => (StatusCode::BAD_REQUEST, errors),
        Err(Refusal::Conflict(message)) => (StatusCode::CONFLICT, FieldErrors::one("", message)),
        Err(Refusal::Other(e)) => return Err(e),
    };
    let chrome = Chrome::new(form.title(), "territoires", &Some(session.clone()))
        .crumb("Territoires", Some("/territoires".into()))
        .crumb(target.id.to_string(), Some(target.href()))
        .crumb(form.title(), None);
    let mut page = FormPage::new(
        chrome,
        session,
        format!("{}/{}", target.href(), form.path()),
        target.href(),
    );
    page.intro = format!(
        "Territoire {}, {}. Rien n'a été enregistré : corrigez puis enregistrez de nouveau.",
        target.id,
        target.phase.label()
    );
    page.sections = vec![Section {
        legend: form.title(),
        fields,
    }];
    page.with_errors(&errors).respond(status)
}

/// The writer's session, once its form's token is checked, and the territory of the address.
fn writer(
    SignedIn(session): SignedIn,
    csrf: &str,
    (phase, id): (String, String),
) -> Result<(Session, Target), WebError> {
    check_csrf(&session, csrf)?;
    Ok((session, Target::parse(&phase, &id)?))
}

/// `POST /territoires/{phase}/{id}/jalons`
pub async fn record_milestone(
    State(state): State<AppState>,
    PathParams(path): PathParams<(String, String)>,
    signed_in: SignedIn,
    Posted { csrf, draft }: Posted<MilestoneDraft>,
) -> Result<Response, WebError> {
    let (session, target) = writer(signed_in, &csrf, path)?;
    let result = async {
        let record = target.record(HistoryRecord::Milestone(draft.read()?), "formulaire");
        Ok(state.store.record(&record, &actor(&session)).await?)
    }
    .await;
    let fields = milestone_fields(&draft, target.phase);
    outcome(&session, &target, TerritoryForm::Milestone, fields, result)
}

/// `POST /territoires/{phase}/{id}/gouvernance`
pub async fn record_appointment(
    State(state): State<AppState>,
    PathParams(path): PathParams<(String, String)>,
    signed_in: SignedIn,
    Posted { csrf, draft }: Posted<AppointmentDraft>,
) -> Result<Response, WebError> {
    let (session, target) = writer(signed_in, &csrf, path)?;
    let result = async {
        let record = target.record(HistoryRecord::Appointment(draft.read()?), "formulaire");
        Ok(state.store.record(&record, &actor(&session)).await?)
    }
    .await;
    let fields = appointment_fields(&draft);
    outcome(
        &session,
        &target,
        TerritoryForm::Appointment,
        fields,
        result,
    )
}

/// `POST /territoires/{phase}/{id}/attributs`
pub async fn record_attribute(
    State(state): State<AppState>,
    PathParams(path): PathParams<(String, String)>,
    signed_in: SignedIn,
    Posted { csrf, draft }: Posted<AttributeDraft>,
) -> Result<Response, WebError> {
    let (session, target) = writer(signed_in, &csrf, path)?;
    let result = async {
        let record = target.record(HistoryRecord::Attribute(draft.read()?), "formulaire");
        Ok(state.store.record(&record, &actor(&session)).await?)
    }
    .await;
    let fields = attribute_fields(&draft);
    outcome(&session, &target, TerritoryForm::Attribute, fields, result)
}

/// `POST /territoires/{phase}/{id}/postes`: opens a post, or closes or co-finances a stored one.
pub async fn record_post(
    State(state): State<AppState>,
    PathParams(path): PathParams<(String, String)>,
    signed_in: SignedIn,
    Posted { csrf, draft: form }: Posted<PostForm>,
) -> Result<Response, WebError> {
    let (session, target) = writer(signed_in, &csrf, path)?;
    let result = async {
        let post = target.post(PostDraft::from(&form).read()?, "formulaire");
        state.store.record_post(&post, &actor(&session)).await?;
        Ok(())
    }
    .await;
    let funders = funder_choices(&state).await?;
    outcome(
        &session,
        &target,
        TerritoryForm::Post,
        post_fields(&form, funders),
        result,
    )
}

/// `POST /territoires/{phase}/{id}/retraits`: withdraws a record made in error (never deletes it).
pub async fn withdraw(
    State(state): State<AppState>,
    PathParams(path): PathParams<(String, String)>,
    signed_in: SignedIn,
    Posted { csrf, draft }: Posted<WithdrawalDraft>,
) -> Result<Response, WebError> {
    let (session, target) = writer(signed_in, &csrf, path)?;
    let result = async {
        let w = draft.read()?;
        Ok(state
            .store
            .withdraw(
                target.phase,
                target.id.as_str(),
                w.kind,
                w.record,
                &w.withdrawal,
                &actor(&session),
            )
            .await?)
    }
    .await;
    let fields = withdrawal_fields(&draft);
    outcome(&session, &target, TerritoryForm::Withdrawal, fields, result)
}

/// The funders a post can be co-financed by: (code, name).
pub(crate) async fn funder_choices(state: &AppState) -> Result<Vec<(String, String)>, WebError> {
    Ok(crate::portfolio::funder_options(
        &state.store.funding_referential().await?,
    ))
}
