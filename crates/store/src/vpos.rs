//! Virtual POS orders, their transactions, the off-us reversal queue, and the
//! test network's record of its authorizations.

use cardhost_domain::money::Currency;
use cardhost_domain::product::CardType;
use cardhost_domain::status::{
    Later, Network, NetworkAuthStatus, OrderStatus, OrderTxStatus, ReversalStatus, VposOp,
};
use cardhost_macros::Table;
use sqlx::{Any, AnyPool, Executor, FromRow};

use crate::sql::update_by_key;
use crate::table::{self, Table};
use crate::{Engine, StoreError, Tx};
use crate::{Pending, Reads, Script};

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "vpos_orders")]
pub struct OrderRow {
    pub merchant_no: String,
    pub order_id: String,
    pub terminal_no: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: OrderStatus,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub authorized_amount: i64,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    pub installment_count: i64,
    pub point_amount: i64,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub network: Later<Network>,
    pub card_id: Option<i64>,
    pub masked_card_no: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub card_type: Later<CardType>,
    pub order_token: Option<String>,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Writes orders whole: new ones are inserted, known ones take the new state
/// (status, amounts, time) and the card of their first payment (an order
/// made before its card was known), in one statement.
pub fn upsert_orders<'q>(script: &mut Script<'q>, orders: &'q [OrderRow]) {
    script.insert_table(
        " ON CONFLICT (merchant_no, order_id) DO UPDATE SET status = excluded.status, \
         authorized_amount = excluded.authorized_amount, captured_amount = excluded.captured_amount, \
         refunded_amount = excluded.refunded_amount, updated_at = excluded.updated_at, \
         installment_count = excluded.installment_count, point_amount = excluded.point_amount, \
         network = excluded.network, card_id = excluded.card_id, \
         masked_card_no = excluded.masked_card_no, card_type = excluded.card_type",
        orders,
    );
}

/// These orders, locked in key order where the engine needs it.
pub fn orders_for_update(
    reads: &mut Reads<'_>,
    engine: Engine,
    keys: &[(String, String)],
) -> Pending<OrderRow> {
    let sql = OrderRow::select(&format!(
        "(merchant_no, order_id) IN {{pairs}} ORDER BY merchant_no, order_id{}",
        engine.row_lock_clause()
    ));
    reads.push_pairs(&sql, keys)
}

/// Every transaction of these orders, oldest first.
pub fn txs_of_orders(reads: &mut Reads<'_>, keys: &[(String, String)]) -> Pending<OrderTxRow> {
    let sql = OrderTxRow::select("(merchant_no, order_id) IN {pairs} ORDER BY process_id");
    reads.push_pairs(&sql, keys)
}

/// Writes the order's state (status and amounts) back.
pub async fn update_order(tx: &mut Tx<'_>, o: &OrderRow) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE vpos_orders SET status = $3, authorized_amount = $4, captured_amount = $5, \
         refunded_amount = $6, updated_at = $7 WHERE merchant_no = $1 AND order_id = $2",
    )
    .bind(&o.merchant_no)
    .bind(&o.order_id)
    .bind(o.status.name())
    .bind(o.authorized_amount)
    .bind(o.captured_amount)
    .bind(o.refunded_amount)
    .bind(o.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn order<'c, E: Executor<'c, Database = Any>>(
    db: E,
    merchant_no: &str,
    order_id: &str,
) -> Result<Option<OrderRow>, StoreError> {
    let filter = "merchant_no = $1 AND order_id = $2";
    table::find(db, filter, &[merchant_no, order_id]).await
}

/// The order inside a write transaction, locked where the engine needs it.
pub async fn order_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    merchant_no: &str,
    order_id: &str,
) -> Result<Option<OrderRow>, StoreError> {
    let filter = format!(
        "merchant_no = $1 AND order_id = $2{}",
        engine.row_lock_clause()
    );
    table::find(&mut **tx, &filter, &[merchant_no, order_id]).await
}

pub async fn order_by_token(
    pool: &AnyPool,
    merchant_no: &str,
    token: &str,
) -> Result<Option<OrderRow>, StoreError> {
    let filter = "merchant_no = $1 AND order_token = $2";
    table::find(pool, filter, &[merchant_no, token]).await
}

/// Pre-authorized orders whose hold was released by `ExpireHolds`.
pub async fn expire_order_of_process(
    tx: &mut Tx<'_>,
    process_id: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE vpos_orders SET status = $3, updated_at = $2 WHERE status = $4 \
         AND EXISTS (SELECT 1 FROM vpos_transactions t WHERE t.process_id = $1 \
         AND t.merchant_no = vpos_orders.merchant_no AND t.order_id = vpos_orders.order_id)",
    )
    .bind(process_id)
    .bind(now_ms)
    .bind(OrderStatus::Expired.name())
    .bind(OrderStatus::PreAuthorized.name())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "vpos_transactions")]
pub struct OrderTxRow {
    pub process_id: i64,
    pub merchant_no: String,
    pub order_id: String,
    pub terminal_no: String,
    pub idem_key: String,
    pub request_digest: String,
    pub client_id: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub transaction_type: VposOp,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub point_amount: i64,
    pub installment_count: i64,
    pub response_code: String,
    pub auth_code: String,
    pub rrn: String,
    pub masked_card_no: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub network: Network,
    pub batch_no: Option<i64>,
    pub original_process_id: Option<i64>,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: OrderTxStatus,
    pub created_at: i64,
}

pub async fn insert_tx(tx: &mut Tx<'_>, t: &OrderTxRow) -> Result<(), StoreError> {
    let mut script = Script::default();
    insert_txs(&mut script, std::slice::from_ref(t));
    script.run(tx).await
}

/// Inserts order transactions, one statement per parameter limit.
pub fn insert_txs<'q>(script: &mut Script<'q>, rows: &'q [OrderTxRow]) {
    script.insert_table("", rows);
}

pub fn set_tx_status(script: &mut Script<'_>, process_id: i64, status: OrderTxStatus) {
    script.push(
        update_by_key("vpos_transactions", &["status"], "process_id"),
        |q| q.bind(status.name()).bind(process_id),
    );
}

/// The transaction a repeat is recognised by.
pub async fn tx_by_key<'c, E: Executor<'c, Database = Any>>(
    db: E,
    merchant_no: &str,
    order_id: &str,
    idem_key: &str,
) -> Result<Option<OrderTxRow>, StoreError> {
    Ok(sqlx::query_as(&OrderTxRow::select(
        "merchant_no = $1 AND order_id = $2 AND idem_key = $3",
    ))
    .bind(merchant_no)
    .bind(order_id)
    .bind(idem_key)
    .fetch_optional(db)
    .await?)
}

pub async fn tx<'c, E: Executor<'c, Database = Any>>(
    db: E,
    process_id: i64,
) -> Result<Option<OrderTxRow>, StoreError> {
    Ok(sqlx::query_as(&OrderTxRow::select("process_id = $1"))
        .bind(process_id)
        .fetch_optional(db)
        .await?)
}

/// Every transaction of an order, oldest first.
pub async fn txs_of_order<'c, E: Executor<'c, Database = Any>>(
    db: E,
    merchant_no: &str,
    order_id: &str,
) -> Result<Vec<OrderTxRow>, StoreError> {
    Ok(sqlx::query_as(&OrderTxRow::select(
        "merchant_no = $1 AND order_id = $2 ORDER BY process_id",
    ))
    .bind(merchant_no)
    .bind(order_id)
    .fetch_all(db)
    .await?)
}

/// What a terminal took in approved sales and captures since `since_ms`
/// (voided ones excluded), for the authorization profile's daily limit.
pub async fn terminal_taken_since(
    pool: &AnyPool,
    terminal_no: &str,
    since_ms: i64,
) -> Result<i64, StoreError> {
    let (sum,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM vpos_transactions WHERE terminal_no = $1 \
         AND created_at >= $2 AND response_code = '00' AND status <> $3 \
         AND transaction_type IN ($4, $5)",
    )
    .bind(terminal_no)
    .bind(since_ms)
    .bind(OrderTxStatus::Voided.name())
    .bind(VposOp::Sale.name())
    .bind(VposOp::PreSale.name())
    .fetch_one(pool)
    .await?;
    Ok(sum)
}

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "network_reversals")]
pub struct ReversalRow {
    pub process_id: i64,
    pub network: String,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub merchant_no: String,
    pub order_id: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: ReversalStatus,
    pub attempts: i64,
    pub next_attempt: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub done_at: Option<i64>,
}

/// Records, before the network is asked, that this authorization is to be
/// reversed unless it is disarmed.
/// True when a network reversal was ever armed for the order: a `Created`
/// order with one has a network call in flight (or cut off by a crash).
pub async fn order_has_reversal(
    tx: &mut Tx<'_>,
    merchant_no: &str,
    order_id: &str,
) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT process_id FROM network_reversals WHERE merchant_no = $1 AND order_id = $2 LIMIT 1",
    )
    .bind(merchant_no)
    .bind(order_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(found.is_some())
}

pub async fn arm_reversal(tx: &mut Tx<'_>, r: &ReversalRow) -> Result<(), StoreError> {
    table::insert(tx, r).await
}

pub async fn set_reversal(
    tx: &mut Tx<'_>,
    process_id: i64,
    status: ReversalStatus,
    next_attempt: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE network_reversals SET status = $2, next_attempt = $3 WHERE process_id = $1",
    )
    .bind(process_id)
    .bind(status.name())
    .bind(next_attempt)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reversals to try now: pending ones whose time has come, and armed ones
/// older than `armed_before` (their request was cut off by a crash or a timeout).
pub async fn due_reversals(
    pool: &AnyPool,
    now_ms: i64,
    armed_before: i64,
    limit: i64,
) -> Result<Vec<ReversalRow>, StoreError> {
    Ok(sqlx::query_as(&ReversalRow::select(
        "(status = $4 AND next_attempt <= $1) OR (status = $5 AND created_at < $2) \
         ORDER BY process_id LIMIT $3",
    ))
    .bind(now_ms)
    .bind(armed_before)
    .bind(limit)
    .bind(ReversalStatus::Pending.name())
    .bind(ReversalStatus::Armed.name())
    .fetch_all(pool)
    .await?)
}

pub async fn reversal_attempted(
    pool: &AnyPool,
    process_id: i64,
    acknowledged: bool,
    error: Option<&str>,
    now_ms: i64,
    next_attempt: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE network_reversals SET attempts = attempts + 1, status = $2, last_error = $3, \
         next_attempt = $4, done_at = $5 WHERE process_id = $1",
    )
    .bind(process_id)
    .bind(
        if acknowledged {
            ReversalStatus::Done
        } else {
            ReversalStatus::Pending
        }
        .name(),
    )
    .bind(error)
    .bind(next_attempt)
    .bind(acknowledged.then_some(now_ms))
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn reversal<'c, E: Executor<'c, Database = Any>>(
    db: E,
    process_id: i64,
) -> Result<Option<ReversalRow>, StoreError> {
    Ok(sqlx::query_as(&ReversalRow::select("process_id = $1"))
        .bind(process_id)
        .fetch_optional(db)
        .await?)
}

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "test_network_authorizations")]
pub struct NetworkAuthRow {
    pub process_id: i64,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub captured: i64,
    pub refunded: i64,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: NetworkAuthStatus,
    pub created_at: i64,
}

pub async fn network_auth<'c, E: Executor<'c, Database = Any>>(
    db: E,
    process_id: i64,
) -> Result<Option<NetworkAuthRow>, StoreError> {
    Ok(sqlx::query_as(&NetworkAuthRow::select("process_id = $1"))
        .bind(process_id)
        .fetch_optional(db)
        .await?)
}

pub async fn put_network_auth(pool: &AnyPool, a: &NetworkAuthRow) -> Result<(), StoreError> {
    table::insert_or(
        pool,
        a,
        " ON CONFLICT (process_id) DO UPDATE SET captured = excluded.captured, \
         refunded = excluded.refunded, status = excluded.status",
    )
    .await
}
