//! Bilans (page and downloads), the project list, a project's page and its forms. Handlers parse, call the
//! store, and render; figures come from the domain's indicator engine, documents from `ingest::bilan`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use territoires_domain::fr::{iso_date, long_date, parse_date};
use territoires_domain::funding::LineEvent;
use territoires_domain::money::Cents;
use territoires_domain::phase::Phase;
use territoires_domain::project::{ProjectStatus, StatusChange};
use territoires_ingest::bilan::{
    document, pdf, tables, BilanDocument, DocumentInput, MapIndicator,
};
use territoires_store::accounts::Session;
use territoires_store::portfolio::{LineChange, LineView, ProjectSummary};
use territoires_store::territories::TerritoryQuery;

use crate::auth::{check_csrf, MaybeSession};
use crate::exports::attachment;
use crate::pages::Choice;
use crate::params::{as_of, bad, given, BilanParams, BilanQuery, ProjectParams};
use crate::{AppState, WebError};

/// The bilan's document for a query.
async fn bilan_document(state: &AppState, q: &BilanQuery) -> Result<BilanDocument, WebError> {
    let label = state.store.scope_name(q.phase, &q.scope).await?;
    let report = state.store.bilan(q.phase, &q.scope, q.as_of).await?;
    let shapes = state.store.territory_shapes(q.phase).await?;
    let regions = state.store.region_shapes().await?;
    Ok(document(&DocumentInput {
        report: &report,
        scope_label: &label,
        territory_shapes: &shapes,
        region_shapes: &regions,
        map_indicator: q.indicator,
    }))
}

/// The scopes offered: France, each region, each territory of the phase.
async fn scope_choices(state: &AppState, q: &BilanQuery) -> Result<Vec<Choice>, WebError> {
    let selected = q.scope.to_string();
    let choice = |value: String, label: String| Choice {
        selected: value == selected,
        value,
        label,
    };
    let mut out = vec![choice("france".into(), "France entière".into())];
    for r in state.store.regions().await? {
        out.push(choice(
            format!("region:{}", r.code),
            format!("Région {}", r.name),
        ));
    }
    let territories = state
        .store
        .territories(&TerritoryQuery {
            phase: Some(q.phase),
            ..TerritoryQuery::all(q.as_of)
        })
        .await?;
    for t in territories.items {
        let t = t.territory;
        out.push(choice(
            format!("territoire:{}", t.id),
            format!("Territoire : {} ({})", t.name, t.id),
        ));
    }
    Ok(out)
}

fn phase_choices(selected: Phase) -> Vec<Choice> {
    Phase::ALL
        .into_iter()
        .map(|p| Choice {
            value: p.slug().into(),
            label: p.label().into(),
            selected: p == selected,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "bilan.html")]
struct BilanPage {
    title: String,
    nav: &'static str,
    doc: BilanDocument,
    phases: Vec<Choice>,
    scopes: Vec<Choice>,
    indicators: Vec<Choice>,
    date_iso: String,
    query: String,
    projects_href: String,
}

/// `/bilan`
pub async fn bilan_page(
    State(state): State<AppState>,
    Query(p): Query<BilanParams>,
) -> Result<Html<String>, WebError> {
    let q = p.parse()?;
    let doc = bilan_document(&state, &q).await?;
    let page = BilanPage {
        title: doc.title.clone(),
        nav: "bilan",
        phases: phase_choices(q.phase),
        scopes: scope_choices(&state, &q).await?,
        indicators: MapIndicator::ALL
            .into_iter()
            .map(|i| Choice {
                value: i.code().into(),
                label: i.label().into(),
                selected: i == q.indicator,
            })
            .collect(),
        date_iso: iso_date(q.as_of),
        query: q.to_query_string(),
        projects_href: format!(
            "/projets?phase={}&perimetre={}&date={}",
            q.phase.slug(),
            crate::params::urlencode(&q.scope.to_string()),
            iso_date(q.as_of)
        ),
        doc,
    };
    Ok(Html(page.render()?))
}

fn file_name(q: &BilanQuery, extension: &str) -> String {
    format!(
        "bilan-{}-{}-{}.{extension}",
        q.phase.slug(),
        q.scope.to_string().replace(':', "-"),
        iso_date(q.as_of)
    )
}

/// `/bilan.pdf`
pub async fn bilan_pdf(
    State(state): State<AppState>,
    Query(p): Query<BilanParams>,
) -> Result<Response, WebError> {
    let q = p.parse()?;
    let doc = bilan_document(&state, &q).await?;
    // Laying out and compressing a PDF takes tens of milliseconds of CPU: off the async workers.
    let body = tokio::task::spawn_blocking(move || pdf::render(&doc))
        .await
        .map_err(|e| WebError::Export(e.to_string()))?
        .map_err(|e| WebError::Export(e.to_string()))?;
    Ok(attachment("application/pdf", file_name(&q, "pdf"), body))
}

/// `/bilan.xlsx`: the figures, the projects and the funding lines.
pub async fn bilan_xlsx(
    State(state): State<AppState>,
    Query(p): Query<BilanParams>,
) -> Result<Response, WebError> {
    let q = p.parse()?;
    // The document checked the scope.
    let doc = bilan_document(&state, &q).await?;
    let rows = state.store.bilan_rows(q.phase, &q.scope, q.as_of).await?;
    let body =
        tables::workbook(&doc, &rows, q.as_of).map_err(|e| WebError::Export(e.to_string()))?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_name(&q, "xlsx"),
        body,
    ))
}

/// Parameters of the CSV download: a bilan's, plus which table.
#[derive(Deserialize)]
pub struct CsvParams {
    #[serde(flatten)]
    bilan: BilanParams,
    /// `projets` (default) or `financements`.
    table: Option<String>,
}

/// `/bilan.csv?table=projets|financements`
pub async fn bilan_csv(
    State(state): State<AppState>,
    Query(p): Query<CsvParams>,
) -> Result<Response, WebError> {
    let q = p.bilan.parse()?;
    // Unknown regions and territories are refused, as on the page.
    state.store.scope_name(q.phase, &q.scope).await?;
    let rows = state.store.bilan_rows(q.phase, &q.scope, q.as_of).await?;
    let (body, table) = match given(&p.table) {
        None | Some("projets") => (tables::projects_csv(&rows, q.as_of), "projets"),
        Some("financements") => (tables::lines_csv(&rows, q.as_of), "financements"),
        Some(_) => return Err(bad("table", "attendu projets ou financements")),
    };
    Ok(attachment(
        "text/csv; charset=utf-8",
        file_name(&q, &format!("{table}.csv")),
        body,
    ))
}

/// A project as a list row or page header.
pub struct ProjectView {
    pub href: String,
    pub code: String,
    pub title: String,
    pub territories: String,
    pub axes: String,
    pub themes: String,
    pub holder: String,
    pub status: String,
    pub requested: String,
    pub committed: String,
    pub paid: String,
    pub known_funding: bool,
}

impl ProjectView {
    fn new(s: &ProjectSummary) -> Self {
        let p = &s.project;
        ProjectView {
            href: format!("/projets/{}", crate::params::urlencode(&p.code)),
            code: p.code.clone(),
            title: p.title.clone(),
            territories: s.territory_names.join(", "),
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
            requested: s.money.requested.rounded().to_string(),
            committed: s.money.committed.rounded().to_string(),
            paid: s.money.paid.rounded().to_string(),
            known_funding: s.money.requested > Cents::ZERO,
        }
    }
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    title: String,
    nav: &'static str,
    scope_label: String,
    date_long: String,
    date_iso: String,
    phases: Vec<Choice>,
    scopes: Vec<Choice>,
    statuses: Vec<Choice>,
    axes: Vec<Choice>,
    q: String,
    total: i64,
    projects: Vec<ProjectView>,
    previous: Option<String>,
    next: Option<String>,
    bilan_href: String,
}

/// `/projets`
pub async fn projects_page(
    State(state): State<AppState>,
    Query(p): Query<ProjectParams>,
) -> Result<Html<String>, WebError> {
    let (query, page, per_page) = p.query(50, 50)?;
    let q = p.bilan.parse()?;
    let (status, axis) = (query.status, query.axis);
    let label = state.store.scope_name(q.phase, &q.scope).await?;
    let found = state.store.projects(&query).await?;
    let link = |n: usize| {
        let mut s = format!("/projets?{}", q.to_query_string());
        for (k, v) in [("statut", &p.statut), ("axe", &p.axe), ("q", &p.q)] {
            if let Some(v) = given(v) {
                s.push_str(&format!("&{k}={}", crate::params::urlencode(v)));
            }
        }
        format!("{s}&page={n}")
    };
    let shown = (page * per_page) as i64;
    let page_view = ProjectsPage {
        title: format!("Projets — {label}"),
        nav: "projets",
        date_long: long_date(q.as_of),
        date_iso: iso_date(q.as_of),
        phases: phase_choices(q.phase),
        scopes: scope_choices(&state, &q).await?,
        statuses: ProjectStatus::ALL
            .iter()
            .map(|s| Choice {
                value: s.code().into(),
                label: s.label().into(),
                selected: Some(*s) == status,
            })
            .collect(),
        axes: q
            .phase
            .axes()
            .iter()
            .map(|a| Choice {
                value: a.code().into(),
                label: a.label().into(),
                selected: Some(*a) == axis,
            })
            .collect(),
        q: given(&p.q).unwrap_or_default().to_owned(),
        total: found.total,
        projects: found.items.iter().map(ProjectView::new).collect(),
        previous: (page > 1).then(|| link(page - 1)),
        next: (shown < found.total).then(|| link(page + 1)),
        bilan_href: format!("/bilan?{}", q.to_query_string()),
        scope_label: label,
    };
    Ok(Html(page_view.render()?))
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
    title: String,
    nav: &'static str,
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
    user: Option<String>,
    may_edit: bool,
    next_statuses: Vec<Choice>,
    version: i64,
    saved: bool,
}

/// `?date=` and the confirmation flag set after a form.
#[derive(Deserialize)]
pub struct ProjectPageParams {
    date: Option<String>,
    enregistre: Option<String>,
}

/// `/projets/{code}`
pub async fn project_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<ProjectPageParams>,
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
    let last = project.history.last().map(|c| c.status);
    let outcome = |o: Option<i64>| {
        o.map(territoires_domain::fr::integer)
            .unwrap_or_else(|| "non renseigné".into())
    };
    let euros = |o: Option<Cents>| {
        o.map(|c| c.to_string())
            .unwrap_or_else(|| "non renseigné".into())
    };
    let page = ProjectPage {
        title: project.title.clone(),
        nav: "projets",
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
        user: session
            .as_ref()
            .map(|s| format!("{} — {}", s.user.name, s.user.profile.label())),
        may_edit,
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
    };
    Ok(Html(page.render()?))
}

fn signed_in(session: Option<Session>, csrf: &str) -> Result<Session, WebError> {
    let session = session.ok_or_else(|| {
        WebError::Forbidden("Connectez-vous pour mettre à jour un projet.".into())
    })?;
    check_csrf(&session, csrf)?;
    Ok(session)
}

async fn project_or_404(
    state: &AppState,
    code: &str,
) -> Result<territoires_store::portfolio::ProjectDetail, WebError> {
    let today = time::OffsetDateTime::now_utc().date();
    state
        .store
        .project(code, today)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("projet {code} inconnu")))
}

fn back_to(code: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(
            LOCATION,
            format!("/projets/{}?enregistre=1", crate::params::urlencode(code)),
        )],
    )
        .into_response()
}

/// The status form.
#[derive(Deserialize)]
pub struct StatusForm {
    csrf: String,
    statut: String,
    date: String,
    version: i64,
}

/// `POST /projets/{code}/statut`
pub async fn record_status(
    State(state): State<AppState>,
    Path(code): Path<String>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<StatusForm>,
) -> Result<Response, WebError> {
    let session = signed_in(session, &f.csrf)?;
    let detail = project_or_404(&state, &code).await?;
    if !session
        .user
        .profile
        .may_edit_project(&detail.summary.project)
    {
        return Err(WebError::Forbidden(format!(
            "Votre profil ({}) ne permet pas de mettre à jour le projet {code}.",
            session.user.profile.label()
        )));
    }
    let change = StatusChange {
        status: f.statut.parse().map_err(|e| bad("statut", e))?,
        on: parse_date("date", &f.date).map_err(|e| bad("date", e))?,
    };
    state
        .store
        .record_project_status(
            &code,
            f.version,
            change,
            &format!("user:{}", session.user.email),
        )
        .await?;
    Ok(back_to(&code))
}

/// The funding line form: a commitment, a payment or a cancellation.
#[derive(Deserialize)]
pub struct LineForm {
    csrf: String,
    /// `engagement`, `versement` or `annulation`.
    evenement: String,
    date: String,
    #[serde(default)]
    montant: String,
    #[serde(default)]
    depassement_autorise: Option<String>,
    version: i64,
}

/// `POST /projets/{code}/financements/{id}`
pub async fn record_line_event(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    MaybeSession(session): MaybeSession,
    Form(f): Form<LineForm>,
) -> Result<Response, WebError> {
    let session = signed_in(session, &f.csrf)?;
    let detail = project_or_404(&state, &code).await?;
    let line =
        detail.lines.iter().find(|l| l.id == id).ok_or_else(|| {
            WebError::NotFound(format!("ligne {id} inconnue pour le projet {code}"))
        })?;
    if !session
        .user
        .profile
        .may_record_funding(&detail.summary.project, &line.line.funder)
    {
        return Err(WebError::Forbidden(format!(
            "Votre profil ({}) ne permet pas d'enregistrer les financements de « {} » sur ce projet.",
            session.user.profile.label(),
            line.funder_name
        )));
    }
    let on = parse_date("date", &f.date).map_err(|e| bad("date", e))?;
    let amount = || Cents::parse("montant", &f.montant).map_err(|e| bad("montant", e));
    let event = match f.evenement.as_str() {
        "engagement" => LineEvent::Commit {
            amount: amount()?,
            on,
            over_request_allowed: f.depassement_autorise.is_some(),
        },
        "versement" => LineEvent::Pay {
            total_paid: amount()?,
            on,
        },
        "annulation" => LineEvent::Cancel { on },
        _ => {
            return Err(bad(
                "evenement",
                "attendu engagement, versement ou annulation",
            ))
        }
    };
    state
        .store
        .record_line_event(
            LineChange {
                line_id: id,
                read_version: f.version,
                event,
            },
            &format!("user:{}", session.user.email),
        )
        .await?;
    Ok(back_to(&code))
}
