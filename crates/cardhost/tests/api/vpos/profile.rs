//! What the terminal's authorization profile and its status refuse: 58.

use super::*;

/// A shop whose terminal takes only sales and voids of on-us cards, up to
/// 100.00 each and 150.00 a day; a debit card holding 1000.00.
async fn sales_only(app: &TestApp, s: &Shop<'_>) -> Value {
    let (_, p) = app
        .post("/api/Integration/CreatePosAuthorizationProfile", &s.acquirer, json!({"ProfileCode": "SALES", "ProfileName": "Sales only",
            "AllowedTransactionTypes": ["Sale", "Void"], "AllowForeignCards": true, "AllowOffUsCards": false,
            "MaxTransactionAmount": dec("100.00"), "DailyAmountLimit": dec("150.00"), "MaxInstallmentCount": 1}))
        .await;
    assert_eq!(p["Result"], 0, "{p}");
    let assign = json!({"TerminalNo": TERMINAL, "PosAuthorizationProfileCode": "SALES"});
    let (_, u) = app
        .put("/api/Integration/UpdateTerminal", &s.acquirer, assign)
        .await;
    assert_eq!(u["Result"], 0, "{u}");
    s.funded_debit("1000.00").await
}

#[track_caller]
fn assert_58(answer: &Value) {
    assert_eq!(
        (&answer["Result"], code(answer)),
        (&json!(8), "58"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_type_the_profile_does_not_allow_is_declined_58() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = sales_only(&app, &s).await;
    assert_58(&s.pre_sale("a-1", "10.00", &card).await);
    assert_eq!(s.available(&card).await, "1000.00");
}

#[tokio::test]
async fn more_than_the_profiles_transaction_amount_is_declined_58() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = sales_only(&app, &s).await;
    assert_eq!(s.sale("a-1", "100.00", &card).await["Result"], 0);
    assert_58(&s.sale("a-2", "100.01", &card).await);
}

#[tokio::test]
async fn an_off_us_card_under_an_on_us_only_profile_is_declined_58() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    sales_only(&app, &s).await;
    assert_58(&s.sale("a-3", "10.00", &json!(OFF_US)).await);
}

#[tokio::test]
async fn the_terminals_daily_amount_is_reached_but_not_passed() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = sales_only(&app, &s).await;
    s.sale("a-4", "100.00", &card).await;
    assert_58(&s.sale("a-5", "50.01", &card).await);
    assert_eq!(s.sale("a-6", "50.00", &card).await["Result"], 0);
    assert_eq!(s.available(&card).await, "850.00");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_refund_the_profile_does_not_allow_is_declined_58() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = sales_only(&app, &s).await;
    s.sale("a-4", "100.00", &card).await;
    assert_58(&s.refund("a-4", json!({"Reference": "X"})).await);
    assert_eq!(s.available(&card).await, "900.00");
}

#[tokio::test]
async fn a_passive_terminal_takes_nothing() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("100.00").await;
    let passive = json!({"TerminalNo": TERMINAL, "TerminalStatus": "Passive"});
    app.put("/api/Integration/UpdateTerminal", &s.acquirer, passive)
        .await;
    assert_58(&s.sale("a-7", "1.00", &card).await);
    assert_eq!(s.available(&card).await, "100.00");
}
