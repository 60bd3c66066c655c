-- The programme's timeline and the corrections of histories (issue #7); see the SQLite migration for the
-- reasons. Dates are ISO text, checked by pattern.

ALTER TABLE milestones ADD COLUMN earliest_on TEXT CHECK (earliest_on ~ '^\d{4}-\d{2}-\d{2}$');
ALTER TABLE milestones ADD COLUMN related TEXT NOT NULL DEFAULT '';
ALTER TABLE milestones ADD COLUMN withdrawal_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE milestones DROP CONSTRAINT milestones_phase_territory_id_kind_occurred_on_key;
ALTER TABLE milestones ADD CONSTRAINT milestones_fact_key
    UNIQUE (phase, territory_id, kind, occurred_on, date_precision, withdrawal_id);
CREATE INDEX milestones_territory ON milestones (phase, territory_id);

ALTER TABLE appointments ADD COLUMN withdrawal_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE appointments DROP CONSTRAINT appointments_phase_territory_id_role_started_on_key;
ALTER TABLE appointments ADD CONSTRAINT appointments_fact_key
    UNIQUE (phase, territory_id, role, started_on, withdrawal_id);
CREATE INDEX appointments_territory ON appointments (phase, territory_id);

CREATE TABLE territory_attributes (
    id BIGSERIAL PRIMARY KEY,
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    attribute TEXT NOT NULL CHECK (attribute IN ('fragile', 'etiquette')),
    value TEXT NOT NULL,
    present INTEGER NOT NULL CHECK (present IN (0, 1)),
    changed_on TEXT NOT NULL CHECK (changed_on ~ '^\d{4}-\d{2}-\d{2}$'),
    note TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    withdrawal_id BIGINT NOT NULL DEFAULT 0,
    UNIQUE (phase, territory_id, attribute, value, changed_on, withdrawal_id),
    FOREIGN KEY (phase, territory_id) REFERENCES territories (phase, id)
);

CREATE TABLE withdrawals (
    id BIGSERIAL PRIMARY KEY,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('milestone', 'appointment', 'attribute')),
    record_id BIGINT NOT NULL,
    withdrawn_on TEXT NOT NULL CHECK (withdrawn_on ~ '^\d{4}-\d{2}-\d{2}$'),
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (record_kind, record_id)
);

CREATE TABLE project_lead_posts (
    id BIGSERIAL PRIMARY KEY,
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    employer TEXT NOT NULL,
    opened_on TEXT NOT NULL CHECK (opened_on ~ '^\d{4}-\d{2}-\d{2}$'),
    closed_on TEXT CHECK (closed_on ~ '^\d{4}-\d{2}-\d{2}$'),
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (phase, territory_id, opened_on),
    FOREIGN KEY (phase, territory_id) REFERENCES territories (phase, id)
);

CREATE TABLE post_cofundings (
    id BIGSERIAL PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES project_lead_posts (id),
    funder TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    starts_on TEXT NOT NULL CHECK (starts_on ~ '^\d{4}-\d{2}-\d{2}$'),
    ends_on TEXT NOT NULL CHECK (ends_on ~ '^\d{4}-\d{2}-\d{2}$'),
    UNIQUE (post_id, funder, starts_on)
);
