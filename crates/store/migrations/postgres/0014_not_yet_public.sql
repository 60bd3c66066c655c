-- A fiche action its team marks « pas encore publique »: signed-in agents see it, the public does not.
ALTER TABLE projects ADD COLUMN not_yet_public INTEGER NOT NULL DEFAULT 0;
