-- Each commitment is marked with the envelope it draws on (as the domain's `funding::draws_on` decides
-- it), so that a new commitment is checked against its envelope's sum read from one index, instead of
-- reading every commitment of its scheme and their projects' territories (26 ms at eight times the
-- national data). The store keeps the mark up to date whenever a line, an envelope or a project's
-- territories change; `envelopes_assigned` says the existing lines have been marked once.
ALTER TABLE funding_lines ADD COLUMN envelope_code TEXT;
CREATE INDEX funding_lines_envelope ON funding_lines (envelope_code, cancelled_on, committed_cents);
DROP INDEX funding_lines_scheme;
ALTER TABLE data_version ADD COLUMN envelopes_assigned BIGINT NOT NULL DEFAULT 0;
