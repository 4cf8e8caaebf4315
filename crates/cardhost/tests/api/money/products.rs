//! What each kind of card adds: credit limits and points, prepaid maximums and monthly loads.

use super::*;

#[tokio::test]
async fn credit_cards_share_the_customer_limit_and_earn_points() {
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
    assert_eq!(
        send(&app, &token, &first, "p1", "600.00", json!({})).await["Result"],
        0
    );
    assert_eq!(
        code(&send(&app, &token, &first, "p2", "400.01", json!({})).await),
        "51",
        "the card's room is 400.00"
    );
    let (_, body) = app
        .post(
            "/api/Integration/UpdateCustomerLimit",
            &token,
            json!({"CustomerNo": CUSTOMER, "Limit": 500, "LimitCurrency": 949}),
        )
        .await;
    assert_eq!(body["Result"], 4, "below the 600.00 used");
    app.post(
        "/api/Integration/UpdateCustomerLimit",
        &token,
        json!({"CustomerNo": CUSTOMER, "Limit": 1200, "LimitCurrency": 949}),
    )
    .await;
    assert_eq!(
        code(&send(&app, &token, &second, "p3", "600.01", json!({})).await),
        "51",
        "the customer's room is 600.00"
    );
    assert_eq!(
        send(&app, &token, &second, "p4", "600.00", json!({})).await["Result"],
        0
    );
    let b = balance(&app, &token, &first).await;
    assert_eq!(b["LedgerBalance"].to_string(), "-600.00");
    assert_eq!(b["Debt"].to_string(), "600.00");
    assert_eq!(b["CreditLimit"].to_string(), "1000.00");
    assert_eq!(
        b["AvailableAmount"].to_string(),
        "0.00",
        "no customer room left"
    );
    assert_eq!(b["PointBalance"], 6, "600.00 earns floor(600/100) points");
    let (_, c) = app
        .get(
            &format!("/api/Integration/GetCustomerInfo?CustomerNo={CUSTOMER}"),
            &token,
        )
        .await;
    assert_eq!(c["ResultObject"]["UsedLimit"].to_string(), "1200.00");
    assert_eq!(c["ResultObject"]["AvailableLimit"].to_string(), "0.00");
    let repay = load(&app, &token, &first, "250.00", "rep1").await;
    assert_eq!(repay["Result"], 0);
    let b = balance(&app, &token, &first).await;
    assert_eq!(
        (b["Debt"].to_string(), b["AvailableAmount"].to_string()),
        ("350.00".into(), "250.00".into())
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn prepaid_cards_keep_their_maximum_balance_and_monthly_loads() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    assert_eq!(
        load(&app, &token, &card, "15000.00", "l1").await["Result"],
        0
    );
    assert_eq!(
        code(&load(&app, &token, &card, "5000.01", "l2").await),
        "61",
        "over the 20,000.00 maximum balance"
    );
    assert_eq!(
        load(&app, &token, &card, "5000.00", "l3").await["Result"],
        0
    );
    for (i, amount) in ["20000.00", "20000.00"].iter().enumerate() {
        assert_eq!(
            send(&app, &token, &card, &format!("s{i}"), amount, json!({})).await["Result"],
            0
        );
        let body = load(
            &app,
            &token,
            &card,
            if i == 0 { "20000.00" } else { "10000.00" },
            &format!("m{i}"),
        )
        .await;
        assert_eq!(body["Result"], 0, "{body}");
    }
    // 15,000 + 5,000 + 20,000 + 10,000 = 50,000.00 loaded this month.
    send(&app, &token, &card, "s9", "10000.00", json!({})).await;
    assert_eq!(
        code(&load(&app, &token, &card, "0.01", "over").await),
        "61",
        "the monthly load limit is reached"
    );
    app.clock.advance(Duration::days(31));
    let token = app.token("issuer").await;
    assert_eq!(
        load(&app, &token, &card, "100.00", "next-month").await["Result"],
        0
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
