-- Virtual POS orders and their transactions, the off-us reversal queue, and
-- the built-in test card network's own record of what it authorized.

CREATE TABLE vpos_orders (
    merchant_no       TEXT NOT NULL,
    order_id          TEXT NOT NULL,
    terminal_no       TEXT NOT NULL,
    status            TEXT NOT NULL,
    amount            BIGINT NOT NULL,
    currency          BIGINT NOT NULL,
    authorized_amount BIGINT NOT NULL DEFAULT 0,
    captured_amount   BIGINT NOT NULL DEFAULT 0,
    refunded_amount   BIGINT NOT NULL DEFAULT 0,
    installment_count BIGINT NOT NULL DEFAULT 1,
    point_amount      BIGINT NOT NULL DEFAULT 0,
    network           TEXT NOT NULL,
    card_id           BIGINT,
    masked_card_no    TEXT NOT NULL,
    card_type         TEXT NOT NULL,
    order_token       TEXT UNIQUE,
    description       TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (merchant_no, order_id)
);

-- Every transaction on an order, approved or declined. `idem_key` is what a
-- repeat is recognised by: the opening payment, a refund's Reference, a capture.
CREATE TABLE vpos_transactions (
    process_id          BIGINT PRIMARY KEY,
    merchant_no         TEXT NOT NULL,
    order_id            TEXT NOT NULL,
    terminal_no         TEXT NOT NULL,
    idem_key            TEXT NOT NULL,
    request_digest      TEXT NOT NULL,
    client_id           TEXT NOT NULL,
    transaction_type    TEXT NOT NULL,
    amount              BIGINT NOT NULL,
    currency            BIGINT NOT NULL,
    point_amount        BIGINT NOT NULL DEFAULT 0,
    installment_count   BIGINT NOT NULL DEFAULT 1,
    response_code       TEXT NOT NULL,
    auth_code           TEXT NOT NULL,
    rrn                 TEXT NOT NULL,
    masked_card_no      TEXT NOT NULL,
    network             TEXT NOT NULL,
    batch_no            BIGINT,
    original_process_id BIGINT,
    status              TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    UNIQUE (merchant_no, order_id, idem_key)
);
CREATE INDEX vpos_transactions_terminal_day ON vpos_transactions (terminal_no, created_at);

-- Off-us authorizations that must be undone at the network. A row is `Armed`
-- before the network is asked (so a crash mid-call is undone on restart),
-- `Pending` once the host knows it must reverse, `Done` when acknowledged,
-- `Disarmed` when the authorization stood.
CREATE TABLE network_reversals (
    process_id    BIGINT PRIMARY KEY,
    network       TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    currency      BIGINT NOT NULL,
    merchant_no   TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    status        TEXT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_attempt  BIGINT NOT NULL,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    done_at       BIGINT
);
CREATE INDEX network_reversals_due ON network_reversals (status, next_attempt);

-- The built-in `test` network's side: what it authorized for the host, so a
-- test can see that nothing is left held after a timeout.
CREATE TABLE test_network_authorizations (
    process_id BIGINT PRIMARY KEY,
    amount     BIGINT NOT NULL,
    currency   BIGINT NOT NULL,
    captured   BIGINT NOT NULL DEFAULT 0,
    refunded   BIGINT NOT NULL DEFAULT 0,
    status     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
