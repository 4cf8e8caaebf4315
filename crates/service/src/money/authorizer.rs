//! The authorizer: every financial request goes through one queue. A worker
//! takes what is waiting (up to a batch), decides the requests in order inside
//! one database transaction, commits once, and only then answers each caller:
//! the commit's fsync is shared by the batch, and "approved" is never heard
//! before it is durable. Concurrent requests on one card are decided one after
//! the other, so together they never spend more than is there.

use std::sync::Weak;
use std::time::{Duration, Instant};

use cardhost_domain::ledger::Account;
use cardhost_store::{begin_on, ledger, StoreError, WriterConnection};
use tokio::sync::{mpsc, oneshot};

use super::decide::{self, Env, Ids, TxOutcome, TxRequest};
use super::state::BatchState;
use super::writes::Writes;
use crate::host::{BatchPhase, Host};
use crate::ServiceError;

/// Requests decided in one transaction at most.
pub const MAX_BATCH: usize = 256;
/// Requests waiting at most; callers beyond it wait for room (backpressure).
pub const QUEUE_CAPACITY: usize = 10_000;
/// Ids reserved from the database at a time (a process and a transfer id per request).
const ID_BLOCK: i64 = 1_000;
/// How long the worker keeps the writer connection while requests keep
/// coming: at most this long another writer waits for it (on SQLite the
/// writer pool is one connection).
const HOLD: Duration = Duration::from_millis(20);

struct Job {
    request: TxRequest,
    reply: oneshot::Sender<Result<TxOutcome, ServiceError>>,
}

#[derive(Clone)]
pub struct Authorizer {
    queue: mpsc::Sender<Job>,
}

impl Authorizer {
    /// Starts the worker; it ends when the host is dropped.
    pub fn spawn(host: Weak<Host>) -> Authorizer {
        let (queue, rx) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(run(host, rx));
        Authorizer { queue }
    }

    /// Decides `request`; returns once its outcome is committed.
    pub async fn submit(&self, request: TxRequest) -> Result<TxOutcome, ServiceError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job { request, reply })
            .await
            .map_err(|_| ServiceError::Internal("the authorizer has stopped".into()))?;
        answer
            .await
            .map_err(|_| ServiceError::Internal("the authorizer dropped a request".into()))?
    }
}

/// Consecutive ids from blocks reserved in the database, so several instances
/// sharing a PostgreSQL database never hand out the same one.
#[derive(Default)]
struct IdBlocks {
    process: (i64, i64),
    transfer: (i64, i64),
    host_accounts_ready: bool,
}

/// Makes sure the host accounts of every product currency exist, in a
/// transaction of their own (batches then only post to them).
async fn ensure_host_accounts(host: &Host) -> Result<(), StoreError> {
    let mut tx = host.db.begin().await?;
    let now = host.clock.now_ms();
    for product in &host.settings.products {
        let currency = i64::from(product.currency.numeric());
        for account in Account::host_accounts(currency) {
            ledger::ensure_account(&mut tx, &account.name(), currency, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

impl IdBlocks {
    fn short_of(&self, needed: i64) -> bool {
        !self.host_accounts_ready
            || self.process.1 - self.process.0 < needed
            || self.transfer.1 - self.transfer.0 < needed
    }

    async fn refill(&mut self, host: &Host, needed: i64) -> Result<(), StoreError> {
        for (counter, block) in [
            ("process_id", &mut self.process),
            ("transfer_id", &mut self.transfer),
        ] {
            if block.1 - block.0 < needed {
                let count = ID_BLOCK.max(needed);
                let first = ledger::reserve_ids(host.db.writer(), counter, count).await?;
                *block = (first, first + count);
            }
        }
        Ok(())
    }
}

impl Ids for IdBlocks {
    fn next_process_id(&mut self) -> i64 {
        self.process.0 += 1;
        self.process.0 - 1
    }

    fn next_transfer_id(&mut self) -> i64 {
        self.transfer.0 += 1;
        self.transfer.0 - 1
    }
}

/// The writer connection the worker keeps between batches, and since when.
#[derive(Default)]
struct Kept(Option<(WriterConnection, Instant)>);

impl Kept {
    async fn get(&mut self, host: &Host) -> Result<&mut WriterConnection, StoreError> {
        if self
            .0
            .as_ref()
            .is_some_and(|(_, since)| since.elapsed() > HOLD)
        {
            self.0 = None;
        }
        if self.0.is_none() {
            self.0 = Some((host.db.writer_connection().await?, Instant::now()));
        }
        match &mut self.0 {
            Some((conn, _)) => Ok(conn),
            None => Err(StoreError::Malformed("no writer connection".into())),
        }
    }
}

async fn run(host: Weak<Host>, mut rx: mpsc::Receiver<Job>) {
    let mut ids = IdBlocks::default();
    let mut kept = Kept::default();
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let Some(host) = host.upgrade() else { break };
        process(&host, &mut ids, &mut kept, batch).await;
        if rx.is_empty() {
            kept = Kept::default();
        }
    }
}

/// Host accounts and id blocks, through the pool (so without the kept connection).
async fn prepare(
    host: &Host,
    ids: &mut IdBlocks,
    kept: &mut Kept,
    needed: i64,
) -> Result<(), StoreError> {
    if !ids.short_of(needed) {
        return Ok(());
    }
    *kept = Kept::default();
    if !ids.host_accounts_ready {
        ensure_host_accounts(host).await?;
        ids.host_accounts_ready = true;
    }
    ids.refill(host, needed).await
}

async fn process(host: &Host, ids: &mut IdBlocks, kept: &mut Kept, batch: Vec<Job>) {
    let needed = i64::try_from(batch.len()).unwrap_or(i64::MAX);
    let conn = match prepare(host, ids, kept, needed).await {
        Ok(()) => kept.get(host).await,
        Err(err) => Err(err),
    };
    let conn = match conn {
        Ok(conn) => conn,
        Err(err) => {
            for job in batch {
                let _ = job.reply.send(Err(ServiceError::Internal(format!(
                    "preparing a batch: {err}"
                ))));
            }
            return;
        }
    };
    let requests: Vec<&TxRequest> = batch.iter().map(|j| &j.request).collect();
    let decided = decide_all(host, ids, conn, &requests).await;
    if decided.is_err() {
        // The connection may be what failed: the next batch takes a fresh one.
        *kept = Kept::default();
    }
    match decided {
        Ok(outcomes) => {
            host.metrics_batch(batch.len());
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let _ = job.reply.send(outcome);
            }
        }
        // The whole batch rolled back (a database error): decide each request
        // again on its own, so one bad request cannot fail the others.
        Err(_) if batch.len() > 1 => {
            for job in batch {
                let outcome = match single(host, ids, kept, &job.request).await {
                    Ok(mut single) => single
                        .pop()
                        .unwrap_or_else(|| Err(ServiceError::Internal("no outcome".into()))),
                    Err(err) => Err(err),
                };
                let _ = job.reply.send(outcome);
            }
        }
        Err(err) => {
            for job in batch {
                let _ = job.reply.send(Err(ServiceError::Internal(err.to_string())));
            }
        }
    }
}

/// One request decided on its own, after its batch failed.
async fn single(
    host: &Host,
    ids: &mut IdBlocks,
    kept: &mut Kept,
    request: &TxRequest,
) -> Result<Vec<Result<TxOutcome, ServiceError>>, ServiceError> {
    let conn = kept.get(host).await?;
    let decided = decide_all(host, ids, conn, &[request]).await;
    if decided.is_err() {
        *kept = Kept::default();
    }
    decided
}

/// One transaction for all `requests`: load what they need, decide each in
/// order in memory, write every effect, commit. A refused request is an
/// `Err` in its slot; a database failure is an `Err` of the whole (nothing
/// committed).
async fn decide_all(
    host: &Host,
    ids: &mut IdBlocks,
    conn: &mut WriterConnection,
    requests: &[&TxRequest],
) -> Result<Vec<Result<TxOutcome, ServiceError>>, ServiceError> {
    let env = Env::of(host);
    let now_ms = env.now_ms;
    let mut lap = Lap::start();
    let mut tx = begin_on(conn).await?;
    let mut state = BatchState::load(&mut tx, host, requests, &env.business_date).await?;
    let load = lap.next();
    let mut writes = Writes::default();
    let mut outcomes = Vec::with_capacity(requests.len());
    for request in requests {
        match decide::authorize(&env, &mut state, &mut writes, request, ids) {
            Err(ServiceError::Internal(cause)) => return Err(ServiceError::Internal(cause)),
            other => outcomes.push(other),
        }
    }
    let decide = lap.next();
    writes.flush(&mut tx, now_ms).await?;
    let write = lap.next();
    tx.commit().await.map_err(StoreError::from)?;
    let commit = lap.next();
    // Counted only for a batch that committed.
    for (phase, spent) in BatchPhase::ALL
        .into_iter()
        .zip([load, decide, write, commit])
    {
        host.authorizer_stats.add_phase(phase, spent);
    }
    Ok(outcomes)
}

/// Consecutive stretches of one batch's time.
struct Lap(Instant);

impl Lap {
    fn start() -> Lap {
        Lap(Instant::now())
    }

    /// The time since the last call (or the start).
    fn next(&mut self) -> Duration {
        let now = Instant::now();
        now - std::mem::replace(&mut self.0, now)
    }
}
