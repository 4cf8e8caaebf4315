//! Operator operations (scope `admin`).

use axum::extract::State;
use cardhost_domain::date::Timestamp;
use cardhost_service::caller::Scope;
use cardhost_service::money::reports;
use serde::Serialize;
use utoipa::ToSchema;

use crate::command::QueryCommand;
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
/// their entries, entries in their account's currency, holds equal to blocked
/// amounts, no overdrawn debit or prepaid account, one transfer or hold per
/// approved transaction, none per decline; and name any stored currency that
/// is neither points (0) nor an ISO 4217 currency, whose rows would not load.
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

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct JobResult {
    /// RecurringCharges, Settlement, HoldExpiry, SmsOutbox or NetworkReversals.
    #[schema(example = "RecurringCharges")]
    pub job: &'static str,
    /// Seconds between two runs when nothing wakes the job sooner.
    pub every_seconds: u64,
    pub running: bool,
    /// `yyyyMMddHHmmss` UTC; null before the first run.
    pub last_start: Option<Timestamp>,
    pub last_duration_ms: Option<u64>,
    /// Ok, Failed, or Skipped (another instance held the job's lease and ran it).
    pub last_outcome: Option<&'static str>,
    /// What the last run did, or why it failed.
    pub last_message: String,
    /// `yyyyMMddHHmmss` UTC; null while this instance's scheduler is not started.
    pub next_run: Option<Timestamp>,
    pub runs: u64,
    pub failures: u64,
    /// Failures since the last success: each doubles the wait before the
    /// next try, from 5 s up to the job's period.
    pub consecutive_failures: u32,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct JobsResult {
    pub jobs: Vec<JobResult>,
}

/// The background jobs of this instance: each one's last run, its duration
/// and outcome, and its next run. The same numbers are at `/metrics`.
#[utoipa::path(get, path = "/api/Admin/ListJobs", tag = "Operations", operation_id = "ListJobs", security(("token" = [])),
    responses((status = 200, description = "Result 0; 6 without the admin scope", body = Envelope<JobsResult>)))]
pub async fn list_jobs(command: QueryCommand) -> ApiResult {
    command
        .run(async |host, call, _| {
            call.caller.require(Scope::Admin)?;
            let jobs = host
                .scheduler
                .snapshot()
                .into_iter()
                .map(|s| JobResult {
                    job: s.job.name(),
                    every_seconds: s.job.every().as_secs(),
                    running: s.running,
                    last_start: s.last_started_at.map(Timestamp::from_millis),
                    last_duration_ms: s
                        .last_duration
                        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                    last_outcome: s.last_outcome.map(|o| o.name()),
                    last_message: s.last_message,
                    next_run: (s.next_run_at > 0).then(|| Timestamp::from_millis(s.next_run_at)),
                    runs: s.runs,
                    failures: s.failures,
                    consecutive_failures: s.consecutive_failures,
                })
                .collect();
            Ok(JobsResult { jobs })
        })
        .await
}
