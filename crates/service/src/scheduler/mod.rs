//! One scheduler for every background job of the host: recurring charges,
//! settlement, hold expiry, the SMS outbox and network reversals. Each job
//! runs under a lease row ([`cardhost_store::jobs`]), so with several
//! instances on one database each run happens once across the fleet. A
//! failed run is logged with its cause and retried with a growing backoff;
//! every job's last run, duration, outcome and next run are kept here for
//! `/metrics` and `ListJobs`. Times come from the host's clock.

mod jobs;
mod runner;

use std::sync::Mutex;
use std::time::Duration;

pub use jobs::Job;
pub use runner::{run_once, start, Running};

/// How a run of a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
    /// Another instance held the job's lease: it ran there.
    Skipped,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "Ok",
            Outcome::Failed => "Failed",
            Outcome::Skipped => "Skipped",
        }
    }
}

/// A job as the operator sees it.
#[derive(Debug, Clone)]
pub struct JobStatus {
    pub job: Job,
    pub running: bool,
    /// Clock milliseconds; none before the first run.
    pub last_started_at: Option<i64>,
    pub last_duration: Option<Duration>,
    pub last_outcome: Option<Outcome>,
    /// What the last run did, or why it failed.
    pub last_message: String,
    /// Clock milliseconds; 0 while the scheduler is not started.
    pub next_run_at: i64,
    pub runs: u64,
    pub failures: u64,
    pub consecutive_failures: u32,
}

/// The status of every job, and a signal for each run that ends.
pub struct Scheduler {
    /// Who holds a lease, in the lease table: this process.
    pub(crate) instance: String,
    states: Mutex<Vec<JobStatus>>,
    finished: tokio::sync::watch::Sender<u64>,
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler {
            instance: format!(
                "{}-{}",
                std::process::id(),
                cardhost_crypto::secret::random_secret(12)
            ),
            states: Mutex::new(
                Job::ALL
                    .iter()
                    .map(|&job| JobStatus {
                        job,
                        running: false,
                        last_started_at: None,
                        last_duration: None,
                        last_outcome: None,
                        last_message: String::new(),
                        next_run_at: 0,
                        runs: 0,
                        failures: 0,
                        consecutive_failures: 0,
                    })
                    .collect(),
            ),
            finished: tokio::sync::watch::channel(0).0,
        }
    }
}

impl Scheduler {
    /// Every job's status, in [`Job::ALL`]'s order.
    pub fn snapshot(&self) -> Vec<JobStatus> {
        self.states
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Counts the runs that ended (of every job), for whoever waits on one.
    pub fn finished_runs(&self) -> tokio::sync::watch::Receiver<u64> {
        self.finished.subscribe()
    }

    fn change(&self, job: Job, f: impl FnOnce(&mut JobStatus)) {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = states.iter_mut().find(|s| s.job == job) {
            f(s);
        }
    }

    fn next_run_at(&self, job: Job) -> i64 {
        let states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        states
            .iter()
            .find(|s| s.job == job)
            .map_or(0, |s| s.next_run_at)
    }
}

/// How long after a failure a job runs again: 5 s, doubling with each
/// failure in a row, never longer than its own period.
pub fn backoff(every: Duration, consecutive_failures: u32) -> Duration {
    let doubled =
        Duration::from_secs(5).saturating_mul(1 << consecutive_failures.clamp(1, 16) >> 1);
    doubled.min(every)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_seconds_up_to_the_jobs_period() {
        let hour = Duration::from_secs(3600);
        let waits: Vec<u64> = (1..=4).map(|n| backoff(hour, n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40]);
        assert_eq!(backoff(hour, 12), hour);
        assert_eq!(backoff(Duration::from_secs(2), 3), Duration::from_secs(2));
    }
}
