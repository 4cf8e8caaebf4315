-- Recurring plans (spec vpos.md, "Recurring payments"): a stored card charged
-- by the merchant on a schedule. Payment n falls due on
-- due_date(anchor_date, frequency, frequency_interval, n - anchor_sequence + 1);
-- the anchor moves when UpdateRecurring sets the next payment date.
CREATE TABLE recurring_plans (
    recurring_id       TEXT PRIMARY KEY,
    merchant_no        TEXT NOT NULL,
    terminal_no        TEXT NOT NULL,
    card_token         TEXT NOT NULL,
    masked_card_no     TEXT NOT NULL,
    amount             BIGINT NOT NULL,
    currency           BIGINT NOT NULL,
    frequency          TEXT NOT NULL,
    frequency_interval BIGINT NOT NULL,
    start_date         TEXT NOT NULL,
    anchor_date        TEXT NOT NULL,
    anchor_sequence    BIGINT NOT NULL,
    number_of_payments BIGINT NOT NULL,
    description        TEXT,
    status             TEXT NOT NULL,
    next_sequence      BIGINT NOT NULL,
    next_payment_date  TEXT NOT NULL,
    declines_in_row    BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX recurring_plans_due ON recurring_plans (status, next_payment_date);
CREATE INDEX recurring_plans_merchant ON recurring_plans (merchant_no);

-- One row a due payment, written before its sale is sent: what a rerun after
-- a crash charges again under the same OrderId, so the sale's own idempotency
-- answers the first outcome instead of charging twice.
CREATE TABLE recurring_payments (
    recurring_id  TEXT NOT NULL,
    sequence      BIGINT NOT NULL,
    order_id      TEXT NOT NULL,
    payment_date  TEXT NOT NULL,
    card_token    TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    process_id    BIGINT,
    response_code TEXT,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (recurring_id, sequence)
);

-- Which instance runs a background job now: a job runs only under a lease it
-- holds, so several instances on one database run each job once.
CREATE TABLE job_leases (
    job        TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
