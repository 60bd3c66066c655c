//! The indicator engine: the programme's figures for any scope (France, a region, a territory) as of any
//! date, computed from the histories and funding lines and nothing else.
//!
//! Amounts are never typed in: they are sums of funding lines read as of the date, so a past bilan is
//! reproducible and requested, committed and paid stay apart. A project shared by several territories is
//! counted once in every total, and once in each breakdown row it belongs to (breakdowns by territory or
//! region may therefore add up to more than the total; bilans say so).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::Date;

use crate::funding::{FunderKind, LineAmounts};
use crate::ids::{RegionCode, TerritoryId};
use crate::milestone::{Milestone, Progress, ProgressCounts, Stage};
use crate::money::Cents;
use crate::phase::Phase;
use crate::portfolio::Portfolio;
use crate::project::{Axis, ProjectStatus};
use crate::DomainError;

/// What a bilan covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The whole programme.
    France,
    /// The territories attached to a region, and their projects.
    Region(RegionCode),
    /// One territory and its projects.
    Territory(TerritoryId),
}

impl FromStr for Scope {
    type Err = DomainError;

    /// Reads `france`, `region:44` or `territoire:ti-4401`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || s == "france" {
            return Ok(Scope::France);
        }
        if let Some(code) = s.strip_prefix("region:") {
            return Ok(Scope::Region(RegionCode::parse(code)?));
        }
        if let Some(id) = s.strip_prefix("territoire:") {
            return Ok(Scope::Territory(TerritoryId::parse(id)?));
        }
        Err(DomainError::Invalid {
            field: "perimetre",
            value: s.to_owned(),
            expected: "france, region:CODE ou territoire:ti-RRNN",
        })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::France => f.write_str("france"),
            Scope::Region(r) => write!(f, "region:{r}"),
            Scope::Territory(t) => write!(f, "territoire:{t}"),
        }
    }
}

impl Scope {
    fn includes_territory(&self, id: &str, region: &str) -> bool {
        match self {
            Scope::France => true,
            Scope::Region(r) => r.as_str() == region,
            Scope::Territory(t) => t.as_str() == id,
        }
    }
}

/// A labelled territory as the engine needs it.
#[derive(Debug, Clone, Copy)]
pub struct TerritoryFacts<'a> {
    /// ANCT id.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Region of attachment.
    pub region: &'a str,
    /// Its milestones.
    pub milestones: &'a [Milestone],
}

/// Everything a bilan is computed from, for one phase.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The phase.
    pub phase: Phase,
    /// The phase's territories.
    pub territories: &'a [TerritoryFacts<'a>],
    /// The portfolio (all phases: only the phase's projects are read).
    pub portfolio: &'a Portfolio,
    /// Region names by code.
    pub region_names: &'a BTreeMap<String, String>,
}

/// Counts of projects at a date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ProjectCounts {
    /// Recorded (a status exists at the date), abandoned included.
    pub recorded: i64,
    /// With at least one commitment in force from the State or one of its operators.
    pub engaged_by_state: i64,
    /// With at least one commitment in force from any funder.
    pub with_commitment: i64,
    /// Realised.
    pub completed: i64,
    /// Abandoned.
    pub abandoned: i64,
    /// Recorded without any funding line requested yet: their funding is unknown.
    pub without_funding_line: i64,
}

/// Sums of outcomes, with how many projects gave a value (a sum over 3 projects out of 40 is not a
/// programme-wide figure, and the bilan says so).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeTotals {
    /// Jobs created.
    pub jobs_created: i64,
    /// Jobs kept.
    pub jobs_kept: i64,
    /// Industrial investment.
    pub investment: Cents,
    /// tCO2e avoided per year.
    pub tco2e_avoided: i64,
    /// Hectares of brownfield requalified.
    pub brownfield_hectares: i64,
    /// Projects that gave at least one value.
    pub projects_with_values: i64,
}

impl OutcomeTotals {
    fn add(&mut self, o: &crate::project::Outcomes) {
        self.jobs_created += o.jobs_created.unwrap_or(0);
        self.jobs_kept += o.jobs_kept.unwrap_or(0);
        self.investment += o.investment.unwrap_or_default();
        self.tco2e_avoided += o.tco2e_avoided.unwrap_or(0);
        self.brownfield_hectares += o.brownfield_hectares.unwrap_or(0);
        let any = o.jobs_created.is_some()
            || o.jobs_kept.is_some()
            || o.investment.is_some()
            || o.tco2e_avoided.is_some()
            || o.brownfield_hectares.is_some();
        self.projects_with_values += i64::from(any);
    }
}

/// Money of a set of lines as of the date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Money {
    /// Requested.
    pub requested: Cents,
    /// Committed, in force.
    pub committed: Cents,
    /// Paid.
    pub paid: Cents,
}

impl Money {
    fn add(&mut self, a: LineAmounts) {
        self.requested += a.requested;
        self.committed += a.committed;
        self.paid += a.paid;
    }
}

/// One funder's part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunderTotal {
    /// Funder code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: FunderKind,
    /// Its money.
    pub money: Money,
    /// Projects it committed to.
    pub projects: i64,
}

/// One axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AxisTotal {
    /// The axis.
    pub axis: Axis,
    /// Projects on it.
    pub projects: i64,
    /// Their money.
    pub money: Money,
}

/// One region's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionTotal {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Territories attached and their progress.
    pub progress: ProgressCounts,
    /// Projects carried by at least one of them.
    pub projects: i64,
    /// Their money.
    pub money: Money,
}

/// One territory's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerritoryTotal {
    /// ANCT id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region of attachment.
    pub region: String,
    /// Progress at the date.
    pub progress: Progress,
    /// Projects it carries (alone or with others).
    pub projects: i64,
    /// Their money.
    pub money: Money,
}

/// An envelope and how much of it is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvelopeUse {
    /// Envelope code.
    pub code: String,
    /// Scheme name.
    pub scheme: String,
    /// Region, or `None` for national.
    pub region: Option<String>,
    /// Amount.
    pub amount: Cents,
    /// Committed in force at the date, over all the envelope's projects.
    pub committed: Cents,
}

/// The figures of a scope at a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bilan {
    /// Phase.
    pub phase: Phase,
    /// Scope, as `france`, `region:44` or `territoire:ti-4401`.
    pub scope: String,
    /// Date.
    pub as_of: Date,
    /// Territories' progress.
    pub territories: ProgressCounts,
    /// Projects.
    pub projects: ProjectCounts,
    /// Projects by status at the date.
    pub by_status: Vec<(ProjectStatus, i64)>,
    /// All lines of the scope's projects.
    pub money: Money,
    /// Committed on schemes specific to Territoires d'industrie.
    pub committed_ti_specific: Cents,
    /// Committed on general-law credits (other schemes, or none).
    pub committed_general_law: Cents,
    /// By funder, largest commitment first.
    pub by_funder: Vec<FunderTotal>,
    /// By kind of funder.
    pub by_funder_kind: Vec<(FunderKind, Money)>,
    /// By axis of the phase.
    pub by_axis: Vec<AxisTotal>,
    /// By region (every region with a territory of the phase in scope).
    pub by_region: Vec<RegionTotal>,
    /// By territory in scope.
    pub by_territory: Vec<TerritoryTotal>,
    /// Envelopes of the scope (regional envelopes of its regions, and national ones).
    pub envelopes: Vec<EnvelopeUse>,
    /// Expected outcomes of the recorded projects.
    pub expected: OutcomeTotals,
    /// Measured outcomes of the realised projects.
    pub measured: OutcomeTotals,
}

/// One point of the evolution chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EvolutionPoint {
    /// Date.
    pub on: Date,
    /// Territories with governance installed.
    pub governance_installed: i64,
    /// Territories with a validated action plan.
    pub action_plan_validated: i64,
    /// Projects recorded.
    pub projects: i64,
    /// Projects engaged by the State.
    pub engaged_by_state: i64,
    /// Committed.
    pub committed: Cents,
    /// Paid.
    pub paid: Cents,
}

/// Positions (in the portfolio) of the phase's projects carried by at least one territory of the scope,
/// whatever their status: the rows behind a bilan's project figures.
pub fn projects_in_scope(facts: &Facts<'_>, scope: &Scope) -> Vec<usize> {
    let territory_region: HashMap<&str, &str> =
        facts.territories.iter().map(|t| (t.id, t.region)).collect();
    facts
        .portfolio
        .projects
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.phase == facts.phase
                && p.territories.iter().any(|t| {
                    // A territory unknown to the registry still has its region in its id.
                    let region = territory_region
                        .get(t.as_str())
                        .copied()
                        .unwrap_or(&t.as_str()[3..5]);
                    scope.includes_territory(t.as_str(), region)
                })
        })
        .map(|(i, _)| i)
        .collect()
}

/// Computes the bilan of `scope` as of `as_of`.
pub fn bilan(facts: &Facts<'_>, scope: &Scope, as_of: Date) -> Bilan {
    let portfolio = facts.portfolio;
    let territory_region: HashMap<&str, &str> =
        facts.territories.iter().map(|t| (t.id, t.region)).collect();

    let mut territories = ProgressCounts::default();
    let mut by_region: BTreeMap<String, RegionTotal> = BTreeMap::new();
    let mut by_territory: BTreeMap<&str, TerritoryTotal> = BTreeMap::new();
    for t in facts
        .territories
        .iter()
        .filter(|t| scope.includes_territory(t.id, t.region))
    {
        let progress = Progress::as_of(t.milestones, as_of);
        territories.add(progress);
        region_row(&mut by_region, facts, t.region)
            .progress
            .add(progress);
        by_territory.insert(
            t.id,
            TerritoryTotal {
                id: t.id.to_owned(),
                name: t.name.to_owned(),
                region: t.region.to_owned(),
                progress,
                projects: 0,
                money: Money::default(),
            },
        );
    }

    // Projects of the phase in scope that exist at the date, by code.
    let mut in_scope: HashMap<&str, usize> = HashMap::new();
    let mut projects = ProjectCounts::default();
    let mut status_counts: BTreeMap<ProjectStatus, i64> = BTreeMap::new();
    let mut expected = OutcomeTotals::default();
    let mut measured = OutcomeTotals::default();
    for i in projects_in_scope(facts, scope) {
        let p = &portfolio.projects[i];
        let Some(status) = p.status_as_of(as_of) else {
            continue;
        };
        in_scope.insert(p.code.as_str(), i);
        projects.recorded += 1;
        projects.completed += i64::from(status == ProjectStatus::Completed);
        projects.abandoned += i64::from(status == ProjectStatus::Abandoned);
        *status_counts.entry(status).or_default() += 1;
        expected.add(&p.expected);
        if status == ProjectStatus::Completed {
            measured.add(&p.measured);
        }
    }

    let funders: HashMap<&str, &crate::funding::Funder> = portfolio
        .funders
        .iter()
        .map(|f| (f.code.as_str(), f))
        .collect();
    let ti_specific: HashMap<&str, bool> = portfolio
        .schemes
        .iter()
        .map(|s| (s.code.as_str(), s.ti_specific))
        .collect();
    let mut money = Money::default();
    let mut committed_ti_specific = Cents::ZERO;
    let mut by_funder: BTreeMap<&str, (Money, Vec<usize>)> = BTreeMap::new();
    let mut project_money: HashMap<usize, Money> = HashMap::new();
    let mut state_engaged: HashMap<usize, bool> = HashMap::new();
    let mut any_commitment: HashMap<usize, bool> = HashMap::new();
    let mut with_line: HashMap<usize, bool> = HashMap::new();
    for line in &portfolio.lines {
        let Some(&p) = in_scope.get(line.project.as_str()) else {
            continue;
        };
        let amounts = line.as_of(as_of);
        if line.requested_on > as_of {
            continue;
        }
        with_line.insert(p, true);
        money.add(amounts);
        project_money.entry(p).or_default().add(amounts);
        let funder = by_funder.entry(line.funder.as_str()).or_default();
        funder.0.add(amounts);
        if amounts.committed > Cents::ZERO {
            funder.1.push(p);
            any_commitment.insert(p, true);
            if funders
                .get(line.funder.as_str())
                .is_some_and(|f| f.kind.is_state_group())
            {
                state_engaged.insert(p, true);
            }
            if line
                .scheme
                .as_deref()
                .is_some_and(|s| ti_specific.get(s).copied().unwrap_or(false))
            {
                committed_ti_specific += amounts.committed;
            }
        }
    }
    projects.engaged_by_state = state_engaged.len() as i64;
    projects.with_commitment = any_commitment.len() as i64;
    projects.without_funding_line = projects.recorded - with_line.len() as i64;

    let mut by_funder_kind: BTreeMap<FunderKind, Money> = BTreeMap::new();
    let mut by_funder: Vec<FunderTotal> = by_funder
        .into_iter()
        .map(|(code, (m, mut committed_projects))| {
            committed_projects.sort_unstable();
            committed_projects.dedup();
            let (name, kind) = funders
                .get(code)
                .map(|f| (f.name.clone(), f.kind))
                .unwrap_or_else(|| (code.to_owned(), FunderKind::Private));
            let k = by_funder_kind.entry(kind).or_default();
            k.requested += m.requested;
            k.committed += m.committed;
            k.paid += m.paid;
            FunderTotal {
                code: code.to_owned(),
                name,
                kind,
                money: m,
                projects: committed_projects.len() as i64,
            }
        })
        .collect();
    by_funder.sort_by(|a, b| {
        b.money
            .committed
            .cmp(&a.money.committed)
            .then(a.name.cmp(&b.name))
    });

    let mut by_axis: Vec<AxisTotal> = facts
        .phase
        .axes()
        .iter()
        .map(|&axis| AxisTotal {
            axis,
            projects: 0,
            money: Money::default(),
        })
        .collect();
    for &i in in_scope.values() {
        let p = &portfolio.projects[i];
        let m = project_money.get(&i).copied().unwrap_or_default();
        for axis in &p.axes {
            if let Some(row) = by_axis.iter_mut().find(|a| a.axis == *axis) {
                row.projects += 1;
                add_money(&mut row.money, m);
            }
        }
        let mut regions: Vec<&str> = Vec::new();
        for t in &p.territories {
            if let Some(row) = by_territory.get_mut(t.as_str()) {
                row.projects += 1;
                add_money(&mut row.money, m);
            }
            let region = territory_region
                .get(t.as_str())
                .copied()
                .unwrap_or(&t.as_str()[3..5]);
            if !regions.contains(&region) && scope.includes_territory(t.as_str(), region) {
                regions.push(region);
            }
        }
        for region in regions {
            let row = region_row(&mut by_region, facts, region);
            row.projects += 1;
            add_money(&mut row.money, m);
        }
    }

    let scope_regions: Vec<&str> = by_region.keys().map(String::as_str).collect();
    let use_at_date = envelope_use_as_of(portfolio, as_of);
    let scheme_names: HashMap<&str, &str> = portfolio
        .schemes
        .iter()
        .map(|s| (s.code.as_str(), s.name.as_str()))
        .collect();
    let envelopes = portfolio
        .envelopes
        .iter()
        .filter(|e| e.starts_on <= as_of)
        .filter(|e| {
            e.region
                .as_ref()
                .is_none_or(|r| scope_regions.contains(&r.as_str()))
        })
        .map(|e| EnvelopeUse {
            code: e.code.clone(),
            scheme: scheme_names
                .get(e.scheme.as_str())
                .copied()
                .unwrap_or(&e.scheme)
                .to_owned(),
            region: e.region.as_ref().map(|r| r.to_string()),
            amount: e.amount,
            committed: use_at_date
                .get(e.code.as_str())
                .copied()
                .unwrap_or_default(),
        })
        .collect();

    Bilan {
        phase: facts.phase,
        scope: scope.to_string(),
        as_of,
        territories,
        projects,
        by_status: ProjectStatus::ALL
            .iter()
            .map(|s| (*s, status_counts.get(s).copied().unwrap_or(0)))
            .collect(),
        money,
        committed_ti_specific,
        committed_general_law: money.committed - committed_ti_specific,
        by_funder,
        by_funder_kind: by_funder_kind.into_iter().collect(),
        by_axis,
        by_region: by_region.into_values().collect(),
        by_territory: by_territory.into_values().collect(),
        envelopes,
        expected,
        measured,
    }
}

fn add_money(into: &mut Money, m: Money) {
    into.requested += m.requested;
    into.committed += m.committed;
    into.paid += m.paid;
}

fn region_row<'m>(
    rows: &'m mut BTreeMap<String, RegionTotal>,
    facts: &Facts<'_>,
    code: &str,
) -> &'m mut RegionTotal {
    rows.entry(code.to_owned()).or_insert_with(|| RegionTotal {
        code: code.to_owned(),
        name: facts
            .region_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned()),
        progress: ProgressCounts::default(),
        projects: 0,
        money: Money::default(),
    })
}

/// Committed in force on each envelope as of `date`.
fn envelope_use_as_of(portfolio: &Portfolio, date: Date) -> HashMap<&str, Cents> {
    let regions: HashMap<&str, Option<RegionCode>> = portfolio
        .projects
        .iter()
        .map(|p| (p.code.as_str(), crate::portfolio::project_region(p)))
        .collect();
    let mut used: HashMap<&str, Cents> = HashMap::new();
    for l in &portfolio.lines {
        let (Some(scheme), Some(on)) = (l.scheme.as_deref(), l.committed_on) else {
            continue;
        };
        let region = regions.get(l.project.as_str()).cloned().flatten();
        if let Some(e) =
            crate::funding::envelope_for(&portfolio.envelopes, scheme, region.as_ref(), on)
        {
            *used.entry(e.code.as_str()).or_default() += l.as_of(date).committed;
        }
    }
    used
}

/// The evolution of the key figures at each date given (typically quarter ends up to the bilan's date).
/// Scope membership does not depend on the date, so it is resolved once; each point then reads the
/// histories and lines as of its date, exactly as [`bilan`] does.
pub fn evolution(facts: &Facts<'_>, scope: &Scope, dates: &[Date]) -> Vec<EvolutionPoint> {
    let portfolio = facts.portfolio;
    let territories: Vec<&TerritoryFacts<'_>> = facts
        .territories
        .iter()
        .filter(|t| scope.includes_territory(t.id, t.region))
        .collect();
    let projects: HashMap<&str, usize> = projects_in_scope(facts, scope)
        .into_iter()
        .map(|i| (portfolio.projects[i].code.as_str(), i))
        .collect();
    let state_group: HashMap<&str, bool> = portfolio
        .funders
        .iter()
        .map(|f| (f.code.as_str(), f.kind.is_state_group()))
        .collect();
    let lines: Vec<(usize, bool, &crate::funding::FundingLine)> = portfolio
        .lines
        .iter()
        .filter_map(|l| {
            let p = *projects.get(l.project.as_str())?;
            Some((
                p,
                state_group.get(l.funder.as_str()).copied().unwrap_or(false),
                l,
            ))
        })
        .collect();
    let mut engaged = vec![false; portfolio.projects.len()];
    dates
        .iter()
        .map(|&on| {
            let mut point = EvolutionPoint {
                on,
                governance_installed: 0,
                action_plan_validated: 0,
                projects: 0,
                engaged_by_state: 0,
                committed: Cents::ZERO,
                paid: Cents::ZERO,
            };
            for t in &territories {
                let progress = Progress::as_of(t.milestones, on);
                point.governance_installed +=
                    i64::from(progress.reached(Stage::GovernanceInstalled));
                point.action_plan_validated +=
                    i64::from(progress.reached(Stage::ActionPlanValidated));
            }
            let existing: Vec<bool> = portfolio
                .projects
                .iter()
                .map(|p| projects.contains_key(p.code.as_str()) && p.status_as_of(on).is_some())
                .collect();
            point.projects = existing.iter().filter(|e| **e).count() as i64;
            engaged.iter_mut().for_each(|e| *e = false);
            for &(p, state, l) in &lines {
                if !existing[p] {
                    continue;
                }
                let amounts = l.as_of(on);
                point.committed += amounts.committed;
                point.paid += amounts.paid;
                if state && amounts.committed > Cents::ZERO {
                    engaged[p] = true;
                }
            }
            point.engaged_by_state = engaged.iter().filter(|e| **e).count() as i64;
            point
        })
        .collect()
}

/// Quarter ends from the phase's start to `until`, and `until` itself: the dates of an evolution chart.
pub fn quarter_ends(phase: Phase, until: Date) -> Vec<Date> {
    let mut dates = Vec::new();
    let (mut year, mut quarter) = match phase {
        Phase::First => (2018, 4),
        Phase::Second => (2023, 4),
    };
    loop {
        let (month, day) = match quarter {
            1 => (time::Month::March, 31),
            2 => (time::Month::June, 30),
            3 => (time::Month::September, 30),
            _ => (time::Month::December, 31),
        };
        let d = Date::from_calendar_date(year, month, day).expect("quarter end");
        if d >= until {
            break;
        }
        dates.push(d);
        if quarter == 4 {
            year += 1;
            quarter = 1;
        } else {
            quarter += 1;
        }
    }
    dates.push(until);
    dates
}

/// The stages a bilan reports on, with their definitions, in order.
pub fn stage_definitions() -> [(Stage, &'static str); 4] {
    [
        (Stage::GovernanceInstalled, "Binôme élu–industriel, comité de projet et chef de projet en place à la date (ou étape ultérieure atteinte)."),
        (Stage::ActionPlanDrafted, "Plan d'actions rédigé par le territoire, validé ou non."),
        (Stage::ActionPlanValidated, "Plan d'actions validé par le conseil régional, ou protocole/contrat signé (qui le suppose)."),
        (Stage::AgreementSigned, "Protocole d'accord ou contrat de Territoire d'industrie signé."),
    ]
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::funding::{Funder, FundingLine, Instrument};
    use crate::milestone::{DatePrecision, MilestoneKind};
    use crate::project::{Outcomes, Project, StatusChange};

    fn signed(on: Date) -> Vec<Milestone> {
        vec![Milestone {
            kind: MilestoneKind::ContractSigned,
            occurred_on: on,
            precision: DatePrecision::Exact,
            note: String::new(),
            source: String::new(),
        }]
    }

    fn portfolio() -> Portfolio {
        let project = |code: &str, territories: &[&str], status_on: Date| Project {
            code: code.into(),
            phase: Phase::First,
            territories: territories
                .iter()
                .map(|t| TerritoryId::parse(t).unwrap())
                .collect(),
            title: code.into(),
            description: String::new(),
            axes: vec![Axis::Innovate, Axis::Recruit],
            themes: vec![],
            holder: None,
            total_cost: None,
            expected: Outcomes {
                jobs_created: Some(10),
                ..Outcomes::default()
            },
            measured: Outcomes::default(),
            history: vec![StatusChange {
                status: ProjectStatus::InPreparation,
                on: status_on,
            }],
            source: String::new(),
        };
        let line = |project: &str, funder: &str, committed: i64, on: Date| FundingLine {
            project: project.into(),
            funder: funder.into(),
            scheme: None,
            instrument: Instrument::Grant,
            decision_reference: format!("{project}-{funder}"),
            requested: Cents::euros(committed),
            requested_on: date!(2019 - 01 - 01),
            committed: Some(Cents::euros(committed)),
            committed_on: Some(on),
            paid: None,
            paid_on: None,
            cancelled_on: None,
            over_request_allowed: false,
        };
        Portfolio {
            funders: vec![
                Funder {
                    code: "bpi".into(),
                    name: "Bpifrance".into(),
                    kind: FunderKind::Operator,
                },
                Funder {
                    code: "r44".into(),
                    name: "Région Grand Est".into(),
                    kind: FunderKind::Region,
                },
            ],
            schemes: vec![],
            envelopes: vec![],
            projects: vec![
                project("GHOST", &["ti-4411", "ti-3201"], date!(2019 - 11 - 19)),
                project("DC", &["ti-4401"], date!(2019 - 11 - 19)),
                project("LATER", &["ti-4401"], date!(2021 - 01 - 01)),
            ],
            lines: vec![
                line("GHOST", "bpi", 300, date!(2020 - 01 - 01)),
                line("GHOST", "r44", 200, date!(2020 - 01 - 01)),
                line("DC", "r44", 150, date!(2019 - 12 - 01)),
            ],
        }
    }

    fn with_facts<T>(f: impl FnOnce(&Facts<'_>) -> T) -> T {
        let p = portfolio();
        let m1 = signed(date!(2019 - 11 - 19));
        let none: Vec<Milestone> = vec![];
        let territories = [
            TerritoryFacts {
                id: "ti-4401",
                name: "Nord Alsace",
                region: "44",
                milestones: &m1,
            },
            TerritoryFacts {
                id: "ti-4411",
                name: "Terres de Lorraine",
                region: "44",
                milestones: &m1,
            },
            TerritoryFacts {
                id: "ti-4406",
                name: "Moselle Est",
                region: "44",
                milestones: &none,
            },
            TerritoryFacts {
                id: "ti-3201",
                name: "Flandre",
                region: "32",
                milestones: &none,
            },
        ];
        let names: BTreeMap<String, String> = [
            ("44".to_owned(), "Grand Est".to_owned()),
            ("32".to_owned(), "Hauts-de-France".to_owned()),
        ]
        .into();
        f(&Facts {
            phase: Phase::First,
            territories: &territories,
            portfolio: &p,
            region_names: &names,
        })
    }

    #[test]
    fn figures_follow_the_date() {
        with_facts(|facts| {
            let before = bilan(facts, &Scope::France, date!(2019 - 11 - 18));
            assert_eq!(before.territories.action_plan_validated, 0);
            assert_eq!(before.projects.recorded, 0);
            let after = bilan(facts, &Scope::France, date!(2020 - 06 - 30));
            assert_eq!(after.territories.action_plan_validated, 2);
            assert_eq!(after.projects.recorded, 2);
            assert_eq!(after.projects.engaged_by_state, 1);
            assert_eq!(after.projects.with_commitment, 2);
            assert_eq!(after.money.committed, Cents::euros(650));
            assert_eq!(after.expected.jobs_created, 20);
        });
    }

    #[test]
    fn totals_by_funder_and_kind_add_up_to_the_total() {
        with_facts(|facts| {
            let b = bilan(facts, &Scope::France, date!(2022 - 01 - 01));
            let by_funder: Cents = b.by_funder.iter().map(|f| f.money.committed).sum();
            let by_kind: Cents = b.by_funder_kind.iter().map(|(_, m)| m.committed).sum();
            assert_eq!(by_funder, b.money.committed);
            assert_eq!(by_kind, b.money.committed);
            assert_eq!(b.by_funder[0].name, "Région Grand Est");
        });
    }

    #[test]
    fn a_shared_project_counts_once_in_totals_and_in_each_region() {
        with_facts(|facts| {
            let b = bilan(facts, &Scope::France, date!(2022 - 01 - 01));
            assert_eq!(b.projects.recorded, 3);
            let ge = b.by_region.iter().find(|r| r.code == "44").unwrap();
            let hdf = b.by_region.iter().find(|r| r.code == "32").unwrap();
            assert_eq!((ge.projects, hdf.projects), (3, 1));
            assert_eq!(hdf.money.committed, Cents::euros(500));
            let hdf_only = bilan(
                facts,
                &Scope::Region(RegionCode::parse("32").unwrap()),
                date!(2022 - 01 - 01),
            );
            assert_eq!(hdf_only.projects.recorded, 1);
            assert_eq!(hdf_only.territories.territories, 1);
            assert_eq!(
                hdf_only
                    .by_axis
                    .iter()
                    .find(|a| a.axis == Axis::Innovate)
                    .unwrap()
                    .projects,
                1
            );
        });
    }

    #[test]
    fn a_territory_scope_reads_its_own_projects() {
        with_facts(|facts| {
            let b = bilan(
                facts,
                &Scope::Territory(TerritoryId::parse("ti-4401").unwrap()),
                date!(2022 - 01 - 01),
            );
            assert_eq!(b.territories.territories, 1);
            assert_eq!(b.projects.recorded, 2);
            assert_eq!(b.projects.without_funding_line, 1);
            assert_eq!(b.money.committed, Cents::euros(150));
        });
    }

    #[test]
    fn evolution_agrees_with_the_bilan_at_each_date() {
        with_facts(|facts| {
            let dates = quarter_ends(Phase::First, date!(2020 - 02 - 15));
            assert_eq!(dates.first(), Some(&date!(2018 - 12 - 31)));
            assert_eq!(dates.last(), Some(&date!(2020 - 02 - 15)));
            for scope in [
                Scope::France,
                Scope::Region(RegionCode::parse("32").unwrap()),
            ] {
                let points = evolution(facts, &scope, &dates);
                assert_eq!(points.len(), dates.len());
                for point in &points {
                    let b = bilan(facts, &scope, point.on);
                    assert_eq!(point.committed, b.money.committed);
                    assert_eq!(point.paid, b.money.paid);
                    assert_eq!(point.projects, b.projects.recorded);
                    assert_eq!(point.engaged_by_state, b.projects.engaged_by_state);
                    assert_eq!(
                        point.action_plan_validated,
                        b.territories.action_plan_validated
                    );
                }
            }
            let points = evolution(facts, &Scope::France, &dates);
            assert!(points.windows(2).all(|w| w[0].committed <= w[1].committed));
            assert_eq!(points.last().unwrap().committed, Cents::euros(650));
        });
    }

    #[test]
    fn scopes_parse() {
        assert_eq!(
            "region:44".parse::<Scope>().unwrap(),
            Scope::Region(RegionCode::parse("44").unwrap())
        );
        assert_eq!("".parse::<Scope>().unwrap(), Scope::France);
        assert!("departement:51"
            .parse::<Scope>()
            .unwrap_err()
            .to_string()
            .contains("region:CODE"));
    }
}
