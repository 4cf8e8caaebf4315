//! Prometheus metrics: requests by operation and `Result`, latency by operation.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabel {
    operation: String,
}

/// Latency buckets from 100 µs doubling to about 3.3 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<OperationLabel, Histogram, fn() -> Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<OperationLabel, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "cardhost_http_requests",
            "API requests by operation and envelope Result code (none: not an envelope)",
            requests.clone(),
        );
        registry.register(
            "cardhost_http_request_duration_seconds",
            "Time from request to response, by operation",
            latency.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
        }
    }

    pub fn observe(&self, operation: &str, result: Option<i64>, elapsed: Duration) {
        let result = result.map_or_else(|| "none".to_owned(), |r| r.to_string());
        self.requests
            .get_or_create(&RequestLabels {
                operation: operation.to_owned(),
                result,
            })
            .inc();
        self.latency
            .get_or_create(&OperationLabel {
                operation: operation.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// The Prometheus text exposition of every metric, plus the authorizer's
    /// batch counters and the card network's (kept by the service layer as
    /// plain atomics).
    pub fn render_with(&self, host: &cardhost_service::Host) -> String {
        use std::sync::atomic::Ordering::Relaxed;
        let stats = &host.authorizer_stats;
        let network = &host.network_stats;
        let mut out = self.render();
        let counters = [
            (
                "cardhost_authorizer_batches_total",
                "counter",
                "Batches the authorizer committed",
                stats.batches.load(Relaxed),
            ),
            (
                "cardhost_authorizer_requests_total",
                "counter",
                "Financial requests decided in those batches",
                stats.requests.load(Relaxed),
            ),
            (
                "cardhost_authorizer_largest_batch",
                "gauge",
                "Most requests one batch has held",
                stats.largest_batch.load(Relaxed),
            ),
            (
                "cardhost_network_unanswered_total",
                "counter",
                "Card network calls (authorizations, captures, refunds, reversals) that timed out or failed",
                network.unanswered.load(Relaxed),
            ),
            (
                "cardhost_network_reversals_acknowledged_total",
                "counter",
                "Reversals the card network acknowledged",
                network.reversals_acknowledged.load(Relaxed),
            ),
            (
                "cardhost_network_reversals_refused_total",
                "counter",
                "Reversal attempts that failed and were queued for retry",
                network.reversals_refused.load(Relaxed),
            ),
        ];
        let eof = out.rfind("# EOF").unwrap_or(out.len());
        let mut extra = String::new();
        for (name, kind, help, value) in counters {
            extra.push_str(&format!(
                "# HELP {name} {help}.\n# TYPE {name} {kind}\n{name} {value}\n"
            ));
        }
        extra.push_str(&phase_counters(stats));
        extra.push_str(&job_gauges(&host.scheduler));
        out.insert_str(eof, &extra);
        out
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        if encode(&mut out, &registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Where the authorizer's committed batches spent their time, per phase.
fn phase_counters(stats: &cardhost_service::host::AuthorizerStats) -> String {
    let name = "cardhost_authorizer_phase_microseconds_total";
    let mut out = format!(
        "# HELP {name} Time the authorizer's committed batches spent loading, deciding, writing and committing (on SQLite the commit ends the write and is counted in it).\n# TYPE {name} counter\n"
    );
    for phase in cardhost_service::BatchPhase::ALL {
        out.push_str(&format!(
            "{name}{{phase=\"{}\"}} {}\n",
            phase.name(),
            stats.phase_micros(phase)
        ));
    }
    out
}

/// Each background job's runs, failures, last run, its length and outcome,
/// and its next run (times in Unix seconds of the host's clock).
fn job_gauges(scheduler: &cardhost_service::scheduler::Scheduler) -> String {
    use cardhost_service::scheduler::{JobStatus, Outcome};
    type Value = fn(&JobStatus) -> i64;
    let families: [(&str, &str, &str, Value); 7] = [
        ("cardhost_job_runs_total", "counter", "Runs of the job on this instance, skipped ones included", |s| i64::try_from(s.runs).unwrap_or(i64::MAX)),
        ("cardhost_job_failures_total", "counter", "Runs that failed (each is logged with its cause and retried with backoff)", |s| i64::try_from(s.failures).unwrap_or(i64::MAX)),
        ("cardhost_job_last_success", "gauge", "1 when the last run succeeded or another instance ran it, 0 when it failed or none ran yet", |s| i64::from(matches!(s.last_outcome, Some(Outcome::Ok | Outcome::Skipped)))),
        ("cardhost_job_running", "gauge", "1 while a run is in flight", |s| i64::from(s.running)),
        ("cardhost_job_last_run_timestamp_seconds", "gauge", "When the last run started; 0 before the first", |s| s.last_started_at.map_or(0, |ms| ms.div_euclid(1000))),
        ("cardhost_job_last_duration_milliseconds", "gauge", "How long the last run took", |s| s.last_duration.map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))),
        ("cardhost_job_next_run_timestamp_seconds", "gauge", "When the job runs next unless woken sooner; 0 while the scheduler is not started", |s| (s.next_run_at > 0).then_some(s.next_run_at).map_or(0, |ms| ms.div_euclid(1000))),
    ];
    let statuses = scheduler.snapshot();
    let mut out = String::new();
    for (name, kind, help, value) in families {
        out.push_str(&format!("# HELP {name} {help}.\n# TYPE {name} {kind}\n"));
        for s in &statuses {
            out.push_str(&format!(
                "{name}{{job=\"{}\"}} {}\n",
                s.job.name(),
                value(s)
            ));
        }
    }
    out
}
