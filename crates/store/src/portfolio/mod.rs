//! Projects and their funding: loading the portfolio, importing it, recording status changes and
//! commitments. Every write takes the portfolio's lock, applies the change in memory, checks it with the
//! domain's rules, then writes only what changed, with its audit. An import checks the whole merged
//! portfolio (read before the lock, brought up to date under it); a form's change checks what it touches:
//! its project, or its line and the envelope the line draws on (`envelopes`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use sqlx::{Any, Transaction};
use territoires_domain::fr::{iso_date, parse_date};
use territoires_domain::ids::{RegionCode, TerritoryId};
use territoires_domain::money::Cents;
use territoires_domain::portfolio::funding::{Envelope, Funder, FundingLine, LineEvent, Scheme};
use territoires_domain::portfolio::given::Given;
use territoires_domain::portfolio::project::{Holder, Outcomes, Project, StatusChange};
use territoires_domain::portfolio::scheme::SchemeDetails;
use territoires_domain::portfolio::{Portfolio, Row};
use territoires_domain::DomainError;

use crate::access::Author;
use crate::audit::Audit;
use crate::imports::ImportPreview;
use crate::registry::referential::{already_imported, record_import_run, ImportOutcome};
use crate::sql::{delete_where_in, insert, upsert, Value};
use crate::{now, Result, Store, StoreError};

mod edits;
mod envelopes;

pub use edits::{FundingReferential, Save, Versioned};

/// The portfolio as stored, with the row versions forms post back.
#[derive(Debug, Clone, Default)]
pub(crate) struct StoredPortfolio {
    pub portfolio: Portfolio,
    /// Version of each project, at its position.
    pub project_versions: Vec<i64>,
    /// Database id and version of each line, at its position.
    pub line_ids: Vec<(i64, i64)>,
}

impl StoredPortfolio {
    /// The part the public sees (see [`Portfolio::public_positions`]); `None` when it is the whole.
    pub(crate) fn public_part(&self) -> Option<StoredPortfolio> {
        let (projects, lines) = self.portfolio.public_positions()?;
        let p = &self.portfolio;
        Some(StoredPortfolio {
            portfolio: Portfolio {
                funders: p.funders.clone(),
                schemes: p.schemes.clone(),
                envelopes: p.envelopes.clone(),
                projects: projects.iter().map(|&i| p.projects[i].clone()).collect(),
                lines: lines.iter().map(|&i| p.lines[i].clone()).collect(),
            },
            project_versions: projects.iter().map(|&i| self.project_versions[i]).collect(),
            line_ids: lines.iter().map(|&i| self.line_ids[i]).collect(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    code: String,
    phase: String,
    title: String,
    description: String,
    themes: String,
    holder_kind: Option<String>,
    holder_id: Option<String>,
    holder_name: Option<String>,
    total_cost_cents: Option<i64>,
    expected_jobs_created: Option<i64>,
    expected_jobs_kept: Option<i64>,
    expected_investment_cents: Option<i64>,
    expected_tco2e_avoided: Option<i64>,
    expected_brownfield_hectares: Option<i64>,
    measured_jobs_created: Option<i64>,
    measured_jobs_kept: Option<i64>,
    measured_investment_cents: Option<i64>,
    measured_tco2e_avoided: Option<i64>,
    measured_brownfield_hectares: Option<i64>,
    source: String,
    not_yet_public: i64,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    project_code: String,
    funder_code: String,
    scheme_code: Option<String>,
    instrument: String,
    decision_reference: String,
    requested_cents: i64,
    requested_on: String,
    committed_cents: Option<i64>,
    committed_on: Option<String>,
    paid_cents: Option<i64>,
    paid_on: Option<String>,
    first_paid_on: Option<String>,
    payment_terms: Option<String>,
    cancelled_on: Option<String>,
    over_request_allowed: i64,
    version: i64,
}

fn optional_date(field: &'static str, value: Option<String>) -> Result<Option<time::Date>> {
    Ok(value.map(|v| parse_date(field, &v)).transpose()?)
}

/// Reads the whole portfolio in the transaction given.
pub(crate) async fn load_portfolio(tx: &mut Transaction<'_, Any>) -> Result<StoredPortfolio> {
    let (funders, schemes, envelopes) = load_portfolio_heads(tx).await?;
    let (projects, project_versions) = load_projects(tx, None).await?;
    let line_rows: Vec<LineRow> = sqlx::query_as(&format!(
        "SELECT {LINE_COLUMNS} FROM funding_lines ORDER BY id"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let mut line_ids = Vec::with_capacity(line_rows.len());
    let mut lines = Vec::with_capacity(line_rows.len());
    for r in line_rows {
        line_ids.push((r.id, r.version));
        lines.push(line_from(r)?);
    }
    Ok(StoredPortfolio {
        portfolio: Portfolio {
            funders,
            schemes,
            envelopes,
            projects,
            lines,
        },
        project_versions,
        line_ids,
    })
}

/// The columns of a funder, before its version.
pub(crate) const FUNDER_COLUMNS: &str = "code, name, kind, siret";

/// A funder's row and its version.
pub(crate) type FunderRow = (String, String, String, Option<String>, i64);

/// A funder and its version, from its row.
pub(crate) fn funder_from((code, name, kind, siret, version): FunderRow) -> Result<(Funder, i64)> {
    Ok((
        Funder {
            code,
            name,
            kind: kind.parse()?,
            siret,
        },
        version,
    ))
}

/// The columns of a scheme, before its version.
pub(crate) const SCHEME_COLUMNS: &str =
    "code, name, funder_code, ti_specific, eu_notified, details";

/// A scheme's row and its version.
pub(crate) type SchemeRow = (
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    i64,
);

/// A scheme and its version, from its row.
pub(crate) fn scheme_from(
    (code, name, funder, ti, eu_notified, details, version): SchemeRow,
) -> Result<(Scheme, i64)> {
    let details = match details {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| sqlx::Error::Decode(format!("dispositif {code} : {e}").into()))?,
        None => SchemeDetails::default(),
    };
    Ok((
        Scheme {
            code,
            name,
            funder,
            ti_specific: ti != 0,
            eu_notified: eu_notified.map(|n| n != 0),
            details,
        },
        version,
    ))
}

/// A scheme's details as stored: `NULL` while nothing is described.
fn details_column(s: &Scheme) -> Option<String> {
    (!s.details.is_empty()).then(|| serde_json::to_string(&s.details).expect("details serialise"))
}

/// Funders, schemes and envelopes: a few dozen rows, always read whole.
async fn load_portfolio_heads(
    tx: &mut Transaction<'_, Any>,
) -> Result<(Vec<Funder>, Vec<Scheme>, Vec<Envelope>)> {
    let funders = sqlx::query_as::<_, FunderRow>(&format!(
        "SELECT {FUNDER_COLUMNS}, version FROM funders ORDER BY code"
    ))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| Ok(funder_from(r)?.0))
    .collect::<Result<Vec<_>>>()?;
    let schemes = sqlx::query_as::<_, SchemeRow>(&format!(
        "SELECT {SCHEME_COLUMNS}, version FROM schemes ORDER BY code"
    ))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| Ok(scheme_from(r)?.0))
    .collect::<Result<Vec<_>>>()?;
    let envelopes = sqlx::query_as::<_, EnvelopeRow>(&format!(
        "SELECT {ENVELOPE_COLUMNS} FROM envelopes ORDER BY code"
    ))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(envelope_from)
    .collect::<Result<Vec<_>>>()?;
    Ok((funders, schemes, envelopes))
}

/// Beyond this many changed rows, reloading the whole portfolio is as cheap as patching it.
const PATCH_LIMIT: usize = 2_000;

/// The rows of the portfolio changed since a data version: read from the database, then applied to the
/// portfolio read at that version (a CPU task, which the read model runs off the async workers).
struct PortfolioChanges {
    heads: (Vec<Funder>, Vec<Scheme>, Vec<Envelope>),
    projects: Vec<(Project, i64)>,
    lines: Vec<(i64, i64, FundingLine)>,
}

/// The rows changed since data version `since` (each is marked with the version of its write,
/// `changed_in`): a commitment costs a few rows, not the whole portfolio. `None` when a full reload is as
/// cheap: more than [`PATCH_LIMIT`] rows changed.
async fn changes_since(
    tx: &mut Transaction<'_, Any>,
    since: i64,
) -> Result<Option<PortfolioChanges>> {
    let limit = PATCH_LIMIT as i64 + 1;
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT code FROM projects WHERE changed_in > $1 LIMIT $2")
            .bind(since)
            .bind(limit)
            .fetch_all(&mut **tx)
            .await?;
    let rows: Vec<LineRow> = sqlx::query_as(&format!(
        "SELECT {LINE_COLUMNS} FROM funding_lines WHERE changed_in > $1 ORDER BY id LIMIT $2"
    ))
    .bind(since)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    if codes.len() + rows.len() > PATCH_LIMIT {
        return Ok(None);
    }
    let mut projects = Vec::with_capacity(codes.len());
    for code in &codes {
        let (mut project, version) = load_projects(tx, Some(code)).await?;
        if let (Some(project), Some(&version)) = (project.pop(), version.first()) {
            projects.push((project, version));
        }
    }
    let lines = rows
        .into_iter()
        .map(|row| Ok((row.id, row.version, line_from(row)?)))
        .collect::<Result<_>>()?;
    Ok(Some(PortfolioChanges {
        heads: load_portfolio_heads(tx).await?,
        projects,
        lines,
    }))
}

impl PortfolioChanges {
    /// `previous` with these changes; `None` when they cannot be patched in (a new project: projects are
    /// held in code order) and the portfolio must be read whole.
    fn apply(self, previous: &StoredPortfolio) -> Option<StoredPortfolio> {
        let mut next = previous.clone();
        (
            next.portfolio.funders,
            next.portfolio.schemes,
            next.portfolio.envelopes,
        ) = self.heads;
        for (project, version) in self.projects {
            let i = next
                .portfolio
                .projects
                .binary_search_by(|p| p.code.cmp(&project.code))
                .ok()?;
            next.portfolio.projects[i] = project;
            next.project_versions[i] = version;
        }
        for (id, version, line) in self.lines {
            match next.line_ids.binary_search_by_key(&id, |(id, _)| *id) {
                Ok(i) => {
                    next.portfolio.lines[i] = line;
                    next.line_ids[i] = (id, version);
                }
                // Lines are held in id order and new ids are larger: a new line goes last.
                Err(i) if i == next.line_ids.len() => {
                    next.portfolio.lines.push(line);
                    next.line_ids.push((id, version));
                }
                Err(_) => return None,
            }
        }
        Some(next)
    }
}

/// Reads the projects, or only the one of code `only`, with their versions.
async fn load_projects(
    tx: &mut Transaction<'_, Any>,
    only: Option<&str>,
) -> Result<(Vec<Project>, Vec<i64>)> {
    // The same queries for one project or all: only the condition differs.
    let filtered = |sql: &str, column: &str, rest: &str| match only {
        Some(_) => format!("{sql} WHERE {column} = $1 {rest}"),
        None => format!("{sql} {rest}"),
    };
    let rows: Vec<ProjectRow> = fetch(
        tx,
        &filtered(
            &format!("SELECT {PROJECT_COLUMNS} FROM projects"),
            "code",
            "ORDER BY code",
        ),
        only,
    )
    .await?
    .iter()
    .map(<ProjectRow as sqlx::FromRow<_>>::from_row)
    .collect::<std::result::Result<_, _>>()?;
    let pairs = |rows: Vec<sqlx::any::AnyRow>| -> Result<Vec<(String, String)>> {
        Ok(rows
            .iter()
            .map(<(String, String) as sqlx::FromRow<_>>::from_row)
            .collect::<std::result::Result<_, _>>()?)
    };
    let mut territories: HashMap<String, Vec<TerritoryId>> = HashMap::new();
    for (code, id) in pairs(
        fetch(
            tx,
            &filtered(
                "SELECT project_code, territory_id FROM project_territories",
                "project_code",
                "ORDER BY project_code, position",
            ),
            only,
        )
        .await?,
    )? {
        territories
            .entry(code)
            .or_default()
            .push(TerritoryId::parse(&id)?);
    }
    let mut axes: HashMap<String, Vec<territoires_domain::portfolio::project::Axis>> =
        HashMap::new();
    for (code, axis) in pairs(
        fetch(
            tx,
            &filtered(
                "SELECT project_code, axis FROM project_axes",
                "project_code",
                "",
            ),
            only,
        )
        .await?,
    )? {
        axes.entry(code).or_default().push(axis.parse()?);
    }
    let mut history: HashMap<String, Vec<StatusChange>> = HashMap::new();
    for r in fetch(
        tx,
        &filtered(
            "SELECT project_code, status, occurred_on FROM project_status_changes",
            "project_code",
            "ORDER BY project_code, occurred_on, id",
        ),
        only,
    )
    .await?
    {
        let (code, status, on) = <(String, String, String) as sqlx::FromRow<_>>::from_row(&r)?;
        history.entry(code).or_default().push(StatusChange {
            status: status.parse()?,
            on: parse_date("occurred_on", &on)?,
        });
    }
    let mut project_versions = Vec::with_capacity(rows.len());
    let mut projects = Vec::with_capacity(rows.len());
    for r in rows {
        project_versions.push(r.version);
        let mut project_axes = axes.remove(&r.code).unwrap_or_default();
        project_axes.sort();
        let outcomes = |jobs_created,
                        jobs_kept,
                        investment: Option<i64>,
                        tco2e_avoided,
                        brownfield_hectares| Outcomes {
            jobs_created,
            jobs_kept,
            investment: investment.map(Cents),
            tco2e_avoided,
            brownfield_hectares,
        };
        projects.push(Project {
            not_yet_public: r.not_yet_public != 0,
            phase: r.phase.parse()?,
            territories: territories.remove(&r.code).unwrap_or_default(),
            title: r.title,
            description: r.description,
            axes: project_axes,
            themes: r
                .themes
                .split('|')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            holder: match (r.holder_kind, r.holder_name) {
                (Some(kind), Some(name)) => Some(Holder {
                    kind: kind.parse()?,
                    identifier: r.holder_id,
                    name,
                }),
                _ => None,
            },
            total_cost: r.total_cost_cents.map(Cents),
            expected: outcomes(
                r.expected_jobs_created,
                r.expected_jobs_kept,
                r.expected_investment_cents,
                r.expected_tco2e_avoided,
                r.expected_brownfield_hectares,
            ),
            measured: outcomes(
                r.measured_jobs_created,
                r.measured_jobs_kept,
                r.measured_investment_cents,
                r.measured_tco2e_avoided,
                r.measured_brownfield_hectares,
            ),
            history: history.remove(&r.code).unwrap_or_default(),
            source: r.source,
            code: r.code,
        });
    }
    Ok((projects, project_versions))
}

/// Runs `sql`, binding `only` as `$1` when given.
async fn fetch(
    tx: &mut Transaction<'_, Any>,
    sql: &str,
    only: Option<&str>,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let query = sqlx::query(sql);
    let query = match only {
        Some(code) => query.bind(code.to_owned()),
        None => query,
    };
    Ok(query.fetch_all(&mut **tx).await?)
}

/// The columns of [`EnvelopeRow`].
const ENVELOPE_COLUMNS: &str = "code, scheme_code, region_code, starts_on, ends_on, amount_cents";

/// code, scheme, region, start, end, amount.
type EnvelopeRow = (String, String, Option<String>, String, String, i64);

fn envelope_from(
    (code, scheme, region, starts_on, ends_on, amount): EnvelopeRow,
) -> Result<Envelope> {
    Ok(Envelope {
        code,
        scheme,
        region: region.map(|r| RegionCode::parse(&r)).transpose()?,
        starts_on: parse_date("starts_on", &starts_on)?,
        ends_on: parse_date("ends_on", &ends_on)?,
        amount: Cents(amount),
    })
}

/// The columns of [`ProjectRow`].
const PROJECT_COLUMNS: &str = "code, phase, title, description, themes, holder_kind, holder_id, holder_name,
    total_cost_cents, expected_jobs_created, expected_jobs_kept, expected_investment_cents,
    expected_tco2e_avoided, expected_brownfield_hectares, measured_jobs_created, measured_jobs_kept,
    measured_investment_cents, measured_tco2e_avoided, measured_brownfield_hectares, source, not_yet_public, version";

/// The columns of [`LineRow`].
const LINE_COLUMNS: &str =
    "id, project_code, funder_code, scheme_code, instrument, decision_reference,
    requested_cents, requested_on, committed_cents, committed_on, paid_cents, paid_on, first_paid_on,
    payment_terms, cancelled_on, over_request_allowed, version";

/// The funding line of id `id`, as a row.
async fn line_row<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    id: i64,
) -> Result<Option<LineRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {LINE_COLUMNS} FROM funding_lines WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await?)
}

fn line_from(r: LineRow) -> Result<FundingLine> {
    Ok(FundingLine {
        project: r.project_code,
        funder: r.funder_code,
        scheme: r.scheme_code,
        instrument: r.instrument.parse()?,
        decision_reference: r.decision_reference,
        requested: Cents(r.requested_cents),
        requested_on: parse_date("requested_on", &r.requested_on)?,
        committed: r.committed_cents.map(Cents),
        committed_on: optional_date("committed_on", r.committed_on)?,
        paid: r.paid_cents.map(Cents),
        paid_on: optional_date("paid_on", r.paid_on)?,
        first_paid_on: optional_date("first_paid_on", r.first_paid_on)?,
        payment_terms: r.payment_terms.map(|t| t.parse()).transpose()?,
        cancelled_on: optional_date("cancelled_on", r.cancelled_on)?,
        over_request_allowed: r.over_request_allowed != 0,
    })
}

/// What an import or an edit changed, per kind of row.
#[derive(Debug, Default)]
struct Changes<'a> {
    funders: Vec<(Option<&'a Funder>, &'a Funder)>,
    schemes: Vec<(Option<&'a Scheme>, &'a Scheme)>,
    envelopes: Vec<(Option<&'a Envelope>, &'a Envelope)>,
    projects: Vec<(Option<&'a Project>, &'a Project)>,
    /// Each changed line, before and after, with the envelope it draws on.
    lines: Vec<(Option<&'a FundingLine>, &'a FundingLine, Option<&'a str>)>,
}

/// `incoming` merged into `current` and checked whole, if `profile` (a user's; none for the platform's
/// tools) may write every record it changes: what an import writes and its preview shows.
fn checked_merge(
    current: &Portfolio,
    (incoming, given): (&Portfolio, &Given),
    profile: Option<&territoires_domain::access::Profile>,
) -> Result<Portfolio> {
    if let Some(profile) = profile {
        let refusals = profile.import_refusals(incoming, current);
        if !refusals.is_empty() {
            return Err(StoreError::Forbidden(refusals.join("\n")));
        }
    }
    let merged = merge(current, incoming, given)?;
    validate(&merged)?;
    Ok(merged)
}

/// Merges `incoming` into `current` by key (code, or the natural key of lines). A project's status history
/// can only grow: an incoming history must start with the stored one.
fn merge(current: &Portfolio, incoming: &Portfolio, given: &Given) -> Result<Portfolio> {
    fn by_key<T: Clone, K: Eq + std::hash::Hash>(
        current: &[T],
        incoming: &[T],
        key: impl Fn(&T) -> K,
        keep: impl Fn(&T, &T) -> T,
    ) -> Vec<T> {
        let mut out = current.to_vec();
        let positions: HashMap<K, usize> =
            out.iter().enumerate().map(|(i, x)| (key(x), i)).collect();
        for x in incoming {
            match positions.get(&key(x)) {
                Some(&i) => out[i] = keep(x, &out[i]),
                None => out.push(x.clone()),
            }
        }
        out
    }
    /// Envelopes: a row is the whole record (their table's columns are all required).
    fn whole<T: Clone>(incoming: &T, _: &T) -> T {
        incoming.clone()
    }
    let stored: HashMap<&str, &Project> = current
        .projects
        .iter()
        .map(|p| (p.code.as_str(), p))
        .collect();
    for p in &incoming.projects {
        if let Some(old) = stored.get(p.code.as_str()) {
            let p = given.project(p, old);
            if !p.history.starts_with(&old.history) {
                return Err(StoreError::Invalid(DomainError::Rule(format!(
                    "projet {} : l'historique des statuts enregistré ({}) ne peut pas être réécrit, seulement complété",
                    p.code,
                    old.history.iter().map(|c| format!("{} le {}", c.status, iso_date(c.on))).collect::<Vec<_>>().join(", ")
                ))));
            }
        }
    }
    Ok(Portfolio {
        funders: by_key(
            &current.funders,
            &incoming.funders,
            |f| f.code.clone(),
            |f, old| given.funder(f, old),
        ),
        schemes: by_key(
            &current.schemes,
            &incoming.schemes,
            |s| s.code.clone(),
            |s, old| given.scheme(s, old),
        ),
        envelopes: by_key(
            &current.envelopes,
            &incoming.envelopes,
            |e| e.code.clone(),
            whole,
        ),
        projects: by_key(
            &current.projects,
            &incoming.projects,
            |p| p.code.clone(),
            |p, old| given.project(p, old),
        ),
        lines: by_key(
            &current.lines,
            &incoming.lines,
            |l| {
                (
                    l.funder.clone(),
                    l.decision_reference.clone(),
                    l.project.clone(),
                )
            },
            |l, old| given.line(l, old),
        ),
    })
}

/// Names a row of a portfolio in an error message.
fn describe(p: &Portfolio, row: Row) -> String {
    match row {
        Row::Funder(i) => format!("financeur {}", p.funders[i].code),
        Row::Scheme(i) => format!("dispositif {}", p.schemes[i].code),
        Row::Envelope(i) => format!("enveloppe {}", p.envelopes[i].code),
        Row::Project(i) => format!("projet {}", p.projects[i].code),
        Row::Line(i) => {
            let l = &p.lines[i];
            format!(
                "ligne {} / {} / {}",
                l.project, l.funder, l.decision_reference
            )
        }
    }
}

/// Checks the merged portfolio whole. Every row's problem is told, one per line of the refusal's message
/// (an import's report lists them all), each naming its record.
fn validate(p: &Portfolio) -> Result<()> {
    let told = |(row, err): (Row, DomainError)| {
        let message = err.to_string();
        let what = describe(p, row);
        if message.contains(&what) {
            message
        } else {
            format!("{what} : {message}")
        }
    };
    let mut problems: Vec<String> = p.whole_problems().into_iter().map(told).collect();
    if problems.is_empty() {
        if let Err(problem) = p.check_not_future(crate::today()) {
            problems.push(told(problem));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(StoreError::Invalid(DomainError::Rule(problems.join("\n"))))
}

/// What differs between `old` and `new`; `drawn` is the envelope each line of `new` draws on.
fn changes<'a>(old: &'a Portfolio, new: &'a Portfolio, drawn: &[Option<&'a str>]) -> Changes<'a> {
    fn diff<'a, T: PartialEq, K: Eq + std::hash::Hash>(
        old: &'a [T],
        new: &'a [T],
        key: impl Fn(&T) -> K,
    ) -> Vec<(Option<&'a T>, &'a T)> {
        let before: HashMap<K, &T> = old.iter().map(|x| (key(x), x)).collect();
        new.iter()
            .filter_map(|x| match before.get(&key(x)) {
                Some(b) if *b == x => None,
                b => Some((b.copied(), x)),
            })
            .collect()
    }
    Changes {
        funders: diff(&old.funders, &new.funders, |f: &Funder| f.code.clone()),
        schemes: diff(&old.schemes, &new.schemes, |s: &Scheme| s.code.clone()),
        envelopes: diff(&old.envelopes, &new.envelopes, |e: &Envelope| {
            e.code.clone()
        }),
        projects: diff(&old.projects, &new.projects, |p| p.code.clone()),
        lines: {
            let before: HashMap<(&str, &str, &str), &FundingLine> =
                old.lines.iter().map(|l| (line_key(l), l)).collect();
            new.lines
                .iter()
                .zip(drawn)
                .filter_map(|(l, drawn)| match before.get(&line_key(l)) {
                    Some(b) if *b == l => None,
                    b => Some((b.copied(), l, *drawn)),
                })
                .collect()
        },
    }
}

/// A funding line's natural key: funder, decision reference, project.
fn line_key(l: &FundingLine) -> (&str, &str, &str) {
    (&l.funder, &l.decision_reference, &l.project)
}

fn opt_cents(c: Option<Cents>) -> Value {
    Value::from(c.map(|c| c.0))
}

fn opt_date(d: Option<time::Date>) -> Value {
    Value::from(d.map(iso_date))
}

/// Writes the changed rows and their audit entries.
async fn persist(
    tx: &mut Transaction<'_, Any>,
    c: &Changes<'_>,
    changed_in: i64,
    actor: &str,
    action: &str,
) -> Result<Vec<(String, u64)>> {
    upsert(
        tx,
        "funders",
        &["code", "name", "kind", "siret"],
        &["code"],
        true,
        c.funders
            .iter()
            .map(|(_, f)| {
                vec![
                    Value::from(f.code.as_str()),
                    Value::from(f.name.as_str()),
                    Value::from(f.kind.code()),
                    Value::from(f.siret.clone()),
                ]
            })
            .collect(),
    )
    .await?;
    upsert(
        tx,
        "schemes",
        &[
            "code",
            "name",
            "funder_code",
            "ti_specific",
            "eu_notified",
            "details",
        ],
        &["code"],
        true,
        c.schemes
            .iter()
            .map(|(_, s)| {
                vec![
                    Value::from(s.code.as_str()),
                    Value::from(s.name.as_str()),
                    Value::from(s.funder.as_str()),
                    Value::from(i64::from(s.ti_specific)),
                    Value::from(s.eu_notified.map(i64::from)),
                    Value::from(details_column(s)),
                ]
            })
            .collect(),
    )
    .await?;
    upsert(
        tx,
        "envelopes",
        &[
            "code",
            "scheme_code",
            "region_code",
            "starts_on",
            "ends_on",
            "amount_cents",
        ],
        &["code"],
        true,
        c.envelopes
            .iter()
            .map(|(_, e)| {
                vec![
                    Value::from(e.code.as_str()),
                    Value::from(e.scheme.as_str()),
                    Value::from(e.region.as_ref().map(|r| r.to_string())),
                    Value::from(iso_date(e.starts_on)),
                    Value::from(iso_date(e.ends_on)),
                    Value::from(e.amount.0),
                ]
            })
            .collect(),
    )
    .await?;
    let project_columns = [
        "code",
        "phase",
        "title",
        "description",
        "themes",
        "holder_kind",
        "holder_id",
        "holder_name",
        "total_cost_cents",
        "expected_jobs_created",
        "expected_jobs_kept",
        "expected_investment_cents",
        "expected_tco2e_avoided",
        "expected_brownfield_hectares",
        "measured_jobs_created",
        "measured_jobs_kept",
        "measured_investment_cents",
        "measured_tco2e_avoided",
        "measured_brownfield_hectares",
        "source",
        "not_yet_public",
        "changed_in",
    ];
    let outcome_values = |o: &Outcomes| {
        vec![
            Value::from(o.jobs_created),
            Value::from(o.jobs_kept),
            opt_cents(o.investment),
            Value::from(o.tco2e_avoided),
            Value::from(o.brownfield_hectares),
        ]
    };
    upsert(
        tx,
        "projects",
        &project_columns,
        &["code"],
        true,
        c.projects
            .iter()
            .map(|(_, p)| {
                let mut row = vec![
                    Value::from(p.code.as_str()),
                    Value::from(p.phase.slug()),
                    Value::from(p.title.as_str()),
                    Value::from(p.description.as_str()),
                    Value::from(p.themes.join("|")),
                    Value::from(p.holder.as_ref().map(|h| h.kind.code().to_owned())),
                    Value::from(p.holder.as_ref().and_then(|h| h.identifier.clone())),
                    Value::from(p.holder.as_ref().map(|h| h.name.clone())),
                    opt_cents(p.total_cost),
                ];
                row.extend(outcome_values(&p.expected));
                row.extend(outcome_values(&p.measured));
                row.push(Value::from(p.source.as_str()));
                row.push(Value::from(i64::from(p.not_yet_public)));
                row.push(Value::from(changed_in));
                row
            })
            .collect(),
    )
    .await?;
    let codes: Vec<&str> = c.projects.iter().map(|(_, p)| p.code.as_str()).collect();
    delete_where_in(tx, "project_territories", "project_code", &codes).await?;
    delete_where_in(tx, "project_axes", "project_code", &codes).await?;
    insert(tx, "project_territories", &["project_code", "phase", "territory_id", "position"], c.projects.iter().flat_map(|(_, p)| {
        p.territories.iter().enumerate().map(|(i, t)| {
            vec![Value::from(p.code.as_str()), Value::from(p.phase.slug()), Value::from(t.as_str()), Value::from(i as i64)]
        })
    }).collect())
    .await
    .map_err(|e| match e {
        StoreError::Database(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => StoreError::Invalid(
            DomainError::Rule("un projet désigne un territoire inconnu dans sa phase (importer d'abord les territoires)".into()),
        ),
        e => e,
    })?;
    insert(
        tx,
        "project_axes",
        &["project_code", "axis"],
        c.projects
            .iter()
            .flat_map(|(_, p)| {
                p.axes
                    .iter()
                    .map(|a| vec![Value::from(p.code.as_str()), Value::from(a.code())])
            })
            .collect(),
    )
    .await?;
    let at = now();
    let status_changes: Vec<Vec<Value>> = c
        .projects
        .iter()
        .flat_map(|(old, p)| {
            let known = old.map_or(0, |o| o.history.len());
            p.history[known..].iter().map(|s| {
                vec![
                    Value::from(p.code.as_str()),
                    Value::from(s.status.code()),
                    Value::from(iso_date(s.on)),
                    Value::from(at.as_str()),
                    Value::from(actor),
                ]
            })
        })
        .collect();
    insert(
        tx,
        "project_status_changes",
        &[
            "project_code",
            "status",
            "occurred_on",
            "recorded_at",
            "recorded_by",
        ],
        status_changes,
    )
    .await
    .map_err(|e| {
        StoreError::conflict_on_unique_store(e, "un statut déjà enregistré pour ce projet")
    })?;
    let line_columns = [
        "project_code",
        "funder_code",
        "scheme_code",
        "instrument",
        "decision_reference",
        "requested_cents",
        "requested_on",
        "committed_cents",
        "committed_on",
        "paid_cents",
        "paid_on",
        "first_paid_on",
        "payment_terms",
        "cancelled_on",
        "over_request_allowed",
        "changed_in",
        "envelope_code",
    ];
    upsert(
        tx,
        "funding_lines",
        &line_columns,
        &["funder_code", "decision_reference", "project_code"],
        true,
        c.lines
            .iter()
            .map(|(_, l, drawn)| {
                vec![
                    Value::from(l.project.as_str()),
                    Value::from(l.funder.as_str()),
                    Value::from(l.scheme.clone()),
                    Value::from(l.instrument.code()),
                    Value::from(l.decision_reference.as_str()),
                    Value::from(l.requested.0),
                    Value::from(iso_date(l.requested_on)),
                    opt_cents(l.committed),
                    opt_date(l.committed_on),
                    opt_cents(l.paid),
                    opt_date(l.paid_on),
                    opt_date(l.first_paid_on),
                    Value::from(l.payment_terms.map(|t| t.code().to_owned())),
                    opt_date(l.cancelled_on),
                    Value::from(i64::from(l.over_request_allowed)),
                    Value::from(changed_in),
                    Value::from(drawn.map(str::to_owned)),
                ]
            })
            .collect(),
    )
    .await?;

    // Audited in chunks, each entry's snapshots made as its chunk is written: a national import does not
    // hold tens of thousands of JSON documents at once.
    let mut entries = audited(c).peekable();
    while entries.peek().is_some() {
        let chunk: Vec<Audit<'_>> = entries
            .by_ref()
            .take(AUDIT_CHUNK)
            .map(|(entity, entity_key, before, after)| Audit {
                actor,
                action,
                entity,
                entity_key,
                before,
                after: Some(after),
            })
            .collect();
        Audit::record_all(tx, chunk).await?;
    }
    Ok(written(c))
}

/// How many audit entries are made and written together.
const AUDIT_CHUNK: usize = 2_000;

/// The rows a change set writes, per table.
fn written(c: &Changes<'_>) -> Vec<(String, u64)> {
    let status_changes: usize = c
        .projects
        .iter()
        .map(|(old, p)| p.history.len() - old.map_or(0, |o| o.history.len()))
        .sum();
    vec![
        ("funders".into(), c.funders.len() as u64),
        ("schemes".into(), c.schemes.len() as u64),
        ("envelopes".into(), c.envelopes.len() as u64),
        ("projects".into(), c.projects.len() as u64),
        ("status_changes".into(), status_changes as u64),
        ("funding_lines".into(), c.lines.len() as u64),
    ]
}

/// How many entries the audit of a change set has.
fn audited_count(c: &Changes<'_>) -> usize {
    c.funders.len() + c.schemes.len() + c.envelopes.len() + c.projects.len() + c.lines.len()
}

/// The audit entries of a change set, in the order they are written: entity, key, before and after, each
/// snapshot made when the entry is taken.
fn audited<'c>(
    c: &'c Changes<'c>,
) -> impl Iterator<
    Item = (
        &'static str,
        String,
        Option<serde_json::Value>,
        serde_json::Value,
    ),
> + 'c {
    fn entry<T: serde::Serialize>(
        entity: &'static str,
        key: String,
        old: Option<&T>,
        new: &T,
    ) -> (
        &'static str,
        String,
        Option<serde_json::Value>,
        serde_json::Value,
    ) {
        (entity, key, old.map(|o| o.json()), new.json())
    }
    let funders = c
        .funders
        .iter()
        .map(|(old, f)| entry("funder", f.code.clone(), *old, *f));
    let schemes = c
        .schemes
        .iter()
        .map(|(old, s)| entry("scheme", s.code.clone(), *old, *s));
    let envelopes = c
        .envelopes
        .iter()
        .map(|(old, e)| entry("envelope", e.code.clone(), *old, *e));
    let projects = c
        .projects
        .iter()
        .map(|(old, p)| entry("project", p.code.clone(), *old, *p));
    let lines = c.lines.iter().map(|(old, l, _)| {
        let key = format!("{}/{}/{}", l.funder, l.decision_reference, l.project);
        entry("funding_line", key, *old, *l)
    });
    funders
        .chain(schemes)
        .chain(envelopes)
        .chain(projects)
        .chain(lines)
}

mod erased {
    /// Anything serialisable as an audit snapshot.
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("portfolio rows serialize")
        }
    }
}
use erased::Json as _;

/// Serialises portfolio writes: each writer takes this row lock before reading the portfolio, so that the
/// envelope check of one commitment sees the commitments of the writers before it. Returns the data
/// version the write's rows are marked with (`changed_in`).
async fn lock_portfolio(tx: &mut Transaction<'_, Any>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("UPDATE data_version SET version = version + 1 RETURNING version")
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// A change of funding line asked through a form: the line's id and the version it was read at.
#[derive(Debug, Clone)]
pub struct LineChange {
    /// Database id of the line.
    pub line_id: i64,
    /// The project the line was asked under (the page's address), if any: a line of another project is
    /// not found.
    pub project: Option<String>,
    /// Version the user read.
    pub read_version: i64,
    /// What happened.
    pub event: LineEvent,
}

impl Store {
    /// Imports a portfolio (funders, schemes, envelopes, projects, lines) in one transaction: rows are
    /// merged by key with the stored ones, the result is checked as a whole (a commitment beyond its
    /// envelope, a rewritten status history… refuse everything), and only changed rows are written. The same
    /// content imported twice writes nothing.
    pub async fn import_portfolio<'a>(
        &self,
        (incoming, given): (&Portfolio, &Given),
        content_hash: &str,
        author: impl Into<Author<'a>>,
    ) -> Result<ImportOutcome> {
        let Some((mut tx, _, written)) = self
            .merge_import((incoming, given), content_hash, author.into())
            .await?
        else {
            return Ok(ImportOutcome::unchanged());
        };
        let outcome = ImportOutcome {
            notes: Vec::new(),
            unchanged: false,
            written,
        };
        record_import_run(&mut tx, "portfolio", content_hash, &outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// What importing `incoming` would do, without doing it: the same merge and checks as
    /// [`Store::import_portfolio`] against the portfolio as stored now, computed in memory (nothing is
    /// written, no lock is taken). Returns the rows it would write per table and the first `shown` of the
    /// changes it would audit (before → after); `None` when this content was imported before (applying it
    /// changes nothing).
    pub async fn preview_portfolio<'a>(
        &self,
        (incoming, given): (&Portfolio, &Given),
        content_hash: &str,
        author: impl Into<Author<'a>>,
        shown: i64,
    ) -> Result<Option<ImportPreview>> {
        let author = author.into();
        let (read, read_at) = self.portfolio_before_lock().await?;
        let mut tx = self.begin_read().await?;
        if already_imported(&mut tx, "portfolio", content_hash).await? {
            return Ok(None);
        }
        let version: i64 = sqlx::query_scalar("SELECT portfolio_version FROM data_version")
            .fetch_one(&mut *tx)
            .await?;
        let stored = self
            .portfolio_up_to_date(&mut tx, Some((read, read_at)), version)
            .await?;
        tx.commit().await?;
        let current = &stored.portfolio;
        let merged = checked_merge(current, (incoming, given), author.profile)?;
        let drawn = merged.drawn_envelopes();
        let c = changes(current, &merged, &drawn);
        // Unknown territories are refused by the database when applying; the preview names them first.
        let registry = self.snapshot().await?;
        let known: HashSet<(&str, &str)> = registry
            .registry
            .territories
            .iter()
            .map(|t| (t.phase.as_str(), t.id.as_str()))
            .collect();
        let unknown: Vec<String> = c
            .projects
            .iter()
            .flat_map(|(_, p)| {
                p.territories
                    .iter()
                    .filter(|t| !known.contains(&(p.phase.slug(), t.as_str())))
                    .map(move |t| {
                        format!(
                            "projet {} : territoire « {t} » inconnu en {}",
                            p.code,
                            p.phase.label()
                        )
                    })
            })
            .collect();
        if !unknown.is_empty() {
            // One line per problem, as the whole check tells them.
            return Err(StoreError::Invalid(DomainError::Rule(unknown.join("\n"))));
        }
        let at = now();
        let changes = audited(&c)
            .take(usize::try_from(shown).unwrap_or(0))
            .enumerate()
            .map(
                |(i, (entity, entity_key, before, after))| crate::AuditEntry {
                    id: i as i64 + 1,
                    at: at.clone(),
                    actor: author.actor.to_owned(),
                    action: "import_portfolio".into(),
                    entity: entity.into(),
                    entity_key,
                    before_json: before.map(|v| v.to_string()),
                    after_json: Some(after.to_string()),
                },
            )
            .collect();
        Ok(Some(ImportPreview {
            written: written(&c),
            changes,
            changed: audited_count(&c) as i64,
        }))
    }

    /// The common part of an import and its preview: under the writers' lock, merges `incoming` into the
    /// stored portfolio and writes it, uncommitted. Returns the transaction, the last audit entry before
    /// the import's, and the rows written per table; `None` when this content was imported before.
    async fn merge_import(
        &self,
        (incoming, given): (&Portfolio, &Given),
        content_hash: &str,
        author: Author<'_>,
    ) -> Result<Option<(crate::WriteTx, i64, Vec<(String, u64)>)>> {
        let (read, read_at) = self.portfolio_before_lock().await?;
        let mut tx = self.begin_write().await?;
        if already_imported(&mut tx, "portfolio", content_hash).await? {
            return Ok(None);
        }
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM audit_log")
            .fetch_one(&mut **tx)
            .await?;
        let changed_in = lock_portfolio(&mut tx).await?;
        let written = self
            .merge_and_write(
                &mut tx,
                changed_in,
                (read, read_at),
                (incoming, given),
                (author, "import_portfolio"),
            )
            .await?;
        Ok(Some((tx, last, written)))
    }

    /// Merges `incoming` into the stored portfolio (`read` at a version, brought up to date under the
    /// writers' lock, which the caller holds: `changed_in` is its data version), checks the whole result,
    /// and writes what changed, audited as `(author, action)`. A user's rows that would change a record
    /// out of their profile's scope refuse the whole write, every one named: judged here, against what is
    /// stored under the lock, so that no row changed meanwhile slips through as "unchanged".
    async fn merge_and_write(
        &self,
        tx: &mut Transaction<'_, Any>,
        changed_in: i64,
        (read, read_at): (Arc<StoredPortfolio>, i64),
        (incoming, given): (&Portfolio, &Given),
        (author, action): (Author<'_>, &str),
    ) -> Result<Vec<(String, u64)>> {
        let now: i64 = sqlx::query_scalar("SELECT portfolio_version FROM data_version")
            .fetch_one(&mut **tx)
            .await?;
        let stored = self
            .portfolio_up_to_date(tx, Some((read, read_at)), now)
            .await?;
        let current = &stored.portfolio;
        let merged = checked_merge(current, (incoming, given), author.profile)?;
        let drawn = merged.drawn_envelopes();
        let c = changes(current, &merged, &drawn);
        let written = persist(tx, &c, changed_in, author.actor, action).await?;
        if envelopes::moves_draws(&c) {
            envelopes::mark_all(tx, &merged).await?;
        }
        Ok(written)
    }

    /// The stored portfolio and the portfolio version it is at, read without the writers' lock (the read
    /// model's, shared, when this process has one): an import then only brings it up to date under the
    /// lock, so that a national import holds the other writers for what it changes, not for reading 50,000
    /// rows.
    async fn portfolio_before_lock(&self) -> Result<(Arc<StoredPortfolio>, i64)> {
        if let Some(model) = self.cached_portfolio() {
            return Ok((model.stored.clone(), model.version));
        }
        let mut tx = self.begin_read().await?;
        let version: i64 = sqlx::query_scalar("SELECT portfolio_version FROM data_version")
            .fetch_one(&mut *tx)
            .await?;
        let stored = load_portfolio(&mut tx).await?;
        tx.commit().await?;
        Ok((Arc::new(stored), version))
    }

    /// The stored portfolio at portfolio version `now`, read in `tx`: `read` (a portfolio read at some
    /// version) patched with the rows changed since, on the blocking pool, or the whole portfolio read
    /// when there is none or patching is not simpler. The one way both the read model and imports bring a
    /// portfolio up to date.
    pub(crate) async fn portfolio_up_to_date(
        &self,
        tx: &mut Transaction<'_, Any>,
        read: Option<(Arc<StoredPortfolio>, i64)>,
        now: i64,
    ) -> Result<Arc<StoredPortfolio>> {
        if let Some((read, read_at)) = read {
            if read_at == now {
                return Ok(read);
            }
            if let Some(changes) = changes_since(tx, read_at).await? {
                if let Some(patched) = self.compute(move || changes.apply(&read)).await? {
                    return Ok(Arc::new(patched));
                }
            }
        }
        tracing::debug!("portfolio read whole");
        self.cache
            .portfolio_loads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Arc::new(load_portfolio(tx).await?))
    }

    /// Records a project's status change, if `read_version` is still the project's version (otherwise
    /// someone changed it meanwhile and the user must reload), and the author may edit the project. Only
    /// the project is read and checked: a status touches nothing else.
    pub async fn record_project_status<'a>(
        &self,
        code: &str,
        read_version: i64,
        change: StatusChange,
        author: impl Into<Author<'a>>,
    ) -> Result<()> {
        let author = author.into();
        let mut tx = self.begin_write().await?;
        let changed_in = lock_portfolio(&mut tx).await?;
        let (mut projects, versions) = load_projects(&mut tx, Some(code)).await?;
        let (Some(project), Some(&version)) = (projects.pop(), versions.first()) else {
            return Err(StoreError::NotFound(format!("projet {code}")));
        };
        if let Some(profile) = author.profile.filter(|p| !p.may_edit_project(&project)) {
            return Err(StoreError::Forbidden(format!(
                "Votre profil ({}) ne permet pas de mettre à jour le projet {code}.",
                profile.label()
            )));
        }
        check_version(version, read_version, &format!("le projet {code}"))?;
        let mut next = project.clone();
        next.history.push(change);
        next.validate()?;
        next.check_not_future(crate::today())?;
        let c = Changes {
            projects: vec![(Some(&project), &next)],
            ..Changes::default()
        };
        persist(
            &mut tx,
            &c,
            changed_in,
            author.actor,
            "record_project_status",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a commitment, payment or cancellation on a funding line, under the same rules as imports
    /// and with the same optimistic concurrency as status changes, if the author may record the line's
    /// funding. Only what the line touches is read: the line (its project when a user's scope must be
    /// checked), and the other commitments of the envelope it draws on, under the portfolio's write lock so
    /// that two commitments on one envelope see each other.
    pub async fn record_line_event<'a>(
        &self,
        change: LineChange,
        author: impl Into<Author<'a>>,
    ) -> Result<()> {
        let author = author.into();
        let mut tx = self.begin_write().await?;
        let changed_in = lock_portfolio(&mut tx).await?;
        let row = line_row(&mut **tx, change.line_id)
            .await?
            .filter(|row: &LineRow| {
                change
                    .project
                    .as_deref()
                    .is_none_or(|p| p == row.project_code)
            })
            .ok_or_else(|| {
                StoreError::NotFound(format!("ligne de financement {}", change.line_id))
            })?;
        let version = row.version;
        let line = line_from(row)?;
        if let Some(profile) = author.profile {
            let (mut projects, _) = load_projects(&mut tx, Some(&line.project)).await?;
            let project = projects
                .pop()
                .ok_or_else(|| StoreError::NotFound(format!("projet {}", line.project)))?;
            if !profile.may_record_funding(&project, &line.funder) {
                let funder: String = sqlx::query_scalar("SELECT name FROM funders WHERE code = $1")
                    .bind(&line.funder)
                    .fetch_one(&mut **tx)
                    .await?;
                return Err(StoreError::Forbidden(format!(
                    "Votre profil ({}) ne permet pas d'enregistrer les financements de « {funder} » sur le projet {}.",
                    profile.label(),
                    line.project
                )));
            }
        }
        check_version(version, change.read_version, "la ligne de financement")?;
        let next = line.apply(change.event)?;
        next.check_not_future(crate::today())?;
        let drawn = envelopes::check_draw(&mut tx, &next, change.line_id).await?;
        let c = Changes {
            lines: vec![(Some(&line), &next, drawn.as_deref())],
            ..Changes::default()
        };
        persist(&mut tx, &c, changed_in, author.actor, "record_line_event").await?;
        tx.commit().await?;
        Ok(())
    }
}

fn check_version(current: i64, read: i64, what: &str) -> Result<()> {
    if current != read {
        return Err(StoreError::Conflict(format!(
            "{what} a été modifié par quelqu'un d'autre depuis votre lecture (version {read}, actuelle {current}) : rechargez la page"
        )));
    }
    Ok(())
}

/// A project as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectSummary {
    /// The project.
    pub project: Project,
    /// Status at the date asked.
    pub status: Option<territoires_domain::portfolio::project::ProjectStatus>,
    /// Its lines' amounts at the date; `None` when it has no funding line then (unknown, not zero).
    pub money: Option<territoires_domain::portfolio::funding::LineAmounts>,
    /// Names of its territories, in order.
    pub territory_names: Vec<String>,
}

/// A funding line as stored now, with its id and version (what the write API answers, and shows beside
/// a stale write in a conflict).
#[derive(Debug, Clone, Serialize)]
pub struct StoredLine {
    /// Database id.
    pub id: i64,
    /// Version: a write must send it back.
    pub version: i64,
    /// The line.
    pub line: FundingLine,
}

impl Store {
    /// The funding line of id `id`, as stored now.
    pub async fn funding_line(&self, id: i64) -> Result<Option<StoredLine>> {
        line_row(&self.pool, id)
            .await?
            .map(|r| {
                Ok(StoredLine {
                    id: r.id,
                    version: r.version,
                    line: line_from(r)?,
                })
            })
            .transpose()
    }
}

/// A funding line with what pages and exports show next to it.
#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    /// Database id (for forms).
    pub id: i64,
    /// Version (for forms).
    pub version: i64,
    /// The line.
    pub line: FundingLine,
    /// Funder name.
    pub funder_name: String,
    /// Funder kind.
    pub funder_kind: territoires_domain::portfolio::funding::FunderKind,
    /// Scheme name.
    pub scheme_name: Option<String>,
    /// Scheme specific to Territoires d'industrie.
    pub ti_specific: bool,
    /// Amounts at the date asked.
    pub as_of: territoires_domain::portfolio::funding::LineAmounts,
}

/// A project's page.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectDetail {
    /// The project, its status and money at the date.
    pub summary: ProjectSummary,
    /// Version (for forms).
    pub version: i64,
    /// Its lines.
    pub lines: Vec<LineView>,
}

impl StoreError {
    /// Maps a unique violation to a conflict with a fixed message.
    fn conflict_on_unique_store(err: StoreError, message: &str) -> StoreError {
        match err {
            StoreError::Database(e) => StoreError::conflict_on_unique(e, || message.to_owned()),
            e => e,
        }
    }
}
