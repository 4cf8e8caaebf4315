//! Refunds: partial, each once by its reference, never past the capture.

use super::*;

/// A funded card (500.00) that paid 100.00 on order `r-1`.
async fn paid(s: &Shop<'_>) -> Value {
    let card = s.funded_debit("500.00").await;
    let sale = s.sale("r-1", "100.00", &card).await;
    assert_eq!(sale["Result"], 0, "{sale}");
    card
}

async fn refund(s: &Shop<'_>, reference: &str, amount: &str) -> Value {
    s.refund(
        "r-1",
        json!({"Reference": reference, "Amount": dec(amount)}),
    )
    .await
}

#[tokio::test]
async fn a_partial_refund_leaves_the_order_partially_refunded() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = paid(&s).await;
    assert_eq!(refund(&s, "R1", "30.00").await["Result"], 0);
    let o = order(&app, &s.vpos, "r-1").await;
    assert_eq!(
        (&o["OrderStatus"], money(&o["RefundedAmount"])),
        (&json!("PartiallyRefunded"), "30.00".into())
    );
    assert_eq!(s.available(&card).await, "430.00");
}

#[tokio::test]
async fn the_same_refund_again_answers_the_first_outcome() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = paid(&s).await;
    let first = refund(&s, "R1", "30.00").await;
    let again = refund(&s, "R1", "30.00").await;
    assert_eq!(
        again["ResultObject"]["ProcessId"],
        first["ResultObject"]["ProcessId"]
    );
    assert_eq!(s.available(&card).await, "430.00");
}

#[tokio::test]
async fn another_amount_on_a_used_reference_is_refused_7() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    paid(&s).await;
    refund(&s, "R1", "30.00").await;
    assert_eq!(refund(&s, "R1", "40.00").await["Result"], 7);
}

#[tokio::test]
async fn refunds_together_never_pass_the_capture() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    paid(&s).await;
    refund(&s, "R1", "30.00").await;
    let too_much = refund(&s, "R2", "70.01").await;
    assert_eq!(too_much["Result"], 4, "{too_much}");
}

#[tokio::test]
async fn a_refunded_order_is_not_voided() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    paid(&s).await;
    refund(&s, "R1", "30.00").await;
    assert_eq!(s.void("r-1").await["Result"], 4);
}

#[tokio::test]
async fn a_refund_without_an_amount_refunds_the_rest() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = paid(&s).await;
    refund(&s, "R1", "30.00").await;
    let rest = s.refund("r-1", json!({"Reference": "R3"})).await;
    assert_eq!(
        (&rest["Result"], money(&rest["ResultObject"]["Amount"])),
        (&json!(0), "70.00".into())
    );
    let o = order(&app, &s.vpos, "r-1").await;
    assert_eq!(
        (&o["OrderStatus"], money(&o["RefundedAmount"])),
        (&json!("Refunded"), "100.00".into())
    );
    assert_eq!(s.available(&card).await, "500.00");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_fully_refunded_order_refunds_nothing_more() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    paid(&s).await;
    refund(&s, "R1", "100.00").await;
    assert_eq!(refund(&s, "R4", "0.01").await["Result"], 4);
}

#[tokio::test]
async fn refunds_count_in_the_open_batch_against_the_sale() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    paid(&s).await;
    refund(&s, "R1", "30.00").await;
    refund(&s, "R2", "70.00").await;
    let batch = open_batch(&app, &s.acquirer).await;
    assert_eq!(
        (
            &batch["SaleCount"],
            &batch["RefundCount"],
            money(&batch["RefundAmount"]),
            money(&batch["NetAmount"])
        ),
        (&json!(1), &json!(2), "100.00".into(), "0.00".into())
    );
}
