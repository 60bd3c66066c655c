//! The figures of the document in words: values ("Inconnu" when unknown), the details that say what they
//! rest on, the charts of the evolution and breakdowns, and the notes to read before quoting them.

use territoires_domain::bilan::figures::{Criterion, FigureCode, Grouping, Unit, Value};
use territoires_domain::fr::{count, integer, long_date, percent};
use territoires_domain::money::Cents;

use super::charts::{bar_chart, step_chart, Bar, StepSeries, BLUE, GREEN};
use super::{Chart, DocumentInput, Figure};

/// The word shown for an unknown value, everywhere.
pub const UNKNOWN: &str = "Inconnu";

/// A value in French: a count, an amount in euros (rounded), or "Inconnu".
pub fn format_value(code: FigureCode, value: Value) -> String {
    match (value.value, code.unit()) {
        (None, _) => UNKNOWN.to_owned(),
        (Some(v), Unit::Cents) => Cents(v).rounded().to_string(),
        (Some(v), _) => integer(v),
    }
}

fn share(part: Option<i64>, whole: Option<i64>) -> String {
    match (part, whole) {
        (Some(p), Some(w)) => percent(p, w).unwrap_or_else(|| "–".into()),
        // Said in words: a dash would read as nothing, or as zero.
        _ => "part inconnue".into(),
    }
}

/// A share of amounts, in integers: no float touches the amounts.
pub(crate) fn money_share(part: Cents, whole: Cents) -> String {
    if whole.0 <= 0 {
        "–".into()
    } else {
        format!(
            "{}\u{a0}%",
            (part.0 as i128 * 100 + whole.0 as i128 / 2) / whole.0 as i128
        )
    }
}

/// The headline figures with their details, and every other stock figure (for the complete table).
pub fn headline(
    input: &DocumentInput<'_>,
    figure: impl Fn(&DocumentInput<'_>, FigureCode, String) -> Figure,
) -> (Vec<Figure>, Vec<Figure>) {
    use FigureCode::*;
    let b = &input.report.bilan;
    let v = |f: FigureCode| b.value(f).value;
    let territories = v(Territories);
    let without = v(TerritoriesWithoutMilestone).unwrap_or(0);
    let of_territories = |f: FigureCode| {
        let mut s = format!("{} des territoires labellisés", share(v(f), territories));
        if without > 0 {
            s.push_str(&format!(
                " ; {} sans aucun jalon enregistré (avancement inconnu)",
                count(without, "territoire", "territoires")
            ));
        }
        s
    };
    let uncertain = v(TerritoriesUncertain).unwrap_or(0);
    let mut labelled = b.frame.phase.label().to_owned();
    if uncertain > 0 {
        labelled.push_str(&format!(
            " ; dont {} sur une date de labellisation incertaine",
            count(uncertain, "compté", "comptés")
        ));
    }
    if let Some(a) = b.announced {
        labelled.push_str(&format!(
            " ; le programme annonçait {} territoires au {} ({})",
            integer(a.territories),
            long_date(a.on),
            a.event
        ));
    }
    let projects = v(Projects);
    let unknown_funding = v(ProjectsUnknownFunding).unwrap_or(0);
    let mut committed = match (v(CommittedTiSpecific), v(CommittedGeneralLaw)) {
        (Some(ti), Some(gl)) => format!(
            "dont {} sur crédits spécifiques Territoires d'industrie et {} de droit commun",
            Cents(ti).rounded(),
            Cents(gl).rounded()
        ),
        _ => "aucune ligne de financement à la date".to_owned(),
    };
    if unknown_funding > 0 {
        committed.push_str(&format!(
            " ; {} sans ligne de financement, non comptés",
            count(unknown_funding, "projet", "projets")
        ));
    }
    let outcome = |f: FigureCode, of: &str, over: Option<i64>| {
        let over = match over {
            Some(n) => integer(n),
            // Unknown is never written as 0.
            None => "un nombre inconnu de".to_owned(),
        };
        format!(
            "renseigné pour {} sur {over} {of}",
            count(b.value(f).basis, "projet", "projets"),
        )
    };
    let cofunded = match v(ProjectLeadPostsCofunded) {
        Some(n) => count(n, "poste cofinancé", "postes cofinancés"),
        None => "cofinancements inconnus".to_owned(),
    };
    let post_detail = format!(
        "{cofunded} ; {} sans poste ni désignation enregistrés (inconnu)",
        count(
            v(ProjectLeadPostsUnknown).unwrap_or(0),
            "territoire",
            "territoires"
        )
    );
    let headline = vec![
        figure(input, Territories, labelled),
        figure(
            input,
            GovernanceInstalled,
            of_territories(GovernanceInstalled),
        ),
        figure(
            input,
            ActionPlansDrafted,
            of_territories(ActionPlansDrafted),
        ),
        figure(
            input,
            ActionPlansValidated,
            of_territories(ActionPlansValidated),
        ),
        figure(input, AgreementsSigned, of_territories(AgreementsSigned)),
        figure(input, ProjectLeadsInPost, post_detail),
        figure(
            input,
            Projects,
            format!(
                "dont {} et {}",
                count(v(ProjectsCompleted).unwrap_or(0), "réalisé", "réalisés"),
                count(v(ProjectsAbandoned).unwrap_or(0), "abandonné", "abandonnés")
            ),
        ),
        figure(
            input,
            ProjectsEngagedByState,
            format!(
                "{} des projets recensés",
                share(v(ProjectsEngagedByState), projects)
            ),
        ),
        figure(
            input,
            ProjectsUnknownFunding,
            format!(
                "{} des projets recensés",
                share(v(ProjectsUnknownFunding), projects)
            ),
        ),
        figure(input, Committed, committed),
        figure(
            input,
            Paid,
            match (v(Paid), v(Committed)) {
                (Some(p), Some(c)) => {
                    format!("{} des montants engagés", money_share(Cents(p), Cents(c)))
                }
                _ => "aucune ligne de financement à la date".into(),
            },
        ),
        figure(
            input,
            Requested,
            match (v(Committed), v(Requested)) {
                (Some(c), Some(r)) => format!("{} engagés", money_share(Cents(c), Cents(r))),
                _ => "aucune ligne de financement à la date".into(),
            },
        ),
        figure(
            input,
            JobsCreatedExpected,
            outcome(JobsCreatedExpected, "recensés", projects),
        ),
        figure(
            input,
            InvestmentExpected,
            outcome(InvestmentExpected, "recensés", projects),
        ),
        figure(
            input,
            JobsCreatedMeasured,
            outcome(JobsCreatedMeasured, "réalisés", v(ProjectsCompleted)),
        ),
    ];
    let shown: Vec<FigureCode> = headline.iter().map(|f| f.code).collect();
    let others = b
        .figures
        .iter()
        .filter(|f| !f.figure.is_flow() && !shown.contains(&f.figure))
        .map(|f| figure(input, f.figure, String::new()))
        .collect();
    (headline, others)
}

/// The evolution and breakdown charts.
pub fn charts(input: &DocumentInput<'_>) -> Vec<Chart> {
    let report = input.report;
    let b = &report.bilan;
    let from = b.frame.phase.labelling_date();
    let to = b.frame.as_of;
    let series = |f: FigureCode| report.evolution.iter().find(|s| s.figure == f);
    let steps = |f: FigureCode, scale: f64| -> Vec<(time::Date, Option<f64>)> {
        series(f)
            .map(|s| {
                s.steps
                    .iter()
                    .map(|p| (p.on, p.value.map(|v| v as f64 / scale)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let now = |f: FigureCode| format_value(f, b.value(f));
    let counted = |v: f64| integer(v.round() as i64);
    // The colours of the stages are the map's: the same state reads the same everywhere.
    let mut charts = vec![
        Chart {
            title: "Évolution des territoires".into(),
            svg: step_chart(
                "Évolution du nombre de territoires labellisés, avec gouvernance installée, plan d'actions validé et protocole ou contrat signé",
                from,
                to,
                &[
                    StepSeries { label: "Labellisés", color: "#929292", steps: steps(FigureCode::Territories, 1.0), dashed: true, width: 2.0 },
                    StepSeries { label: "Gouvernance installée", color: super::charts::SCALE[1], steps: steps(FigureCode::GovernanceInstalled, 1.0), dashed: false, width: 9.0 },
                    StepSeries { label: "Plan d'actions validé", color: super::charts::SCALE[2], steps: steps(FigureCode::ActionPlansValidated, 1.0), dashed: false, width: 5.5 },
                    StepSeries { label: "Protocole ou contrat signé", color: super::charts::SCALE[4], steps: steps(FigureCode::AgreementsSigned, 1.0), dashed: false, width: 2.5 },
                ],
                counted,
            ),
            description: format!(
                "Courbes en escalier du {} au {} : au {}, {} territoires labellisés, gouvernance installée : {}, plan d'actions validé : {}, protocole ou contrat signé : {}.",
                long_date(from),
                long_date(to),
                long_date(to),
                now(FigureCode::Territories),
                now(FigureCode::GovernanceInstalled),
                now(FigureCode::ActionPlansValidated),
                now(FigureCode::AgreementsSigned)
            ),
            note: Some("Chaque marche est un jour où un jalon a été enregistré ; une étape franchie compte aussi dans les précédentes, d'où des courbes superposées (la plus large dessous). Les territoires dont la date de labellisation est incertaine sont comptés dès leur première date possible ; une courbe n'est pas tracée tant qu'aucun jalon ne la renseigne.".into()),
            legend: vec![],
        },
        Chart {
            title: "Évolution des projets".into(),
            svg: step_chart(
                "Évolution du nombre de projets recensés et engagés par l'État",
                from,
                to,
                &[
                    StepSeries { label: "Projets recensés", color: BLUE, steps: steps(FigureCode::Projects, 1.0), dashed: false, width: 2.5 },
                    StepSeries { label: "Engagés par l'État", color: GREEN, steps: steps(FigureCode::ProjectsEngagedByState, 1.0), dashed: false, width: 2.5 },
                ],
                counted,
            ),
            description: format!(
                "Courbes en escalier : au {}, projets recensés : {}, engagés par l'État : {}.",
                long_date(to),
                now(FigureCode::Projects),
                now(FigureCode::ProjectsEngagedByState)
            ),
            note: Some("La courbe des projets engagés par l'État n'est tracée qu'à partir de la première ligne de financement : avant, on ne sait pas.".into()),
            legend: vec![],
        },
    ];
    let committed = series(FigureCode::Committed);
    if committed.is_some_and(|s| s.known_from.is_some()) {
        charts.push(Chart {
            title: "Évolution des montants engagés et versés".into(),
            svg: step_chart(
                "Évolution des montants engagés et versés",
                from,
                to,
                &[
                    StepSeries { label: "Engagé", color: BLUE, steps: steps(FigureCode::Committed, 100.0), dashed: false, width: 2.5 },
                    StepSeries { label: "Versé", color: GREEN, steps: steps(FigureCode::Paid, 100.0), dashed: false, width: 2.5 },
                ],
                |v| Cents((v * 100.0) as i64).short(),
            ),
            description: format!(
                "Courbes en escalier depuis la première ligne de financement : au {}, {} engagés et {} versés.",
                long_date(to),
                now(FigureCode::Committed),
                now(FigureCode::Paid)
            ),
            note: Some("Les montants ne sont connus qu'à partir de la première ligne de financement : avant, la courbe n'est pas tracée.".into()),
            legend: vec![],
        });
    }
    let bars = |grouping: Grouping, figure: FigureCode| -> Vec<Bar> {
        let Some(t) = b.table(grouping) else {
            return Vec::new();
        };
        let Some(col) = t.columns.iter().position(|c| *c == figure) else {
            return Vec::new();
        };
        t.rows
            .iter()
            .filter_map(|r| {
                let v = r.values[col].value?;
                Some(Bar {
                    label: r.label.clone(),
                    value: v as f64,
                    value_label: match figure.unit() {
                        Unit::Cents => Cents(v).short(),
                        _ => integer(v),
                    },
                    href: (input.link)(figure, &Criterion::of(grouping, r.key.clone())),
                })
            })
            .take(12)
            .collect()
    };
    let describe = |bars: &[Bar]| {
        bars.iter()
            .map(|b| format!("{} : {}", b.label, b.value_label))
            .collect::<Vec<_>>()
            .join(" ; ")
    };
    for (grouping, figure, title, note) in [
        (
            Grouping::Axis,
            FigureCode::Projects,
            "Projets par axe",
            Some("Un projet sur plusieurs axes compte dans chacun."),
        ),
        (
            Grouping::FunderKind,
            FigureCode::Committed,
            "Montants engagés par type de financeur",
            None,
        ),
        (
            Grouping::Funder,
            FigureCode::Committed,
            "Principaux financeurs (montants engagés)",
            None,
        ),
    ] {
        let bars = bars(grouping, figure);
        if bars.iter().all(|b| b.value <= 0.0) {
            continue;
        }
        charts.push(Chart {
            title: title.into(),
            svg: bar_chart(
                title,
                &bars,
                if grouping == Grouping::Funder {
                    GREEN
                } else {
                    BLUE
                },
            ),
            description: describe(&bars),
            note: note.map(str::to_owned),
            legend: vec![],
        });
    }
    charts
}

/// What to read before quoting the figures.
pub fn notes(input: &DocumentInput<'_>) -> Vec<String> {
    use FigureCode::*;
    let b = &input.report.bilan;
    let v = |f: FigureCode| b.value(f).value.unwrap_or(0);
    let mut notes = Vec::new();
    if v(TerritoriesUncertain) > 0 {
        notes.push(format!(
            "{} ne sont connus que par des bornes de date de labellisation : ils sont comptés dès leur première date possible (au plus tôt le lancement de la phase, le {}).",
            count(v(TerritoriesUncertain), "territoire labellisé", "territoires labellisés"),
            long_date(b.frame.phase.labelling_date())
        ));
    }
    if v(TerritoriesWithoutMilestone) > 0 {
        notes.push(format!(
            "{} n'ont aucun jalon d'avancement enregistré : leur avancement est inconnu, et ils ne sont comptés dans aucune étape.",
            count(v(TerritoriesWithoutMilestone), "territoire", "territoires")
        ));
    }
    if v(ProjectsUnknownFunding) > 0 {
        notes.push(format!(
            "{} sur {} n'ont encore aucune ligne de financement : leurs montants sont inconnus et ne sont pas comptés comme nuls.",
            count(v(ProjectsUnknownFunding), "projet", "projets"),
            integer(v(Projects))
        ));
    }
    notes.push("Les montants sont calculés à partir des lignes de financement (demandé, engagé, versé), à la date du bilan ; un engagement annulé cesse de compter à sa date d'annulation. Chaque chiffre mène à la liste des enregistrements qu'il compte.".into());
    notes.push("Un projet partagé par plusieurs territoires compte une fois dans les totaux et une fois dans chaque ligne de région, de territoire ou d'axe à laquelle il appartient.".into());
    notes
}
