//! The official referential: written whole, one millésime at a time; read by code, by filter and by page.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{Any, Transaction};
use territoires_domain::ids::TerritoryId;
use territoires_domain::map::Contour;
use territoires_domain::phase::Phase;
use territoires_domain::registry::names::Places;
use territoires_domain::registry::referential::{GroupingNature, Referential};
use territoires_domain::search::search_key;

use crate::audit::Audit;
use crate::sql::{insert, Filter};
use crate::{now, Result, Store, CURRENT_MILLESIME};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// The same content was imported before: nothing was written.
    pub unchanged: bool,
    /// Rows written per table, in the order written.
    pub written: Vec<(String, u64)>,
    /// What the reading of the file noticed and its author should know (encoding detected, hidden
    /// sheets, formulas read as their values).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ImportOutcome {
    /// The outcome of an import whose content was imported before.
    pub fn unchanged() -> Self {
        ImportOutcome {
            notes: Vec::new(),
            unchanged: true,
            written: Vec::new(),
        }
    }

    /// The outcome of several imports made one after the other: their counts added per table (those
    /// that wrote nothing left out), their notes kept; unchanged when every one was.
    pub fn combined(outcomes: impl IntoIterator<Item = ImportOutcome>) -> Self {
        let mut all = ImportOutcome {
            unchanged: true,
            ..ImportOutcome::unchanged()
        };
        for outcome in outcomes {
            all.unchanged &= outcome.unchanged;
            all.notes.extend(outcome.notes);
            for (table, n) in outcome.written.into_iter().filter(|(_, n)| *n > 0) {
                match all.written.iter_mut().find(|(t, _)| *t == table) {
                    Some((_, total)) => *total += n,
                    None => all.written.push((table, n)),
                }
            }
        }
        all
    }
}

/// Returns whether content with this hash was already imported under `kind`.
pub(crate) async fn already_imported(
    tx: &mut Transaction<'_, Any>,
    kind: &str,
    hash: &str,
) -> Result<bool> {
    let last: Option<String> = sqlx::query_scalar(
        "SELECT content_hash FROM import_runs WHERE kind = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(kind)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(last.as_deref() == Some(hash))
}

pub(crate) async fn record_import_run(
    tx: &mut Transaction<'_, Any>,
    kind: &str,
    hash: &str,
    outcome: &ImportOutcome,
) -> Result<()> {
    sqlx::query("INSERT INTO import_runs (kind, content_hash, imported_at, summary) VALUES ($1, $2, $3, $4)")
        .bind(kind)
        .bind(hash)
        .bind(now())
        .bind(serde_json::to_string(&outcome.written).expect("counts serialize"))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A region with its number of territories per phase.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RegionRow {
    /// INSEE code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A département.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DepartementRow {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Region code.
    pub region_code: String,
}

/// An EPCI or EPT.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GroupingRow {
    /// SIREN.
    pub siren: String,
    /// Name.
    pub name: String,
    /// Nature code (CC, CA, CU, MET, EPT).
    pub nature: String,
    /// Municipal population of its communes.
    pub population: i64,
    /// Number of member communes.
    pub commune_count: i64,
}

/// A commune.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CommuneRow {
    /// INSEE code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Département code.
    pub departement_code: String,
    /// Region code.
    pub region_code: String,
    /// SIREN of the commune.
    pub siren: Option<String>,
    /// Municipal population.
    pub population: Option<i64>,
    /// SIREN of its EPCI.
    pub epci_siren: Option<String>,
}

/// Filters of the EPCI and commune lists.
#[derive(Debug, Clone, Default)]
pub struct PlaceFilter {
    /// Text searched in the name, ignoring case and accents.
    pub q: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// Département code.
    pub departement: Option<String>,
    /// EPCI SIREN (communes only).
    pub epci: Option<String>,
    /// Only the items after this one in the list's order (a page's [`Page::next`]): a page read so stays
    /// right while items are added or removed before it. With it, `offset` is not used.
    pub after: Option<PlaceKey>,
    /// Zero-based offset.
    pub offset: i64,
    /// Page size.
    pub limit: i64,
}

/// Where an item sits in its list's order: an EPCI's name and SIREN, a commune's code (twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PlaceKey {
    /// Its value for the order.
    pub value: String,
    /// Its identifier, which breaks ties.
    pub id: String,
}

/// A page of results with the total count.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T, K = PlaceKey> {
    /// The total number of matching items.
    pub total: i64,
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts, when more items follow.
    pub next: Option<K>,
}

impl Store {
    /// The names of the territories of both phases and of the current millésime's EPCIs, for files that
    /// give places by name.
    pub async fn place_names(&self) -> Result<Places> {
        let territories: Vec<(String, String, String)> =
            sqlx::query_as("SELECT phase, id, name FROM territories")
                .fetch_all(&self.pool)
                .await?;
        let epcis: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT siren, name FROM groupings WHERE millesime = {CURRENT_MILLESIME}"
        ))
        .fetch_all(&self.pool)
        .await?;
        // Stored by the labelling import, which checked them: a row that no longer parses is skipped.
        let territories = territories.into_iter().filter_map(|(phase, id, name)| {
            Some((
                phase.parse::<Phase>().ok()?,
                TerritoryId::parse(&id).ok()?,
                name,
            ))
        });
        Ok(Places::new(territories, epcis))
    }

    /// Whether the last import of `kind` had this content hash (imports check it again in their
    /// transaction; this lets a caller skip parsing).
    pub async fn is_last_import(&self, kind: &str, content_hash: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let same = already_imported(&mut tx, kind, content_hash).await?;
        tx.rollback().await?;
        Ok(same)
    }

    /// Replaces a millésime of the referential, and the region contours of the overview map, in one
    /// transaction. Importing the same content twice writes nothing the second time.
    pub async fn import_referential(
        &self,
        referential: &Referential,
        region_contours: &[(String, Contour)],
        content_hash: &str,
        actor: &str,
    ) -> Result<ImportOutcome> {
        let kind = format!("referential:{}", referential.millesime);
        let mut tx = self.begin_write().await?;
        if already_imported(&mut tx, &kind, content_hash).await? {
            return Ok(ImportOutcome::unchanged());
        }
        let m = i64::from(referential.millesime);
        for table in [
            "regions",
            "departements",
            "communes",
            "groupings",
            "grouping_members",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE millesime = $1"))
                .bind(m)
                .execute(&mut **tx)
                .await?;
        }
        sqlx::query("DELETE FROM region_contours")
            .execute(&mut **tx)
            .await?;

        let mut written = Vec::new();
        let n = insert(
            &mut tx,
            "regions",
            &["millesime", "code", "name"],
            referential
                .regions
                .iter()
                .map(|r| vec![m.into(), r.code.as_str().into(), r.name.as_str().into()])
                .collect(),
        )
        .await?;
        written.push(("regions".to_owned(), n));
        let n = insert(
            &mut tx,
            "departements",
            &["millesime", "code", "region_code", "name"],
            referential
                .departements
                .iter()
                .map(|d| {
                    vec![
                        m.into(),
                        d.code.as_str().into(),
                        d.region.as_str().into(),
                        d.name.as_str().into(),
                    ]
                })
                .collect(),
        )
        .await?;
        written.push(("departements".to_owned(), n));

        let population: HashMap<&str, i64> = referential
            .communes
            .iter()
            .map(|c| (c.code.as_str(), c.population.unwrap_or(0)))
            .collect();
        let mut epci_of: HashMap<&str, &str> = HashMap::new();
        for g in referential
            .groupings
            .iter()
            .filter(|g| g.nature != GroupingNature::EPT)
        {
            for member in &g.members {
                epci_of.insert(member.as_str(), g.siren.as_str());
            }
        }
        let n = insert(
            &mut tx,
            "communes",
            &[
                "millesime",
                "code",
                "name",
                "search_key",
                "departement_code",
                "region_code",
                "siren",
                "population",
                "epci_siren",
            ],
            referential
                .communes
                .iter()
                .map(|c| {
                    vec![
                        m.into(),
                        c.code.as_str().into(),
                        c.name.as_str().into(),
                        search_key(&c.name).into(),
                        c.departement.as_str().into(),
                        c.region.as_str().into(),
                        c.siren.as_ref().map(|s| s.to_string()).into(),
                        c.population.into(),
                        epci_of.get(c.code.as_str()).map(|s| s.to_string()).into(),
                    ]
                })
                .collect(),
        )
        .await?;
        written.push(("communes".to_owned(), n));
        let n = insert(
            &mut tx,
            "groupings",
            &[
                "millesime",
                "siren",
                "name",
                "search_key",
                "nature",
                "population",
                "commune_count",
            ],
            referential
                .groupings
                .iter()
                .map(|g| {
                    let pop: i64 = g
                        .members
                        .iter()
                        .map(|c| population.get(c.as_str()).copied().unwrap_or(0))
                        .sum();
                    vec![
                        m.into(),
                        g.siren.as_str().into(),
                        g.name.as_str().into(),
                        search_key(&g.name).into(),
                        g.nature.code().into(),
                        pop.into(),
                        (g.members.len() as i64).into(),
                    ]
                })
                .collect(),
        )
        .await?;
        written.push(("groupings".to_owned(), n));
        let n = insert(
            &mut tx,
            "grouping_members",
            &["millesime", "grouping_siren", "commune_code"],
            referential
                .groupings
                .iter()
                .flat_map(|g| {
                    g.members
                        .iter()
                        .map(move |c| vec![m.into(), g.siren.as_str().into(), c.as_str().into()])
                })
                .collect(),
        )
        .await?;
        written.push(("grouping_members".to_owned(), n));
        let n = insert(
            &mut tx,
            "region_contours",
            &["code", "overview_path", "min_x", "min_y", "max_x", "max_y"],
            region_contours
                .iter()
                .map(|(code, c)| {
                    let [x0, y0, x1, y1] = c.overview_bbox;
                    vec![
                        code.as_str().into(),
                        c.overview_path.as_str().into(),
                        x0.into(),
                        y0.into(),
                        x1.into(),
                        y1.into(),
                    ]
                })
                .collect(),
        )
        .await?;
        written.push(("region_contours".to_owned(), n));

        // Territories already imported are re-derived against the new millésime.
        for phase in territoires_domain::phase::Phase::ALL {
            crate::registry::territories::refresh_derived(&mut tx, phase).await?;
        }
        let outcome = ImportOutcome {
            notes: Vec::new(),
            unchanged: false,
            written,
        };
        record_import_run(&mut tx, &kind, content_hash, &outcome).await?;
        Audit {
            actor,
            action: "import_referential",
            entity: "referential",
            entity_key: referential.millesime.to_string(),
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

    /// One region.
    pub async fn region(&self, code: &str) -> Result<Option<RegionRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT code, name FROM regions WHERE millesime = {CURRENT_MILLESIME} AND code = $1"
        ))
        .bind(code)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// One EPCI or EPT.
    pub async fn grouping(&self, siren: &str) -> Result<Option<GroupingRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT siren, name, nature, population, commune_count FROM groupings
             WHERE millesime = {CURRENT_MILLESIME} AND siren = $1"
        ))
        .bind(siren)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// One commune of the current millésime, by INSEE code or by SIREN.
    pub async fn commune(&self, code_or_siren: &str) -> Result<Option<CommuneRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT code, name, departement_code, region_code, siren, population, epci_siren FROM communes
             WHERE millesime = {CURRENT_MILLESIME} AND (code = $1 OR siren = $1) ORDER BY code LIMIT 1"
        ))
        .bind(code_or_siren)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// EPCIs and EPTs matching a filter (a grouping is in a region or département if one of its communes is).
    pub async fn groupings(&self, filter: &PlaceFilter) -> Result<Page<GroupingRow>> {
        self.list(&ListQuery::groupings(filter), filter, |g: &GroupingRow| {
            PlaceKey {
                value: g.name.clone(),
                id: g.siren.clone(),
            }
        })
        .await
    }

    /// Communes matching a filter.
    pub async fn communes(&self, filter: &PlaceFilter) -> Result<Page<CommuneRow>> {
        self.list(&ListQuery::communes(filter), filter, |c: &CommuneRow| {
            PlaceKey {
                value: c.code.clone(),
                id: c.code.clone(),
            }
        })
        .await
    }

    /// A page of a list: one row more than the page is read, to tell whether another page follows.
    async fn list<T>(
        &self,
        query: &ListQuery,
        filter: &PlaceFilter,
        key: impl Fn(&T) -> PlaceKey,
    ) -> Result<Page<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let total: i64 = sqlx::query_scalar_with(&query.count, query.count_filter.arguments(&[])?)
            .fetch_one(&self.pool)
            .await?;
        let mut items: Vec<T> = sqlx::query_as_with(&query.page, query.page_arguments(filter)?)
            .fetch_all(&self.pool)
            .await?;
        let more = items.len() as i64 > filter.limit;
        items.truncate(filter.limit.max(0) as usize);
        let next = if more { items.last().map(key) } else { None };
        Ok(Page { total, items, next })
    }

    /// How the database runs the page query of each list for `filter` (`EXPLAIN`). On PostgreSQL, scans
    /// and sorts are discouraged, since a test database is too small for the planner to prefer an index: a
    /// sort still in the plan means no index can give the order. Lets the tests check that every filtered
    /// list reads an index that also orders it.
    #[cfg(feature = "testing")]
    pub async fn list_plans(&self, filter: &PlaceFilter) -> Result<Vec<String>> {
        let mut plans = Vec::new();
        for query in [ListQuery::communes(filter), ListQuery::groupings(filter)] {
            let mut tx = self.pool.begin().await?;
            let explain = match self.backend {
                crate::Backend::Sqlite => "EXPLAIN QUERY PLAN",
                crate::Backend::Postgres => {
                    for setting in ["enable_seqscan", "enable_bitmapscan", "enable_sort"] {
                        sqlx::query(&format!("SET LOCAL {setting} = off"))
                            .execute(&mut *tx)
                            .await?;
                    }
                    "EXPLAIN"
                }
            };
            let rows: Vec<sqlx::any::AnyRow> = sqlx::query_with(
                &format!("{explain} {}", query.page),
                query.page_arguments(filter)?,
            )
            .fetch_all(&mut *tx)
            .await?;
            let column = match self.backend {
                crate::Backend::Sqlite => 3,
                crate::Backend::Postgres => 0,
            };
            plans.push(
                rows.iter()
                    .map(|r| sqlx::Row::try_get::<String, _>(r, column))
                    .collect::<std::result::Result<Vec<_>, _>>()?
                    .join("\n"),
            );
            tx.rollback().await?;
        }
        Ok(plans)
    }
}

/// The two queries of a paged list: its count (of every matching item) and its page (from an offset, or
/// after a key, one row more than the page).
struct ListQuery {
    count_filter: Filter,
    page_filter: Filter,
    count: String,
    page: String,
}

impl ListQuery {
    /// The list of `from`'s rows matching `filter`, in `order` — its value and identifier columns, a key
    /// given by `filter.after` going after them.
    fn new(
        filter: Filter,
        (from, columns): (&str, &str),
        (value, id): (&str, &str),
        after: Option<&PlaceKey>,
    ) -> ListQuery {
        let count = format!("SELECT COUNT(*) FROM {from} {}", filter.where_clause());
        let mut page_filter = filter.clone();
        // An order by a unique value (a commune's code) needs no tie-break, and keeps its index's plan.
        let unique = value == id;
        match after {
            Some(key) if unique => {
                page_filter.and(&format!("{value} > ?"), key.value.clone());
            }
            Some(key) => {
                page_filter.and_all(
                    &format!("({value} > ? OR ({value} = ? AND {id} > ?))"),
                    vec![
                        key.value.clone().into(),
                        key.value.clone().into(),
                        key.id.clone().into(),
                    ],
                );
            }
            None => {}
        }
        let order = if unique {
            value.to_owned()
        } else {
            format!("{value}, {id}")
        };
        ListQuery {
            page: format!(
                "SELECT {columns} FROM {from} {} ORDER BY {order} LIMIT {} OFFSET {}",
                page_filter.where_clause(),
                page_filter.next_placeholder(1),
                page_filter.next_placeholder(2)
            ),
            count,
            count_filter: filter,
            page_filter,
        }
    }

    fn page_arguments(&self, filter: &PlaceFilter) -> Result<sqlx::any::AnyArguments<'static>> {
        let offset = if filter.after.is_some() {
            0
        } else {
            filter.offset
        };
        self.page_filter
            .arguments(&[(filter.limit + 1).into(), offset.into()])
    }

    fn groupings(filter: &PlaceFilter) -> ListQuery {
        let mut f = Filter::default();
        f.and_sql(&format!("g.millesime = {CURRENT_MILLESIME}"));
        if let Some(q) = filter
            .q
            .as_deref()
            .map(search_key)
            .filter(|q| !q.is_empty())
        {
            f.and("g.search_key LIKE ?", format!("%{q}%"));
        }
        // The groupings of the area's communes, found once: a subquery correlated to each grouping let
        // SQLite walk the area's communes once per grouping (2 s for a region in a debug build, 15 ms so).
        let member_in = |column: &str| {
            format!(
                "g.siren IN (SELECT gm.grouping_siren FROM communes c JOIN grouping_members gm
                 ON gm.millesime = c.millesime AND gm.commune_code = c.code
                 WHERE c.millesime = {CURRENT_MILLESIME} AND c.{column} = ?)"
            )
        };
        if let Some(region) = &filter.region {
            f.and(&member_in("region_code"), region.as_str());
        }
        if let Some(departement) = &filter.departement {
            f.and(&member_in("departement_code"), departement.as_str());
        }
        ListQuery::new(
            f,
            (
                "groupings g",
                "g.siren, g.name, g.nature, g.population, g.commune_count",
            ),
            ("g.name", "g.siren"),
            filter.after.as_ref(),
        )
    }

    fn communes(filter: &PlaceFilter) -> ListQuery {
        let mut f = Filter::default();
        f.and_sql(&format!("millesime = {CURRENT_MILLESIME}"));
        if let Some(q) = filter
            .q
            .as_deref()
            .map(search_key)
            .filter(|q| !q.is_empty())
        {
            f.and("search_key LIKE ?", format!("%{q}%"));
        }
        if let Some(region) = &filter.region {
            f.and("region_code = ?", region.as_str());
        }
        if let Some(departement) = &filter.departement {
            f.and("departement_code = ?", departement.as_str());
        }
        if let Some(epci) = &filter.epci {
            f.and(
                &format!("code IN (SELECT commune_code FROM grouping_members WHERE millesime = {CURRENT_MILLESIME} AND grouping_siren = ?)"),
                epci.as_str(),
            );
        }
        ListQuery::new(
            f,
            (
                "communes",
                "code, name, departement_code, region_code, siren, population, epci_siren",
            ),
            ("code", "code"),
            filter.after.as_ref(),
        )
    }
}
