//! Labelled territories: their import with versioned perimeters, the derived coverage tables, the list
//! with filters, and the detail of one territory.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sqlx::{Any, Transaction};
use territoires_domain::fr::iso_date;
use territoires_domain::ids::Siren;
use territoires_domain::phase::Phase;
use territoires_domain::registry::progress::{Progress, Stage};
use territoires_domain::registry::territory::{
    perimeter_start, LabelledTerritory, PerimeterChange,
};
use territoires_domain::search::search_key;
use time::Date;

use crate::audit::Audit;
use crate::registry::referential::{already_imported, record_import_run, ImportOutcome};
use crate::sql::{insert, Value};
use crate::{Result, Store, StoreError, CURRENT_MILLESIME};

/// A territory as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TerritoryRow {
    /// Phase slug.
    pub phase: String,
    /// ANCT id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region of attachment.
    pub region_code: String,
    /// Name of the region of attachment.
    pub region_name: String,
    /// Communes covered by the perimeter in force.
    pub commune_count: i64,
    /// Their municipal population.
    pub population: i64,
}

impl TerritoryRow {
    /// The territory's phase (stored as its slug, always valid).
    pub fn parsed_phase(&self) -> Phase {
        self.phase
            .parse()
            .expect("phases in the database are valid")
    }
}

/// A territory in a list, with its progress at the date asked.
#[derive(Debug, Clone, Serialize)]
pub struct TerritoryListItem {
    /// The territory.
    #[serde(flatten)]
    pub territory: TerritoryRow,
    /// Every region its communes lie in (two for 15 territories of phase 2).
    pub regions: Vec<String>,
    /// Progress at the date asked.
    pub progress: Progress,
}

/// Sort orders of the territory list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TerritorySort {
    /// By name (default).
    #[default]
    Name,
    /// By ANCT id (groups by region of attachment).
    Id,
    /// By population.
    Population,
    /// By number of communes.
    Communes,
    /// By stage reached.
    Stage,
}

/// Where a territory sits in a list's order, which it makes total: its value for the sort (a number: its
/// population, communes or stage; a text: its name folded for sorting), then its phase and id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct TerritoryKey {
    /// The number sorted by (0 when the sort is by a text only).
    pub number: i64,
    /// The text sorted by after it (empty when the sort is by a number only).
    pub text: String,
    /// Phase slug.
    pub phase: String,
    /// ANCT id.
    pub id: String,
}

/// A query of the territory list.
#[derive(Debug, Clone)]
pub struct TerritoryQuery {
    /// Only this phase.
    pub phase: Option<Phase>,
    /// Only territories with communes in this region.
    pub region: Option<String>,
    /// Only territories with communes in this département.
    pub departement: Option<String>,
    /// Only territories at exactly this stage on `as_of`.
    pub stage: Option<Stage>,
    /// Text searched in the name, ignoring case and accents.
    pub q: Option<String>,
    /// The date progress is read at.
    pub as_of: Date,
    /// Sort order.
    pub sort: TerritorySort,
    /// Reverse the order.
    pub descending: bool,
    /// Only the territories after this one in the order (a page's `next`): a page read so stays right
    /// while territories are added or removed before it. With it, `offset` is not used.
    pub after: Option<TerritoryKey>,
    /// Zero-based offset.
    pub offset: usize,
    /// Page size.
    pub limit: usize,
}

impl TerritoryQuery {
    /// Every territory, by phase and id, with progress as of `as_of`; narrow it with the public fields.
    pub fn all(as_of: Date) -> Self {
        TerritoryQuery {
            phase: None,
            region: None,
            departement: None,
            stage: None,
            q: None,
            as_of,
            sort: TerritorySort::Id,
            descending: false,
            after: None,
            offset: 0,
            limit: usize::MAX,
        }
    }
}

/// A region or département a territory lies in, with how many of its communes.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AreaRow {
    /// Region code.
    pub region_code: String,
    /// Region name.
    pub region_name: String,
    /// Département code.
    pub departement_code: String,
    /// Département name.
    pub departement_name: String,
    /// Communes of the territory in that département.
    pub commune_count: i64,
}

/// A member of a perimeter, resolved against the referential.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MemberRow {
    /// SIREN.
    pub siren: String,
    /// The name the labelling source gives.
    pub label: String,
    /// Name in the referential.
    pub name: Option<String>,
    /// CC, CA, CU, MET, EPT, or COM for a single commune.
    pub nature: Option<String>,
    /// Population.
    pub population: Option<i64>,
    /// Number of communes.
    pub commune_count: Option<i64>,
    /// Joined the perimeter on.
    pub valid_from: String,
    /// Left the perimeter on (exclusive), if it has.
    pub valid_to: Option<String>,
}

/// The contour of a territory for its own map.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ContourRow {
    /// Path in the detail frame.
    pub detail_path: String,
    /// Height of the detail frame (width 1000).
    pub detail_height: f64,
}

/// A territory of the other phase sharing communes with this one (lineage across phases).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RelatedTerritory {
    /// Its phase.
    pub phase: String,
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Communes shared.
    pub shared_communes: i64,
    /// Its number of communes.
    pub commune_count: i64,
}

/// A SIREN's membership of a territory's perimeter.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Membership {
    /// Phase of the territory.
    pub phase: String,
    /// Territory id.
    pub territory_id: String,
    /// Territory name.
    pub territory_name: String,
    /// The member's name as the labelling source gives it.
    pub label: String,
    /// Member from.
    pub valid_from: String,
    /// Member until (excluded), if it left.
    pub valid_to: Option<String>,
}

/// Everything the page of a territory shows.
#[derive(Debug, Clone, Serialize)]
pub struct TerritoryDetail {
    /// The territory.
    pub territory: TerritoryRow,
    /// Regions and départements covered.
    pub areas: Vec<AreaRow>,
    /// Perimeter members, those in force first.
    pub members: Vec<MemberRow>,
    /// Contour for the map.
    pub contour: Option<ContourRow>,
    /// Events (labelling, milestones) with their record ids, oldest first, withdrawn ones included.
    pub milestones: Vec<(i64, territoires_domain::registry::milestone::Milestone)>,
    /// Governance history with record ids, oldest first.
    pub appointments: Vec<(i64, territoires_domain::registry::governance::Appointment)>,
    /// Attribute history with record ids, oldest first.
    pub attributes: Vec<(
        i64,
        territoires_domain::registry::attributes::AttributeChange,
    )>,
    /// Chef de projet posts, oldest first.
    pub posts: Vec<territoires_domain::registry::posts::ProjectLeadPost>,
    /// Territories of the other phase sharing communes, most shared first.
    pub related: Vec<RelatedTerritory>,
}

/// A territory drawn on an overview map.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MapShape {
    /// Code (territory id or region code).
    pub code: String,
    /// Name shown on hover.
    pub name: String,
    /// Path in the overview frame.
    pub overview_path: String,
    /// Bounding box.
    pub min_x: f64,
    /// Bounding box.
    pub min_y: f64,
    /// Bounding box.
    pub max_x: f64,
    /// Bounding box.
    pub max_y: f64,
}

impl Store {
    /// Imports the labelled territories of a phase in one transaction. Unknown SIRENs refuse the whole
    /// import. A territory whose members change gets a new perimeter version from `effective`; an identical
    /// file writes nothing.
    pub async fn import_territories(
        &self,
        phase: Phase,
        territories: &[LabelledTerritory],
        effective: Date,
        content_hash: &str,
        actor: &str,
    ) -> Result<ImportOutcome> {
        let kind = format!("territories:{phase}");
        let mut tx = self.begin_write().await?;
        if already_imported(&mut tx, &kind, content_hash).await? {
            return Ok(ImportOutcome::unchanged());
        }
        let known = known_sirens(&mut tx).await?;
        if known.is_empty() {
            return Err(StoreError::Precondition(
                "le référentiel géographique n'est pas importé : lancez d'abord `territoires import referentiel`".into(),
            ));
        }
        let unknown: Vec<String> = territories
            .iter()
            .flat_map(|t| t.members.iter().map(move |m| (t, m)))
            .filter(|(_, m)| !known.contains(m.siren.as_str()))
            .map(|(t, m)| {
                format!(
                    "{} : SIREN {} ({}) absent du référentiel",
                    t.id, m.siren, m.label
                )
            })
            .collect();
        if !unknown.is_empty() {
            return Err(StoreError::Precondition(unknown.join("\n")));
        }

        let mut current: HashMap<String, Vec<Siren>> = HashMap::new();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT territory_id, siren FROM perimeter_members WHERE phase = $1 AND valid_to IS NULL")
                .bind(phase.slug())
                .fetch_all(&mut **tx)
                .await?;
        for (id, siren) in rows {
            current.entry(id).or_default().push(Siren::parse(&siren)?);
        }
        let existing: HashMap<String, String> = sqlx::query_as::<_, (String, String)>(
            "SELECT id, name FROM territories WHERE phase = $1",
        )
        .bind(phase.slug())
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();

        let (mut created, mut renamed, mut perimeters_changed) = (0u64, 0u64, 0u64);
        let mut new_members = Vec::new();
        for t in territories {
            let id = t.id.as_str();
            match existing.get(id) {
                None => {
                    sqlx::query("INSERT INTO territories (phase, id, name, search_key, region_code) VALUES ($1, $2, $3, $4, $5)")
                        .bind(phase.slug())
                        .bind(id)
                        .bind(&t.name)
                        .bind(search_key(&t.name))
                        .bind(t.id.region_of_attachment().as_str())
                        .execute(&mut **tx)
                        .await?;
                    if let Some(labelling) = phase.list_labelling() {
                        crate::registry::history::insert_milestone(
                            &mut tx, phase, id, &labelling, actor,
                        )
                        .await?;
                    }
                    created += 1;
                }
                Some(name) if name != &t.name => {
                    sqlx::query("UPDATE territories SET name = $1, search_key = $2 WHERE phase = $3 AND id = $4")
                        .bind(&t.name)
                        .bind(search_key(&t.name))
                        .bind(phase.slug())
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                    Audit {
                        actor,
                        action: "rename_territory",
                        entity: "territory",
                        entity_key: format!("{phase}/{id}"),
                        before: Some(serde_json::json!({ "name": name })),
                        after: Some(serde_json::json!({ "name": t.name })),
                    }
                    .record(&mut tx)
                    .await?;
                    renamed += 1;
                }
                Some(_) => {}
            }
            let in_force = current.get(id).map(Vec::as_slice).unwrap_or_default();
            let change = PerimeterChange::between(in_force, t.members.iter().map(|m| &m.siren));
            if change.is_empty() {
                continue;
            }
            let first_version = in_force.is_empty();
            let start = iso_date(perimeter_start(phase, first_version, effective));
            for leaving in &change.leaving {
                sqlx::query(
                    "UPDATE perimeter_members SET valid_to = $1
                     WHERE phase = $2 AND territory_id = $3 AND siren = $4 AND valid_to IS NULL",
                )
                .bind(&start)
                .bind(phase.slug())
                .bind(id)
                .bind(leaving.as_str())
                .execute(&mut **tx)
                .await?;
            }
            for m in t
                .members
                .iter()
                .filter(|m| change.joining.contains(&m.siren))
            {
                new_members.push(vec![
                    Value::from(phase.slug()),
                    id.into(),
                    m.siren.as_str().into(),
                    m.label.as_str().into(),
                    start.as_str().into(),
                    Value::Text(None),
                ]);
            }
            if !first_version {
                Audit {
                    actor,
                    action: "change_perimeter",
                    entity: "territory",
                    entity_key: format!("{phase}/{id}"),
                    before: Some(serde_json::json!({ "members": in_force })),
                    after: Some(serde_json::json!({ "joining": change.joining, "leaving": change.leaving, "from": start })),
                }
                .record(&mut tx)
                .await?;
            }
            perimeters_changed += 1;
        }
        let members = insert(
            &mut tx,
            "perimeter_members",
            &[
                "phase",
                "territory_id",
                "siren",
                "label",
                "valid_from",
                "valid_to",
            ],
            new_members,
        )
        .await?;

        sqlx::query("DELETE FROM territory_contours WHERE phase = $1")
            .bind(phase.slug())
            .execute(&mut **tx)
            .await?;
        let contours = insert(
            &mut tx,
            "territory_contours",
            &[
                "phase",
                "id",
                "overview_path",
                "min_x",
                "min_y",
                "max_x",
                "max_y",
                "detail_path",
                "detail_height",
                "geometry",
            ],
            territories
                .iter()
                .filter_map(|t| {
                    let c = t.contour.as_ref()?;
                    let [x0, y0, x1, y1] = c.overview_bbox;
                    Some(vec![
                        phase.slug().into(),
                        t.id.as_str().into(),
                        c.overview_path.as_str().into(),
                        x0.into(),
                        y0.into(),
                        x1.into(),
                        y1.into(),
                        c.detail_path.as_str().into(),
                        c.detail_height.into(),
                        c.geometry.as_str().into(),
                    ])
                })
                .collect(),
        )
        .await?;
        refresh_derived(&mut tx, phase).await?;

        let outcome = ImportOutcome {
            notes: Vec::new(),
            unchanged: false,
            written: vec![
                ("territories_created".into(), created),
                ("territories_renamed".into(), renamed),
                ("perimeters_changed".into(), perimeters_changed),
                ("perimeter_members".into(), members),
                ("territory_contours".into(), contours),
            ],
        };
        record_import_run(&mut tx, &kind, content_hash, &outcome).await?;
        Audit {
            actor,
            action: "import_territories",
            entity: "phase",
            entity_key: phase.slug().to_owned(),
            before: None,
            after: Some(
                serde_json::json!({ "written": outcome.written, "content_hash": content_hash }),
            ),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Territories (both phases) whose perimeter in force covers a commune, by INSEE code.
    pub async fn territories_of_commune(&self, code: &str) -> Result<Vec<RelatedTerritory>> {
        Ok(sqlx::query_as(
            "SELECT t.phase, t.id, t.name, 1 AS shared_communes, t.commune_count
             FROM territory_communes tc JOIN territories t ON t.phase = tc.phase AND t.id = tc.territory_id
             WHERE tc.commune_code = $1 ORDER BY t.phase, t.id",
        )
        .bind(code)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The perimeters a SIREN (EPCI, EPT or single commune) is or was a member of, with the dates.
    pub async fn memberships(&self, siren: &str) -> Result<Vec<Membership>> {
        Ok(sqlx::query_as(
            "SELECT pm.phase, pm.territory_id, t.name AS territory_name, pm.label, pm.valid_from, pm.valid_to
             FROM perimeter_members pm JOIN territories t ON t.phase = pm.phase AND t.id = pm.territory_id
             WHERE pm.siren = $1 ORDER BY pm.phase, pm.territory_id, pm.valid_from",
        )
        .bind(siren)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Territories whose perimeter in force covers communes of an EPCI, with how many.
    pub async fn territories_of_grouping(&self, siren: &str) -> Result<Vec<RelatedTerritory>> {
        Ok(sqlx::query_as(&format!(
            "SELECT t.phase, t.id, t.name, COUNT(*) AS shared_communes, t.commune_count
             FROM grouping_members gm
             JOIN territory_communes tc ON tc.commune_code = gm.commune_code
             JOIN territories t ON t.phase = tc.phase AND t.id = tc.territory_id
             WHERE gm.millesime = {CURRENT_MILLESIME} AND gm.grouping_siren = $1
             GROUP BY t.phase, t.id, t.name, t.commune_count ORDER BY t.phase, t.id"
        ))
        .bind(siren)
        .fetch_all(&self.pool)
        .await?)
    }
}

async fn known_sirens(tx: &mut Transaction<'_, Any>) -> Result<HashSet<String>> {
    let rows: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT siren FROM groupings WHERE millesime = {CURRENT_MILLESIME}
         UNION SELECT siren FROM communes WHERE millesime = {CURRENT_MILLESIME} AND siren IS NOT NULL"
    ))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Recomputes, for a phase, the communes each territory covers, the regions and départements they lie in,
/// the territories' commune counts and populations, and the phase's coverage, from the perimeters in force and the current
/// millésime.
pub(crate) async fn refresh_derived(tx: &mut Transaction<'_, Any>, phase: Phase) -> Result<()> {
    let p = phase.slug();
    sqlx::query("DELETE FROM territory_communes WHERE phase = $1")
        .bind(p)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM territory_areas WHERE phase = $1")
        .bind(p)
        .execute(&mut **tx)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO territory_communes (phase, territory_id, commune_code)
         SELECT pm.phase, pm.territory_id, gm.commune_code FROM perimeter_members pm
         JOIN grouping_members gm ON gm.millesime = {CURRENT_MILLESIME} AND gm.grouping_siren = pm.siren
         WHERE pm.phase = $1 AND pm.valid_to IS NULL
         UNION
         SELECT pm.phase, pm.territory_id, c.code FROM perimeter_members pm
         JOIN communes c ON c.millesime = {CURRENT_MILLESIME} AND c.siren = pm.siren
         WHERE pm.phase = $1 AND pm.valid_to IS NULL"
    ))
    .bind(p)
    .execute(&mut **tx)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO territory_areas (phase, territory_id, region_code, departement_code, commune_count)
         SELECT tc.phase, tc.territory_id, c.region_code, c.departement_code, COUNT(*)
         FROM territory_communes tc JOIN communes c ON c.millesime = {CURRENT_MILLESIME} AND c.code = tc.commune_code
         WHERE tc.phase = $1 GROUP BY tc.phase, tc.territory_id, c.region_code, c.departement_code"
    ))
    .bind(p)
    .execute(&mut **tx)
    .await?;
    sqlx::query(&format!(
        "UPDATE territories SET
           commune_count = (SELECT COUNT(*) FROM territory_communes tc
                            WHERE tc.phase = territories.phase AND tc.territory_id = territories.id),
           population = (SELECT COALESCE(SUM(c.population), 0) FROM territory_communes tc
                         JOIN communes c ON c.millesime = {CURRENT_MILLESIME} AND c.code = tc.commune_code
                         WHERE tc.phase = territories.phase AND tc.territory_id = territories.id)
         WHERE phase = $1"
    ))
    .bind(p)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM phase_coverage WHERE phase = $1")
        .bind(p)
        .execute(&mut **tx)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO phase_coverage (phase, territories, epcis, single_communes, communes, population)
         SELECT $1,
           (SELECT COUNT(*) FROM territories WHERE phase = $1),
           (SELECT COUNT(DISTINCT pm.siren) FROM perimeter_members pm
              JOIN groupings g ON g.millesime = {CURRENT_MILLESIME} AND g.siren = pm.siren
              WHERE pm.phase = $1 AND pm.valid_to IS NULL),
           (SELECT COUNT(DISTINCT pm.siren) FROM perimeter_members pm
              WHERE pm.phase = $1 AND pm.valid_to IS NULL AND NOT EXISTS
                (SELECT 1 FROM groupings g WHERE g.millesime = {CURRENT_MILLESIME} AND g.siren = pm.siren)),
           (SELECT COUNT(DISTINCT commune_code) FROM territory_communes WHERE phase = $1),
           (SELECT COALESCE(SUM(c.population), 0) FROM communes c
              WHERE c.millesime = {CURRENT_MILLESIME}
                AND c.code IN (SELECT commune_code FROM territory_communes WHERE phase = $1))"
    ))
    .bind(p)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
