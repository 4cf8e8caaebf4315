//! On-us sales: what they move, answer and record, and who may see them.

use super::*;

/// The sale of 120.50 on order `o-1` with the card's number, expiry and CVV2.
fn sale_body(card: &Value) -> Value {
    let pan = card["CardNo"].as_str().unwrap();
    let expiry = card["ExpiryDate"].as_str().unwrap();
    let cvv2 = independent::visa_cvv(TEST_CVK, pan, expiry, "000");
    json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL, "OrderId": "o-1", "Amount": dec("120.50"), "Currency": 949,
        "CardNo": pan, "ExpiryDate": expiry, "Cvv2": cvv2, "CardHolderName": "AYSE YILMAZ", "CustomerIp": "203.0.113.7"})
}

/// A shop whose funded card (500.00) paid [`sale_body`]; the card and the answer.
async fn sold(s: &Shop<'_>) -> (Value, Value) {
    let card = s.funded_debit("500.00").await;
    let answer = s.op("PaymentSale", sale_body(&card)).await;
    assert_eq!(answer["Result"], 0, "{answer}");
    (card, answer)
}

#[tokio::test]
async fn an_on_us_sale_is_approved_into_the_open_batch() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let (_, answer) = sold(&s).await;
    let r = &answer["ResultObject"];
    assert_eq!(
        (code(&answer), &r["TransactionType"], &r["Network"]),
        ("00", &json!("Sale"), &json!("OnUs"))
    );
    assert_eq!(
        (money(&r["Amount"]), &r["BatchNo"], &r["OrderId"]),
        ("120.50".into(), &json!(1), &json!("o-1"))
    );
}

#[tokio::test]
async fn an_approved_sale_carries_its_rrn_as_the_approval_reference() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let (_, answer) = sold(&s).await;
    let rrn = answer["ResultObject"]["Rrn"].as_str().unwrap();
    assert_eq!(rrn.len(), 12);
    assert_eq!(
        answer["ApprovalRefNumber"].to_string(),
        rrn.trim_start_matches('0')
    );
}

#[tokio::test]
async fn a_sale_answers_the_card_number_masked() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let (card, answer) = sold(&s).await;
    let r = &answer["ResultObject"];
    assert!(
        !r.to_string().contains(card["CardNo"].as_str().unwrap()),
        "{r}"
    );
}

#[tokio::test]
async fn a_sale_takes_exactly_its_amount_from_the_card() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let (card, _) = sold(&s).await;
    assert_eq!(s.available(&card).await, "379.50");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_sale_counts_in_the_open_batch() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    sold(&s).await;
    let batch = open_batch(&app, &s.acquirer).await;
    assert_eq!(
        (&batch["SaleCount"], money(&batch["SaleAmount"])),
        (&json!(1), "120.50".into())
    );
}

#[tokio::test]
async fn a_paid_order_shows_its_capture_and_last_transaction() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let (_, answer) = sold(&s).await;
    let o = order(&app, &s.vpos, "o-1").await;
    assert_eq!(
        (&o["OrderStatus"], money(&o["CapturedAmount"])),
        (&json!("Paid"), "120.50".into())
    );
    assert_eq!(
        o["LastTransaction"]["ProcessId"],
        answer["ResultObject"]["ProcessId"]
    );
}

/// `CheckByProcessId` of [`sold`]'s sale, its ProcessId written `prefix` + digits.
async fn check_sold_by_process_id(prefix: &str) -> Value {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let (_, answer) = sold(&s).await;
    let pid = answer["ResultObject"]["ProcessId"].as_str().unwrap();
    let path = format!("/api/VPos/CheckByProcessId?MerchantNo={MERCHANT}&ProcessId={prefix}{pid}");
    app.get(&path, &s.vpos).await.1
}

#[tokio::test]
async fn a_sale_is_found_by_its_process_id() {
    let found = check_sold_by_process_id("").await;
    let r = &found["ResultObject"];
    assert_eq!(
        (&r["OrderId"], &r["TransactionType"]),
        (&json!("o-1"), &json!("Sale"))
    );
}

#[tokio::test]
async fn a_process_id_with_a_sign_is_refused_naming_it() {
    // "+N" parses as a number but is not the digits the API gives out.
    let refused = check_sold_by_process_id("%2B").await;
    assert_eq!(
        (&refused["Result"], error_fields(&refused)),
        (&json!(1), vec!["ProcessId".to_owned()])
    );
}

#[tokio::test]
async fn the_same_sale_again_answers_the_first_outcome() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let (card, first) = sold(&s).await;
    let again = s.op("PaymentSale", sale_body(&card)).await;
    assert_eq!(
        again["ResultObject"]["ProcessId"],
        first["ResultObject"]["ProcessId"]
    );
    assert_eq!(s.available(&card).await, "379.50");
}

#[tokio::test]
async fn other_content_on_a_used_order_id_is_refused_7() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let (card, _) = sold(&s).await;
    let mut changed = sale_body(&card);
    changed["Amount"] = dec("120.51");
    assert_eq!(s.op("PaymentSale", changed).await["Result"], 7);
    assert_eq!(s.available(&card).await, "379.50");
}

#[tokio::test]
async fn a_wrong_cvv2_is_declined_n7_and_fails_the_order() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let mut wrong = sale_body(&card);
    let right: u32 = wrong["Cvv2"].as_str().unwrap().parse().unwrap();
    wrong["Cvv2"] = json!(format!("{:03}", (right + 1) % 1000));
    let declined = s.op("PaymentSale", wrong).await;
    assert_eq!((&declined["Result"], code(&declined)), (&json!(8), "N7"));
    assert_eq!(order(&app, &s.vpos, "o-1").await["OrderStatus"], "Failed");
}

/// A `vpos` token of merchant 778, a stranger to the shop.
async fn stranger(app: &TestApp, s: &Shop<'_>) -> String {
    let other = json!({"MerchantNo": "778", "MerchantName": "Other", "Mcc": "5411", "Country": "TR", "Currency": 949});
    let (_, created) = app
        .post("/api/Integration/CreateMerchant", &s.acquirer, other)
        .await;
    assert_eq!(created["Result"], 0, "{created}");
    vpos_token_of(app, "778").await
}

#[tokio::test]
async fn another_merchants_client_cannot_read_the_order() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    sold(&s).await;
    let token = stranger(&app, &s).await;
    let path = format!("/api/VPos/CheckByOrderId?MerchantNo={MERCHANT}&OrderId=o-1");
    let (status, denied) = app.get(&path, &token).await;
    assert_result(status, &denied, 403, 6);
}

#[tokio::test]
async fn another_merchants_client_cannot_sell_for_the_merchant() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let token = stranger(&app, &s).await;
    let (status, denied) = app
        .post("/api/VPos/PaymentSale", &token, sale_body(&card))
        .await;
    assert_result(status, &denied, 403, 6);
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn an_unknown_order_is_not_found() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let path = format!("/api/VPos/CheckByOrderId?MerchantNo={MERCHANT}&OrderId=nope");
    assert_eq!(app.get(&path, &s.vpos).await.1["Result"], 2);
}

#[tokio::test]
async fn a_card_present_terminal_takes_no_virtual_pos_payment() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let terminal = json!({"MerchantNo": MERCHANT, "TerminalType": "Pos", "TerminalNo": "POS00777"});
    let (_, pos) = app
        .post("/api/Integration/CreateTerminal", &s.acquirer, terminal)
        .await;
    assert_eq!(pos["Result"], 0, "{pos}");
    let mut on_pos = pay_body("o-3", "1.00", &card);
    on_pos["TerminalNo"] = json!("POS00777");
    assert_eq!(s.op("PaymentSale", on_pos).await["Result"], 4);
}

#[tokio::test]
async fn an_amount_given_twice_is_refused_naming_it_and_nothing_is_paid() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    // What a proxy reading the first Amount and the host the last would disagree on.
    let raw = sale_body(&card)
        .to_string()
        .replacen('{', r#"{"Amount": 1.00, "#, 1);
    let (status, answer) = app
        .call_raw(
            reqwest::Method::POST,
            "/api/VPos/PaymentSale",
            Some(&s.vpos),
            raw,
        )
        .await;
    assert_result(status, &answer, 200, 1);
    assert_eq!(error_fields(&answer), ["Amount"]);
    assert_eq!(s.available(&card).await, "500.00");
}

/// A funded card's [`sale_body`] with `field` set to `value` is `Result` 1
/// naming only `field`: no order is made and the card keeps its 500.00.
async fn refused_naming(field: &str, value: &str) {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let mut body = sale_body(&card);
    body[field] = json!(value);
    let answer = s.op("PaymentSale", body).await;
    assert_eq!(
        (&answer["Result"], error_fields(&answer)),
        (&json!(1), vec![field.to_owned()])
    );
    let path = format!("/api/VPos/CheckByOrderId?MerchantNo={MERCHANT}&OrderId=o-1");
    let (_, found) = app.get(&path, &s.vpos).await;
    assert_eq!(found["Result"], 2, "{found}");
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn a_control_character_in_the_order_id_is_refused_naming_it() {
    // PostgreSQL cannot store a NUL: refused at the edge on either engine.
    refused_naming("OrderId", "o\u{0}1").await;
}

#[tokio::test]
async fn an_expiry_month_past_12_is_refused_naming_it_and_no_order_is_made() {
    refused_naming("ExpiryDate", "3013").await;
}
