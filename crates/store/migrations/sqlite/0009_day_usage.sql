-- What each card spent on each business day, kept as the authorizer writes so
-- a daily limit reads one row instead of summing the day's transactions.
CREATE TABLE card_day_usage (
    card_id       BIGINT NOT NULL REFERENCES cards (card_id),
    business_date TEXT NOT NULL,
    purchase      BIGINT NOT NULL,
    cash          BIGINT NOT NULL,
    ecom          BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    PRIMARY KEY (card_id, business_date)
) WITHOUT ROWID;

INSERT INTO card_day_usage (card_id, business_date, purchase, cash, ecom, count)
SELECT card_id, business_date,
    SUM(CASE WHEN transaction_type IN ('Purchase', 'PreAuthorization') THEN amount ELSE 0 END),
    SUM(CASE WHEN transaction_type = 'CashWithdrawal' THEN amount ELSE 0 END),
    SUM(CASE WHEN channel = 'Ecom' AND transaction_type IN ('Purchase', 'PreAuthorization') THEN amount ELSE 0 END),
    COUNT(*)
FROM card_transactions
WHERE response_code = '00' AND status <> 'Reversed'
    AND transaction_type IN ('Purchase', 'PreAuthorization', 'CashWithdrawal')
GROUP BY card_id, business_date;

-- Only the day's sum read this index; each sale wrote a random page of it.
DROP INDEX card_transactions_card_day;
-- Refunds, reversals and captures find what followed their original; only
-- follow-ups carry one, so the index stays small.
CREATE INDEX card_transactions_original ON card_transactions (original_process_id)
    WHERE original_process_id IS NOT NULL;
-- Only CheckLedger reads entries by account, and it sums them all; each sale
-- wrote a random page of this index.
DROP INDEX ledger_entries_account;
