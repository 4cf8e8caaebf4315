//! What each kind of card adds: credit limits and points, prepaid maximums and monthly loads.

use super::*;

/// Two credit cards of limits 1,000.00 and 5,000.00 under the customer's
/// limit of 50,000.00, and the issuer token.
async fn two_credit_cards() -> (TestApp, String, Value, Value) {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let first = issue(
        &app,
        &token,
        "Credit",
        json!({"IsVirtual": true, "CardLimit": 1000}),
    )
    .await;
    let second = issue(
        &app,
        &token,
        "Credit",
        json!({"IsVirtual": true, "CardLimit": 5000}),
    )
    .await;
    (app, token, first, second)
}

async fn set_customer_limit(app: &TestApp, token: &str, limit: i64) -> Value {
    let body = json!({"CustomerNo": CUSTOMER, "Limit": limit, "LimitCurrency": 949});
    app.post("/api/Integration/UpdateCustomerLimit", token, body)
        .await
        .1
}

/// 600.00 spent on each card under a customer limit of 1,200.00: no room left.
async fn both_spent() -> (TestApp, String, Value) {
    let (app, token, first, second) = two_credit_cards().await;
    assert_code(
        &send(&app, &token, &first, "p1", "600.00", json!({})).await,
        "00",
    );
    set_customer_limit(&app, &token, 1200).await;
    assert_code(
        &send(&app, &token, &second, "p2", "600.00", json!({})).await,
        "00",
    );
    (app, token, first)
}

#[tokio::test]
async fn a_credit_card_spends_up_to_its_own_limit() {
    let (app, token, first, _) = two_credit_cards().await;
    assert_code(
        &send(&app, &token, &first, "p1", "600.00", json!({})).await,
        "00",
    );
    assert_code(
        &send(&app, &token, &first, "p2", "400.01", json!({})).await,
        "51",
    );
}

#[tokio::test]
async fn a_customer_limit_below_what_is_used_is_refused_4() {
    let (app, token, first, _) = two_credit_cards().await;
    send(&app, &token, &first, "p1", "600.00", json!({})).await;
    assert_eq!(set_customer_limit(&app, &token, 500).await["Result"], 4);
}

#[tokio::test]
async fn credit_cards_share_the_customers_limit() {
    let (app, token, first, second) = two_credit_cards().await;
    send(&app, &token, &first, "p1", "600.00", json!({})).await;
    set_customer_limit(&app, &token, 1200).await;
    assert_code(
        &send(&app, &token, &second, "p2", "600.01", json!({})).await,
        "51",
    );
    assert_code(
        &send(&app, &token, &second, "p3", "600.00", json!({})).await,
        "00",
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_credit_balance_shows_debt_limit_and_the_room_left() {
    let (app, token, first) = both_spent().await;
    let b = balance(&app, &token, &first).await;
    let shown: Vec<String> = ["LedgerBalance", "Debt", "CreditLimit", "AvailableAmount"]
        .iter()
        .map(|f| b[*f].to_string())
        .collect();
    assert_eq!(shown, ["-600.00", "600.00", "1000.00", "0.00"]);
}

#[tokio::test]
async fn a_purchase_earns_a_point_per_whole_hundred() {
    let (app, token, first) = both_spent().await;
    assert_eq!(balance(&app, &token, &first).await["PointBalance"], 6);
}

#[tokio::test]
async fn the_customer_shows_the_limit_its_cards_used() {
    let (app, token, _) = both_spent().await;
    let path = format!("/api/Integration/GetCustomerInfo?CustomerNo={CUSTOMER}");
    let c = &app.get(&path, &token).await.1["ResultObject"];
    assert_eq!(
        (c["UsedLimit"].to_string(), c["AvailableLimit"].to_string()),
        ("1200.00".into(), "0.00".into())
    );
}

#[tokio::test]
async fn a_repayment_lowers_the_debt_and_frees_the_customers_room() {
    let (app, token, first) = both_spent().await;
    assert_code(&load(&app, &token, &first, "250.00", "rep1").await, "00");
    let b = balance(&app, &token, &first).await;
    assert_eq!(
        (b["Debt"].to_string(), b["AvailableAmount"].to_string()),
        ("350.00".into(), "250.00".into())
    );
    ledger_ok(&app).await;
}

/// A fresh virtual prepaid card (maximum balance 20,000.00, monthly loads
/// 50,000.00), and the issuer token.
async fn prepaid() -> (TestApp, String, Value) {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    (app, token, card)
}

#[tokio::test]
async fn a_prepaid_card_holds_up_to_its_maximum_balance() {
    let (app, token, card) = prepaid().await;
    assert_code(&load(&app, &token, &card, "15000.00", "l1").await, "00");
    assert_code(&load(&app, &token, &card, "5000.01", "l2").await, "61");
    assert_code(&load(&app, &token, &card, "5000.00", "l3").await, "00");
}

/// 50,000.00 loaded this month, spent down to 0.00 between loads.
async fn a_months_loads() -> (TestApp, String, Value) {
    let (app, token, card) = prepaid().await;
    for (i, amount) in ["20000.00", "20000.00", "10000.00"].iter().enumerate() {
        assert_code(
            &load(&app, &token, &card, amount, &format!("l{i}")).await,
            "00",
        );
        assert_code(
            &send(&app, &token, &card, &format!("s{i}"), amount, json!({})).await,
            "00",
        );
    }
    (app, token, card)
}

#[tokio::test]
async fn loads_stop_at_the_monthly_load_limit() {
    let (app, token, card) = a_months_loads().await;
    assert_code(&load(&app, &token, &card, "0.01", "over").await, "61");
}

#[tokio::test]
async fn the_next_month_loads_again() {
    let (app, _, card) = a_months_loads().await;
    app.clock.advance(Duration::days(31));
    let token = app.token("issuer").await;
    assert_code(
        &load(&app, &token, &card, "100.00", "next-month").await,
        "00",
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn loading_limit_reports_what_is_left() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    load(&app, &token, &card, "12000.00", "l1").await;
    let (status, body) = app
        .get(
            &format!(
                "/api/Integration/GetCardBalanceLoadingLimit?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_result(status, &body, 200, 0);
    let r = &body["ResultObject"];
    assert_eq!(r["MaxBalance"].to_string(), "20000.00");
    assert_eq!(r["MonthlyLoadLimit"].to_string(), "50000.00");
    assert_eq!(r["LoadedThisMonth"].to_string(), "12000.00");
    assert_eq!(
        r["RemainingLoadLimit"].to_string(),
        "8000.00",
        "the maximum balance is the tighter limit"
    );
    assert_eq!(r["Currency"], 949);
}
