//! Storage tests, each run on a fresh SQLite database and a fresh PostgreSQL database.

use territoires_domain::fr::parse_date;
use territoires_domain::ids::{CommuneCode, DepartementCode, RegionCode, Siren, TerritoryId};
use territoires_domain::map::Contour;
use territoires_domain::phase::Phase;
use territoires_domain::registry::governance::{Appointment, Role};
use territoires_domain::registry::milestone::{Milestone, MilestoneKind, RecordKind, Withdrawal};
use territoires_domain::registry::posts::ProjectLeadPost;
use territoires_domain::registry::progress::Stage;
use territoires_domain::registry::referential::{
    Commune, Departement, Grouping, GroupingNature, Referential, Region,
};
use territoires_domain::registry::territory::{LabelledTerritory, PerimeterMember};
use territoires_store::registry::history::{HistoryRecord, TerritoryRecord};
use territoires_store::registry::posts::PostRecord;
use territoires_store::registry::referential::{PlaceFilter, PlaceKey};
use territoires_store::registry::territories::TerritoryQuery;
use territoires_store::{testing, Store, StoreError};
use time::Date;

fn d(s: &str) -> Date {
    parse_date("date", s).unwrap()
}

fn commune(
    code: &str,
    name: &str,
    dep: &str,
    region: &str,
    siren: &str,
    population: i64,
) -> Commune {
    Commune {
        code: CommuneCode::parse(code).unwrap(),
        name: name.into(),
        departement: DepartementCode::parse(dep).unwrap(),
        region: RegionCode::parse(region).unwrap(),
        siren: Some(Siren::parse(siren).unwrap()),
        population: Some(population),
    }
}

fn grouping(siren: &str, name: &str, members: &[&str]) -> Grouping {
    Grouping {
        siren: Siren::parse(siren).unwrap(),
        name: name.into(),
        nature: GroupingNature::CC,
        members: members
            .iter()
            .map(|c| CommuneCode::parse(c).unwrap())
            .collect(),
    }
}

/// A small referential: Grand Est (44) and Hauts-de-France (32), three EPCIs, six communes.
fn referential() -> Referential {
    Referential {
        millesime: 2026,
        regions: vec![
            Region {
                code: RegionCode::parse("44").unwrap(),
                name: "Grand Est".into(),
            },
            Region {
                code: RegionCode::parse("32").unwrap(),
                name: "Hauts-de-France".into(),
            },
        ],
        departements: vec![
            Departement {
                code: DepartementCode::parse("51").unwrap(),
                region: RegionCode::parse("44").unwrap(),
                name: "Marne".into(),
            },
            Departement {
                code: DepartementCode::parse("08").unwrap(),
                region: RegionCode::parse("44").unwrap(),
                name: "Ardennes".into(),
            },
            Departement {
                code: DepartementCode::parse("02").unwrap(),
                region: RegionCode::parse("32").unwrap(),
                name: "Aisne".into(),
            },
        ],
        communes: vec![
            commune("51230", "Épernay", "51", "44", "215102305", 22000),
            commune("51612", "Sézanne", "51", "44", "215106124", 5000),
            commune(
                "08105",
                "Charleville-Mézières",
                "08",
                "44",
                "210801059",
                46000,
            ),
            commune("08409", "Sedan", "08", "44", "210804095", 16000),
            commune("02691", "Saint-Quentin", "02", "32", "210206911", 53000),
            commune("02722", "Soissons", "02", "32", "210207224", 28000),
        ],
        groupings: vec![
            grouping(
                "200067684",
                "CA Épernay, Coteaux et Plaine de Champagne",
                &["51230", "51612"],
            ),
            grouping("200041630", "Ardenne Métropole", &["08105", "08409"]),
            grouping("200071892", "CA du Saint-Quentinois", &["02691"]),
        ],
    }
}

fn territory(phase: Phase, id: &str, name: &str, members: &[&str]) -> LabelledTerritory {
    LabelledTerritory {
        phase,
        id: TerritoryId::parse(id).unwrap(),
        name: name.into(),
        members: members
            .iter()
            .map(|s| PerimeterMember {
                siren: Siren::parse(s).unwrap(),
                label: String::new(),
            })
            .collect(),
        contour: Some(Contour {
            overview_path: "M0 0L1 0L1 1Z".into(),
            overview_bbox: [0.0, 0.0, 1.0, 1.0],
            detail_path: "M0 0L1000 0L1000 1000Z".into(),
            detail_height: 1000.0,
            geometry: r#"{"type":"MultiPolygon","coordinates":[]}"#.into(),
        }),
    }
}

/// Phase 1: Epernay (one EPCI), Ardennes + Aisne (two regions), plus Soissons as a single commune.
fn first_phase() -> Vec<LabelledTerritory> {
    vec![
        territory(
            Phase::First,
            "ti-4405",
            "Epernay - Bassin sézannais",
            &["200067684"],
        ),
        territory(
            Phase::First,
            "ti-4407",
            "Nord Est Ardenne",
            &["200041630", "200071892", "210207224"],
        ),
    ]
}

async fn loaded(store: &Store) {
    store
        .import_referential(&referential(), &[], "ref-1", "test")
        .await
        .unwrap();
    store
        .import_territories(
            Phase::First,
            &first_phase(),
            d("2020-01-01"),
            "p1-1",
            "test",
        )
        .await
        .unwrap();
    store
        .import_territories(
            Phase::Second,
            &[territory(
                Phase::Second,
                "ti-4410",
                "Pays d'Epernay",
                &["200067684"],
            )],
            d("2024-01-01"),
            "p2-1",
            "test",
        )
        .await
        .unwrap();
}

fn milestone(phase: Phase, id: &str, kind: MilestoneKind, on: &str) -> TerritoryRecord {
    TerritoryRecord {
        phase,
        territory_id: id.into(),
        record: HistoryRecord::Milestone(Milestone {
            source: "test".into(),
            ..Milestone::on(kind, d(on))
        }),
        origin: "test".into(),
    }
}

fn query(phase: Option<Phase>, as_of: &str) -> TerritoryQuery {
    TerritoryQuery {
        phase,
        limit: 100,
        ..TerritoryQuery::all(d(as_of))
    }
}

#[tokio::test]
async fn importing_the_same_referential_twice_changes_nothing() {
    for t in testing::all().await {
        let s = &t.store;
        let first = s
            .import_referential(&referential(), &[], "hash-a", "test")
            .await
            .unwrap();
        assert!(!first.unchanged, "{}", t.label);
        assert!(
            first.written.contains(&("communes".to_owned(), 6)),
            "{}: {:?}",
            t.label,
            first.written
        );
        let second = s
            .import_referential(&referential(), &[], "hash-a", "test")
            .await
            .unwrap();
        assert!(second.unchanged, "{}", t.label);
        let page = s
            .communes(&PlaceFilter {
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.total, 6, "{}", t.label);
        let audit = s.audit_log(10).await.unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|e| e.action == "import_referential")
                .count(),
            1,
            "{}",
            t.label
        );
        assert_eq!(
            s.current_millesime().await.unwrap(),
            Some(2026),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn territories_need_the_referential_and_known_sirens() {
    for t in testing::all().await {
        let s = &t.store;
        let err = s
            .import_territories(Phase::First, &first_phase(), d("2020-01-01"), "x", "test")
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Precondition(ref m) if m.contains("référentiel")),
            "{}: {err}",
            t.label
        );

        s.import_referential(&referential(), &[], "ref", "test")
            .await
            .unwrap();
        let mut bad = first_phase();
        bad[1].members.push(PerimeterMember {
            siren: Siren::parse("999999999").unwrap(),
            label: "Inconnu".into(),
        });
        let err = s
            .import_territories(Phase::First, &bad, d("2020-01-01"), "bad", "test")
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("ti-4407 : SIREN 999999999 (Inconnu) absent du référentiel"),
            "{}: {err}",
            t.label
        );
        let listed = s.territories(&query(None, "2030-01-01")).await.unwrap();
        assert_eq!(
            listed.total, 0,
            "{}: a refused import writes nothing",
            t.label
        );
    }
}

#[tokio::test]
async fn coverage_is_derived_from_perimeters() {
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let ardenne = s.territory(Phase::First, "ti-4407").await.unwrap().unwrap();
        assert_eq!(ardenne.territory.commune_count, 4, "{}", t.label);
        assert_eq!(
            ardenne.territory.population,
            46000 + 16000 + 53000 + 28000,
            "{}",
            t.label
        );
        let regions: Vec<&str> = ardenne
            .areas
            .iter()
            .map(|a| a.region_code.as_str())
            .collect();
        assert!(
            regions.contains(&"44") && regions.contains(&"32"),
            "{}: spans two regions: {regions:?}",
            t.label
        );
        let soissons = ardenne
            .members
            .iter()
            .find(|m| m.siren == "210207224")
            .unwrap();
        assert_eq!(soissons.nature.as_deref(), Some("COM"), "{}", t.label);

        let coverage = s.coverage().await.unwrap();
        let p1 = &coverage[&Phase::First];
        assert_eq!(
            (p1.territories, p1.epcis, p1.single_communes, p1.communes),
            (2, 3, 1, 6),
            "{}",
            t.label
        );
        assert_eq!(p1.population, 170_000, "{}", t.label);

        // A region filter finds a territory through any of its communes.
        let mut q = query(Some(Phase::First), "2030-01-01");
        q.region = Some("32".into());
        let in_hdf = s.territories(&q).await.unwrap();
        assert_eq!(
            in_hdf
                .items
                .iter()
                .map(|i| i.territory.id.as_str())
                .collect::<Vec<_>>(),
            ["ti-4407"],
            "{}",
            t.label
        );

        // Lineage: the phase-2 territory shares Épernay's communes.
        let epernay = s.territory(Phase::First, "ti-4405").await.unwrap().unwrap();
        assert_eq!(epernay.related.len(), 1, "{}", t.label);
        assert_eq!(
            (
                epernay.related[0].id.as_str(),
                epernay.related[0].shared_communes
            ),
            ("ti-4410", 2),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn search_ignores_accents_and_case() {
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let mut q = query(None, "2030-01-01");
        q.q = Some("EPERNAY".into());
        let found = s.territories(&q).await.unwrap();
        assert_eq!(found.total, 2, "{}", t.label);
        q.q = Some("sézannais".into());
        assert_eq!(s.territories(&q).await.unwrap().total, 1, "{}", t.label);
        let communes = s
            .communes(&PlaceFilter {
                q: Some("epernay".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(communes.items[0].name, "Épernay", "{}", t.label);
        let epcis = s
            .groupings(&PlaceFilter {
                q: Some("ardenne".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(epcis.total, 1, "{}", t.label);
        // An EPCI is in a region or département when one of its communes is.
        let ardenne = &epcis.items[0].siren;
        let within = |region: Option<&str>, departement: Option<&str>| PlaceFilter {
            region: region.map(str::to_owned),
            departement: departement.map(str::to_owned),
            limit: 2_000,
            ..Default::default()
        };
        let in_grand_est = s.groupings(&within(Some("44"), None)).await.unwrap();
        assert!(
            in_grand_est.items.iter().any(|g| &g.siren == ardenne),
            "{}",
            t.label
        );
        assert_eq!(in_grand_est.total as usize, in_grand_est.items.len());
        let in_ardennes = s.groupings(&within(None, Some("08"))).await.unwrap();
        assert!(in_ardennes.items.iter().any(|g| &g.siren == ardenne));
        let in_aisne = s.groupings(&within(None, Some("02"))).await.unwrap();
        assert!(!in_aisne.items.iter().any(|g| &g.siren == ardenne));
        assert!(in_aisne.total > 0, "{}", t.label);
    }
}

#[tokio::test]
async fn a_perimeter_change_is_a_new_version_not_an_edit() {
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let again = s
            .import_territories(
                Phase::First,
                &first_phase(),
                d("2021-06-01"),
                "p1-1",
                "test",
            )
            .await
            .unwrap();
        assert!(again.unchanged, "{}", t.label);

        let mut changed = first_phase();
        changed[1]
            .members
            .retain(|m| m.siren.as_str() != "200071892");
        let outcome = s
            .import_territories(Phase::First, &changed, d("2021-06-01"), "p1-2", "test")
            .await
            .unwrap();
        assert!(
            outcome
                .written
                .contains(&("perimeters_changed".to_owned(), 1)),
            "{}: {:?}",
            t.label,
            outcome.written
        );
        let ardenne = s.territory(Phase::First, "ti-4407").await.unwrap().unwrap();
        let left = ardenne
            .members
            .iter()
            .find(|m| m.siren == "200071892")
            .unwrap();
        assert_eq!(
            (left.valid_from.as_str(), left.valid_to.as_deref()),
            ("2018-11-22", Some("2021-06-01")),
            "{}",
            t.label
        );
        assert_eq!(
            ardenne.territory.commune_count, 3,
            "{}: Saint-Quentin left",
            t.label
        );
        let audit = s.audit_log(50).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "change_perimeter" && e.entity_key == "2018-2022/ti-4407"),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn progress_is_read_as_of_any_date() {
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let history = [
            milestone(
                Phase::First,
                "ti-4405",
                MilestoneKind::GovernanceInstalled,
                "2019-03-01",
            ),
            milestone(
                Phase::First,
                "ti-4405",
                MilestoneKind::ContractSigned,
                "2019-11-19",
            ),
            milestone(
                Phase::First,
                "ti-4407",
                MilestoneKind::ActionPlanValidated,
                "2020-02-01",
            ),
        ];
        s.import_history(&history, "h1", "test").await.unwrap();

        let stage_of = |items: &[territoires_store::registry::territories::TerritoryListItem],
                        id: &str| {
            items
                .iter()
                .find(|i| i.territory.id == id)
                .unwrap()
                .progress
                .stage
        };
        let before = s
            .territories(&query(Some(Phase::First), "2019-11-18"))
            .await
            .unwrap();
        assert_eq!(
            stage_of(&before.items, "ti-4405"),
            Stage::GovernanceInstalled,
            "{}",
            t.label
        );
        assert_eq!(
            stage_of(&before.items, "ti-4407"),
            Stage::Labelled,
            "{}: on the phase's list, labelled, nothing recorded yet",
            t.label
        );
        let after = s
            .territories(&query(Some(Phase::First), "2020-12-31"))
            .await
            .unwrap();
        assert_eq!(
            stage_of(&after.items, "ti-4405"),
            Stage::AgreementSigned,
            "{}",
            t.label
        );
        assert_eq!(
            stage_of(&after.items, "ti-4407"),
            Stage::ActionPlanValidated,
            "{}",
            t.label
        );

        let figures = s
            .phase_figures(Phase::First, d("2019-11-19"))
            .await
            .unwrap();
        let ge = figures.regions.iter().find(|r| r.code == "44").unwrap();
        assert_eq!(
            (ge.attached, ge.progress.action_plan_validated),
            (2, 1),
            "{}",
            t.label
        );
        let later = s
            .phase_figures(Phase::First, d("2020-02-01"))
            .await
            .unwrap();
        assert_eq!(later.progress.action_plan_validated, 2, "{}", t.label);

        let mut only_signed = query(Some(Phase::First), "2020-12-31");
        only_signed.stage = Some(Stage::AgreementSigned);
        assert_eq!(
            s.territories(&only_signed).await.unwrap().total,
            1,
            "{}",
            t.label
        );

        // Phase 2 territories carry their national labelling from the list import.
        let p2 = s
            .territories(&query(Some(Phase::Second), "2023-11-09"))
            .await
            .unwrap();
        assert_eq!(p2.items[0].progress.stage, Stage::Labelled, "{}", t.label);
        let p2_before = s
            .territories(&query(Some(Phase::Second), "2023-11-08"))
            .await
            .unwrap();
        assert_eq!(
            p2_before.items[0].progress.stage,
            Stage::Identified,
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn a_bad_line_refuses_the_whole_history_file() {
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let records = [
            milestone(
                Phase::First,
                "ti-4405",
                MilestoneKind::GovernanceInstalled,
                "2019-03-01",
            ),
            milestone(
                Phase::First,
                "ti-4499",
                MilestoneKind::GovernanceInstalled,
                "2019-03-01",
            ),
        ];
        let err = s.import_history(&records, "h", "test").await.unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound(ref m) if m.contains("ti-4499")),
            "{}: {err}",
            t.label
        );
        let milestones = s
            .territory(Phase::First, "ti-4405")
            .await
            .unwrap()
            .unwrap()
            .milestones;
        assert!(milestones.is_empty(), "{}: nothing written", t.label);
    }
}

#[tokio::test]
async fn the_same_fact_cannot_be_recorded_twice_even_concurrently() {
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let record = milestone(
            Phase::First,
            "ti-4405",
            MilestoneKind::ActionPlanValidated,
            "2019-06-01",
        );
        let (a, b) = tokio::join!(s.record(&record, "alice"), s.record(&record, "bob"));
        let conflicts = [&a, &b]
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict(_))))
            .count();
        assert_eq!(
            (a.is_ok() as u8 + b.is_ok() as u8, conflicts),
            (1, 1),
            "{}: {a:?} {b:?}",
            t.label
        );
        let milestones = s
            .territory(Phase::First, "ti-4405")
            .await
            .unwrap()
            .unwrap()
            .milestones;
        assert_eq!(milestones.len(), 1, "{}", t.label);
        let audit = s.audit_log(50).await.unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|e| e.action == "record_milestone")
                .count(),
            1,
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn a_post_is_completed_never_rewritten_even_by_concurrent_closings() {
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let post = |employer: &str, closed: Option<&str>| PostRecord {
            phase: Phase::First,
            territory_id: "ti-4405".into(),
            post: ProjectLeadPost {
                employer: employer.into(),
                opened_on: d("2020-09-01"),
                closed_on: closed.map(d),
                cofundings: Vec::new(),
                source: String::new(),
            },
            origin: "formulaire".into(),
        };
        assert!(
            s.record_post(&post("PETR", None), "alice").await.unwrap(),
            "{}",
            t.label
        );
        assert!(
            !s.record_post(&post("PETR", None), "alice").await.unwrap(),
            "{}: the same post again writes nothing",
            t.label
        );
        let other = s.record_post(&post("CCI", None), "bob").await;
        assert!(
            matches!(other, Err(StoreError::Conflict(_))),
            "{}: {other:?}",
            t.label
        );

        let (june, december) = (
            post("PETR", Some("2022-06-30")),
            post("PETR", Some("2022-12-31")),
        );
        let (a, b) = tokio::join!(
            s.record_post(&june, "alice"),
            s.record_post(&december, "bob")
        );
        let conflicts = [&a, &b]
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict(_))))
            .count();
        assert_eq!(
            (a.is_ok() as u8 + b.is_ok() as u8, conflicts),
            (1, 1),
            "{}: {a:?} {b:?}",
            t.label
        );
        let posts = s
            .territory(Phase::First, "ti-4405")
            .await
            .unwrap()
            .unwrap()
            .posts;
        assert_eq!(posts.len(), 1, "{}", t.label);
        assert!(posts[0].closed_on.is_some(), "{}", t.label);
        let audited = s
            .audit_log(50)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "record_post")
            .count();
        assert_eq!(audited, 2, "{}: the opening and one closing", t.label);
    }
}

#[tokio::test]
async fn a_withdrawn_milestone_stops_counting_from_its_withdrawal_and_stays_in_the_history() {
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let wrong = milestone(
            Phase::First,
            "ti-4405",
            MilestoneKind::ActionPlanValidated,
            "2019-06-01",
        );
        s.record(&wrong, "alice").await.unwrap();
        let stage = |on: &'static str| async move {
            s.territories(&query(Some(Phase::First), on))
                .await
                .unwrap()
                .items
                .into_iter()
                .find(|i| i.territory.id == "ti-4405")
                .unwrap()
                .progress
                .stage
        };
        assert_eq!(
            stage("2020-01-01").await,
            Stage::ActionPlanValidated,
            "{}",
            t.label
        );
        let id = s
            .territory(Phase::First, "ti-4405")
            .await
            .unwrap()
            .unwrap()
            .milestones[0]
            .0;
        let withdrawal = Withdrawal {
            on: d("2020-02-01"),
            reason: "saisi sur le mauvais territoire".into(),
        };
        s.withdraw(
            Phase::First,
            "ti-4405",
            RecordKind::Milestone,
            id,
            &withdrawal,
            "bob",
        )
        .await
        .unwrap();
        assert_eq!(
            stage("2020-01-31").await,
            Stage::ActionPlanValidated,
            "{}: the bilans published before stay reproducible",
            t.label
        );
        assert_eq!(stage("2020-02-01").await, Stage::Labelled, "{}", t.label);
        let history = s
            .territory(Phase::First, "ti-4405")
            .await
            .unwrap()
            .unwrap()
            .milestones;
        assert_eq!(history.len(), 1, "{}: nothing deleted", t.label);
        assert_eq!(
            history[0].1.withdrawal,
            Some(withdrawal.clone()),
            "{}",
            t.label
        );
        let entry = &s.audit_log(1).await.unwrap()[0];
        assert_eq!(
            (entry.action.as_str(), entry.actor.as_str()),
            ("withdraw_milestone", "bob"),
            "{}",
            t.label
        );
        assert!(
            entry
                .before_json
                .as_deref()
                .unwrap()
                .contains(r#""kind":"action_plan_validated","note":"","occurred_on":"2019-06-01""#),
            "{}",
            t.label
        );
        let twice = s
            .withdraw(
                Phase::First,
                "ti-4405",
                RecordKind::Milestone,
                id,
                &withdrawal,
                "bob",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(twice, StoreError::Conflict(_)),
            "{}: {twice}",
            t.label
        );
        // The correct fact can be recorded again, the same day even.
        s.record(&wrong, "alice").await.unwrap();
        let history = s
            .territory(Phase::First, "ti-4405")
            .await
            .unwrap()
            .unwrap()
            .milestones;
        assert_eq!(history.len(), 2, "{}", t.label);
        let future = milestone(
            Phase::First,
            "ti-4405",
            MilestoneKind::ContractSigned,
            "2099-01-01",
        );
        let err = s.record(&future, "alice").await.unwrap_err();
        assert!(err.to_string().contains("prévu"), "{}: {err}", t.label);
    }
}

#[tokio::test]
async fn governance_history_round_trips() {
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let appoint = |person: Option<&str>, on: &str| TerritoryRecord {
            phase: Phase::Second,
            territory_id: "ti-4410".into(),
            record: HistoryRecord::Appointment(Appointment {
                role: Role::ChefDeProjet,
                person: person.map(str::to_owned),
                organisation: "CA Épernay".into(),
                started_on: d(on),
                withdrawal: None,
            }),
            origin: "test".into(),
        };
        s.record(&appoint(Some("Camille Durand"), "2024-01-15"), "test")
            .await
            .unwrap();
        s.record(&appoint(None, "2025-03-01"), "test")
            .await
            .unwrap();
        let appointments: Vec<Appointment> = s
            .territory(Phase::Second, "ti-4410")
            .await
            .unwrap()
            .unwrap()
            .appointments
            .into_iter()
            .map(|(_, a)| a)
            .collect();
        assert_eq!(appointments.len(), 2, "{}", t.label);
        assert_eq!(
            appointments[0].person.as_deref(),
            Some("Camille Durand"),
            "{}",
            t.label
        );
        assert_eq!(appointments[1].person, None, "{}", t.label);
        let seats = territoires_domain::registry::governance::governance_as_of(
            &appointments,
            d("2024-06-01"),
        );
        assert_eq!(seats[0].ended_on, Some(d("2025-03-01")), "{}", t.label);
    }
}

#[tokio::test]
async fn another_instance_sees_a_write_at_once() {
    for t in testing::all().await {
        loaded(&t.store).await;
        let other = Store::connect(&t.url).await.unwrap();
        let before = other
            .territory(Phase::First, "ti-4405")
            .await
            .unwrap()
            .unwrap();
        assert!(before.milestones.is_empty(), "{}", t.label);
        t.store
            .record(
                &milestone(
                    Phase::First,
                    "ti-4405",
                    MilestoneKind::ContractSigned,
                    "2019-11-19",
                ),
                "test",
            )
            .await
            .unwrap();
        let after = other
            .territory(Phase::First, "ti-4405")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            after.milestones.len(),
            1,
            "{}: the second instance's cached snapshot is refreshed",
            t.label
        );
    }
}

/// An anonymous reader of another instance sees a write within moments: on SQLite it asks the version
/// every time; on PostgreSQL the write announces it (`NOTIFY`) and the instance listening learns it
/// without asking.
#[tokio::test]
async fn anonymous_readers_of_another_instance_learn_of_a_write_within_moments() {
    for t in testing::all().await {
        loaded(&t.store).await;
        let other = Store::connect(&t.url).await.unwrap();
        let anonymous = || async {
            other
                .request_scope(false, other.territory(Phase::First, "ti-4405"))
                .await
                .unwrap()
                .unwrap()
                .milestones
                .len()
        };
        assert_eq!(anonymous().await, 0, "{}", t.label);
        t.store
            .record(
                &milestone(
                    Phase::First,
                    "ti-4405",
                    MilestoneKind::ContractSigned,
                    "2019-11-19",
                ),
                "test",
            )
            .await
            .unwrap();
        let written = std::time::Instant::now();
        while anonymous().await == 0 {
            assert!(
                written.elapsed() < std::time::Duration::from_secs(5),
                "{}: the write never reached the other instance",
                t.label
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        if t.label == "postgres" {
            assert_eq!(
                testing::announced_version(&other),
                Some(t.store.read_version().await.unwrap()),
                "the other instance knows the version from the announcement"
            );
        }
        other.close().await;
    }
}

#[tokio::test]
async fn a_reader_during_a_rebuild_gets_the_previous_version_without_waiting() {
    for t in testing::all().await {
        loaded(&t.store).await;
        // An anonymous reader (not `exact`): it may be served the previous snapshot.
        let read = || async {
            tokio::time::timeout(
                std::time::Duration::from_secs(5),
                t.store
                    .request_scope(false, t.store.territory(Phase::First, "ti-4405")),
            )
            .await
            .unwrap_or_else(|_| panic!("{}: the reader waited for the rebuild", t.label))
            .unwrap()
            .unwrap()
            .milestones
            .len()
        };
        assert_eq!(read().await, 0, "{}", t.label);
        t.store
            .record(
                &milestone(
                    Phase::First,
                    "ti-4405",
                    MilestoneKind::ContractSigned,
                    "2019-11-19",
                ),
                "test",
            )
            .await
            .unwrap();
        let rebuilding = testing::hold_rebuild(&t.store).await;
        assert_eq!(
            read().await,
            0,
            "{}: during the rebuild, the previous version",
            t.label
        );
        let exact = {
            let store = t.store.clone();
            tokio::spawn(async move {
                store
                    .request_scope(true, store.territory(Phase::First, "ti-4405"))
                    .await
                    .unwrap()
                    .unwrap()
                    .milestones
                    .len()
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(
            !exact.is_finished(),
            "{}: a reader who must see the latest writes waits for the rebuild",
            t.label
        );
        drop(rebuilding);
        assert_eq!(
            exact.await.unwrap(),
            1,
            "{}: and then sees the write",
            t.label
        );
    }
}

/// The EPCI and commune lists read by key: walking them page after page gives every item once, in the
/// order of the whole list, and the last page says none follows.
#[tokio::test]
async fn place_lists_read_by_key_give_every_item_once_in_order() {
    for t in testing::all().await {
        loaded(&t.store).await;
        let within = |after: Option<PlaceKey>, limit: i64| PlaceFilter {
            after,
            limit,
            ..Default::default()
        };
        let whole = t.store.communes(&within(None, 10_000)).await.unwrap();
        assert!(whole.next.is_none(), "{}: one page holds them all", t.label);
        let (mut walked, mut after, mut pages) = (Vec::new(), None, 0);
        loop {
            let page = t.store.communes(&within(after, 2)).await.unwrap();
            assert_eq!(
                page.total, whole.total,
                "{}: the count is the list's",
                t.label
            );
            walked.extend(page.items.into_iter().map(|c| c.code));
            pages += 1;
            match page.next {
                Some(key) => after = Some(key),
                None => break,
            }
        }
        let codes: Vec<String> = whole.items.into_iter().map(|c| c.code).collect();
        assert_eq!(walked, codes, "{}: every commune once, in order", t.label);
        assert!(codes.len() > 2, "{}: several pages", t.label);
        assert_eq!(pages, codes.len().div_ceil(2), "{}", t.label);

        let groupings = |after: Option<PlaceKey>, limit: i64| PlaceFilter {
            after,
            limit,
            ..Default::default()
        };
        let whole = t.store.groupings(&groupings(None, 10_000)).await.unwrap();
        let (mut walked, mut after) = (Vec::new(), None);
        loop {
            let page = t.store.groupings(&groupings(after, 1)).await.unwrap();
            walked.extend(page.items.into_iter().map(|g| g.siren));
            match page.next {
                Some(key) => after = Some(key),
                None => break,
            }
        }
        let sirens: Vec<String> = whole.items.into_iter().map(|g| g.siren).collect();
        assert!(sirens.len() > 1, "{}: several pages", t.label);
        assert_eq!(walked, sirens, "{}: every EPCI once, by name", t.label);
    }
}

#[tokio::test]
async fn every_filtered_list_reads_an_index_that_orders_it() {
    for t in testing::all().await {
        loaded(&t.store).await;
        let by =
            |region: Option<&str>, departement: Option<&str>, epci: Option<&str>| PlaceFilter {
                q: None,
                region: region.map(str::to_owned),
                departement: departement.map(str::to_owned),
                epci: epci.map(str::to_owned),
                after: None,
                offset: 0,
                limit: 50,
            };
        let cases = [
            (by(None, Some("57"), None), "communes_departement"),
            (by(Some("44"), None, None), "communes_region"),
        ];
        for (filter, index) in cases {
            let plans = t.store.list_plans(&filter).await.unwrap();
            let communes = &plans[0];
            assert!(
                communes.contains(index),
                "{}: communes {filter:?} should read {index}:\n{communes}",
                t.label
            );
            assert!(
                !communes.contains("TEMP B-TREE") && !communes.contains("Sort"),
                "{}: communes {filter:?} should come ordered by the index, not sorted:\n{communes}",
                t.label
            );
        }
        let groupings = &t.store.list_plans(&by(None, None, None)).await.unwrap()[1];
        assert!(
            groupings.contains("groupings_name")
                && !groupings.contains("TEMP B-TREE")
                && !groupings.contains("Sort"),
            "{}: EPCIs should come ordered by their name's index:\n{groupings}",
            t.label
        );
    }
}

/// A profile names a region, territory or funder that exists; the security log counts recent failures per
/// account (whatever its case) and per address.
#[tokio::test]
async fn profiles_name_what_exists_and_the_security_log_counts_failures() {
    use territoires_domain::access::security::SecurityEvent;
    for t in testing::all().await {
        loaded(&t.store).await;
        let create = |profile: &str| {
            let profile = profile.parse().unwrap();
            let store = t.store.clone();
            async move {
                store
                    .create_user("x@example.gouv.fr", "X", "hash", &profile, "test".into())
                    .await
            }
        };
        for (profile, missing) in [
            ("region:99", "la région 99"),
            ("territoire:2018-2022/ti-4499", "le territoire ti-4499"),
            ("operateur:inconnu", "le financeur « inconnu »"),
        ] {
            let err = create(profile).await.unwrap_err().to_string();
            assert!(
                err.contains(missing) && err.contains("n'existe pas"),
                "{}: {err}",
                t.label
            );
        }
        create("region:44").await.unwrap();

        let failed = |account: &'static str, address: &'static str| {
            t.store.record_security_event(
                SecurityEvent::SignInFailed,
                Some(account),
                Some(address),
                None,
            )
        };
        failed("A@example.gouv.fr", "10.0.0.1").await.unwrap();
        failed("a@example.gouv.fr", "10.0.0.2").await.unwrap();
        failed("b@example.gouv.fr", "10.0.0.1").await.unwrap();
        t.store
            .record_security_event(
                SecurityEvent::SignedIn,
                Some("a@example.gouv.fr"),
                Some("10.0.0.1"),
                None,
            )
            .await
            .unwrap();
        let window = time::Duration::minutes(15);
        assert_eq!(
            t.store
                .recent_sign_in_failures("a@example.gouv.fr", "10.0.0.1", window)
                .await
                .unwrap(),
            (2, 2),
            "{}",
            t.label
        );
        assert_eq!(
            t.store
                .recent_sign_in_failures("a@example.gouv.fr", "10.0.0.1", time::Duration::ZERO)
                .await
                .unwrap(),
            (0, 0),
            "{}: only failures within the window count",
            t.label
        );
        assert_eq!(
            t.store.security_log(10).await.unwrap().len(),
            4,
            "{}",
            t.label
        );
    }
}

/// A disabled account can no longer sign in and its sessions end; a new profile applies to open sessions;
/// a token works until it expires or is revoked.
#[tokio::test]
async fn accounts_are_disabled_and_tokens_revoked_at_once() {
    for t in testing::all().await {
        loaded(&t.store).await;
        let s = &t.store;
        s.create_user(
            "pilote@example.gouv.fr",
            "Pilote",
            "hash",
            &"region:44".parse().unwrap(),
            "test".into(),
        )
        .await
        .unwrap();
        let (user, _) = s
            .user_credentials("pilote@example.gouv.fr")
            .await
            .unwrap()
            .unwrap();
        s.open_session(
            user.id,
            "session-hash",
            "csrf",
            "2999-01-01T00:00:00Z",
            None,
        )
        .await
        .unwrap();
        s.set_profile(
            "pilote@example.gouv.fr",
            &"national".parse().unwrap(),
            "test".into(),
        )
        .await
        .unwrap();
        let session = s.session("session-hash").await.unwrap().unwrap();
        assert_eq!(session.user.profile.to_string(), "national", "{}", t.label);
        s.disable_user("pilote@example.gouv.fr", "test".into())
            .await
            .unwrap();
        assert!(
            s.session("session-hash").await.unwrap().is_none(),
            "{}",
            t.label
        );
        assert!(
            s.user_credentials("pilote@example.gouv.fr")
                .await
                .unwrap()
                .is_none(),
            "{}: no sign-in for a disabled account",
            t.label
        );

        let operator = "region:44".parse().unwrap();
        s.issue_token(
            "ge-push",
            "t1",
            &operator,
            "2999-01-01T00:00:00Z",
            "test".into(),
        )
        .await
        .unwrap();
        s.issue_token(
            "old",
            "t2",
            &operator,
            "2000-01-01T00:00:00Z",
            "test".into(),
        )
        .await
        .unwrap();
        assert_eq!(
            s.api_token("t1").await.unwrap().unwrap().name,
            "ge-push",
            "{}",
            t.label
        );
        assert!(
            s.api_token("t2").await.unwrap().is_none(),
            "{}: expired",
            t.label
        );
        assert!(matches!(
            s.issue_token(
                "ge-push",
                "t3",
                &operator,
                "2999-01-01T00:00:00Z",
                "test".into()
            )
            .await,
            Err(StoreError::Conflict(_))
        ));
        s.revoke_token("ge-push", "test".into()).await.unwrap();
        assert!(
            s.api_token("t1").await.unwrap().is_none(),
            "{}: revoked",
            t.label
        );
        assert!(matches!(
            s.revoke_token("ge-push", "test".into()).await,
            Err(StoreError::NotFound(_))
        ));
    }
}

/// ProConnect sign-ins: an unknown agent becomes one pending request; a pilot grants only its region's
/// profiles (a refused grant writes nothing); the granted agent is then known by its subject; an account
/// of the same e-mail is tied once; a sign-in flow is taken once; a reset link serves once and ends the
/// account's sessions.
#[tokio::test]
async fn access_requests_are_granted_within_scope_and_reset_links_serve_once() {
    use territoires_store::access::requests::{Agent, Decision, ProConnectSignIn, SignInFlow};
    use territoires_store::access::Author;
    for t in testing::all().await {
        loaded(&t.store).await;
        let s = &t.store;
        let agent = Agent {
            sub: "sub-camille".into(),
            email: "Camille.Martin@anct.gouv.fr".into(),
            given_name: "Camille".into(),
            usual_name: "MARTIN".into(),
            siret: Some("13002526500013".into()),
            organization: None,
        };
        assert!(matches!(
            s.proconnect_sign_in(&agent).await.unwrap(),
            ProConnectSignIn::Requested
        ));
        assert!(matches!(
            s.proconnect_sign_in(&agent).await.unwrap(),
            ProConnectSignIn::Pending
        ));
        let requests = s.access_requests(10).await.unwrap();
        assert_eq!(requests.len(), 1, "{}", t.label);
        let id = requests[0].id;

        let hdf = "region:32".parse().unwrap();
        let audit = s.audit_page(0, 100_000).await.unwrap().len();
        let refused = s
            .decide_access_request(
                id,
                &Decision::Grant("region:44".parse().unwrap()),
                Author::user("user:hdf", &hdf),
            )
            .await;
        assert!(
            matches!(refused, Err(territoires_store::StoreError::Forbidden(_))),
            "{}: {refused:?}",
            t.label
        );
        assert_eq!(
            s.audit_page(0, 100_000).await.unwrap().len(),
            audit,
            "{}",
            t.label
        );
        let ge = "region:44".parse().unwrap();
        s.decide_access_request(
            id,
            &Decision::Grant("region:44".parse().unwrap()),
            Author::user("user:ge", &ge),
        )
        .await
        .unwrap();
        assert!(
            s.decide_access_request(id, &Decision::Refuse("trop tard".into()), "test".into())
                .await
                .is_err(),
            "{}: decided once",
            t.label
        );
        match s.proconnect_sign_in(&agent).await.unwrap() {
            ProConnectSignIn::Known(user) => {
                assert_eq!(user.email, "camille.martin@anct.gouv.fr", "{}", t.label);
                assert_eq!(user.profile.to_string(), "region:44");
            }
            other => panic!("{}: {other:?}", t.label),
        }

        // An existing local account is tied to the agent's subject by its e-mail.
        s.create_user(
            "dominique@anct.gouv.fr",
            "Dominique",
            "hash",
            &"national".parse().unwrap(),
            "test".into(),
        )
        .await
        .unwrap();
        let local = Agent {
            sub: "sub-dominique".into(),
            email: "dominique@anct.gouv.fr".into(),
            ..agent.clone()
        };
        assert!(matches!(
            s.proconnect_sign_in(&local).await.unwrap(),
            ProConnectSignIn::Known(_)
        ));
        assert_eq!(
            s.access_requests(10).await.unwrap().len(),
            1,
            "{}: no request",
            t.label
        );

        let flow = SignInFlow {
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            next: "/".into(),
        };
        s.begin_sign_in_flow("state-1", &flow).await.unwrap();
        assert!(s.take_sign_in_flow("state-1").await.unwrap().is_some());
        assert!(
            s.take_sign_in_flow("state-1").await.unwrap().is_none(),
            "{}: taken once",
            t.label
        );

        let (user, _) = s
            .user_credentials("dominique@anct.gouv.fr")
            .await
            .unwrap()
            .unwrap();
        s.open_session(
            user.id,
            "dominique-session",
            "csrf",
            "2999-01-01T00:00:00Z",
            None,
        )
        .await
        .unwrap();
        s.issue_password_reset("dominique@anct.gouv.fr", "reset-hash", "test".into())
            .await
            .unwrap();
        assert_eq!(
            s.password_reset_account("reset-hash")
                .await
                .unwrap()
                .as_deref(),
            Some("dominique@anct.gouv.fr")
        );
        s.reset_password("reset-hash", "new-hash").await.unwrap();
        assert!(
            s.reset_password("reset-hash", "other").await.is_err(),
            "{}: once",
            t.label
        );
        assert!(
            s.session("dominique-session").await.unwrap().is_none(),
            "{}: sessions end",
            t.label
        );
        assert_eq!(
            s.user_credentials("dominique@anct.gouv.fr")
                .await
                .unwrap()
                .unwrap()
                .1,
            "new-hash"
        );
    }
}

/// A funder, its scheme and a regional envelope of 100,000 €, saved by the national team.
async fn funding_referential(s: &Store, national: &territoires_domain::access::Profile) {
    use territoires_domain::portfolio::drafts::{EnvelopeDraft, FunderDraft, SchemeDraft};
    use territoires_store::portfolio::Save;
    let author = territoires_store::access::Author::user("user:anct", national);
    let funder = FunderDraft {
        code: "bdt".into(),
        nom: "Banque des Territoires".into(),
        kind: "operateur".into(),
        ..Default::default()
    };
    s.save_funder(Save::new(funder.read().unwrap()), author)
        .await
        .unwrap();
    let scheme = SchemeDraft {
        code: "ingenierie-ti".into(),
        nom: "Ingénierie TI".into(),
        financeur: "bdt".into(),
        specifique_ti: true,
        ..Default::default()
    };
    s.save_scheme(Save::new(scheme.read().unwrap()), author)
        .await
        .unwrap();
    let envelope = EnvelopeDraft {
        code: "ing-44".into(),
        dispositif: "ingenierie-ti".into(),
        region: "44".into(),
        debut: "2023-01-01".into(),
        fin: "2027-12-31".into(),
        montant: "100000".into(),
        ..Default::default()
    };
    s.save_envelope(Save::new(envelope.read().unwrap()), author)
        .await
        .unwrap();
}

#[tokio::test]
async fn records_are_created_and_edited_one_by_one_and_nothing_is_overwritten() {
    use territoires_domain::access::Profile;
    use territoires_domain::portfolio::drafts::{EnvelopeDraft, LineDraft, ProjectDraft};
    use territoires_store::access::Author;
    use territoires_store::portfolio::Save;
    let today = time::OffsetDateTime::now_utc().date();
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let national = Profile::National;
        let team: Profile = "territoire:2023-2027/ti-4410".parse().unwrap();
        let other_pilot: Profile = "region:32".parse().unwrap();
        funding_referential(s, &national).await;
        let draft = ProjectDraft {
            code: "EP-2024-CAMPUS".into(),
            phase: "2023-2027".into(),
            titre: "Campus des métiers".into(),
            territoires: vec!["ti-4410".into()],
            axes: vec!["competences".into()],
            statut: "en_preparation".into(),
            date_statut: "2024-03-01".into(),
            ..Default::default()
        };
        let project = draft.read_new(today).unwrap();
        // Another region's pilot is refused, and leaves no trace in the audit.
        let before = s.audit_log(1000).await.unwrap().len();
        let refused = s
            .save_project(
                Save::new(project.clone()),
                Author::user("user:pilote32", &other_pilot),
            )
            .await;
        assert!(
            matches!(refused, Err(StoreError::Forbidden(_))),
            "{}: {refused:?}",
            t.label
        );
        assert_eq!(
            s.audit_log(1000).await.unwrap().len(),
            before,
            "{}",
            t.label
        );
        let v1 = s
            .save_project(
                Save::new(project.clone()),
                Author::user("user:equipe", &team),
            )
            .await
            .unwrap();
        // Creating the same code again is a conflict, not an overwrite.
        let again = s
            .save_project(
                Save::new(project.clone()),
                Author::user("user:equipe", &team),
            )
            .await;
        assert!(
            matches!(again, Err(StoreError::Conflict(_))),
            "{}: {again:?}",
            t.label
        );
        // A code that differs from a stored one only by case is refused, naming the field.
        let mut twin = project.clone();
        twin.code = "ep-2024-campus".into();
        match s.save_project(Save::new(twin), "test").await {
            Err(StoreError::Invalid(territoires_domain::DomainError::Invalid {
                field,
                expected,
                ..
            })) => {
                assert_eq!(field, "code", "{}", t.label);
                assert!(expected.contains("casse"), "{expected}");
            }
            other => panic!("{}: {other:?}", t.label),
        }
        // An unknown territory is named with its field.
        let mut elsewhere = project.clone();
        elsewhere.code = "EP-AUTRE".into();
        elsewhere.territories = vec![TerritoryId::parse("ti-4499").unwrap()];
        match s.save_project(Save::new(elsewhere), "test").await {
            Err(StoreError::Invalid(territoires_domain::DomainError::Invalid {
                field, ..
            })) => {
                assert_eq!(field, "territoires")
            }
            other => panic!("{}: {other:?}", t.label),
        }

        // Two people edit the same version: one is saved, the other gets a conflict; one audited edit.
        let mut mine = project.clone();
        mine.title = "Campus des métiers de l'industrie".into();
        let mut theirs = project.clone();
        theirs.description = "Formations en alternance".into();
        let (a, b) = tokio::join!(
            s.save_project(Save::edit(mine, v1), Author::user("user:equipe", &team)),
            s.save_project(Save::edit(theirs, v1), Author::user("user:anct", &national))
        );
        let conflicts = [&a, &b]
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict(_))))
            .count();
        assert_eq!(
            (a.is_ok() as u8 + b.is_ok() as u8, conflicts),
            (1, 1),
            "{}: {a:?} {b:?}",
            t.label
        );
        let edits = s
            .audit_log(1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "edit_project")
            .count();
        assert_eq!(edits, 1, "{}", t.label);

        // A funding line, created by the team with its commitment, drawn on the region's envelope.
        let line = LineDraft {
            financeur: "bdt".into(),
            dispositif: "ingenierie-ti".into(),
            nature: "ingenierie".into(),
            reference_decision: "BDT-2024-17".into(),
            montant_demande: "80000".into(),
            date_demande: "2024-04-01".into(),
            montant_engage: "70000".into(),
            date_engagement: "2024-05-01".into(),
            ..Default::default()
        }
        .read_new("EP-2024-CAMPUS", today)
        .unwrap();
        let stored = s
            .save_funding_line(
                None,
                Save::new(line.clone()),
                Author::user("user:equipe", &team),
            )
            .await
            .unwrap();
        assert_eq!(stored.line.committed, line.committed, "{}", t.label);
        assert!(testing::misdrawn_lines(s).await.is_empty(), "{}", t.label);
        // The envelope cannot shrink below what is committed on it.
        let referential = s.funding_referential().await.unwrap();
        let envelope = &referential.envelopes[0];
        let shrunk = EnvelopeDraft {
            montant: "50000".into(),
            ..EnvelopeDraft::of(&envelope.record, envelope.version)
        }
        .read()
        .unwrap();
        let refused = s
            .save_envelope(
                Save::edit(shrunk, envelope.version),
                Author::user("user:anct", &national),
            )
            .await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid(e)) if e.to_string().contains("épuisée")),
            "{}: {refused:?}",
            t.label
        );
        // Another region's pilot may not touch Grand Est's envelope.
        let grown = EnvelopeDraft {
            montant: "150000".into(),
            ..EnvelopeDraft::of(&envelope.record, envelope.version)
        }
        .read()
        .unwrap();
        let refused = s
            .save_envelope(
                Save::edit(grown.clone(), envelope.version),
                Author::user("user:pilote32", &other_pilot),
            )
            .await;
        assert!(
            matches!(refused, Err(StoreError::Forbidden(_))),
            "{}: {refused:?}",
            t.label
        );
        let v = s
            .save_envelope(
                Save::edit(grown, envelope.version),
                Author::user("user:anct", &national),
            )
            .await
            .unwrap();
        assert_eq!(v, envelope.version + 1, "{}", t.label);

        // Editing the line's request keeps its commitment; a stale version is a conflict.
        let edited = LineDraft {
            montant_demande: "90000".into(),
            ..LineDraft::of(&stored.line, stored.version)
        }
        .read_edit(&stored.line, today)
        .unwrap();
        let saved = s
            .save_funding_line(
                Some(stored.id),
                Save::edit(edited.clone(), stored.version),
                Author::user("user:equipe", &team),
            )
            .await
            .unwrap();
        assert_eq!(saved.line.committed, stored.line.committed, "{}", t.label);
        assert_eq!(saved.version, stored.version + 1, "{}", t.label);
        let stale = s
            .save_funding_line(
                Some(stored.id),
                Save::edit(edited, stored.version),
                Author::user("user:equipe", &team),
            )
            .await;
        assert!(
            matches!(stale, Err(StoreError::Conflict(_))),
            "{}: {stale:?}",
            t.label
        );
        let audited: Vec<String> = s
            .audit_log(1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        for action in [
            "create_project",
            "create_funding_line",
            "edit_funding_line",
            "edit_envelope",
            "create_funder",
        ] {
            assert!(
                audited.iter().any(|a| a == action),
                "{}: {action} in {audited:?}",
                t.label
            );
        }
    }
}

#[tokio::test]
async fn an_upload_waits_for_its_uploader_only() {
    for t in testing::all().await {
        let s = &t.store;
        let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        s.save_upload(&territoires_store::imports::Upload {
            id: "abc".into(),
            kind: "projets".into(),
            file_name: "plan.xlsx".into(),
            content_hash: "h".into(),
            content: bytes.clone(),
            uploaded_by: "user:a@x.fr".into(),
            uploaded_at: String::new(),
        })
        .await
        .unwrap();
        let mine = s.upload("abc", "user:a@x.fr").await.unwrap().unwrap();
        assert_eq!(mine.content, bytes, "{}: the bytes round-trip", t.label);
        assert!(
            s.upload("abc", "user:b@x.fr").await.unwrap().is_none(),
            "{}",
            t.label
        );
        s.delete_upload("abc").await.unwrap();
        assert!(
            s.upload("abc", "user:a@x.fr").await.unwrap().is_none(),
            "{}",
            t.label
        );
        // One user keeps twenty uploads waiting at most: the oldest go first, nobody else's.
        let save = |id: String, by: &'static str| {
            let upload = territoires_store::imports::Upload {
                id,
                kind: "projets".into(),
                file_name: "plan.csv".into(),
                content_hash: "h".into(),
                content: b"x".to_vec(),
                uploaded_by: by.into(),
                uploaded_at: String::new(),
            };
            async move { s.save_upload(&upload).await.unwrap() }
        };
        save("b-0".into(), "user:b@x.fr").await;
        for i in 0..25 {
            save(format!("a-{i:02}"), "user:a@x.fr").await;
            // Uploads are ordered by their time: a millisecond apart.
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        let mut kept = Vec::new();
        for i in 0..25 {
            if s.upload(&format!("a-{i:02}"), "user:a@x.fr")
                .await
                .unwrap()
                .is_some()
            {
                kept.push(i);
            }
        }
        assert_eq!(kept, (5..25).collect::<Vec<_>>(), "{}", t.label);
        assert!(
            s.upload("b-0", "user:b@x.fr").await.unwrap().is_some(),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn a_scopes_column_mapping_is_kept_replaced_and_audited_once_per_change() {
    for t in testing::all().await {
        let s = &t.store;
        assert_eq!(
            s.column_mapping("region:44", "projets").await.unwrap(),
            None
        );
        let first = r#"{"projets":{"action_envisagee":"titre"}}"#;
        let second = r#"{"projets":{"action_envisagee":"titre","couleur":null}}"#;
        s.save_column_mapping("region:44", "projets", first, "user:a@b.fr")
            .await
            .unwrap();
        // The same mapping again writes nothing; another scope keeps its own.
        s.save_column_mapping("region:44", "projets", first, "user:a@b.fr")
            .await
            .unwrap();
        s.save_column_mapping("region:44", "projets", second, "user:a@b.fr")
            .await
            .unwrap();
        assert_eq!(
            s.column_mapping("region:44", "projets")
                .await
                .unwrap()
                .as_deref(),
            Some(second),
            "{}",
            t.label
        );
        assert_eq!(
            s.column_mapping("region:11", "projets").await.unwrap(),
            None
        );
        let audited: Vec<_> = s
            .audit_log(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.entity == "column_mapping")
            .collect();
        assert_eq!(audited.len(), 2, "{}: {audited:?}", t.label);
        assert_eq!(audited[0].entity_key, "region:44/projets");
        let before: serde_json::Value =
            serde_json::from_str(audited[0].before_json.as_deref().unwrap()).unwrap();
        assert_eq!(
            before["projets"]["action_envisagee"], "titre",
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn a_history_preview_is_the_import_rehearsed_and_rolled_back() {
    for t in testing::all().await {
        let s = &t.store;
        loaded(s).await;
        let records = [milestone(
            Phase::First,
            "ti-4405",
            MilestoneKind::GovernanceInstalled,
            "2019-03-01",
        )];
        let audited = s.audit_log(10_000).await.unwrap().len();
        let preview = s
            .preview_history(&records, "h1", "user:a@b.fr", 10)
            .await
            .unwrap()
            .expect("not imported yet");
        assert_eq!(preview.changed, 1, "{}", t.label);
        assert_eq!(preview.changes[0].entity_key, "2018-2022/ti-4405");
        assert!(preview.written.contains(&("milestones".to_owned(), 1)));
        assert_eq!(
            s.audit_log(10_000).await.unwrap().len(),
            audited,
            "{}: nothing kept",
            t.label
        );
        let territory = s.territory(Phase::First, "ti-4405").await.unwrap().unwrap();
        assert!(territory.milestones.is_empty(), "{}", t.label);
        s.import_history(&records, "h1", "user:a@b.fr")
            .await
            .unwrap();
        assert!(
            s.preview_history(&records, "h1", "user:a@b.fr", 10)
                .await
                .unwrap()
                .is_none(),
            "{}: the same file again",
            t.label
        );
        let other = s
            .preview_history(&records, "h2", "user:a@b.fr", 10)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(other.changed, 0, "{}: already recorded", t.label);
    }
}
