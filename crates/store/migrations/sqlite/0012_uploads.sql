-- A file uploaded for import waits here between its preview and its confirmation (or until it expires):
-- the preview and the apply read the same bytes, whichever instance serves them.
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX uploads_by_time ON uploads (uploaded_at);
