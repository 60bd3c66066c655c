//! The bilan page and its downloads (PDF, XLSX, CSV), and the list of the records behind each figure.
//! Handlers parse, call the store, and render; figures come from the domain's indicator engine, documents
//! from `ingest::bilan`.

use askama::Template;
use axum::response::{Html, Response};
use serde::Deserialize;
use territoires_domain::bilan::figures::{Criterion, FigureCode, Grouping, RecordKind, Unit};
use territoires_domain::bilan::frame::Frame;
use territoires_domain::fr::{count, integer, iso_date, long_date};
use territoires_domain::money::Cents;
use territoires_domain::phase::Phase;
use territoires_ingest::bilan::{
    document, format_value, pdf, tables, BilanDocument, DocumentInput, MapIndicator,
};
use territoires_ingest::spreadsheet::Cell;
use territoires_store::bilan::{BilanReport, RecordList};
use territoires_store::registry::territories::TerritoryQuery;

use crate::access::auth::MaybeSession;
use crate::access::Seen;
use crate::params::{
    bad, frame_query, given, paging, parse, urlencode, BilanParams, BilanQuery, Params,
};
use crate::registry::exports::attachment;

use crate::views::{check_page, render, territory_href, Choice, Chrome, Pagination};
use crate::{AppState, WebError};

/// The link to the records of a figure under a criterion, for a frame.
pub fn records_href(frame: &Frame, figure: FigureCode, criterion: &Criterion) -> String {
    let mut href = format!(
        "/bilan/enregistrements?{}&chiffre={}",
        frame_query(frame),
        figure.code()
    );
    for (g, key) in &criterion.0 {
        href.push_str(&format!("&{}={}", g.code(), urlencode(key)));
    }
    href
}

/// The phase pages open on: the latest holding data (milestones or projects), else the current one.
pub async fn default_phase(state: &AppState) -> Result<Phase, WebError> {
    Ok(state
        .store
        .phases_with_data()
        .await?
        .into_iter()
        .map(|(p, _)| p)
        .max()
        .unwrap_or(Phase::Second))
}

/// The bilan and its document for a query.
async fn bilan_document(
    state: &AppState,
    q: &BilanQuery,
) -> Result<(BilanReport, BilanDocument), WebError> {
    let label = state.store.check_frame(&q.frame).await?;
    let report = state.store.bilan(&q.frame).await?;
    let shapes = state.store.territory_shapes(q.frame.phase).await?;
    let regions = state.store.region_shapes().await?;
    let scheme = match &q.frame.scheme {
        Some(code) => state.store.scheme_name(code).await?,
        None => None,
    };
    let frame = q.frame.clone();
    let link = move |f: FigureCode, c: &Criterion| Some(records_href(&frame, f, c));
    let doc = document(&DocumentInput {
        report: &report,
        scope_label: &label,
        scheme_label: scheme.as_deref(),
        territory_shapes: &shapes,
        region_shapes: &regions,
        map_indicator: q.indicator,
        link: &link,
        generated_on: time::OffsetDateTime::now_utc().date(),
    });
    Ok((report, doc))
}

/// The scopes offered: France, each region, each territory of the phase.
pub async fn scope_choices(state: &AppState, frame: &Frame) -> Result<Vec<Choice>, WebError> {
    let selected = frame.scope.to_string();
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
            phase: Some(frame.phase),
            ..TerritoryQuery::all(frame.as_of)
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

/// The phases offered.
pub fn phase_choices(selected: Phase) -> Vec<Choice> {
    Phase::ALL
        .into_iter()
        .map(|p| Choice {
            value: p.slug().into(),
            label: p.label().into(),
            selected: p == selected,
        })
        .collect()
}

/// The schemes offered, and "all".
async fn scheme_choices(state: &AppState, selected: Option<&str>) -> Result<Vec<Choice>, WebError> {
    let mut out = vec![Choice {
        value: String::new(),
        label: "Tous les dispositifs".into(),
        selected: selected.is_none(),
    }];
    out.extend(
        state
            .store
            .schemes()
            .await?
            .into_iter()
            .map(|(code, name)| Choice {
                selected: selected == Some(code.as_str()),
                value: code,
                label: name,
            }),
    );
    Ok(out)
}

#[derive(Template)]
#[template(path = "bilan.html")]
struct BilanPage {
    chrome: Chrome,
    doc: BilanDocument,
    phases: Vec<Choice>,
    scopes: Vec<Choice>,
    schemes: Vec<Choice>,
    indicators: Vec<Choice>,
    date_iso: String,
    since_iso: String,
    query: String,
    projects_href: String,
}

/// `/bilan`
pub async fn bilan_page(
    Seen(state): Seen,
    Params(p): Params<BilanParams>,
    MaybeSession(session): MaybeSession,
) -> Result<Html<String>, WebError> {
    let q = p.parse_or(default_phase(&state).await?)?;
    let (_, doc) = bilan_document(&state, &q).await?;
    render(BilanPage {
        chrome: Chrome::new(doc.title.clone(), "bilan", &session)
            .crumb("Bilans", Some("/bilan".into()))
            .crumb(
                doc.title
                    .trim_start_matches("Bilan Territoires d'industrie — ")
                    .to_owned(),
                None,
            ),
        phases: phase_choices(q.frame.phase),
        scopes: scope_choices(&state, &q.frame).await?,
        schemes: scheme_choices(&state, q.frame.scheme.as_deref()).await?,
        indicators: MapIndicator::ALL
            .into_iter()
            .map(|i| Choice {
                value: i.code().into(),
                label: i.label().into(),
                selected: i == q.indicator,
            })
            .collect(),
        date_iso: iso_date(q.frame.as_of),
        since_iso: q.frame.since.map(iso_date).unwrap_or_default(),
        query: q.to_query_string(),
        projects_href: format!("/projets?{}", q.frame_query()),
        doc,
    })
}

fn file_name(q: &BilanQuery, extension: &str) -> String {
    format!(
        "bilan-{}-{}-{}.{extension}",
        q.frame.phase.slug(),
        q.frame.scope.to_string().replace(':', "-"),
        iso_date(q.frame.as_of)
    )
}

/// `/bilan.pdf`
pub async fn bilan_pdf(
    Seen(state): Seen,
    Params(p): Params<BilanParams>,
) -> Result<Response, WebError> {
    let q = p.parse_or(default_phase(&state).await?)?;
    let (_, doc) = bilan_document(&state, &q).await?;
    let today = time::OffsetDateTime::now_utc().date();
    // Laying out and compressing a PDF takes tens of milliseconds of CPU: on the bounded blocking pool.
    let body = state
        .store
        .compute(move || pdf::render(&doc, today))
        .await?
        .map_err(|e| WebError::Export(e.to_string()))?;
    Ok(attachment("application/pdf", file_name(&q, "pdf"), body))
}

/// `/bilan.xlsx`: the figures, the breakdowns, the evolution, the projects and the funding lines.
pub async fn bilan_xlsx(
    Seen(state): Seen,
    Params(p): Params<BilanParams>,
) -> Result<Response, WebError> {
    let q = p.parse_or(default_phase(&state).await?)?;
    let (report, doc) = bilan_document(&state, &q).await?;
    let rows = state.store.bilan_rows(&q.frame).await?;
    let body = state
        .store
        .compute(move || tables::workbook(&doc, &report, &rows))
        .await?
        .map_err(|e| WebError::Export(e.to_string()))?;
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
    Seen(state): Seen,
    Params(p): Params<CsvParams>,
) -> Result<Response, WebError> {
    let q = p.bilan.parse_or(default_phase(&state).await?)?;
    // Unknown regions, territories and schemes are refused, as on the page.
    state.store.check_frame(&q.frame).await?;
    let rows = state.store.bilan_rows(&q.frame).await?;
    let (body, table) = match given(&p.table) {
        None | Some("projets") => (tables::projects_csv(&rows, q.frame.as_of), "projets"),
        Some("financements") => (tables::lines_csv(&rows, q.frame.as_of), "financements"),
        Some(_) => return Err(bad("table", "attendu projets ou financements")),
    };
    Ok(attachment(
        "text/csv; charset=utf-8",
        file_name(&q, &format!("{table}.csv")),
        body,
    ))
}

/// Which records: a bilan's frame, a figure, and the criterion of a breakdown row.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecordParams {
    /// The bilan's frame.
    #[serde(flatten)]
    pub bilan: BilanParams,
    /// The figure's code (`plans_valides`, `montant_engage`…).
    pub chiffre: Option<String>,
    /// Region of attachment.
    pub region: Option<String>,
    /// Territory id.
    pub territoire: Option<String>,
    /// Attribute (`fragile`, `etiquette:…`).
    pub attribut: Option<String>,
    /// Axis code.
    pub axe: Option<String>,
    /// Status code.
    pub statut: Option<String>,
    /// Scheme of the lines (`aucun` for general law).
    pub ligne_dispositif: Option<String>,
    /// Funder code.
    pub financeur: Option<String>,
    /// Kind of funder.
    pub type_financeur: Option<String>,
    /// Page, from 1.
    pub page: Option<String>,
    /// Page size.
    pub par_page: Option<String>,
}

impl RecordParams {
    /// The frame, figure and criterion asked.
    pub async fn parse(
        &self,
        state: &AppState,
    ) -> Result<(BilanQuery, FigureCode, Criterion), WebError> {
        let q = self.bilan.parse_or(default_phase(state).await?)?;
        let figure = parse::<FigureCode>("chiffre", &self.chiffre)?.ok_or_else(|| {
            bad(
                "chiffre",
                "attendu le code d'un chiffre du bilan (ex. plans_valides)",
            )
        })?;
        let pairs = [
            (Grouping::Region, &self.region),
            (Grouping::Territory, &self.territoire),
            (Grouping::Attribute, &self.attribut),
            (Grouping::Axis, &self.axe),
            (Grouping::Status, &self.statut),
            (Grouping::Scheme, &self.ligne_dispositif),
            (Grouping::Funder, &self.financeur),
            (Grouping::FunderKind, &self.type_financeur),
        ];
        let criterion = Criterion::from_pairs(
            pairs
                .iter()
                .filter_map(|(g, v)| given(v).map(|v| (g.code(), v))),
        );
        Ok((q, figure, criterion))
    }
}

/// A record as a row of the list: cells, and a link to the record.
pub struct RecordRow {
    pub href: String,
    pub title: String,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "records.html")]
struct RecordsPage {
    chrome: Chrome,
    csv_href: String,
    figure_label: String,
    definition: String,
    value: String,
    basis: String,
    criterion: String,
    frame_label: String,
    headers: Vec<&'static str>,
    numeric_last: bool,
    rows: Vec<RecordRow>,
    total: Option<String>,
    empty: String,
    pagination: Pagination,
    bilan_href: String,
    api_href: String,
}

/// The criterion in words: "financeur Bpifrance, région Grand Est".
fn criterion_label(list: &RecordList) -> String {
    list.criterion
        .0
        .iter()
        .map(|(g, k)| format!("{} = {k}", g.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows of a record list.
pub fn record_rows(list: &RecordList) -> (Vec<&'static str>, Vec<RecordRow>) {
    let amount = |cents: i64| Cents(cents).to_string();
    match list.figure.kind() {
        RecordKind::Territories => (
            vec![
                "Territoire",
                "Région",
                "État à la date",
                "Ce qui le fait compter",
            ],
            list.territories
                .iter()
                .map(|t| RecordRow {
                    href: territory_href(&t.phase, &t.id),
                    title: format!("{} ({})", t.name, t.id),
                    cells: vec![t.region.clone(), t.state.clone(), t.reason.clone()],
                })
                .collect(),
        ),
        RecordKind::Milestones => (
            vec!["Territoire", "Événement", "Date", "Source"],
            list.milestones
                .iter()
                .map(|m| RecordRow {
                    href: territory_href(&m.phase, &m.territory_id),
                    title: format!("{} ({})", m.territory_name, m.territory_id),
                    cells: vec![m.kind.clone(), m.date.clone(), m.source.clone()],
                })
                .collect(),
        ),
        RecordKind::Projects => (
            vec![
                "Projet",
                "Territoires",
                "Statut",
                if list.figure.is_sum() {
                    "Valeur"
                } else {
                    "Compté"
                },
            ],
            list.projects
                .iter()
                .map(|(s, weight)| RecordRow {
                    href: format!("/projets/{}", urlencode(&s.project.code)),
                    title: format!("{} ({})", s.project.title, s.project.code),
                    cells: vec![
                        s.territory_names.join(", "),
                        s.status.map_or("", |st| st.label()).to_owned(),
                        match list.figure.unit() {
                            Unit::Cents => amount(*weight),
                            _ => integer(*weight),
                        },
                    ],
                })
                .collect(),
        ),
        RecordKind::Lines => (
            vec![
                "Projet",
                "Financeur",
                "Dispositif",
                "Décision",
                "Montant compté",
            ],
            list.lines
                .iter()
                .map(|(l, cents)| RecordRow {
                    href: format!("/projets/{}", urlencode(&l.line.project)),
                    title: l.line.project.clone(),
                    cells: vec![
                        l.funder_name.clone(),
                        l.scheme_name
                            .clone()
                            .unwrap_or_else(|| "Droit commun".into()),
                        l.line.decision_reference.clone(),
                        amount(*cents),
                    ],
                })
                .collect(),
        ),
    }
}

/// `/bilan/enregistrements`: the records a figure counts.
/// `/bilan/enregistrements.csv`: the records a figure counts, every one, in the page's columns (the
/// first one the record's link), as a spreadsheet opens them.
pub async fn records_csv(
    Seen(state): Seen,
    Params(p): Params<RecordParams>,
) -> Result<Response, WebError> {
    let (q, figure, criterion) = p.parse(&state).await?;
    state.store.check_frame(&q.frame).await?;
    let list = state
        .store
        .bilan_records(&q.frame, figure, &criterion)
        .await?;
    let (headers, rows) = record_rows(&list);
    let mut columns = headers;
    columns.push("Adresse");
    let body = territoires_ingest::spreadsheet::csv(
        &columns,
        rows.into_iter().map(|r| {
            std::iter::once(Cell::text(r.title))
                .chain(r.cells.into_iter().map(Cell::text))
                .chain([Cell::text(r.href)])
                .collect()
        }),
    );
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!(
            "enregistrements-{}-{}.csv",
            figure.code(),
            iso_date(q.frame.as_of)
        ),
        body,
    ))
}

pub async fn records_page(
    Seen(state): Seen,
    Params(p): Params<RecordParams>,
    MaybeSession(session): MaybeSession,
) -> Result<Html<String>, WebError> {
    let (q, figure, criterion) = p.parse(&state).await?;
    let label = state.store.check_frame(&q.frame).await?;
    let list = state
        .store
        .bilan_records(&q.frame, figure, &criterion)
        .await?;
    let (page, per_page) = paging(&p.page, &p.par_page, 100, 500)?;
    let (headers, rows) = record_rows(&list);
    check_page(page, per_page, rows.len() as i64)?;
    let listed = rows.len();
    let base = format!(
        "/bilan/enregistrements?{}",
        records_query(&q.frame, figure, &criterion)
    );
    let rows: Vec<RecordRow> = rows
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let value = format_value(figure, list.value);
    render(RecordsPage {
        chrome: Chrome::new(format!("{} — {label}", figure.label()), "bilan", &session)
            .crumb("Bilans", Some(format!("/bilan?{}", q.to_query_string())))
            .crumb(figure.label(), None),
        figure_label: figure.label().to_owned(),
        definition: figure.definition().to_owned(),
        basis: format!(
            "{}{}",
            count(
                list.value.basis,
                "enregistrement compté",
                "enregistrements comptés"
            ),
            if figure.needs_data() {
                format!(" sur {} renseignant ce chiffre", integer(list.considered))
            } else {
                String::new()
            }
        ),
        criterion: criterion_label(&list),
        frame_label: format!(
            "{} · {} · situation au {}{}",
            label,
            q.frame.phase.label(),
            long_date(q.frame.as_of),
            q.frame
                .period_label()
                .map(|p| format!(" · période : {p}"))
                .unwrap_or_default()
        ),
        numeric_last: matches!(figure.kind(), RecordKind::Lines | RecordKind::Projects),
        // The total of a list is exact (cents included), so that its lines add up to it.
        total: (figure.is_sum() && listed > 0).then(|| match (figure.unit(), list.value.value) {
            (Unit::Cents, Some(v)) => Cents(v).to_string(),
            _ => value.clone(),
        }),
        value,
        empty: match (q.frame.started(), list.value.value) {
            (false, _) => {
                "La phase n'avait pas commencé à cette date : aucun enregistrement.".into()
            }
            (true, None) => {
                "Ce chiffre est inconnu : aucun enregistrement ne le renseigne pour ce critère."
                    .into()
            }
            (true, Some(_)) => {
                "Ce chiffre vaut zéro : aucun enregistrement ne répond au critère.".into()
            }
        },
        pagination: Pagination::new(&base, page, per_page, listed as i64),
        bilan_href: format!("/bilan?{}", q.to_query_string()),
        api_href: format!(
            "/api/v1/bilan/enregistrements?{}",
            records_query(&q.frame, figure, &criterion)
        ),
        csv_href: format!(
            "/bilan/enregistrements.csv?{}",
            records_query(&q.frame, figure, &criterion)
        ),
        headers,
        rows,
    })
}

/// The query of a record list, without the page.
pub fn records_query(frame: &Frame, figure: FigureCode, criterion: &Criterion) -> String {
    records_href(frame, figure, criterion)
        .split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default()
}
