-- Acquirer: merchants, their terminals, and the profiles that govern them.

CREATE TABLE merchants (
    merchant_no                    TEXT PRIMARY KEY,
    merchant_name                  TEXT NOT NULL,
    trade_name                     TEXT,
    mcc                            TEXT NOT NULL,
    tax_no                         TEXT,
    address                        TEXT,
    city                           TEXT,
    country                        TEXT NOT NULL,
    zip_code                       TEXT,
    email                          TEXT,
    phone                          TEXT,
    iban                           TEXT,
    currency                       BIGINT NOT NULL,
    pos_fee_profile_code           TEXT,
    pos_authorization_profile_code TEXT,
    commission_profile_code        TEXT,
    merchant_status                TEXT NOT NULL,
    vpos_enabled                   BIGINT NOT NULL,
    vpos_store_key                 TEXT,
    open_date                      TEXT NOT NULL,
    created_at                     BIGINT NOT NULL,
    updated_at                     BIGINT NOT NULL
);
CREATE INDEX merchants_name ON merchants (merchant_name);

CREATE TABLE terminals (
    terminal_no                    TEXT PRIMARY KEY,
    merchant_no                    TEXT NOT NULL REFERENCES merchants (merchant_no),
    terminal_type                  TEXT NOT NULL,
    serial_no                      TEXT,
    model                          TEXT,
    terminal_status                TEXT NOT NULL,
    pos_authorization_profile_code TEXT,
    pos_fee_profile_code           TEXT,
    address                        TEXT,
    open_batch_no                  BIGINT NOT NULL DEFAULT 1,
    created_at                     BIGINT NOT NULL,
    updated_at                     BIGINT NOT NULL
);
CREATE INDEX terminals_merchant ON terminals (merchant_no);
