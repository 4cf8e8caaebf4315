//! What every handler holds: the host, the metrics, the operation names; and
//! the audited section every state-changing call runs in.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use cardhost_service::{audit, Call, Host};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::envelope::ApiResult;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub host: Arc<Host>,
    pub metrics: Arc<Metrics>,
    /// Registered (lower-case) path → the operation's API name (for metrics
    /// and audit) and its gate.
    pub(crate) operations: Arc<HashMap<String, crate::router::Route>>,
    pub(crate) in_flight: InFlight,
}

/// Requests the host handles at once, as the operator sized it; one more is
/// shed at once with 429 and `Result` 9 rather than queued without bound.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4_096;

/// The bound on requests in flight and the permits that count them.
#[derive(Clone)]
pub(crate) struct InFlight {
    pub(crate) bound: usize,
    permits: Arc<Semaphore>,
}

impl InFlight {
    pub(crate) fn new(bound: usize) -> InFlight {
        InFlight {
            bound,
            permits: Arc::new(Semaphore::new(bound)),
        }
    }

    /// A place for one more request, while the bound allows it.
    pub(crate) fn enter(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    /// The requests being handled now.
    pub(crate) fn now(&self) -> usize {
        self.bound - self.permits.available_permits()
    }
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
