//! Voids: everything back while the batch is open, nothing after it closes.

use super::*;

#[tokio::test]
async fn a_void_gives_back_the_sale_and_names_it() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let sale = s.sale("v-1", "50.00", &card).await;
    let void = s.void("v-1").await;
    assert_eq!(
        (&void["Result"], &void["ResultObject"]["OriginalProcessId"]),
        (&json!(0), &sale["ResultObject"]["ProcessId"])
    );
    assert_eq!(s.available(&card).await, "500.00");
    assert_eq!(order(&app, &s.vpos, "v-1").await["OrderStatus"], "Voided");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_voided_sale_counts_only_as_a_void_in_the_batch() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.sale("v-1", "50.00", &card).await;
    s.void("v-1").await;
    let batch = open_batch(&app, &s.acquirer).await;
    assert_eq!(
        (
            &batch["SaleCount"],
            &batch["VoidCount"],
            money(&batch["VoidAmount"])
        ),
        (&json!(0), &json!(1), "50.00".into())
    );
}

#[tokio::test]
async fn a_repeated_void_answers_the_first_void_and_moves_nothing() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.sale("v-1", "50.00", &card).await;
    let first = s.void("v-1").await;
    let again = s.void("v-1").await;
    assert_eq!(
        (&again["Result"], &again["ResultObject"]["ProcessId"]),
        (&json!(0), &first["ResultObject"]["ProcessId"])
    );
    assert_eq!(s.available(&card).await, "500.00");
    let path = format!("/api/VPos/ListByOrderId?MerchantNo={MERCHANT}&OrderId=v-1");
    let (_, listed) = app.get(&path, &s.vpos).await;
    assert_eq!(listed["ResultObject"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_void_of_another_transaction_after_the_last_is_refused() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.sale("v-1", "50.00", &card).await;
    s.void("v-1").await;
    let other = follow("v-1", json!({"ProcessId": "999999"}));
    assert_eq!(s.op("PaymentVoid", other).await["Result"], 4);
}

#[tokio::test]
async fn a_voided_pre_sale_releases_its_hold() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.pre_sale("v-2", "70.00", &card).await;
    assert_eq!(s.void("v-2").await["Result"], 0);
    let b = balance(&app, &s.issuer, &card).await;
    assert_eq!(
        (money(&b["AvailableAmount"]), money(&b["BlockedAmount"])),
        ("500.00".into(), "0.00".into())
    );
}

#[tokio::test]
async fn after_the_batch_closes_a_void_is_refused() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.sale("v-3", "30.00", &card).await;
    let closed = s
        .op(
            "BatchClose",
            json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL}),
        )
        .await;
    assert_eq!(
        (&closed["Result"], &closed["ResultObject"]["NextBatchNo"]),
        (&json!(0), &json!(2)),
        "{closed}"
    );
    assert_eq!(s.void("v-3").await["Result"], 4);
    assert_eq!(s.available(&card).await, "470.00");
}
