//! Money on cards (spec ledger.md): the authorizer that decides and posts
//! every financial request, and the operations and reports built on it.

pub mod apply;
pub mod authorizer;
pub mod decide;
#[cfg(test)]
mod decision_table;
pub mod holds;
pub mod operations;
pub mod order;
pub mod reports;
#[doc(hidden)]
pub mod sample;
pub mod state;
pub mod view;
pub mod writes;

use cardhost_domain::ledger::{Transfer, Unit};

use crate::ServiceError;

/// The entries as a journal transfer; entries that do not balance are a
/// defect of the host, refused before anything is written.
pub fn balanced<A: Into<String>, U: Into<Unit>>(
    entries: impl IntoIterator<Item = (A, i64, U)>,
) -> Result<Transfer, ServiceError> {
    Transfer::new(entries).map_err(|e| ServiceError::Internal(format!("unbalanced transfer: {e}")))
}
