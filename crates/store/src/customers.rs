//! Customers: the key columns and the reference field set as a JSON document.

use cardhost_domain::money::Currency;
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table;
use crate::{Engine, Pending, Reads, StoreError, Tx};

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "customers")]
pub struct CustomerRow {
    pub customer_no: String,
    /// The reference page's field set, serialized by the service layer.
    pub profile: String,
    pub credit_limit: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub limit_currency: Currency,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert(tx: &mut Tx<'_>, c: &CustomerRow) -> Result<(), StoreError> {
    table::insert(tx, c).await
}

/// Inserts customers, one statement per parameter limit.
pub async fn insert_many(tx: &mut Tx<'_>, rows: &[CustomerRow]) -> Result<(), StoreError> {
    table::insert_all(tx, rows).await
}

pub async fn get(pool: &AnyPool, customer_no: &str) -> Result<Option<CustomerRow>, StoreError> {
    table::by_key(pool, customer_no).await
}

/// The row inside a write transaction (read-modify-write of an update).
pub async fn get_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    customer_no: &str,
) -> Result<Option<CustomerRow>, StoreError> {
    table::by_key_for_update(tx, engine, customer_no).await
}

pub async fn update(tx: &mut Tx<'_>, c: &CustomerRow) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE customers SET profile = $2, credit_limit = $3, limit_currency = $4, updated_at = $5 \
         WHERE customer_no = $1",
    )
    .bind(&c.customer_no)
    .bind(&c.profile)
    .bind(c.credit_limit)
    .bind(i64::from(c.limit_currency))
    .bind(c.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The credit limits of these customers, locked in key order where the engine needs it.
pub fn credit_limits_for_update(
    reads: &mut Reads<'_>,
    engine: Engine,
    customer_nos: &[String],
) -> Pending<(String, i64)> {
    let sql = format!(
        "SELECT customer_no, credit_limit FROM customers WHERE customer_no IN ({{in}}) ORDER BY customer_no{}",
        engine.row_lock_clause()
    );
    reads.push_in(&sql, 0, |q| q, customer_nos)
}
