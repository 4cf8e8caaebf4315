use serde_json::{json, Value};

use crate::cards::{issue, setup};
use crate::money::{ledger_ok, load, send};
use crate::support::*;

struct Shop {
    acquirer: String,
    issuer: String,
    terminal: String,
}

async fn shop(app: &TestApp) -> Shop {
    let issuer = setup(app).await;
    let acquirer = app.token("acquirer").await;
    let (_, body) = app
        .post("/api/Integration/CreatePosFeeProfile", &acquirer, json!({"ProfileCode": "FEE", "ProfileName": "Std", "Rates": [
            {"RatePercent": dec("1.5"), "FixedFee": dec("0.10"), "ValueDays": 1},
            {"CardType": "Credit", "InstallmentFrom": 2, "InstallmentTo": 6, "RatePercent": 2, "ValueDays": 30}]}))
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let (_, body) = app
        .post("/api/Integration/CreateMerchantAndTerminal", &acquirer, json!({"Merchant": {"MerchantNo": "555", "MerchantName": "Shop", "Mcc": "5411",
            "Country": "TR", "Currency": 949, "PosFeeProfileCode": "FEE"}, "Terminals": [{"TerminalType": "Vpos", "TerminalNo": "VPOS0555"}]}))
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    Shop {
        acquirer,
        issuer,
        terminal: "VPOS0555".into(),
    }
}

/// Puts an approved issuer transaction of this host into the terminal's open
/// batch as the virtual POS would (a purchase as a sale, a refund as a
/// refund), through the store: these tests fill batches without orders.
async fn record_in_batch(
    app: &TestApp,
    terminal_no: &str,
    process_id: i64,
    order_id: Option<String>,
    installments: i64,
) {
    use cardhost_store::{batches, cards, ledger, merchants};
    let db = &app.host.db;
    let card_tx = ledger::card_tx(db.reader(), process_id)
        .await
        .unwrap()
        .unwrap();
    let kind = match card_tx.transaction_type.as_str() {
        "Refund" => "Refund",
        _ => "Sale",
    };
    let card = cards::by_id(db.reader(), card_tx.card_id)
        .await
        .unwrap()
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let terminal = merchants::terminal_for_update(&mut tx, db.engine(), terminal_no)
        .await
        .unwrap()
        .unwrap();
    let now = app.clock_ms();
    batches::ensure_batch(
        &mut tx,
        terminal_no,
        terminal.open_batch_no,
        &terminal.merchant_no,
        card_tx.currency,
        now,
    )
    .await
    .unwrap();
    let row = batches::BatchTxRow {
        process_id,
        terminal_no: terminal_no.to_owned(),
        batch_no: terminal.open_batch_no,
        merchant_no: terminal.merchant_no.clone(),
        order_id,
        transaction_type: kind.to_owned(),
        amount: card_tx.amount,
        currency: card_tx.currency,
        masked_card_no: card.masked_pan,
        auth_code: card_tx.auth_code,
        rrn: card_tx.rrn,
        installment_count: installments,
        card_type: card.card_type,
        network: "OnUs".into(),
        created_at: now,
        ..Default::default()
    };
    batches::insert_tx(&mut tx, &row).await.unwrap();
    tx.commit().await.unwrap();
}

/// An approved on-us purchase, recorded in the terminal's open batch.
async fn sale(
    app: &TestApp,
    s: &Shop,
    card: &Value,
    reference: &str,
    amount: &str,
    installments: u8,
) -> String {
    let body = send(app, &s.issuer, card, reference, amount, json!({})).await;
    assert_eq!(body["Result"], 0, "{body}");
    let pid = body["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .to_owned();
    record_in_batch(
        app,
        &s.terminal,
        pid.parse().unwrap(),
        Some(reference.into()),
        i64::from(installments),
    )
    .await;
    pid
}

#[tokio::test]
async fn closing_a_batch_computes_commissions_payables_and_payment_dates() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let debit = issue(&app, &s.issuer, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &s.issuer, &debit, "1000.00", "L1").await;
    let credit = issue(&app, &s.issuer, "Credit", json!({"IsVirtual": true})).await;
    let first = sale(&app, &s, &debit, "o1", "100.00", 1).await;
    sale(&app, &s, &debit, "o2", "33.33", 1).await;
    sale(&app, &s, &debit, "o3", "250.00", 1).await;
    sale(&app, &s, &credit, "o4", "200.00", 3).await;
    let refund = send(
        &app,
        &s.issuer,
        &debit,
        "r1",
        "20.00",
        json!({"TransactionType": "Refund", "OriginalProcessId": first}),
    )
    .await;
    let rid: i64 = refund["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    record_in_batch(&app, &s.terminal, rid, Some("o1".into()), 1).await;

    let (_, open) = app
        .get(
            &format!(
                "/api/Integration/GetPosBatchSummary?TerminalNo={}",
                s.terminal
            ),
            &s.acquirer,
        )
        .await;
    let o = &open["ResultObject"];
    assert_eq!(
        (
            o["BatchNo"].clone(),
            o["BatchStatus"].clone(),
            o["SaleCount"].clone(),
            o["RefundCount"].clone()
        ),
        (json!(1), json!("Open"), json!(4), json!(1))
    );
    assert_eq!(
        (
            o["SaleAmount"].to_string(),
            o["RefundAmount"].to_string(),
            o["NetAmount"].to_string()
        ),
        ("583.33".into(), "20.00".into(), "563.33".into())
    );
    let (_, detail) = app
        .get(
            &format!(
                "/api/Integration/GetPosBatchDetail?TerminalNo={}&PageSize=3",
                s.terminal
            ),
            &s.acquirer,
        )
        .await;
    assert_eq!(detail["ResultObject"]["TotalCount"], 5);
    assert_eq!(detail["ResultObject"]["Items"].as_array().unwrap().len(), 3);
    assert_eq!(detail["ResultObject"]["Items"][0]["OrderId"], "o1");

    let (status, closed) = app
        .post(
            "/api/Integration/ClosePosBatch",
            &s.acquirer,
            json!({"TerminalNo": s.terminal}),
        )
        .await;
    assert_result(status, &closed, 200, 0);
    let c = &closed["ResultObject"];
    assert_eq!(
        (
            c["BatchStatus"].clone(),
            c["NextBatchNo"].clone(),
            c["SaleAmount"].to_string()
        ),
        (json!("Closed"), json!(2), "583.33".into())
    );
    assert_eq!(c["CloseDate"], "20260302093000");

    // Commission: 1.50 % + 0.10 on debit (100.00 → 1.60; 33.33 → 0.49995 → 0.50 + 0.10; 250.00 → 3.85),
    // 2 % on the 3-installment credit sale (4.00); the refund earns none back.
    let db = app.db().await;
    let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(
        "SELECT transaction_type, commission, net, payment_date FROM batch_transactions ORDER BY process_id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            ("Sale".into(), 160, 9840, "20260303".into()),
            ("Sale".into(), 60, 3273, "20260303".into()),
            ("Sale".into(), 385, 24615, "20260303".into()),
            ("Sale".into(), 400, 19600, "20260401".into()),
            ("Refund".into(), 0, -2000, "20260303".into()),
        ]
    );
    let (payable,): (i64,) = sqlx::query_as(
        "SELECT balance FROM ledger_accounts WHERE ledger_account = 'MerchantPayable:555:949'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(payable, 58333 - 1005 - 2000, "gross − commission − refunds");
    let (fees,): (i64,) = sqlx::query_as(
        "SELECT balance FROM ledger_accounts WHERE ledger_account = 'AcquirerFeeIncome:949'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(fees, 1005);
    let payments: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT payment_date, gross_amount, commission_amount, net_amount, transaction_count FROM merchant_payments ORDER BY payment_date",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        payments,
        [
            ("20260303".into(), 36333, 605, 35728, 4),
            ("20260401".into(), 20000, 400, 19600, 1)
        ]
    );
    let (_, again) = app
        .get(
            &format!(
                "/api/Integration/GetPosBatchSummary?TerminalNo={}&BatchNo=1",
                s.terminal
            ),
            &s.acquirer,
        )
        .await;
    assert_eq!(
        again["ResultObject"]["NetAmount"].to_string(),
        "563.33",
        "a closed batch keeps its totals"
    );
    let (_, fresh) = app
        .get(
            &format!(
                "/api/Integration/GetPosBatchSummary?TerminalNo={}",
                s.terminal
            ),
            &s.acquirer,
        )
        .await;
    assert_eq!(
        (
            fresh["ResultObject"]["BatchNo"].clone(),
            fresh["ResultObject"]["SaleCount"].clone()
        ),
        (json!(2), json!(0))
    );
    ledger_ok(&app).await;
    // CheckLedger notices a closed batch whose totals no longer match its transactions.
    sqlx::query("UPDATE pos_batches SET sale_amount = sale_amount + 1 WHERE batch_no = 1")
        .execute(&db)
        .await
        .unwrap();
    let admin = app.admin_token().await;
    let (_, check) = app.get("/api/Admin/CheckLedger", &admin).await;
    assert_eq!(check["ResultObject"]["Ok"], false);
    assert!(
        check["ResultObject"]["Violations"][0]
            .as_str()
            .unwrap()
            .contains("closed batch VPOS0555/1"),
        "{check}"
    );
}

#[tokio::test]
async fn a_fee_profile_changed_before_the_close_sets_the_commission() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let debit = issue(&app, &s.issuer, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &s.issuer, &debit, "1000.00", "L1").await;
    sale(&app, &s, &debit, "o1", "100.00", 1).await;
    let close = json!({"TerminalNo": s.terminal});
    // The first close reads the profile (and may keep it); the change must still apply to the next.
    app.post("/api/Integration/ClosePosBatch", &s.acquirer, close.clone())
        .await;
    let (_, changed) = app
        .put(
            "/api/Integration/UpdatePosFeeProfile",
            &s.acquirer,
            json!({"ProfileCode": "FEE", "Rates": [{"RatePercent": 3, "ValueDays": 1}]}),
        )
        .await;
    assert_eq!(changed["Result"], 0, "{changed}");
    sale(&app, &s, &debit, "o2", "100.00", 1).await;
    let (_, closed) = app
        .post("/api/Integration/ClosePosBatch", &s.acquirer, close)
        .await;
    assert_eq!(closed["Result"], 0, "{closed}");
    let (commission,): (i64,) =
        sqlx::query_as("SELECT commission FROM batch_transactions WHERE batch_no = 2")
            .fetch_one(&app.db().await)
            .await
            .unwrap();
    assert_eq!(commission, 300, "3 % of 100.00 under the changed profile");
}

#[tokio::test]
async fn an_empty_batch_closes_and_concurrent_closes_close_once() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let (_, body) = app
        .post(
            "/api/Integration/ClosePosBatch",
            &s.acquirer,
            json!({"TerminalNo": s.terminal}),
        )
        .await;
    assert_eq!(
        (
            body["Result"].clone(),
            body["ResultObject"]["BatchNo"].clone(),
            body["ResultObject"]["SaleCount"].clone()
        ),
        (json!(0), json!(1), json!(0))
    );
    app.clock.advance(chrono::Duration::seconds(11));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (base, http, token, terminal) = (
            app.base.clone(),
            app.http.clone(),
            s.acquirer.clone(),
            s.terminal.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let res = http
                .post(format!("{base}/api/Integration/ClosePosBatch"))
                .header("token", token)
                .json(&json!({"TerminalNo": terminal}))
                .send()
                .await
                .unwrap();
            res.json::<Value>().await.unwrap()
        }));
    }
    for t in tasks {
        let body = t.await.unwrap();
        assert_eq!(body["Result"], 0, "{body}");
        assert_eq!(
            body["ResultObject"]["BatchNo"], 2,
            "every concurrent close answers the one close of batch 2"
        );
    }
    let (_, t) = app
        .get(
            &format!("/api/Integration/GetTerminal?TerminalNo={}", s.terminal),
            &s.acquirer,
        )
        .await;
    assert_eq!(t["ResultObject"]["OpenBatchNo"], 3);
    // An empty batch right after a close is a repeat; once 10 seconds have passed it closes.
    let (_, again) = app
        .post(
            "/api/Integration/ClosePosBatch",
            &s.acquirer,
            json!({"TerminalNo": s.terminal}),
        )
        .await;
    assert_eq!(again["ResultObject"]["BatchNo"], 2);
    app.clock.advance(chrono::Duration::seconds(11));
    let (_, later) = app
        .post(
            "/api/Integration/ClosePosBatch",
            &s.acquirer,
            json!({"TerminalNo": s.terminal}),
        )
        .await;
    assert_eq!(
        (
            later["ResultObject"]["BatchNo"].clone(),
            later["ResultObject"]["NextBatchNo"].clone()
        ),
        (json!(3), json!(4))
    );

    let (_, body) = app
        .post(
            "/api/Integration/ClosePosBatch",
            &s.acquirer,
            json!({"TerminalNo": "NOPE0000"}),
        )
        .await;
    assert_eq!(body["Result"], 2);
    let (_, other) = app.post("/api/Integration/CreateMerchant", &s.acquirer, json!({"MerchantName": "Other", "Mcc": "5411", "Country": "TR", "Currency": 949, "VposEnabled": true})).await;
    let (_, tok) = app
        .token_for(
            other["ResultObject"]["VposClientId"].as_str().unwrap(),
            other["ResultObject"]["VposClientSecret"].as_str().unwrap(),
        )
        .await;
    let vpos = tok["ResultObject"]["Token"].as_str().unwrap().to_owned();
    let (status, body) = app
        .get(
            &format!(
                "/api/Integration/GetPosBatchSummary?TerminalNo={}",
                s.terminal
            ),
            &vpos,
        )
        .await;
    assert_result(status, &body, 403, 6);
}

#[tokio::test]
async fn merchant_payments_are_reported_and_settled_when_due() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let debit = issue(&app, &s.issuer, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &s.issuer, &debit, "1000.00", "L1").await;
    let credit = issue(&app, &s.issuer, "Credit", json!({"IsVirtual": true})).await;
    let first = sale(&app, &s, &debit, "o1", "100.00", 1).await;
    sale(&app, &s, &debit, "o2", "50.00", 1).await;
    sale(&app, &s, &credit, "o3", "200.00", 4).await;
    let refund = send(
        &app,
        &s.issuer,
        &debit,
        "r1",
        "20.00",
        json!({"TransactionType": "Refund", "OriginalProcessId": first}),
    )
    .await;
    let rid: i64 = refund["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    record_in_batch(&app, &s.terminal, rid, None, 1).await;
    app.post(
        "/api/Integration/ClosePosBatch",
        &s.acquirer,
        json!({"TerminalNo": s.terminal}),
    )
    .await;

    let (_, summary) = app
        .get(
            "/api/Integration/GetMerchantPaymentSummary?MerchantNo=555",
            &s.acquirer,
        )
        .await;
    let items = summary["ResultObject"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    // 100.00 → 1.60, 50.00 → 0.85 (1.50 % + 0.10); the refund takes 20.00 off gross and net.
    assert_eq!(items[0]["PaymentDate"], "20260303");
    assert_eq!(
        (
            items[0]["GrossAmount"].to_string(),
            items[0]["CommissionAmount"].to_string(),
            items[0]["NetAmount"].to_string()
        ),
        ("130.00".into(), "2.45".into(), "127.55".into())
    );
    assert_eq!(
        (
            items[0]["TransactionCount"].clone(),
            items[0]["PaymentStatus"].clone()
        ),
        (json!(3), json!("Pending"))
    );
    assert_eq!(items[1]["PaymentDate"], "20260401");
    assert_eq!(
        (
            items[1]["GrossAmount"].to_string(),
            items[1]["CommissionAmount"].to_string(),
            items[1]["NetAmount"].to_string()
        ),
        ("200.00".into(), "4.00".into(), "196.00".into())
    );
    let (_, detail) = app
        .get(
            "/api/Integration/GetMerchantPaymentDetail?MerchantNo=555&PaymentDate=20260303",
            &s.acquirer,
        )
        .await;
    let rows = detail["ResultObject"]["Items"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 3);
    let gross: Vec<String> = rows.iter().map(|r| r["GrossAmount"].to_string()).collect();
    assert_eq!(gross, ["100.00", "50.00", "-20.00"]);
    assert_eq!(
        (
            rows[0]["NetAmount"].to_string(),
            rows[0]["Network"].clone(),
            rows[0]["TerminalNo"].clone()
        ),
        ("98.40".into(), json!("OnUs"), json!("VPOS0555"))
    );

    let admin = app.admin_token().await;
    let settle = |as_of: &str| {
        app.post(
            "/api/Admin/RunSettlement",
            &admin,
            json!({"AsOfDate": as_of}),
        )
    };
    let (_, body) = settle("20260302").await;
    assert_eq!(
        body["ResultObject"]["PaymentsPosted"], 0,
        "nothing is due on the close date"
    );
    let (_, body) = settle("20260303").await;
    assert_eq!(
        (
            body["ResultObject"]["MerchantsPaid"].clone(),
            body["ResultObject"]["PaymentsPosted"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(body["ResultObject"]["Amount"].to_string(), "127.55");
    let (_, body) = settle("20260303").await;
    assert_eq!(body["ResultObject"]["PaymentsPosted"], 0, "paid once");
    let (_, summary) = app.get("/api/Integration/GetMerchantPaymentSummary?MerchantNo=555&StartDate=20260301&EndDate=20260331", &s.acquirer).await;
    assert_eq!(
        summary["ResultObject"].as_array().unwrap().len(),
        1,
        "the date filter"
    );
    assert_eq!(summary["ResultObject"][0]["PaymentStatus"], "Paid");
    let (_, body) = settle("20260401").await;
    assert_eq!(body["ResultObject"]["Amount"].to_string(), "196.00");
    let db = app.db().await;
    let (payable,): (i64,) = sqlx::query_as(
        "SELECT balance FROM ledger_accounts WHERE ledger_account = 'MerchantPayable:555:949'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(payable, 0, "everything owed was paid out");
    let (payout,): (i64,) = sqlx::query_as(
        "SELECT balance FROM ledger_accounts WHERE ledger_account = 'MerchantPayout:949'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(payout, 12755 + 19600);
    let (status, body) = app
        .post("/api/Admin/RunSettlement", &s.acquirer, json!({}))
        .await;
    assert_result(status, &body, 403, 6);
    ledger_ok(&app).await;
}
