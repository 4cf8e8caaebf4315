//! Caller references: a repeat with the same content returns the first outcome,
//! the same reference with other content is `Result` 7 (spec README, Idempotency).

use cardhost_store::idempotency::{self, UsedReference};
use cardhost_store::Tx;
use sha2::{Digest, Sha256};

use crate::host::Call;
use crate::ServiceError;

/// Longest reference (spec README: 1 to 64 characters).
pub const REFERENCE_MAX_LEN: usize = 64;

pub fn check_reference(reference: &str) -> Result<(), ServiceError> {
    if reference.is_empty() || reference.chars().count() > REFERENCE_MAX_LEN {
        return Err(ServiceError::field(
            "Reference",
            "must be 1 to 64 characters",
        ));
    }
    Ok(())
}

/// A digest of the request's content (never stored in clear: it may name a card).
pub fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// The first outcome of this reference, if it was used with the same content.
pub async fn prior(
    tx: &mut Tx<'_>,
    call: &Call,
    reference: &str,
    digest: &str,
) -> Result<Option<String>, ServiceError> {
    match idempotency::find(tx, &call.caller.client_id, reference).await? {
        None => Ok(None),
        Some(used) if used.operation == call.operation && used.request_digest == digest => {
            Ok(Some(used.outcome))
        }
        Some(_) => Err(ServiceError::IdempotencyConflict(format!(
            "Reference {reference} was used before with different content"
        ))),
    }
}

pub async fn record(
    tx: &mut Tx<'_>,
    call: &Call,
    reference: &str,
    digest: &str,
    outcome: &str,
    now_ms: i64,
) -> Result<(), ServiceError> {
    let used = UsedReference {
        operation: call.operation.to_owned(),
        request_digest: digest.to_owned(),
        outcome: outcome.to_owned(),
    };
    Ok(idempotency::insert(tx, &call.caller.client_id, reference, &used, now_ms).await?)
}
