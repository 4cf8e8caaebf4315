//! The scheduler of background jobs, as an operator sees it: `ListJobs`,
//! `/metrics`, and one run across instances under a job's lease.

use cardhost_service::scheduler::{self, Job, Outcome};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn list_jobs_shows_each_jobs_last_run_and_next_run() {
    let app = TestApp::spawn().await;
    // Each instance keeps its own.
    app.pin_to_first();
    scheduler::run_once(&app.host, Job::Settlement).await;
    let admin = app.admin_token().await;
    let (_, body) = app.get("/api/Admin/ListJobs", &admin).await;
    let jobs = body["ResultObject"]["Jobs"].as_array().unwrap();
    let names: Vec<&str> = jobs.iter().map(|j| j["Job"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "RecurringCharges",
            "Settlement",
            "HoldExpiry",
            "SmsOutbox",
            "NetworkReversals"
        ]
    );
    let settlement = &jobs[1];
    assert_eq!(
        [
            &settlement["LastStart"],
            &settlement["LastOutcome"],
            &settlement["NextRun"],
            &settlement["Runs"]
        ],
        [
            &json!("20260302093000"),
            &json!("Ok"),
            &json!("20260302103000"),
            &json!(1)
        ]
    );
    assert_eq!(
        settlement["LastMessage"],
        "0 merchants paid, 0 payments posted"
    );
    assert_eq!(jobs[0]["LastOutcome"], serde_json::Value::Null);
}

#[tokio::test]
async fn metrics_show_each_jobs_runs_and_next_run() {
    let app = TestApp::spawn().await;
    scheduler::run_once(&app.host, Job::HoldExpiry).await;
    let text = app.raw_get("/metrics").await.text().await.unwrap();
    let next = app.clock_ms() / 1000 + 3600;
    for line in [
        "cardhost_job_runs_total{job=\"HoldExpiry\"} 1".to_owned(),
        "cardhost_job_last_success{job=\"HoldExpiry\"} 1".to_owned(),
        "cardhost_job_runs_total{job=\"Settlement\"} 0".to_owned(),
        format!("cardhost_job_next_run_timestamp_seconds{{job=\"HoldExpiry\"}} {next}"),
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
}

#[tokio::test]
async fn a_job_another_instance_holds_is_skipped_until_its_lease_runs_out() {
    let app = TestApp::spawn().await;
    let now = app.clock_ms();
    let held = cardhost_store::jobs::acquire(
        app.host.db.writer(),
        "Settlement",
        "another-instance",
        now,
        now + 300_000,
    )
    .await
    .unwrap();
    assert!(held);
    assert_eq!(
        scheduler::run_once(&app.host, Job::Settlement).await,
        Outcome::Skipped
    );
    app.clock.advance(chrono::Duration::seconds(300));
    assert_eq!(
        scheduler::run_once(&app.host, Job::Settlement).await,
        Outcome::Ok
    );
}

#[tokio::test]
async fn list_jobs_needs_the_admin_scope() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let (status, body) = app.get("/api/Admin/ListJobs", &token).await;
    assert_result(status, &body, 403, 6);
}
