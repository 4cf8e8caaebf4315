//! Writing the audit log: successes inside the operation's own transaction (so
//! the record and the change commit together), refusals in a transaction of their own.

use cardhost_store::audit;
use cardhost_store::Tx;

use crate::host::{Call, Host};
use crate::ServiceError;

pub(crate) fn record(
    host: &Host,
    call: &Call,
    object_key: Option<&str>,
    result: i64,
    detail: Option<&str>,
) -> audit::AuditRecord {
    record_at(host.clock.now_ms(), call, object_key, result, detail)
}

pub(crate) fn record_at(
    at_ms: i64,
    call: &Call,
    object_key: Option<&str>,
    result: i64,
    detail: Option<&str>,
) -> audit::AuditRecord {
    audit::AuditRecord {
        at: at_ms,
        client_id: Some(call.caller.client_id.clone()),
        operation: call.operation.to_owned(),
        object_key: object_key.map(str::to_owned),
        result,
        detail: detail.map(str::to_owned),
        request_id: Some(call.request_id.clone()),
    }
}

/// The success record of `call`, in the operation's transaction.
pub async fn success(
    tx: &mut Tx<'_>,
    host: &Host,
    call: &Call,
    object_key: &str,
) -> Result<(), ServiceError> {
    audit::append(tx, &record(host, call, Some(object_key), 0, None)).await?;
    Ok(())
}

/// A record with its outcome, in the caller's transaction (a financial
/// decision, approved or declined, commits with its audit record).
pub async fn record_in(
    tx: &mut Tx<'_>,
    host: &Host,
    call: &Call,
    object_key: &str,
    result: i64,
    detail: &str,
) -> Result<(), ServiceError> {
    audit::append(
        tx,
        &record(host, call, Some(object_key), result, Some(detail)),
    )
    .await?;
    Ok(())
}

/// The record of a refused or failed state-changing call. Best effort: a
/// failure to write it is logged, since the call's own answer must still go out.
pub async fn outcome(
    host: &Host,
    call: &Call,
    object_key: Option<&str>,
    result: i64,
    detail: &str,
) {
    let rec = record(host, call, object_key, result, Some(detail));
    let written = async {
        let mut tx = host.db.begin().await?;
        audit::append(&mut tx, &rec).await?;
        tx.commit().await?;
        Ok::<(), cardhost_store::StoreError>(())
    }
    .await;
    if let Err(err) = written {
        tracing::error!(operation = call.operation, error = %err, "audit record not written");
    }
}
