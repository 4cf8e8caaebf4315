-- The double-entry journal (spec ledger.md). Entries are signed minor units:
-- positive credits an account (its balance rises), negative debits it; every
-- transfer sums to zero per currency. Balances are materialized for speed and
-- CheckLedger proves them equal to the sum of their entries. Points are a
-- currency of their own, numbered 0.

CREATE TABLE ledger_accounts (
    ledger_account TEXT PRIMARY KEY,
    currency       BIGINT NOT NULL,
    balance        BIGINT NOT NULL DEFAULT 0,
    blocked        BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);

CREATE TABLE ledger_transfers (
    transfer_id BIGINT PRIMARY KEY,
    process_id  BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX ledger_transfers_process ON ledger_transfers (process_id);

CREATE TABLE ledger_entries (
    entry_id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id    BIGINT NOT NULL REFERENCES ledger_transfers (transfer_id),
    ledger_account TEXT NOT NULL REFERENCES ledger_accounts (ledger_account),
    amount         BIGINT NOT NULL,
    currency       BIGINT NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (ledger_account);
CREATE INDEX ledger_entries_transfer ON ledger_entries (transfer_id);

-- Money reserved without moving: pre-authorizations.
CREATE TABLE holds (
    process_id     BIGINT PRIMARY KEY,
    ledger_account TEXT NOT NULL REFERENCES ledger_accounts (ledger_account),
    amount         BIGINT NOT NULL,
    captured       BIGINT NOT NULL DEFAULT 0,
    released       BIGINT NOT NULL DEFAULT 0,
    status         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    closed_at      BIGINT
);
CREATE INDEX holds_open ON holds (status, created_at);

-- Every financial request decided for a card, approved or declined.
CREATE TABLE card_transactions (
    process_id          BIGINT PRIMARY KEY,
    card_id             BIGINT NOT NULL REFERENCES cards (card_id),
    account_no          TEXT NOT NULL,
    client_id           TEXT NOT NULL,
    reference           TEXT NOT NULL,
    transaction_type    TEXT NOT NULL,
    amount              BIGINT NOT NULL,
    currency            BIGINT NOT NULL,
    channel             TEXT NOT NULL,
    mcc                 TEXT,
    merchant_name       TEXT,
    merchant_country    TEXT,
    response_code       TEXT NOT NULL,
    auth_code           TEXT NOT NULL,
    rrn                 TEXT NOT NULL,
    status              TEXT NOT NULL,
    original_process_id BIGINT,
    installment_count   BIGINT NOT NULL DEFAULT 1,
    point_amount        BIGINT NOT NULL DEFAULT 0,
    points_earned       BIGINT NOT NULL DEFAULT 0,
    available_after     BIGINT NOT NULL,
    business_date       TEXT NOT NULL,
    created_at          BIGINT NOT NULL
);
CREATE INDEX card_transactions_card_day ON card_transactions (card_id, business_date);
CREATE INDEX card_transactions_account ON card_transactions (account_no, created_at);

-- Allocators for ids that must be digits and unique across instances.
CREATE TABLE id_counters (
    counter_name TEXT PRIMARY KEY,
    next_value   BIGINT NOT NULL
);
INSERT INTO id_counters (counter_name, next_value) VALUES ('process_id', 100000000001);
INSERT INTO id_counters (counter_name, next_value) VALUES ('transfer_id', 1);
