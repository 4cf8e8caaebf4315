//! The card network connector (spec ledger.md, "Off-us cards"): how the host
//! reaches the issuers of cards it did not issue, the built-in `test` network,
//! and the queue of reversals that are retried until the network acknowledges
//! them, so no off-us authorization outlives a timeout or a restart.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cardhost_domain::card::Pan;
use cardhost_domain::product::CardType;
use cardhost_domain::response as rc;
use cardhost_domain::status::{NetworkAuthStatus, OrderStatus, ReversalStatus};
use cardhost_domain::Currency;
use cardhost_store::vpos::{self, NetworkAuthRow};
use cardhost_store::{Db, StoreError};

use crate::clock::Clock;
use crate::host::Host;
use crate::ServiceError;

/// The test network's declines by the last two minor-unit digits of the
/// amount (ledger.md, "Off-us cards"); an amount ending in
/// [`TEST_UNANSWERED_ENDING`] gets no answer at all.
pub const TEST_AMOUNT_DECLINES: [(i64, &str); 3] = [
    (51, rc::INSUFFICIENT_FUNDS),
    (5, rc::DO_NOT_HONOUR),
    (54, rc::EXPIRED_CARD),
];
pub const TEST_UNANSWERED_ENDING: i64 = 91;

/// Default time the host waits for a network answer.
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
/// Longest wait between two attempts at an unacknowledged reversal.
const MAX_RETRY_MS: i64 = 300_000;
/// Reversals tried in one sweep.
const SWEEP_LIMIT: i64 = 500;

/// Why the network gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkError {
    /// No answer within `network_timeout_ms`.
    Timeout,
    /// The network could not be reached or refused the message.
    Unavailable(String),
}

impl std::fmt::Display for NetworkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetworkError::Timeout => f.write_str("no answer in time"),
            NetworkError::Unavailable(why) => write!(f, "unavailable: {why}"),
        }
    }
}

/// The network's answer to an authorization, refund or credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkAnswer {
    Approved { auth_code: String },
    Declined(&'static str),
}

/// What the network says about a card it routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardInfo {
    pub card_type: CardType,
    /// The issuing country, when the network knows it.
    pub country: Option<String>,
}

pub type NetFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, NetworkError>> + Send + 'a>>;

/// One message of the host to the network; `process_id` is the host's id of
/// the transaction, which the network echoes and reversals name.
#[derive(Debug, Clone, Copy)]
pub struct NetworkMessage {
    pub process_id: i64,
    pub amount: i64,
    pub currency: Currency,
}

/// A card network. A real one (ISO 8583 over TCP) implements the same calls.
pub trait CardNetwork: Send + Sync {
    fn name(&self) -> &'static str;
    fn card_info(&self, pan: &Pan) -> CardInfo;
    /// Authorizes `msg.amount`; `capture` false only holds it (a pre-sale).
    fn authorize<'a>(
        &'a self,
        pan: &'a Pan,
        msg: NetworkMessage,
        capture: bool,
    ) -> NetFuture<'a, NetworkAnswer>;
    /// Captures part or all of an earlier hold (`msg.process_id` is the hold's).
    fn capture(&self, msg: NetworkMessage) -> NetFuture<'_, NetworkAnswer>;
    /// Undoes an authorization completely; repeating it is harmless.
    fn reverse(&self, msg: NetworkMessage) -> NetFuture<'_, ()>;
    /// Returns money of a captured authorization (`original` is its process id).
    fn refund(&self, original: i64, msg: NetworkMessage) -> NetFuture<'_, NetworkAnswer>;
    /// Pushes money to a card (money send).
    fn credit<'a>(&'a self, pan: &'a Pan, msg: NetworkMessage) -> NetFuture<'a, NetworkAnswer>;
    /// 3-D Secure authentication of the cardholder; true when authenticated.
    fn authenticate<'a>(&'a self, pan: &'a Pan, msg: NetworkMessage) -> NetFuture<'a, bool>;
}

/// The built-in `test` network: approves every card except by the amount's
/// last two minor digits (`51`, `05`, `54` declined with that code, `91` never
/// answered). It keeps its own record of what it authorized, in the host's
/// database, so tests can see that nothing stays held.
pub struct TestNetwork {
    db: Db,
    clock: Arc<dyn Clock>,
    /// Reversals to refuse before acknowledging again (tests of the retry queue).
    refuse_reversals: AtomicU32,
    /// Reversals to leave unanswered (tests of a run cut off at shutdown).
    stall_reversals: AtomicU32,
    /// Signalled each time an authorization, or a reversal left unanswered,
    /// reaches the network (tests cut a call off at that point, as a crash or
    /// a shutdown would).
    pub received: tokio::sync::Notify,
}

impl TestNetwork {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> TestNetwork {
        TestNetwork {
            db,
            clock,
            refuse_reversals: AtomicU32::new(0),
            stall_reversals: AtomicU32::new(0),
            received: tokio::sync::Notify::new(),
        }
    }

    /// The next `n` reversals fail as if the network were down.
    pub fn refuse_next_reversals(&self, n: u32) {
        self.refuse_reversals.store(n, Ordering::SeqCst);
    }

    /// The next `n` reversals get no answer, as if it were lost on the way.
    pub fn stall_next_reversals(&self, n: u32) {
        self.stall_reversals.store(n, Ordering::SeqCst);
    }

    /// Takes one of the `n` left in `counter`; false when none is left.
    fn take(counter: &AtomicU32) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    fn amount_rule(amount: i64) -> Option<&'static str> {
        let ending = amount.rem_euclid(100);
        TEST_AMOUNT_DECLINES
            .iter()
            .find(|(end, _)| *end == ending)
            .map(|(_, code)| *code)
    }

    async fn record(&self, row: NetworkAuthRow) -> Result<(), NetworkError> {
        vpos::put_network_auth(self.db.writer(), &row)
            .await
            .map_err(|e| NetworkError::Unavailable(e.to_string()))
    }

    async fn existing(&self, process_id: i64) -> Result<Option<NetworkAuthRow>, NetworkError> {
        vpos::network_auth(self.db.writer(), process_id)
            .await
            .map_err(|e| NetworkError::Unavailable(e.to_string()))
    }

    fn approved(process_id: i64) -> NetworkAnswer {
        NetworkAnswer::Approved {
            auth_code: format!("T{:05}", process_id.rem_euclid(100_000)),
        }
    }
}

impl CardNetwork for TestNetwork {
    fn name(&self) -> &'static str {
        "test"
    }

    fn card_info(&self, _pan: &Pan) -> CardInfo {
        CardInfo {
            card_type: CardType::Credit,
            country: None,
        }
    }

    fn authorize<'a>(
        &'a self,
        _pan: &'a Pan,
        msg: NetworkMessage,
        capture: bool,
    ) -> NetFuture<'a, NetworkAnswer> {
        Box::pin(async move {
            if let Some(code) = Self::amount_rule(msg.amount) {
                return Ok(NetworkAnswer::Declined(code));
            }
            self.record(NetworkAuthRow {
                process_id: msg.process_id,
                amount: msg.amount,
                currency: msg.currency,
                captured: if capture { msg.amount } else { 0 },
                refunded: 0,
                status: if capture {
                    NetworkAuthStatus::Captured
                } else {
                    NetworkAuthStatus::Authorized
                },
                created_at: self.clock.now_ms(),
            })
            .await?;
            self.received.notify_one();
            if msg.amount.rem_euclid(100) == TEST_UNANSWERED_ENDING {
                // Authorized at the issuer, but the answer is lost on the way back.
                std::future::pending::<()>().await;
            }
            Ok(Self::approved(msg.process_id))
        })
    }

    fn capture(&self, msg: NetworkMessage) -> NetFuture<'_, NetworkAnswer> {
        Box::pin(async move {
            let Some(mut auth) = self.existing(msg.process_id).await? else {
                return Ok(NetworkAnswer::Declined(rc::INVALID_TRANSACTION));
            };
            if auth.status != NetworkAuthStatus::Authorized || msg.amount > auth.amount {
                return Ok(NetworkAnswer::Declined(rc::INVALID_TRANSACTION));
            }
            auth.captured = msg.amount;
            auth.status = NetworkAuthStatus::Captured;
            self.record(auth).await?;
            Ok(Self::approved(msg.process_id))
        })
    }

    fn reverse(&self, msg: NetworkMessage) -> NetFuture<'_, ()> {
        Box::pin(async move {
            if Self::take(&self.refuse_reversals) {
                return Err(NetworkError::Unavailable("test network refused".into()));
            }
            if Self::take(&self.stall_reversals) {
                self.received.notify_one();
                std::future::pending::<()>().await;
            }
            if let Some(mut auth) = self.existing(msg.process_id).await? {
                auth.status = NetworkAuthStatus::Reversed;
                self.record(auth).await?;
            }
            Ok(())
        })
    }

    fn refund(&self, original: i64, msg: NetworkMessage) -> NetFuture<'_, NetworkAnswer> {
        Box::pin(async move {
            let Some(mut auth) = self.existing(original).await? else {
                return Ok(NetworkAnswer::Declined(rc::INVALID_TRANSACTION));
            };
            if auth.refunded + msg.amount > auth.captured {
                return Ok(NetworkAnswer::Declined(rc::INVALID_AMOUNT));
            }
            auth.refunded += msg.amount;
            self.record(auth).await?;
            Ok(Self::approved(msg.process_id))
        })
    }

    fn credit<'a>(&'a self, _pan: &'a Pan, msg: NetworkMessage) -> NetFuture<'a, NetworkAnswer> {
        Box::pin(async move {
            Ok(match Self::amount_rule(msg.amount) {
                Some(code) => NetworkAnswer::Declined(code),
                None => Self::approved(msg.process_id),
            })
        })
    }

    fn authenticate<'a>(&'a self, _pan: &'a Pan, _msg: NetworkMessage) -> NetFuture<'a, bool> {
        Box::pin(async { Ok(true) })
    }
}

/// Counters of the network connector, for `/metrics`.
#[derive(Debug, Default)]
pub struct NetworkStats {
    /// Calls that got no answer in time or failed to reach the network.
    pub unanswered: AtomicU64,
    pub reversals_acknowledged: AtomicU64,
    pub reversals_refused: AtomicU64,
}

/// Runs a network call under the host's timeout.
pub async fn within<T>(host: &Host, call: NetFuture<'_, T>) -> Result<T, NetworkError> {
    let limit = Duration::from_millis(host.settings.network_timeout_ms);
    let answer = tokio::time::timeout(limit, call)
        .await
        .unwrap_or(Err(NetworkError::Timeout));
    if answer.is_err() {
        host.network_stats
            .unanswered
            .fetch_add(1, Ordering::Relaxed);
    }
    answer
}

/// What one sweep of the reversal queue did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepResult {
    pub acknowledged: u64,
    pub pending: u64,
}

/// Tries every reversal that is due: pending ones, and armed ones whose
/// request cannot still be waiting for an answer (it was cut off by a crash).
pub async fn reverse_due(host: &Host) -> Result<SweepResult, ServiceError> {
    let now = host.clock.now_ms();
    let cutoff =
        now - i64::try_from(host.settings.network_timeout_ms.saturating_mul(2)).unwrap_or(i64::MAX);
    let due = vpos::due_reversals(host.db.writer(), now, cutoff, SWEEP_LIMIT).await?;
    let mut result = SweepResult::default();
    for r in due {
        if r.status == ReversalStatus::Armed {
            fail_cut_off_order(host, &r).await?;
        }
        let msg = NetworkMessage {
            process_id: r.process_id,
            amount: r.amount,
            currency: r.currency,
        };
        let answer = within(host, host.network.reverse(msg)).await;
        let backoff = (1_000i64 << r.attempts.clamp(0, 20)).min(MAX_RETRY_MS);
        let error = answer.as_ref().err().map(ToString::to_string);
        vpos::reversal_attempted(
            host.db.writer(),
            r.process_id,
            answer.is_ok(),
            error.as_deref(),
            now,
            now + backoff,
        )
        .await?;
        let counter = if answer.is_ok() {
            &host.network_stats.reversals_acknowledged
        } else {
            &host.network_stats.reversals_refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if answer.is_ok() {
            result.acknowledged += 1;
        } else {
            tracing::warn!(process_id = r.process_id, error = ?error, "network reversal not acknowledged; will retry");
            result.pending += 1;
        }
    }
    Ok(result)
}

/// An order whose network request was cut off never got an outcome: it failed.
async fn fail_cut_off_order(host: &Host, r: &vpos::ReversalRow) -> Result<(), StoreError> {
    let mut tx = host.db.begin().await?;
    if let Some(mut order) =
        vpos::order_for_update(&mut tx, host.db.engine(), &r.merchant_no, &r.order_id).await?
    {
        if order.status == OrderStatus::Created {
            order.status = order.status.fail();
            order.updated_at = host.clock.now_ms();
            vpos::update_order(&mut tx, &order).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
