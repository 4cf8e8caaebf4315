//! Caller references already used, with what they produced.

use cardhost_macros::Table;
use sqlx::FromRow;

use crate::table::{self, Table};
use crate::{Pending, Reads, Script};
use crate::{StoreError, Tx};

/// What a used reference produced, and the request it was used for.
#[derive(Debug, Clone)]
pub struct UsedReference {
    pub operation: String,
    pub request_digest: String,
    pub outcome: String,
}

/// A reference of a client, with what it produced.
#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "idempotency_keys")]
pub struct ReferenceRow {
    pub client_id: String,
    pub reference: String,
    pub operation: String,
    pub request_digest: String,
    pub outcome: String,
    pub created_at: i64,
}

impl ReferenceRow {
    pub fn new(client_id: &str, reference: &str, used: UsedReference, created_at: i64) -> Self {
        ReferenceRow {
            client_id: client_id.to_owned(),
            reference: reference.to_owned(),
            operation: used.operation,
            request_digest: used.request_digest,
            outcome: used.outcome,
            created_at,
        }
    }

    pub fn into_used(self) -> UsedReference {
        UsedReference {
            operation: self.operation,
            request_digest: self.request_digest,
            outcome: self.outcome,
        }
    }
}

const BY_CALLER: &str = "client_id = $1 AND reference = $2";

pub async fn find(
    tx: &mut Tx<'_>,
    client_id: &str,
    reference: &str,
) -> Result<Option<UsedReference>, StoreError> {
    let row: Option<ReferenceRow> =
        table::find(&mut **tx, BY_CALLER, &[client_id, reference]).await?;
    Ok(row.map(ReferenceRow::into_used))
}

/// Records a reference; `Duplicate` when a concurrent call took it first.
pub async fn insert(
    tx: &mut Tx<'_>,
    client_id: &str,
    reference: &str,
    used: &UsedReference,
    now_ms: i64,
) -> Result<(), StoreError> {
    let row = ReferenceRow::new(client_id, reference, used.clone(), now_ms);
    table::insert(tx, &row).await
}

/// The used references among these (client, reference) pairs.
pub fn find_many(reads: &mut Reads<'_>, keys: &[(String, String)]) -> Pending<ReferenceRow> {
    reads.push_pairs(
        &ReferenceRow::select("(client_id, reference) IN {pairs}"),
        keys,
    )
}

/// Records references; `Duplicate` when a concurrent call took one first.
pub fn insert_many<'q>(script: &mut Script<'q>, rows: &'q [ReferenceRow]) {
    script.insert_table("", rows);
}
