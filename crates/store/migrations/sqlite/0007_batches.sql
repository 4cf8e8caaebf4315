-- POS batches, the transactions in them, and what merchants are owed per value date.

CREATE TABLE pos_batches (
    terminal_no  TEXT NOT NULL REFERENCES terminals (terminal_no),
    batch_no     BIGINT NOT NULL,
    merchant_no  TEXT NOT NULL,
    status       TEXT NOT NULL,
    open_date    BIGINT NOT NULL,
    close_date   BIGINT,
    currency     BIGINT NOT NULL,
    sale_count   BIGINT NOT NULL DEFAULT 0,
    sale_amount  BIGINT NOT NULL DEFAULT 0,
    refund_count BIGINT NOT NULL DEFAULT 0,
    refund_amount BIGINT NOT NULL DEFAULT 0,
    void_count   BIGINT NOT NULL DEFAULT 0,
    void_amount  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (terminal_no, batch_no)
);

CREATE TABLE batch_transactions (
    process_id        BIGINT PRIMARY KEY,
    terminal_no       TEXT NOT NULL,
    batch_no          BIGINT NOT NULL,
    merchant_no       TEXT NOT NULL,
    order_id          TEXT,
    transaction_type  TEXT NOT NULL,
    amount            BIGINT NOT NULL,
    currency          BIGINT NOT NULL,
    masked_card_no    TEXT NOT NULL,
    auth_code         TEXT NOT NULL,
    rrn               TEXT NOT NULL,
    installment_count BIGINT NOT NULL,
    card_type         TEXT NOT NULL,
    network           TEXT NOT NULL,
    status            TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    commission        BIGINT,
    net               BIGINT,
    payment_date      TEXT
);
CREATE INDEX batch_transactions_batch ON batch_transactions (terminal_no, batch_no);
CREATE INDEX batch_transactions_payment ON batch_transactions (merchant_no, payment_date);

CREATE TABLE merchant_payments (
    merchant_no       TEXT NOT NULL,
    payment_date      TEXT NOT NULL,
    currency          BIGINT NOT NULL,
    gross_amount      BIGINT NOT NULL,
    commission_amount BIGINT NOT NULL,
    net_amount        BIGINT NOT NULL,
    transaction_count BIGINT NOT NULL,
    status            TEXT NOT NULL,
    paid_at           BIGINT,
    PRIMARY KEY (merchant_no, payment_date, currency)
);
