//! The authorizer: every financial request goes through one queue. A worker
//! takes what is waiting (up to a batch), decides the requests in order inside
//! one database transaction, commits once, and only then answers each caller:
//! the commit's fsync is shared by the batch, and "approved" is never heard
//! before it is durable. Concurrent requests on one card are decided one after
//! the other, so together they never spend more than is there: inside a batch
//! in order, across the batches of several workers (PostgreSQL) or instances
//! under the card's row lock.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use cardhost_domain::ledger::{Account, Unit};
use cardhost_store::{begin_on, ledger, AnyConnection, Engine, StoreError, WriterConnection};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::decide::{self, Env, Ids, TxOutcome, TxRequest};
use super::state::BatchState;
use super::writes::Writes;
use crate::host::{BatchPhase, Host};
use crate::ServiceError;

/// Requests decided in one transaction at most.
pub const MAX_BATCH: usize = 256;
/// Requests waiting at most; callers beyond it wait for room (backpressure).
pub const QUEUE_CAPACITY: usize = 10_000;
/// Ids reserved from the database at a time, at least, on SQLite. On
/// PostgreSQL each batch reserves just what it needs: instances sharing the
/// database then take ids in the order their batches start, so a card's or an
/// order's history in id order is the order it happened in.
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
    /// Starts `workers` workers on the one queue; they end when the host is
    /// dropped. With `own_thread` they run on a thread of their own.
    pub fn spawn(host: Weak<Host>, workers: usize, own_thread: bool) -> Authorizer {
        let (queue, rx) = mpsc::channel(QUEUE_CAPACITY);
        let shared = Arc::new(Shared {
            rx: Mutex::new(rx),
            queue: queue.downgrade(),
            ids: Mutex::new(IdBlocks::default()),
        });
        let workers = workers.max(1);
        let on_own_thread = own_thread
            && spawn_thread(&host, &shared, workers)
                .inspect_err(|e| tracing::error!(error = %e, "no thread for the authorizer; it runs on tokio's workers"))
                .is_ok();
        if !on_own_thread {
            for _ in 0..workers {
                tokio::spawn(run(host.clone(), shared.clone()));
            }
        }
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
        let unit = Unit::Money(product.currency);
        for account in Account::host_accounts(product.currency) {
            ledger::ensure_account(&mut tx, &account.name(), unit, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Process ids a request takes at most: a card-to-card transfer records two
/// transactions. (One transfer id at most.)
const PROCESS_IDS_PER_REQUEST: i64 = 2;

/// The process and transfer ids `requests` requests may take.
fn needs(requests: i64) -> (i64, i64) {
    (PROCESS_IDS_PER_REQUEST.saturating_mul(requests), requests)
}

impl IdBlocks {
    fn short_of(&self, requests: i64) -> bool {
        let (process, transfer) = needs(requests);
        !self.host_accounts_ready
            || self.process.1 - self.process.0 < process
            || self.transfer.1 - self.transfer.0 < transfer
    }

    /// Reserves new blocks where the kept ones are short; `shared_db` (several
    /// instances may share it): new blocks of just what the batch needs, so
    /// that histories keep their order across instances.
    async fn refill(
        &mut self,
        host: &Host,
        requests: i64,
        shared_db: bool,
    ) -> Result<(), StoreError> {
        let (process, transfer) = needs(requests);
        if shared_db {
            let blocks = [("process_id", process), ("transfer_id", transfer)];
            let [p, t] = ledger::reserve_id_blocks(host.db.writer(), blocks).await?;
            (self.process, self.transfer) = ((p, p + process), (t, t + transfer));
            return Ok(());
        }
        for (counter, block, needed) in [
            ("process_id", &mut self.process, process),
            ("transfer_id", &mut self.transfer, transfer),
        ] {
            if block.1 - block.0 < needed {
                let count = ID_BLOCK.max(needed);
                let first = ledger::reserve_ids(host.db.writer(), counter, count).await?;
                *block = (first, first + count);
            }
        }
        Ok(())
    }

    /// The next ids for `requests` requests, cut off the front.
    fn split(&mut self, requests: i64) -> IdBlocks {
        let (process, transfer) = needs(requests);
        let out = IdBlocks {
            process: (self.process.0, self.process.0 + process),
            transfer: (self.transfer.0, self.transfer.0 + transfer),
            host_accounts_ready: true,
        };
        self.process.0 += process;
        self.transfer.0 += transfer;
        out
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

/// Takes what is waiting, up to a batch; `None` once the queue has closed.
async fn next_batch(rx: &Mutex<mpsc::Receiver<Job>>) -> Option<Vec<Job>> {
    let mut rx = rx.lock().await;
    let mut batch = vec![rx.recv().await?];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// What the workers share: the queue, its sending side (to see it empty) and
/// the id blocks.
struct Shared {
    rx: Mutex<mpsc::Receiver<Job>>,
    queue: mpsc::WeakSender<Job>,
    ids: Mutex<IdBlocks>,
}

/// Runs the workers on a thread of their own; an error (the OS refused a
/// thread) leaves them to the caller, to run on tokio's workers.
fn spawn_thread(host: &Weak<Host>, shared: &Arc<Shared>, workers: usize) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (host, shared) = (host.clone(), shared.clone());
    std::thread::Builder::new()
        .name("authorizer".into())
        .spawn(move || {
            runtime.block_on(async move {
                let mut set = tokio::task::JoinSet::new();
                for _ in 0..workers {
                    set.spawn(run(host.clone(), shared.clone()));
                }
                while set.join_next().await.is_some() {}
            })
        })?;
    Ok(())
}

async fn run(host: Weak<Host>, shared: Arc<Shared>) {
    let mut kept = Kept::default();
    while let Some(batch) = next_batch(&shared.rx).await {
        let Some(host) = host.upgrade() else { break };
        process(&host, &shared.ids, &mut kept, batch).await;
        let idle = shared
            .queue
            .upgrade()
            .is_none_or(|q| q.capacity() == q.max_capacity());
        if idle {
            kept = Kept::default();
        }
    }
}

/// Ids for `requests` requests, cut from the shared blocks, so that batches
/// take ids in the order they start whichever worker runs them; host
/// accounts and new blocks go through the pool (so without the kept
/// connection).
async fn reserve(
    host: &Host,
    shared: &Mutex<IdBlocks>,
    kept: &mut Kept,
    requests: i64,
) -> Result<IdBlocks, StoreError> {
    let mut ids = shared.lock().await;
    let shared_db = host.db.engine() == Engine::Postgres;
    if shared_db || ids.short_of(requests) {
        if !shared_db {
            // SQLite's one writer connection is the kept one.
            *kept = Kept::default();
        }
        if !ids.host_accounts_ready {
            ensure_host_accounts(host).await?;
            ids.host_accounts_ready = true;
        }
        ids.refill(host, requests, shared_db).await?;
    }
    Ok(ids.split(requests))
}

async fn process(host: &Host, shared: &Mutex<IdBlocks>, kept: &mut Kept, batch: Vec<Job>) {
    let requests = i64::try_from(batch.len()).unwrap_or(i64::MAX);
    let mut ids = match reserve(host, shared, kept, requests).await {
        Ok(ids) => ids,
        Err(err) => return fail_all(batch, &err),
    };
    let conn = kept.get(host).await;
    let conn = match conn {
        Ok(conn) => conn,
        Err(err) => return fail_all(batch, &err),
    };
    let requests: Vec<&TxRequest> = batch.iter().map(|j| &j.request).collect();
    let decided = decide_all(host, &mut ids, conn, &requests).await;
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
        // again on its own, so one bad request cannot fail the others (and a
        // request alone that lost a race gets its tries too).
        Err(_) => {
            for job in batch {
                let outcome = match single(host, shared, kept, &job.request).await {
                    Ok(mut single) => single
                        .pop()
                        .unwrap_or_else(|| Err(ServiceError::Internal("no outcome".into()))),
                    Err(err) => Err(err),
                };
                let _ = job.reply.send(outcome);
            }
        }
    }
}

fn fail_all(batch: Vec<Job>, err: &StoreError) {
    for job in batch {
        let cause = format!("preparing a batch: {err}");
        let _ = job.reply.send(Err(ServiceError::Internal(cause)));
    }
}

/// Times a request decided on its own is tried: it can lose a race to a
/// batch of another worker (or instance) that wrote the same reference or
/// order first; its unique key then waits for that commit and fails, and
/// decided again it answers that first outcome.
const SINGLE_ATTEMPTS: usize = 3;

/// One request decided on its own, after its batch failed.
async fn single(
    host: &Host,
    shared: &Mutex<IdBlocks>,
    kept: &mut Kept,
    request: &TxRequest,
) -> Result<Vec<Result<TxOutcome, ServiceError>>, ServiceError> {
    let mut attempt = 1;
    loop {
        let mut ids = reserve(host, shared, kept, 1).await?;
        let conn = kept.get(host).await?;
        match decide_all(host, &mut ids, conn, &[request]).await {
            Ok(decided) => return Ok(decided),
            Err(err) => {
                *kept = Kept::default();
                if attempt == SINGLE_ATTEMPTS {
                    return Err(err);
                }
                attempt += 1;
            }
        }
    }
}

/// One transaction for all `requests`: load what they need, decide each in
/// order in memory, write every effect, commit. A refused request is an
/// `Err` in its slot; a database failure is an `Err` of the whole (nothing
/// committed).
///
/// On SQLite `BEGIN` goes in the text of the first reads and `COMMIT` at the
/// end of the write's, two round trips to its connection's thread fewer a
/// batch; a failure rolls back by hand. PostgreSQL's extended protocol takes
/// one statement at a time, so there the batch runs in sqlx's transaction.
async fn decide_all(
    host: &Host,
    ids: &mut IdBlocks,
    conn: &mut WriterConnection,
    requests: &[&TxRequest],
) -> Result<Vec<Result<TxOutcome, ServiceError>>, ServiceError> {
    let mut lap = Lap::start();
    let (outcomes, mut phases) = if host.db.engine() == Engine::Sqlite {
        let inline = Some(("BEGIN", "COMMIT"));
        let decided = decide_in(host, ids, conn, requests, inline, &mut lap).await;
        if decided.is_err() {
            // Nothing to roll back when the failure came before BEGIN ran.
            let _ = cardhost_store::rollback(conn).await;
        }
        decided?
    } else {
        let mut tx = begin_on(conn).await?;
        let decided = decide_in(host, ids, &mut tx, requests, None, &mut lap).await?;
        tx.commit().await.map_err(StoreError::from)?;
        decided
    };
    phases[3] = lap.next();
    // Counted only for a batch that committed.
    for (phase, spent) in BatchPhase::ALL.into_iter().zip(phases) {
        host.authorizer_stats.add_phase(phase, spent);
    }
    Ok(outcomes)
}

type Decided = Vec<Result<TxOutcome, ServiceError>>;

/// The batch on an open connection: `inline` gives the statements that open
/// and end its transaction in the first read and the write. Answers the
/// outcomes and the time of each phase (the commit's is the caller's).
async fn decide_in(
    host: &Host,
    ids: &mut IdBlocks,
    conn: &mut AnyConnection,
    requests: &[&TxRequest],
    inline: Option<(&'static str, &'static str)>,
    lap: &mut Lap,
) -> Result<(Decided, [Duration; 4]), ServiceError> {
    let env = Env::of(host);
    let (begin, commit) = (inline.map(|i| i.0), inline.map(|i| i.1));
    let mut state = BatchState::load(conn, host, requests, &env.business_date, begin).await?;
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
    writes.flush(conn, env.now_ms, commit).await?;
    let write = lap.next();
    Ok((outcomes, [load, decide, write, Duration::ZERO]))
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
