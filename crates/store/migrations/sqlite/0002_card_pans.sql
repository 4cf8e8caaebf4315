-- The PAN vault: every stored card number, only as AES-256-GCM ciphertext (key
-- version beside it) plus a keyed fingerprint for look-ups. Cards reference it.
CREATE TABLE card_pans (
    pan_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT NOT NULL UNIQUE,
    ciphertext  TEXT NOT NULL,
    key_version BIGINT NOT NULL,
    masked_pan  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX card_pans_key_version ON card_pans (key_version);
