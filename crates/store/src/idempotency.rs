//! Caller references already used, with what they produced.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::{Pending, Reads, Script};
use crate::{StoreError, Tx};

#[derive(Debug, Clone)]
pub struct UsedReference {
    pub operation: String,
    pub request_digest: String,
    pub outcome: String,
}

pub async fn find(
    tx: &mut Tx<'_>,
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
    tx: &mut Tx<'_>,
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

/// A reference of a client, with what it produced.
#[derive(Debug, Clone)]
pub struct ReferenceRow {
    pub client_id: String,
    pub reference: String,
    pub used: UsedReference,
    pub created_at: i64,
}

/// The used references among these (client, reference) pairs.
pub fn find_many(reads: &mut Reads<'_>, keys: &[(String, String)]) -> Pending<ReferenceRow> {
    reads.push_pairs(
        "SELECT client_id, reference, operation, request_digest, outcome, created_at \
         FROM idempotency_keys WHERE (client_id, reference) IN {pairs}",
        keys,
    )
}

impl FromRow<'_, AnyRow> for ReferenceRow {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(ReferenceRow {
            client_id: r.try_get(0)?,
            reference: r.try_get(1)?,
            used: UsedReference {
                operation: r.try_get(2)?,
                request_digest: r.try_get(3)?,
                outcome: r.try_get(4)?,
            },
            created_at: r.try_get(5)?,
        })
    }
}

/// Records references; `Duplicate` when a concurrent call took one first.
pub fn insert_many<'q>(script: &mut Script<'q>, rows: &'q [ReferenceRow]) {
    script.insert(
        "idempotency_keys",
        &[
            "client_id",
            "reference",
            "operation",
            "request_digest",
            "outcome",
            "created_at",
        ],
        "",
        rows,
        |q, r| {
            q.bind(&r.client_id)
                .bind(&r.reference)
                .bind(&r.used.operation)
                .bind(&r.used.request_digest)
                .bind(&r.used.outcome)
                .bind(r.created_at)
        },
    );
}
