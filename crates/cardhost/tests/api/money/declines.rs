//! Each decline of the issuer decision for what the request or the card is:
//! the card's identity and secrets, the amount and currency, funds and status.

use super::*;

/// The card's CVV2 for `expiry`, computed by the test's own implementation.
fn cvv2(card: &Funded, expiry: &str) -> String {
    let pan = card.card["CardNo"].as_str().unwrap();
    independent::visa_cvv(TEST_CVK, pan, expiry, "000")
}

/// A CVV2 other than the card's.
fn wrong_cvv2(card: &Funded) -> String {
    let right: u32 = cvv2(card, "3003").parse().unwrap();
    format!("{:03}", (right + 7) % 1000)
}

/// A format 0 PIN block of a PIN other than the card's own.
async fn wrong_pin_block(card: &Funded) -> String {
    let pan = card.card["CardNo"].as_str().unwrap();
    let (_, body) = card
        .app
        .post(
            "/api/Integration/GetCardPin",
            &card.token,
            json!({"CardToken": card.card["CardToken"], "PinBlockFormat": 0, "KeyName": "zpk"}),
        )
        .await;
    let block = body["ResultObject"]["PinBlock"].as_str().unwrap();
    let pin = independent::iso0_pin(TEST_ZPK, block, pan);
    let wrong = if pin == "0000" { "1111" } else { "0000" };
    independent::iso0_block(TEST_ZPK, wrong, pan)
}

fn with_pin(block: &str) -> Value {
    json!({"PinBlock": block, "PinBlockFormat": 0, "KeyName": "zpk"})
}

#[tokio::test]
async fn a_card_of_another_host_is_declined_14() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let body = json!({"CardNo": "4111111111111111", "Reference": "x14",
        "TransactionType": "Purchase", "Amount": 1, "Currency": 949});
    let (_, body) = app.post(SEND, &token, body).await;
    assert_code(&body, "14");
}

#[tokio::test]
async fn a_refusal_of_an_unknown_card_that_named_no_currency_answers_no_currency() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let body = json!({"CardNo": "4111111111111111", "Reference": "rv-unknown",
        "TransactionType": "Reversal", "OriginalProcessId": "100000000001"});
    let (_, body) = app.post(SEND, &token, body).await;
    let r = &body["ResultObject"];
    assert_eq!(
        (code(&body), r["Currency"].clone(), r["Amount"].clone()),
        ("14".into(), Value::Null, Value::Null),
        "{body}"
    );
}

#[tokio::test]
async fn an_expiry_date_other_than_the_cards_is_declined_54() {
    let card = Funded::with("100.00").await;
    let body = card.send("e54", "1", json!({"ExpiryDate": "3004"})).await;
    assert_code(&body, "54");
}

#[tokio::test]
async fn the_cards_cvv2_and_expiry_date_are_approved() {
    let card = Funded::with("100.00").await;
    let fields = json!({"Cvv2": cvv2(&card, "3003"), "ExpiryDate": "3003"});
    assert_code(&card.send("ok", "1", fields).await, "00");
}

#[tokio::test]
async fn a_wrong_cvv2_is_declined_n7() {
    let card = Funded::with("100.00").await;
    let body = card
        .send("n7", "1", json!({"Cvv2": wrong_cvv2(&card)}))
        .await;
    assert_code(&body, "N7");
}

#[tokio::test]
async fn after_three_wrong_cvv2s_even_the_right_one_is_declined_62() {
    let card = Funded::with("100.00").await;
    for i in 0..3 {
        let fields = json!({"Cvv2": wrong_cvv2(&card)});
        card.send(&format!("n7-{i}"), "1", fields).await;
    }
    let right = json!({"Cvv2": cvv2(&card, "3003")});
    assert_code(&card.send("l62", "1", right).await, "62");
}

#[tokio::test]
async fn a_wrong_pin_is_declined_55() {
    let card = Funded::with("100.00").await;
    let block = wrong_pin_block(&card).await;
    assert_code(&card.send("p55", "1", with_pin(&block)).await, "55");
}

#[tokio::test]
async fn the_third_wrong_pin_is_declined_75() {
    let card = Funded::with("100.00").await;
    let block = wrong_pin_block(&card).await;
    card.send("p1", "1", with_pin(&block)).await;
    card.send("p2", "1", with_pin(&block)).await;
    assert_code(&card.send("p3", "1", with_pin(&block)).await, "75");
}

#[tokio::test]
async fn a_zero_amount_is_declined_13() {
    let card = Funded::with("100.00").await;
    assert_code(&card.purchase("a13", "0").await, "13");
}

#[tokio::test]
async fn a_currency_other_than_the_cards_is_declined_12() {
    let card = Funded::with("100.00").await;
    let body = card.send("c12", "1", json!({"Currency": 978})).await;
    assert_code(&body, "12");
}

#[tokio::test]
async fn more_than_the_available_balance_is_declined_51() {
    let card = Funded::with("100.00").await;
    assert_code(&card.purchase("f51", "100.01").await, "51");
}

#[tokio::test]
async fn a_declined_purchase_is_recorded_and_moves_no_money() {
    let card = Funded::with("100.00").await;
    card.purchase("f51", "100.01").await;
    let expected = pairs(&[("Purchase", "Declined"), ("Load", "Approved")]);
    assert_eq!(card.history().await, expected);
    assert_eq!(card.balances().await, ["100.00", "100.00", "0.00"]);
    ledger_ok(&card.app).await;
}

/// The decline of a purchase after the card's status is set to `status`.
async fn declined_in_status(status: &str) -> String {
    let card = Funded::with("100.00").await;
    card.change("UpdateCardStatus", json!({"CardStatus": status}))
        .await;
    code(&card.purchase("s", "1").await)
}

#[tokio::test]
async fn a_temporarily_blocked_card_is_declined_62() {
    assert_eq!(declined_in_status("T").await, "62");
}

#[tokio::test]
async fn a_lost_card_is_declined_41() {
    assert_eq!(declined_in_status("L").await, "41");
}

#[tokio::test]
async fn a_stolen_card_is_declined_43() {
    assert_eq!(declined_in_status("S").await, "43");
}

#[tokio::test]
async fn a_physical_card_not_yet_activated_is_declined_78() {
    let card = Funded::with("100.00").await;
    let physical = issue(&card.app, &card.token, "Debit", json!({})).await;
    let body = send(&card.app, &card.token, &physical, "s78", "1", json!({})).await;
    assert_code(&body, "78");
}

#[tokio::test]
async fn an_expired_card_is_declined_54() {
    let card = Funded::with("100.00").await;
    // Expiry 3003 is good through March 2030; April is past it.
    card.app.clock.advance(Duration::days(366 * 4 + 31));
    let token = card.app.token("issuer,pan").await;
    let body = send(&card.app, &token, &card.card, "s54", "1", json!({})).await;
    assert_code(&body, "54");
}
