//! Money moved between cards: card to card, and money send.

use super::*;

#[tokio::test]
async fn card_to_card_moves_both_legs_or_neither() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let from = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let to = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    load(&app, &token, &from, "300.00", "L1").await;
    let transfer = |reference: &str, amount: &str, target: &Value| {
        let body: Value = serde_json::from_str(&format!(
            r#"{{"SourceCardToken": "{}", "TargetCardToken": "{}", "Reference": "{reference}", "Amount": {amount}, "Currency": 949}}"#,
            from["CardToken"].as_str().unwrap(),
            target["CardToken"].as_str().unwrap()
        ))
        .unwrap();
        app.post("/api/Integration/CardToCardBalanceTransfer", &token, body)
    };
    let (_, body) = transfer("t1", "120.00", &to).await;
    assert_eq!(body["Result"], 0, "{body}");
    assert_eq!(body["ResultObject"]["MaskedCardNo"], from["MaskedCardNo"]);
    assert_eq!(
        body["ResultObject"]["TargetMaskedCardNo"],
        to["MaskedCardNo"]
    );
    assert_eq!(
        balance(&app, &token, &from).await["LedgerBalance"].to_string(),
        "180.00"
    );
    assert_eq!(
        balance(&app, &token, &to).await["LedgerBalance"].to_string(),
        "120.00"
    );
    let (_, repeat) = transfer("t1", "120.00", &to).await;
    assert_eq!(
        repeat["ResultObject"], body["ResultObject"],
        "a repeat posts nothing"
    );
    let (_, body) = transfer("t2", "180.01", &to).await;
    assert_eq!(code(&body), "51");
    // The target refuses: neither leg posts.
    app.post(
        "/api/Integration/UpdateCardStatus",
        &token,
        json!({"CardToken": to["CardToken"], "CardStatus": "T"}),
    )
    .await;
    let (_, body) = transfer("t3", "50.00", &to).await;
    assert_eq!(code(&body), "62", "{body}");
    assert_eq!(
        balance(&app, &token, &from).await["LedgerBalance"].to_string(),
        "180.00"
    );
    assert_eq!(
        balance(&app, &token, &to).await["LedgerBalance"].to_string(),
        "120.00"
    );
    let (_, body) = transfer("t4", "50.00", &from).await;
    assert_eq!(code(&body), "12", "not to itself");
    let (_, list) = app
        .get(
            &format!(
                "/api/Integration/GetCardTransactions?CardToken={}",
                to["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(
        list["ResultObject"]["Items"][0]["TransactionType"],
        "TransferIn"
    );
    assert_eq!(
        list["ResultObject"]["Items"][0]["Amount"].to_string(),
        "120.00"
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn money_send_credits_on_us_cards_and_refuses_off_us_for_now() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let (status, body) = app
        .post("/api/Integration/MoneySend", &token, json!({"ReceiverCardToken": card["CardToken"], "Reference": "ms1", "Amount": dec("75.25"), "Currency": 949, "SenderName": "ACME PAYROLL"}))
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["AvailableAmount"].to_string(), "75.25");
    let (_, body) = app
        .post("/api/Integration/MoneySend", &token, json!({"ReceiverCardNo": "4111111111111111", "Reference": "ms2", "Amount": 10, "Currency": 949}))
        .await;
    assert_eq!(
        (body["Result"].clone(), code(&body)),
        (json!(8), "91".into()),
        "off-us needs the network connector"
    );
    let (_, body) = app
        .post("/api/Integration/MoneySend", &token, json!({"ReceiverCardNo": "4100000000000007", "Reference": "ms3", "Amount": 10, "Currency": 949}))
        .await;
    assert_eq!(code(&body), "14", "an unknown card in our own BIN");
    ledger_ok(&app).await;
}
