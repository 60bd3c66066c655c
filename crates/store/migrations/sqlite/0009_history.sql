-- A record's history (its page's "Historique") reads its audit entries by entity and key, newest first.
CREATE INDEX audit_log_entity ON audit_log (entity, entity_key, id);
