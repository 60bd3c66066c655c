//! Projects, funding and bilans on the real registry, on SQLite and on PostgreSQL: the Grand Est demo, the
//! programme's timeline (phases not started, labelling waves, flows), the synthetic national dataset
//! checked against straight SQL and against the records of every figure, and refusals that write nothing.

mod common;

use territoires_domain::bilan::figures::{Criterion, FigureCode, Grouping, Value};
use territoires_domain::bilan::frame::{Frame, Scope};
use territoires_domain::ids::RegionCode;
use territoires_domain::money::Cents;
use territoires_domain::phase::Phase;
use territoires_domain::portfolio::funding::{Envelope, LineEvent};
use territoires_domain::portfolio::given::Given;
use territoires_domain::portfolio::project::{ProjectStatus, StatusChange};
use territoires_domain::portfolio::Portfolio;
use territoires_ingest::demo;
use territoires_ingest::portfolio::{export, read_portfolio_file, synthetic};
use territoires_ingest::registry::{history, reference};
use territoires_ingest::template::{self, Kind};
use territoires_store::bilan::BilanReport;
use territoires_store::portfolio::LineChange;
use territoires_store::testing::{self, TestStore};
use territoires_store::{Audience, Store, StoreError};

use common::{context, d, import_registry};

fn region(code: &str) -> Scope {
    Scope::Region(RegionCode::parse(code).unwrap())
}

async fn bilan(s: &Store, phase: Phase, scope: Scope, date: &str) -> BilanReport {
    s.bilan(&Frame::at(phase, scope, d(date))).await.unwrap()
}

fn value(r: &BilanReport, f: FigureCode) -> Option<i64> {
    r.bilan.value(f).value
}

#[tokio::test]
async fn the_grand_est_demo_bilan_of_19_november_2019() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        reference::load_labellings(s, "test").await.unwrap();
        demo::load_demo(s, "test").await.unwrap();
        let ge = bilan(s, Phase::First, region("44"), "2019-11-19").await;
        let v = |f| value(&ge, f);
        assert_eq!(v(FigureCode::Territories), Some(15), "{}", t.label);
        assert_eq!(v(FigureCode::ActionPlansValidated), Some(13), "{}", t.label);
        assert_eq!(v(FigureCode::Projects), Some(11), "{}", t.label);
        assert_eq!(
            v(FigureCode::ProjectsEngagedByState),
            None,
            "{}: no funding line was given, so the State's engagement is unknown, not 0",
            t.label
        );
        assert_eq!(
            v(FigureCode::ProjectsUnknownFunding),
            Some(11),
            "{}: no amount is invented, the funding of every project is unknown",
            t.label
        );
        assert_eq!(
            v(FigureCode::Committed),
            None,
            "{}: unknown, not 0 €",
            t.label
        );
        assert_eq!(
            v(FigureCode::TerritoriesWithoutMilestone),
            Some(2),
            "{}: Moselle Est, Sel et Vermois",
            t.label
        );

        let before = bilan(s, Phase::First, region("44"), "2019-11-18").await;
        assert_eq!(
            value(&before, FigureCode::ActionPlansValidated),
            Some(2),
            "{}: as-of reads return the past",
            t.label
        );
        assert_eq!(value(&before, FigureCode::Projects), Some(0), "{}", t.label);

        let hdf = bilan(s, Phase::First, region("32"), "2019-11-19").await;
        assert_eq!(
            value(&hdf, FigureCode::Projects),
            Some(1),
            "{}: [G]HOST is shared with two Hauts-de-France territories",
            t.label
        );
        let national = bilan(s, Phase::First, Scope::France, "2019-11-19").await;
        assert_eq!(
            value(&national, FigureCode::Projects),
            Some(11),
            "{}: a shared project counts once nationally",
            t.label
        );
        let carrying = national
            .bilan
            .table(Grouping::Territory)
            .unwrap()
            .rows
            .iter()
            .filter(|r| r.values[0].value.unwrap_or(0) > 0)
            .count();
        assert_eq!(
            carrying, 13,
            "{}: 11 territories plus [G]HOST's two partners",
            t.label
        );

        // The press release's "11 signatures that day" is a flow over one day.
        let mut day = Frame::at(Phase::First, region("44"), d("2019-11-19"));
        day.since = Some(d("2019-11-19"));
        let flows = s.bilan(&day).await.unwrap();
        assert_eq!(
            value(&flows, FigureCode::SignaturesInPeriod),
            Some(11),
            "{}",
            t.label
        );
        let records = s
            .bilan_records(&day, FigureCode::SignaturesInPeriod, &Criterion::all())
            .await
            .unwrap();
        assert_eq!(records.milestones.len(), 11, "{}", t.label);
    }
}

#[tokio::test]
async fn a_bilan_before_its_phase_says_it_had_not_started() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        for (phase, date) in [(Phase::First, "2018-06-01"), (Phase::Second, "2020-06-01")] {
            let r = bilan(s, phase, Scope::France, date).await;
            assert!(!r.bilan.started, "{} {phase} {date}", t.label);
            assert!(
                r.bilan.figures.iter().all(|f| f.value == Value::UNKNOWN),
                "{} {phase} {date}: no zero stands for a phase that had not started",
                t.label
            );
        }
        let launched = bilan(s, Phase::Second, Scope::France, "2023-11-09").await;
        assert_eq!(
            value(&launched, FigureCode::Territories),
            Some(183),
            "{}",
            t.label
        );
        assert_eq!(
            value(&launched, FigureCode::TerritoriesUncertain),
            Some(0),
            "{}: labelled together, on a known day",
            t.label
        );
    }
}

/// A labelling file recording phase 1's waves: 124 territories at the launch, 12 on 5 March 2019, the 8
/// that took the programme to 144 on 24 September 2019 (the three of the reference among them), 2 on 14
/// November 2019, and the last 3 in 2020.
fn waves(ids: &[String]) -> String {
    let joined_in_september = ["ti-5214", "ti-5303", "ti-5311"];
    let mut others: Vec<&String> = ids
        .iter()
        .filter(|id| !joined_in_september.contains(&id.as_str()))
        .collect();
    others.sort();
    let mut dated: Vec<(&str, &str)> = Vec::new();
    for (i, id) in others.iter().enumerate() {
        let on = match i {
            0..=123 => "2018-11-22",
            124..=135 => "2019-03-05",
            136..=140 => "2019-09-24",
            141..=142 => "2019-11-14",
            _ => "2020-06-01",
        };
        dated.push((id.as_str(), on));
    }
    dated.extend(joined_in_september.iter().map(|id| (*id, "2019-09-24")));
    let mut csv = "phase;id_territoire;evenement;date;precision;source\n".to_owned();
    for (id, on) in dated {
        csv.push_str(&format!(
            "2018-2022;{id};labellise;{on};exacte;vagues de labellisation (test)\n"
        ));
    }
    csv
}

#[tokio::test]
async fn the_denominator_follows_the_labelling_waves_and_says_what_is_uncertain() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        let territories = |r: &BilanReport| {
            (
                value(r, FigureCode::Territories),
                value(r, FigureCode::TerritoriesUncertain),
            )
        };
        // Without a labelling file: every territory counts from the launch, on an uncertain date.
        let before = bilan(s, Phase::First, Scope::France, "2019-01-01").await;
        assert_eq!(territories(&before), (Some(149), Some(149)), "{}", t.label);

        let ids: Vec<String> = before
            .bilan
            .territories
            .iter()
            .map(|t| t.id.clone())
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vagues.csv");
        std::fs::write(&file, waves(&ids)).unwrap();
        history::import_history(s, &file, &context(s).await, "test")
            .await
            .unwrap();
        for (date, expected) in [
            ("2018-11-21", None),
            ("2018-11-22", Some(124)),
            ("2019-03-04", Some(124)),
            ("2019-03-05", Some(136)),
            ("2019-09-24", Some(144)),
            ("2019-11-14", Some(146)),
            ("2020-06-01", Some(149)),
        ] {
            let r = bilan(s, Phase::First, Scope::France, date).await;
            assert_eq!(
                value(&r, FigureCode::Territories),
                expected,
                "{} {date}",
                t.label
            );
            if expected.is_some() {
                assert_eq!(
                    value(&r, FigureCode::TerritoriesUncertain),
                    Some(0),
                    "{} {date}",
                    t.label
                );
            }
        }
        let announced = bilan(s, Phase::First, Scope::France, "2019-10-01")
            .await
            .bilan
            .announced;
        assert_eq!(announced.map(|a| a.territories), Some(144), "{}", t.label);
    }
}

#[tokio::test]
async fn the_reference_labellings_count_the_three_of_september_2019_exactly() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        reference::load_labellings(s, "test").await.unwrap();
        let again = reference::load_labellings(s, "test").await.unwrap();
        assert!(again.unchanged, "{}: loading twice writes nothing", t.label);
        let before = bilan(s, Phase::First, Scope::France, "2019-09-23").await;
        let after = bilan(s, Phase::First, Scope::France, "2019-09-24").await;
        assert_eq!(
            value(&before, FigureCode::Territories),
            Some(146),
            "{}",
            t.label
        );
        assert_eq!(
            value(&after, FigureCode::Territories),
            Some(149),
            "{}",
            t.label
        );
        assert_eq!(
            value(&after, FigureCode::TerritoriesUncertain),
            Some(146),
            "{}",
            t.label
        );
        let ge = bilan(s, Phase::First, region("44"), "2019-11-19").await;
        assert_eq!(
            value(&ge, FigureCode::TerritoriesUncertain),
            Some(0),
            "{}: the press release dates them at the latest",
            t.label
        );
    }
}

/// Committed, paid and requested as of `date` for the phase's projects in `region` (all if `None`), in SQL.
async fn sql_money(
    t: &TestStore,
    audience: &str,
    phase: &str,
    region: Option<&str>,
    date: &str,
) -> (i64, i64, i64) {
    let scope = "p.phase = $1 AUDIENCE AND EXISTS (SELECT 1 FROM project_status_changes s WHERE s.project_code = p.code AND s.occurred_on <= $2)
                 AND ($3 = '' OR EXISTS (SELECT 1 FROM project_territories pt JOIN territories te ON te.phase = pt.phase AND te.id = pt.territory_id
                                         WHERE pt.project_code = p.code AND te.region_code = $3))"
        .replace("AUDIENCE", audience);
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

/// The SQL condition that keeps what an audience reads: the public does not read the fiches not yet public.
fn sql_audience(audience: Audience) -> &'static str {
    match audience {
        Audience::Public => "AND p.not_yet_public = 0",
        Audience::Agents => "",
    }
}

#[tokio::test]
async fn synthetic_national_figures_match_straight_sql() {
    for t in testing::all().await {
        let all = &t.store;
        import_registry(all).await;
        let (_, portfolio) = synthetic::load_synthetic(all, 42, 1, "test").await.unwrap();
        let written = |k: &str| portfolio.written.iter().find(|(n, _)| n == k).unwrap().1;
        assert!(
            (1_600..=2_400).contains(&written("projects")),
            "{}: {} projects",
            t.label,
            written("projects")
        );
        assert!(
            (6_000..=12_000).contains(&written("funding_lines")),
            "{}: {} lines",
            t.label,
            written("funding_lines")
        );
        let (history, again) = synthetic::load_synthetic(all, 42, 1, "test").await.unwrap();
        assert!(
            history.unchanged && again.unchanged,
            "{}: loading twice writes nothing",
            t.label
        );

        let hidden = t
            .scalar(
                "SELECT COUNT(*) FROM projects WHERE not_yet_public = 1",
                &[],
            )
            .await;
        assert!(hidden > 10, "{}: {hidden} fiches not yet public", t.label);
        for audience in [Audience::Public, Audience::Agents] {
            let label = format!("{} {audience:?}", t.label);
            figures_match_straight_sql(&t, &all.seen_by(audience), audience, &label).await;
        }
    }
}

/// The bilans `s` gives, as `audience` reads them, against straight SQL over what that audience reads.
async fn figures_match_straight_sql(t: &TestStore, s: &Store, audience: Audience, label: &str) {
    for phase in Phase::ALL {
        for date in ["2019-06-30", "2021-03-31", "2024-12-31", "2026-11-23"] {
            let started = d(date) >= phase.labelling_date();
            for scope_region in [None, Some("44"), Some("84")] {
                let scope = scope_region.map_or(Scope::France, region);
                let r = bilan(s, phase, scope.clone(), date).await;
                let context = format!("{} {phase} {date} {scope}", label);
                if !started {
                    assert!(!r.bilan.started, "{context}");
                    continue;
                }
                let (committed, paid, requested) =
                    sql_money(t, sql_audience(audience), phase.slug(), scope_region, date).await;
                // An amount over no line is unknown; SQL's SUM over nothing is NULL, read as 0 here.
                let or_zero = |f| value(&r, f).unwrap_or(0);
                assert_eq!(
                    or_zero(FigureCode::Committed),
                    committed,
                    "{context}: committed"
                );
                assert_eq!(or_zero(FigureCode::Paid), paid, "{context}: paid");
                assert_eq!(
                    or_zero(FigureCode::Requested),
                    requested,
                    "{context}: requested"
                );
                for g in [Grouping::Funder, Grouping::FunderKind, Grouping::Scheme] {
                    let Some(table) = r.bilan.table(g) else {
                        continue;
                    };
                    let col = table
                        .columns
                        .iter()
                        .position(|c| *c == FigureCode::Committed)
                        .unwrap();
                    let sum: i64 = table
                        .rows
                        .iter()
                        .filter_map(|row| row.values[col].value)
                        .sum();
                    assert_eq!(sum, committed, "{context}: {g:?} adds up to the total");
                }
                assert_eq!(
                    or_zero(FigureCode::CommittedTiSpecific)
                        + or_zero(FigureCode::CommittedGeneralLaw),
                    committed,
                    "{context}: TI-specific plus general law"
                );
            }
            if !started {
                continue;
            }
            let r = bilan(s, phase, Scope::France, date).await;
            let context = format!("{} {phase} {date}", label);
            let recorded = t
                .scalar(
                    &format!(
                        "SELECT COUNT(*) FROM projects p WHERE p.phase = $1 {}
                         AND EXISTS (SELECT 1 FROM project_status_changes s WHERE s.project_code = p.code AND s.occurred_on <= $2)",
                        sql_audience(audience)
                    ),
                    &[phase.slug(), date],
                )
                .await;
            assert_eq!(
                value(&r, FigureCode::Projects),
                Some(recorded),
                "{context}: projects recorded"
            );
            let engaged = t
                .scalar(
                    &format!(
                        "SELECT COUNT(DISTINCT l.project_code) FROM funding_lines l
                         JOIN projects p ON p.code = l.project_code JOIN funders f ON f.code = l.funder_code
                         WHERE p.phase = $1 {} AND f.kind IN ('etat', 'operateur') AND l.committed_on <= $2
                           AND (l.cancelled_on IS NULL OR l.cancelled_on > $2) AND l.committed_cents > 0
                           AND EXISTS (SELECT 1 FROM project_status_changes s WHERE s.project_code = p.code AND s.occurred_on <= $2)",
                        sql_audience(audience)
                    ),
                    &[phase.slug(), date],
                )
                .await;
            assert_eq!(
                value(&r, FigureCode::ProjectsEngagedByState),
                Some(engaged),
                "{context}: engaged by the State"
            );
            let governance = t
                .scalar(
                    "SELECT COUNT(DISTINCT territory_id) FROM milestones WHERE phase = $1 AND occurred_on <= $2 AND withdrawal_id = 0
                     AND date_precision <> 'prevu'
                     AND kind IN ('gouvernance_installee', 'diagnostic_realise', 'plan_actions_elabore', 'plan_actions_valide',
                                  'protocole_signe', 'contrat_signe', 'mise_en_oeuvre', 'evaluation_mi_parcours')",
                    &[phase.slug(), date],
                )
                .await;
            assert_eq!(
                value(&r, FigureCode::GovernanceInstalled),
                Some(governance),
                "{context}: governance installed"
            );
        }
    }
}

#[tokio::test]
async fn every_figure_and_row_of_a_national_bilan_is_the_sum_of_its_records() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        synthetic::load_synthetic(s, 42, 1, "test").await.unwrap();
        let mut frame = Frame::at(Phase::First, Scope::France, d("2021-06-30"));
        frame.since = Some(d("2020-01-01"));
        let r = s.bilan(&frame).await.unwrap();
        let check = |list: &territoires_store::bilan::RecordList, v: Value, what: &str| {
            let count = (list.territories.len()
                + list.milestones.len()
                + list.projects.len()
                + list.lines.len()) as i64;
            assert_eq!(count, v.basis, "{} {what}: records listed", t.label);
            let sum: i64 = list.projects.iter().map(|(_, w)| *w).sum::<i64>()
                + list.lines.iter().map(|(_, a)| *a).sum::<i64>()
                + (list.territories.len() + list.milestones.len()) as i64;
            if let Some(value) = v.value {
                assert_eq!(sum, value, "{} {what}: sum of the records", t.label);
            }
            assert_eq!(list.value, v, "{} {what}", t.label);
        };
        for f in &r.bilan.figures {
            let list = s
                .bilan_records(&frame, f.figure, &Criterion::all())
                .await
                .unwrap();
            check(&list, f.value, f.figure.code());
        }
        for table in &r.bilan.tables {
            for row in table.rows.iter().take(6) {
                let criterion = Criterion::of(table.grouping, row.key.clone());
                for (figure, v) in table.columns.iter().zip(&row.values) {
                    let list = s.bilan_records(&frame, *figure, &criterion).await.unwrap();
                    check(
                        &list,
                        *v,
                        &format!("{figure} {:?}={}", table.grouping, row.key),
                    );
                }
            }
        }
        let series = r
            .evolution
            .iter()
            .find(|x| x.figure == FigureCode::Committed)
            .unwrap();
        for step in series.steps.iter().step_by(50) {
            let then = bilan(
                s,
                Phase::First,
                Scope::France,
                &territoires_domain::fr::iso_date(step.on),
            )
            .await;
            assert_eq!(
                value(&then, FigureCode::Committed),
                step.value,
                "{}: evolution on {}",
                t.label,
                step.on
            );
        }
    }
}

#[tokio::test]
async fn refused_writes_change_nothing_and_stale_forms_are_refused() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        synthetic::load_synthetic(s, 7, 1, "test").await.unwrap();
        let now = Frame::at(Phase::First, Scope::France, d("2026-07-01"));
        let before = s.bilan(&now).await.unwrap().bilan;
        let audit_before = s.audit_log(1).await.unwrap()[0].id;

        // A commitment beyond its envelope: the envelope of the first region with one.
        let envelope = before
            .envelopes
            .iter()
            .find(|e| e.region.is_some() && e.committed > Cents::ZERO)
            .unwrap();
        let regional = Frame::at(
            Phase::First,
            region(envelope.region.as_deref().unwrap()),
            d("2026-07-01"),
        );
        let line = s
            .bilan_rows(&regional)
            .await
            .unwrap()
            .lines
            .into_iter()
            .find(|l| {
                l.line.scheme.as_deref() == Some("fonds-acceleration")
                    && l.line.committed.is_none()
                    && l.line.requested_on >= d("2019-01-01")
                    && l.line.requested_on <= d("2023-06-30")
            })
            .expect("an uncommitted line of the fonds d'accélération");
        let err = s
            .record_line_event(
                LineChange {
                    line_id: line.id,
                    project: None,
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

        let project = s
            .bilan_rows(&now)
            .await
            .unwrap()
            .projects
            .into_iter()
            .find(|p| p.status == Some(ProjectStatus::InPreparation))
            .unwrap();
        let detail = s
            .project(&project.project.code, d("2026-07-01"))
            .await
            .unwrap()
            .unwrap();
        let skip = StatusChange {
            status: ProjectStatus::Completed,
            on: d("2026-07-01"),
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
        let future = StatusChange {
            status: ProjectStatus::Abandoned,
            on: d("2099-01-01"),
        };
        let err = s
            .record_project_status(&project.project.code, detail.version, future, "test")
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("après aujourd'hui"),
            "{}: {err}",
            t.label
        );
        assert_eq!(
            s.audit_log(1).await.unwrap()[0].id,
            audit_before,
            "{}: nothing written",
            t.label
        );
        assert_eq!(s.bilan(&now).await.unwrap().bilan, before, "{}", t.label);

        let abandon = StatusChange {
            status: ProjectStatus::Abandoned,
            on: d("2026-07-01"),
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
async fn the_bilan_document_renders_as_a_tagged_pdf_with_the_same_figures() {
    let t = testing::sqlite().await;
    let s = &t.store;
    import_registry(s).await;
    demo::load_demo(s, "test").await.unwrap();
    synthetic::load_synthetic(s, 3, 1, "test").await.unwrap();
    let report = bilan(s, Phase::First, region("44"), "2021-06-30").await;
    let shapes = s.territory_shapes(Phase::First).await.unwrap();
    let regions = s.region_shapes().await.unwrap();
    for indicator in territoires_ingest::bilan::MapIndicator::ALL {
        let doc = territoires_ingest::bilan::document(&territoires_ingest::bilan::DocumentInput {
            report: &report,
            scope_label: "Région Grand Est",
            scheme_label: None,
            territory_shapes: &shapes,
            region_shapes: &regions,
            map_indicator: indicator,
            link: &|f, _| Some(format!("/bilan/enregistrements?chiffre={}", f.code())),
            generated_on: d("2026-11-23"),
        });
        let committed = doc
            .figures
            .iter()
            .find(|f| f.code == FigureCode::Committed)
            .unwrap();
        assert_eq!(
            committed.value,
            Cents(value(&report, FigureCode::Committed).unwrap())
                .rounded()
                .to_string()
        );
        assert_eq!(
            committed.href.as_deref(),
            Some("/bilan/enregistrements?chiffre=montant_engage")
        );
        assert_eq!(doc.as_of_label, "30 juin 2021");
        let pdf = territoires_ingest::bilan::pdf::render(&doc, d("2026-11-23")).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "a PDF");
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("/StructTreeRoot") && text.contains("/MarkInfo"),
            "a tagged PDF"
        );
        assert!(text.contains("pdfuaid:part"), "declared PDF/UA-1");
        if let Ok(dir) = std::env::var("TERRITOIRES_KEEP_PDF") {
            std::fs::write(format!("{dir}/bilan-{}.pdf", indicator.code()), &pdf).unwrap();
        }
    }
}

#[tokio::test]
async fn chef_de_projet_posts_are_counted_filled_cofunded_or_unknown() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("financeurs.csv"),
            "code;nom;type\nbdt;Banque des Territoires;operateur\n",
        )
        .unwrap();
        territoires_ingest::portfolio::import_portfolio(s, dir.path(), &Default::default(), "test")
            .await
            .unwrap();
        let history = dir.path().join("designations.csv");
        std::fs::write(
            &history,
            "phase;id_territoire;evenement;date;personne;organisation\n\
             2023-2027;ti-4401;chef_de_projet;2024-03-01;Camille Exemple;CA de Haguenau\n\
             2023-2027;ti-4402;chef_de_projet;2024-04-01;;PETR\n",
        )
        .unwrap();
        history::import_history(s, &history, &context(s).await, "test")
            .await
            .unwrap();
        let posts = dir.path().join("postes.csv");
        std::fs::write(
            &posts,
            "phase;id_territoire;employeur;ouverture;fermeture;financeur;montant;debut;fin;source\n\
             2023-2027;ti-4401;CA de Haguenau;2024-02-01;;bdt;40 000;2024-02-01;2025-12-31;Convention\n\
             2023-2027;ti-4402;PETR;2024-04-01;;;;;;Délibération\n",
        )
        .unwrap();
        territoires_ingest::registry::posts::import_posts(s, &posts, &context(s).await, "test")
            .await
            .unwrap();
        let again =
            territoires_ingest::registry::posts::import_posts(s, &posts, &context(s).await, "test")
                .await
                .unwrap();
        assert!(
            again.unchanged,
            "{}: importing twice writes nothing",
            t.label
        );
        let r = bilan(s, Phase::Second, region("44"), "2024-06-01").await;
        assert_eq!(
            value(&r, FigureCode::ProjectLeadsInPost),
            Some(1),
            "{}",
            t.label
        );
        assert_eq!(
            value(&r, FigureCode::ProjectLeadPostsCofunded),
            Some(1),
            "{}",
            t.label
        );
        let territories = value(&r, FigureCode::Territories).unwrap();
        assert_eq!(
            value(&r, FigureCode::ProjectLeadPostsUnknown),
            Some(territories - 2),
            "{}: a vacant post is known; the others are unknown, not vacant",
            t.label
        );
        let later = bilan(s, Phase::Second, region("44"), "2026-01-01").await;
        assert_eq!(
            value(&later, FigureCode::ProjectLeadPostsCofunded),
            Some(0),
            "{}: the co-financing ended",
            t.label
        );
        let list = s
            .bilan_records(
                &Frame::at(Phase::Second, region("44"), d("2024-06-01")),
                FigureCode::ProjectLeadsInPost,
                &Criterion::all(),
            )
            .await
            .unwrap();
        assert!(
            list.territories[0].reason.contains("Camille Exemple"),
            "{}: {}",
            t.label,
            list.territories[0].reason
        );

        let bad = dir.path().join("postes-inconnus.csv");
        std::fs::write(
            &bad,
            "phase;id_territoire;employeur;ouverture;financeur;montant;debut;fin\n\
             2023-2027;ti-4403;CC;2024-02-01;inconnu;1 000;2024-02-01;2024-12-31\n",
        )
        .unwrap();
        let err =
            territoires_ingest::registry::posts::import_posts(s, &bad, &context(s).await, "test")
                .await
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("postes-inconnus.csv, ligne 2") && err.contains("« inconnu »"),
            "{}: {err}",
            t.label
        );
    }
}

/// Two commitments that each fit in what is left of an envelope, but not together, recorded at the same
/// time: one is recorded and the other refused, whatever the engine — each write reads the envelope's other
/// commitments under the portfolio's write lock.
#[tokio::test]
async fn two_commitments_at_once_cannot_both_take_the_last_of_an_envelope() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        synthetic::load_synthetic(s, 11, 1, "test").await.unwrap();
        let now = Frame::at(Phase::First, Scope::France, d("2026-07-01"));
        let envelopes = s.bilan(&now).await.unwrap().bilan.envelopes;
        let envelope = envelopes
            .iter()
            .find(|e| e.scheme == "fonds-acceleration" && e.region.is_some())
            .unwrap();
        let regional = Frame::at(
            Phase::First,
            region(envelope.region.as_deref().unwrap()),
            d("2026-07-01"),
        );
        let lines = uncommitted_lines(s, regional).await;
        assert!(lines.len() >= 2, "{}: two uncommitted lines", t.label);
        let left = envelope.amount - envelope.committed;
        let share = Cents(left.0 * 6 / 10);
        let commit = |l: &territoires_store::portfolio::LineView| LineChange {
            line_id: l.id,
            project: None,
            read_version: l.version,
            event: LineEvent::Commit {
                amount: share,
                on: l.line.requested_on.max(d("2019-01-01")) + time::Duration::days(1),
                over_request_allowed: true,
            },
        };
        let (a, b) = tokio::join!(
            s.record_line_event(commit(&lines[0]), "a"),
            s.record_line_event(commit(&lines[1]), "b"),
        );
        let refused: Vec<String> = [a, b]
            .into_iter()
            .filter_map(|r| r.err().map(|e| e.to_string()))
            .collect();
        assert_eq!(
            refused.len(),
            1,
            "{}: exactly one of the two is refused: {refused:?}",
            t.label
        );
        assert!(
            refused[0].contains("épuisée"),
            "{}: {}",
            t.label,
            refused[0]
        );
        let after = s.bilan(&now).await.unwrap().bilan.envelopes;
        let used = after.iter().find(|e| e.code == envelope.code).unwrap();
        assert_eq!(used.committed, envelope.committed + share, "{}", t.label);
    }
}

/// A regional envelope opened beside a national one takes its region's commitments from it, without any
/// of them being written: the next commitment in that region is checked against the new envelope, and
/// every line's stored envelope is the one the domain decides on the whole portfolio.
#[tokio::test]
async fn a_new_regional_envelope_takes_its_regions_commitments_from_the_national_one() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        synthetic::load_synthetic(s, 5, 1, "test").await.unwrap();
        assert_eq!(
            testing::misdrawn_lines(s).await,
            Vec::<String>::new(),
            "{}",
            t.label
        );
        let now = Frame::at(Phase::Second, Scope::France, d("2026-07-01"));
        let envelopes = s.bilan(&now).await.unwrap().bilan.envelopes;
        let national = envelopes
            .iter()
            .find(|e| e.scheme == "fonds-vert-ti" && e.region.is_none())
            .unwrap();
        let line = s
            .bilan_rows(&now)
            .await
            .unwrap()
            .lines
            .into_iter()
            .find(|l| {
                l.line.scheme.as_deref() == Some("fonds-vert-ti")
                    && l.line.committed.is_none()
                    && l.line.requested_on <= d("2026-06-01")
            })
            .unwrap();
        let project = s
            .project(&line.line.project, d("2026-07-01"))
            .await
            .unwrap()
            .unwrap();
        let region = project.summary.project.territories[0].region_of_attachment();
        let opened = |amount: Cents| Portfolio {
            envelopes: vec![Envelope {
                code: format!("fonds-vert-ti-{region}"),
                scheme: "fonds-vert-ti".into(),
                region: Some(region.clone()),
                starts_on: d("2023-11-09"),
                ends_on: d("2026-06-30"),
                amount,
            }],
            ..Portfolio::default()
        };
        s.import_portfolio((&opened(national.amount), &Given::All), "wide", "test")
            .await
            .unwrap();
        let used = s.bilan(&now).await.unwrap().bilan.envelopes;
        let used = used
            .iter()
            .find(|e| e.code == format!("fonds-vert-ti-{region}"))
            .unwrap()
            .committed;
        s.import_portfolio(
            (&opened(used + Cents::euros(100)), &Given::All),
            "tight",
            "test",
        )
        .await
        .unwrap();
        assert_eq!(
            testing::misdrawn_lines(s).await,
            Vec::<String>::new(),
            "{}",
            t.label
        );
        let on = line.line.requested_on.max(d("2023-11-09")) + time::Duration::days(1);
        let commit = |euros: i64, version: i64| LineChange {
            line_id: line.id,
            project: None,
            read_version: version,
            event: LineEvent::Commit {
                amount: Cents::euros(euros),
                on,
                over_request_allowed: true,
            },
        };
        let refused = s
            .record_line_event(commit(200, line.version), "test")
            .await
            .unwrap_err()
            .to_string();
        assert!(refused.contains("épuisée"), "{}: {refused}", t.label);
        s.record_line_event(commit(50, line.version), "test")
            .await
            .unwrap();
        assert_eq!(
            testing::misdrawn_lines(s).await,
            Vec::<String>::new(),
            "{}",
            t.label
        );
    }
}

/// Two uncommitted lines of the fonds d'accélération in a region, requested within its envelope's period.
async fn uncommitted_lines(
    s: &Store,
    regional: Frame,
) -> Vec<territoires_store::portfolio::LineView> {
    s.bilan_rows(&regional)
        .await
        .unwrap()
        .lines
        .into_iter()
        .filter(|l| {
            l.line.scheme.as_deref() == Some("fonds-acceleration")
                && l.line.committed.is_none()
                && l.line.requested_on <= d("2023-06-30")
        })
        .take(2)
        .collect()
}

/// After a commitment and a status change, the instance that holds the portfolio reads only the rows the
/// writes changed, and sees exactly what a fresh instance reading everything sees.
#[tokio::test]
async fn a_read_model_patched_with_the_changed_rows_equals_a_fresh_one() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        synthetic::load_synthetic(s, 5, 1, "test").await.unwrap();
        let frame = Frame::at(Phase::First, Scope::France, d("2026-07-01"));
        let rows = s.bilan_rows(&frame).await.unwrap();
        let loads = testing::portfolio_loads(s);
        let line = rows
            .lines
            .iter()
            .find(|l| l.line.committed.is_none() && l.line.cancelled_on.is_none())
            .unwrap();
        s.record_line_event(
            LineChange {
                line_id: line.id,
                project: None,
                read_version: line.version,
                event: LineEvent::Commit {
                    amount: Cents::euros(100).min(line.line.requested),
                    on: line.line.requested_on + time::Duration::days(1),
                    over_request_allowed: false,
                },
            },
            "test",
        )
        .await
        .unwrap();
        let project = rows
            .projects
            .iter()
            .find(|p| p.status == Some(ProjectStatus::InPreparation))
            .unwrap();
        let detail = s
            .project(&project.project.code, d("2026-07-01"))
            .await
            .unwrap()
            .unwrap();
        s.record_project_status(
            &project.project.code,
            detail.version,
            StatusChange {
                status: ProjectStatus::Engaged,
                on: d("2026-07-01"),
            },
            "test",
        )
        .await
        .unwrap();

        let patched = (
            s.bilan(&frame).await.unwrap().bilan,
            s.bilan_rows(&frame).await.unwrap(),
        );
        assert_eq!(
            testing::portfolio_loads(s),
            loads,
            "{}: the portfolio is patched, not read again",
            t.label
        );
        let fresh_store = Store::connect(&t.url).await.unwrap();
        let fresh = (
            fresh_store.bilan(&frame).await.unwrap().bilan,
            fresh_store.bilan_rows(&frame).await.unwrap(),
        );
        assert_eq!(patched.0, fresh.0, "{}: the same bilan", t.label);
        let lines = |r: &territoires_store::bilan::BilanRows| {
            r.lines
                .iter()
                .map(|l| (l.id, l.version, l.line.clone()))
                .collect::<Vec<_>>()
        };
        let projects = |r: &territoires_store::bilan::BilanRows| {
            r.projects
                .iter()
                .map(|p| (p.project.clone(), p.status))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lines(&patched.1),
            lines(&fresh.1),
            "{}: the same lines",
            t.label
        );
        assert_eq!(
            projects(&patched.1),
            projects(&fresh.1),
            "{}: the same projects",
            t.label
        );
        assert!(
            patched
                .1
                .lines
                .iter()
                .any(|l| l.id == line.id && l.line.committed.is_some()),
            "{}: the commitment is there",
            t.label
        );
    }
}

/// A preview is the import's merge and checks without its writes: it writes nothing, says what the apply then writes, and
/// says nothing would change once the file is applied.
#[tokio::test]
async fn a_preview_writes_nothing_and_announces_what_the_apply_writes() {
    for TestStore {
        store: s, label, ..
    } in testing::all().await
    {
        import_registry(&s).await;
        let csv = "Code;Phase;Territoires;Intitulé;Coût total;En préparation\n\
                   PRE-1;2018-2022;ti-4415;Scierie;1,2 M€;19/11/2019\n\
                   PRE-2;2018-2022;ti-4401;Datacenter;850 k€;19 novembre 2019\n";
        let file = territoires_ingest::portfolio::read_portfolio_file(
            std::path::Path::new("plan.csv"),
            csv.as_bytes(),
            &Default::default(),
        )
        .unwrap();
        let audited = s.audit_log(10_000).await.unwrap().len();
        let preview = s
            .preview_portfolio(
                (&file.portfolio, &file.given),
                &file.content_hash,
                "test",
                1,
            )
            .await
            .unwrap()
            .expect("not imported before");
        assert_eq!(preview.changed, 2, "{label}");
        assert_eq!(
            preview.changes.len(),
            1,
            "{label}: at most the number asked"
        );
        assert_eq!(preview.changes[0].entity_key, "PRE-1", "{label}");
        assert_eq!(
            s.audit_log(10_000).await.unwrap().len(),
            audited,
            "{label}: nothing kept"
        );
        assert!(
            s.stored_project("PRE-1").await.unwrap().is_none(),
            "{label}"
        );

        let outcome = s
            .import_portfolio((&file.portfolio, &file.given), &file.content_hash, "test")
            .await
            .unwrap();
        assert_eq!(outcome.written, preview.written, "{label}");
        assert!(
            s.preview_portfolio(
                (&file.portfolio, &file.given),
                &file.content_hash,
                "test",
                10
            )
            .await
            .unwrap()
            .is_none(),
            "{label}: the same file again changes nothing"
        );
    }
}

/// A spreadsheet that carries only some columns changes those, and keeps what it lacks: the stored
/// description, themes, source and statuses of a fiche survive an update of its title and cost.
#[tokio::test]
async fn a_partial_spreadsheet_changes_its_columns_and_keeps_the_others() {
    for TestStore {
        store: s, label, ..
    } in testing::all().await
    {
        import_registry(&s).await;
        demo::load_demo(&s, "test").await.unwrap();
        let (before, _) = s
            .stored_project("GE2019-4415-HYDROGENE")
            .await
            .unwrap()
            .unwrap();
        let csv = "Code;Phase;Intitulé;Coût total\n\
                   GE2019-4415-HYDROGENE;2018-2022;Hydrogène des Vosges;3 M€\n";
        let file = territoires_ingest::portfolio::read_portfolio_file(
            std::path::Path::new("maj.csv"),
            csv.as_bytes(),
            &Default::default(),
        )
        .unwrap();
        s.import_portfolio((&file.portfolio, &file.given), &file.content_hash, "test")
            .await
            .unwrap();
        let (after, _) = s
            .stored_project("GE2019-4415-HYDROGENE")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.title, "Hydrogène des Vosges", "{label}");
        assert_eq!(after.total_cost, Some(Cents::euros(3_000_000)), "{label}");
        assert_eq!(after.description, before.description, "{label}");
        assert!(!before.description.is_empty());
        assert_eq!(after.themes, before.themes, "{label}");
        assert_eq!(after.territories, before.territories, "{label}");
        assert_eq!(after.history, before.history, "{label}");
        assert_eq!(after.source, before.source, "{label}");
    }
}

/// What a download of every project of a phase holds, as of `date`.
async fn exported(s: &Store, phase: Phase, date: &str) -> Portfolio {
    // A team's download: agents read the fiches not yet public, which the export marks.
    s.seen_by(Audience::Agents)
        .portfolio_extract(&territoires_store::bilan::ProjectQuery::all(Frame::at(
            phase,
            Scope::France,
            d(date),
        )))
        .await
        .unwrap()
}

fn sorted(mut p: Portfolio) -> Portfolio {
    p.funders.sort_by(|a, b| a.code.cmp(&b.code));
    p.schemes.sort_by(|a, b| a.code.cmp(&b.code));
    p.envelopes.sort_by(|a, b| a.code.cmp(&b.code));
    p.projects.sort_by(|a, b| a.code.cmp(&b.code));
    p.lines.sort_by(|a, b| a.key().cmp(&b.key()));
    p
}

/// Every table exported as the import reads it (one workbook per phase, and CSV files) and imported into
/// an empty store gives the same portfolio; imported again, it changes nothing. An export as of a past
/// date gives the bilan of that date.
#[tokio::test]
async fn an_export_imports_back_as_it_was() {
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        synthetic::load_synthetic(s, 7, 1, "test").await.unwrap();
        let copy = t.like().await;
        import_registry(&copy.store).await;
        let today = "2026-11-23";
        for phase in Phase::ALL {
            let out = exported(s, phase, today).await;
            assert!(out.projects.len() > 500, "{}: {phase}", t.label);
            assert!(
                out.projects.iter().any(|p| p.not_yet_public),
                "{}: {phase}: the mark « pas encore publique » makes the round trip too",
                t.label
            );
            assert!(
                out.schemes.iter().any(|s| !s.details.coverage.is_empty())
                    && out.schemes.iter().any(|s| s.details.is_empty()),
                "{}: described and undescribed schemes make the round trip",
                t.label
            );
            let bytes = export::workbook(&out).unwrap();
            let name = format!("projets-{}.xlsx", phase.slug());
            let file =
                read_portfolio_file(std::path::Path::new(&name), &bytes, &Default::default())
                    .unwrap();
            assert_eq!(
                sorted(file.portfolio.clone()),
                sorted(out.clone()),
                "{}",
                t.label
            );
            let outcome = copy
                .store
                .import_portfolio((&file.portfolio, &file.given), &file.content_hash, "test")
                .await
                .unwrap();
            assert!(!outcome.unchanged, "{}", t.label);
            let back = exported(&copy.store, phase, today).await;
            assert_eq!(sorted(back), sorted(out.clone()), "{}: {phase}", t.label);

            // The same records as a folder of CSV files change nothing.
            let dir = tempfile::tempdir().unwrap();
            for (table, _) in territoires_ingest::portfolio::TABLES {
                std::fs::write(
                    dir.path().join(format!("{table}.csv")),
                    export::csv_table(&out, table),
                )
                .unwrap();
            }
            let csv =
                territoires_ingest::portfolio::read_portfolio(dir.path(), &Default::default())
                    .unwrap();
            assert_eq!(sorted(csv.portfolio.clone()), sorted(out), "{}", t.label);
            let again = copy
                .store
                .import_portfolio((&csv.portfolio, &csv.given), &csv.content_hash, "test")
                .await
                .unwrap();
            assert_eq!(
                again.written.iter().map(|(_, n)| n).sum::<u64>(),
                0,
                "{}: {phase} {:?}",
                t.label,
                again.written
            );
        }

        // A download as of a past date, imported alone, gives that date's national figures.
        let past = "2022-06-30";
        let then = exported(s, Phase::First, past).await;
        let alone = t.like().await;
        import_registry(&alone.store).await;
        let bytes = export::workbook(&then).unwrap();
        let file = read_portfolio_file(
            std::path::Path::new("2022.xlsx"),
            &bytes,
            &Default::default(),
        )
        .unwrap();
        alone
            .store
            .import_portfolio((&file.portfolio, &file.given), &file.content_hash, "test")
            .await
            .unwrap();
        let (a, b) = (
            bilan(s, Phase::First, Scope::France, past).await,
            bilan(&alone.store, Phase::First, Scope::France, past).await,
        );
        for f in [
            FigureCode::Projects,
            FigureCode::Committed,
            FigureCode::Paid,
            FigureCode::ProjectsEngagedByState,
        ] {
            assert_eq!(value(&a, f), value(&b, f), "{}: {f:?}", t.label);
        }
    }
}

/// The template holds every table's columns, the scope's territories in its lists, and nothing to
/// import until it is filled; filled, it imports.
#[test]
fn the_template_has_the_tables_and_lists_and_nothing_to_import_until_filled() {
    use calamine::Reader;
    let choices = template::Choices {
        scope: "Région Grand Est".into(),
        territories: vec![("ti-4415".into(), "Vosges".into())],
        funders: vec![("bpifrance".into(), "Bpifrance".into())],
        schemes: vec![],
    };
    let bytes = template::template(Kind::Portfolio, &choices).unwrap();
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    for (table, columns) in territoires_ingest::portfolio::TABLES {
        let range = book.worksheet_range(table).unwrap();
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header, columns, "{table}");
    }
    let lists = book.worksheet_range("listes").unwrap();
    let cells: Vec<String> = lists.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(cells.contains(&"ti-4415".to_owned()) && cells.contains(&"Vosges".to_owned()));
    let empty = read_portfolio_file(
        std::path::Path::new("modele.xlsx"),
        &bytes,
        &Default::default(),
    )
    .unwrap_err();
    assert!(empty.to_string().contains("aucune ligne"), "{empty}");
}

/// The history and post templates hold their one table, the events and precisions in their lists, and
/// are read by their own readers from that sheet (not the notice before it): empty, they import nothing.
#[test]
fn the_history_and_post_templates_are_read_from_their_sheet() {
    use calamine::Reader;
    use territoires_ingest::context::Context;
    use territoires_ingest::registry::posts;
    let choices = template::Choices {
        scope: "Région Grand Est".into(),
        territories: vec![("ti-4415".into(), "Vosges".into())],
        funders: vec![("bdt".into(), "Banque des Territoires".into())],
        schemes: vec![],
    };
    for (kind, table, columns) in [
        (Kind::History, history::TABLE, &history::COLUMNS[..]),
        (Kind::Posts, posts::TABLE, &posts::COLUMNS[..]),
    ] {
        let bytes = template::template(kind, &choices).unwrap();
        let mut book =
            calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        assert_eq!(book.sheet_names(), ["notice", table, "listes"]);
        let range = book.worksheet_range(table).unwrap();
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header, columns, "{table}");
        let notice = book.worksheet_range("notice").unwrap();
        let notice: Vec<String> = notice.cells().map(|(_, _, c)| c.to_string()).collect();
        for column in columns {
            assert!(
                notice.contains(&column.to_string()),
                "{table}: {column} explained"
            );
        }
        let lists = book.worksheet_range("listes").unwrap();
        let lists: Vec<String> = lists.cells().map(|(_, _, c)| c.to_string()).collect();
        for value in [
            "ti-4415",
            "diagnostic_realise",
            "chef_de_projet",
            "au_plus_tard",
            "bdt",
        ] {
            assert!(lists.contains(&value.to_owned()), "{value} listed");
        }
        let path = std::path::Path::new("modele.xlsx");
        let read = match kind {
            Kind::History => {
                history::read_history_file(path, &bytes, &Context::default()).map(|(r, _)| r.len())
            }
            _ => posts::read_posts_file(path, &bytes, &Context::default()).map(|(r, _)| r.len()),
        };
        let refused = read.expect_err("an empty template is refused, not imported as 0 rows");
        assert!(
            refused.to_string().contains("aucune ligne"),
            "{table}: {refused}"
        );
    }
}

/// A fiche of an unknown territory is named by the preview, before the database would refuse it.
#[tokio::test]
async fn a_preview_names_an_unknown_territory() {
    for t in testing::all().await {
        import_registry(&t.store).await;
        let csv = "code;phase;territoires;titre;en_preparation\n\
                   X-1;2018-2022;ti-4499;Nulle part;2020-01-01\n\
                   X-2;2018-2022;ti-4498;Ailleurs;2020-01-01\n";
        let file = read_portfolio_file(
            std::path::Path::new("x.csv"),
            csv.as_bytes(),
            &Default::default(),
        )
        .unwrap();
        let err = t
            .store
            .preview_portfolio(
                (&file.portfolio, &file.given),
                &file.content_hash,
                "test",
                10,
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("territoire « ti-4499 » inconnu")
                && err.to_string().contains("territoire « ti-4498 » inconnu"),
            "{}: every unknown territory, not only the first: {err}",
            t.label
        );
        let applied = t
            .store
            .import_portfolio((&file.portfolio, &file.given), &file.content_hash, "test")
            .await;
        assert!(applied.is_err(), "{}: the apply refuses it too", t.label);
    }
}

#[tokio::test]
async fn fiches_are_published_with_the_dates_of_their_audit_and_an_abandonment_shows() {
    use territoires_domain::opendata::projects::{self, DATASET};
    use territoires_domain::opendata::Value;
    for t in testing::all().await {
        let s = &t.store;
        import_registry(s).await;
        demo::load_demo(s, "test").await.unwrap();
        let now = Frame::at(Phase::First, Scope::France, d("2026-07-01"));
        let fiches = s.bilan_rows(&now).await.unwrap().projects;
        let first = s.publication(&DATASET).await.unwrap();
        assert_eq!(
            first.publication.rows.len(),
            fiches.len(),
            "{}: every fiche, each audited",
            t.label
        );
        assert!(first.publication.withheld.is_empty(), "{}", t.label);
        let fiche = fiches
            .iter()
            .find(|p| p.status == Some(ProjectStatus::InPreparation))
            .unwrap();
        let code = &fiche.project.code;
        let id = Value::Text(projects::id(code).to_string());
        let row_of = |rows: &[Vec<Value>]| rows.iter().find(|r| r[0] == id).unwrap().clone();
        let before = row_of(&first.publication.rows);
        assert_eq!(
            before[7..9],
            [Value::text("Étude"), Value::text("En cours")]
        );
        assert_eq!(before[1], before[2], "{}: never changed since", t.label);

        let version = s
            .project(code, d("2026-07-01"))
            .await
            .unwrap()
            .unwrap()
            .version;
        let abandon = StatusChange {
            status: ProjectStatus::Abandoned,
            on: d("2026-07-01"),
        };
        s.record_project_status(code, version, abandon, "test")
            .await
            .unwrap();
        let after = s.publication(&DATASET).await.unwrap();
        let row = row_of(&after.publication.rows);
        assert_eq!(
            row[7..9],
            [Value::text("Étude"), Value::text("Abandonné")],
            "{}: abandoned in its study phase",
            t.label
        );
        assert_eq!(row[1], before[1], "{}: created when it was", t.label);
        assert_ne!(row[2], before[2], "{}: updated now", t.label);
        assert!(
            after.updated > first.updated,
            "{}: the dataset too",
            t.label
        );
    }
}
