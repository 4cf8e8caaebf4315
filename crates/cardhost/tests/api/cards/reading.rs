//! Reading cards back: tokens, PAN reads, the customer's cards, emboss files.

use super::*;

/// A fresh host with a customer, its `issuer,pan` token and one card of `kind`.
async fn one_card(kind: &str) -> (TestApp, String, Value) {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, kind, json!({})).await;
    (app, token, card)
}

async fn tokenize(app: &TestApp, token: &str, card_no: &Value) -> Value {
    let body = json!({"CardNo": card_no});
    app.post("/api/Integration/TokenizeCardNo", token, body)
        .await
        .1
}

#[tokio::test]
async fn a_card_number_always_tokenizes_to_its_cards_token() {
    let (app, token, card) = one_card("Debit").await;
    for _ in 0..2 {
        let body = tokenize(&app, &token, &card["CardNo"]).await;
        assert_eq!(
            (&body["Result"], &body["ResultObject"]["CardToken"]),
            (&json!(0), &card["CardToken"])
        );
    }
}

#[tokio::test]
async fn another_hosts_card_number_has_no_token() {
    let (app, token, _) = one_card("Debit").await;
    assert_eq!(
        tokenize(&app, &token, &json!("4111111111111111")).await["Result"],
        2
    );
}

#[tokio::test]
async fn a_card_number_failing_luhn_is_not_tokenized() {
    let (app, token, _) = one_card("Debit").await;
    assert_eq!(
        error_fields(&tokenize(&app, &token, &json!("4111111111111112")).await),
        ["CardNo"]
    );
}

#[tokio::test]
async fn a_card_read_naming_no_card_is_refused_by_name() {
    let (app, token, _) = one_card("Debit").await;
    let (_, body) = app.get("/api/Integration/GetCardInfo", &token).await;
    assert_eq!(error_fields(&body), ["CardNo"]);
}

#[tokio::test]
async fn an_unknown_card_token_is_not_found() {
    let (app, token, _) = one_card("Debit").await;
    let (_, body) = app
        .get("/api/Integration/GetCardInfo?CardToken=00", &token)
        .await;
    assert_eq!(body["Result"], 2);
}

#[tokio::test]
async fn get_card_no_answers_the_full_number() {
    let (app, token, card) = one_card("Credit").await;
    let path = format!(
        "/api/Integration/GetCardNo?CardToken={}",
        card["CardToken"].as_str().unwrap()
    );
    let (status, body) = app.get(&path, &token).await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["CardNo"], card["CardNo"]);
}

#[tokio::test]
async fn private_info_answers_the_cvv2_an_independent_implementation_computes() {
    let (app, token, card) = one_card("Credit").await;
    let pan = card["CardNo"].as_str().unwrap();
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardPrivateInfo?CardNo={pan}"),
            &token,
        )
        .await;
    let info = &body["ResultObject"];
    let cvv2 = independent::visa_cvv(TEST_CVK, pan, "3003", "000");
    assert_eq!(
        (&info["CardNo"], &info["ExpiryDate"], &info["Cvv2"]),
        (&json!(pan), &json!("3003"), &json!(cvv2))
    );
}

#[tokio::test]
async fn each_pan_read_is_audited_with_the_card_masked() {
    let (app, token, card) = one_card("Credit").await;
    let pan = card["CardNo"].as_str().unwrap();
    app.get(
        &format!(
            "/api/Integration/GetCardNo?CardToken={}",
            card["CardToken"].as_str().unwrap()
        ),
        &token,
    )
    .await;
    app.get(
        &format!("/api/Integration/GetCardPrivateInfo?CardNo={pan}"),
        &token,
    )
    .await;
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT operation, object_key FROM audit_log WHERE operation IN ('GetCardNo', 'GetCardPrivateInfo') ORDER BY audit_id")
            .fetch_all(&app.db().await)
            .await
            .unwrap();
    let masked = card["MaskedCardNo"].as_str().map(str::to_owned);
    assert_eq!(
        rows,
        [
            ("GetCardNo".to_owned(), masked.clone()),
            ("GetCardPrivateInfo".to_owned(), masked)
        ]
    );
}

#[tokio::test]
async fn the_pan_reads_are_documented_as_deprecated() {
    let app = TestApp::spawn().await;
    let doc: Value = app.raw_get("/openapi.json").await.json().await.unwrap();
    for path in [
        "/api/Integration/GetCardNo",
        "/api/Integration/GetCardPrivateInfo",
    ] {
        assert_eq!(doc["paths"][path]["get"]["deprecated"], true, "{path}");
    }
}

#[tokio::test]
async fn card_customer_info_lists_the_cards() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let credit = issue(&app, &token, "Credit", json!({})).await;
    let debit = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let (status, body) = app
        .get(
            &format!(
                "/api/Integration/GetCardCustomerInfo?CardToken={}",
                debit["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_result(status, &body, 200, 0);
    let c = &body["ResultObject"];
    assert_eq!(c["CustomerNo"], CUSTOMER);
    assert_eq!(
        c["Cards"],
        json!([
            {"MaskedCardNo": credit["MaskedCardNo"], "CardToken": credit["CardToken"], "CardType": "Credit",
             "ProductCode": "CLASSIC-CREDIT", "CardStatus": "N", "ExpiryDate": "3003"},
            {"MaskedCardNo": debit["MaskedCardNo"], "CardToken": debit["CardToken"], "CardType": "Debit",
             "ProductCode": "STANDARD-DEBIT", "CardStatus": "A", "ExpiryDate": "3003"}
        ])
    );
}
