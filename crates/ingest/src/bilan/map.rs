//! The map of a bilan: territories of the scope coloured by the indicator chosen, cropped to them unless
//! national, each area linked to the records it stands for. Unknown amounts are hatched, never drawn as
//! "none".

use std::collections::HashMap;

use territoires_domain::bilan::figures::{Criterion, FigureCode, Grouping};
use territoires_domain::fr::integer;
use territoires_domain::map::{view_box_around, OVERVIEW_VIEW_BOX};
use territoires_domain::money::Cents;
use territoires_domain::registry::progress::Stage;
use territoires_store::registry::territories::MapShape;

use super::charts::{self, choropleth, class_of, classes, Fill};
use super::{Chart, DocumentInput, MapIndicator};

/// Builds the map chart.
pub fn map(input: &DocumentInput<'_>) -> Chart {
    let b = &input.report.bilan;
    let labelled: Vec<&territoires_domain::bilan::report::TerritoryLine> = b
        .territories
        .iter()
        .filter(|t| t.progress.labelling.counts())
        .collect();
    let mut legend = Vec::new();
    let mut fills: HashMap<String, Fill> = HashMap::new();
    let figure = input.map_indicator.figure();
    if input.map_indicator == MapIndicator::Stage {
        legend.extend(
            [
                (
                    charts::EMPTY,
                    "Aucune étape enregistrée (avancement inconnu)",
                ),
                (
                    charts::SCALE[1],
                    "Gouvernance installée ou plan en élaboration",
                ),
                (charts::SCALE[2], "Plan d'actions validé"),
                (charts::SCALE[4], "Protocole ou contrat signé"),
            ]
            .map(|(c, l)| (c.to_owned(), l.to_owned())),
        );
        for t in &labelled {
            let s = t.progress.stage;
            let fill = if s >= Stage::AgreementSigned {
                Fill::Class(4)
            } else if s >= Stage::ActionPlanValidated {
                Fill::Class(2)
            } else if s >= Stage::GovernanceInstalled {
                Fill::Class(1)
            } else {
                Fill::Empty
            };
            fills.insert(t.id.clone(), fill);
        }
    } else {
        let table = b.table(Grouping::Territory);
        let value_of = |id: &str, f: FigureCode| {
            table.and_then(|t| {
                let col = t.columns.iter().position(|c| *c == f)?;
                t.rows.iter().find(|r| r.key == id).map(|r| r.values[col])
            })
        };
        let values: Vec<(String, Option<i64>, i64)> = labelled
            .iter()
            .map(|t| {
                let projects = value_of(&t.id, FigureCode::Projects)
                    .and_then(|v| v.value)
                    .unwrap_or(0);
                (
                    t.id.clone(),
                    value_of(&t.id, figure).and_then(|v| v.value),
                    projects,
                )
            })
            .collect();
        let format = |v: f64| match input.map_indicator {
            MapIndicator::Projects => integer(v.round() as i64),
            _ => Cents((v * 100.0) as i64).short(),
        };
        let scale = |v: i64| match input.map_indicator {
            MapIndicator::Projects => v as f64,
            _ => v as f64 / 100.0,
        };
        let positive: Vec<f64> = values
            .iter()
            .filter_map(|(_, v, _)| v.map(scale))
            .filter(|v| *v > 0.0)
            .collect();
        let bounds = classes(&positive, format);
        legend.push((
            charts::EMPTY.to_owned(),
            "Aucun projet ou aucun montant".to_owned(),
        ));
        if input.map_indicator != MapIndicator::Projects
            && values.iter().any(|(_, v, p)| v.is_none() && *p > 0)
        {
            legend.push((
                "hachures".to_owned(),
                "Projets sans ligne de financement : montant inconnu".to_owned(),
            ));
        }
        for (k, (_, label)) in bounds.iter().enumerate() {
            let colour = charts::SCALE
                [k * (charts::SCALE.len() - 1) / bounds.len().saturating_sub(1).max(1)];
            legend.push((colour.to_owned(), label.clone()));
        }
        for (id, value, projects) in values {
            let fill = match value {
                None if projects > 0 => Fill::Unknown,
                Some(v) if v > 0 => {
                    let k = class_of(scale(v), &bounds);
                    Fill::Class(
                        k * (charts::SCALE.len() - 1) / bounds.len().saturating_sub(1).max(1),
                    )
                }
                _ => Fill::Empty,
            };
            fills.insert(id, fill);
        }
    }
    let national = b.frame.scope == territoires_domain::bilan::frame::Scope::France;
    let shown: Vec<MapShape> = input
        .territory_shapes
        .iter()
        .filter(|s| fills.contains_key(&s.code))
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
    let hrefs: HashMap<String, String> = shown
        .iter()
        .filter_map(|s| {
            (input.link)(figure, &Criterion::of(Grouping::Territory, s.code.clone()))
                .map(|h| (s.code.clone(), h))
        })
        .collect();
    let title = format!("Carte : {}", input.map_indicator.label().to_lowercase());
    Chart {
        svg: choropleth(
            &format!("Carte des territoires, {}", input.map_indicator.label().to_lowercase()),
            &view_box,
            input.region_shapes,
            &shown,
            &fills,
            &hrefs,
            national,
        ),
        description: format!(
            "Carte des {} territoires labellisés du périmètre, colorés selon : {}. Le tableau par territoire donne les mêmes valeurs.",
            integer(labelled.len() as i64),
            input.map_indicator.label().to_lowercase()
        ),
        title,
        note: Some("Chaque territoire de la carte mène à la liste des enregistrements qu'il compte.".into()),
        legend,
    }
}
