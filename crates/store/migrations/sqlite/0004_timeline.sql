-- The programme's timeline and the corrections of histories (issue #7).
--
-- Milestones now also hold the labelling events (labellise, retire, fusionne, scinde), a first possible
-- date for the precision "entre", and the territories a merger or split led to. A record made in error is
-- never deleted: a row of `withdrawals` supersedes it from a date, and the record points to it so that the
-- same fact can be recorded again, correctly (the unique key includes `withdrawal_id`, 0 while in force).

CREATE TABLE milestones_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    earliest_on TEXT,
    date_precision TEXT NOT NULL,
    related TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    withdrawal_id INTEGER NOT NULL DEFAULT 0,
    UNIQUE (phase, territory_id, kind, occurred_on, date_precision, withdrawal_id),
    FOREIGN KEY (phase, territory_id) REFERENCES territories (phase, id)
);
INSERT INTO milestones_next (id, phase, territory_id, kind, occurred_on, date_precision, note, source, recorded_at, recorded_by)
    SELECT id, phase, territory_id, kind, occurred_on, date_precision, note, source, recorded_at, recorded_by FROM milestones;
DROP TABLE milestones;
ALTER TABLE milestones_next RENAME TO milestones;
CREATE INDEX milestones_territory ON milestones (phase, territory_id);

CREATE TABLE appointments_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    role TEXT NOT NULL,
    person TEXT,
    organisation TEXT NOT NULL,
    started_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    withdrawal_id INTEGER NOT NULL DEFAULT 0,
    UNIQUE (phase, territory_id, role, started_on, withdrawal_id),
    FOREIGN KEY (phase, territory_id) REFERENCES territories (phase, id)
);
INSERT INTO appointments_next (id, phase, territory_id, role, person, organisation, started_on, recorded_at, recorded_by)
    SELECT id, phase, territory_id, role, person, organisation, started_on, recorded_at, recorded_by FROM appointments;
DROP TABLE appointments;
ALTER TABLE appointments_next RENAME TO appointments;
CREATE INDEX appointments_territory ON appointments (phase, territory_id);

-- Dated attributes of a territory: `fragile` (value '') or `etiquette` (value: the tag).
CREATE TABLE territory_attributes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    attribute TEXT NOT NULL CHECK (attribute IN ('fragile', 'etiquette')),
    value TEXT NOT NULL,
    present INTEGER NOT NULL CHECK (present IN (0, 1)),
    changed_on TEXT NOT NULL,
    note TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    withdrawal_id INTEGER NOT NULL DEFAULT 0,
    UNIQUE (phase, territory_id, attribute, value, changed_on, withdrawal_id),
    FOREIGN KEY (phase, territory_id) REFERENCES territories (phase, id)
);

-- A record withdrawn from a date, with the reason; the record itself stays.
CREATE TABLE withdrawals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('milestone', 'appointment', 'attribute')),
    record_id INTEGER NOT NULL,
    withdrawn_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (record_kind, record_id)
);

-- Chef de projet posts and their co-financings.
CREATE TABLE project_lead_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phase TEXT NOT NULL,
    territory_id TEXT NOT NULL,
    employer TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    closed_on TEXT,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (phase, territory_id, opened_on),
    FOREIGN KEY (phase, territory_id) REFERENCES territories (phase, id)
);

CREATE TABLE post_cofundings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id INTEGER NOT NULL REFERENCES project_lead_posts (id),
    funder TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    UNIQUE (post_id, funder, starts_on)
);
