-- An order paid on the host's own payment page (CreateOrder, CreateOrder3D):
-- what the page needs beside the order, which carries the same token.
CREATE TABLE hosted_orders (
    order_token      TEXT PRIMARY KEY,
    merchant_no      TEXT NOT NULL,
    order_id         TEXT NOT NULL,
    terminal_no      TEXT NOT NULL,
    amount           BIGINT NOT NULL,
    currency         BIGINT NOT NULL,
    description      TEXT,
    success_url      TEXT NOT NULL,
    fail_url         TEXT NOT NULL,
    max_installments BIGINT NOT NULL,
    three_d          BIGINT NOT NULL,
    csrf_token       TEXT NOT NULL,
    expires_at       BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    UNIQUE (merchant_no, order_id)
);
