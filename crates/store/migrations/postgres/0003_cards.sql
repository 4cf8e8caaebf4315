-- Cards, their accounts, idempotency keys, the notification outbox and emboss
-- directives. Flags are BIGINT 0/1; money BIGINT minor units; times Unix ms UTC.

CREATE TABLE card_accounts (
    account_no  TEXT PRIMARY KEY,
    customer_no TEXT NOT NULL REFERENCES customers (customer_no),
    card_type   TEXT NOT NULL,
    currency    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX card_accounts_customer ON card_accounts (customer_no);

CREATE TABLE cards (
    card_id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pan_id                BIGINT NOT NULL REFERENCES card_pans (pan_id),
    card_token            TEXT NOT NULL UNIQUE,
    masked_pan            TEXT NOT NULL,
    customer_no           TEXT NOT NULL REFERENCES customers (customer_no),
    account_no            TEXT NOT NULL REFERENCES card_accounts (account_no),
    product_code          TEXT NOT NULL,
    card_type             TEXT NOT NULL,
    brand                 TEXT NOT NULL,
    emboss_name           TEXT NOT NULL,
    expiry                TEXT NOT NULL,
    service_code          TEXT NOT NULL,
    is_virtual            BIGINT NOT NULL,
    status                TEXT NOT NULL,
    status_reason         TEXT,
    status_at             BIGINT NOT NULL,
    card_limit            BIGINT NOT NULL DEFAULT 0,
    daily_purchase_limit  BIGINT,
    daily_cash_limit      BIGINT,
    daily_ecom_limit      BIGINT,
    transaction_limit     BIGINT,
    daily_count_limit     BIGINT,
    annual_fee_status     TEXT NOT NULL DEFAULT 'Active',
    cvk_name              TEXT NOT NULL,
    cvk_version           BIGINT NOT NULL,
    pvk_name              TEXT NOT NULL,
    pvk_version           BIGINT NOT NULL,
    pvki                  BIGINT NOT NULL,
    pvv                   TEXT NOT NULL,
    pin_ciphertext        TEXT NOT NULL,
    pin_retry_count       BIGINT NOT NULL DEFAULT 0,
    cvv2_retry_count      BIGINT NOT NULL DEFAULT 0,
    three_ds_password     TEXT,
    ecommerce_allowed     BIGINT NOT NULL DEFAULT 1,
    international_allowed BIGINT NOT NULL DEFAULT 1,
    atm_allowed           BIGINT NOT NULL DEFAULT 1,
    contactless_allowed   BIGINT NOT NULL DEFAULT 1,
    moto_allowed          BIGINT NOT NULL DEFAULT 1,
    blocked_mccs          TEXT NOT NULL DEFAULT '',
    blocked_countries     TEXT NOT NULL DEFAULT '',
    renewed_from          BIGINT,
    created_at            BIGINT NOT NULL,
    activated_at          BIGINT
);
CREATE INDEX cards_customer ON cards (customer_no);
CREATE INDEX cards_pan ON cards (pan_id);

-- One row per (client, Reference): the request's digest and what it produced,
-- so a repeat returns the first outcome and changed content is Result 7.
CREATE TABLE idempotency_keys (
    client_id      TEXT NOT NULL,
    reference      TEXT NOT NULL,
    operation      TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (client_id, reference)
);

-- SMS and e-mail waiting for the provider. A PIN travels only as the card's
-- pin-storage ciphertext and is opened by the sender at delivery.
CREATE TABLE outbox (
    message_id     TEXT PRIMARY KEY,
    channel        TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    template       TEXT NOT NULL,
    secret         TEXT,
    status         TEXT NOT NULL,
    attempts       BIGINT NOT NULL DEFAULT 0,
    next_attempt   BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    sent_at        BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt);

CREATE TABLE emboss_directives (
    directive_id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_id               BIGINT NOT NULL REFERENCES cards (card_id),
    delivery_address_type TEXT NOT NULL,
    branch_code           TEXT,
    status                TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    exported_at           BIGINT
);
CREATE INDEX emboss_directives_status ON emboss_directives (status);
