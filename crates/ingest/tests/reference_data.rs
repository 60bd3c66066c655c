//! Imports of the real reference data (`../shared/data`), on SQLite and on PostgreSQL.

mod common;

use territoires_domain::phase::Phase;
use territoires_domain::registry::progress::Stage;
use territoires_ingest::registry::{history, referential, territories};
use territoires_ingest::{demo, IngestError};
use territoires_store::registry::referential::PlaceFilter;
use territoires_store::registry::territories::TerritoryQuery;
use territoires_store::testing;

use common::{context, d, data, import_registry};

fn query(phase: Phase, region: Option<&str>, as_of: &str) -> TerritoryQuery {
    TerritoryQuery {
        phase: Some(phase),
        region: region.map(str::to_owned),
        ..TerritoryQuery::all(d(as_of))
    }
}

#[tokio::test]
async fn the_official_registry_has_the_published_counts() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        let coverage = s.coverage().await.unwrap();
        assert_eq!(coverage[&Phase::First].territories, 149, "{}", t.label);
        assert_eq!(coverage[&Phase::Second].territories, 183, "{}", t.label);
        assert!(
            coverage[&Phase::Second].communes > 10_000,
            "{}: {:?}",
            t.label,
            coverage[&Phase::Second]
        );

        let communes = s
            .communes(&PlaceFilter {
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(communes.total, 34_969, "{}", t.label);
        let epcis = s
            .groupings(&PlaceFilter {
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(epcis.total, 1_255 + 11, "{}: EPCIs and EPTs", t.label);

        // Grand Est: 15 territories attached in phase 1, 21 in phase 2.
        let p1 = s
            .phase_figures(Phase::First, d("2026-01-01"))
            .await
            .unwrap();
        let p2 = s
            .phase_figures(Phase::Second, d("2026-01-01"))
            .await
            .unwrap();
        assert_eq!(
            p1.regions.iter().find(|r| r.code == "44").unwrap().attached,
            15,
            "{}",
            t.label
        );
        assert_eq!(
            p2.regions.iter().find(|r| r.code == "44").unwrap().attached,
            21,
            "{}",
            t.label
        );

        let ge = s
            .territories(&query(Phase::First, Some("44"), "2026-01-01"))
            .await
            .unwrap();
        let names: Vec<&str> = ge.items.iter().map(|i| i.territory.name.as_str()).collect();
        assert!(
            names.contains(&"Vosges") && names.contains(&"Sud Alsace"),
            "{}: {names:?}",
            t.label
        );

        // ANCT reuses ids: ti-0101 is Cap Excellence in phase 1 and Basse-Terre in phase 2.
        let p1_0101 = s.territory(Phase::First, "ti-0101").await.unwrap().unwrap();
        let p2_0101 = s
            .territory(Phase::Second, "ti-0101")
            .await
            .unwrap()
            .unwrap();
        assert!(
            p1_0101.territory.name.contains("Cap Excellence"),
            "{}",
            t.label
        );
        assert_eq!(p2_0101.territory.name, "Basse-Terre", "{}", t.label);

        // Bazancourt-Pomacle is recorded as the whole CU du Grand Reims.
        let bazancourt = s.territory(Phase::First, "ti-4404").await.unwrap().unwrap();
        assert_eq!(bazancourt.members.len(), 1, "{}", t.label);
        assert_eq!(
            bazancourt.members[0].name.as_deref(),
            Some("CU du Grand Reims"),
            "{}",
            t.label
        );
        assert!(
            bazancourt
                .related
                .iter()
                .any(|r| r.id == "ti-4405" && r.phase == "2023-2027"),
            "{}: Grand Reims in phase 2",
            t.label
        );

        // Fifteen phase-2 territories span two regions.
        let all = s
            .territories(&query(Phase::Second, None, "2026-01-01"))
            .await
            .unwrap();
        let spanning = all.items.iter().filter(|i| i.regions.len() > 1).count();
        assert_eq!(spanning, 15, "{}", t.label);

        // Every territory has a contour for the maps.
        assert_eq!(
            s.territory_shapes(Phase::Second).await.unwrap().len(),
            183,
            "{}",
            t.label
        );
        assert_eq!(s.region_shapes().await.unwrap().len(), 18, "{}", t.label);
    }
}

#[tokio::test]
async fn the_demo_shows_the_grand_est_signatures_of_19_november_2019() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        demo::load_demo(s, "test").await.unwrap();
        assert!(
            demo::load_demo(s, "test").await.unwrap().unchanged,
            "{}: loading twice writes nothing",
            t.label
        );

        let with_plan = |as_of: &'static str| async move {
            let figures = s.phase_figures(Phase::First, d(as_of)).await.unwrap();
            let ge = figures
                .regions
                .into_iter()
                .find(|r| r.code == "44")
                .unwrap();
            (ge.progress.action_plan_validated, ge.progress.territories)
        };
        assert_eq!(with_plan("2019-11-19").await, (13, 15), "{}", t.label);
        assert_eq!(with_plan("2019-11-18").await, (2, 15), "{}", t.label);
        assert_eq!(
            with_plan("2019-11-17").await,
            (0, 15),
            "{}: a date known only as 'on or before' counts from that day, never earlier",
            t.label
        );

        let signed = s
            .territories(&query(Phase::First, Some("44"), "2019-11-19"))
            .await
            .unwrap();
        let unsigned: Vec<&str> = signed
            .items
            .iter()
            .filter(|i| {
                i.territory.region_code == "44" && i.progress.stage < Stage::ActionPlanValidated
            })
            .map(|i| i.territory.id.as_str())
            .collect();
        assert_eq!(
            unsigned,
            ["ti-4406", "ti-4409"],
            "{}: Moselle Est and Sel et Vermois had not signed",
            t.label
        );
    }
}

#[tokio::test]
async fn importing_twice_changes_nothing_and_a_bad_file_changes_nothing() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        let data = data();
        let again = referential::import_referential(s, &data, "test")
            .await
            .unwrap();
        assert!(again.unchanged, "{}", t.label);
        for phase in Phase::ALL {
            let again =
                territories::import_territories(s, &data, phase, None, d("2026-01-01"), "test")
                    .await
                    .unwrap();
            assert!(again.unchanged, "{}", t.label);
        }
        let audit_before = s.audit_log(1000).await.unwrap().len();

        // A phase-2 file with one broken SIREN: named, and nothing written.
        let dir = tempfile::tempdir().unwrap();
        let original = std::fs::read_to_string(data.territories(Phase::Second)).unwrap();
        let broken = original.replacen("(200067213)", "(20006721)", 1);
        assert_ne!(broken, original);
        let path = dir.path().join("ti.geojson");
        std::fs::write(&path, broken).unwrap();
        let err = territories::import_territories(
            s,
            &data,
            Phase::Second,
            Some(&path),
            d("2026-01-01"),
            "test",
        )
        .await
        .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("ti.geojson")
                && message.contains("liste_geo")
                && message.contains("20006721"),
            "{}: {message}",
            t.label
        );
        assert!(matches!(err, IngestError::Record { .. }), "{}", t.label);

        // Not JSON at all.
        std::fs::write(&path, "{\"type\": \"FeatureCollection\", \"features\": [").unwrap();
        let err = territories::import_territories(
            s,
            &data,
            Phase::Second,
            Some(&path),
            d("2026-01-01"),
            "test",
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("JSON ligne 1"),
            "{}: {err}",
            t.label
        );

        assert_eq!(
            s.audit_log(1000).await.unwrap().len(),
            audit_before,
            "{}: no write",
            t.label
        );
        let p2 = s.coverage().await.unwrap()[&Phase::Second].territories;
        assert_eq!(p2, 183, "{}", t.label);
    }
}

#[tokio::test]
async fn history_spreadsheets_import_from_xlsx_and_refuse_bad_lines_whole() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        let dir = tempfile::tempdir().unwrap();

        let path = dir.path().join("jalons.xlsx");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, h) in history::COLUMNS.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        let rows = [
            [
                "2023-2027",
                "ti-4401",
                "gouvernance_installee",
                "2024-02-01",
                "",
                "",
                "",
                "Comité installé",
                "Compte rendu",
            ],
            [
                "2023-2027",
                "ti-4401",
                "binome_elu",
                "2024-02-01",
                "",
                "Élu Exemple",
                "CC Exemple",
                "",
                "",
            ],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 3, 15).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        for (c, v) in ["2023-2027", "ti-4401", "plan_actions_valide"]
            .iter()
            .enumerate()
        {
            sheet.write_string(3, c as u16, *v).unwrap();
        }
        sheet
            .write_datetime_with_format(3, 3, &date, &format)
            .unwrap();
        workbook.save(&path).unwrap();

        let outcome = history::import_history(s, &path, &context(s).await, "test")
            .await
            .unwrap();
        assert_eq!(
            outcome.written,
            vec![
                ("milestones".to_owned(), 2),
                ("appointments".to_owned(), 1),
                ("attributes".to_owned(), 0),
                ("already_recorded".to_owned(), 0)
            ],
            "{}",
            t.label
        );
        let detail = s
            .territory(Phase::Second, "ti-4401")
            .await
            .unwrap()
            .unwrap();
        let (milestones, appointments) = (detail.milestones, detail.appointments);
        assert!(
            milestones
                .iter()
                .any(|(_, m)| m.occurred_on == d("2025-03-15")),
            "{}: spreadsheet date read",
            t.label
        );
        assert_eq!(
            appointments[0].1.person.as_deref(),
            Some("Élu Exemple"),
            "{}",
            t.label
        );

        let csv = dir.path().join("jalons.csv");
        std::fs::write(
            &csv,
            "phase;id_territoire;evenement;date\n2023-2027;ti-4402;gouvernance_installee;2024-01-10\n2023-2027;ti-4402;plan_actions_valide;2024-13-01\n",
        )
        .unwrap();
        let err = history::import_history(s, &csv, &context(s).await, "test")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("jalons.csv, ligne 3, champ « date »"),
            "{}: {err}",
            t.label
        );
        let milestones = s
            .territory(Phase::Second, "ti-4402")
            .await
            .unwrap()
            .unwrap()
            .milestones;
        assert_eq!(
            milestones.len(),
            1,
            "{}: only the labelling, the good line was not written either",
            t.label
        );
    }
}
