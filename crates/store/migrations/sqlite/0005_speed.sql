-- Speed at national scale (issue #8).
--
-- Every filtered list reads an index that both filters and orders it: without the sort column, the
-- planner preferred walking the primary key in `code` order and filtering every commune of the millésime.
DROP INDEX communes_departement;
DROP INDEX communes_region;
DROP INDEX communes_epci;
CREATE INDEX communes_departement ON communes (millesime, departement_code, code);
CREATE INDEX communes_region ON communes (millesime, region_code, code);
CREATE INDEX communes_epci ON communes (millesime, epci_siren, code);
CREATE INDEX groupings_name ON groupings (millesime, name, siren);
CREATE INDEX grouping_members_commune ON grouping_members (millesime, commune_code);
-- A commitment is checked against the other commitments of its scheme, not the whole portfolio.
CREATE INDEX funding_lines_scheme ON funding_lines (scheme_code, committed_on);

-- The read model is held in two parts, reloaded separately: a write says which part it changed, so a
-- commitment does not reload the registry, nor a milestone the portfolio.
ALTER TABLE data_version ADD COLUMN registry_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE data_version ADD COLUMN portfolio_version BIGINT NOT NULL DEFAULT 0;
UPDATE data_version SET registry_version = version, portfolio_version = version;

-- The data version of the last write that changed each project and funding line: a reader holding the
-- portfolio at one version reloads only the rows changed since.
ALTER TABLE projects ADD COLUMN changed_in BIGINT NOT NULL DEFAULT 0;
ALTER TABLE funding_lines ADD COLUMN changed_in BIGINT NOT NULL DEFAULT 0;
CREATE INDEX projects_changed_in ON projects (changed_in);
CREATE INDEX funding_lines_changed_in ON funding_lines (changed_in);
