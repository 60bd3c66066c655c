//! The read model: the registry (every territory with its perimeter, areas, contours, histories and
//! lineage) and the portfolio, held in memory and brought up to date whenever the database changes.
//!
//! Every write appends to the audit log, and appending to the audit log bumps `data_version` in the same
//! transaction, with the version of the part it changed (`registry_version`, `portfolio_version`). A
//! request compares that version (one single-row query; on PostgreSQL, for most requests, the version the
//! writes announce, see `version`) with the snapshot's; when they differ, the first
//! such request reads the part that changed (the portfolio only its rows changed since, see
//! `changes_since`) while the requests arriving meanwhile keep the previous snapshot. Several instances
//! behind a load balancer stay exact: the cache is never the source of truth, only a faster way to read it.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use territoires_domain::access::Audience;
use territoires_domain::bilan::evolution::Series;
use territoires_domain::bilan::frame::Scope;
use territoires_domain::bilan::situation::TerritoryFacts;
use territoires_domain::opendata::territories::{Member, TerritoryRecord};
use territoires_domain::phase::Phase;
use territoires_domain::portfolio::index::PortfolioIndex;
use territoires_domain::registry::attributes::AttributeChange;
use territoires_domain::registry::governance::Appointment;
use territoires_domain::registry::milestone::Milestone;
use territoires_domain::registry::posts::ProjectLeadPost;
use territoires_domain::registry::progress::{Progress, ProgressCounts};
use territoires_domain::search::search_key;
use time::Date;

use crate::portfolio::StoredPortfolio;
use crate::registry::figures::{Coverage, PhaseFigures, RegionFigures};
use crate::registry::history::{
    appointment_from, attribute_from, milestone_from, AppointmentRow, AttributeRow, MilestoneRow,
    APPOINTMENT_COLUMNS, ATTRIBUTE_COLUMNS, MILESTONE_COLUMNS, WITHDRAWAL_JOIN,
};
use crate::registry::posts::load_posts;
use crate::registry::referential::{DepartementRow, Page, RegionRow};
use crate::registry::territories::{
    AreaRow, ContourRow, MapShape, MemberRow, RelatedTerritory, TerritoryDetail, TerritoryKey,
    TerritoryListItem, TerritoryQuery, TerritoryRow, TerritorySort,
};
use crate::{Backend, Result, Store, CURRENT_MILLESIME};

type Key = (String, String);

/// Everything the pages read, at one version of the database: the registry and the portfolio, each shared
/// with the next snapshot when the writes in between did not change it.
pub(crate) struct Snapshot {
    version: i64,
    pub(crate) registry: Arc<Registry>,
    pub(crate) portfolio: Arc<PortfolioModel>,
    /// [`Snapshot::last_event_dates`], with the day it was computed.
    last_events: Mutex<Option<LastEvents>>,
    /// Evolutions to the phase's horizon, by phase, scope and scheme: cut at a date, each gives the
    /// evolution of every bilan of that scope (see [`Series::until`]).
    pub(crate) evolutions: Mutex<HashMap<EvolutionKey, Arc<Vec<Series>>>>,
    /// The open-data datasets computed at this version, by slug.
    pub(crate) publications: Mutex<HashMap<&'static str, Arc<crate::opendata::Published>>>,
    /// The portfolio as the public reads it, without the fiches not yet public and their lines: built with
    /// the snapshot, off the async workers; `None` when every fiche is public.
    public_portfolio: Option<Arc<PortfolioModel>>,
    /// This snapshot as the public reads it (see [`Snapshot::seen_by`]), made on its first public read.
    public: OnceLock<Arc<Snapshot>>,
}

/// The registry: every territory with its perimeter, areas, contours, histories and lineage, and the
/// referential's regions and départements.
#[derive(Default)]
pub(crate) struct Registry {
    /// `registry_version` of the database when it was read.
    version: i64,
    pub(crate) territories: Vec<TerritoryRow>,
    search_keys: Vec<String>,
    index: HashMap<Key, usize>,
    // Per territory, at the territory's position in `territories`.
    areas: Vec<Vec<AreaRow>>,
    region_codes: Vec<Vec<String>>,
    departement_codes: Vec<Vec<String>>,
    members: Vec<Vec<MemberRow>>,
    contours: Vec<Option<ContourRow>>,
    milestones: Vec<Vec<Milestone>>,
    milestone_ids: Vec<Vec<i64>>,
    appointments: Vec<Vec<Appointment>>,
    appointment_ids: Vec<Vec<i64>>,
    attributes: Vec<Vec<AttributeChange>>,
    attribute_ids: Vec<Vec<i64>>,
    posts: Vec<Vec<ProjectLeadPost>>,
    related: Vec<Vec<RelatedTerritory>>,
    shapes: BTreeMap<String, Vec<MapShape>>,
    region_shapes: Vec<MapShape>,
    coverage: BTreeMap<Phase, Coverage>,
    pub(crate) regions: Vec<RegionRow>,
    departements: Vec<DepartementRow>,
    pub(crate) region_names: BTreeMap<String, String>,
}

/// The portfolio with its index.
pub(crate) struct PortfolioModel {
    /// `portfolio_version` of the database when it was read.
    pub(crate) version: i64,
    /// Shared with the imports that read it before taking the writers' lock.
    pub(crate) stored: Arc<StoredPortfolio>,
    /// Positions of projects and lines, kinds of lines: built once per portfolio for every bilan.
    pub(crate) index: PortfolioIndex,
}

impl PortfolioModel {
    /// The model of a portfolio read at `version`: indexed (tens of milliseconds at national scale).
    fn new(version: i64, stored: Arc<StoredPortfolio>) -> PortfolioModel {
        PortfolioModel {
            version,
            index: PortfolioIndex::new(&stored.portfolio),
            stored,
        }
    }
}

/// The versions a snapshot is read at: of the data, of the registry and of the portfolio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Versions {
    version: i64,
    registry_version: i64,
    portfolio_version: i64,
}

/// The day the last event dates were computed, and each phase's last event.
type LastEvents = (Date, Vec<(Phase, Date)>);

/// Which evolution: phase, scope and scheme filter.
pub(crate) type EvolutionKey = (Phase, Scope, Option<String>);

/// The cached snapshot, shared by the clones of a [`Store`].
#[derive(Default)]
pub(crate) struct Cache {
    current: RwLock<Option<Arc<Snapshot>>>,
    pub(crate) rebuild: Arc<tokio::sync::Mutex<()>>,
    /// How many times the whole portfolio was read (rather than patched), for the tests.
    pub(crate) portfolio_loads: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cache")
    }
}

/// Spreads keyed records with their ids over the territories' positions: the records, and their ids.
fn with_ids<T>(
    index: &HashMap<Key, usize>,
    len: usize,
    rows: Vec<(i64, Key, T)>,
) -> (Vec<Vec<T>>, Vec<Vec<i64>>) {
    let ids = by_position(index, len, rows.iter().map(|(id, k, _)| (k.clone(), *id)));
    let records = by_position(index, len, rows.into_iter().map(|(_, k, r)| (k, r)));
    (records, ids)
}

/// Spreads keyed rows over the territories' positions, keeping their order.
fn by_position<T>(
    index: &HashMap<Key, usize>,
    len: usize,
    rows: impl IntoIterator<Item = (Key, T)>,
) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = std::iter::repeat_with(Vec::new).take(len).collect();
    for (k, v) in rows {
        if let Some(&i) = index.get(&k) {
            out[i].push(v);
        }
    }
    out
}

impl Registry {
    /// The name of a territory of the phase, if it is in the registry.
    pub(crate) fn territory_name(&self, phase: Phase, id: &str) -> Option<&str> {
        let key = (phase.slug().to_owned(), id.to_owned());
        self.index
            .get(&key)
            .map(|&i| self.territories[i].name.as_str())
    }

    /// Every territory as the open data publishes it, its perimeter read on `on`.
    pub(crate) fn territory_records(&self, on: Date) -> Vec<TerritoryRecord> {
        let day = territoires_domain::fr::iso_date(on);
        self.territories
            .iter()
            .enumerate()
            .map(|(i, t)| TerritoryRecord {
                phase: t.phase.clone(),
                id: t.id.clone(),
                name: t.name.clone(),
                region: (t.region_code.clone(), t.region_name.clone()),
                regions: self.region_codes[i].clone(),
                departements: self.departement_codes[i].clone(),
                commune_count: t.commune_count,
                population: t.population,
                members: self.members[i]
                    .iter()
                    .filter(|m| {
                        m.valid_from <= day
                            && m.valid_to.as_deref().is_none_or(|to| day.as_str() < to)
                    })
                    .map(|m| Member {
                        siren: m.siren.clone(),
                        name: m.name.clone().unwrap_or_else(|| m.label.clone()),
                    })
                    .collect(),
                geometry: None,
            })
            .collect()
    }

    /// The phase's territories as the indicator engine reads them.
    pub(crate) fn territory_facts(&self, phase: Phase) -> Vec<TerritoryFacts<'_>> {
        self.territories
            .iter()
            .enumerate()
            .filter(|(_, t)| t.phase == phase.slug())
            .map(|(i, t)| TerritoryFacts {
                id: &t.id,
                name: &t.name,
                region: &t.region_code,
                milestones: &self.milestones[i],
                appointments: &self.appointments[i],
                attributes: &self.attributes[i],
                posts: &self.posts[i],
            })
            .collect()
    }
}

impl Snapshot {
    /// A snapshot of these parts, its caches empty.
    fn new(
        version: i64,
        registry: Arc<Registry>,
        portfolio: Arc<PortfolioModel>,
        public_portfolio: Option<Arc<PortfolioModel>>,
    ) -> Snapshot {
        Snapshot {
            version,
            registry,
            portfolio,
            last_events: Mutex::new(None),
            evolutions: Mutex::new(HashMap::new()),
            publications: Mutex::new(HashMap::new()),
            public_portfolio,
            public: OnceLock::new(),
        }
    }

    /// This snapshot as `audience` sees it: for the public, the same registry and the public portfolio,
    /// with caches of its own (bilans, evolutions and datasets computed from it). Cheap: the public
    /// portfolio was built with the snapshot.
    pub(crate) fn seen_by(self: &Arc<Self>, audience: Audience) -> Arc<Snapshot> {
        let (Audience::Public, Some(portfolio)) = (audience, &self.public_portfolio) else {
            return self.clone();
        };
        self.public
            .get_or_init(|| {
                Arc::new(Snapshot::new(
                    self.version,
                    self.registry.clone(),
                    portfolio.clone(),
                    None,
                ))
            })
            .clone()
    }

    /// For each phase holding data (milestones of progress, or projects), the last day something happened
    /// in it up to today. Every page asks for it and it reads every record: computed once a day per snapshot.
    pub(crate) fn last_event_dates(&self) -> Vec<(Phase, Date)> {
        let today = crate::today();
        let mut cached = self.last_events.lock().expect("last events lock");
        match &*cached {
            Some((on, dates)) if *on == today => dates.clone(),
            _ => {
                let dates = self.compute_last_event_dates(today);
                *cached = Some((today, dates.clone()));
                dates
            }
        }
    }

    fn compute_last_event_dates(&self, today: Date) -> Vec<(Phase, Date)> {
        let r = &self.registry;
        Phase::ALL
            .into_iter()
            .filter_map(|phase| {
                let milestones = r
                    .territories
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.phase == phase.slug())
                    .flat_map(|(i, _)| r.milestones[i].iter())
                    .filter(|m| !m.kind.is_labelling() && m.counts_on(today))
                    .map(|m| m.occurred_on);
                let portfolio = &self.portfolio.stored.portfolio;
                let projects = portfolio
                    .projects
                    .iter()
                    .filter(|p| p.phase == phase)
                    .flat_map(|p| p.history.iter().map(|c| c.on));
                let lines = portfolio
                    .lines
                    .iter()
                    .filter(|l| {
                        self.portfolio
                            .index
                            .project_position
                            .get(&l.project)
                            .is_some_and(|&i| portfolio.projects[i].phase == phase)
                    })
                    .flat_map(|l| {
                        [
                            Some(l.requested_on),
                            l.committed_on,
                            l.paid_on,
                            l.cancelled_on,
                        ]
                        .into_iter()
                        .flatten()
                    });
                milestones
                    .chain(projects)
                    .chain(lines)
                    .filter(|d| *d <= today)
                    .max()
                    .map(|d| (phase, d))
            })
            .collect()
    }
}

tokio::task_local! {
    /// What the current request reads (see [`Store::request_scope`]).
    static REQUEST: RequestReads;
}

/// What a request reads of the data.
struct RequestReads {
    /// It must see every write committed before it (a signed-in user, who may just have written): it waits
    /// for a rebuild in progress rather than take the previous snapshot.
    exact: bool,
    /// The snapshot its first read got: its other reads use it, so a page is one consistent version.
    snapshot: RefCell<Option<Arc<Snapshot>>>,
    /// The request writes: every later read asks the database, to see that write.
    writing: Cell<bool>,
}

impl Store {
    /// Runs one request: its first read checks the data's version and gets a snapshot, and its other reads
    /// use the same snapshot, so that a page calling the store several times costs one version query (one
    /// round trip on PostgreSQL) and shows one version of the data. An `exact` request sees every write
    /// committed before it; the others may be served the previous snapshot while a new one is prepared.
    pub async fn request_scope<F: std::future::Future>(
        &self,
        exact: bool,
        request: F,
    ) -> F::Output {
        let reads = RequestReads {
            exact,
            snapshot: RefCell::new(None),
            writing: Cell::new(false),
        };
        REQUEST.scope(reads, request).await
    }

    /// The version of the data the current request reads: answers computed from it can be kept under it.
    pub async fn read_version(&self) -> Result<i64> {
        Ok(self.snapshot().await?.version)
    }

    /// Called when a write begins: the request's later reads must see it.
    pub(crate) fn unpin_request_snapshot() {
        let _ = REQUEST.try_with(|r| {
            r.writing.set(true);
            r.snapshot.replace(None);
        });
    }

    /// The snapshot at the database's current version. When a write happened since the last one, the
    /// first reader reloads what the write changed (the registry, the portfolio or both) while the readers
    /// arriving meanwhile keep the previous snapshot instead of waiting.
    pub(crate) async fn snapshot(&self) -> Result<Arc<Snapshot>> {
        if let Ok(Some(pinned)) = REQUEST.try_with(|r| r.snapshot.borrow().clone()) {
            return Ok(pinned);
        }
        let snapshot = self.current_snapshot().await?;
        let _ = REQUEST.try_with(|r| {
            if !r.writing.get() {
                r.snapshot.replace(Some(snapshot.clone()));
            }
        });
        Ok(snapshot)
    }

    async fn current_snapshot(&self) -> Result<Arc<Snapshot>> {
        let exact = REQUEST.try_with(|r| r.exact).unwrap_or(true);
        // A request that need not see the very latest writes takes the version the writes announced
        // (PostgreSQL, see `version`): no round trip. The others ask the database.
        let version = match self.pushed_version().filter(|_| !exact) {
            Some(version) => version,
            None => {
                sqlx::query_scalar("SELECT version FROM data_version")
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        let current = || self.cache.current.read().expect("snapshot lock").clone();
        let previous = current();
        if let Some(s) = previous.as_ref().filter(|s| s.version >= version) {
            return Ok(s.clone());
        }
        let rebuilding = match (self.cache.rebuild.clone().try_lock_owned(), previous) {
            (Ok(guard), _) => guard,
            (Err(_), Some(previous)) if !exact => return Ok(previous),
            // Nothing to serve yet, or a request that must see the latest writes: wait for the rebuild.
            (Err(_), _) => self.cache.rebuild.clone().lock_owned().await,
        };
        let previous = current();
        if let Some(s) = previous.as_ref().filter(|s| s.version >= version) {
            return Ok(s.clone());
        }
        let started = std::time::Instant::now();
        let snapshot = Arc::new(self.load_snapshot(previous.as_deref()).await?);
        let loaded = started.elapsed();
        // Published with the evolutions its predecessor had computed, so that the requests after it do not
        // all compute them at once; meanwhile the requests that need not wait keep the previous snapshot,
        // and a request that follows this one sees the new snapshot.
        if let Some(previous) = previous {
            let next = snapshot.clone();
            self.compute(move || crate::bilan::warm_evolutions(&previous, &next))
                .await?;
        }
        tracing::debug!(
            version = snapshot.version,
            load_ms = loaded.as_secs_f64() * 1e3,
            total_ms = started.elapsed().as_secs_f64() * 1e3,
            "snapshot rebuilt"
        );
        *self.cache.current.write().expect("snapshot lock") = Some(snapshot.clone());
        drop(rebuilding);
        Ok(snapshot)
    }

    /// A read-only transaction whose reads all see the data at one moment (on SQLite, a deferred
    /// transaction in WAL mode does; PostgreSQL needs repeatable read).
    pub(crate) async fn begin_read(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// The portfolio of the latest snapshot this process built, if any (it may be behind the database).
    pub(crate) fn cached_portfolio(&self) -> Option<Arc<PortfolioModel>> {
        let current = self.cache.current.read().expect("snapshot lock");
        current.as_ref().map(|s| s.portfolio.clone())
    }

    /// The registry at the database's current version.
    pub(crate) async fn registry(&self) -> Result<Arc<Registry>> {
        Ok(self.snapshot().await?.registry.clone())
    }

    /// Reads the parts of the snapshot that changed since `previous`, in one transaction so that both parts
    /// are read at the same version.
    async fn load_snapshot(&self, previous: Option<&Snapshot>) -> Result<Snapshot> {
        let mut tx = self.begin_read().await?;
        let v: Versions =
            sqlx::query_as("SELECT version, registry_version, portfolio_version FROM data_version")
                .fetch_one(&mut *tx)
                .await?;
        let registry = match previous.filter(|p| p.registry.version == v.registry_version) {
            Some(p) => p.registry.clone(),
            None => Arc::new(load_registry(&mut tx, v.registry_version).await?),
        };
        // Reading is async; applying the changes and indexing (tens of milliseconds at national scale)
        // run on the blocking pool, so that the requests served meanwhile keep their latency.
        let portfolio = match previous.map(|p| p.portfolio.clone()) {
            Some(p) if p.version == v.portfolio_version => p,
            previous => {
                let read = previous.map(|p| (p.stored.clone(), p.version));
                let stored = self
                    .portfolio_up_to_date(&mut tx, read, v.portfolio_version)
                    .await?;
                let version = v.portfolio_version;
                Arc::new(
                    self.compute(move || PortfolioModel::new(version, stored))
                        .await?,
                )
            }
        };
        tx.commit().await?;
        // The public's portfolio is derived here, once per version of the portfolio and off the async
        // workers (a copy and an index: 10 to 40 ms at eight times national scale), rather than by the
        // first public reader while the others wait.
        let public_portfolio = match previous.filter(|p| Arc::ptr_eq(&p.portfolio, &portfolio)) {
            Some(p) => p.public_portfolio.clone(),
            None => {
                let (stored, version) = (portfolio.stored.clone(), portfolio.version);
                self.compute(move || {
                    stored
                        .public_part()
                        .map(|public| Arc::new(PortfolioModel::new(version, Arc::new(public))))
                })
                .await?
            }
        };
        Ok(Snapshot::new(
            v.version,
            registry,
            portfolio,
            public_portfolio,
        ))
    }

    /// The snapshot the request reads, as this handle's audience sees it.
    pub(crate) async fn visible(&self) -> Result<Arc<Snapshot>> {
        Ok(self.snapshot().await?.seen_by(self.audience))
    }
}

/// Reads the whole registry in the transaction given.
async fn load_registry(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    version: i64,
) -> Result<Registry> {
    let territories: Vec<TerritoryRow> = sqlx::query_as(&format!(
            "SELECT t.phase, t.id, t.name, t.region_code, COALESCE(r.name, t.region_code) AS region_name,
                    t.commune_count, t.population
             FROM territories t LEFT JOIN regions r ON r.millesime = {CURRENT_MILLESIME} AND r.code = t.region_code
             ORDER BY t.phase, t.id"
        ))
        .fetch_all(&mut **tx)
        .await?;
    let areas: Vec<(String, String, AreaRow)> = sqlx::query_as::<_, (String, String, String, String, String, String, i64)>(&format!(
            "SELECT a.phase, a.territory_id, a.region_code, COALESCE(r.name, a.region_code), a.departement_code,
                    COALESCE(d.name, a.departement_code), a.commune_count
             FROM territory_areas a
             LEFT JOIN regions r ON r.millesime = {CURRENT_MILLESIME} AND r.code = a.region_code
             LEFT JOIN departements d ON d.millesime = {CURRENT_MILLESIME} AND d.code = a.departement_code
             ORDER BY a.phase, a.territory_id, a.region_code, a.departement_code"
        ))
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|(p, id, region_code, region_name, departement_code, departement_name, commune_count)| {
            (p, id, AreaRow { region_code, region_name, departement_code, departement_name, commune_count })
        })
        .collect();
    let members: Vec<(String, String, MemberRow)> = sqlx::query_as::<_, MemberTuple>(&format!(
        "SELECT pm.phase, pm.territory_id, pm.siren, pm.label, COALESCE(g.name, c.name),
                    COALESCE(g.nature, CASE WHEN c.code IS NULL THEN NULL ELSE 'COM' END),
                    COALESCE(g.population, c.population),
                    COALESCE(g.commune_count, CASE WHEN c.code IS NULL THEN NULL ELSE 1 END),
                    pm.valid_from, pm.valid_to
             FROM perimeter_members pm
             LEFT JOIN groupings g ON g.millesime = {CURRENT_MILLESIME} AND g.siren = pm.siren
             LEFT JOIN communes c ON c.millesime = {CURRENT_MILLESIME} AND c.siren = pm.siren
             ORDER BY pm.phase, pm.territory_id, CASE WHEN pm.valid_to IS NULL THEN 0 ELSE 1 END,
                      COALESCE(g.name, c.name, pm.label)"
    ))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(
        |(p, id, siren, label, name, nature, population, commune_count, valid_from, valid_to)| {
            (
                p,
                id,
                MemberRow {
                    siren,
                    label,
                    name,
                    nature,
                    population,
                    commune_count,
                    valid_from,
                    valid_to,
                },
            )
        },
    )
    .collect();
    let contours: Vec<ContourTuple> = sqlx::query_as(
            "SELECT c.phase, c.id, c.overview_path, c.min_x, c.min_y, c.max_x, c.max_y, c.detail_path, c.detail_height, t.name
             FROM territory_contours c JOIN territories t ON t.phase = c.phase AND t.id = c.id ORDER BY c.phase, c.id",
        )
        .fetch_all(&mut **tx)
        .await?;
    let region_shapes: Vec<MapShape> = sqlx::query_as(&format!(
            "SELECT c.code, COALESCE(r.name, c.code) AS name, c.overview_path, c.min_x, c.min_y, c.max_x, c.max_y
             FROM region_contours c LEFT JOIN regions r ON r.millesime = {CURRENT_MILLESIME} AND r.code = c.code
             ORDER BY c.code"
        ))
        .fetch_all(&mut **tx)
        .await?;
    let milestone_rows: Vec<MilestoneRow> = sqlx::query_as(&format!(
            "SELECT {MILESTONE_COLUMNS} FROM milestones m {WITHDRAWAL_JOIN} ORDER BY m.occurred_on, m.id"
        ))
        .fetch_all(&mut **tx)
        .await?;
    let appointment_rows: Vec<AppointmentRow> = sqlx::query_as(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments m {WITHDRAWAL_JOIN} ORDER BY m.started_on, m.id"
        ))
        .fetch_all(&mut **tx)
        .await?;
    let attribute_rows: Vec<AttributeRow> = sqlx::query_as(&format!(
            "SELECT {ATTRIBUTE_COLUMNS} FROM territory_attributes m {WITHDRAWAL_JOIN} ORDER BY m.changed_on, m.id"
        ))
        .fetch_all(&mut **tx)
        .await?;
    let post_rows = load_posts(tx).await?;
    let related: Vec<(String, String, String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT mine.phase, mine.territory_id, t.phase, t.id, t.name, COUNT(*), t.commune_count
             FROM territory_communes mine
             JOIN territory_communes theirs ON theirs.commune_code = mine.commune_code AND theirs.phase <> mine.phase
             JOIN territories t ON t.phase = theirs.phase AND t.id = theirs.territory_id
             GROUP BY mine.phase, mine.territory_id, t.phase, t.id, t.name, t.commune_count
             ORDER BY mine.phase, mine.territory_id, COUNT(*) DESC, t.id",
        )
        .fetch_all(&mut **tx)
        .await?;
    let coverage_rows: Vec<(String, i64, i64, i64, i64, i64)> =
            sqlx::query_as("SELECT phase, territories, epcis, single_communes, communes, population FROM phase_coverage")
                .fetch_all(&mut **tx)
                .await?;
    let regions: Vec<RegionRow> = sqlx::query_as(&format!(
        "SELECT code, name FROM regions WHERE millesime = {CURRENT_MILLESIME} ORDER BY code"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let departements: Vec<DepartementRow> = sqlx::query_as(&format!(
            "SELECT code, name, region_code FROM departements WHERE millesime = {CURRENT_MILLESIME} ORDER BY code"
        ))
        .fetch_all(&mut **tx)
        .await?;

    let index: HashMap<Key, usize> = territories
        .iter()
        .enumerate()
        .map(|(i, t)| ((t.phase.clone(), t.id.clone()), i))
        .collect();
    let n = territories.len();
    let (milestones, milestone_ids) = with_ids(
        &index,
        n,
        milestone_rows
            .into_iter()
            .map(milestone_from)
            .collect::<Result<Vec<_>>>()?,
    );
    let (appointments, appointment_ids) = with_ids(
        &index,
        n,
        appointment_rows
            .into_iter()
            .map(appointment_from)
            .collect::<Result<Vec<_>>>()?,
    );
    let (attributes, attribute_ids) = with_ids(
        &index,
        n,
        attribute_rows
            .into_iter()
            .map(attribute_from)
            .collect::<Result<Vec<_>>>()?,
    );
    let (posts, _) = with_ids(&index, n, post_rows);
    let mut shapes: BTreeMap<String, Vec<MapShape>> = BTreeMap::new();
    let mut detail = Vec::new();
    for (phase, id, overview_path, min_x, min_y, max_x, max_y, detail_path, detail_height, name) in
        contours
    {
        shapes.entry(phase.clone()).or_default().push(MapShape {
            code: id.clone(),
            name,
            overview_path,
            min_x,
            min_y,
            max_x,
            max_y,
        });
        detail.push((
            (phase, id),
            ContourRow {
                detail_path,
                detail_height,
            },
        ));
    }
    let areas = by_position(&index, n, areas.into_iter().map(|(p, id, a)| ((p, id), a)));
    let region_codes = areas
        .iter()
        .map(|rows| {
            let mut regions: Vec<String> = rows.iter().map(|a| a.region_code.clone()).collect();
            regions.dedup();
            regions
        })
        .collect();
    let departement_codes = areas
        .iter()
        .map(|rows| rows.iter().map(|a| a.departement_code.clone()).collect())
        .collect();
    let mut coverage: BTreeMap<Phase, Coverage> = Phase::ALL
        .into_iter()
        .map(|p| (p, Coverage::default()))
        .collect();
    for (phase, territories, epcis, single_communes, communes, population) in coverage_rows {
        if let Ok(p) = phase.parse::<Phase>() {
            coverage.insert(
                p,
                Coverage {
                    territories,
                    epcis,
                    single_communes,
                    communes,
                    population,
                },
            );
        }
    }
    Ok(Registry {
        version,
        region_names: regions
            .iter()
            .map(|r| (r.code.clone(), r.name.clone()))
            .collect(),
        search_keys: territories.iter().map(|t| search_key(&t.name)).collect(),
        members: by_position(
            &index,
            n,
            members.into_iter().map(|(p, id, m)| ((p, id), m)),
        ),
        contours: by_position(&index, n, detail)
            .into_iter()
            .map(|mut c| c.pop())
            .collect(),
        appointments,
        appointment_ids,
        attributes,
        attribute_ids,
        posts,
        milestone_ids,
        related: by_position(
            &index,
            n,
            related.into_iter().map(
                |(p, id, phase, rid, name, shared_communes, commune_count)| {
                    (
                        (p, id),
                        RelatedTerritory {
                            phase,
                            id: rid,
                            name,
                            shared_communes,
                            commune_count,
                        },
                    )
                },
            ),
        ),
        index,
        territories,
        areas,
        region_codes,
        departement_codes,
        milestones,
        shapes,
        region_shapes,
        coverage,
        regions,
        departements,
    })
}

impl Store {
    /// The territories matching a query, with their progress as of the query's date.
    pub async fn territories(
        &self,
        query: &TerritoryQuery,
    ) -> Result<Page<TerritoryListItem, TerritoryKey>> {
        let s = self.registry().await?;
        let q = query.q.as_deref().map(search_key).unwrap_or_default();
        // Filter, rate and sort by position; only the page's rows are copied out.
        let matching: Vec<(usize, Progress)> = s
            .territories
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                query.phase.is_none_or(|p| p.slug() == t.phase)
                    && s.search_keys[*i].contains(&q)
                    && query
                        .region
                        .as_ref()
                        .is_none_or(|r| s.region_codes[*i].contains(r))
                    && query
                        .departement
                        .as_ref()
                        .is_none_or(|d| s.departement_codes[*i].contains(d))
            })
            .map(|(i, t)| {
                (
                    i,
                    Progress::as_of(t.parsed_phase(), &s.milestones[i], query.as_of),
                )
            })
            .filter(|(_, p)| query.stage.is_none_or(|st| p.stage == st))
            .collect();
        let key = |i: usize, progress: &Progress| {
            let t = &s.territories[i];
            let (number, text) = match query.sort {
                TerritorySort::Name => (0, s.search_keys[i].clone()),
                TerritorySort::Id => (0, String::new()),
                TerritorySort::Population => (t.population, String::new()),
                TerritorySort::Communes => (t.commune_count, String::new()),
                TerritorySort::Stage => (progress.stage as i64, s.search_keys[i].clone()),
            };
            TerritoryKey {
                number,
                text,
                phase: t.phase.clone(),
                id: t.id.clone(),
            }
        };
        let mut keyed: Vec<(TerritoryKey, usize, Progress)> = matching
            .into_iter()
            .map(|(i, progress)| (key(i, &progress), i, progress))
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        if query.descending {
            keyed.reverse();
        }
        let total = keyed.len() as i64;
        let start = match &query.after {
            Some(after) => keyed
                .iter()
                .position(|(k, _, _)| {
                    if query.descending {
                        k < after
                    } else {
                        k > after
                    }
                })
                .unwrap_or(keyed.len()),
            None => query.offset.min(keyed.len()),
        };
        let end = start.saturating_add(query.limit).min(keyed.len());
        let next = (end < keyed.len() && end > start).then(|| keyed[end - 1].0.clone());
        let items = keyed
            .into_iter()
            .skip(start)
            .take(end - start)
            .map(|(_, i, progress)| (i, progress))
            .map(|(i, progress)| TerritoryListItem {
                progress,
                regions: s.region_codes[i].clone(),
                territory: s.territories[i].clone(),
            })
            .collect();
        Ok(Page { total, items, next })
    }

    /// One territory with everything its page shows; `None` if it does not exist.
    pub async fn territory(&self, phase: Phase, id: &str) -> Result<Option<TerritoryDetail>> {
        let s = self.registry().await?;
        let key = (phase.slug().to_owned(), id.to_owned());
        let Some(&i) = s.index.get(&key) else {
            return Ok(None);
        };
        Ok(Some(TerritoryDetail {
            territory: s.territories[i].clone(),
            areas: s.areas[i].clone(),
            members: s.members[i].clone(),
            contour: s.contours[i].clone(),
            milestones: s.milestone_ids[i]
                .iter()
                .copied()
                .zip(s.milestones[i].iter().cloned())
                .collect(),
            appointments: s.appointment_ids[i]
                .iter()
                .copied()
                .zip(s.appointments[i].iter().cloned())
                .collect(),
            attributes: s.attribute_ids[i]
                .iter()
                .copied()
                .zip(s.attributes[i].iter().cloned())
                .collect(),
            posts: s.posts[i].clone(),
            related: s.related[i].clone(),
        }))
    }

    /// The shapes of a phase's territories for the overview map, with their names.
    pub async fn territory_shapes(&self, phase: Phase) -> Result<Vec<MapShape>> {
        Ok(self
            .registry()
            .await?
            .shapes
            .get(phase.slug())
            .cloned()
            .unwrap_or_default())
    }

    /// The shapes of the regions, background of the overview map.
    pub async fn region_shapes(&self) -> Result<Vec<MapShape>> {
        Ok(self.registry().await?.region_shapes.clone())
    }

    /// Coverage of each phase (territories, EPCIs, communes, population), as derived by the last import.
    pub async fn coverage(&self) -> Result<BTreeMap<Phase, Coverage>> {
        Ok(self.registry().await?.coverage.clone())
    }

    /// All regions of the current millésime, by code.
    pub async fn regions(&self) -> Result<Vec<RegionRow>> {
        Ok(self.registry().await?.regions.clone())
    }

    /// Départements, of one region or all, by code.
    pub async fn departements(&self, region: Option<&str>) -> Result<Vec<DepartementRow>> {
        let s = self.registry().await?;
        Ok(s.departements
            .iter()
            .filter(|d| region.is_none_or(|r| d.region_code == r))
            .cloned()
            .collect())
    }

    /// Progress of a phase's territories at a date, overall and per region of attachment (every region is
    /// listed, with zeros where it has no territory).
    pub async fn phase_figures(&self, phase: Phase, as_of: Date) -> Result<PhaseFigures> {
        let s = self.registry().await?;
        let mut regions: BTreeMap<String, RegionFigures> = s
            .regions
            .iter()
            .map(|r| {
                let figures = RegionFigures {
                    code: r.code.clone(),
                    name: r.name.clone(),
                    attached: 0,
                    progress: ProgressCounts::default(),
                };
                (r.code.clone(), figures)
            })
            .collect();
        let mut progress = ProgressCounts::default();
        let mut by_territory = BTreeMap::new();
        for (i, t) in s
            .territories
            .iter()
            .enumerate()
            .filter(|(_, t)| t.phase == phase.slug())
        {
            let p = Progress::as_of(phase, &s.milestones[i], as_of);
            progress.add(p);
            by_territory.insert(t.id.clone(), p);
            let r = regions
                .entry(t.region_code.clone())
                .or_insert_with(|| RegionFigures {
                    code: t.region_code.clone(),
                    name: t.region_name.clone(),
                    attached: 0,
                    progress: ProgressCounts::default(),
                });
            r.attached += 1;
            r.progress.add(p);
        }
        Ok(PhaseFigures {
            phase,
            progress,
            regions: regions.into_values().collect(),
            territories: by_territory,
        })
    }
}

/// phase, id, overview path, bounding box, detail path and height, name.
type ContourTuple = (
    String,
    String,
    String,
    f64,
    f64,
    f64,
    f64,
    String,
    f64,
    String,
);

type MemberTuple = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    String,
    Option<String>,
);
