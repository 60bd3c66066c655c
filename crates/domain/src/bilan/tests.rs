//! The engine on a small hand-made programme: figures follow the date, totals add up, shared projects
//! count once, and — for every figure, criterion and date — values, breakdowns, record lists and the
//! evolution agree.

use std::collections::BTreeMap;

use time::macros::date;
use time::Date;

use super::compute::Record;
use super::evolution::{evolution, SERIES};
use super::figures::{Criterion, FigureCode, Grouping, Value};
use super::frame::{Frame, Scope};
use super::report::bilan;
use super::situation::{Facts, Situation, TerritoryFacts};
use crate::ids::{RegionCode, TerritoryId};
use crate::money::Cents;
use crate::phase::Phase;
use crate::portfolio::funding::{Funder, FunderKind, FundingLine, Instrument, Scheme};
use crate::portfolio::index::PortfolioIndex;
use crate::portfolio::project::{Axis, Outcomes, Project, ProjectStatus, StatusChange};
use crate::portfolio::Portfolio;
use crate::registry::attributes::{Attribute, AttributeChange};
use crate::registry::milestone::{Milestone, MilestoneKind, Withdrawal};

fn portfolio() -> Portfolio {
    let project =
        |code: &str, territories: &[&str], history: Vec<StatusChange>, jobs: Option<i64>| Project {
            not_yet_public: false,
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
                jobs_created: jobs,
                ..Outcomes::default()
            },
            measured: Outcomes::default(),
            history,
            source: String::new(),
        };
    let prep = |on| {
        vec![StatusChange {
            status: ProjectStatus::InPreparation,
            on,
        }]
    };
    let line =
        |project: &str, funder: &str, scheme: Option<&str>, committed: i64, on: Date| FundingLine {
            first_paid_on: None,
            payment_terms: None,
            project: project.into(),
            funder: funder.into(),
            scheme: scheme.map(str::to_owned),
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
    let mut paid = line("DC", "r44", None, 150, date!(2019 - 12 - 01));
    paid.paid = Some(Cents::euros(100));
    paid.paid_on = Some(date!(2020 - 03 - 01));
    let mut cancelled = line("LATER", "bpi", Some("fa"), 80, date!(2021 - 02 - 01));
    cancelled.requested_on = date!(2021 - 01 - 15);
    cancelled.cancelled_on = Some(date!(2021 - 06 - 01));
    Portfolio {
        funders: vec![
            Funder {
                siret: None,
                code: "bpi".into(),
                name: "Bpifrance".into(),
                kind: FunderKind::Operator,
            },
            Funder {
                siret: None,
                code: "r44".into(),
                name: "Région Grand Est".into(),
                kind: FunderKind::Region,
            },
        ],
        schemes: vec![Scheme {
            details: Default::default(),
            eu_notified: None,
            code: "fa".into(),
            name: "Fonds d'accélération".into(),
            funder: "bpi".into(),
            ti_specific: true,
        }],
        envelopes: vec![],
        projects: vec![
            project(
                "GHOST",
                &["ti-4411", "ti-3201"],
                prep(date!(2019 - 11 - 19)),
                Some(10),
            ),
            project("DC", &["ti-4401"], prep(date!(2019 - 11 - 19)), None),
            project(
                "LATER",
                &["ti-4401"],
                vec![
                    StatusChange {
                        status: ProjectStatus::InPreparation,
                        on: date!(2021 - 01 - 01),
                    },
                    StatusChange {
                        status: ProjectStatus::Engaged,
                        on: date!(2021 - 02 - 01),
                    },
                ],
                Some(5),
            ),
            project("BARE", &["ti-4406"], prep(date!(2020 - 05 - 01)), None),
        ],
        lines: vec![
            line("GHOST", "bpi", Some("fa"), 300, date!(2020 - 01 - 01)),
            line("GHOST", "r44", None, 200, date!(2020 - 01 - 01)),
            paid,
            cancelled,
        ],
    }
}

fn signed(on: Date) -> Vec<Milestone> {
    vec![Milestone::on(MilestoneKind::ContractSigned, on)]
}

fn with_facts<T>(f: impl FnOnce(&Facts<'_>) -> T) -> T {
    let p = portfolio();
    let m1 = signed(date!(2019 - 11 - 19));
    let mut late_label = vec![Milestone::on(
        MilestoneKind::Labelled,
        date!(2019 - 09 - 24),
    )];
    let mut wrong = Milestone::on(MilestoneKind::GovernanceInstalled, date!(2019 - 10 - 01));
    wrong.withdrawal = Some(Withdrawal {
        on: date!(2020 - 02 - 01),
        reason: "erreur de saisie".into(),
    });
    late_label.push(wrong);
    let none: Vec<Milestone> = vec![];
    let fragile = [AttributeChange {
        attribute: Attribute::Fragile,
        present: true,
        on: date!(2019 - 09 - 01),
        note: String::new(),
        source: String::new(),
        withdrawal: None,
    }];
    let territory = |id, name, region, milestones| TerritoryFacts {
        id,
        name,
        region,
        milestones,
        appointments: &[],
        attributes: &[],
        posts: &[],
    };
    let territories = [
        territory("ti-4401", "Nord Alsace", "44", &m1),
        TerritoryFacts {
            attributes: &fragile,
            ..territory("ti-4411", "Terres de Lorraine", "44", &m1)
        },
        territory("ti-4406", "Moselle Est", "44", &late_label),
        territory("ti-3201", "Flandre", "32", &none),
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
        index: &PortfolioIndex::new(&p),
        region_names: &names,
    })
}

fn at(scope: Scope, on: Date) -> Frame {
    Frame::at(Phase::First, scope, on)
}

fn value(b: &super::report::Bilan, f: FigureCode) -> Option<i64> {
    b.value(f).value
}

#[test]
fn before_the_phase_nothing_is_known() {
    with_facts(|facts| {
        let b = bilan(facts, &at(Scope::France, date!(2018 - 06 - 01)));
        assert!(!b.started);
        assert!(
            b.figures.iter().all(|f| f.value == Value::UNKNOWN),
            "no zero stands for unknown"
        );
        assert!(b.tables.is_empty());
    });
}

#[test]
fn the_denominator_follows_labelling() {
    with_facts(|facts| {
        let b = bilan(facts, &at(Scope::France, date!(2019 - 01 - 01)));
        assert_eq!(
            value(&b, FigureCode::Territories),
            Some(3),
            "ti-4406 is labelled in September"
        );
        assert_eq!(value(&b, FigureCode::TerritoriesUncertain), Some(3));
        let b = bilan(facts, &at(Scope::France, date!(2019 - 10 - 01)));
        assert_eq!(value(&b, FigureCode::Territories), Some(4));
        assert_eq!(
            value(&b, FigureCode::TerritoriesUncertain),
            Some(3),
            "ti-4406's date is exact"
        );
        assert_eq!(value(&b, FigureCode::GovernanceInstalled), Some(1));
        assert_eq!(value(&b, FigureCode::TerritoriesWithoutMilestone), Some(3));
        assert_eq!(value(&b, FigureCode::Fragile), Some(1));
        assert_eq!(b.announced.map(|a| a.territories), Some(144));
    });
}

#[test]
fn a_withdrawn_milestone_stops_counting_from_its_withdrawal() {
    with_facts(|facts| {
        let before = bilan(facts, &at(Scope::France, date!(2020 - 01 - 31)));
        let after = bilan(facts, &at(Scope::France, date!(2020 - 02 - 01)));
        assert_eq!(value(&before, FigureCode::GovernanceInstalled), Some(3));
        assert_eq!(value(&after, FigureCode::GovernanceInstalled), Some(2));
    });
}

#[test]
fn figures_follow_the_date() {
    with_facts(|facts| {
        let before = bilan(facts, &at(Scope::France, date!(2019 - 11 - 18)));
        assert_eq!(value(&before, FigureCode::ActionPlansValidated), Some(0));
        assert_eq!(value(&before, FigureCode::Projects), Some(0));
        assert_eq!(
            value(&before, FigureCode::Committed),
            None,
            "no line: unknown, not 0 €"
        );
        let after = bilan(facts, &at(Scope::France, date!(2020 - 06 - 30)));
        assert_eq!(value(&after, FigureCode::ActionPlansValidated), Some(2));
        assert_eq!(value(&after, FigureCode::Projects), Some(3));
        assert_eq!(value(&after, FigureCode::ProjectsEngagedByState), Some(1));
        assert_eq!(value(&after, FigureCode::ProjectsWithCommitment), Some(2));
        assert_eq!(value(&after, FigureCode::ProjectsUnknownFunding), Some(1));
        assert_eq!(
            value(&after, FigureCode::Committed),
            Some(Cents::euros(650).0)
        );
        assert_eq!(value(&after, FigureCode::Paid), Some(Cents::euros(100).0));
        assert_eq!(
            value(&after, FigureCode::CommittedTiSpecific),
            Some(Cents::euros(300).0)
        );
        assert_eq!(
            after.value(FigureCode::JobsCreatedExpected),
            Value {
                value: Some(10),
                basis: 1
            }
        );
        assert_eq!(after.value(FigureCode::JobsCreatedMeasured), Value::UNKNOWN);
    });
}

#[test]
fn flows_count_what_happened_in_the_period() {
    with_facts(|facts| {
        let mut f = at(Scope::France, date!(2019 - 11 - 19));
        f.since = Some(date!(2019 - 11 - 19));
        let b = bilan(facts, &f);
        assert_eq!(value(&b, FigureCode::SignaturesInPeriod), Some(2));
        assert_eq!(value(&b, FigureCode::NewProjectsInPeriod), Some(2));
        let mut f = at(Scope::France, date!(2021 - 12 - 31));
        f.since = Some(date!(2021 - 01 - 01));
        let b = bilan(facts, &f);
        assert_eq!(
            value(&b, FigureCode::CommittedInPeriod),
            Some(Cents::euros(80).0)
        );
        assert_eq!(
            value(&b, FigureCode::CancelledInPeriod),
            Some(Cents::euros(80).0)
        );
        assert_eq!(value(&b, FigureCode::ProjectsEngagedInPeriod), Some(1));
        assert_eq!(value(&b, FigureCode::SignaturesInPeriod), Some(0));
        let stock_only = bilan(facts, &at(Scope::France, date!(2021 - 12 - 31)));
        assert!(stock_only.figures.iter().all(|f| !f.figure.is_flow()));
    });
}

#[test]
fn totals_by_funder_and_kind_add_up_to_the_total() {
    with_facts(|facts| {
        let b = bilan(facts, &at(Scope::France, date!(2022 - 01 - 01)));
        let committed = value(&b, FigureCode::Committed).unwrap();
        for g in [Grouping::Funder, Grouping::FunderKind, Grouping::Scheme] {
            let t = b.table(g).unwrap();
            let col = t
                .columns
                .iter()
                .position(|c| *c == FigureCode::Committed)
                .unwrap();
            let sum: i64 = t.rows.iter().filter_map(|r| r.values[col].value).sum();
            assert_eq!(sum, committed, "{g:?}");
        }
        assert_eq!(
            b.table(Grouping::Funder).unwrap().rows[0].label,
            "Région Grand Est"
        );
    });
}

#[test]
fn a_shared_project_counts_once_in_totals_and_in_each_region() {
    with_facts(|facts| {
        let b = bilan(facts, &at(Scope::France, date!(2022 - 01 - 01)));
        assert_eq!(value(&b, FigureCode::Projects), Some(4));
        let regions = b.table(Grouping::Region).unwrap();
        let projects = regions
            .columns
            .iter()
            .position(|c| *c == FigureCode::Projects)
            .unwrap();
        let row = |k: &str| regions.rows.iter().find(|r| r.key == k).unwrap();
        assert_eq!(
            (
                row("44").values[projects].value,
                row("32").values[projects].value
            ),
            (Some(4), Some(1))
        );
        let hdf = bilan(
            facts,
            &at(
                Scope::Region(RegionCode::parse("32").unwrap()),
                date!(2022 - 01 - 01),
            ),
        );
        assert_eq!(value(&hdf, FigureCode::Projects), Some(1));
        assert_eq!(value(&hdf, FigureCode::Territories), Some(1));
        assert_eq!(
            value(&hdf, FigureCode::Committed),
            Some(Cents::euros(500).0)
        );
        let territory = bilan(
            facts,
            &at(
                Scope::Territory(TerritoryId::parse("ti-4401").unwrap()),
                date!(2022 - 01 - 01),
            ),
        );
        assert_eq!(value(&territory, FigureCode::Projects), Some(2));
        assert_eq!(
            value(&territory, FigureCode::Committed),
            Some(Cents::euros(150).0)
        );
    });
}

#[test]
fn a_scheme_filter_keeps_its_projects_and_lines() {
    with_facts(|facts| {
        let mut f = at(Scope::France, date!(2020 - 06 - 30));
        f.scheme = Some("fa".into());
        let b = bilan(facts, &f);
        assert_eq!(value(&b, FigureCode::Projects), Some(1));
        assert_eq!(value(&b, FigureCode::Committed), Some(Cents::euros(300).0));
    });
}

/// Every frame of the checks below: scopes × dates × with and without period.
fn frames() -> Vec<Frame> {
    let mut out = Vec::new();
    for scope in [
        Scope::France,
        Scope::Region(RegionCode::parse("44").unwrap()),
        Scope::Territory(TerritoryId::parse("ti-4411").unwrap()),
    ] {
        for on in [
            date!(2018 - 06 - 01),
            date!(2019 - 11 - 19),
            date!(2020 - 01 - 15),
            date!(2021 - 03 - 01),
            date!(2023 - 01 - 01),
        ] {
            out.push(at(scope.clone(), on));
            out.push(Frame {
                since: Some(date!(2019 - 01 - 01)),
                ..at(scope.clone(), on.max(date!(2019 - 01 - 01)))
            });
        }
    }
    out
}

fn sum(records: &[Record]) -> i64 {
    records.iter().map(Record::weight).sum()
}

#[test]
fn every_value_is_the_sum_of_its_records_and_every_row_the_value_of_its_criterion() {
    with_facts(|facts| {
        for frame in frames() {
            let s = Situation::new(facts, &frame);
            let b = bilan(facts, &frame);
            for fv in &b.figures {
                let (records, _) = s.records(fv.figure, &Criterion::all());
                assert_eq!(
                    fv.value.basis,
                    records.len() as i64,
                    "{:?} {frame:?}",
                    fv.figure
                );
                if let Some(v) = fv.value.value {
                    assert_eq!(v, sum(&records), "{:?} {frame:?}", fv.figure);
                }
            }
            for table in &b.tables {
                for row in &table.rows {
                    let criterion = Criterion::of(table.grouping, row.key.clone());
                    for (figure, v) in table.columns.iter().zip(&row.values) {
                        assert_eq!(
                            *v,
                            s.value(*figure, &criterion),
                            "{figure:?} {:?}={} {frame:?}",
                            table.grouping,
                            row.key
                        );
                    }
                }
            }
        }
    });
}

#[test]
fn the_evolution_is_the_bilan_at_every_date() {
    with_facts(|facts| {
        for frame in frames().into_iter().filter(|f| f.since.is_none()) {
            let series = evolution(facts, &frame);
            assert_eq!(series.len(), SERIES.len());
            let mut days: Vec<Date> = series
                .iter()
                .flat_map(|s| s.steps.iter().map(|p| p.on))
                .collect();
            days.extend([date!(2018 - 11 - 21), date!(2019 - 06 - 30), frame.as_of]);
            days.sort();
            days.dedup();
            for day in days.into_iter().filter(|d| *d <= frame.as_of) {
                let b = bilan(
                    facts,
                    &Frame {
                        as_of: day,
                        ..frame.clone()
                    },
                );
                for s in &series {
                    assert_eq!(
                        s.value_on(day),
                        b.value(s.figure).value,
                        "{:?} on {day} {frame:?}",
                        s.figure
                    );
                }
            }
        }
    });
}

#[test]
fn the_evolution_to_a_date_is_the_evolution_to_the_horizon_cut_at_that_date() {
    with_facts(|facts| {
        for frame in frames().into_iter().filter(|f| f.since.is_none()) {
            let horizon = Frame {
                as_of: frame.phase.horizon(),
                ..frame.clone()
            };
            let full = evolution(facts, &horizon);
            for day in [
                date!(2018 - 01 - 01),
                date!(2018 - 11 - 22),
                date!(2019 - 06 - 30),
                frame.as_of,
            ] {
                let cut: Vec<_> = full.iter().map(|s| s.until(day)).collect();
                let direct = evolution(
                    facts,
                    &Frame {
                        as_of: day,
                        ..frame.clone()
                    },
                );
                assert_eq!(cut, direct, "{day} {frame:?}");
            }
        }
    });
}

#[test]
fn a_count_of_data_nobody_gave_is_unknown_not_zero() {
    with_facts(|facts| {
        let hdf = bilan(
            facts,
            &at(
                Scope::Region(RegionCode::parse("32").unwrap()),
                date!(2019 - 06 - 01),
            ),
        );
        assert_eq!(value(&hdf, FigureCode::Territories), Some(1));
        assert_eq!(
            value(&hdf, FigureCode::GovernanceInstalled),
            None,
            "no milestone recorded in the scope: unknown"
        );
        assert_eq!(
            value(&hdf, FigureCode::TerritoriesWithoutMilestone),
            Some(1)
        );
        assert_eq!(
            value(&hdf, FigureCode::ProjectLeadsInPost),
            None,
            "no post recorded: unknown"
        );
        assert_eq!(
            value(&hdf, FigureCode::Fragile),
            None,
            "no fragility recorded: unknown"
        );
        let ge = bilan(
            facts,
            &at(
                Scope::Region(RegionCode::parse("44").unwrap()),
                date!(2020 - 06 - 01),
            ),
        );
        assert_eq!(value(&ge, FigureCode::Fragile), Some(1));
        let bare = bilan(
            facts,
            &at(
                Scope::Territory(TerritoryId::parse("ti-4406").unwrap()),
                date!(2020 - 06 - 01),
            ),
        );
        assert_eq!(value(&bare, FigureCode::Projects), Some(1));
        assert_eq!(
            value(&bare, FigureCode::ProjectsEngagedByState),
            None,
            "a project without any funding line: whether it is engaged is unknown"
        );
    });
}
