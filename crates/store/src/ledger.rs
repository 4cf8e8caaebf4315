//! The journal, holds, card transactions and id allocation.

use cardhost_domain::ledger::Transfer;
use sqlx::{AnyPool, FromRow};

use crate::Script;
use crate::{Engine, StoreError, Tx};

/// Creates a ledger account if it does not exist yet.
pub async fn ensure_account(
    tx: &mut Tx<'_>,
    account: &str,
    currency: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ledger_accounts (ledger_account, currency, balance, blocked, created_at) VALUES ($1, $2, 0, 0, $3) \
         ON CONFLICT (ledger_account) DO NOTHING",
    )
    .bind(account)
    .bind(currency)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, Default, FromRow)]
pub struct Balance {
    pub balance: i64,
    pub blocked: i64,
    pub currency: i64,
}

/// An account's balance and blocked amount, locked until commit where needed.
pub async fn balance_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    account: &str,
) -> Result<Option<Balance>, StoreError> {
    let sql = format!(
        "SELECT balance, blocked, currency FROM ledger_accounts WHERE ledger_account = $1{}",
        engine.row_lock_clause()
    );
    Ok(sqlx::query_as(&sql)
        .bind(account)
        .fetch_optional(&mut **tx)
        .await?)
}

pub async fn balance(pool: &AnyPool, account: &str) -> Result<Option<Balance>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT balance, blocked, currency FROM ledger_accounts WHERE ledger_account = $1",
    )
    .bind(account)
    .fetch_optional(pool)
    .await?)
}

/// Records a transfer and its entries and moves the materialized balances.
/// The caller guarantees the entries sum to zero per currency.
pub async fn post_transfer(
    tx: &mut Tx<'_>,
    transfer_id: i64,
    process_id: i64,
    kind: &str,
    transfer: &Transfer,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO ledger_transfers (transfer_id, process_id, kind, created_at) VALUES ($1, $2, $3, $4)")
        .bind(transfer_id)
        .bind(process_id)
        .bind(kind)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    for (account, amount, currency) in transfer.entries() {
        sqlx::query("INSERT INTO ledger_entries (transfer_id, ledger_account, amount, currency) VALUES ($1, $2, $3, $4)")
            .bind(transfer_id)
            .bind(account.as_str())
            .bind(*amount)
            .bind(*currency)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE ledger_accounts SET balance = balance + $2 WHERE ledger_account = $1")
            .bind(account.as_str())
            .bind(*amount)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn add_blocked(tx: &mut Tx<'_>, account: &str, delta: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE ledger_accounts SET blocked = blocked + $2 WHERE ledger_account = $1")
        .bind(account)
        .bind(delta)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct HoldRow {
    pub process_id: i64,
    pub ledger_account: String,
    pub amount: i64,
    pub captured: i64,
    pub released: i64,
    pub status: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
}

pub async fn insert_hold(tx: &mut Tx<'_>, h: &HoldRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO holds (process_id, ledger_account, amount, captured, released, status, created_at, closed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(h.process_id)
    .bind(&h.ledger_account)
    .bind(h.amount)
    .bind(h.captured)
    .bind(h.released)
    .bind(&h.status)
    .bind(h.created_at)
    .bind(h.closed_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn hold_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    process_id: i64,
) -> Result<Option<HoldRow>, StoreError> {
    let sql = format!(
        "SELECT process_id, ledger_account, amount, captured, released, status, created_at, closed_at FROM holds WHERE process_id = $1{}",
        engine.row_lock_clause()
    );
    Ok(sqlx::query_as(&sql)
        .bind(process_id)
        .fetch_optional(&mut **tx)
        .await?)
}

pub fn close_hold(
    script: &mut Script<'_>,
    process_id: i64,
    captured: i64,
    released: i64,
    now_ms: i64,
) {
    script.push(
        "UPDATE holds SET captured = $1, released = $2, status = 'Closed', closed_at = $3 WHERE process_id = $4".into(),
        |q| q.bind(captured).bind(released).bind(now_ms).bind(process_id),
    );
}

#[derive(Debug, Clone, FromRow)]
pub struct CardTxRow {
    pub process_id: i64,
    pub card_id: i64,
    pub account_no: String,
    pub client_id: String,
    pub reference: String,
    pub transaction_type: String,
    pub amount: i64,
    pub currency: i64,
    pub channel: String,
    pub mcc: Option<String>,
    pub merchant_name: Option<String>,
    pub merchant_country: Option<String>,
    pub response_code: String,
    pub auth_code: String,
    pub rrn: String,
    pub status: String,
    pub original_process_id: Option<i64>,
    pub installment_count: i64,
    pub point_amount: i64,
    pub points_earned: i64,
    pub available_after: i64,
    pub business_date: String,
    pub created_at: i64,
}

const TX_COLUMNS: &str = "process_id, card_id, account_no, client_id, reference, transaction_type, amount, currency, channel, \
    mcc, merchant_name, merchant_country, response_code, auth_code, rrn, status, original_process_id, installment_count, \
    point_amount, points_earned, available_after, business_date, created_at";

pub async fn insert_card_tx(tx: &mut Tx<'_>, t: &CardTxRow) -> Result<(), StoreError> {
    let mut script = Script::default();
    insert_card_txs(&mut script, std::slice::from_ref(t));
    script.run(tx).await
}

/// Inserts card transactions, one statement per parameter limit.
pub fn insert_card_txs<'q>(script: &mut Script<'q>, rows: &'q [CardTxRow]) {
    let columns: Vec<&str> = TX_COLUMNS.split(',').map(str::trim).collect();
    script.insert("card_transactions", &columns, "", rows, |q, t| {
        q.bind(t.process_id)
            .bind(t.card_id)
            .bind(&t.account_no)
            .bind(&t.client_id)
            .bind(&t.reference)
            .bind(&t.transaction_type)
            .bind(t.amount)
            .bind(t.currency)
            .bind(&t.channel)
            .bind(t.mcc.as_deref())
            .bind(t.merchant_name.as_deref())
            .bind(t.merchant_country.as_deref())
            .bind(&t.response_code)
            .bind(&t.auth_code)
            .bind(&t.rrn)
            .bind(&t.status)
            .bind(t.original_process_id)
            .bind(t.installment_count)
            .bind(t.point_amount)
            .bind(t.points_earned)
            .bind(t.available_after)
            .bind(&t.business_date)
            .bind(t.created_at)
    });
}

pub async fn card_tx(tx: &mut Tx<'_>, process_id: i64) -> Result<Option<CardTxRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {TX_COLUMNS} FROM card_transactions WHERE process_id = $1"
    ))
    .bind(process_id)
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn card_tx_read(
    pool: &AnyPool,
    process_id: i64,
) -> Result<Option<CardTxRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {TX_COLUMNS} FROM card_transactions WHERE process_id = $1"
    ))
    .bind(process_id)
    .fetch_optional(pool)
    .await?)
}

pub fn set_tx_status<'q>(script: &mut Script<'q>, process_id: i64, status: &'q str) {
    script.push(
        "UPDATE card_transactions SET status = $1 WHERE process_id = $2".into(),
        |q| q.bind(status).bind(process_id),
    );
}

/// Sum of approved amounts of a card on a business day, by kind, and their count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromRow)]
pub struct DayUsage {
    pub purchase: i64,
    pub cash: i64,
    pub ecom: i64,
    pub count: i64,
}

impl std::ops::AddAssign for DayUsage {
    fn add_assign(&mut self, other: Self) {
        self.purchase += other.purchase;
        self.cash += other.cash;
        self.ecom += other.ecom;
        self.count += other.count;
    }
}

impl std::ops::Neg for DayUsage {
    type Output = Self;
    fn neg(self) -> Self {
        Self {
            purchase: -self.purchase,
            cash: -self.cash,
            ecom: -self.ecom,
            count: -self.count,
        }
    }
}

/// Approved loads of an account since `from_ms` (for the monthly load limit).
pub async fn loaded_since(
    tx: &mut Tx<'_>,
    account_no: &str,
    from_ms: i64,
) -> Result<i64, StoreError> {
    let (sum,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM card_transactions WHERE account_no = $1 AND created_at >= $2 \
         AND transaction_type = 'Load' AND response_code = '00'",
    )
    .bind(account_no)
    .bind(from_ms)
    .fetch_one(&mut **tx)
    .await?;
    Ok(sum)
}

/// A card account's transactions between two instants, newest first, paged.
pub async fn card_txs(
    pool: &AnyPool,
    account_no: &str,
    from_ms: i64,
    to_ms: i64,
    offset: i64,
    limit: i64,
) -> Result<(Vec<CardTxRow>, i64), StoreError> {
    let rows = sqlx::query_as(&format!(
        "SELECT {TX_COLUMNS} FROM card_transactions WHERE account_no = $1 AND created_at >= $2 AND created_at < $3 \
         ORDER BY created_at DESC, process_id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(account_no)
    .bind(from_ms)
    .bind(to_ms)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let (total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM card_transactions WHERE account_no = $1 AND created_at >= $2 AND created_at < $3",
    )
    .bind(account_no)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_one(pool)
    .await?;
    Ok((rows, total))
}

/// Reserves `count` consecutive values of a counter in a transaction of its
/// own (so no batch holds the counter row), returning the first.
pub async fn reserve_ids(pool: &AnyPool, counter: &str, count: i64) -> Result<i64, StoreError> {
    let mut tx = pool.begin().await?;
    let (next,): (i64,) = sqlx::query_as("UPDATE id_counters SET next_value = next_value + $2 WHERE counter_name = $1 RETURNING next_value")
        .bind(counter)
        .bind(count)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(next - count)
}

/// The used credit of a customer's credit card accounts: Σ (blocked − balance).
pub async fn customer_credit_used(tx: &mut Tx<'_>, customer_no: &str) -> Result<i64, StoreError> {
    let (used,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(l.blocked - l.balance), 0) AS BIGINT) FROM card_accounts a \
         JOIN ledger_accounts l ON l.ledger_account = 'card:' || a.account_no \
         WHERE a.customer_no = $1 AND a.card_type = 'Credit'",
    )
    .bind(customer_no)
    .fetch_one(&mut **tx)
    .await?;
    Ok(used)
}

pub async fn customer_credit_used_read(
    pool: &AnyPool,
    customer_no: &str,
) -> Result<i64, StoreError> {
    let (used,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(l.blocked - l.balance), 0) AS BIGINT) FROM card_accounts a \
         JOIN ledger_accounts l ON l.ledger_account = 'card:' || a.account_no \
         WHERE a.customer_no = $1 AND a.card_type = 'Credit'",
    )
    .bind(customer_no)
    .fetch_one(pool)
    .await?;
    Ok(used)
}

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

/// The entries of the transfer a transaction posted (for an exact reversal).
pub async fn entries_of_process(
    tx: &mut Tx<'_>,
    process_id: i64,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT e.ledger_account, e.amount, e.currency FROM ledger_entries e \
         JOIN ledger_transfers t ON t.transfer_id = e.transfer_id WHERE t.process_id = $1 ORDER BY e.entry_id",
    )
    .bind(process_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// The card credited by a card-to-card transfer, from its incoming row.
pub async fn transfer_target(tx: &mut Tx<'_>, process_id: i64) -> Result<Option<i64>, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT card_id FROM card_transactions WHERE original_process_id = $1 AND transaction_type = 'TransferIn'",
    )
    .bind(process_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| r.0))
}

/// What approved refunds of a transaction add up to so far.
pub async fn refunded_total(tx: &mut Tx<'_>, original: i64) -> Result<i64, StoreError> {
    let (sum,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM card_transactions WHERE original_process_id = $1 \
         AND transaction_type = 'Refund' AND response_code = '00'",
    )
    .bind(original)
    .fetch_one(&mut **tx)
    .await?;
    Ok(sum)
}

/// [`loaded_since`] outside a transaction, for reports.
pub async fn loaded_since_read(
    pool: &AnyPool,
    account_no: &str,
    from_ms: i64,
) -> Result<i64, StoreError> {
    let (sum,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM card_transactions WHERE account_no = $1 AND created_at >= $2 \
         AND transaction_type = 'Load' AND response_code = '00'",
    )
    .bind(account_no)
    .bind(from_ms)
    .fetch_one(pool)
    .await?;
    Ok(sum)
}

/// An open hold with the product of its card, for `ExpireHolds`.
#[derive(Debug, Clone, FromRow)]
pub struct AgedHold {
    pub process_id: i64,
    pub card_id: i64,
    pub amount: i64,
    pub currency: i64,
    pub created_at: i64,
    pub product_code: String,
}

/// Open holds created before `before_ms`, oldest first.
pub async fn open_holds_before(
    pool: &AnyPool,
    before_ms: i64,
) -> Result<Vec<AgedHold>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT h.process_id, t.card_id, h.amount, t.currency, h.created_at, c.product_code FROM holds h \
         JOIN card_transactions t ON t.process_id = h.process_id JOIN cards c ON c.card_id = t.card_id \
         WHERE h.status = 'Open' AND h.created_at < $1 ORDER BY h.created_at",
    )
    .bind(before_ms)
    .fetch_all(pool)
    .await?)
}

// The authorizer's set-oriented reads and writes: each serves a whole batch
// with one statement, keyed `IN (...)`.

/// Binds every key, in order.
fn bind_all<'q, O, K>(mut query: QueryAs<'q, O>, keys: &'q [K]) -> QueryAs<'q, O>
where
    K: sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Sync,
{
    for key in keys {
        query = query.bind(key);
    }
    query
}

type QueryAs<'q, O> = sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>;

/// A materialized balance with its account's name.
#[derive(Debug, Clone, FromRow)]
pub struct AccountBalance {
    pub ledger_account: String,
    pub balance: i64,
    pub blocked: i64,
    pub currency: i64,
}

/// These accounts' balances, locked in name order where the engine needs it.
pub async fn balances_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    accounts: &[String],
) -> Result<Vec<AccountBalance>, StoreError> {
    let sql = format!(
        "SELECT ledger_account, balance, blocked, currency FROM ledger_accounts \
         WHERE ledger_account IN ({{in}}) ORDER BY ledger_account{}",
        engine.row_lock_clause()
    );
    crate::sql::fetch_in(tx, &sql, accounts).await
}

/// The used credit (Σ blocked − balance of their credit card accounts) of these customers.
pub async fn customers_credit_used(
    tx: &mut Tx<'_>,
    customer_nos: &[String],
) -> Result<Vec<(String, i64)>, StoreError> {
    crate::sql::fetch_in(
        tx,
        "SELECT a.customer_no, CAST(COALESCE(SUM(l.blocked - l.balance), 0) AS BIGINT) FROM card_accounts a \
         JOIN ledger_accounts l ON l.ledger_account = 'card:' || a.account_no \
         WHERE a.customer_no IN ({in}) AND a.card_type = 'Credit' GROUP BY a.customer_no",
        customer_nos,
    )
    .await
}

/// [`DayUsage`] of these cards on one business day.
pub async fn day_usages(
    tx: &mut Tx<'_>,
    card_ids: &[i64],
    business_date: &str,
) -> Result<Vec<(i64, DayUsage)>, StoreError> {
    if card_ids.is_empty() {
        return Ok(Vec::new());
    }
    let card_ids = &crate::sql::padded(card_ids)[..];
    let sql = format!(
        "SELECT card_id, purchase, cash, ecom, count FROM card_day_usage \
         WHERE business_date = $1 AND card_id IN ({})",
        crate::sql::placeholders(2, card_ids.len())
    );
    let sql = crate::sql::for_connection(tx, sql);
    let query = bind_all(
        sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(&sql).bind(business_date),
        card_ids,
    );
    let rows = query.fetch_all(&mut **tx).await?;
    Ok(rows
        .into_iter()
        .map(|(card, purchase, cash, ecom, count)| {
            (
                card,
                DayUsage {
                    purchase,
                    cash,
                    ecom,
                    count,
                },
            )
        })
        .collect())
}

/// Adds to cards' day counters; each (card, day) at most once per call.
pub fn add_day_usages<'q>(script: &mut Script<'q>, rows: &'q [((i64, String), DayUsage)]) {
    script.insert(
        "card_day_usage",
        &[
            "card_id",
            "business_date",
            "purchase",
            "cash",
            "ecom",
            "count",
        ],
        " ON CONFLICT (card_id, business_date) DO UPDATE SET \
         purchase = card_day_usage.purchase + excluded.purchase, \
         cash = card_day_usage.cash + excluded.cash, \
         ecom = card_day_usage.ecom + excluded.ecom, \
         count = card_day_usage.count + excluded.count",
        rows,
        |q, ((card_id, day), u)| {
            q.bind(*card_id)
                .bind(day.as_str())
                .bind(u.purchase)
                .bind(u.cash)
                .bind(u.ecom)
                .bind(u.count)
        },
    );
}

/// Approved loads of these accounts since `from_ms` (monthly load limits).
pub async fn loaded_since_many(
    tx: &mut Tx<'_>,
    account_nos: &[String],
    from_ms: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    if account_nos.is_empty() {
        return Ok(Vec::new());
    }
    let account_nos = &crate::sql::padded(account_nos)[..];
    let sql = format!(
        "SELECT account_no, CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM card_transactions \
         WHERE created_at >= $1 AND account_no IN ({}) AND transaction_type = 'Load' AND response_code = '00' \
         GROUP BY account_no",
        crate::sql::placeholders(2, account_nos.len())
    );
    let sql = crate::sql::for_connection(tx, sql);
    let query = bind_all(sqlx::query_as(&sql).bind(from_ms), account_nos);
    Ok(query.fetch_all(&mut **tx).await?)
}

/// These card transactions.
pub async fn card_txs_by_ids(tx: &mut Tx<'_>, ids: &[i64]) -> Result<Vec<CardTxRow>, StoreError> {
    let sql = format!("SELECT {TX_COLUMNS} FROM card_transactions WHERE process_id IN ({{in}})");
    crate::sql::fetch_in(tx, &sql, ids).await
}

/// What approved refunds of these transactions add up to so far.
pub async fn refunded_totals(
    tx: &mut Tx<'_>,
    originals: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    crate::sql::fetch_in(
        tx,
        "SELECT original_process_id, CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM card_transactions \
         WHERE original_process_id IN ({in}) AND transaction_type = 'Refund' AND response_code = '00' \
         GROUP BY original_process_id",
        originals,
    )
    .await
}

/// These holds, locked in id order where the engine needs it.
pub async fn holds_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    process_ids: &[i64],
) -> Result<Vec<HoldRow>, StoreError> {
    let sql = format!(
        "SELECT process_id, ledger_account, amount, captured, released, status, created_at, closed_at FROM holds \
         WHERE process_id IN ({{in}}) ORDER BY process_id{}",
        engine.row_lock_clause()
    );
    crate::sql::fetch_in(tx, &sql, process_ids).await
}

/// The entries these transactions posted, with their process id, in posting order.
pub async fn entries_of_processes(
    tx: &mut Tx<'_>,
    process_ids: &[i64],
) -> Result<Vec<(i64, String, i64, i64)>, StoreError> {
    crate::sql::fetch_in(
        tx,
        "SELECT t.process_id, e.ledger_account, e.amount, e.currency FROM ledger_entries e \
         JOIN ledger_transfers t ON t.transfer_id = e.transfer_id WHERE t.process_id IN ({in}) ORDER BY e.entry_id",
        process_ids,
    )
    .await
}

/// The cards credited by these card-to-card transfers: (transfer's process id, card id).
pub async fn transfer_targets(
    tx: &mut Tx<'_>,
    process_ids: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    crate::sql::fetch_in(
        tx,
        "SELECT original_process_id, card_id FROM card_transactions \
         WHERE original_process_id IN ({in}) AND transaction_type = 'TransferIn'",
        process_ids,
    )
    .await
}

/// A journal transfer's header.
#[derive(Debug, Clone)]
pub struct TransferRow {
    pub transfer_id: i64,
    pub process_id: i64,
    pub kind: String,
    pub created_at: i64,
}

/// One entry of a transfer: signed minor units, positive credits the account.
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub transfer_id: i64,
    pub ledger_account: String,
    pub amount: i64,
    pub currency: i64,
}

const ACCOUNT_COLUMNS: [&str; 5] = [
    "ledger_account",
    "currency",
    "balance",
    "blocked",
    "created_at",
];

/// Creates the accounts that do not exist yet, in one statement.
pub fn ensure_accounts<'q>(script: &mut Script<'q>, accounts: &'q [(String, i64)], now_ms: i64) {
    script.insert(
        "ledger_accounts",
        &ACCOUNT_COLUMNS,
        " ON CONFLICT (ledger_account) DO NOTHING",
        accounts,
        |q, (account, currency)| {
            q.bind(account)
                .bind(*currency)
                .bind(0_i64)
                .bind(0_i64)
                .bind(now_ms)
        },
    );
}

/// Writes transfers and their entries (the caller checked each transfer
/// balances per currency), two statements for any number.
pub fn insert_transfers<'q>(
    script: &mut Script<'q>,
    transfers: &'q [TransferRow],
    entries: &'q [EntryRow],
) {
    script.insert(
        "ledger_transfers",
        &["transfer_id", "process_id", "kind", "created_at"],
        "",
        transfers,
        |q, t| {
            q.bind(t.transfer_id)
                .bind(t.process_id)
                .bind(&t.kind)
                .bind(t.created_at)
        },
    );
    script.insert(
        "ledger_entries",
        &["transfer_id", "ledger_account", "amount", "currency"],
        "",
        entries,
        |q, e| {
            q.bind(e.transfer_id)
                .bind(&e.ledger_account)
                .bind(e.amount)
                .bind(e.currency)
        },
    );
}

/// Moves materialized balances and blocked amounts by (account, Δbalance,
/// Δblocked), one statement for any number of accounts.
pub fn move_balances<'q>(script: &mut Script<'q>, moves: &'q [(String, i64, i64)]) {
    // Five parameters an account; stay well inside the parameter limit.
    for chunk in moves.chunks(5_000) {
        let n = chunk.len();
        // Every parameter appears once, in order, so SQLite can take them anonymously.
        let cases = |first: usize| {
            (0..n)
                .map(|i| format!("WHEN ${} THEN ${}", first + 2 * i, first + 2 * i + 1))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let sql = format!(
            "UPDATE ledger_accounts SET balance = balance + CASE ledger_account {} ELSE 0 END, \
             blocked = blocked + CASE ledger_account {} ELSE 0 END WHERE ledger_account IN ({})",
            cases(1),
            cases(2 * n + 1),
            crate::sql::placeholders(4 * n + 1, n)
        );
        script.push(sql, |mut q| {
            for (account, balance, _) in chunk {
                q = q.bind(account).bind(*balance);
            }
            for (account, _, blocked) in chunk {
                q = q.bind(account).bind(*blocked);
            }
            for (account, _, _) in chunk {
                q = q.bind(account);
            }
            q
        });
    }
}

/// Inserts holds, one statement per parameter limit.
pub fn insert_holds<'q>(script: &mut Script<'q>, holds: &'q [HoldRow]) {
    script.insert(
        "holds",
        &[
            "process_id",
            "ledger_account",
            "amount",
            "captured",
            "released",
            "status",
            "created_at",
            "closed_at",
        ],
        "",
        holds,
        |q, h| {
            q.bind(h.process_id)
                .bind(&h.ledger_account)
                .bind(h.amount)
                .bind(h.captured)
                .bind(h.released)
                .bind(&h.status)
                .bind(h.created_at)
                .bind(h.closed_at)
        },
    );
}

/// Creates accounts with an opening balance: (account, currency, balance).
/// The caller posts the transfer whose entries make up those balances.
pub async fn open_accounts(
    tx: &mut Tx<'_>,
    accounts: &[(String, i64, i64)],
    now_ms: i64,
) -> Result<(), StoreError> {
    let rows: Vec<(&str, i64, i64, i64)> = accounts
        .iter()
        .map(|(a, c, b)| (a.as_str(), *c, *b, now_ms))
        .collect();
    crate::sql::insert_rows(
        tx,
        "ledger_accounts",
        &ACCOUNT_COLUMNS,
        "",
        &rows,
        |q, r| q.bind(r.0).bind(r.1).bind(r.2).bind(0_i64).bind(r.3),
    )
    .await
}
