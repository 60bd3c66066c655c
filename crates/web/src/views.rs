//! View models: what templates show, already formatted the French way, so templates stay plain.

use territoires_domain::fr::{integer, long_date, percent};
use territoires_domain::map::{view_box_around, INSETS, OVERVIEW_VIEW_BOX};
use territoires_domain::milestone::{DatePrecision, Milestone, Progress, ProgressCounts, Stage};
use territoires_domain::phase::Phase;
use territoires_store::territories::{MapShape, TerritoryListItem};

/// URL of a territory's page.
pub fn territory_href(phase: &str, id: &str) -> String {
    format!("/territoires/{phase}/{id}")
}

/// Label of a phase slug as stored.
pub fn phase_label(slug: &str) -> &'static str {
    slug.parse::<Phase>()
        .map(Phase::label)
        .unwrap_or("Phase inconnue")
}

/// A count out of a whole, as shown in tables: `13 / 15 (87 %)`.
pub fn share(part: i64, whole: i64) -> String {
    match percent(part, whole) {
        Some(p) => format!("{} / {} ({p})", integer(part), integer(whole)),
        None => "—".to_owned(),
    }
}

/// DSFR badge colour of a stage.
pub fn stage_badge(p: &Progress) -> &'static str {
    if p.closed {
        return "fr-badge--info";
    }
    if p.dormant {
        return "fr-badge--warning";
    }
    match p.stage {
        Stage::AgreementSigned | Stage::InImplementation | Stage::MidTermEvaluated => {
            "fr-badge--success"
        }
        Stage::ActionPlanValidated => "fr-badge--new",
        _ => "",
    }
}

/// The map class of a territory: four steps of progress, so the map reads as a bilan.
pub fn stage_class(p: Option<&Progress>) -> &'static str {
    match p.map(|p| p.stage) {
        Some(Stage::AgreementSigned | Stage::InImplementation | Stage::MidTermEvaluated) => "ti-s3",
        Some(Stage::ActionPlanValidated) => "ti-s2",
        Some(
            Stage::GovernanceInstalled | Stage::DiagnosticCompleted | Stage::ActionPlanDrafted,
        ) => "ti-s1",
        _ => "ti-s0",
    }
}

/// A stage label with the dormant and closed flags.
pub fn status_label(p: &Progress) -> String {
    let mut label = p.stage.label().to_owned();
    if p.dormant {
        label.push_str(" · en sommeil");
    }
    if p.closed {
        label.push_str(" · clos");
    }
    label
}

/// One row of the territory list.
pub struct TerritoryRowView {
    pub href: String,
    pub id: String,
    pub name: String,
    pub phase: &'static str,
    pub regions: String,
    pub communes: String,
    pub population: String,
    pub status: String,
    pub badge: &'static str,
}

impl TerritoryRowView {
    pub fn new(item: &TerritoryListItem, region_names: &dyn Fn(&str) -> String) -> Self {
        let t = &item.territory;
        TerritoryRowView {
            href: territory_href(&t.phase, &t.id),
            id: t.id.clone(),
            name: t.name.clone(),
            phase: phase_label(&t.phase),
            regions: item
                .regions
                .iter()
                .map(|r| region_names(r))
                .collect::<Vec<_>>()
                .join(", "),
            communes: integer(t.commune_count),
            population: integer(t.population),
            status: status_label(&item.progress),
            badge: stage_badge(&item.progress),
        }
    }
}

/// Progress counts of a set of territories, formatted.
pub struct ProgressView {
    pub territories: String,
    pub governance: String,
    pub plan_drafted: String,
    pub plan_validated: String,
    pub agreement: String,
}

impl From<&ProgressCounts> for ProgressView {
    fn from(c: &ProgressCounts) -> Self {
        ProgressView {
            territories: integer(c.territories),
            governance: share(c.governance_installed, c.territories),
            plan_drafted: share(c.action_plan_drafted, c.territories),
            plan_validated: share(c.action_plan_validated, c.territories),
            agreement: share(c.agreement_signed, c.territories),
        }
    }
}

/// A shape on a map, with its link and name.
pub struct MapItem {
    pub path: String,
    pub name: String,
    pub href: String,
    pub class: &'static str,
}

/// An overseas inset frame.
pub struct InsetView {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub name: &'static str,
    pub label_y: f64,
}

/// An SVG map of France or of a part of it.
pub struct MapView {
    pub view_box: String,
    pub label: String,
    pub regions: Vec<MapItem>,
    pub territories: Vec<MapItem>,
    pub insets: Vec<InsetView>,
}

impl MapView {
    /// The overview map: regions in the background, territories on top, insets for overseas regions.
    pub fn overview(label: String, regions: Vec<MapItem>, territories: Vec<MapItem>) -> Self {
        let insets = INSETS
            .iter()
            .map(|i| {
                let (x, y, w, h) = i.frame;
                InsetView {
                    x,
                    y,
                    w,
                    h,
                    name: i.name,
                    label_y: y + h + 14.0,
                }
            })
            .collect();
        MapView {
            view_box: OVERVIEW_VIEW_BOX.to_owned(),
            label,
            regions,
            territories,
            insets,
        }
    }

    /// A map cropped around a bounding box, without insets.
    pub fn around(
        label: String,
        bbox: [f64; 4],
        regions: Vec<MapItem>,
        territories: Vec<MapItem>,
    ) -> Self {
        MapView {
            view_box: view_box_around(bbox),
            label,
            regions,
            territories,
            insets: Vec::new(),
        }
    }
}

/// Region shapes as map items linking to their pages.
pub fn region_items(shapes: Vec<MapShape>) -> Vec<MapItem> {
    shapes
        .into_iter()
        .map(|s| MapItem {
            href: format!("/regions/{}", s.code),
            path: s.overview_path,
            name: s.name,
            class: "reg",
        })
        .collect()
}

/// One milestone of a timeline.
pub struct MilestoneView {
    pub date: String,
    pub label: &'static str,
    pub note: String,
    pub source: String,
    pub after_date: bool,
}

impl MilestoneView {
    pub fn new(m: &Milestone, as_of: time::Date) -> Self {
        let date = match m.precision {
            DatePrecision::Exact => format!("le {}", long_date(m.occurred_on)),
            DatePrecision::OnOrBefore => format!("au plus tard le {}", long_date(m.occurred_on)),
        };
        MilestoneView {
            date,
            label: m.kind.label(),
            note: m.note.clone(),
            source: m.source.clone(),
            after_date: m.occurred_on > as_of,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_read_as_a_bilan() {
        assert_eq!(share(13, 15), "13 / 15 (87\u{a0}%)");
        assert_eq!(share(0, 0), "—");
    }

    #[test]
    fn map_classes_step_with_progress() {
        let p = |stage| Progress {
            stage,
            dormant: false,
            closed: false,
        };
        assert_eq!(stage_class(None), "ti-s0");
        assert_eq!(stage_class(Some(&p(Stage::Labelled))), "ti-s0");
        assert_eq!(stage_class(Some(&p(Stage::ActionPlanDrafted))), "ti-s1");
        assert_eq!(stage_class(Some(&p(Stage::ActionPlanValidated))), "ti-s2");
        assert_eq!(stage_class(Some(&p(Stage::AgreementSigned))), "ti-s3");
    }
}
