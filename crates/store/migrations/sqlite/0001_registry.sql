-- The national registry: referential (one millésime at a time), labelled territories with perimeters,
-- their append-only histories, and the audit log. Dates are ISO 8601 text (see store/README.md).

CREATE TABLE regions (
    millesime INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (millesime, code)
);

CREATE TABLE departements (
    millesime INTEGER NOT NULL,
    code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (millesime, code)
);

CREATE TABLE communes (
    millesime INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    search_key TEXT NOT NULL,
    departement_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    siren TEXT,
    population INTEGER,
    epci_siren TEXT,
    PRIMARY KEY (millesime, code)
);
CREATE INDEX communes_siren ON communes (siren);
CREATE INDEX communes_epci ON communes (millesime, epci_siren);
CREATE INDEX communes_departement ON communes (millesime, departement_code);
CREATE INDEX communes_region ON communes (millesime, region_code);

-- EPCIs and EPTs.
CREATE TABLE groupings (
    millesime INTEGER NOT NULL,
    siren TEXT NOT NULL,
    name TEXT NOT NULL,
    search_key TEXT NOT NULL,
    nature TEXT NOT NULL,
    population INTEGER NOT NULL,
    commune_count INTEGER NOT NULL,
    PRIMARY KEY (millesime, siren)
);

CREATE TABLE grouping_members (
    millesime INTEGER NOT NULL,
    grouping_siren TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    PRIMARY KEY (millesime, grouping_siren, commune_code)
);

-- Region contours for the overview map, in the overview frame.
CREATE TABLE region_contours (
    code TEXT PRIMARY KEY,
    overview_path TEXT NOT NULL,
    min_x REAL NOT NULL, min_y REAL NOT NULL, max_x REAL NOT NULL, max_y REAL NOT NULL
);

CREATE TABLE territories (
    phase TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    search_key TEXT NOT NULL,
    region_code TEXT NOT NULL,
    -- Derived from the perimeter in force and the current millésime, refreshed by every import.
    commune_count INTEGER NOT NULL DEFAULT 0,
    population INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (phase, id)
);

CREATE TABLE territory_contours (
    phase TEXT NOT NULL,
    id TEXT NOT NULL,
    overview_path TEXT NOT NULL,
    min_x REAL NOT NULL, min_y REAL NOT NULL, max_x REAL NOT NULL, max_y REAL NOT NULL,
    detail_path TEXT NOT NULL,
    detail_height REAL NOT NULL,
    PRIMARY KEY (phase, id)
);

-- Versions of a perimeter: a member joins at valid_from and leaves at valid_to (exclusive).
CREATE TABLE perimeter_members (
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    siren TEXT NOT NULL,
    label TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    PRIMARY KEY (phase, territory_id, siren, valid_from)
);
CREATE INDEX perimeter_members_siren ON perimeter_members (siren);

-- Communes covered by each territory's perimeter in force: derived, refreshed by every import.
CREATE TABLE territory_communes (
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    PRIMARY KEY (phase, territory_id, commune_code)
);
CREATE INDEX territory_communes_commune ON territory_communes (commune_code);

-- Regions and départements each territory's communes lie in: derived likewise.
CREATE TABLE territory_areas (
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    departement_code TEXT NOT NULL,
    commune_count INTEGER NOT NULL,
    PRIMARY KEY (phase, territory_id, departement_code)
);
CREATE INDEX territory_areas_region ON territory_areas (region_code);

-- What each phase covers: derived, refreshed by every import (a national count over tens of thousands
-- of communes is too slow to run on every page).
CREATE TABLE phase_coverage (
    phase TEXT PRIMARY KEY,
    territories INTEGER NOT NULL,
    epcis INTEGER NOT NULL,
    single_communes INTEGER NOT NULL,
    communes INTEGER NOT NULL,
    population INTEGER NOT NULL
);

CREATE TABLE milestones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    date_precision TEXT NOT NULL,
    note TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (phase, territory_id, kind, occurred_on),
    FOREIGN KEY (phase, territory_id) REFERENCES territories (phase, id)
);

CREATE TABLE appointments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    role TEXT NOT NULL,
    person TEXT,
    organisation TEXT NOT NULL,
    started_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (phase, territory_id, role, started_on),
    FOREIGN KEY (phase, territory_id) REFERENCES territories (phase, id)
);

CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX import_runs_kind ON import_runs (kind, content_hash);

-- Every write, with who, when, what, before and after (JSON).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);

-- Moves with every audited write; readers compare it with their cached snapshot (see store/src/snapshot.rs).
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);
