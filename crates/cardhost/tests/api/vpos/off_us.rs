//! Payments on other issuers' cards through the test card network, and the reversals that make them crash safe.

use cardhost_service::scheduler::{self, Job, Outcome};

use super::*;

#[tokio::test]
async fn the_test_network_declines_by_the_amounts_last_digits() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    for (amount, expected) in [("10.51", "51"), ("10.05", "05"), ("10.54", "54")] {
        let body = s.sale(&format!("n-{amount}"), amount, &json!(OFF_US)).await;
        assert_eq!(
            (
                &body["Result"],
                code(&body),
                &body["ResultObject"]["Network"]
            ),
            (&json!(8), expected, &json!("OffUs")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn an_off_us_sale_is_approved_with_the_card_masked() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let ok = s.sale("n-ok", "10.00", &json!(OFF_US)).await;
    assert_eq!((&ok["Result"], code(&ok)), (&json!(0), "00"), "{ok}");
    assert_eq!(ok["ResultObject"]["MaskedCardNo"], "411111******1111");
}

/// The network's record of the authorization of `answer`'s process id.
async fn network_auth(app: &TestApp, answer: &Value) -> cardhost_store::vpos::NetworkAuthRow {
    cardhost_store::vpos::network_auth(app.host.db.reader(), process_id(answer))
        .await
        .unwrap()
        .unwrap()
}

fn process_id(answer: &Value) -> i64 {
    answer["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// That record's status.
async fn network_status(app: &TestApp, answer: &Value) -> String {
    network_auth(app, answer).await.status.name().to_owned()
}

/// A sale whose answer the network never gives (amount ending 91), with the
/// network refusing the first reversal; the sale's answer.
async fn lost_sale(app: &TestApp, s: &Shop<'_>) -> Value {
    app.host.test_network.refuse_next_reversals(1);
    s.sale("n-91", "10.91", &json!(OFF_US)).await
}

async fn sweep(app: &TestApp) -> (u64, u64) {
    let swept = cardhost_service::network::reverse_due(&app.host)
        .await
        .unwrap();
    (swept.acknowledged, swept.pending)
}

#[tokio::test]
async fn an_unanswered_sale_is_declined_91_though_the_network_took_it() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let lost = lost_sale(&app, &s).await;
    assert_eq!((&lost["Result"], code(&lost)), (&json!(8), "91"), "{lost}");
    assert_eq!(network_status(&app, &lost).await, "Captured");
    assert_eq!(order(&app, &s.vpos, "n-91").await["OrderStatus"], "Failed");
}

#[tokio::test]
async fn a_refused_reversal_stays_queued_until_the_network_acknowledges_it() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let lost = lost_sale(&app, &s).await;
    assert_eq!(sweep(&app).await, (0, 1));
    app.clock.advance(chrono::Duration::seconds(2));
    assert_eq!(sweep(&app).await, (1, 0));
    assert_eq!(network_status(&app, &lost).await, "Reversed");
    assert_eq!(sweep(&app).await, (0, 0), "nothing is reversed twice");
}

#[tokio::test]
async fn metrics_count_unanswered_calls_and_reversals() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    lost_sale(&app, &s).await;
    sweep(&app).await;
    app.clock.advance(chrono::Duration::seconds(2));
    sweep(&app).await;
    let metrics = app.raw_get("/metrics").await.text().await.unwrap();
    for line in [
        "cardhost_network_unanswered_total 2",
        "cardhost_network_reversals_refused_total 1",
        "cardhost_network_reversals_acknowledged_total 1",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn an_off_us_pre_sale_is_captured_and_refunded_through_the_network() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    s.pre_sale("n-pre", "40.00", &json!(OFF_US)).await;
    let post = s.post_sale("n-pre", json!({"Amount": dec("25.00")})).await;
    assert_eq!(post["Result"], 0, "{post}");
    let refund = s
        .refund("n-pre", json!({"Reference": "NR1", "Amount": dec("5.00")}))
        .await;
    assert_eq!(refund["Result"], 0, "{refund}");
    let o = order(&app, &s.vpos, "n-pre").await;
    assert_eq!(
        (money(&o["CapturedAmount"]), money(&o["RefundedAmount"])),
        ("25.00".into(), "5.00".into())
    );
}

#[tokio::test]
async fn an_off_us_void_is_reversed_at_the_network() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let ok = s.sale("n-ok", "10.00", &json!(OFF_US)).await;
    assert_eq!(s.void("n-ok").await["Result"], 0);
    sweep(&app).await;
    assert_eq!(network_status(&app, &ok).await, "Reversed");
}

#[tokio::test]
async fn off_us_payments_close_into_the_batch_from_network_clearing() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    s.sale("n-ok", "10.00", &json!(OFF_US)).await;
    s.void("n-ok").await;
    s.pre_sale("n-pre", "40.00", &json!(OFF_US)).await;
    s.post_sale("n-pre", json!({"Amount": dec("25.00")})).await;
    s.refund("n-pre", json!({"Reference": "NR1", "Amount": dec("5.00")}))
        .await;
    let closed = s
        .op(
            "BatchClose",
            json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL}),
        )
        .await;
    let r = &closed["ResultObject"];
    assert_eq!(
        (
            &r["SaleCount"],
            money(&r["SaleAmount"]),
            &r["RefundCount"],
            &r["VoidCount"]
        ),
        (&json!(1), "25.00".into(), &json!(1), &json!(1)),
        "{closed}"
    );
    ledger_ok(&app).await;
}

/// An off-us sale of 10.91 on `order_id`, cut off as a crash would cut it
/// once the network has its authorization and before any answer.
async fn sale_cut_off_at_the_network(app: &TestApp, order_id: &str) {
    let host = app.host.clone();
    let call = cardhost_service::Call {
        caller: cardhost_service::Caller {
            client_id: "crash-test".into(),
            scopes: cardhost_service::Scopes::of(&[cardhost_service::Scope::Vpos]),
            merchant_no: Some(MERCHANT.into()),
        },
        operation: "PaymentSale",
        request_id: String::new(),
    };
    let request = cardhost_service::vpos::payments::PaymentRequest {
        merchant_no: Some(MERCHANT.into()),
        terminal_no: Some(TERMINAL.into()),
        order_id: Some(order_id.into()),
        amount: Some(cardhost_domain::money::MajorAmount::from_json_number_text(
            "10.91",
        )),
        currency: Some(949),
        card: cardhost_service::issuer::card_ref::CardKey {
            card_no: Some(OFF_US.into()),
            card_token: None,
        },
        expiry_date: Some("2912".into()),
        cvv2: Some(cardhost_domain::secret::Cvv2::new("123")),
        ..Default::default()
    };
    let in_flight = tokio::spawn(async move {
        use cardhost_service::vpos::{payments, Entry, VposOp};
        payments::pay(&host, &call, VposOp::Sale, request, Entry::Direct).await
    });
    app.host.test_network.received.notified().await;
    in_flight.abort();
    assert!(in_flight.await.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn an_off_us_request_cut_off_by_a_crash_is_reversed_by_the_sweeper() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    sale_cut_off_at_the_network(&app, "crash-1").await;
    assert_eq!(
        order(&app, &s.vpos, "crash-1").await["OrderStatus"],
        "Created"
    );
    // Within twice the network timeout the request might still be waiting: untouched.
    assert_eq!(sweep(&app).await, (0, 0));
    app.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(sweep(&app).await, (1, 0));
    assert_eq!(
        order(&app, &s.vpos, "crash-1").await["OrderStatus"],
        "Failed"
    );
    let path = format!("/api/VPos/ListByOrderId?MerchantNo={MERCHANT}&OrderId=crash-1");
    let (_, list) = app.get(&path, &s.vpos).await;
    assert_eq!(
        list["ResultObject"],
        json!([]),
        "no transaction was ever answered"
    );
    let (status,): (String,) = sqlx::query_as("SELECT status FROM test_network_authorizations")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(status, "Reversed");
    ledger_ok(&app).await;
}

/// The queued reversal of `answer`'s sale: its attempts and status.
async fn queued_reversal(app: &TestApp, answer: &Value) -> (i64, String) {
    sqlx::query_as("SELECT attempts, status FROM network_reversals WHERE process_id = $1")
        .bind(process_id(answer))
        .fetch_one(&app.db().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reversal_still_waiting_at_shutdown_is_left_to_the_next_run_elsewhere() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let lost = s.sale("n-91", "10.91", &json!(OFF_US)).await;
    assert_eq!(queued_reversal(&app, &lost).await, (0, "Pending".into()));
    // An instance that would wait a minute for the network, far past the grace.
    let other = app
        .another_host_with(|c| c.network_timeout_ms = 60_000)
        .await;
    other.test_network.stall_next_reversals(1);
    let jobs = scheduler::start(other.clone());
    other.test_network.received.notified().await;
    jobs.stop(std::time::Duration::from_millis(100)).await;

    assert_eq!(
        queued_reversal(&app, &lost).await,
        (0, "Pending".into()),
        "the abandoned attempt left no trace"
    );
    assert_eq!(
        scheduler::run_once(&app.host, Job::NetworkReversals).await,
        Outcome::Ok,
        "the lease was given up"
    );
    assert_eq!(network_status(&app, &lost).await, "Reversed");
}

/// Authorizations the test network has recorded.
async fn network_authorizations(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM test_network_authorizations")
        .fetch_one(&app.db().await)
        .await
        .unwrap()
}

/// Every answer is approved and names the first answer's process.
fn all_answer_the_first_approval(answers: &[Value]) {
    let first = &answers[0]["ResultObject"]["ProcessId"];
    for body in answers {
        assert_eq!(
            (&body["Result"], &body["ResultObject"]["ProcessId"]),
            (&json!(0), first),
            "{body}"
        );
    }
}

#[tokio::test]
async fn concurrent_repeats_of_an_off_us_sale_ask_the_network_once() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let bodies = (0..20)
        .map(|_| pay_body("n-1", "10.00", &json!(OFF_US)))
        .collect();
    let answers = all_at_once(&app, &s.vpos, "PaymentSale", bodies).await;
    all_answer_the_first_approval(&answers);
    assert_eq!(network_authorizations(&app).await, 1);
}

#[tokio::test]
async fn concurrent_repeats_of_an_off_us_refund_refund_once() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let sold = s.sale("n-1", "10.00", &json!(OFF_US)).await;
    assert_eq!(sold["Result"], 0, "{sold}");
    let bodies = (0..10)
        .map(|_| follow("n-1", json!({"Reference": "r-1", "Amount": dec("3.00")})))
        .collect();
    let answers = all_at_once(&app, &s.vpos, "PaymentRefund", bodies).await;
    all_answer_the_first_approval(&answers);
    assert_eq!(network_auth(&app, &sold).await.refunded, 300);
}
