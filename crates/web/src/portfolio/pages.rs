//! The project list and a project's page, with the forms of its status and funding lines.

use askama::Template;
use axum::response::Html;
use serde::Deserialize;
use territoires_domain::fr::{iso_date, long_date};
use territoires_domain::money::Cents;
use territoires_domain::portfolio::order::Order;
use territoires_domain::portfolio::project::ProjectStatus;
use territoires_store::portfolio::{LineView, ProjectSummary};

use crate::access::auth::MaybeSession;
use crate::access::Seen;
use crate::bilan::pages::{default_phase, phase_choices, scope_choices};
use crate::params::{as_of, given, Params, PathParams, ProjectParams};
use crate::views::{check_page, render, Choice, Chrome, Pagination};
use crate::WebError;

/// A project as a list row or page header.
pub struct ProjectView {
    pub href: String,
    pub code: String,
    pub title: String,
    pub axes: String,
    pub themes: String,
    pub holder: String,
    pub status: String,
    pub requested: String,
    pub committed: String,
    pub paid: String,
    pub known_funding: bool,
    /// Each territory's page and name.
    pub territory_links: Vec<(String, String)>,
    /// Marked « pas encore publique » (only agents see it).
    pub not_yet_public: bool,
}

impl ProjectView {
    fn new(s: &ProjectSummary) -> Self {
        let p = &s.project;
        ProjectView {
            href: format!("/projets/{}", crate::params::urlencode(&p.code)),
            code: p.code.clone(),
            not_yet_public: p.not_yet_public,
            title: p.title.clone(),
            axes: p
                .axes
                .iter()
                .map(|a| a.label())
                .collect::<Vec<_>>()
                .join(", "),
            themes: p.themes.join(", "),
            holder: p
                .holder
                .as_ref()
                .map(|h| format!("{} ({})", h.name, h.kind.label()))
                .unwrap_or_else(|| "Non renseigné".into()),
            status: s
                .status
                .map_or("Pas encore recensé", |st| st.label())
                .to_owned(),
            requested: s
                .money
                .map(|m| m.requested.rounded().to_string())
                .unwrap_or_default(),
            committed: s
                .money
                .map(|m| m.committed.rounded().to_string())
                .unwrap_or_default(),
            paid: s
                .money
                .map(|m| m.paid.rounded().to_string())
                .unwrap_or_default(),
            known_funding: s.money.is_some(),
            territory_links: p
                .territories
                .iter()
                .zip(&s.territory_names)
                .map(|(id, name)| {
                    (
                        crate::views::territory_href(p.phase.slug(), id.as_str()),
                        name.clone(),
                    )
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    chrome: Chrome,
    date_long: String,
    date_iso: String,
    phases: Vec<Choice>,
    scopes: Vec<Choice>,
    statuses: Vec<Choice>,
    axes: Vec<Choice>,
    schemes: Vec<Choice>,
    /// The orders of the list.
    orders: Vec<Choice>,
    q: String,
    total: i64,
    projects: Vec<ProjectView>,
    pagination: Pagination,
    bilan_href: String,
    /// The list's filters, for its downloads.
    export_query: String,
    no_data: Option<String>,
    /// Whether the user may create fiches actions (not an operator).
    may_create: bool,
}

/// `/projets`
pub async fn projects_page(
    Seen(state): Seen,
    Params(p): Params<ProjectParams>,
    MaybeSession(session): MaybeSession,
) -> Result<Html<String>, WebError> {
    let default = default_phase(&state).await?;
    let (query, page, per_page) = p.query(default, 50, 50)?;
    let q = p.bilan.parse_or(default)?;
    let (status, axis) = (query.status, query.axis);
    let label = state.store.check_frame(&q.frame).await?;
    let found = state.store.projects(&query).await?;
    check_page(page, per_page, found.total)?;
    let mut base = format!("/projets?{}", q.frame_query());
    for (k, v) in [
        ("statut", &p.statut),
        ("axe", &p.axe),
        ("q", &p.q),
        ("tri", &p.tri),
    ] {
        if let Some(v) = given(v) {
            base.push_str(&format!("&{k}={}", crate::params::urlencode(v)));
        }
    }
    let no_data = (found.total == 0
        && query.status.is_none()
        && query.axis.is_none()
        && given(&p.q).is_none())
    .then(|| {
        format!(
            "Aucune fiche action n'est encore recensée dans ce périmètre pour la {} au {}.",
            q.frame.phase.label(),
            long_date(q.frame.as_of)
        )
    });
    let schemes = std::iter::once(Choice {
        value: String::new(),
        label: "Tous les dispositifs".into(),
        selected: q.frame.scheme.is_none(),
    })
    .chain(
        state
            .store
            .schemes()
            .await?
            .into_iter()
            .map(|(code, name)| Choice {
                selected: q.frame.scheme.as_deref() == Some(code.as_str()),
                value: code,
                label: name,
            }),
    )
    .collect();
    let may_create = session
        .as_ref()
        .is_some_and(|s| s.user.profile.may_create_projects());
    render(ProjectsPage {
        may_create,
        chrome: Chrome::new(format!("Projets — {label}"), "projets", &session)
            .crumb("Projets", None),
        date_long: long_date(q.frame.as_of),
        date_iso: iso_date(q.frame.as_of),
        phases: phase_choices(q.frame.phase),
        scopes: scope_choices(&state, &q.frame).await?,
        statuses: ProjectStatus::ALL
            .iter()
            .map(|s| Choice {
                value: s.code().into(),
                label: s.label().into(),
                selected: Some(*s) == status,
            })
            .collect(),
        axes: q
            .frame
            .phase
            .axes()
            .iter()
            .map(|a| Choice {
                value: a.code().into(),
                label: a.label().into(),
                selected: Some(*a) == axis,
            })
            .collect(),
        schemes,
        orders: [
            ("code", "Code"),
            ("titre", "Titre, de A à Z"),
            ("-titre", "Titre, de Z à A"),
            ("-engage", "Montant engagé, du plus élevé"),
            ("engage", "Montant engagé, du plus faible"),
        ]
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value.parse::<Order>().ok() == Some(query.order),
            value: value.into(),
            label: label.into(),
        })
        .collect(),
        q: given(&p.q).unwrap_or_default().to_owned(),
        total: found.total,
        projects: found.items.iter().map(ProjectView::new).collect(),
        pagination: Pagination::new(&base, page, per_page, found.total),
        bilan_href: format!("/bilan?{}", q.to_query_string()),
        export_query: base
            .split_once('?')
            .map_or(String::new(), |(_, query)| query.to_owned()),
        no_data,
    })
}

/// A funding line on a project's page.
pub struct LineRow {
    pub id: i64,
    pub version: i64,
    pub funder: String,
    pub scheme: String,
    pub instrument: String,
    pub reference: String,
    pub requested: String,
    pub requested_on: String,
    pub committed: String,
    pub committed_on: String,
    pub paid: String,
    pub paid_on: String,
    pub cancelled_on: String,
    pub committed_as_of: String,
    pub editable: bool,
    pub cancelled: bool,
}

impl LineRow {
    fn new(v: &LineView, editable: bool) -> Self {
        let l = &v.line;
        let date = |d: Option<time::Date>| d.map(long_date).unwrap_or_default();
        let amount = |c: Option<Cents>| c.map(|c| c.to_string()).unwrap_or_default();
        LineRow {
            id: v.id,
            version: v.version,
            funder: v.funder_name.clone(),
            scheme: v
                .scheme_name
                .clone()
                .map(|s| {
                    if v.ti_specific {
                        format!("{s} (spécifique TI)")
                    } else {
                        s
                    }
                })
                .unwrap_or_else(|| "Droit commun".into()),
            instrument: l.instrument.label().into(),
            reference: l.decision_reference.clone(),
            requested: l.requested.to_string(),
            requested_on: long_date(l.requested_on),
            committed: amount(l.committed),
            committed_on: date(l.committed_on),
            paid: amount(l.paid),
            paid_on: date(l.paid_on),
            cancelled_on: date(l.cancelled_on),
            committed_as_of: v.as_of.committed.to_string(),
            editable,
            cancelled: l.cancelled_on.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    chrome: Chrome,
    p: ProjectView,
    description: String,
    phase: &'static str,
    date_iso: String,
    date_long: String,
    total_cost: String,
    history: Vec<(String, String, bool)>,
    lines: Vec<LineRow>,
    outcomes: Vec<(&'static str, String, String)>,
    source: String,
    csrf: Option<String>,
    may_edit: bool,
    may_add_funding: bool,
    next_statuses: Vec<Choice>,
    version: i64,
    saved: bool,
    /// Who changed the project and its lines (signed-in readers only).
    journal: Vec<crate::history::HistoryRow>,
}

/// `?date=` and the confirmation flag set after a form.
#[derive(Deserialize)]
pub struct ProjectPageParams {
    date: Option<String>,
    enregistre: Option<String>,
}

/// `/projets/{code}`
pub async fn project_page(
    Seen(state): Seen,
    PathParams(code): PathParams<String>,
    Params(p): Params<ProjectPageParams>,
    MaybeSession(session): MaybeSession,
) -> Result<Html<String>, WebError> {
    let date = as_of(&p.date)?;
    let detail = state
        .store
        .project(&code, date)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("projet {code} inconnu")))?;
    let project = &detail.summary.project;
    let profile = session.as_ref().map(|s| &s.user.profile);
    let may_edit = profile.is_some_and(|pr| pr.may_edit_project(project));
    let mut subjects = vec![("project", project.code.clone())];
    subjects.extend(detail.lines.iter().map(|l| {
        (
            "funding_line",
            format!(
                "{}/{}/{}",
                l.line.funder, l.line.decision_reference, l.line.project
            ),
        )
    }));
    let journal = crate::history::for_reader(&state, session.is_some(), &subjects).await?;
    let last = project.history.last().map(|c| c.status);
    let outcome = |o: Option<i64>| {
        o.map(territoires_domain::fr::integer)
            .unwrap_or_else(|| "Non renseigné".into())
    };
    let euros = |o: Option<Cents>| {
        o.map(|c| c.to_string())
            .unwrap_or_else(|| "Non renseigné".into())
    };
    let page = ProjectPage {
        chrome: Chrome::new(project.title.clone(), "projets", &session)
            .crumb(
                "Projets",
                Some(format!("/projets?phase={}", project.phase.slug())),
            )
            .crumb(project.title.clone(), None),
        p: ProjectView::new(&detail.summary),
        description: project.description.clone(),
        phase: project.phase.label(),
        date_iso: iso_date(date),
        date_long: long_date(date),
        total_cost: euros(project.total_cost),
        history: project
            .history
            .iter()
            .map(|c| (c.status.label().to_owned(), long_date(c.on), c.on > date))
            .collect(),
        lines: detail
            .lines
            .iter()
            .map(|l| {
                LineRow::new(
                    l,
                    profile.is_some_and(|pr| pr.may_record_funding(project, &l.line.funder)),
                )
            })
            .collect(),
        outcomes: vec![
            (
                "Emplois créés",
                outcome(project.expected.jobs_created),
                outcome(project.measured.jobs_created),
            ),
            (
                "Emplois maintenus",
                outcome(project.expected.jobs_kept),
                outcome(project.measured.jobs_kept),
            ),
            (
                "Investissement industriel",
                euros(project.expected.investment),
                euros(project.measured.investment),
            ),
            (
                "tCO2e évitées par an",
                outcome(project.expected.tco2e_avoided),
                outcome(project.measured.tco2e_avoided),
            ),
            (
                "Hectares de friche requalifiés",
                outcome(project.expected.brownfield_hectares),
                outcome(project.measured.brownfield_hectares),
            ),
        ],
        source: project.source.clone(),
        csrf: session.as_ref().map(|s| s.csrf_token.clone()),
        may_edit,
        may_add_funding: profile.is_some_and(|pr| pr.may_add_funding(project)),
        next_statuses: ProjectStatus::ALL
            .iter()
            .filter(|s| last.is_none_or(|l| l.may_move_to(**s)))
            .map(|s| Choice {
                value: s.code().into(),
                label: s.label().into(),
                selected: false,
            })
            .collect(),
        version: detail.version,
        saved: p.enregistre.is_some(),
        journal,
    };
    render(page)
}
