-- A dynamic QR a merchant presents for one order (CreateQr), paid once from
-- the payer's wallet (PayQr) under the reference that claimed it.
CREATE TABLE qr_codes (
    qr_token       TEXT PRIMARY KEY,
    merchant_no    TEXT NOT NULL,
    order_id       TEXT NOT NULL,
    terminal_no    TEXT NOT NULL,
    amount         BIGINT NOT NULL,
    currency       BIGINT NOT NULL,
    qr_data        TEXT NOT NULL,
    paid_reference TEXT,
    expires_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (merchant_no, order_id)
);
