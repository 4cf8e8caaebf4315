//! The append-only audit log.

use sqlx::Row;

use crate::Script;
use crate::{StoreError, Tx};

#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub at_ms: i64,
    pub client_id: Option<String>,
    pub operation: String,
    /// The object acted on: a customer number, a masked card, a client id.
    pub object_key: Option<String>,
    /// The envelope `Result` code of the call.
    pub result: i64,
    pub detail: Option<String>,
    pub request_id: Option<String>,
}

pub async fn append(tx: &mut Tx<'_>, rec: &AuditRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, client_id, operation, object_key, result, detail, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(rec.at_ms)
    .bind(rec.client_id.as_deref())
    .bind(&rec.operation)
    .bind(rec.object_key.as_deref())
    .bind(rec.result)
    .bind(rec.detail.as_deref())
    .bind(rec.request_id.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The newest `limit` records, newest first.
pub async fn recent(pool: &sqlx::AnyPool, limit: i64) -> Result<Vec<AuditRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT at, client_id, operation, object_key, result, detail, request_id \
         FROM audit_log ORDER BY audit_id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRecord {
            at_ms: r.get(0),
            client_id: r.get(1),
            operation: r.get(2),
            object_key: r.get(3),
            result: r.get(4),
            detail: r.get(5),
            request_id: r.get(6),
        })
        .collect())
}

/// Appends every record with one statement per parameter limit.
pub fn append_many<'q>(script: &mut Script<'q>, recs: &'q [AuditRecord]) {
    script.insert(
        "audit_log",
        &[
            "at",
            "client_id",
            "operation",
            "object_key",
            "result",
            "detail",
            "request_id",
        ],
        "",
        recs,
        |q, r| {
            q.bind(r.at_ms)
                .bind(r.client_id.as_deref())
                .bind(&r.operation)
                .bind(r.object_key.as_deref())
                .bind(r.result)
                .bind(r.detail.as_deref())
                .bind(r.request_id.as_deref())
        },
    );
}
