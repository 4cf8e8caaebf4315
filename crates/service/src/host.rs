//! The running host: database, security module, clock and settings, shared by
//! every request.

use std::path::PathBuf;
use std::sync::Arc;

use cardhost_crypto::SecurityModule;
use cardhost_domain::product::{default_products, CardProduct, CardType};
use cardhost_store::Db;

use crate::auth::AuthState;
use crate::caller::Caller;
use crate::clock::Clock;

/// Settings the service layer reads (the rest of the configuration stays in `main`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub token_ttl_minutes: i64,
    /// Card products: the defaults, then those of the configuration file.
    pub products: Vec<CardProduct>,
    /// Where the `log` SMS/e-mail provider writes, one JSON object a line.
    pub sms_log_file: PathBuf,
    /// Write one-time codes and PINs into that file in clear (development only).
    pub sms_log_secrets: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            token_ttl_minutes: 60,
            products: default_products(),
            sms_log_file: PathBuf::from("sms.log"),
            sms_log_secrets: false,
        }
    }
}

impl Settings {
    pub fn product(&self, code: &str) -> Option<&CardProduct> {
        self.products.iter().find(|p| p.code == code)
    }

    /// The first product of a card type: the default when a request names none.
    pub fn default_product(&self, card_type: CardType) -> Option<&CardProduct> {
        self.products.iter().find(|p| p.card_type == card_type)
    }
}

pub struct Host {
    pub db: Db,
    pub security: Arc<dyn SecurityModule>,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
    pub(crate) auth: AuthState,
    /// Wakes the outbox sender when a message is queued.
    pub outbox_wakeup: tokio::sync::Notify,
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
            outbox_wakeup: tokio::sync::Notify::new(),
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
