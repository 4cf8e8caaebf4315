//! Caller references already used, with what they produced.

use sqlx::Row;

use crate::{StoreError, Tx};

#[derive(Debug, Clone)]
pub struct UsedReference {
    pub operation: String,
    pub request_digest: String,
    pub outcome: String,
}

pub async fn find(
    tx: &mut Tx,
    client_id: &str,
    reference: &str,
) -> Result<Option<UsedReference>, StoreError> {
    let row = sqlx::query("SELECT operation, request_digest, outcome FROM idempotency_keys WHERE client_id = $1 AND reference = $2")
        .bind(client_id)
        .bind(reference)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(|r| UsedReference {
        operation: r.get(0),
        request_digest: r.get(1),
        outcome: r.get(2),
    }))
}

/// Records a reference; `Duplicate` when a concurrent call took it first.
pub async fn insert(
    tx: &mut Tx,
    client_id: &str,
    reference: &str,
    used: &UsedReference,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO idempotency_keys (client_id, reference, operation, request_digest, outcome, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(client_id)
    .bind(reference)
    .bind(&used.operation)
    .bind(&used.request_digest)
    .bind(&used.outcome)
    .bind(now_ms)
    .execute(&mut **tx)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}
