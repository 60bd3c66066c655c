//! View models: what templates show, already formatted the French way, so templates stay plain.

use askama::Template;
use axum::response::Html;
use territoires_domain::fr::{integer, percent, typography_html};
use territoires_domain::map::{view_box_around, INSETS, OVERVIEW_VIEW_BOX};
use territoires_domain::phase::Phase;
use territoires_domain::registry::labelling::Labelling;
use territoires_domain::registry::milestone::Milestone;
use territoires_domain::registry::progress::{Progress, ProgressCounts, Stage};
use territoires_store::access::accounts::Session;
use territoires_store::registry::territories::{MapShape, TerritoryListItem};

use crate::WebError;

/// Renders a page, with French typography applied to its text.
pub fn render(t: impl Template) -> Result<Html<String>, WebError> {
    Ok(Html(typography_html(&t.render()?)))
}

/// A choice in a select or a tab bar.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The phases as choices.
pub fn phase_choices(selected: Option<Phase>) -> Vec<Choice> {
    Phase::ALL
        .into_iter()
        .map(|p| Choice {
            value: p.slug().into(),
            label: p.label().into(),
            selected: Some(p) == selected,
        })
        .collect()
}

/// A step of the breadcrumb.
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

/// The signed-in user, as the header shows them.
pub struct UserChrome {
    pub label: String,
    pub csrf: String,
    /// Whether the user administers accounts (a link to the administration).
    pub admin: bool,
}

/// What every page shares: its title, the menu entry it belongs to, its breadcrumb, who is signed in.
pub struct Chrome {
    pub title: String,
    pub nav: &'static str,
    pub crumbs: Vec<Crumb>,
    pub user: Option<UserChrome>,
}

impl Chrome {
    /// A page's chrome; the breadcrumb starts at the home page.
    pub fn new(title: impl Into<String>, nav: &'static str, session: &Option<Session>) -> Chrome {
        Chrome {
            title: title.into(),
            nav,
            crumbs: vec![Crumb {
                label: "Accueil".into(),
                href: Some("/".into()),
            }],
            user: session.as_ref().map(|s| UserChrome {
                label: format!("{} — {}", s.user.name, s.user.profile.label()),
                csrf: s.csrf_token.clone(),
                admin: s.user.profile.administers(),
            }),
        }
    }

    /// The home page, which has no breadcrumb.
    pub fn home(session: &Option<Session>) -> Chrome {
        Chrome {
            crumbs: Vec::new(),
            ..Chrome::new("Accueil", "accueil", session)
        }
    }

    /// Adds a step to the breadcrumb (the last one, without a link, is the current page).
    pub fn crumb(mut self, label: impl Into<String>, href: Option<String>) -> Chrome {
        self.crumbs.push(Crumb {
            label: label.into(),
            href,
        });
        self
    }
}

/// A link of the pagination.
pub struct PageLink {
    pub number: usize,
    pub href: String,
    pub current: bool,
}

/// The DSFR pagination of a list: first, previous, a window of pages, next, last.
pub struct Pagination {
    pub first: Option<String>,
    pub previous: Option<String>,
    pub pages: Vec<PageLink>,
    pub next: Option<String>,
    pub last: Option<String>,
}

impl Pagination {
    /// Pages of `per_page` items over `total`, `base` being the URL without its page (it has a query).
    pub fn new(base: &str, page: usize, per_page: usize, total: i64) -> Pagination {
        let count = (total.max(0) as usize).div_ceil(per_page.max(1)).max(1);
        let href = |n: usize| {
            let separator = if base.contains('?') { '&' } else { '?' };
            format!("{base}{separator}page={n}")
        };
        let window = page.saturating_sub(2).max(1)..=(page + 2).min(count);
        Pagination {
            first: (page > 1).then(|| href(1)),
            previous: (page > 1).then(|| href(page - 1)),
            pages: if count > 1 {
                window
                    .map(|n| PageLink {
                        number: n,
                        href: href(n),
                        current: n == page,
                    })
                    .collect()
            } else {
                Vec::new()
            },
            next: (page < count).then(|| href(page + 1)),
            last: (page < count).then(|| href(count)),
        }
    }
}

/// Refuses a page beyond the last one, rather than showing the first page under its number.
pub fn check_page(page: usize, per_page: usize, total: i64) -> Result<(), WebError> {
    let last = (total.max(0) as usize).div_ceil(per_page.max(1)).max(1);
    if page > last {
        return Err(WebError::BadRequest {
            field: "page".into(),
            message: format!("page {page} au-delà de la dernière page ({last})"),
        });
    }
    Ok(())
}

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
    if !p.labelling.counts() {
        return "fr-badge--info";
    }
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

/// The map class of a territory: four steps of progress, so the map reads as a bilan; a territory not
/// labelled at the date is drawn apart.
pub fn stage_class(p: Option<&Progress>) -> &'static str {
    if p.is_some_and(|p| !p.labelling.counts()) {
        return "ti-sx";
    }
    match p.map(|p| p.stage) {
        Some(Stage::AgreementSigned | Stage::InImplementation | Stage::MidTermEvaluated) => "ti-s3",
        Some(Stage::ActionPlanValidated) => "ti-s2",
        Some(
            Stage::GovernanceInstalled | Stage::DiagnosticCompleted | Stage::ActionPlanDrafted,
        ) => "ti-s1",
        _ => "ti-s0",
    }
}

/// The one label of a territory's state, with the closed flag and what is uncertain.
pub fn status_label(p: &Progress) -> String {
    let mut label = p.label();
    if p.closed {
        label.push_str(" · clos");
    }
    if matches!(p.labelling, Labelling::Labelled { uncertain: true }) {
        label.push_str(" · date de labellisation incertaine");
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
    pub without_milestone: String,
    pub governance: String,
    pub plan_drafted: String,
    pub plan_validated: String,
    pub agreement: String,
}

impl From<&ProgressCounts> for ProgressView {
    fn from(c: &ProgressCounts) -> Self {
        // When no territory has a milestone recorded, a share of 0 would read "nothing done".
        let unknown = c.territories > 0 && c.without_milestone == c.territories;
        let stage = |n: i64| {
            if unknown {
                "non renseigné".to_owned()
            } else {
                share(n, c.territories)
            }
        };
        ProgressView {
            territories: integer(c.territories),
            without_milestone: integer(c.without_milestone),
            governance: stage(c.governance_installed),
            plan_drafted: stage(c.action_plan_drafted),
            plan_validated: stage(c.action_plan_validated),
            agreement: stage(c.agreement_signed),
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

/// One event of a timeline, with its record id for the withdrawal form.
pub struct MilestoneView {
    pub id: i64,
    pub date: String,
    pub label: &'static str,
    pub note: String,
    pub source: String,
    pub related: String,
    pub after_date: bool,
    pub planned: bool,
    /// "retiré le … : motif", when withdrawn.
    pub withdrawn: Option<String>,
}

impl MilestoneView {
    pub fn new(id: i64, m: &Milestone, as_of: time::Date) -> Self {
        MilestoneView {
            id,
            date: m.date_label(),
            label: m.kind.label(),
            note: m.note.clone(),
            source: m.source.clone(),
            related: m
                .related
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            after_date: m.occurred_on > as_of,
            planned: m.precision == territoires_domain::registry::milestone::DatePrecision::Planned,
            withdrawn: m.withdrawal.as_ref().map(|w| {
                format!(
                    "retiré le {} : {}",
                    territoires_domain::fr::long_date(w.on),
                    w.reason
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_beyond_the_last_are_refused_and_pagination_links_around() {
        assert!(check_page(3, 25, 50).is_err());
        assert!(check_page(2, 25, 50).is_ok());
        assert!(check_page(1, 25, 0).is_ok());
        let p = Pagination::new("/territoires?q=x", 2, 25, 100);
        assert_eq!(p.previous.as_deref(), Some("/territoires?q=x&page=1"));
        assert_eq!(p.next.as_deref(), Some("/territoires?q=x&page=3"));
        assert_eq!(p.pages.len(), 4);
        assert!(Pagination::new("/x", 1, 25, 10).pages.is_empty());
    }

    #[test]
    fn shares_read_as_a_bilan() {
        assert_eq!(share(13, 15), "13 / 15 (87\u{a0}%)");
        assert_eq!(share(0, 0), "—");
        let nothing = ProgressCounts {
            territories: 17,
            without_milestone: 17,
            ..ProgressCounts::default()
        };
        assert_eq!(ProgressView::from(&nothing).plan_validated, "non renseigné");
    }

    #[test]
    fn map_classes_step_with_progress() {
        let p = |stage| Progress {
            labelling: Labelling::Labelled { uncertain: false },
            stage,
            dormant: false,
            closed: false,
            recorded: true,
        };
        assert_eq!(stage_class(None), "ti-s0");
        assert_eq!(stage_class(Some(&p(Stage::Labelled))), "ti-s0");
        assert_eq!(stage_class(Some(&p(Stage::ActionPlanDrafted))), "ti-s1");
        assert_eq!(stage_class(Some(&p(Stage::ActionPlanValidated))), "ti-s2");
        assert_eq!(stage_class(Some(&p(Stage::AgreementSigned))), "ti-s3");
        let not_yet = Progress {
            labelling: Labelling::NotYet,
            ..p(Stage::Identified)
        };
        assert_eq!(stage_class(Some(&not_yet)), "ti-sx");
    }
}
