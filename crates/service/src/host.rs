//! The running host: database, security module, clock and settings, shared by
//! every request.

use std::sync::Arc;

use cardhost_crypto::SecurityModule;
use cardhost_store::Db;

use crate::auth::AuthState;
use crate::caller::Caller;
use crate::clock::Clock;

/// Settings the service layer reads (the rest of the configuration stays in `main`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub token_ttl_minutes: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            token_ttl_minutes: 60,
        }
    }
}

pub struct Host {
    pub db: Db,
    pub security: Arc<dyn SecurityModule>,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
    pub(crate) auth: AuthState,
}

impl Host {
    pub fn new(
        db: Db,
        security: Arc<dyn SecurityModule>,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Arc<Host> {
        Arc::new(Host {
            db,
            security,
            clock,
            settings,
            auth: AuthState::default(),
        })
    }
}

/// One API call as the service layer sees it: who, which operation, which request.
#[derive(Debug, Clone)]
pub struct Call {
    pub caller: Caller,
    pub operation: &'static str,
    pub request_id: String,
}
