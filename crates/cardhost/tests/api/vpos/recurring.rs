//! Recurring plans: a card of this host stored by the merchant and charged on
//! its schedule by `RunDueRecurring`, each payment once.

use cardhost_service::scheduler::{self, Job, JobStatus, Outcome};

use super::*;

/// A monthly plan of 10.00 from 2026-03-02 (the test clock's today) for 12
/// payments on `card`'s token, with `extra` fields over those.
fn plan_body(card: &Value, extra: Value) -> Value {
    let mut body = json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL,
        "CardToken": card["CardToken"], "Amount": dec("10.00"), "Currency": 949,
        "Frequency": "Monthly", "StartDate": "20260302", "NumberOfPayments": 12,
        "Description": "Gold membership"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// The card by number with its expiry and its right CVV2.
fn by_number(card: &Value) -> Value {
    let pan = card["CardNo"].as_str().unwrap();
    let expiry = card["ExpiryDate"].as_str().unwrap();
    let cvv2 = independent::visa_cvv(TEST_CVK, pan, expiry, "000");
    json!({"CardToken": null, "CardNo": pan, "ExpiryDate": expiry, "Cvv2": cvv2})
}

impl Shop<'_> {
    /// A plan made with `body`; its id.
    async fn plan(&self, body: Value) -> String {
        let made = self.op("CreateRecurring", body).await;
        assert_eq!(made["Result"], 0, "{made}");
        made["ResultObject"]["RecurringId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn get_plan(&self, id: &str) -> Value {
        let path = format!("/api/VPos/GetRecurring?MerchantNo={MERCHANT}&RecurringId={id}");
        let (_, body) = self.app.get(&path, &self.vpos).await;
        assert_eq!(body["Result"], 0, "{body}");
        body["ResultObject"].clone()
    }

    /// `RunDueRecurring` as of `date` (the clock stays: tokens stay fresh);
    /// its `[Attempted, Approved, Declined]`.
    async fn run_due(&self, date: &str) -> [i64; 3] {
        let admin = self.app.admin_token().await;
        let (_, body) = self
            .app
            .post(
                "/api/Admin/RunDueRecurring",
                &admin,
                json!({"AsOfDate": date}),
            )
            .await;
        assert_eq!(body["Result"], 0, "{body}");
        ["Attempted", "Approved", "Declined"].map(|k| body["ResultObject"][k].as_i64().unwrap())
    }

    fn payment_dates(plan: &Value) -> Vec<String> {
        plan["Payments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["PaymentDate"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn a_plan_starts_active_and_charges_nothing_when_made() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let made = s
        .op("CreateRecurring", plan_body(&card, by_number(&card)))
        .await;
    assert_eq!(made["Result"], 0, "{made}");
    let plan = &made["ResultObject"];
    assert_eq!(
        (&plan["RecurringStatus"], &plan["NextPaymentDate"]),
        (&json!("Active"), &json!("20260302"))
    );
    assert_eq!(plan["CardToken"], card["CardToken"]);
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn a_wrong_cvv2_makes_no_plan() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let mut body = plan_body(&card, by_number(&card));
    let right: u32 = body["Cvv2"].as_str().unwrap().parse().unwrap();
    body["Cvv2"] = json!(format!("{:03}", (right + 1) % 1000));
    let refused = s.op("CreateRecurring", body).await;
    assert_eq!((&refused["Result"], code(&refused)), (&json!(8), "N7"));
    let plans: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recurring_plans")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(plans, 0);
}

#[tokio::test]
async fn another_issuers_card_makes_no_plan() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let body = plan_body(
        &json!({}),
        json!({"CardToken": null, "CardNo": OFF_US, "ExpiryDate": "2912", "Cvv2": "123"}),
    );
    assert_eq!(s.op("CreateRecurring", body).await["Result"], 4);
}

#[tokio::test]
async fn a_start_date_in_the_past_names_the_field() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let body = plan_body(
        &card,
        json!({"StartDate": "20260301", "Frequency": "Yearly"}),
    );
    let refused = s.op("CreateRecurring", body).await;
    let mut fields = error_fields(&refused);
    fields.sort();
    assert_eq!(fields, ["Frequency", "StartDate"]);
}

#[tokio::test]
async fn a_monthly_plan_started_on_the_31st_pays_on_each_months_last_day() {
    let app = TestApp::spawn().await;
    // Back to 2026-01-31, before anything exists.
    app.clock.advance(chrono::Duration::days(-30));
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s
        .plan(plan_body(&card, json!({"StartDate": "20260131"})))
        .await;
    for date in ["20260131", "20260228", "20260331"] {
        assert_eq!(s.run_due(date).await, [1, 1, 0], "{date}");
    }
    let plan = s.get_plan(&id).await;
    assert_eq!(
        Shop::payment_dates(&plan),
        ["20260131", "20260228", "20260331"]
    );
    assert_eq!(plan["NextPaymentDate"], "20260430");
    assert_eq!(s.available(&card).await, "470.00");
}

#[tokio::test]
async fn a_weekly_plan_with_interval_2_moves_two_weeks_at_a_time() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let body = plan_body(
        &card,
        json!({"Frequency": "Weekly", "FrequencyInterval": 2}),
    );
    let id = s.plan(body).await;
    assert_eq!(s.run_due("20260302").await, [1, 1, 0]);
    assert_eq!(s.get_plan(&id).await["NextPaymentDate"], "20260316");
    assert_eq!(s.run_due("20260309").await, [0, 0, 0]);
    assert_eq!(s.run_due("20260316").await, [1, 1, 0]);
    assert_eq!(s.get_plan(&id).await["NextPaymentDate"], "20260330");
}

#[tokio::test]
async fn a_run_for_a_date_already_run_charges_nothing() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.plan(plan_body(&card, json!({}))).await;
    assert_eq!(s.run_due("20260302").await, [1, 1, 0]);
    assert_eq!(s.run_due("20260302").await, [0, 0, 0]);
    assert_eq!(s.available(&card).await, "490.00");
}

#[tokio::test]
async fn two_concurrent_runs_charge_each_due_payment_once() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let mut cards = Vec::new();
    for i in 0..5 {
        let card = issue(&app, &s.issuer, "Debit", json!({"IsVirtual": true})).await;
        load(&app, &s.issuer, &card, "500.00", &format!("L{i}")).await;
        s.plan(plan_body(&card, json!({}))).await;
        cards.push(card);
    }
    let (a, b) = tokio::join!(s.run_due("20260302"), s.run_due("20260302"));
    assert_eq!(a[1] + b[1], 5, "{a:?} {b:?}");
    for card in &cards {
        assert_eq!(s.available(card).await, "490.00");
    }
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_plan_whose_card_is_blocked_is_suspended_after_three_runs() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s
        .plan(plan_body(&card, json!({"Frequency": "Daily"})))
        .await;
    let body = json!({"CardToken": card["CardToken"], "CardStatus": "T", "StatusReason": "lost"});
    let (_, blocked) = app
        .post("/api/Integration/UpdateCardStatus", &s.issuer, body)
        .await;
    assert_eq!(blocked["Result"], 0, "{blocked}");
    for date in ["20260302", "20260303", "20260304"] {
        assert_eq!(s.run_due(date).await, [1, 0, 1], "{date}");
    }
    let plan = s.get_plan(&id).await;
    assert_eq!(
        (&plan["RecurringStatus"], &plan["DeclinesInRow"]),
        (&json!("Suspended"), &json!(3))
    );
    assert_eq!(s.run_due("20260305").await, [0, 0, 0]);
}

#[tokio::test]
async fn a_charge_the_profile_does_not_allow_is_declined_58() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.plan(plan_body(&card, json!({}))).await;
    s.allow_only(json!(["Sale", "Void", "Refund"])).await;
    assert_eq!(s.run_due("20260302").await, [1, 0, 1]);
    assert_eq!(s.get_plan(&id).await["Payments"][0]["ResponseCode"], "58");
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn a_new_card_makes_a_suspended_plan_active_again() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let empty = s.funded_debit("1.00").await;
    let id = s
        .plan(plan_body(&empty, json!({"Frequency": "Daily"})))
        .await;
    for date in ["20260302", "20260303", "20260304"] {
        s.run_due(date).await;
    }
    let card = issue(&app, &s.issuer, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &s.issuer, &card, "500.00", "L2").await;
    let mut change = by_number(&card);
    change["MerchantNo"] = json!(MERCHANT);
    change["RecurringId"] = json!(id);
    let (_, updated) = app.put("/api/VPos/UpdateRecurring", &s.vpos, change).await;
    assert_eq!(updated["Result"], 0, "{updated}");
    assert_eq!(updated["ResultObject"]["RecurringStatus"], "Active");
    assert_eq!(s.run_due("20260305").await, [1, 1, 0]);
    assert_eq!(s.available(&card).await, "490.00");
}

#[tokio::test]
async fn an_updated_amount_and_date_apply_to_the_next_payment() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.plan(plan_body(&card, json!({}))).await;
    let change = json!({"MerchantNo": MERCHANT, "RecurringId": id,
        "Amount": dec("25.00"), "NextPaymentDate": "20260310"});
    let (_, updated) = app.put("/api/VPos/UpdateRecurring", &s.vpos, change).await;
    assert_eq!(updated["ResultObject"]["NextPaymentDate"], "20260310");
    assert_eq!(s.run_due("20260309").await, [0, 0, 0]);
    assert_eq!(s.run_due("20260310").await, [1, 1, 0]);
    assert_eq!(s.available(&card).await, "475.00");
    assert_eq!(s.get_plan(&id).await["NextPaymentDate"], "20260410");
}

#[tokio::test]
async fn a_cancelled_plan_is_not_charged() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.plan(plan_body(&card, json!({}))).await;
    let cancelled = s
        .op(
            "CancelRecurring",
            json!({"MerchantNo": MERCHANT, "RecurringId": id}),
        )
        .await;
    assert_eq!(
        (
            &cancelled["ResultObject"]["RecurringStatus"],
            &cancelled["ResultObject"]["NextPaymentDate"]
        ),
        (&json!("Cancelled"), &Value::Null)
    );
    assert_eq!(s.run_due("20260302").await, [0, 0, 0]);
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn the_last_payment_completes_the_plan() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let body = plan_body(&card, json!({"Frequency": "Daily", "NumberOfPayments": 2}));
    let id = s.plan(body).await;
    assert_eq!(s.run_due("20260303").await, [2, 2, 0]);
    let plan = s.get_plan(&id).await;
    assert_eq!(
        (&plan["RecurringStatus"], &plan["NextPaymentDate"]),
        (&json!("Completed"), &Value::Null)
    );
    assert_eq!(s.run_due("20260304").await, [0, 0, 0]);
}

#[tokio::test]
async fn a_recurring_payment_is_in_the_merchants_batch_and_its_order() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.plan(plan_body(&card, json!({}))).await;
    s.run_due("20260302").await;
    let order_id = format!("{id}-1");
    let path = format!("/api/VPos/ListByOrderId?MerchantNo={MERCHANT}&OrderId={order_id}");
    let (_, listed) = app.get(&path, &s.vpos).await;
    let txs = listed["ResultObject"].as_array().unwrap();
    assert_eq!(txs.len(), 1, "{listed}");
    assert_eq!(
        (
            &txs[0]["TransactionType"],
            &txs[0]["Amount"],
            &txs[0]["BatchNo"]
        ),
        (
            &json!("Sale"),
            &dec("10.00"),
            &open_batch(&app, &s.acquirer).await["BatchNo"]
        )
    );
    let payment = &s.get_plan(&id).await["Payments"][0];
    assert_eq!(
        (
            &payment["OrderId"],
            &payment["ProcessId"],
            &payment["ResponseCode"]
        ),
        (&json!(order_id), &txs[0]["ProcessId"], &json!("00"))
    );
}

#[tokio::test]
async fn another_merchants_plan_is_not_found() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.plan(plan_body(&card, json!({}))).await;
    let other = json!({"MerchantNo": "778", "MerchantName": "Other", "Mcc": "5411", "Country": "TR", "Currency": 949});
    app.post("/api/Integration/CreateMerchant", &s.acquirer, other)
        .await;
    let stranger = vpos_token_of(&app, "778").await;
    let (_, own) = app
        .get(
            &format!("/api/VPos/GetRecurring?MerchantNo=778&RecurringId={id}"),
            &stranger,
        )
        .await;
    assert_eq!(own["Result"], 2, "{own}");
    let cancel = json!({"MerchantNo": "778", "RecurringId": id});
    assert_eq!(
        vpos(&app, &stranger, "CancelRecurring", cancel).await["Result"],
        2
    );
}

/// Waits (on the scheduler's own signal, never a timer) until `job` has run
/// `runs` times; its status then.
async fn ran(app: &TestApp, job: Job, runs: u64) -> JobStatus {
    let mut finished = app.host.scheduler.finished_runs();
    loop {
        let status = app
            .host
            .scheduler
            .snapshot()
            .into_iter()
            .find(|s| s.job == job)
            .unwrap();
        if status.runs >= runs {
            return status;
        }
        finished.changed().await.unwrap();
    }
}

#[tokio::test]
async fn the_scheduler_charges_each_day_as_the_clock_moves() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s
        .plan(plan_body(&card, json!({"Frequency": "Daily"})))
        .await;
    let jobs = scheduler::start(app.host.clone());
    ran(&app, Job::RecurringCharges, 1).await;
    app.clock.advance(chrono::Duration::days(1));
    let second = ran(&app, Job::RecurringCharges, 2).await;
    jobs.stop(std::time::Duration::from_secs(10)).await;
    assert_eq!(second.last_message, "attempted 1, approved 1, declined 0");
    let admin = app.admin_token().await;
    let path = format!("/api/VPos/GetRecurring?MerchantNo={MERCHANT}&RecurringId={id}");
    let (_, plan) = app.get(&path, &admin).await;
    assert_eq!(
        Shop::payment_dates(&plan["ResultObject"]),
        ["20260302", "20260303"]
    );
}

#[tokio::test]
async fn a_failed_charge_run_is_retried_with_backoff_and_then_charges_once() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.plan(plan_body(&card, json!({}))).await;
    let damage = |currency: i64| {
        let id = id.clone();
        let app = &app;
        async move {
            sqlx::query("UPDATE recurring_plans SET currency = $1 WHERE recurring_id = $2")
                .bind(currency)
                .bind(id)
                .execute(&app.db().await)
                .await
                .unwrap();
        }
    };
    damage(1).await;
    scheduler::run_once(&app.host, Job::RecurringCharges).await;
    let outcome = scheduler::run_once(&app.host, Job::RecurringCharges).await;
    let failed = ran(&app, Job::RecurringCharges, 2).await;
    assert_eq!(outcome, Outcome::Failed);
    assert_eq!(
        (
            failed.consecutive_failures,
            failed.next_run_at - app.clock_ms()
        ),
        (2, 10_000)
    );
    damage(949).await;
    assert_eq!(
        scheduler::run_once(&app.host, Job::RecurringCharges).await,
        Outcome::Ok
    );
    assert_eq!(s.available(&card).await, "490.00");
}

/// Plans of the crash test, and the date they fall due: far enough ahead
/// that the binary's own scheduler (on the real date) leaves them alone.
const CRASH_PLANS: usize = 40;
const CRASH_DATE: &str = "20300101";

#[tokio::test]
async fn a_run_killed_midway_leaves_every_payment_made_once_after_restart() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let plans = crash_plans(&s).await;
    let operator = app.client("admin,issuer").await;
    app.host.db.close().await;
    let run = json!({"AsOfDate": CRASH_DATE});
    kill_after_half_is_charged(&app, &operator, &run).await;

    let mut second = binary(&app);
    let (addr, _) = second.wait_listening().await;
    let base = format!("http://{addr}");
    let token = binary_token(&base, &operator).await;
    let http = reqwest::Client::new();
    let path = "/api/Admin/RunDueRecurring";
    let rerun = binary_call(&http, &base, &token, path, Some(run.clone())).await;
    assert_eq!(rerun["Declined"], 0, "{rerun}");
    let again = binary_call(&http, &base, &token, path, Some(run)).await;
    assert_eq!(again["Attempted"], 0);
    for (id, card) in &plans {
        let path = format!("/api/VPos/ListByOrderId?MerchantNo={MERCHANT}&OrderId={id}-1");
        let txs = binary_call(&http, &base, &token, &path, None).await;
        assert_eq!(txs.as_array().unwrap().len(), 1, "{id}: {txs}");
        let card_token = card["CardToken"].as_str().unwrap();
        let path = format!("/api/Integration/GetHostBalance?CardToken={card_token}");
        let balance = binary_call(&http, &base, &token, &path, None).await;
        assert_eq!(balance["AvailableAmount"], dec("490.00"), "{id}");
    }
    let ledger = binary_call(&http, &base, &token, "/api/Admin/CheckLedger", None).await;
    assert_eq!(ledger["Violations"], json!([]), "{ledger}");
    second.terminate().await;
}

/// [`CRASH_PLANS`] plans due on [`CRASH_DATE`], each on a card of its own
/// loaded with 500.00; their ids and cards.
async fn crash_plans(s: &Shop<'_>) -> Vec<(String, Value)> {
    let mut plans = Vec::new();
    for i in 0..CRASH_PLANS {
        let card = issue(s.app, &s.issuer, "Debit", json!({"IsVirtual": true})).await;
        load(s.app, &s.issuer, &card, "500.00", &format!("L{i}")).await;
        let id = s
            .plan(plan_body(&card, json!({"StartDate": CRASH_DATE})))
            .await;
        plans.push((id, card));
    }
    plans
}

/// Starts the binary, asks it for the `run`, and kills it with SIGKILL once
/// its log shows half the payments charged.
async fn kill_after_half_is_charged(app: &TestApp, operator: &(String, String), run: &Value) {
    let mut first = binary(app);
    let (addr, _) = first.wait_listening().await;
    let base = format!("http://{addr}");
    let token = binary_token(&base, operator).await;
    let request = reqwest::Client::new()
        .post(format!("{base}/api/Admin/RunDueRecurring"))
        .header("token", token)
        .json(run);
    let in_flight = tokio::spawn(request.send());
    let mut logs = first.stderr.take().unwrap();
    let mut charged = 0;
    while let Some(line) = logs.next_line().await.unwrap() {
        charged += usize::from(line.contains("recurring payment charged"));
        if charged == CRASH_PLANS / 2 {
            break;
        }
    }
    first.kill().await;
    assert!(in_flight.await.unwrap().is_err(), "the run was cut off");
}

#[tokio::test]
async fn a_due_payment_is_charged_once_with_two_instances_schedulers_running() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.plan(plan_body(&card, json!({}))).await;
    let other = app.another_host().await;
    let (here, there) = (
        scheduler::start(app.host.clone()),
        scheduler::start(other.clone()),
    );
    ran(&app, Job::RecurringCharges, 1).await;
    let mut finished = other.scheduler.finished_runs();
    while other.scheduler.snapshot()[0].runs == 0 {
        finished.changed().await.unwrap();
    }
    // Two SQLite pools on one file can time out on each other's write lock
    // under load; a run that failed is retried after its 5 s backoff.
    for _ in 0..3 {
        let failed = [&app.host, &other]
            .into_iter()
            .find(|h| h.scheduler.snapshot()[0].last_outcome == Some(Outcome::Failed));
        let Some(failed) = failed else { break };
        let before = failed.scheduler.snapshot()[0].runs;
        let mut finished = failed.scheduler.finished_runs();
        app.clock.advance(chrono::Duration::seconds(10));
        while failed.scheduler.snapshot()[0].runs == before {
            finished.changed().await.unwrap();
        }
    }
    here.stop(std::time::Duration::from_secs(10)).await;
    there.stop(std::time::Duration::from_secs(10)).await;
    assert_eq!(s.available(&card).await, "490.00");
    assert_eq!(
        s.get_plan(&id).await["Payments"].as_array().unwrap().len(),
        1
    );
}
