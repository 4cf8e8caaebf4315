-- A 3-D Secure session: a payment waiting for its cardholder on the ACS page.
-- It holds no CVV2 (checked when the session starts) and no clear card
-- number: an on-us card by id, another issuer's card encrypted.
CREATE TABLE three_ds_sessions (
    session_id        TEXT PRIMARY KEY,
    merchant_no       TEXT NOT NULL,
    terminal_no       TEXT NOT NULL,
    order_id          TEXT NOT NULL,
    op                TEXT NOT NULL,
    amount            BIGINT NOT NULL,
    currency          BIGINT NOT NULL,
    installment_count BIGINT NOT NULL,
    point_amount      BIGINT NOT NULL,
    description       TEXT,
    card_id           BIGINT,
    pan_ciphertext    TEXT,
    expiry_date       TEXT,
    masked_card_no    TEXT NOT NULL,
    success_url       TEXT NOT NULL,
    fail_url          TEXT NOT NULL,
    method            TEXT NOT NULL,
    otp_hash          TEXT,
    tries             BIGINT NOT NULL,
    status            TEXT NOT NULL,
    csrf_token        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE INDEX three_ds_sessions_order ON three_ds_sessions (merchant_no, order_id);
