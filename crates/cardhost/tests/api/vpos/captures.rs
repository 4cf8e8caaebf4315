//! Pre-sales and their one capture.

use super::*;

/// A funded card (500.00) with a pre-sale of 100.00 on order `p-1`.
async fn held(s: &Shop<'_>) -> Value {
    let card = s.funded_debit("500.00").await;
    let pre = s.pre_sale("p-1", "100.00", &card).await;
    assert_eq!(pre["Result"], 0, "{pre}");
    card
}

async fn available_and_blocked(s: &Shop<'_>, card: &Value) -> (String, String) {
    let b = balance(s.app, &s.issuer, card).await;
    (money(&b["AvailableAmount"]), money(&b["BlockedAmount"]))
}

#[tokio::test]
async fn a_pre_sale_blocks_its_amount_outside_any_batch() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let pre = s.pre_sale("p-1", "100.00", &card).await;
    assert_eq!(pre["ResultObject"]["BatchNo"], Value::Null);
    assert_eq!(
        available_and_blocked(&s, &card).await,
        ("400.00".into(), "100.00".into())
    );
    assert_eq!(
        order(&app, &s.vpos, "p-1").await["OrderStatus"],
        "PreAuthorized"
    );
}

#[tokio::test]
async fn a_capture_over_the_hold_is_refused_4() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = held(&s).await;
    let over = s.post_sale("p-1", json!({"Amount": dec("100.01")})).await;
    assert_eq!(over["Result"], 4, "{over}");
    assert_eq!(
        available_and_blocked(&s, &card).await,
        ("400.00".into(), "100.00".into())
    );
}

#[tokio::test]
async fn a_capture_of_80_posts_80_into_the_batch_and_releases_the_other_20() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = held(&s).await;
    let post = s.post_sale("p-1", json!({"Amount": dec("80.00")})).await;
    assert_eq!(
        (
            &post["Result"],
            money(&post["ResultObject"]["Amount"]),
            &post["ResultObject"]["BatchNo"]
        ),
        (&json!(0), "80.00".into(), &json!(1))
    );
    assert_eq!(
        available_and_blocked(&s, &card).await,
        ("420.00".into(), "0.00".into())
    );
    let batch = open_batch(&app, &s.acquirer).await;
    assert_eq!(
        (&batch["SaleCount"], money(&batch["SaleAmount"])),
        (&json!(1), "80.00".into())
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_captured_order_shows_its_capture_and_both_transactions() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    held(&s).await;
    s.post_sale("p-1", json!({"Amount": dec("80.00")})).await;
    let o = order(&app, &s.vpos, "p-1").await;
    assert_eq!(
        (&o["OrderStatus"], money(&o["CapturedAmount"])),
        (&json!("Captured"), "80.00".into())
    );
    let path = format!("/api/VPos/ListByOrderId?MerchantNo={MERCHANT}&OrderId=p-1");
    let (_, list) = app.get(&path, &s.vpos).await;
    let types: Vec<&Value> = list["ResultObject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["TransactionType"])
        .collect();
    assert_eq!(types, [&json!("PreSale"), &json!("PostSale")]);
}

#[tokio::test]
async fn an_order_is_captured_once() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    held(&s).await;
    s.post_sale("p-1", json!({"Amount": dec("80.00")})).await;
    let second = s.post_sale("p-1", json!({})).await;
    assert_eq!(second["Result"], 4, "{second}");
}
