//! Projects, funding and bilans on the real registry, on SQLite and on PostgreSQL: the Grand Est demo, the
//! synthetic national dataset checked against straight SQL, and refusals that write nothing.

mod common;

use territoires_domain::funding::LineEvent;
use territoires_domain::ids::RegionCode;
use territoires_domain::indicators::Scope;
use territoires_domain::money::Cents;
use territoires_domain::phase::Phase;
use territoires_domain::project::{ProjectStatus, StatusChange};
use territoires_ingest::{demo, synthetic};
use territoires_store::portfolio::LineChange;
use territoires_store::testing::{self, TestStore};
use territoires_store::StoreError;

use common::{d, import_registry};

fn region(code: &str) -> Scope {
    Scope::Region(RegionCode::parse(code).unwrap())
}

#[tokio::test]
async fn the_grand_est_demo_bilan_of_19_november_2019() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        demo::load_demo(s, "test").await.unwrap();
        let ge = s
            .bilan(Phase::First, &region("44"), d("2019-11-19"))
            .await
            .unwrap()
            .bilan;
        assert_eq!(ge.territories.territories, 15, "{}", t.label);
        assert_eq!(ge.territories.action_plan_validated, 13, "{}", t.label);
        assert_eq!(ge.projects.recorded, 11, "{}", t.label);
        assert_eq!(ge.projects.engaged_by_state, 0, "{}", t.label);
        assert_eq!(
            ge.projects.without_funding_line, 11,
            "{}: no amount is invented, the funding of every project is unknown",
            t.label
        );
        assert_eq!(ge.money.committed, Cents::ZERO, "{}", t.label);

        let before = s
            .bilan(Phase::First, &region("44"), d("2019-11-18"))
            .await
            .unwrap()
            .bilan;
        assert_eq!(
            before.territories.action_plan_validated, 2,
            "{}: as-of reads return the past",
            t.label
        );
        assert_eq!(before.projects.recorded, 0, "{}", t.label);

        let hdf = s
            .bilan(Phase::First, &region("32"), d("2019-11-19"))
            .await
            .unwrap()
            .bilan;
        assert_eq!(
            hdf.projects.recorded, 1,
            "{}: [G]HOST is shared with two Hauts-de-France territories",
            t.label
        );
        let national = s
            .bilan(Phase::First, &Scope::France, d("2019-11-19"))
            .await
            .unwrap()
            .bilan;
        assert_eq!(
            national.projects.recorded, 11,
            "{}: a shared project counts once nationally",
            t.label
        );
        let ghost_territories: i64 = national
            .by_territory
            .iter()
            .filter(|r| r.projects > 0)
            .count() as i64;
        assert_eq!(
            ghost_territories, 13,
            "{}: 11 territories plus [G]HOST's two partners",
            t.label
        );
    }
}

/// Committed, paid and requested as of `date` for the phase's projects in `region` (all if `None`), in SQL.
async fn sql_money(
    t: &TestStore,
    phase: &str,
    region: Option<&str>,
    date: &str,
) -> (i64, i64, i64) {
    let scope = "p.phase = $1 AND EXISTS (SELECT 1 FROM project_status_changes s WHERE s.project_code = p.code AND s.occurred_on <= $2)
                 AND ($3 = '' OR EXISTS (SELECT 1 FROM project_territories pt JOIN territories te ON te.phase = pt.phase AND te.id = pt.territory_id
                                         WHERE pt.project_code = p.code AND te.region_code = $3))";
    let region = region.unwrap_or("");
    let committed = t
        .scalar(
            &format!(
                "SELECT CAST(SUM(l.committed_cents) AS BIGINT) FROM funding_lines l JOIN projects p ON p.code = l.project_code
                 WHERE {scope} AND l.requested_on <= $2 AND l.committed_on <= $2 AND (l.cancelled_on IS NULL OR l.cancelled_on > $2)"
            ),
            &[phase, date, region],
        )
        .await;
    let paid = t
        .scalar(
            &format!(
                "SELECT CAST(SUM(l.paid_cents) AS BIGINT) FROM funding_lines l JOIN projects p ON p.code = l.project_code
                 WHERE {scope} AND l.requested_on <= $2 AND l.paid_on <= $2"
            ),
            &[phase, date, region],
        )
        .await;
    let requested = t
        .scalar(
            &format!(
                "SELECT CAST(SUM(l.requested_cents) AS BIGINT) FROM funding_lines l JOIN projects p ON p.code = l.project_code
                 WHERE {scope} AND l.requested_on <= $2"
            ),
            &[phase, date, region],
        )
        .await;
    (committed, paid, requested)
}

#[tokio::test]
async fn synthetic_national_figures_match_straight_sql() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        let (_, portfolio) = synthetic::load_synthetic(s, 42, "test").await.unwrap();
        let projects = portfolio
            .written
            .iter()
            .find(|(k, _)| k == "projects")
            .unwrap()
            .1;
        let lines = portfolio
            .written
            .iter()
            .find(|(k, _)| k == "funding_lines")
            .unwrap()
            .1;
        assert!(
            (1_600..=2_400).contains(&projects),
            "{}: {projects} projects",
            t.label
        );
        assert!(
            (8_000..=12_000).contains(&lines),
            "{}: {lines} lines",
            t.label
        );
        let (history, again) = synthetic::load_synthetic(s, 42, "test").await.unwrap();
        assert!(
            history.unchanged && again.unchanged,
            "{}: loading twice writes nothing",
            t.label
        );

        for phase in Phase::ALL {
            for date in ["2019-06-30", "2021-03-31", "2024-12-31", "2026-11-23"] {
                for scope_region in [None, Some("44"), Some("84")] {
                    let scope = scope_region.map_or(Scope::France, region);
                    let b = s.bilan(phase, &scope, d(date)).await.unwrap().bilan;
                    let (committed, paid, requested) =
                        sql_money(&t, phase.slug(), scope_region, date).await;
                    let context = format!("{} {phase} {date} {scope}", t.label);
                    assert_eq!(b.money.committed.0, committed, "{context}: committed");
                    assert_eq!(b.money.paid.0, paid, "{context}: paid");
                    assert_eq!(b.money.requested.0, requested, "{context}: requested");
                    let by_funder: Cents = b.by_funder.iter().map(|f| f.money.committed).sum();
                    assert_eq!(
                        by_funder, b.money.committed,
                        "{context}: funders add up to the total"
                    );
                    let by_kind: Cents = b.by_funder_kind.iter().map(|(_, m)| m.committed).sum();
                    assert_eq!(
                        by_kind, b.money.committed,
                        "{context}: kinds add up to the total"
                    );
                    let ti = b.committed_ti_specific + b.committed_general_law;
                    assert_eq!(
                        ti, b.money.committed,
                        "{context}: TI-specific plus general law"
                    );
                }
                let b = s.bilan(phase, &Scope::France, d(date)).await.unwrap().bilan;
                let context = format!("{} {phase} {date}", t.label);
                let recorded = t
                    .scalar(
                        "SELECT COUNT(*) FROM projects p WHERE p.phase = $1
                         AND EXISTS (SELECT 1 FROM project_status_changes s WHERE s.project_code = p.code AND s.occurred_on <= $2)",
                        &[phase.slug(), date],
                    )
                    .await;
                assert_eq!(
                    b.projects.recorded, recorded,
                    "{context}: projects recorded"
                );
                let engaged = t
                    .scalar(
                        "SELECT COUNT(DISTINCT l.project_code) FROM funding_lines l
                         JOIN projects p ON p.code = l.project_code JOIN funders f ON f.code = l.funder_code
                         WHERE p.phase = $1 AND f.kind IN ('etat', 'operateur') AND l.committed_on <= $2
                           AND (l.cancelled_on IS NULL OR l.cancelled_on > $2) AND l.committed_cents > 0
                           AND EXISTS (SELECT 1 FROM project_status_changes s WHERE s.project_code = p.code AND s.occurred_on <= $2)",
                        &[phase.slug(), date],
                    )
                    .await;
                assert_eq!(
                    b.projects.engaged_by_state, engaged,
                    "{context}: engaged by the State"
                );
                let governance = t
                    .scalar(
                        "SELECT COUNT(DISTINCT territory_id) FROM milestones WHERE phase = $1 AND occurred_on <= $2
                         AND kind IN ('gouvernance_installee', 'diagnostic_realise', 'plan_actions_elabore', 'plan_actions_valide',
                                      'protocole_signe', 'contrat_signe', 'mise_en_oeuvre', 'evaluation_mi_parcours')",
                        &[phase.slug(), date],
                    )
                    .await;
                assert_eq!(
                    b.territories.governance_installed, governance,
                    "{context}: governance installed"
                );
            }
        }
    }
}

#[tokio::test]
async fn refused_writes_change_nothing_and_stale_forms_are_refused() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        synthetic::load_synthetic(s, 7, "test").await.unwrap();
        let before = s
            .bilan(Phase::First, &Scope::France, d("2027-12-31"))
            .await
            .unwrap()
            .bilan;
        let audit_before = s.audit_log(1).await.unwrap()[0].id;

        // A commitment beyond its envelope: the envelope of the first region with one.
        let envelope = before
            .envelopes
            .iter()
            .find(|e| e.region.is_some() && e.committed > Cents::ZERO)
            .unwrap();
        let target = s
            .bilan_rows(
                Phase::First,
                &region(envelope.region.as_deref().unwrap()),
                d("2027-12-31"),
            )
            .await
            .unwrap()
            .lines
            .into_iter()
            .find(|l| {
                l.line.scheme.as_deref() == Some("fonds-acceleration")
                    && l.line.committed.is_none()
                    && l.line.requested_on >= d("2019-01-01")
                    && l.line.requested_on <= d("2023-06-30")
            });
        let line = target.expect("an uncommitted line of the fonds d'accélération");
        {
            let err = s
                .record_line_event(
                    LineChange {
                        line_id: line.id,
                        read_version: line.version,
                        event: LineEvent::Commit {
                            amount: envelope.amount,
                            on: line.line.requested_on + time::Duration::days(1),
                            over_request_allowed: true,
                        },
                    },
                    "test",
                )
                .await
                .unwrap_err();
            assert!(err.to_string().contains("épuisée"), "{}: {err}", t.label);
        }

        let project = s
            .bilan_rows(Phase::First, &Scope::France, d("2027-12-31"))
            .await
            .unwrap()
            .projects
            .into_iter()
            .find(|p| p.status == Some(ProjectStatus::InPreparation))
            .unwrap();
        let detail = s
            .project(&project.project.code, d("2027-12-31"))
            .await
            .unwrap()
            .unwrap();
        let skip = StatusChange {
            status: ProjectStatus::Completed,
            on: d("2027-12-31"),
        };
        let err = s
            .record_project_status(&project.project.code, detail.version, skip, "test")
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid(_)) && err.to_string().contains("non autorisé"),
            "{}: {err}",
            t.label
        );
        assert_eq!(
            s.audit_log(1).await.unwrap()[0].id,
            audit_before,
            "{}: nothing written",
            t.label
        );
        let after = s
            .bilan(Phase::First, &Scope::France, d("2027-12-31"))
            .await
            .unwrap()
            .bilan;
        assert_eq!(after, before, "{}", t.label);

        let abandon = StatusChange {
            status: ProjectStatus::Abandoned,
            on: d("2027-12-31"),
        };
        s.record_project_status(&project.project.code, detail.version, abandon, "test")
            .await
            .unwrap();
        let again = s
            .record_project_status(&project.project.code, detail.version, abandon, "test")
            .await
            .unwrap_err();
        assert!(
            matches!(again, StoreError::Conflict(_)),
            "{}: a form read before the change is refused: {again}",
            t.label
        );
        let entry = &s.audit_log(1).await.unwrap()[0];
        assert_eq!(
            (entry.action.as_str(), entry.entity_key.as_str()),
            ("record_project_status", project.project.code.as_str()),
            "{}",
            t.label
        );
        assert!(
            entry
                .before_json
                .as_deref()
                .unwrap_or("")
                .contains("en_preparation"),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn the_bilan_document_renders_as_pdf_with_the_same_figures() {
    let t = testing::sqlite().await;
    let s = &t.store;
    import_registry(s).await;
    demo::load_demo(s, "test").await.unwrap();
    synthetic::load_synthetic(s, 3, "test").await.unwrap();
    let report = s
        .bilan(Phase::First, &region("44"), d("2021-06-30"))
        .await
        .unwrap();
    let shapes = s.territory_shapes(Phase::First).await.unwrap();
    let regions = s.region_shapes().await.unwrap();
    for indicator in territoires_ingest::bilan::MapIndicator::ALL {
        let doc = territoires_ingest::bilan::document(&territoires_ingest::bilan::DocumentInput {
            report: &report,
            scope_label: "Région Grand Est",
            territory_shapes: &shapes,
            region_shapes: &regions,
            map_indicator: indicator,
        });
        let committed = doc
            .figures
            .iter()
            .find(|f| f.label == "Montants engagés")
            .unwrap();
        assert_eq!(
            committed.value,
            report.bilan.money.committed.rounded().to_string()
        );
        assert_eq!(doc.as_of_label, "30 juin 2021");
        let pdf = territoires_ingest::bilan::pdf::render(&doc).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "a PDF");
        if let Ok(dir) = std::env::var("TERRITOIRES_KEEP_PDF") {
            std::fs::write(format!("{dir}/bilan-{}.pdf", indicator.code()), &pdf).unwrap();
        }
    }
}
