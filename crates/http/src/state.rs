//! What every handler holds: the host, the metrics, the operation names; and
//! the audited section every state-changing call runs in.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use cardhost_service::{audit, Call, Host};

use crate::envelope::ApiResult;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub host: Arc<Host>,
    pub metrics: Arc<Metrics>,
    /// Registered (lower-case) path → the operation's API name (for metrics
    /// and audit) and its gate.
    pub(crate) operations: Arc<HashMap<String, crate::router::Route>>,
    /// One permit a request in flight ([`crate::router::MAX_IN_FLIGHT`]).
    pub(crate) in_flight: Arc<tokio::sync::Semaphore>,
}

/// Runs a state-changing operation; a refusal or failure is written to the
/// audit log too (a success writes its own record inside its transaction).
pub async fn audited(
    state: &AppState,
    call: &Call,
    f: impl Future<Output = ApiResult>,
) -> ApiResult {
    let out = f.await;
    if let Err(err) = &out {
        audit::outcome(&state.host, call, None, err.result, &err.description).await;
    }
    out
}
