//! Card transactions, and the sums the issuer decision reads from them.

use cardhost_domain::money::Currency;
use cardhost_domain::product::CardType;
use cardhost_domain::status::{CardTxStatus, CardTxType, Channel};
use cardhost_macros::Table;
use sqlx::{Any, AnyPool, Executor, FromRow};

use crate::table::Table;
use crate::{Pending, Reads, Script};
use crate::{StoreError, Tx};

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "card_transactions")]
pub struct CardTxRow {
    pub process_id: i64,
    pub card_id: i64,
    pub account_no: String,
    pub client_id: String,
    pub reference: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub transaction_type: CardTxType,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub channel: Channel,
    pub mcc: Option<String>,
    pub merchant_name: Option<String>,
    pub merchant_country: Option<String>,
    pub response_code: String,
    pub auth_code: String,
    pub rrn: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: CardTxStatus,
    pub original_process_id: Option<i64>,
    pub installment_count: i64,
    pub point_amount: i64,
    pub points_earned: i64,
    pub available_after: i64,
    pub business_date: String,
    pub created_at: i64,
}

pub async fn insert_card_tx(tx: &mut Tx<'_>, t: &CardTxRow) -> Result<(), StoreError> {
    let mut script = Script::default();
    insert_card_txs(&mut script, std::slice::from_ref(t));
    script.run(tx).await
}

/// Inserts card transactions, one statement per parameter limit.
pub fn insert_card_txs<'q>(script: &mut Script<'q>, rows: &'q [CardTxRow]) {
    script.insert_table("", rows);
}

/// One card transaction by its process id.
pub async fn card_tx<'c, E: Executor<'c, Database = Any>>(
    db: E,
    process_id: i64,
) -> Result<Option<CardTxRow>, StoreError> {
    Ok(sqlx::query_as(&CardTxRow::select("process_id = $1"))
        .bind(process_id)
        .fetch_optional(db)
        .await?)
}

pub fn set_tx_status(script: &mut Script<'_>, process_id: i64, status: CardTxStatus) {
    script.push(
        "UPDATE card_transactions SET status = $1 WHERE process_id = $2",
        |q| q.bind(status.name()).bind(process_id),
    );
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
    let rows = sqlx::query_as(&CardTxRow::select(
        "account_no = $1 AND created_at >= $2 AND created_at < $3 \
         ORDER BY created_at DESC, process_id DESC LIMIT $4 OFFSET $5",
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

/// The used credit of a customer's credit card accounts: Σ (blocked − balance).
pub async fn customer_credit_used<'c, E: Executor<'c, Database = Any>>(
    db: E,
    customer_no: &str,
) -> Result<i64, StoreError> {
    let (used,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(l.blocked - l.balance), 0) AS BIGINT) FROM card_accounts a \
         JOIN ledger_accounts l ON l.ledger_account = 'card:' || a.account_no \
         WHERE a.customer_no = $1 AND a.card_type = $2",
    )
    .bind(customer_no)
    .bind(CardType::Credit.name())
    .fetch_one(db)
    .await?;
    Ok(used)
}

/// Approved loads of an account since `from_ms` (the monthly load limit, for reports).
pub async fn loaded_since(
    pool: &AnyPool,
    account_no: &str,
    from_ms: i64,
) -> Result<i64, StoreError> {
    let (sum,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM card_transactions WHERE account_no = $1 AND created_at >= $2 \
         AND transaction_type = $3 AND response_code = '00'",
    )
    .bind(account_no)
    .bind(from_ms)
    .bind(CardTxType::Load.name())
    .fetch_one(pool)
    .await?;
    Ok(sum)
}

/// The used credit (Σ blocked − balance of their credit card accounts) of these customers.
pub fn customers_credit_used(
    reads: &mut Reads<'_>,
    customer_nos: &[String],
) -> Pending<(String, i64)> {
    reads.push_in(
        "SELECT a.customer_no, CAST(COALESCE(SUM(l.blocked - l.balance), 0) AS BIGINT) FROM card_accounts a \
         JOIN ledger_accounts l ON l.ledger_account = 'card:' || a.account_no \
         WHERE a.card_type = $1 AND a.customer_no IN ({in}) GROUP BY a.customer_no",
        1,
        |q| q.bind(CardType::Credit.name()),
        customer_nos,
    )
}

/// Approved loads of these accounts since `from_ms` (monthly load limits).
pub fn loaded_since_many(
    reads: &mut Reads<'_>,
    account_nos: &[String],
    from_ms: i64,
) -> Pending<(String, i64)> {
    let sql = format!(
        "SELECT account_no, CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM card_transactions \
         WHERE created_at >= $1 AND account_no IN ({{in}}) AND transaction_type = '{}' AND response_code = '00' \
         GROUP BY account_no",
        CardTxType::Load.name()
    );
    reads.push_in(&sql, 1, |q| q.bind(from_ms), account_nos)
}

/// These card transactions.
pub fn card_txs_by_ids(reads: &mut Reads<'_>, ids: &[i64]) -> Pending<CardTxRow> {
    let sql = CardTxRow::select("process_id IN ({in})");
    reads.push_in(&sql, 0, |q| q, ids)
}

/// What approved refunds of these transactions add up to so far.
pub fn refunded_totals(reads: &mut Reads<'_>, originals: &[i64]) -> Pending<(i64, i64)> {
    let sql = format!(
        "SELECT original_process_id, CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM card_transactions \
         WHERE original_process_id IN ({{in}}) AND transaction_type = '{}' AND response_code = '00' \
         GROUP BY original_process_id",
        CardTxType::Refund.name()
    );
    reads.push_in(&sql, 0, |q| q, originals)
}

/// The cards credited by these card-to-card transfers: (transfer's process id, card id).
pub fn transfer_targets(reads: &mut Reads<'_>, process_ids: &[i64]) -> Pending<(i64, i64)> {
    let sql = format!(
        "SELECT original_process_id, card_id FROM card_transactions \
         WHERE original_process_id IN ({{in}}) AND transaction_type = '{}'",
        CardTxType::TransferIn.name()
    );
    reads.push_in(&sql, 0, |q| q, process_ids)
}
