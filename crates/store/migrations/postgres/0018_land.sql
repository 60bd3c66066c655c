-- Brownfields (friches) of the CNIG standard: one row per site with what the platform reads (commune,
-- point, surfaces, source) and the standard's other fields as the sources gave them (a JSON object), and
-- their statuses as dated facts: a site's status on a day is its latest status since that day or before.
CREATE TABLE brownfields (
    site_id TEXT PRIMARY KEY,
    name TEXT,
    commune_code TEXT NOT NULL,
    lon DOUBLE PRECISION,
    lat DOUBLE PRECISION,
    land_area_m2 BIGINT,
    built_area_m2 BIGINT,
    source TEXT,
    standard_json TEXT NOT NULL,
    -- The date of the latest source merged: a source dated earlier only fills what it leaves unsaid.
    described_on TEXT NOT NULL
);
CREATE INDEX brownfields_commune ON brownfields (commune_code);

CREATE TABLE brownfield_statuses (
    site_id TEXT NOT NULL,
    since TEXT NOT NULL,
    status TEXT NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (site_id, since)
);
