-- How a scope's spreadsheets name the columns the automatic reading misses: per scope (a profile's stored
-- form) and kind of import, a JSON object table → header key → column (or null: ignored). Edited from the
-- import page; every change is in the audit log.
CREATE TABLE column_mappings (
    scope TEXT NOT NULL,
    kind TEXT NOT NULL,
    mapping TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (scope, kind)
);
