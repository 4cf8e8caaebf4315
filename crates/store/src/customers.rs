//! Customers: the key columns and the reference field set as a JSON document.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::{Engine, Pending, Reads, StoreError, Tx};

#[derive(Debug, Clone)]
pub struct CustomerRow {
    pub customer_no: String,
    /// The reference page's field set, serialized by the service layer.
    pub profile: String,
    pub credit_limit: i64,
    pub limit_currency: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

const COLUMNS: &str = "customer_no, profile, credit_limit, limit_currency, created_at, updated_at";

fn from_row(r: &AnyRow) -> CustomerRow {
    CustomerRow {
        customer_no: r.get(0),
        profile: r.get(1),
        credit_limit: r.get(2),
        limit_currency: r.get(3),
        created_at_ms: r.get(4),
        updated_at_ms: r.get(5),
    }
}

pub async fn insert(tx: &mut Tx<'_>, c: &CustomerRow) -> Result<(), StoreError> {
    insert_many(tx, std::slice::from_ref(c)).await
}

/// Inserts customers, one statement per parameter limit.
pub async fn insert_many(tx: &mut Tx<'_>, rows: &[CustomerRow]) -> Result<(), StoreError> {
    let columns: Vec<&str> = COLUMNS.split(',').map(str::trim).collect();
    crate::sql::insert_rows(tx, "customers", &columns, "", rows, |q, c| {
        q.bind(&c.customer_no)
            .bind(&c.profile)
            .bind(c.credit_limit)
            .bind(c.limit_currency)
            .bind(c.created_at_ms)
            .bind(c.updated_at_ms)
    })
    .await
}

pub async fn get(pool: &AnyPool, customer_no: &str) -> Result<Option<CustomerRow>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM customers WHERE customer_no = $1"
    ))
    .bind(customer_no)
    .fetch_optional(pool)
    .await?;
    Ok(row.as_ref().map(from_row))
}

/// The row inside a write transaction (read-modify-write of an update).
pub async fn get_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    customer_no: &str,
) -> Result<Option<CustomerRow>, StoreError> {
    let lock = engine.row_lock_clause();
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM customers WHERE customer_no = $1{lock}"
    ))
    .bind(customer_no)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn update(tx: &mut Tx<'_>, c: &CustomerRow) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE customers SET profile = $2, credit_limit = $3, limit_currency = $4, updated_at = $5 \
         WHERE customer_no = $1",
    )
    .bind(&c.customer_no)
    .bind(&c.profile)
    .bind(c.credit_limit)
    .bind(c.limit_currency)
    .bind(c.updated_at_ms)
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
