-- State agents sign in with ProConnect (OpenID Connect). An account may be tied to its ProConnect subject;
-- a ProConnect-only account has no password (an empty hash, which no password matches).
ALTER TABLE users ADD COLUMN proconnect_sub TEXT;
CREATE UNIQUE INDEX users_proconnect_sub ON users (proconnect_sub);

-- A session opened through ProConnect keeps its ID token: signing out ends the provider's session too
-- (end-session endpoint with id_token_hint).
ALTER TABLE sessions ADD COLUMN id_token TEXT;

-- A sign-in under way at the provider: its state (the key, also in a cookie of the browser that started
-- it), nonce and PKCE verifier; used once, within minutes.
CREATE TABLE sign_in_flows (
    state TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- An agent ProConnect knows but the platform does not: the national team (any scope) or a regional pilot
-- (its region) grants it with a profile, or refuses it. One request per ProConnect subject.
CREATE TABLE access_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    proconnect_sub TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    given_name TEXT NOT NULL,
    usual_name TEXT NOT NULL,
    siret TEXT,
    organization TEXT,
    requested_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    profile TEXT,
    reason TEXT
);
CREATE INDEX access_requests_status ON access_requests (status, requested_at);

-- One-time password-reset links issued by an administrator (only a hash of the secret is kept).
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
