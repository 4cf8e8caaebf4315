//! `CheckLedger`: every invariant of ledger.md, read back from the tables.

use cardhost_domain::ledger::Unit;
use cardhost_domain::product::CardType;
use cardhost_domain::status::{
    BatchStatus, CardTxStatus, CardTxType, Channel, HoldStatus, OrderTxStatus, VposOp,
};
use sqlx::AnyPool;

use crate::StoreError;

/// Every invariant of ledger.md as a query whose rows are its violations,
/// each row one sentence (both engines turn `text || number` into text).
const INVARIANTS: [&str; 13] = [
    // A transfer sums to zero per currency.
    "SELECT 'transfer ' || transfer_id || ' sums to ' || CAST(SUM(amount) AS BIGINT) || ' in currency ' || currency \
     FROM ledger_entries GROUP BY transfer_id, currency HAVING SUM(amount) <> 0",
    // All balances of a currency sum to zero.
    "SELECT 'balances in currency ' || currency || ' sum to ' || CAST(SUM(balance) AS BIGINT) \
     FROM ledger_accounts GROUP BY currency HAVING SUM(balance) <> 0 ORDER BY currency",
    // A balance is the sum of its entries.
    "SELECT 'account ' || a.ledger_account || ' shows ' || a.balance || ' but its entries sum to ' || COALESCE(s.total, 0) \
     FROM ledger_accounts a \
     LEFT JOIN (SELECT ledger_account, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_entries \
       GROUP BY ledger_account) s ON s.ledger_account = a.ledger_account \
     WHERE a.balance <> COALESCE(s.total, 0)",
    // An account's entries are in its unit.
    "SELECT 'account ' || a.ledger_account || ' is in currency ' || a.currency || ' but has entries in currency ' || e.currency \
     FROM ledger_accounts a JOIN ledger_entries e ON e.ledger_account = a.ledger_account \
     WHERE e.currency <> a.currency GROUP BY a.ledger_account, a.currency, e.currency",
    // What is blocked is what the open holds hold.
    "SELECT 'account ' || a.ledger_account || ' blocks ' || a.blocked || ' but its open holds hold ' \
       || CAST(COALESCE(SUM(h.amount - h.captured - h.released), 0) AS BIGINT) \
     FROM ledger_accounts a \
     LEFT JOIN holds h ON h.ledger_account = a.ledger_account AND h.status = '{open_hold}' \
     GROUP BY a.ledger_account, a.blocked \
     HAVING a.blocked <> CAST(COALESCE(SUM(h.amount - h.captured - h.released), 0) AS BIGINT)",
    // Debit and prepaid money never goes below zero.
    "SELECT 'debit/prepaid account ' || l.ledger_account || ' is overdrawn: balance ' || l.balance || ', blocked ' || l.blocked \
     FROM card_accounts a JOIN ledger_accounts l ON l.ledger_account = 'card:' || a.account_no \
     WHERE a.card_type <> '{credit}' AND l.balance - l.blocked < 0",
    "SELECT 'hold ' || process_id || ' captured and released more than it held' \
     FROM holds WHERE captured + released > amount",
    // An approved transaction is exactly one transfer or hold.
    "SELECT 'approved transaction ' || t.process_id || ' does not have exactly one transfer or hold' \
     FROM card_transactions t WHERE t.response_code = '00' \
     AND (SELECT COUNT(*) FROM ledger_transfers x WHERE x.process_id = t.process_id) \
       + (SELECT COUNT(*) FROM holds h WHERE h.process_id = t.process_id) <> 1 \
     AND NOT (t.transaction_type = '{reversal}' \
       AND EXISTS (SELECT 1 FROM holds h WHERE h.process_id = t.original_process_id)) \
     AND NOT (t.transaction_type = '{transfer_in}' \
       AND EXISTS (SELECT 1 FROM ledger_transfers x WHERE x.process_id = t.original_process_id))",
    "SELECT 'declined transaction ' || t.process_id || ' moved money' \
     FROM card_transactions t WHERE t.response_code <> '00' \
     AND EXISTS (SELECT 1 FROM ledger_transfers x WHERE x.process_id = t.process_id)",
    // A card's day counters are its approved, unreversed spends of that day.
    "WITH spent AS (SELECT card_id, business_date, \
       CAST(SUM(CASE WHEN transaction_type IN ('{purchase}', '{pre_auth}') THEN amount ELSE 0 END) AS BIGINT) AS purchase, \
       CAST(SUM(CASE WHEN transaction_type = '{cash}' THEN amount ELSE 0 END) AS BIGINT) AS cash, \
       CAST(SUM(CASE WHEN channel = '{ecom}' AND transaction_type IN ('{purchase}', '{pre_auth}') THEN amount ELSE 0 END) AS BIGINT) AS ecom, \
       COUNT(*) AS count \
       FROM card_transactions WHERE response_code = '00' AND status <> '{reversed}' \
         AND transaction_type IN ('{purchase}', '{pre_auth}', '{cash}') \
       GROUP BY card_id, business_date), \
     drifted AS (SELECT u.card_id, u.business_date FROM card_day_usage u \
       LEFT JOIN spent s ON s.card_id = u.card_id AND s.business_date = u.business_date \
       WHERE COALESCE(s.purchase, 0) <> u.purchase OR COALESCE(s.cash, 0) <> u.cash \
         OR COALESCE(s.ecom, 0) <> u.ecom OR COALESCE(s.count, 0) <> u.count \
     UNION SELECT s.card_id, s.business_date FROM spent s WHERE NOT EXISTS \
       (SELECT 1 FROM card_day_usage u WHERE u.card_id = s.card_id AND u.business_date = s.business_date)) \
     SELECT 'card ' || card_id || '''s counters for ' || business_date || ' disagree with its transactions' FROM drifted",
    // A closed batch's totals are its transactions'.
    "SELECT 'closed batch ' || b.terminal_no || '/' || b.batch_no || ' has totals other than its transactions''' \
     FROM pos_batches b WHERE b.status = '{closed_batch}' AND ( \
       b.sale_amount <> (SELECT CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) FROM batch_transactions t \
         WHERE t.terminal_no = b.terminal_no AND t.batch_no = b.batch_no AND t.status <> '{voided}' AND t.transaction_type <> '{batch_refund}') \
       OR b.refund_amount <> (SELECT CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) FROM batch_transactions t \
         WHERE t.terminal_no = b.terminal_no AND t.batch_no = b.batch_no AND t.status <> '{voided}' AND t.transaction_type = '{batch_refund}') \
       OR b.void_amount <> (SELECT CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) FROM batch_transactions t \
         WHERE t.terminal_no = b.terminal_no AND t.batch_no = b.batch_no AND t.status = '{voided}'))",
    // A merchant payment is gross less commission of its transactions.
    "SELECT 'merchant ' || p.merchant_no || '''s payment of ' || p.payment_date || ' is not gross − commission of its transactions' \
     FROM merchant_payments p WHERE p.net_amount <> p.gross_amount - p.commission_amount \
       OR p.net_amount <> (SELECT CAST(COALESCE(SUM(t.net), 0) AS BIGINT) FROM batch_transactions t \
         WHERE t.merchant_no = p.merchant_no AND t.payment_date = p.payment_date AND t.currency = p.currency)",
    // An order captures at most what it authorized and refunds at most what it captured.
    "SELECT 'order ' || merchant_no || '/' || order_id || ' captured more than it authorized or refunded more than it captured' \
     FROM vpos_orders WHERE captured_amount > authorized_amount \
       OR refunded_amount > captured_amount OR refunded_amount < 0",
];

/// `sql` with the statuses and types it names spelled as their enums spell them.
fn spelled(sql: &str) -> String {
    sql.replace("{open_hold}", HoldStatus::Open.name())
        .replace("{reversed}", CardTxStatus::Reversed.name())
        .replace("{closed_batch}", BatchStatus::Closed.name())
        .replace("{voided}", OrderTxStatus::Voided.name())
        .replace("{batch_refund}", VposOp::Refund.name())
        .replace("{reversal}", CardTxType::Reversal.name())
        .replace("{transfer_in}", CardTxType::TransferIn.name())
        .replace("{purchase}", CardTxType::Purchase.name())
        .replace("{pre_auth}", CardTxType::PreAuthorization.name())
        .replace("{cash}", CardTxType::CashWithdrawal.name())
        .replace("{ecom}", Channel::Ecom.name())
        .replace("{credit}", CardType::Credit.name())
}

/// The number of accounts and entries, and every violation of the journal's
/// invariants as a human sentence.
pub async fn check(pool: &AnyPool) -> Result<(i64, i64, Vec<String>), StoreError> {
    let mut violations = Vec::new();
    for invariant in INVARIANTS {
        let found: Vec<(String,)> = sqlx::query_as(&spelled(invariant)).fetch_all(pool).await?;
        violations.extend(found.into_iter().map(|(v,)| v));
    }
    for table in ["ledger_accounts", "ledger_entries"] {
        violations.extend(unknown_units(pool, table).await?);
    }
    let (accounts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ledger_accounts")
        .fetch_one(pool)
        .await?;
    let (entries,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ledger_entries")
        .fetch_one(pool)
        .await?;
    Ok((accounts, entries, violations))
}

/// The stored units of `table` that are neither points nor a currency: its
/// rows in them do not load, so they are named before a request trips on one.
async fn unknown_units(pool: &AnyPool, table: &str) -> Result<Vec<String>, StoreError> {
    let sql = format!("SELECT currency, COUNT(*) FROM {table} GROUP BY currency ORDER BY currency");
    let counts: Vec<(i64, i64)> = sqlx::query_as(&sql).fetch_all(pool).await?;
    Ok(counts
        .into_iter()
        .filter(|(code, _)| Unit::try_from(*code).is_err())
        .map(|(code, rows)| {
            let plural = if rows == 1 { "" } else { "s" };
            format!("{table} has {rows} row{plural} in stored currency {code}, which is neither points (0) nor an ISO 4217 currency")
        })
        .collect())
}
