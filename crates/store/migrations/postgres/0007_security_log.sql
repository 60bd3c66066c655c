-- The security log, apart from the business audit: sign-ins, failures, refusals for too many attempts,
-- sign-outs. The sign-in throttle counts the recent failures here, per account and per address, so the
-- limit holds across instances and restarts.
CREATE TABLE security_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    account TEXT,
    address TEXT,
    detail TEXT
);
CREATE INDEX security_log_account ON security_log (account, event, at);
CREATE INDEX security_log_address ON security_log (address, event, at);
