-- An account can be disabled: it can no longer sign in, and its sessions end with it.
ALTER TABLE users ADD COLUMN disabled_at TEXT;

-- Machines (an operator pushing its commitments) write through API tokens, scoped like a profile. Only a
-- hash of the secret is kept; the secret is shown once, when issued. A token ends at its expiry or when
-- revoked; every use goes to the security log.
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    profile TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
