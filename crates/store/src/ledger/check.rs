//! `CheckLedger`: every invariant of ledger.md, read back from the tables.

use sqlx::AnyPool;

use crate::StoreError;

/// Violations of the journal's invariants, as human sentences.
/// Cards' day counters that disagree with the day's approved spends.
async fn usage_drift(pool: &AnyPool) -> Result<Vec<String>, StoreError> {
    let drift: Vec<(i64, String)> = sqlx::query_as(
        "WITH spent AS (SELECT card_id, business_date, \
           CAST(SUM(CASE WHEN transaction_type IN ('Purchase', 'PreAuthorization') THEN amount ELSE 0 END) AS BIGINT) AS purchase, \
           CAST(SUM(CASE WHEN transaction_type = 'CashWithdrawal' THEN amount ELSE 0 END) AS BIGINT) AS cash, \
           CAST(SUM(CASE WHEN channel = 'Ecom' AND transaction_type IN ('Purchase', 'PreAuthorization') THEN amount ELSE 0 END) AS BIGINT) AS ecom, \
           COUNT(*) AS count \
           FROM card_transactions WHERE response_code = '00' AND status <> 'Reversed' \
             AND transaction_type IN ('Purchase', 'PreAuthorization', 'CashWithdrawal') \
           GROUP BY card_id, business_date) \
         SELECT u.card_id, u.business_date FROM card_day_usage u \
           LEFT JOIN spent s ON s.card_id = u.card_id AND s.business_date = u.business_date \
           WHERE COALESCE(s.purchase, 0) <> u.purchase OR COALESCE(s.cash, 0) <> u.cash \
             OR COALESCE(s.ecom, 0) <> u.ecom OR COALESCE(s.count, 0) <> u.count \
         UNION SELECT s.card_id, s.business_date FROM spent s WHERE NOT EXISTS \
           (SELECT 1 FROM card_day_usage u WHERE u.card_id = s.card_id AND u.business_date = s.business_date)",
    )
    .fetch_all(pool)
    .await?;
    Ok(drift
        .into_iter()
        .map(|(card, day)| {
            format!("card {card}'s counters for {day} disagree with its transactions")
        })
        .collect())
}

pub async fn check(pool: &AnyPool) -> Result<(i64, i64, Vec<String>), StoreError> {
    let mut violations = Vec::new();
    let unbalanced: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT transfer_id, currency, CAST(SUM(amount) AS BIGINT) FROM ledger_entries GROUP BY transfer_id, currency HAVING SUM(amount) <> 0",
    )
    .fetch_all(pool)
    .await?;
    for (t, c, s) in unbalanced {
        violations.push(format!("transfer {t} sums to {s} in currency {c}"));
    }
    let totals: Vec<(i64, i64)> =
        sqlx::query_as("SELECT currency, CAST(SUM(balance) AS BIGINT) FROM ledger_accounts GROUP BY currency HAVING SUM(balance) <> 0")
            .fetch_all(pool)
            .await?;
    for (c, s) in totals {
        violations.push(format!("balances in currency {c} sum to {s}"));
    }
    let drift: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT a.ledger_account, a.balance, COALESCE(s.total, 0) FROM ledger_accounts a \
         LEFT JOIN (SELECT ledger_account, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_entries \
           GROUP BY ledger_account) s ON s.ledger_account = a.ledger_account \
         WHERE a.balance <> COALESCE(s.total, 0)",
    )
    .fetch_all(pool)
    .await?;
    for (a, b, s) in drift {
        violations.push(format!("account {a} shows {b} but its entries sum to {s}"));
    }
    let blocked: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT a.ledger_account, a.blocked, CAST(COALESCE(SUM(h.amount - h.captured - h.released), 0) AS BIGINT) FROM ledger_accounts a \
         LEFT JOIN holds h ON h.ledger_account = a.ledger_account AND h.status = 'Open' \
         GROUP BY a.ledger_account, a.blocked HAVING a.blocked <> CAST(COALESCE(SUM(h.amount - h.captured - h.released), 0) AS BIGINT)",
    )
    .fetch_all(pool)
    .await?;
    for (a, b, s) in blocked {
        violations.push(format!(
            "account {a} blocks {b} but its open holds hold {s}"
        ));
    }
    let overdrawn: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT l.ledger_account, l.balance, l.blocked FROM card_accounts a \
         JOIN ledger_accounts l ON l.ledger_account = 'card:' || a.account_no \
         WHERE a.card_type <> 'Credit' AND l.balance - l.blocked < 0",
    )
    .fetch_all(pool)
    .await?;
    for (a, b, h) in overdrawn {
        violations.push(format!(
            "debit/prepaid account {a} is overdrawn: balance {b}, blocked {h}"
        ));
    }
    let overcaptured: Vec<(i64,)> =
        sqlx::query_as("SELECT process_id FROM holds WHERE captured + released > amount")
            .fetch_all(pool)
            .await?;
    for (p,) in overcaptured {
        violations.push(format!("hold {p} captured and released more than it held"));
    }
    let approved_without: Vec<(i64,)> = sqlx::query_as(
        "SELECT t.process_id FROM card_transactions t WHERE t.response_code = '00' \
         AND (SELECT COUNT(*) FROM ledger_transfers x WHERE x.process_id = t.process_id) \
           + (SELECT COUNT(*) FROM holds h WHERE h.process_id = t.process_id) <> 1 \
         AND NOT (t.transaction_type = 'Reversal' \
           AND EXISTS (SELECT 1 FROM holds h WHERE h.process_id = t.original_process_id)) \
         AND NOT (t.transaction_type = 'TransferIn' \
           AND EXISTS (SELECT 1 FROM ledger_transfers x WHERE x.process_id = t.original_process_id))",
    )
    .fetch_all(pool)
    .await?;
    for (p,) in approved_without {
        violations.push(format!(
            "approved transaction {p} does not have exactly one transfer or hold"
        ));
    }
    let declined_with: Vec<(i64,)> = sqlx::query_as(
        "SELECT t.process_id FROM card_transactions t WHERE t.response_code <> '00' \
         AND EXISTS (SELECT 1 FROM ledger_transfers x WHERE x.process_id = t.process_id)",
    )
    .fetch_all(pool)
    .await?;
    for (p,) in declined_with {
        violations.push(format!("declined transaction {p} moved money"));
    }
    violations.extend(usage_drift(pool).await?);
    let batch_drift: Vec<(String, i64)> = sqlx::query_as(
        "SELECT b.terminal_no, b.batch_no FROM pos_batches b WHERE b.status = 'Closed' AND ( \
           b.sale_amount <> (SELECT CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) FROM batch_transactions t \
             WHERE t.terminal_no = b.terminal_no AND t.batch_no = b.batch_no AND t.status <> 'Voided' AND t.transaction_type <> 'Refund') \
           OR b.refund_amount <> (SELECT CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) FROM batch_transactions t \
             WHERE t.terminal_no = b.terminal_no AND t.batch_no = b.batch_no AND t.status <> 'Voided' AND t.transaction_type = 'Refund') \
           OR b.void_amount <> (SELECT CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) FROM batch_transactions t \
             WHERE t.terminal_no = b.terminal_no AND t.batch_no = b.batch_no AND t.status = 'Voided'))",
    )
    .fetch_all(pool)
    .await?;
    for (t, b) in batch_drift {
        violations.push(format!(
            "closed batch {t}/{b} has totals other than its transactions'"
        ));
    }
    let payment_drift: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.merchant_no, p.payment_date FROM merchant_payments p WHERE p.net_amount <> p.gross_amount - p.commission_amount \
           OR p.net_amount <> (SELECT CAST(COALESCE(SUM(t.net), 0) AS BIGINT) FROM batch_transactions t \
             WHERE t.merchant_no = p.merchant_no AND t.payment_date = p.payment_date AND t.currency = p.currency)",
    )
    .fetch_all(pool)
    .await?;
    for (m, d) in payment_drift {
        violations.push(format!(
            "merchant {m}'s payment of {d} is not gross − commission of its transactions"
        ));
    }
    let order_drift: Vec<(String, String)> = sqlx::query_as(
        "SELECT merchant_no, order_id FROM vpos_orders WHERE captured_amount > authorized_amount \
           OR refunded_amount > captured_amount OR refunded_amount < 0",
    )
    .fetch_all(pool)
    .await?;
    for (m, o) in order_drift {
        violations.push(format!(
            "order {m}/{o} captured more than it authorized or refunded more than it captured"
        ));
    }
    let (accounts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ledger_accounts")
        .fetch_one(pool)
        .await?;

    let (entries,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ledger_entries")
        .fetch_one(pool)
        .await?;
    Ok((accounts, entries, violations))
}
