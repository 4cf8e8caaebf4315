//! The running host: database, security module, clock and settings, shared by
//! every request.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cardhost_crypto::SecurityModule;
use cardhost_domain::product::{default_products, CardProduct, CardType};
use cardhost_store::{Db, Engine};

use crate::auth::AuthState;
use crate::calendar::Calendar;
use crate::caller::Caller;
use crate::clock::Clock;
use crate::money::authorizer::Authorizer;
use crate::network::{CardNetwork, TestNetwork};

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
    /// Business days for daily limits and monthly load limits.
    pub calendar: Calendar,
    /// How long the host waits for the card network before answering `91`.
    pub network_timeout_ms: u64,
    /// Batches the authorizer decides at once; `None`: the engine's default
    /// ([`default_authorizer_workers`]).
    pub authorizer_workers: Option<usize>,
    /// Where browsers reach this host: the ACS pages' links start with it.
    pub public_url: String,
}

/// SQLite has one writer, so a second batch would only wait for it; on
/// PostgreSQL one batch loads while another writes or commits (the rows they
/// share are locked in one order), and three measured best on two cores.
pub fn default_authorizer_workers(engine: Engine) -> usize {
    match engine {
        Engine::Sqlite => 1,
        Engine::Postgres => 3,
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            token_ttl_minutes: 60,
            products: default_products(),
            sms_log_file: PathBuf::from("sms.log"),
            sms_log_secrets: false,
            calendar: Calendar::new("Europe/Istanbul").unwrap_or_else(|_| Calendar::utc()),
            network_timeout_ms: crate::network::DEFAULT_TIMEOUT_MS,
            authorizer_workers: None,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

impl Settings {
    pub fn product(&self, code: &str) -> Option<&CardProduct> {
        self.products.iter().find(|p| p.code == code)
    }

    /// The product of a stored card (`Internal` when configuration lost it).
    pub fn card_product(
        &self,
        code: &str,
        card_id: i64,
    ) -> Result<&CardProduct, crate::ServiceError> {
        self.product(code).ok_or_else(|| {
            crate::ServiceError::Internal(format!("card {card_id} has unknown product {code}"))
        })
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
    /// Every financial request goes through it.
    pub authorizer: Authorizer,
    pub authorizer_stats: AuthorizerStats,
    /// Where off-us cards go: the built-in `test` network.
    pub network: Arc<dyn CardNetwork>,
    /// The same network as its own type, for operators' and tests' controls.
    pub test_network: Arc<TestNetwork>,
    /// Wakes the reversal sweeper when a reversal is queued.
    pub reversal_wakeup: Arc<tokio::sync::Notify>,
    pub order_locks: crate::vpos::OrderLocks,
    pub network_stats: crate::network::NetworkStats,
    /// Merchants, terminals, profiles and the card of a card number.
    pub caches: crate::cache::Caches,
    /// The background jobs' status.
    pub scheduler: crate::scheduler::Scheduler,
}

/// Counters of the authorizer's batches, for `/metrics`.
#[derive(Debug, Default)]
pub struct AuthorizerStats {
    pub batches: AtomicU64,
    pub requests: AtomicU64,
    pub largest_batch: AtomicU64,
    /// Microseconds the committed batches spent in each [`BatchPhase`].
    pub phase_micros: [AtomicU64; BatchPhase::ALL.len()],
}

/// Where an authorizer batch's time goes, for the operator and the benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchPhase {
    /// Reading what the requests need.
    Load,
    /// The decisions, in memory.
    Decide,
    /// Sending every effect to the database.
    Write,
    /// The commit, with its fsync.
    Commit,
}

impl BatchPhase {
    pub const ALL: [BatchPhase; 4] = [
        BatchPhase::Load,
        BatchPhase::Decide,
        BatchPhase::Write,
        BatchPhase::Commit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BatchPhase::Load => "load",
            BatchPhase::Decide => "decide",
            BatchPhase::Write => "write",
            BatchPhase::Commit => "commit",
        }
    }
}

impl AuthorizerStats {
    pub fn phase_micros(&self, phase: BatchPhase) -> u64 {
        self.phase_micros[phase as usize].load(Ordering::Relaxed)
    }

    pub(crate) fn add_phase(&self, phase: BatchPhase, spent: std::time::Duration) {
        let micros = u64::try_from(spent.as_micros()).unwrap_or(u64::MAX);
        self.phase_micros[phase as usize].fetch_add(micros, Ordering::Relaxed);
    }
}

impl Host {
    /// The host, with its authorizer worker started (it holds only a weak
    /// reference, so dropping the host stops it).
    pub fn new(
        db: Db,
        security: Arc<dyn SecurityModule>,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Arc<Host> {
        let test_network = Arc::new(TestNetwork::new(db.clone(), clock.clone()));
        let workers = settings
            .authorizer_workers
            .unwrap_or_else(|| default_authorizer_workers(db.engine()));
        // On SQLite the authorizer is the one serial path. On a thread of its
        // own it no longer queues behind HTTP tasks on tokio's workers between
        // each of its steps: 13 to 33 % more sales/s (BENCHMARKS.md). On
        // PostgreSQL its connections' sockets belong to the main runtime.
        let own_thread = db.engine() == Engine::Sqlite;
        Arc::new_cyclic(|weak| Host {
            network: test_network.clone(),
            test_network,
            reversal_wakeup: Arc::new(tokio::sync::Notify::new()),
            order_locks: crate::vpos::OrderLocks::default(),
            network_stats: crate::network::NetworkStats::default(),
            caches: crate::cache::Caches::default(),
            scheduler: crate::scheduler::Scheduler::default(),
            db,
            security,
            clock,
            settings,
            auth: AuthState::default(),
            outbox_wakeup: tokio::sync::Notify::new(),
            authorizer: Authorizer::spawn(weak.clone(), workers, own_thread),
            authorizer_stats: AuthorizerStats::default(),
        })
    }

    pub(crate) fn metrics_batch(&self, size: usize) {
        let size = u64::try_from(size).unwrap_or(u64::MAX);
        self.authorizer_stats
            .batches
            .fetch_add(1, Ordering::Relaxed);
        self.authorizer_stats
            .requests
            .fetch_add(size, Ordering::Relaxed);
        self.authorizer_stats
            .largest_batch
            .fetch_max(size, Ordering::Relaxed);
    }
}

/// One API call as the service layer sees it: who, which operation, which request.
#[derive(Debug, Clone)]
pub struct Call {
    pub caller: Caller,
    pub operation: &'static str,
    pub request_id: String,
}
