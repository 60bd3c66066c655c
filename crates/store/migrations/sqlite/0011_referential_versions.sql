-- Funders, schemes and envelopes are edited through forms and the write API: each change bumps its
-- version, and a save that read an older one is refused (optimistic concurrency, as for projects).
ALTER TABLE funders ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE schemes ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE envelopes ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
