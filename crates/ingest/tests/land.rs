//! Brownfields on the real Cartofriches files, on SQLite and on PostgreSQL: both files import whole and
//! count per region as the files say; a status counts from its date; the same files again write nothing;
//! a file with wrong lines names each and writes nothing.

mod common;

use std::collections::{HashMap, HashSet};

use territoires_domain::ids::{RegionCode, Siren};
use territoires_domain::land::area::{Area, LandFrame};
use territoires_domain::land::brownfield::BrownfieldStatus;
use territoires_domain::phase::Phase;
use territoires_ingest::land::brownfields::{self, CARTOFRICHES_LIST_SITUATION};
use territoires_store::land::brownfields::BrownfieldQuery;
use territoires_store::testing;
use territoires_store::Store;

use common::{d, data, import_registry};

fn frame(area: Area, on: &str) -> LandFrame {
    LandFrame {
        phase: Phase::Second,
        area,
        on: d(on),
    }
}

/// Each site of both files (by id, the standard file's commune when both give one) → its commune code.
fn communes_in_files() -> HashMap<String, String> {
    let [standard, list] = data().cartofriches();
    let mut sites = HashMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(&list)
        .unwrap();
    for row in reader.byte_records() {
        let row = row.unwrap();
        let id = String::from_utf8_lossy(&row[1]).into_owned();
        sites.insert(id.clone(), id.split('_').next().unwrap().to_owned());
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(&standard)
        .unwrap();
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, commune) = (at("site_id"), at("comm_insee"));
    for row in reader.records() {
        let row = row.unwrap();
        sites.insert(row[id].to_owned(), format!("{:0>5}", &row[commune]));
    }
    sites
}

/// The region of each current commune, from the referential's own file.
fn regions_of_communes() -> HashMap<String, String> {
    let text = std::fs::read_to_string(data().decoupage().join("communes.json")).unwrap();
    let communes: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    communes
        .iter()
        .filter(|c| c["type"] == "commune-actuelle")
        .filter_map(|c| {
            Some((
                c["code"].as_str()?.to_owned(),
                c["region"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

async fn sites(store: &Store, frame: LandFrame) -> u64 {
    store.brownfield_summary(&frame).await.unwrap().sites()
}

#[tokio::test]
async fn the_cartofriches_files_import_whole_and_count_per_region_as_of_their_dates() {
    let files = communes_in_files();
    let regions = regions_of_communes();
    let mut expected: HashMap<String, u64> = HashMap::new();
    for commune in files.values() {
        if let Some(region) = regions.get(commune) {
            *expected.entry(region.clone()).or_default() += 1;
        }
    }
    assert_eq!(
        files.len(),
        22_110,
        "2,594 + 21,803 sites, 2,287 in both files"
    );
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        let outcome = brownfields::load_cartofriches(s, &data(), "test")
            .await
            .unwrap();
        assert!(!outcome.unchanged, "{}", t.label);
        // Every line writes its site: the standard file completes 2,287 of the list's.
        assert_eq!(
            outcome.written[0],
            ("friches".into(), 21_803 + 2_594),
            "{}",
            t.label
        );
        assert_eq!(
            sites(s, frame(Area::France, "2026-01-01")).await,
            22_110,
            "{}",
            t.label
        );
        for (region, count) in &expected {
            let area = Area::Region(RegionCode::parse(region).unwrap());
            assert_eq!(
                sites(s, frame(area, "2026-01-01")).await,
                *count,
                "{}: region {region}",
                t.label
            );
        }
        // Before the list's date only the standard file's sites dated earlier are known.
        let early = sites(s, frame(Area::France, "2023-06-30")).await;
        let at_list = sites(
            s,
            frame(Area::France, &CARTOFRICHES_LIST_SITUATION.to_string()),
        )
        .await;
        assert!(
            early < at_list && at_list < 22_110,
            "{}: {early} < {at_list} < 22,110",
            t.label
        );

        // A site of both files: the list's status as of 2023-12-31, the standard file's from its own date.
        let statuses = s.brownfield_statuses("50419_27068").await.unwrap();
        assert!(
            statuses
                .iter()
                .any(|r| r.since == "2024-01-16" && r.status == "friche sans projet"),
            "{}: {statuses:?}",
            t.label
        );

        // The same files again write nothing.
        let again = brownfields::load_cartofriches(s, &data(), "test")
            .await
            .unwrap();
        assert!(again.written.is_empty(), "{}: {:?}", t.label, again.written);
        let audit_before = t.scalar("SELECT COUNT(*) FROM audit_log", &[]).await;

        // A territory counts the sites of its perimeter's communes: a Grand Est EPCI's are its own.
        let metz = Area::Epci(Siren::parse("200039865").unwrap());
        let in_metz = s
            .brownfields(&BrownfieldQuery {
                frame: frame(metz.clone(), "2026-01-01"),
                status: None,
                after: None,
                site: None,
                limit: 1_000,
            })
            .await
            .unwrap();
        assert_eq!(
            in_metz.len() as u64,
            sites(s, frame(metz, "2026-01-01")).await,
            "{}",
            t.label
        );
        let codes: HashSet<&str> = in_metz.iter().map(|r| r.commune_code.as_str()).collect();
        assert!(
            codes.contains("57463"),
            "{}: Metz has brownfields: {codes:?}",
            t.label
        );

        // A wrong file names each wrong line and writes nothing.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("friches.csv");
        std::fs::write(
            &path,
            "site_id;site_statut;date_situation;geompoint\n\
             57463_900;friche sans projet;2025-03-01;POINT (6.17 49.11)\n\
             57463_901;en sommeil;2025-03-01;POINT (6.17 49.11)\n\
             57463_902;friche avec projet;2025-13-01;POINT (6.17 49.11)\n",
        )
        .unwrap();
        let err =
            brownfields::import_brownfields(s, &path, &common::context(s).await, None, "test")
                .await
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("ligne 3, champ « site_statut »"),
            "{}: {err}",
            t.label
        );
        assert!(
            err.contains("ligne 4, champ « date_situation »"),
            "{}: {err}",
            t.label
        );
        assert_eq!(
            t.scalar("SELECT COUNT(*) FROM audit_log", &[]).await,
            audit_before,
            "{}",
            t.label
        );
        assert_eq!(
            sites(s, frame(Area::France, "2026-01-01")).await,
            22_110,
            "{}",
            t.label
        );

        // A status changed later counts from its date only.
        std::fs::write(
            &path,
            "site_id;site_statut;date_situation\n50419_27068;friche reconvertie;2026-06-01\n",
        )
        .unwrap();
        brownfields::import_brownfields(s, &path, &common::context(s).await, None, "test")
            .await
            .unwrap();
        let converted = |on: &'static str| async move {
            s.brownfield_summary(&frame(Area::France, on))
                .await
                .unwrap()
                .by_status
                .iter()
                .find(|l| l.status == BrownfieldStatus::Converted)
                .unwrap()
                .sites
        };
        assert_eq!(
            converted("2026-06-01").await,
            converted("2026-05-31").await + 1,
            "{}",
            t.label
        );
        let site = s
            .brownfields(&BrownfieldQuery {
                frame: frame(Area::France, "2026-06-01"),
                status: Some(BrownfieldStatus::Converted),
                after: Some("50419_27067".into()),
                site: None,
                limit: 1,
            })
            .await
            .unwrap();
        assert_eq!(site[0].site_id, "50419_27068", "{}", t.label);
        assert_eq!(
            site[0].name.as_deref(),
            Some("Ancienne laiterie"),
            "{}: the later line erased nothing",
            t.label
        );
    }
}
