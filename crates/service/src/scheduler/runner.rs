//! Running the jobs: one task a job, each waiting for its next run, its
//! wake-up or the shutdown, and running under the job's lease.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cardhost_store::jobs as leases;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{backoff, Job, Outcome};
use crate::host::Host;

/// The longest a run may take before another instance may take its job
/// over: far above any run's length, short enough to recover from a crash.
const LEASE: Duration = Duration::from_secs(300);
/// How often a waiting job looks at the clock: an injected clock moved by a
/// test is noticed within this.
const TICK: Duration = Duration::from_secs(1);

/// The started scheduler.
pub struct Running {
    host: Arc<Host>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Starts every job; the first runs at once.
pub fn start(host: Arc<Host>) -> Running {
    let (stop, stopped) = watch::channel(false);
    let now = host.clock.now_ms();
    for job in Job::ALL {
        host.scheduler.change(job, |s| s.next_run_at = now);
    }
    let tasks = Job::ALL
        .into_iter()
        .map(|job| tokio::spawn(job_loop(host.clone(), job, stopped.clone())))
        .collect();
    Running { host, stop, tasks }
}

impl Running {
    /// Starts no new run. A run in flight may finish within `grace`; after
    /// that it is abandoned and its lease given up, so that the next run, here
    /// or on another instance, picks its work up (every job's work is safe to
    /// do again).
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let mut tasks = self.tasks;
        let all = join_all(&mut tasks);
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("background jobs still running at shutdown were abandoned; their next run picks them up");
            for task in &tasks {
                task.abort();
            }
        }
        for job in Job::ALL {
            let released = leases::release(
                self.host.db.writer(),
                job.name(),
                &self.host.scheduler.instance,
            )
            .await;
            if let Err(err) = released {
                tracing::warn!(job = job.name(), error = %err, "could not give the job's lease up; it runs out by itself");
            }
        }
    }
}

async fn join_all(tasks: &mut [JoinHandle<()>]) {
    for task in tasks.iter_mut() {
        let _ = task.await;
    }
}

async fn job_loop(host: Arc<Host>, job: Job, mut stopped: watch::Receiver<bool>) {
    while wait_until_due(&host, job, &mut stopped).await {
        run_once(&host, job).await;
    }
}

/// Waits for the job's next run, or its wake-up; false on shutdown.
async fn wait_until_due(host: &Host, job: Job, stopped: &mut watch::Receiver<bool>) -> bool {
    let never = tokio::sync::Notify::new();
    let wakeup = job.wakeup(host).unwrap_or(&never);
    loop {
        if *stopped.borrow() {
            return false;
        }
        let left = host.scheduler.next_run_at(job) - host.clock.now_ms();
        if left <= 0 {
            return true;
        }
        let nap = TICK.min(Duration::from_millis(u64::try_from(left).unwrap_or(0)));
        tokio::select! {
            _ = tokio::time::sleep(nap) => {}
            _ = wakeup.notified() => return true,
            _ = stopped.changed() => return false,
        }
    }
}

/// One run of `job` under its lease, recorded in the scheduler's status.
pub async fn run_once(host: &Host, job: Job) -> Outcome {
    let scheduler = &host.scheduler;
    let started_at = host.clock.now_ms();
    let until = started_at + i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX);
    let leased = leases::acquire(
        host.db.writer(),
        job.name(),
        &scheduler.instance,
        started_at,
        until,
    )
    .await;
    let result = match leased {
        Ok(false) => {
            finish(host, job, started_at, Duration::ZERO, Ok(None));
            return Outcome::Skipped;
        }
        Ok(true) => {
            scheduler.change(job, |s| s.running = true);
            let clock = Instant::now();
            let result = job.run(host).await;
            let _ = leases::release(host.db.writer(), job.name(), &scheduler.instance).await;
            (result.map(Some), clock.elapsed())
        }
        Err(err) => (Err(err.into()), Duration::ZERO),
    };
    let (result, took) = result;
    let outcome = if result.is_ok() {
        Outcome::Ok
    } else {
        Outcome::Failed
    };
    finish(host, job, started_at, took, result);
    outcome
}

/// Records a run's end: `Ok(None)` when another instance held the lease.
fn finish(
    host: &Host,
    job: Job,
    started_at: i64,
    took: Duration,
    result: Result<Option<String>, crate::ServiceError>,
) {
    let now = host.clock.now_ms();
    let millis = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    host.scheduler.change(job, |s| {
        s.running = false;
        s.last_started_at = Some(started_at);
        s.last_duration = Some(took);
        match &result {
            Ok(done) => {
                s.last_outcome = Some(if done.is_some() {
                    Outcome::Ok
                } else {
                    Outcome::Skipped
                });
                s.last_message = done
                    .clone()
                    .unwrap_or_else(|| "another instance holds the job's lease".into());
                s.consecutive_failures = 0;
                s.next_run_at = now + millis(job.every());
            }
            Err(err) => {
                s.last_outcome = Some(Outcome::Failed);
                s.last_message = err.to_string();
                s.failures += 1;
                s.consecutive_failures += 1;
                s.next_run_at = now + millis(backoff(job.every(), s.consecutive_failures));
            }
        }
        s.runs += 1;
    });
    if let Err(err) = &result {
        tracing::error!(job = job.name(), error = %err, "background job failed; it is retried with backoff");
    }
    host.scheduler.finished.send_modify(|n| *n += 1);
}
