-- Foundation: API clients and tokens, the audit log, host metadata, customers.
-- Integers are BIGINT (i64 on both engines); times are Unix milliseconds UTC;
-- money is BIGINT minor units beside an ISO 4217 numeric currency.

CREATE TABLE host_meta (
    meta_key   TEXT PRIMARY KEY,
    meta_value TEXT NOT NULL
);

CREATE TABLE api_clients (
    client_id       TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    secret_hash     TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    merchant_no     TEXT,
    status          TEXT NOT NULL,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES api_clients (client_id),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_tokens_expires_at ON api_tokens (expires_at);

CREATE TABLE audit_log (
    audit_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL,
    client_id  TEXT,
    operation  TEXT NOT NULL,
    object_key TEXT,
    result     BIGINT NOT NULL,
    detail     TEXT,
    request_id TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

-- The audit log is append-only: the database itself refuses edits.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE customers (
    customer_no    TEXT PRIMARY KEY,
    profile        TEXT NOT NULL,
    credit_limit   BIGINT NOT NULL DEFAULT 0,
    limit_currency BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
