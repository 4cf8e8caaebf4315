//! Loads, purchases, refunds and reversals, and the exact amounts they move.

use super::*;

#[tokio::test]
async fn a_load_answers_its_codes_and_the_new_balance() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let body = load(&app, &token, &card, "500.00", "L1").await;
    let r = &body["ResultObject"];
    assert_code(&body, "00");
    assert_eq!(r["AuthCode"].as_str().unwrap().len(), 6);
    assert_eq!(r["Rrn"].as_str().unwrap().len(), 12);
    assert_eq!(
        body["ApprovalRefNumber"].as_i64().unwrap().to_string(),
        r["Rrn"].as_str().unwrap().trim_start_matches('0')
    );
    assert_eq!(r["AvailableAmount"].to_string(), "500.00");
    assert_eq!(r["MaskedCardNo"], card["MaskedCardNo"]);
    assert_eq!(r["TransactionDate"], "20260302093000");
}

#[tokio::test]
async fn a_purchase_takes_its_amount_from_the_balance() {
    let card = Funded::with("500.00").await;
    let fields = json!({"Mcc": "5411", "MerchantName": "CORNER GROCERY"});
    let purchase = card.send("P1", "125.50", fields).await;
    assert_code(&purchase, "00");
    assert_eq!(
        purchase["ResultObject"]["AvailableAmount"].to_string(),
        "374.50"
    );
    assert_eq!(card.balances().await, ["374.50", "374.50", "0.00"]);
}

#[tokio::test]
async fn a_card_account_stored_in_an_unknown_currency_moves_nothing() {
    let card = Funded::with("500.00").await;
    let set = |code| {
        format!("UPDATE ledger_accounts SET currency = {code} WHERE ledger_account LIKE 'card:%'")
    };
    card.app.damage(&set(1)).await;
    assert_eq!(card.purchase("P1", "125.50").await["Result"], 99);
    card.app.damage(&set(949)).await;
    assert_eq!(card.balances().await, ["500.00", "500.00", "0.00"]);
}

#[tokio::test]
async fn a_partial_refund_gives_back_its_amount() {
    let card = Funded::with("500.00").await;
    let purchase = card.purchase("P1", "125.50").await;
    let refund = card.against("Refund", &purchase, "R1", "25.50").await;
    assert_code(&refund, "00");
    assert_eq!(card.balances().await, ["400.00", "400.00", "0.00"]);
}

#[tokio::test]
async fn refunds_together_never_exceed_the_purchase() {
    let card = Funded::with("500.00").await;
    let purchase = card.purchase("P1", "125.50").await;
    card.against("Refund", &purchase, "R1", "25.50").await;
    let over = card.against("Refund", &purchase, "R2", "100.01").await;
    assert_code(&over, "13");
    assert_eq!(card.balances().await, ["400.00", "400.00", "0.00"]);
}

#[tokio::test]
async fn a_refunded_purchase_is_not_reversed() {
    let card = Funded::with("500.00").await;
    let purchase = card.purchase("P1", "125.50").await;
    card.against("Refund", &purchase, "R1", "25.50").await;
    assert_code(&card.reverse(&purchase, "V1").await, "12");
}

#[tokio::test]
async fn a_reversed_cash_withdrawal_gives_back_its_amount() {
    let card = Funded::with("500.00").await;
    let fields = json!({"TransactionType": "CashWithdrawal", "Channel": "Atm"});
    let cash = card.send("W1", "20.00", fields).await;
    assert_eq!(
        cash["ResultObject"]["AvailableAmount"].to_string(),
        "480.00"
    );
    let undo = card.reverse(&cash, "V1").await;
    assert_code(&undo, "00");
    assert_eq!(
        undo["ResultObject"]["AvailableAmount"].to_string(),
        "500.00"
    );
}

#[tokio::test]
async fn a_transaction_is_reversed_once() {
    let card = Funded::with("500.00").await;
    let purchase = card.purchase("P1", "20.00").await;
    card.reverse(&purchase, "V1").await;
    assert_code(&card.reverse(&purchase, "V2").await, "12");
    assert_eq!(card.balances().await, ["500.00", "500.00", "0.00"]);
}

#[tokio::test]
async fn the_history_lists_each_transaction_with_its_status_newest_first() {
    let card = Funded::with("500.00").await;
    let purchase = card.purchase("P1", "125.50").await;
    card.against("Refund", &purchase, "R1", "25.50").await;
    card.against("Refund", &purchase, "R2", "100.01").await;
    let cash = card
        .send("W1", "20.00", json!({"TransactionType": "CashWithdrawal"}))
        .await;
    card.reverse(&cash, "V1").await;
    let expected = pairs(&[
        ("Reversal", "Approved"),
        ("CashWithdrawal", "Reversed"),
        ("Refund", "Declined"),
        ("Refund", "Approved"),
        ("Purchase", "Approved"),
        ("Load", "Approved"),
    ]);
    assert_eq!(card.history().await, expected);
    ledger_ok(&card.app).await;
}

#[tokio::test]
async fn a_reversed_purchase_no_longer_counts_towards_the_daily_limit() {
    let card = Funded::with("1000.00").await;
    let limits = json!({"DailyPurchaseLimit": 400, "DailyTransactionCount": 2});
    card.change("UpdateCardLimit", limits).await;
    let first = card.purchase("D1", "300").await;
    assert_code(&card.purchase("D2", "150").await, "61");
    assert_code(&card.reverse(&first, "V1").await, "00");
    assert_code(&card.purchase("D3", "400").await, "00");
    assert_code(&card.purchase("D4", "0.01").await, "61");
    ledger_ok(&card.app).await;
}
