//! `/territoires/{phase}/{id}`: one territory as of a date — its labelling, its progress stage by stage with
//! the record behind each (recorded, or deduced from a later one), governance, chef de projet posts,
//! attributes, events, projects and perimeter — and, for those whose profile covers it, the forms that
//! record and correct its history.

use askama::Template;
use serde::Deserialize;
use territoires_domain::fr::{count, integer, iso_date, long_date, parse_date};
use territoires_domain::ids::TerritoryId;
use territoires_domain::phase::Phase;
use territoires_domain::registry::attributes::attributes_as_of;
use territoires_domain::registry::drafts::{AppointmentDraft, AttributeDraft, MilestoneDraft};
use territoires_domain::registry::governance::{governance_as_of, Appointment, Role};
use territoires_domain::registry::labelling::Labelling;
use territoires_domain::registry::milestone::MilestoneKind;
use territoires_domain::registry::progress::{Evidence, Progress, Stage};

use super::forms::{
    appointment_fields, attribute_fields, funder_choices, milestone_fields, post_fields, PostForm,
    TerritoryForm,
};
use super::places::{nature_label, RelatedView};
use super::PageResult;
use crate::access::auth::MaybeSession;
use crate::access::Seen;
use crate::forms::Field;
use crate::params::Params;
use crate::params::{as_of, PathParams};
use crate::views::{render, stage_badge, status_label, Choice, Chrome, MilestoneView};
use crate::WebError;

/// A member line of a perimeter.
pub struct MemberView {
    pub siren: String,
    pub name: String,
    pub href: Option<String>,
    pub nature: String,
    pub population: String,
    pub communes: String,
    pub period: String,
    pub in_force: bool,
}

/// A governance seat or appointment, formatted.
pub struct SeatView {
    pub id: i64,
    pub role: &'static str,
    pub person: String,
    pub organisation: String,
    pub since: String,
    pub withdrawn: Option<String>,
}

/// A stage of progress and why it is (or is not) reached.
pub struct StepView {
    pub label: &'static str,
    pub reached: bool,
    pub evidence: String,
}

/// A chef de projet post, formatted.
pub struct PostView {
    pub employer: String,
    pub period: String,
    pub cofundings: Vec<String>,
}

/// An attribute change, formatted.
pub struct AttributeView {
    pub id: i64,
    pub text: String,
    pub withdrawn: Option<String>,
}

#[derive(Template)]
#[template(path = "territory.html")]
struct TerritoryPage {
    chrome: Chrome,
    /// Who changed the territory (signed-in readers only).
    journal: Vec<crate::history::HistoryRow>,
    name: String,
    id: String,
    phase: &'static str,
    phase_slug: &'static str,
    date_iso: String,
    date_long: String,
    status: String,
    badge: &'static str,
    labelling: Vec<String>,
    attributes_now: Vec<String>,
    steps: Vec<StepView>,
    no_milestone: bool,
    regions: Vec<Choice>,
    departements: String,
    communes: String,
    population: String,
    members: Vec<MemberView>,
    map_path: Option<String>,
    map_view_box: String,
    seats: Vec<SeatView>,
    appointments: Vec<SeatView>,
    posts: Vec<PostView>,
    attributes: Vec<AttributeView>,
    timeline: Vec<MilestoneView>,
    related: Vec<RelatedView>,
    axes: &'static [territoires_domain::portfolio::project::Axis],
    /// Each fiche: its page, title, status and whether it is not yet public.
    projects: Vec<(String, String, &'static str, bool)>,
    bilan_href: String,
    saved: Option<&'static str>,
    editor: Option<Editor>,
    login_href: String,
}

/// What a signed-in user whose profile covers the territory gets: the forms and their CSRF token.
pub struct Editor {
    pub csrf: String,
    pub today: String,
    pub forms: Vec<InlineForm>,
}

/// A form of the territory's page.
pub struct InlineForm {
    /// Where it posts, under the territory's address.
    pub path: &'static str,
    /// Its name in element ids (`form-jalon`, `enregistrer-jalon`).
    pub prefix: &'static str,
    /// The prefix of its fields' ids (`jalon-date`).
    pub ids: String,
    pub title: &'static str,
    pub submit: &'static str,
    pub fields: Vec<Field>,
}

impl InlineForm {
    fn new(
        form: TerritoryForm,
        prefix: &'static str,
        submit: &'static str,
        fields: Vec<Field>,
    ) -> Self {
        InlineForm {
            path: form.path(),
            prefix,
            ids: format!("{prefix}-"),
            title: form.title(),
            submit,
            fields,
        }
    }
}

/// Date of the page and the confirmation flag set after a form.
#[derive(Deserialize)]
pub struct TerritoryPageParams {
    date: Option<String>,
    enregistre: Option<String>,
}

/// A validity period in words; dates that do not parse (none should) are shown as stored.
fn period(from: &str, to: Option<&str>) -> String {
    let long = |d: &str| {
        parse_date("date", d)
            .map(long_date)
            .unwrap_or_else(|_| d.to_owned())
    };
    match to {
        None => format!("depuis le {}", long(from)),
        Some(to) => format!("du {} au {}", long(from), long(to)),
    }
}

fn withdrawn(w: &Option<territoires_domain::registry::milestone::Withdrawal>) -> Option<String> {
    w.as_ref()
        .map(|w| format!("retiré le {} : {}", long_date(w.on), w.reason))
}

/// `/territoires/{phase}/{id}`
pub async fn territory(
    Seen(state): Seen,
    PathParams((phase, id)): PathParams<(String, String)>,
    Params(p): Params<TerritoryPageParams>,
    MaybeSession(session): MaybeSession,
) -> PageResult {
    let phase: Phase = phase
        .parse()
        .map_err(|_| WebError::NotFound(format!("phase {phase} inconnue")))?;
    let date = as_of(&p.date)?;
    let detail =
        state.store.territory(phase, &id).await?.ok_or_else(|| {
            WebError::NotFound(format!("Aucun territoire {id} en {}", phase.label()))
        })?;
    let milestones: Vec<_> = detail.milestones.iter().map(|(_, m)| m.clone()).collect();
    let appointments: Vec<Appointment> =
        detail.appointments.iter().map(|(_, a)| a.clone()).collect();
    let progress = Progress::as_of(phase, &milestones, date);
    let mut regions: Vec<Choice> = Vec::new();
    for a in &detail.areas {
        if !regions.iter().any(|r| r.value == a.region_code) {
            regions.push(Choice {
                value: a.region_code.clone(),
                label: a.region_name.clone(),
                selected: a.region_code == detail.territory.region_code,
            });
        }
    }
    let labelling_events: Vec<String> = milestones
        .iter()
        .filter(|m| m.kind.is_labelling() && !m.is_withdrawn_on(date))
        .map(|m| {
            let mut s = format!("{} {}", m.kind.label(), m.date_label());
            if !m.source.is_empty() {
                s.push_str(&format!(" (source : {})", m.source));
            }
            s
        })
        .collect();
    let mut labelling = match progress.labelling {
        Labelling::NotYet => vec![format!("Pas encore labellisé au {}.", long_date(date))],
        Labelling::Labelled { uncertain } => vec![format!(
            "Compté dans la {} depuis le {}{}.",
            phase.label(),
            long_date(Labelling::counted_from(phase, &milestones, date)),
            if uncertain {
                " (date incertaine : première date possible)"
            } else {
                ""
            }
        )],
        Labelling::Ended { how } => {
            vec![format!("{} : ne compte plus dans la phase.", how.label())]
        }
    };
    if labelling_events
        .iter()
        .all(|e| !e.starts_with(MilestoneKind::Labelled.label()))
    {
        labelling.push(format!(
            "Date de labellisation non renseignée : sur la liste de la phase, il est compté dès son lancement le {}.",
            long_date(phase.labelling_date())
        ));
    }
    labelling.extend(labelling_events);
    let attribute_changes: Vec<_> = detail.attributes.iter().map(|(_, a)| a.clone()).collect();
    let seat = |id: i64, a: &Appointment| SeatView {
        id,
        role: a.role.label(),
        person: a.person.clone().unwrap_or_else(|| "Poste vacant".into()),
        organisation: a.organisation.clone(),
        since: long_date(a.started_on),
        withdrawn: withdrawn(&a.withdrawal),
    };
    let seats = governance_as_of(&appointments, date);
    // Only an editor sees the post form and its list of funders.
    let funders = match &session {
        Some(_) => funder_choices(&state).await?,
        None => Vec::new(),
    };
    let editor = session
        .as_ref()
        .filter(|s| {
            TerritoryId::parse(&id).is_ok_and(|tid| s.user.profile.may_edit_territory(phase, &tid))
        })
        .map(|s| Editor {
            csrf: s.csrf_token.clone(),
            today: iso_date(time::OffsetDateTime::now_utc().date()),
            forms: vec![
                InlineForm::new(
                    TerritoryForm::Milestone,
                    "jalon",
                    "Enregistrer le jalon",
                    milestone_fields(&MilestoneDraft::default(), phase),
                ),
                InlineForm::new(
                    TerritoryForm::Appointment,
                    "designation",
                    "Enregistrer la désignation",
                    appointment_fields(&AppointmentDraft::default()),
                ),
                InlineForm::new(
                    TerritoryForm::Attribute,
                    "attribut",
                    "Enregistrer l'attribut",
                    attribute_fields(&AttributeDraft::default()),
                ),
                InlineForm::new(
                    TerritoryForm::Post,
                    "poste",
                    "Enregistrer le poste",
                    post_fields(&PostForm::default(), funders),
                ),
            ],
        });
    let name = detail.territory.name.clone();
    let journal = crate::history::for_reader(
        &state,
        session.is_some(),
        &[("territory", format!("{}/{id}", phase))],
    )
    .await?;
    render(TerritoryPage {
        journal,
        chrome: Chrome::new(name.clone(), "territoires", &session)
            .crumb("Territoires", Some(format!("/territoires?phase={}", phase.slug())))
            .crumb(name.clone(), None),
        saved: match p.enregistre.as_deref() {
            Some("jalons") => Some("Le jalon est enregistré."),
            Some("gouvernance") => Some("La désignation est enregistrée."),
            Some("attributs") => Some("L'attribut est enregistré."),
            Some("postes") => Some("Le poste est enregistré."),
            Some("retraits") => Some("Le retrait est enregistré : l'enregistrement ne compte plus à partir de sa date, il reste dans l'historique."),
            _ => None,
        },
        editor,
        login_href: format!("/connexion?next=/territoires/{}/{id}", phase.slug()),
        name,
        id: detail.territory.id.clone(),
        phase: phase.label(),
        phase_slug: phase.slug(),
        date_iso: iso_date(date),
        date_long: long_date(date),
        status: status_label(&progress),
        badge: stage_badge(&progress),
        labelling,
        attributes_now: attributes_as_of(&attribute_changes, date)
            .into_iter()
            .map(|a| a.label())
            .collect(),
        steps: Stage::steps(phase)
            .map(|stage| {
                let e = Evidence::of(&milestones, stage, date);
                StepView {
                    label: stage.label(),
                    reached: progress.labelling.counts() && e != Evidence::NotRecorded,
                    evidence: e.describe(),
                }
            })
            .collect(),
        no_milestone: !progress.recorded,
        regions,
        departements: detail
            .areas
            .iter()
            .map(|a| format!("{} ({}) : {}", a.departement_name, a.departement_code, count(a.commune_count, "commune", "communes")))
            .collect::<Vec<_>>()
            .join(", "),
        communes: integer(detail.territory.commune_count),
        population: integer(detail.territory.population),
        members: detail
            .members
            .iter()
            .map(|m| MemberView {
                siren: m.siren.clone(),
                name: m.name.clone().unwrap_or_else(|| m.label.clone()),
                href: (m.nature.as_deref() != Some("COM") && m.name.is_some()).then(|| format!("/epci/{}", m.siren)),
                nature: nature_label(m.nature.as_deref()),
                population: m.population.map(integer).unwrap_or_default(),
                communes: m.commune_count.map(integer).unwrap_or_default(),
                period: period(&m.valid_from, m.valid_to.as_deref()),
                in_force: m.valid_to.is_none(),
            })
            .collect(),
        map_view_box: detail
            .contour
            .as_ref()
            .map(|c| format!("-20 -20 1040 {:.0}", c.detail_height + 40.0))
            .unwrap_or_default(),
        map_path: detail.contour.map(|c| c.detail_path),
        seats: Role::ALL
            .into_iter()
            .map(|role| match seats.iter().find(|s| s.appointment.role == role) {
                Some(s) => seat(0, &s.appointment),
                None => SeatView {
                    id: 0,
                    role: role.label(),
                    person: "Non renseigné".into(),
                    organisation: "—".into(),
                    since: "—".into(),
                    withdrawn: None,
                },
            })
            .collect(),
        appointments: detail.appointments.iter().map(|(id, a)| seat(*id, a)).collect(),
        posts: detail
            .posts
            .iter()
            .map(|p| PostView {
                employer: p.employer.clone(),
                period: match p.closed_on {
                    Some(c) => format!("ouvert du {} au {}", long_date(p.opened_on), long_date(c)),
                    None => format!("ouvert depuis le {}", long_date(p.opened_on)),
                },
                cofundings: p
                    .cofundings
                    .iter()
                    .map(|c| format!("{} : {} du {} au {}", c.funder, c.amount, long_date(c.starts_on), long_date(c.ends_on)))
                    .collect(),
            })
            .collect(),
        attributes: detail
            .attributes
            .iter()
            .map(|(id, a)| AttributeView {
                id: *id,
                text: format!(
                    "{} {} le {}",
                    a.attribute.label(),
                    if a.present { "attribué" } else { "retiré" },
                    long_date(a.on)
                ),
                withdrawn: withdrawn(&a.withdrawal),
            })
            .collect(),
        timeline: detail
            .milestones
            .iter()
            .map(|(record, m)| MilestoneView::new(*record, m, date))
            .collect(),
        related: detail.related.iter().map(RelatedView::new).collect(),
        axes: phase.axes(),
        projects: state
            .store
            .projects_of_territory(phase, &id, date)
            .await?
            .into_iter()
            .map(|s| {
                (
                    format!("/projets/{}", crate::params::urlencode(&s.project.code)),
                    s.project.title,
                    s.status.map_or("", |st| st.label()),
                    s.project.not_yet_public,
                )
            })
            .collect(),
        bilan_href: format!("/bilan?phase={phase}&perimetre=territoire:{id}&date={}", iso_date(date)),
    })
}
