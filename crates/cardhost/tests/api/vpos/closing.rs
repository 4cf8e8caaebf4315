//! After the payments: batch close, settlement and expired pre-authorizations.

use super::*;

#[tokio::test]
async fn after_close_and_settlement_the_merchant_is_paid_gross_less_commission() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("1000.00").await;
    s.sale("s-1", "200.00", &card).await;
    s.sale("s-2", "100.00", &json!(OFF_US)).await;
    s.refund("s-1", json!({"Reference": "SR", "Amount": dec("50.00")}))
        .await;
    let closed = s
        .op(
            "BatchClose",
            json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL}),
        )
        .await;
    assert_eq!(closed["Result"], 0, "{closed}");
    // On-us 200.00 at 1.50 % + 0.10 = 3.10; off-us 100.00 at 2 % = 2.00; the refund takes 50.00 off.
    let (_, summary) = app
        .get(
            &format!("/api/Integration/GetMerchantPaymentSummary?MerchantNo={MERCHANT}"),
            &s.acquirer,
        )
        .await;
    let day = &summary["ResultObject"][0];
    assert_eq!(
        (
            money(&day["GrossAmount"]),
            money(&day["CommissionAmount"]),
            money(&day["NetAmount"])
        ),
        ("250.00".into(), "5.10".into(), "244.90".into()),
        "{summary}"
    );
    let admin = app.admin_token().await;
    let (_, settled) = app
        .post(
            "/api/Admin/RunSettlement",
            &admin,
            json!({"AsOfDate": day["PaymentDate"]}),
        )
        .await;
    assert_eq!(
        (
            settled["ResultObject"]["PaymentsPosted"].clone(),
            money(&settled["ResultObject"]["Amount"])
        ),
        (json!(1), "244.90".into()),
        "{settled}"
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn expire_holds_releases_pre_authorizations_after_the_product_days() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.pre_sale("h-1", "100.00", &card).await;
    let admin = app.admin_token().await;
    // Placed on 2026-03-02: still held on day 6, released from day 7 (hold days 7).
    let (_, early) = app
        .post(
            "/api/Admin/ExpireHolds",
            &admin,
            json!({"AsOfDate": "20260308"}),
        )
        .await;
    assert_eq!(early["ResultObject"]["Released"], 0, "{early}");
    let (_, due) = app
        .post(
            "/api/Admin/ExpireHolds",
            &admin,
            json!({"AsOfDate": "20260309"}),
        )
        .await;
    assert_eq!(
        (
            due["ResultObject"]["Released"].clone(),
            money(&due["ResultObject"]["Amount"])
        ),
        (json!(1), "100.00".into()),
        "{due}"
    );
    assert_eq!(s.available(&card).await, "500.00");
    assert_eq!(order(&app, &s.vpos, "h-1").await["OrderStatus"], "Expired");
    assert_eq!(s.void("h-1").await["Result"], 4);
    assert_eq!(s.post_sale("h-1", json!({})).await["Result"], 4);
    let (status, refused) = app.post("/api/Admin/ExpireHolds", &s.vpos, json!({})).await;
    assert_result(status, &refused, 403, 6);
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_settlement_reports_what_it_paid_per_currency() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("1000.00").await;
    s.sale("c-1", "100.00", &card).await;
    s.op(
        "BatchClose",
        json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL}),
    )
    .await;
    let admin = app.admin_token().await;
    // Every payment whose value date has come by the end of the year.
    let (_, settled) = app
        .post(
            "/api/Admin/RunSettlement",
            &admin,
            json!({"AsOfDate": "20991231"}),
        )
        .await;
    let each = &settled["ResultObject"]["Amounts"];
    assert_eq!(
        (
            each.as_array().map(Vec::len),
            money(&each[0]["Amount"]),
            each[0]["Currency"].clone()
        ),
        (Some(1), "98.40".into(), json!(949)),
        "{settled}"
    );
}

#[tokio::test]
async fn a_settlement_that_pays_nothing_answers_amount_zero_in_no_currency() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, settled) = app
        .post("/api/Admin/RunSettlement", &admin, json!({}))
        .await;
    assert_eq!(
        (
            settled["Result"].clone(),
            settled["ResultObject"]["PaymentsPosted"].clone(),
            settled["ResultObject"]["Amount"].to_string(),
            settled["ResultObject"]["Amounts"].clone()
        ),
        (json!(0), json!(0), "0".into(), json!([])),
        "{settled}"
    );
}
