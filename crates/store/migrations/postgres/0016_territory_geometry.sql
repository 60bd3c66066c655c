-- Each territory's shape as a GeoJSON geometry (WGS84, simplified to about 100 m), for the open data's
-- GeoJSON. The labelling files' runs are forgotten so that the next import of each (at `territoires up`)
-- reads them again and fills it: the same members write no new perimeter, only the contours.
ALTER TABLE territory_contours ADD COLUMN geometry TEXT;
DELETE FROM import_runs WHERE kind LIKE 'territories:%';
