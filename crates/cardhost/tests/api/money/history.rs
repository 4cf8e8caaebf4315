//! What the host shows afterwards: a card's transactions, and CheckLedger finding damage.

use super::*;

#[tokio::test]
async fn card_transactions_page_and_filter_by_business_day() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &token, &card, "1000.00", "L1").await;
    for i in 0..24 {
        send(&app, &token, &card, &format!("d1-{i}"), "1.00", json!({})).await;
    }
    // 2026-03-02 09:30 UTC is the 2nd in Istanbul; 15 hours later it is the 3rd there.
    app.clock.advance(Duration::hours(15));
    let token = app.token("issuer").await;
    for i in 0..5 {
        send(&app, &token, &card, &format!("d2-{i}"), "2.00", json!({})).await;
    }
    let t = card["CardToken"].as_str().unwrap();
    let first = list(&app, &token, t, "&PageSize=10").await;
    assert_eq!(first["ResultObject"]["TotalCount"], 30);
    assert_eq!(first["ResultObject"]["PageSize"], 10);
    assert_eq!(first["ResultObject"]["Items"].as_array().unwrap().len(), 10);
    assert_eq!(
        first["ResultObject"]["Items"][0]["Amount"].to_string(),
        "2.00",
        "newest first"
    );
    let last = list(&app, &token, t, "&PageSize=10&Page=3").await;
    assert_eq!(last["ResultObject"]["Items"].as_array().unwrap().len(), 10);
    assert_eq!(
        last["ResultObject"]["Items"][9]["TransactionType"], "Load",
        "the oldest is last"
    );
    let day1 = list(
        &app,
        &token,
        t,
        "&StartDate=20260302&EndDate=20260302&PageSize=500",
    )
    .await;
    assert_eq!(day1["ResultObject"]["TotalCount"], 25);
    let day2 = list(&app, &token, t, "&StartDate=20260303").await;
    assert_eq!(day2["ResultObject"]["TotalCount"], 5);
    assert_eq!(day2["ResultObject"]["Page"], 1);
    assert_eq!(day2["ResultObject"]["PageSize"], 20);
    let bad = list(&app, &token, t, "&PageSize=501").await;
    assert_eq!(error_fields(&bad), ["PageSize"]);
    let bad = list(&app, &token, t, "&StartDate=20260230").await;
    assert_eq!(error_fields(&bad), ["StartDate"]);
}

async fn list(app: &TestApp, token: &str, card_token: &str, query: &str) -> Value {
    app.get(
        &format!("/api/Integration/GetCardTransactions?CardToken={card_token}{query}"),
        token,
    )
    .await
    .1
}

/// `CheckLedger`'s verdict after a card loaded with 10.00 has its ledger
/// account changed by `set` behind the journal's back, as a bad restore or a
/// stray UPDATE would; with the account's name.
async fn check_after_tampering(set: &str) -> (String, Value) {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &token, &card, "10.00", "L1").await;
    let (account,): (String,) = sqlx::query_as(
        "SELECT ledger_account FROM ledger_accounts WHERE ledger_account LIKE 'card:%'",
    )
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    let tamper = format!("UPDATE ledger_accounts SET {set} WHERE ledger_account = '{account}'");
    app.damage(&tamper).await;
    let admin = app.admin_token().await;
    let (_, body) = app.get("/api/Admin/CheckLedger", &admin).await;
    (account, body["ResultObject"].clone())
}

#[tokio::test]
async fn check_ledger_names_a_balance_that_disagrees_with_its_entries() {
    let (account, check) = check_after_tampering("balance = balance + 1").await;
    assert_eq!(
        (&check["Ok"], &check["Violations"]),
        (
            &json!(false),
            &json!([
                "balances in currency 949 sum to 1",
                format!("account {account} shows 1001 but its entries sum to 1000"),
            ])
        ),
        "{check}"
    );
}

#[tokio::test]
async fn check_ledger_names_an_account_stored_in_an_unknown_currency() {
    let (account, check) = check_after_tampering("currency = 1").await;
    assert_eq!(
        check["Violations"],
        json!([
            "balances in currency 1 sum to 1000",
            "balances in currency 949 sum to -1000",
            format!("account {account} is in currency 1 but has entries in currency 949"),
            "ledger_accounts has 1 row in stored currency 1, which is neither points (0) nor an ISO 4217 currency",
        ]),
        "{check}"
    );
}
