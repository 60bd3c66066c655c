//! Brownfields: an import merges each site's description with what is stored (a later source completes,
//! never erases) and adds its status as a dated fact; the observatory reads the status each site had on
//! its date, over an area.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use territoires_domain::fr::iso_date;
use territoires_domain::ids::CommuneCode;
use territoires_domain::land::area::LandFrame;
use territoires_domain::land::brownfield::{merged, Brownfield, BrownfieldStatus, Point};
use territoires_domain::land::observatory::BrownfieldSummary;
use time::Date;

use super::area::in_area;
use crate::audit::Audit;
use crate::imports::{last_audit_id, ImportPreview};
use crate::registry::referential::{already_imported, record_import_run, ImportOutcome};
use crate::sql::{upsert, Filter, Value};
use crate::{Result, Store, WriteTx, CURRENT_MILLESIME};

/// The kind of import run brownfield files are recorded as.
const KIND: &str = "brownfields";

/// How many sites one read of a list or an export returns at most.
pub const MAX_SITES: i64 = 100_000;

/// A brownfield as the observatory lists it: its description and its status on the list's date.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BrownfieldRow {
    /// The standard's `site_id`.
    pub site_id: String,
    /// Its name, when known.
    pub name: Option<String>,
    /// Its commune's INSEE code.
    pub commune_code: String,
    /// The commune's name in the current referential (none for a commune merged since).
    pub commune_name: Option<String>,
    /// Longitude (WGS 84).
    pub lon: Option<f64>,
    /// Latitude (WGS 84).
    pub lat: Option<f64>,
    /// Land surface in m², when known.
    pub land_area_m2: Option<i64>,
    /// Built surface in m², when known.
    pub built_area_m2: Option<i64>,
    /// Who produced the record.
    pub source: Option<String>,
    /// Its status on the date (the standard's value).
    pub status: String,
    /// Since when it holds.
    pub since: String,
    /// The first day the site is known as a brownfield.
    pub first_known: String,
    /// The standard's other fields, as a JSON object.
    #[serde(skip)]
    pub standard_json: String,
}

impl BrownfieldRow {
    /// Its status.
    pub fn status(&self) -> BrownfieldStatus {
        BrownfieldStatus::parse(&self.status).unwrap_or(BrownfieldStatus::Unknown)
    }

    /// The site as the domain describes it (its status on the list's date).
    pub fn site(&self) -> Brownfield {
        Brownfield {
            site_id: self.site_id.clone(),
            name: self.name.clone(),
            commune: CommuneCode::parse(&self.commune_code).expect("stored codes are valid"),
            point: self.lon.zip(self.lat).map(|(lon, lat)| Point { lon, lat }),
            land_area_m2: self.land_area_m2,
            built_area_m2: self.built_area_m2,
            status: self.status(),
            status_on: parse_day(&self.since),
            source: self.source.clone(),
            standard: serde_json::from_str(&self.standard_json).unwrap_or_default(),
        }
    }

    /// The first and last days its status is known as of, for the standard's dates.
    pub fn known(&self) -> (Date, Date) {
        (parse_day(&self.first_known), parse_day(&self.since))
    }
}

fn parse_day(text: &str) -> Date {
    Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
        .expect("stored days are ISO")
}

/// One dated status of a site.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StatusRecord {
    /// Since when.
    pub since: String,
    /// The standard's value.
    pub status: String,
    /// Which file or form said it.
    pub origin: String,
}

/// Which brownfields a list asks for: a frame, perhaps one status, and where the page starts.
#[derive(Debug, Clone)]
pub struct BrownfieldQuery {
    /// Area and date.
    pub frame: LandFrame,
    /// Only this status on the date.
    pub status: Option<BrownfieldStatus>,
    /// The page starts after this site id.
    pub after: Option<String>,
    /// At most this many (bounded by [`MAX_SITES`]).
    pub limit: i64,
    /// Only this site.
    pub site: Option<String>,
}

/// A site's description as stored and audited (its status apart).
fn description(site: &Brownfield) -> serde_json::Value {
    json!({
        "site_id": site.site_id,
        "nom": site.name,
        "commune": site.commune,
        "point": site.point,
        "surface_m2": site.land_area_m2,
        "surface_batie_m2": site.built_area_m2,
        "source": site.source,
        "standard": site.standard,
        "decrit_le": iso_date(site.status_on),
    })
}

impl Store {
    /// Imports brownfields in one transaction: each site's description completed by the file's, and its
    /// status on the file's date added (or corrected, for the same date). The same content again writes
    /// nothing.
    pub async fn import_brownfields(
        &self,
        sites: &[Brownfield],
        content_hash: &str,
        origin: &str,
        actor: &str,
    ) -> Result<ImportOutcome> {
        let mut tx = self.begin_write().await?;
        if already_imported(&mut tx, KIND, content_hash).await? {
            return Ok(ImportOutcome::unchanged());
        }
        let outcome = brownfields_in(&mut tx, sites, content_hash, origin, actor).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// What [`Store::import_brownfields`] would write, rehearsed and rolled back; `None` when imported
    /// before.
    pub async fn preview_brownfields(
        &self,
        sites: &[Brownfield],
        content_hash: &str,
        origin: &str,
        actor: &str,
        shown: i64,
    ) -> Result<Option<ImportPreview>> {
        let mut tx = self.begin_write().await?;
        if already_imported(&mut tx, KIND, content_hash).await? {
            return Ok(None);
        }
        let since = last_audit_id(&mut tx).await?;
        let outcome = brownfields_in(&mut tx, sites, content_hash, origin, actor).await?;
        Ok(Some(
            ImportPreview::rehearsed(&mut tx, since, outcome, shown).await?,
        ))
    }

    /// The brownfields of the frame's area by their status on its date.
    pub async fn brownfield_summary(&self, frame: &LandFrame) -> Result<BrownfieldSummary> {
        let (sql, filter) = status_on_query(frame, None, "s.status, b.land_area_m2");
        let rows: Vec<(String, Option<i64>)> = sqlx::query_as_with(&sql, filter.arguments(&[])?)
            .fetch_all(&self.pool)
            .await?;
        Ok(BrownfieldSummary::of(rows.into_iter().map(
            |(status, area)| {
                (
                    BrownfieldStatus::parse(&status).unwrap_or(BrownfieldStatus::Unknown),
                    area,
                )
            },
        )))
    }

    /// The brownfields a query asks for, by site id, with their status on its date.
    pub async fn brownfields(&self, query: &BrownfieldQuery) -> Result<Vec<BrownfieldRow>> {
        let columns = "b.site_id, b.name, b.commune_code, c.name AS commune_name, b.lon, b.lat, b.land_area_m2,
             b.built_area_m2, b.source, s.status, s.since,
             (SELECT MIN(f.since) FROM brownfield_statuses f WHERE f.site_id = b.site_id) AS first_known,
             b.standard_json";
        let (sql, filter) = status_on_query(&query.frame, Some(query), columns);
        let sql = format!(
            "{sql} ORDER BY b.site_id LIMIT {}",
            filter.next_placeholder(1)
        );
        let limit = query.limit.clamp(1, MAX_SITES);
        Ok(
            sqlx::query_as_with(&sql, filter.arguments(&[Value::from(limit)])?)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The region of each of `communes` in the current referential (a commune it does not know is absent).
    pub async fn regions_of_communes(&self, communes: &[&str]) -> Result<HashMap<String, String>> {
        let mut found = HashMap::new();
        for chunk in communes.chunks(500) {
            let filter = in_list("code", chunk);
            let sql = format!(
                "SELECT code, region_code FROM communes {} AND millesime = {CURRENT_MILLESIME}",
                filter.where_clause()
            );
            let rows: Vec<(String, String)> = sqlx::query_as_with(&sql, filter.arguments(&[])?)
                .fetch_all(&self.pool)
                .await?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// A site as the observatory lists it, its status on `on` (`None` for an unknown site, or one not
    /// yet known then).
    pub async fn brownfield(&self, site_id: &str, on: Date) -> Result<Option<BrownfieldRow>> {
        let frame = LandFrame {
            phase: territoires_domain::phase::Phase::Second,
            area: territoires_domain::land::area::Area::France,
            on,
        };
        let rows = self
            .brownfields(&BrownfieldQuery {
                frame,
                status: None,
                after: None,
                limit: 1,
                site: Some(site_id.to_owned()),
            })
            .await?;
        Ok(rows.into_iter().next())
    }

    /// A site's dated statuses, oldest first; empty for an unknown site.
    pub async fn brownfield_statuses(&self, site_id: &str) -> Result<Vec<StatusRecord>> {
        Ok(sqlx::query_as(
            "SELECT since, status, origin FROM brownfield_statuses WHERE site_id = $1 ORDER BY since",
        )
        .bind(site_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// `SELECT columns` of the brownfields of the frame's area known on its date, each with its status
/// then (`s`), its commune (`c`); filtered by the query's status and start when given.
fn status_on_query(
    frame: &LandFrame,
    query: Option<&BrownfieldQuery>,
    columns: &str,
) -> (String, Filter) {
    let mut filter = Filter::default();
    filter.and(
        "s.since = (SELECT MAX(s2.since) FROM brownfield_statuses s2 WHERE s2.site_id = b.site_id AND s2.since <= ?)",
        iso_date(frame.on),
    );
    in_area(&mut filter, "b.commune_code", frame);
    if let Some(query) = query {
        if let Some(status) = query.status {
            filter.and("s.status = ?", status.label());
        }
        if let Some(after) = &query.after {
            filter.and("b.site_id > ?", after.as_str());
        }
        if let Some(site) = &query.site {
            filter.and("b.site_id = ?", site.as_str());
        }
    }
    let sql = format!(
        "SELECT {columns} FROM brownfields b
         JOIN brownfield_statuses s ON s.site_id = b.site_id
         LEFT JOIN communes c ON c.millesime = {CURRENT_MILLESIME} AND c.code = b.commune_code
         {}",
        filter.where_clause()
    );
    (sql, filter)
}

/// `column IN (…)` over one chunk of `keys` (a statement's parameters are bounded: callers chunk).
fn in_list(column: &str, keys: &[&str]) -> Filter {
    let mut filter = Filter::default();
    filter.and_all(
        &format!("{column} IN ({})", vec!["?"; keys.len()].join(", ")),
        keys.iter().map(|k| Value::from(*k)).collect(),
    );
    filter
}

/// The stored descriptions of `ids`.
async fn stored(tx: &mut WriteTx, ids: &[&str]) -> Result<HashMap<String, Brownfield>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let filter = in_list("site_id", chunk);
        // Read as a list row so that one mapping makes the domain's site: the description's date stands
        // for the status's (the status is not the description's, and is not merged).
        let sql = format!(
            "SELECT site_id, name, commune_code, NULL AS commune_name, lon, lat, land_area_m2,
                    built_area_m2, source, 'inconnu' AS status, described_on AS since,
                    described_on AS first_known, standard_json
             FROM brownfields {}",
            filter.where_clause()
        );
        let rows: Vec<BrownfieldRow> = sqlx::query_as_with(&sql, filter.arguments(&[])?)
            .fetch_all(&mut ***tx)
            .await?;
        found.extend(rows.iter().map(|r| (r.site_id.clone(), r.site())));
    }
    Ok(found)
}

/// The statuses stored for `ids`, by (site, day).
async fn stored_statuses(
    tx: &mut WriteTx,
    ids: &[&str],
) -> Result<HashMap<(String, String), String>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let filter = in_list("site_id", chunk);
        let sql = format!(
            "SELECT site_id, since, status FROM brownfield_statuses {}",
            filter.where_clause()
        );
        let rows: Vec<(String, String, String)> = sqlx::query_as_with(&sql, filter.arguments(&[])?)
            .fetch_all(&mut ***tx)
            .await?;
        found.extend(
            rows.into_iter()
                .map(|(id, since, status)| ((id, since), status)),
        );
    }
    Ok(found)
}

async fn brownfields_in(
    tx: &mut WriteTx,
    sites: &[Brownfield],
    content_hash: &str,
    origin: &str,
    actor: &str,
) -> Result<ImportOutcome> {
    let ids: Vec<&str> = sites.iter().map(|s| s.site_id.as_str()).collect();
    let before = stored(tx, &ids).await?;
    let statuses = stored_statuses(tx, &ids).await?;
    let (mut rows, mut status_rows, mut audit) = (Vec::new(), Vec::new(), Vec::new());
    for site in sites {
        let old = before.get(&site.site_id);
        let site_now = old.map_or_else(|| site.clone(), |old| merged(old, site));
        let after = description(&site_now);
        let was = old.map(description);
        if was.as_ref() != Some(&after) {
            rows.push(vec![
                Value::from(site_now.site_id.as_str()),
                Value::from(site_now.name.clone()),
                Value::from(site_now.commune.as_str()),
                Value::from(site_now.point.map(|p| p.lon)),
                Value::from(site_now.point.map(|p| p.lat)),
                Value::from(site_now.land_area_m2),
                Value::from(site_now.built_area_m2),
                Value::from(site_now.source.clone()),
                Value::from(serde_json::to_string(&site_now.standard).expect("a map serializes")),
                Value::from(iso_date(site_now.status_on)),
            ]);
            audit.push(Audit {
                actor,
                action: "import_brownfields",
                entity: "brownfield",
                entity_key: site_now.site_id.clone(),
                before: was,
                after: Some(after),
            });
        }
        let day = iso_date(site.status_on);
        let status = site.status.label();
        let stored = statuses.get(&(site.site_id.clone(), day.clone()));
        if stored.map(String::as_str) != Some(status) {
            status_rows.push(vec![
                Value::from(site.site_id.as_str()),
                Value::from(day.as_str()),
                Value::from(status),
                Value::from(origin),
            ]);
            audit.push(Audit {
                actor,
                action: "import_brownfields",
                entity: "brownfield_status",
                entity_key: format!("{}@{day}", site.site_id),
                before: stored.map(|s| json!({ "statut": s, "depuis": day })),
                after: Some(json!({ "statut": status, "depuis": day })),
            });
        }
    }
    let written_sites = upsert(
        tx,
        "brownfields",
        &[
            "site_id",
            "name",
            "commune_code",
            "lon",
            "lat",
            "land_area_m2",
            "built_area_m2",
            "source",
            "standard_json",
            "described_on",
        ],
        &["site_id"],
        false,
        rows,
    )
    .await?;
    let written_statuses = upsert(
        tx,
        "brownfield_statuses",
        &["site_id", "since", "status", "origin"],
        &["site_id", "since"],
        false,
        status_rows,
    )
    .await?;
    if !audit.is_empty() {
        Audit::record_all(tx, audit).await?;
    }
    let outcome = ImportOutcome {
        unchanged: false,
        notes: Vec::new(),
        written: vec![
            ("friches".into(), written_sites),
            ("statuts de friche".into(), written_statuses),
        ],
    };
    record_import_run(tx, KIND, content_hash, &outcome).await?;
    Ok(outcome)
}
