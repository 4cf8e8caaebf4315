//! Payments on this host's own cards: refusals, repeats sent at once, and the published example.

use super::*;

#[tokio::test]
async fn a_void_with_a_wrong_typed_field_is_refused_and_audited() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let body = vpos(&app, &s.vpos, "PaymentVoid", json!({"OrderId": 42})).await;
    assert_eq!(
        (body["Result"].clone(), body["Errors"][0]["Field"].clone()),
        (json!(1), json!("OrderId"))
    );
    assert_eq!(app.audited_results("PaymentVoid").await, [1]);
}

#[tokio::test]
async fn an_order_stored_in_an_unknown_currency_is_an_error_never_lira() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("100.00").await;
    let paid = vpos(&app, &s.vpos, "PaymentSale", pay_body("U1", "10.00", &card)).await;
    assert_eq!(paid["Result"], 0, "{paid}");
    app.damage("UPDATE vpos_orders SET currency = 1 WHERE order_id = 'U1'")
        .await;
    let (status, body) = app
        .get(
            &format!("/api/VPos/CheckByOrderId?MerchantNo={MERCHANT}&OrderId=U1"),
            &s.vpos,
        )
        .await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["Result"], 99);
    assert_eq!(body["ResultObject"], Value::Null);
}

#[tokio::test]
async fn concurrent_repeats_of_an_order_pay_once() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let same = all_at_once(
        &app,
        &s.vpos,
        "PaymentSale",
        (0..30).map(|_| pay_body("c-1", "10.00", &card)).collect(),
    )
    .await;
    let first = &same[0]["ResultObject"]["ProcessId"];
    for body in &same {
        assert_eq!(
            (body["Result"].clone(), &body["ResultObject"]["ProcessId"]),
            (json!(0), first),
            "{body}"
        );
    }
    // Different amounts on one OrderId: one is paid, the others are 7.
    let mixed = all_at_once(
        &app,
        &s.vpos,
        "PaymentSale",
        (1..=20)
            .map(|i| pay_body("c-2", &format!("{i}.00"), &card))
            .collect(),
    )
    .await;
    let paid: Vec<&Value> = mixed.iter().filter(|b| b["Result"] == 0).collect();
    let conflicts = mixed.iter().filter(|b| b["Result"] == 7).count();
    assert_eq!((paid.len(), conflicts), (1, 19));
    let charged = minor_units(&paid[0]["ResultObject"]["Amount"]);
    let left = minor_units(&balance(&app, &s.issuer, &card).await["AvailableAmount"]);
    assert_eq!(left, 49_000 - charged);
    assert_eq!(open_batch(&app, &s.acquirer).await["SaleCount"], 2);
    ledger_ok(&app).await;
}

#[tokio::test]
async fn the_published_payment_sale_example_is_a_well_formed_request() {
    let app = TestApp::spawn().await;
    let acquirer = app.token("acquirer").await;
    let (_, created) = app
        .post(
            "/api/Integration/CreateMerchantAndTerminal",
            &acquirer,
            json!({"Merchant": {"MerchantNo": "100000000001", "MerchantName": "Example", "Mcc": "5942", "Country": "TR", "Currency": 949},
                "Terminals": [{"TerminalNo": "10000001", "TerminalType": "Vpos"}]}),
        )
        .await;
    assert_eq!(created["Result"], 0, "{created}");
    let example: Value = serde_json::from_str(include_str!(
        "../../../../http/api-examples/PaymentSale.json"
    ))
    .unwrap();
    let admin = app.admin_token().await;
    let answer = vpos(&app, &admin, "PaymentSale", example).await;
    // A card number in this host's Visa BIN that it never issued: declined 14.
    assert_eq!(
        (answer["Result"].clone(), code(&answer)),
        (json!(8), "14"),
        "{answer}"
    );
    assert_eq!(answer["ResultObject"]["MaskedCardNo"], "410000******7898");
}

#[tokio::test]
async fn a_card_blocked_through_one_instance_is_refused_at_once_through_the_other() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let paid = app
        .post_on(
            1,
            "/api/VPos/PaymentSale",
            &s.vpos,
            pay_body("b-1", "10.00", &card),
        )
        .await;
    assert_eq!(paid["Result"], 0, "{paid}");
    let block = json!({"CardToken": card["CardToken"], "CardStatus": "T", "StatusReason": "lost"});
    let blocked = app
        .post_on(0, "/api/Integration/UpdateCardStatus", &s.issuer, block)
        .await;
    assert_eq!(blocked["Result"], 0, "{blocked}");
    let refused = app
        .post_on(
            1,
            "/api/VPos/PaymentSale",
            &s.vpos,
            pay_body("b-2", "10.00", &card),
        )
        .await;
    assert_eq!(refused["Result"], 8, "{refused}");
    assert_eq!(s.available(&card).await, "490.00");
}
