//! The bilan as a document: figures with their definitions, charts, a map and tables, in French, built once
//! and rendered by the web page (HTML) and by the PDF export alike. The CSV and XLSX exports give the rows
//! underneath.

pub mod charts;
pub mod pdf;
pub mod tables;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use territoires_domain::fr::{integer, iso_date, long_date, percent};
use territoires_domain::funding::FunderKind;
use territoires_domain::indicators::stage_definitions;
use territoires_domain::map::{view_box_around, OVERVIEW_VIEW_BOX};
use territoires_domain::milestone::Stage;
use territoires_domain::money::Cents;
use territoires_domain::DomainError;
use territoires_store::bilan::BilanReport;
use territoires_store::territories::MapShape;

use charts::{bar_chart, choropleth, line_chart, Bar, Series, BLUE, GREEN};

/// What the map of a bilan is coloured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum MapIndicator {
    /// Stage reached by each territory.
    #[default]
    Stage,
    /// Projects carried.
    Projects,
    /// Amounts committed on its projects.
    Committed,
    /// Amounts paid on its projects.
    Paid,
}

impl MapIndicator {
    /// Every indicator, as offered to users.
    pub const ALL: [MapIndicator; 4] = [Self::Stage, Self::Projects, Self::Committed, Self::Paid];

    /// The code used in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Stage => "stade",
            Self::Projects => "projets",
            Self::Committed => "engage",
            Self::Paid => "verse",
        }
    }

    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Self::Stage => "Étape atteinte",
            Self::Projects => "Nombre de projets",
            Self::Committed => "Montants engagés",
            Self::Paid => "Montants versés",
        }
    }
}

impl FromStr for MapIndicator {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|i| i.code() == s.trim())
            .ok_or_else(|| DomainError::Invalid {
                field: "indicateur",
                value: s.to_owned(),
                expected: "stade, projets, engage ou verse",
            })
    }
}

impl fmt::Display for MapIndicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A key figure.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// What it counts.
    pub label: String,
    /// The value, formatted.
    pub value: String,
    /// A precision (share, breakdown).
    pub detail: String,
    /// How it is computed.
    pub definition: String,
}

/// A chart or map, as SVG.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// Title.
    pub title: String,
    /// The SVG.
    pub svg: String,
    /// A note under it.
    pub note: Option<String>,
    /// Legend entries (colour, label), for maps.
    pub legend: Vec<(String, String)>,
}

/// A table of the document.
#[derive(Debug, Clone, Serialize)]
pub struct TableBlock {
    /// Title.
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Whether each column is numeric (right-aligned).
    pub numeric: Vec<bool>,
    /// Rows of formatted cells.
    pub rows: Vec<Vec<String>>,
    /// A note under it.
    pub note: Option<String>,
}

/// The whole bilan, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct BilanDocument {
    /// Title.
    pub title: String,
    /// Scope and phase.
    pub subtitle: String,
    /// "19 novembre 2019".
    pub as_of_label: String,
    /// The key figures.
    pub figures: Vec<Figure>,
    /// The map.
    pub map: Chart,
    /// Charts.
    pub charts: Vec<Chart>,
    /// Tables.
    pub tables: Vec<TableBlock>,
    /// What the figures do not say (unknown amounts, double counting in breakdowns).
    pub notes: Vec<String>,
}

/// What a document is built from.
pub struct DocumentInput<'a> {
    /// The figures and their evolution.
    pub report: &'a BilanReport,
    /// "France", "Région Grand Est", "Terres de Lorraine (ti-4411)".
    pub scope_label: &'a str,
    /// The phase's territory shapes.
    pub territory_shapes: &'a [MapShape],
    /// Region shapes.
    pub region_shapes: &'a [MapShape],
    /// What the map shows.
    pub map_indicator: MapIndicator,
}

fn share(part: i64, whole: i64) -> String {
    percent(part, whole).unwrap_or_else(|| "–".into())
}

fn money_share(part: Cents, whole: Cents) -> String {
    if whole.0 <= 0 {
        "–".into()
    } else {
        // Percent of cents, rounded, in integers: no float touches the amounts.
        format!(
            "{}\u{a0}%",
            (part.0 as i128 * 100 + whole.0 as i128 / 2) / whole.0 as i128
        )
    }
}

fn kind_label(kind: FunderKind) -> String {
    kind.label().to_owned()
}

/// Builds the document of a bilan.
pub fn document(input: &DocumentInput<'_>) -> BilanDocument {
    let b = &input.report.bilan;
    let t = &b.territories;
    let p = &b.projects;
    let m = &b.money;
    let definitions: HashMap<Stage, &str> = stage_definitions().into_iter().collect();
    // With no funding line at all, a sum of zero would read as "nothing was funded": say it is unknown.
    let no_line = p.recorded > 0 && p.without_funding_line == p.recorded;
    let euros = |c: Cents| {
        if no_line {
            "Inconnu".to_owned()
        } else {
            c.rounded().to_string()
        }
    };
    let figure = |label: &str, value: String, detail: String, definition: &str| Figure {
        label: label.to_owned(),
        value,
        detail,
        definition: definition.to_owned(),
    };
    let figures = vec![
        figure("Territoires labellisés", integer(t.territories), b.phase.label().to_owned(), "Territoires de la phase rattachés au périmètre, d'après la liste de l'ANCT."),
        figure("Gouvernance installée", integer(t.governance_installed), format!("{} des territoires", share(t.governance_installed, t.territories)), definitions[&Stage::GovernanceInstalled]),
        figure("Plans d'actions élaborés", integer(t.action_plan_drafted), format!("{} des territoires", share(t.action_plan_drafted, t.territories)), definitions[&Stage::ActionPlanDrafted]),
        figure("Plans d'actions validés", integer(t.action_plan_validated), format!("{} des territoires", share(t.action_plan_validated, t.territories)), definitions[&Stage::ActionPlanValidated]),
        figure("Protocoles ou contrats signés", integer(t.agreement_signed), format!("{} des territoires", share(t.agreement_signed, t.territories)), definitions[&Stage::AgreementSigned]),
        figure("Projets recensés", integer(p.recorded), format!("dont {} réalisés et {} abandonnés", integer(p.completed), integer(p.abandoned)), "Fiches actions ayant un statut à la date, portées par au moins un territoire du périmètre ; un projet partagé compte une fois."),
        figure("Projets engagés par l'État", integer(p.engaged_by_state), format!("{} des projets recensés", share(p.engaged_by_state, p.recorded)), "Projets ayant au moins une ligne engagée, non annulée, de l'État ou d'un de ses opérateurs (Bpifrance, Banque des Territoires, Ademe, Business France, France Travail, Cerema)."),
        figure("Montants engagés", euros(m.committed), format!("dont {} sur crédits spécifiques Territoires d'industrie et {} de droit commun", b.committed_ti_specific.rounded(), b.committed_general_law.rounded()), "Somme des lignes de financement engagées à la date et non annulées, tous financeurs ; calculée, jamais saisie."),
        figure("Montants versés", euros(m.paid), format!("{} des montants engagés", money_share(m.paid, m.committed)), "Somme des versements enregistrés à la date : l'engagé n'est pas le versé."),
        figure("Montants demandés", euros(m.requested), format!("{} engagés", money_share(m.committed, m.requested)), "Somme des demandes de financement déposées à la date."),
        figure("Projets au financement inconnu", integer(p.without_funding_line), format!("{} des projets recensés", share(p.without_funding_line, p.recorded)), "Projets sans aucune ligne de financement à la date : leurs montants sont inconnus, pas nuls."),
        figure("Emplois créés prévus", integer(b.expected.jobs_created), format!("et {} emplois maintenus ; renseignés pour {} projets sur {}", integer(b.expected.jobs_kept), integer(b.expected.projects_with_values), integer(p.recorded)), "Somme des emplois prévus par les fiches actions qui les renseignent."),
        figure("Investissement industriel prévu", b.expected.investment.rounded().to_string(), format!("renseigné pour {} projets sur {}", integer(b.expected.projects_with_values), integer(p.recorded)), "Somme des investissements prévus par les fiches actions qui les renseignent."),
        figure("Emplois créés constatés", integer(b.measured.jobs_created), format!("renseignés pour {} projets réalisés sur {}", integer(b.measured.projects_with_values), integer(p.completed)), "Emplois constatés sur les projets réalisés à la date."),
    ];

    let evolution = &input.report.evolution;
    let x_labels: Vec<String> = evolution
        .iter()
        .map(|e| iso_date(e.on)[..7].to_owned())
        .collect();
    let mut charts = vec![
        Chart {
            title: "Évolution des territoires".into(),
            svg: line_chart(
                "Évolution du nombre de territoires avec gouvernance installée et plan d'actions validé",
                &x_labels,
                &[
                    Series { label: "Gouvernance installée", color: BLUE, values: evolution.iter().map(|e| e.governance_installed as f64).collect() },
                    Series { label: "Plan d'actions validé", color: GREEN, values: evolution.iter().map(|e| e.action_plan_validated as f64).collect() },
                ],
                |v| integer(v.round() as i64),
            ),
            note: Some("Fin de chaque trimestre depuis le début de la phase, puis la date du bilan.".into()),
            legend: vec![],
        },
        Chart {
            title: "Évolution des montants engagés et versés".into(),
            svg: line_chart(
                "Évolution des montants engagés et versés",
                &x_labels,
                &[
                    Series { label: "Engagé", color: BLUE, values: evolution.iter().map(|e| e.committed.as_euros_f64()).collect() },
                    Series { label: "Versé", color: GREEN, values: evolution.iter().map(|e| e.paid.as_euros_f64()).collect() },
                ],
                |v| Cents((v * 100.0) as i64).short(),
            ),
            note: None,
            legend: vec![],
        },
        Chart {
            title: "Projets par axe".into(),
            svg: bar_chart(
                "Projets par axe",
                &b.by_axis
                    .iter()
                    .map(|a| Bar { label: a.axis.label().into(), value: a.projects as f64, value_label: format!("{} projets · {}", integer(a.projects), a.money.committed.short()) })
                    .collect::<Vec<_>>(),
                BLUE,
            ),
            note: Some("Un projet sur plusieurs axes compte dans chacun.".into()),
            legend: vec![],
        },
        Chart {
            title: "Montants engagés par type de financeur".into(),
            svg: bar_chart(
                "Montants engagés par type de financeur",
                &b.by_funder_kind
                    .iter()
                    .map(|(k, money)| Bar { label: k.label().into(), value: money.committed.as_euros_f64(), value_label: money.committed.short() })
                    .collect::<Vec<_>>(),
                BLUE,
            ),
            note: None,
            legend: vec![],
        },
    ];
    if !b.by_funder.is_empty() {
        charts.push(Chart {
            title: "Principaux financeurs (montants engagés)".into(),
            svg: bar_chart(
                "Principaux financeurs",
                &b.by_funder
                    .iter()
                    .take(10)
                    .map(|f| Bar {
                        label: f.name.clone(),
                        value: f.money.committed.as_euros_f64(),
                        value_label: f.money.committed.short(),
                    })
                    .collect::<Vec<_>>(),
                GREEN,
            ),
            note: None,
            legend: vec![],
        });
    }

    let mut tables = vec![TableBlock {
        title: "Par financeur".into(),
        headers: ["Financeur", "Type", "Projets engagés", "Demandé", "Engagé", "Versé"].map(String::from).to_vec(),
        numeric: vec![false, false, true, true, true, true],
        rows: b
            .by_funder
            .iter()
            .map(|f| vec![f.name.clone(), kind_label(f.kind), integer(f.projects), f.money.requested.rounded().to_string(), f.money.committed.rounded().to_string(), f.money.paid.rounded().to_string()])
            .chain(std::iter::once(vec![
                "Total".into(),
                String::new(),
                integer(p.with_commitment),
                m.requested.rounded().to_string(),
                m.committed.rounded().to_string(),
                m.paid.rounded().to_string(),
            ]))
            .collect(),
        note: Some("Chaque ligne de financement compte une fois, pour son financeur : les financeurs s'additionnent au total.".into()),
    }];
    if b.by_region.len() > 1 {
        tables.push(TableBlock {
            title: "Par région".into(),
            headers: ["Région", "Territoires", "Gouvernance installée", "Plan validé", "Projets", "Engagé", "Versé"].map(String::from).to_vec(),
            numeric: vec![false, true, true, true, true, true, true],
            rows: b
                .by_region
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        integer(r.progress.territories),
                        integer(r.progress.governance_installed),
                        integer(r.progress.action_plan_validated),
                        integer(r.projects),
                        r.money.committed.rounded().to_string(),
                        r.money.paid.rounded().to_string(),
                    ]
                })
                .collect(),
            note: Some("Un projet partagé entre territoires de régions différentes compte dans chacune : la somme des régions peut dépasser le total.".into()),
        });
    }
    if b.by_territory.len() <= 40 {
        tables.push(TableBlock {
            title: "Par territoire".into(),
            headers: ["Territoire", "Étape atteinte", "Projets", "Engagé", "Versé"]
                .map(String::from)
                .to_vec(),
            numeric: vec![false, false, true, true, true],
            rows: b
                .by_territory
                .iter()
                .map(|t| {
                    vec![
                        format!("{} ({})", t.name, t.id),
                        t.progress.stage.label().into(),
                        integer(t.projects),
                        t.money.committed.rounded().to_string(),
                        t.money.paid.rounded().to_string(),
                    ]
                })
                .collect(),
            note: Some("Un projet partagé compte pour chacun de ses territoires.".into()),
        });
    }
    if !b.envelopes.is_empty() {
        tables.push(TableBlock {
            title: "Consommation des enveloppes".into(),
            headers: [
                "Enveloppe",
                "Dispositif",
                "Portée",
                "Montant",
                "Engagé",
                "Taux",
            ]
            .map(String::from)
            .to_vec(),
            numeric: vec![false, false, false, true, true, true],
            rows: b
                .envelopes
                .iter()
                .map(|e| {
                    vec![
                        e.code.clone(),
                        e.scheme.clone(),
                        e.region
                            .as_ref()
                            .map_or_else(|| "Nationale".into(), |r| format!("Région {r}")),
                        e.amount.rounded().to_string(),
                        e.committed.rounded().to_string(),
                        money_share(e.committed, e.amount),
                    ]
                })
                .collect(),
            note: Some(
                "Engagé sur l'enveloppe entière à la date, tous territoires confondus.".into(),
            ),
        });
    }

    let mut notes = Vec::new();
    if p.without_funding_line > 0 {
        notes.push(format!(
            "{} projet(s) sur {} n'ont encore aucune ligne de financement : leurs montants sont inconnus et ne sont pas comptés comme nuls.",
            integer(p.without_funding_line),
            integer(p.recorded)
        ));
    }
    notes.push("Les montants sont calculés à partir des lignes de financement (demandé, engagé, versé), à la date du bilan ; un engagement annulé cesse de compter à sa date d'annulation.".into());

    BilanDocument {
        title: format!("Bilan Territoires d'industrie — {}", input.scope_label),
        subtitle: b.phase.label().to_owned(),
        as_of_label: long_date(b.as_of),
        figures,
        map: map(input),
        charts,
        tables,
        notes,
    }
}

/// The map: territories of the scope coloured by the indicator, cropped to them unless national.
fn map(input: &DocumentInput<'_>) -> Chart {
    let b = &input.report.bilan;
    let in_scope: HashMap<&str, &territoires_domain::indicators::TerritoryTotal> =
        b.by_territory.iter().map(|t| (t.id.as_str(), t)).collect();
    let value = |t: &territoires_domain::indicators::TerritoryTotal| -> f64 {
        match input.map_indicator {
            MapIndicator::Stage => 0.0,
            MapIndicator::Projects => t.projects as f64,
            MapIndicator::Committed => t.money.committed.as_euros_f64(),
            MapIndicator::Paid => t.money.paid.as_euros_f64(),
        }
    };
    let mut legend = Vec::new();
    let classes: HashMap<String, Option<usize>> = if input.map_indicator == MapIndicator::Stage {
        legend.extend(
            [
                (charts::EMPTY, "Aucune étape enregistrée"),
                (charts::SCALE[1], "Gouvernance ou plan en cours"),
                (charts::SCALE[2], "Plan d'actions validé"),
                (charts::SCALE[4], "Protocole ou contrat signé"),
            ]
            .map(|(c, l)| (c.to_owned(), l.to_owned())),
        );
        in_scope
            .iter()
            .map(|(id, t)| {
                let s = t.progress.stage;
                let class = if s >= Stage::AgreementSigned {
                    Some(4)
                } else if s >= Stage::ActionPlanValidated {
                    Some(2)
                } else if s >= Stage::GovernanceInstalled {
                    Some(1)
                } else {
                    None
                };
                ((*id).to_owned(), class)
            })
            .collect()
    } else {
        // Five classes of equal size among the territories with a value (quantiles): amounts are skewed.
        let mut values: Vec<f64> = in_scope
            .values()
            .map(|t| value(t))
            .filter(|v| *v > 0.0)
            .collect();
        values.sort_by(f64::total_cmp);
        let bounds: Vec<f64> = (1..5)
            .map(|k| {
                values
                    .get(values.len() * k / 5)
                    .copied()
                    .unwrap_or(f64::MAX)
            })
            .collect();
        let format = |v: f64| match input.map_indicator {
            MapIndicator::Projects => integer(v.round() as i64),
            _ => Cents((v * 100.0) as i64).short(),
        };
        legend.push((charts::EMPTY.to_owned(), "Aucun".to_owned()));
        let mut lower = values.first().copied().unwrap_or(0.0);
        for (k, colour) in charts::SCALE.iter().enumerate() {
            let upper = bounds
                .get(k)
                .copied()
                .unwrap_or_else(|| values.last().copied().unwrap_or(0.0));
            if !values.is_empty() {
                legend.push((
                    (*colour).to_owned(),
                    format!(
                        "{} à {}",
                        format(lower),
                        format(upper.min(*values.last().unwrap_or(&0.0)))
                    ),
                ));
            }
            lower = upper;
        }
        in_scope
            .iter()
            .map(|(id, t)| {
                let v = value(t);
                let class = (v > 0.0).then(|| bounds.iter().filter(|b| v >= **b).count());
                ((*id).to_owned(), class)
            })
            .collect()
    };
    let national = b.scope == "france";
    let shown: Vec<MapShape> = input
        .territory_shapes
        .iter()
        .filter(|s| national || in_scope.contains_key(s.code.as_str()))
        .cloned()
        .collect();
    let view_box = if national || shown.is_empty() {
        OVERVIEW_VIEW_BOX.to_owned()
    } else {
        let bbox = shown
            .iter()
            .fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |acc, s| {
                [
                    acc[0].min(s.min_x),
                    acc[1].min(s.min_y),
                    acc[2].max(s.max_x),
                    acc[3].max(s.max_y),
                ]
            });
        view_box_around(bbox)
    };
    Chart {
        title: format!("Carte : {}", input.map_indicator.label().to_lowercase()),
        svg: choropleth(
            &format!(
                "Carte des territoires, {}",
                input.map_indicator.label().to_lowercase()
            ),
            &view_box,
            input.region_shapes,
            &shown,
            &classes,
            national,
        ),
        note: None,
        legend,
    }
}
