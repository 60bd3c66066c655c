-- Projects (fiches actions) and their funding. Amounts are integer cents; dates ISO text like elsewhere,
-- checked here by pattern.
-- A project's status is a history (project_status_changes), never a column.

CREATE TABLE funders (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE schemes (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    funder_code TEXT NOT NULL REFERENCES funders (code),
    ti_specific INTEGER NOT NULL
);

CREATE TABLE envelopes (
    code TEXT PRIMARY KEY,
    scheme_code TEXT NOT NULL REFERENCES schemes (code),
    region_code TEXT,
    starts_on TEXT NOT NULL CHECK (starts_on ~ '^\d{4}-\d{2}-\d{2}$'),
    ends_on TEXT NOT NULL CHECK (ends_on ~ '^\d{4}-\d{2}-\d{2}$'),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0)
);

CREATE TABLE projects (
    code TEXT PRIMARY KEY,
    phase TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    themes TEXT NOT NULL,
    holder_kind TEXT,
    holder_id TEXT,
    holder_name TEXT,
    total_cost_cents BIGINT,
    expected_jobs_created BIGINT,
    expected_jobs_kept BIGINT,
    expected_investment_cents BIGINT,
    expected_tco2e_avoided BIGINT,
    expected_brownfield_hectares BIGINT,
    measured_jobs_created BIGINT,
    measured_jobs_kept BIGINT,
    measured_investment_cents BIGINT,
    measured_tco2e_avoided BIGINT,
    measured_brownfield_hectares BIGINT,
    source TEXT NOT NULL,
    -- Optimistic concurrency: every change bumps it, a form posts the version it was read at.
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE project_territories (
    project_code TEXT NOT NULL REFERENCES projects (code),
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (project_code, territory_id),
    FOREIGN KEY (phase, territory_id) REFERENCES territories (phase, id)
);
CREATE INDEX project_territories_territory ON project_territories (phase, territory_id);

CREATE TABLE project_axes (
    project_code TEXT NOT NULL REFERENCES projects (code),
    axis TEXT NOT NULL,
    PRIMARY KEY (project_code, axis)
);

CREATE TABLE project_status_changes (
    id BIGSERIAL PRIMARY KEY,
    project_code TEXT NOT NULL REFERENCES projects (code),
    status TEXT NOT NULL,
    occurred_on TEXT NOT NULL CHECK (occurred_on ~ '^\d{4}-\d{2}-\d{2}$'),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    -- Statuses only move forward: each is entered at most once.
    UNIQUE (project_code, status)
);

CREATE TABLE funding_lines (
    id BIGSERIAL PRIMARY KEY,
    project_code TEXT NOT NULL REFERENCES projects (code),
    funder_code TEXT NOT NULL REFERENCES funders (code),
    scheme_code TEXT REFERENCES schemes (code),
    instrument TEXT NOT NULL,
    decision_reference TEXT NOT NULL,
    requested_cents BIGINT NOT NULL CHECK (requested_cents >= 0),
    requested_on TEXT NOT NULL CHECK (requested_on ~ '^\d{4}-\d{2}-\d{2}$'),
    committed_cents BIGINT CHECK (committed_cents >= 0),
    committed_on TEXT CHECK (committed_on ~ '^\d{4}-\d{2}-\d{2}$'),
    paid_cents BIGINT CHECK (paid_cents >= 0),
    paid_on TEXT CHECK (paid_on ~ '^\d{4}-\d{2}-\d{2}$'),
    cancelled_on TEXT CHECK (cancelled_on ~ '^\d{4}-\d{2}-\d{2}$'),
    over_request_allowed INTEGER NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    -- The natural key of the evaluations' lesson 3: nothing is counted twice.
    UNIQUE (funder_code, decision_reference, project_code)
);
CREATE INDEX funding_lines_project ON funding_lines (project_code);
