//! The append-only audit log.

use cardhost_macros::Table;
use sqlx::FromRow;

use crate::table;
use crate::Script;
use crate::{StoreError, Tx};

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "audit_log")]
pub struct AuditRecord {
    /// Unix ms.
    pub at: i64,
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
    table::insert(tx, rec).await
}

/// Appends every record with one statement per parameter limit.
pub fn append_many<'q>(script: &mut Script<'q>, recs: &'q [AuditRecord]) {
    script.insert_table("", recs);
}
