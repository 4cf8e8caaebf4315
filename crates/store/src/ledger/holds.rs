//! Holds: amounts reserved on an account until captured, released or expired.

use cardhost_domain::money::Currency;
use cardhost_domain::status::HoldStatus;
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table::Table;

use crate::Script;
use crate::{Engine, Pending, Reads, StoreError, Tx};

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "holds")]
pub struct HoldRow {
    pub process_id: i64,
    pub ledger_account: String,
    pub amount: i64,
    pub captured: i64,
    pub released: i64,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: HoldStatus,
    pub created_at: i64,
    pub closed_at: Option<i64>,
}

pub async fn insert_hold(tx: &mut Tx<'_>, h: &HoldRow) -> Result<(), StoreError> {
    crate::table::insert(tx, h).await
}

pub async fn hold_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    process_id: i64,
) -> Result<Option<HoldRow>, StoreError> {
    let sql = HoldRow::select(&format!("process_id = $1{}", engine.row_lock_clause()));
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
        "UPDATE holds SET captured = $1, released = $2, status = $3, closed_at = $4 WHERE process_id = $5",
        |q| {
            q.bind(captured)
                .bind(released)
                .bind(HoldStatus::Closed.name())
                .bind(now_ms)
                .bind(process_id)
        },
    );
}

/// An open hold with the product of its card, for `ExpireHolds`.
#[derive(Debug, Clone, FromRow)]
pub struct AgedHold {
    pub process_id: i64,
    pub card_id: i64,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    pub currency: Currency,
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
         WHERE h.status = $2 AND h.created_at < $1 ORDER BY h.created_at",
    )
    .bind(before_ms)
    .bind(HoldStatus::Open.name())
    .fetch_all(pool)
    .await?)
}

// The authorizer's set-oriented reads and writes: each serves a whole batch
// with one statement, keyed `IN (...)`.

/// These holds, locked in id order where the engine needs it.
pub fn holds_for_update(
    reads: &mut Reads<'_>,
    engine: Engine,
    process_ids: &[i64],
) -> Pending<HoldRow> {
    let sql = HoldRow::select(&format!(
        "process_id IN ({{in}}) ORDER BY process_id{}",
        engine.row_lock_clause()
    ));
    reads.push_in(&sql, 0, |q| q, process_ids)
}

/// Inserts holds, one statement per parameter limit.
pub fn insert_holds<'q>(script: &mut Script<'q>, holds: &'q [HoldRow]) {
    script.insert_table("", holds);
}
