//! Operator operations (scope `admin`).

use axum::extract::State;
use cardhost_service::money::reports;
use serde::Serialize;
use utoipa::ToSchema;

use crate::envelope::{ok, ApiResult, Envelope};
use crate::extract::Authed;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct LedgerCheckResult {
    pub ok: bool,
    pub accounts: i64,
    pub entries: i64,
    /// Each broken invariant in a sentence; empty when `Ok`.
    pub violations: Vec<String>,
}

/// Evaluate the ledger's invariants now: balanced transfers, balances equal to
/// their entries, holds equal to blocked amounts, no overdrawn debit or prepaid
/// account, one transfer or hold per approved transaction, none per decline.
#[utoipa::path(get, path = "/api/Admin/CheckLedger", tag = "Operations", operation_id = "CheckLedger", security(("token" = [])),
    responses((status = 200, description = "Result 0 with the verdict; 6 without the admin scope", body = Envelope<LedgerCheckResult>)))]
pub async fn check_ledger(State(state): State<AppState>, authed: Authed) -> ApiResult {
    let call = authed.call();
    let c = reports::check_ledger(&state.host, &call).await?;
    Ok(ok(LedgerCheckResult {
        ok: c.ok,
        accounts: c.accounts,
        entries: c.entries,
        violations: c.violations,
    }))
}
