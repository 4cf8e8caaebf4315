//! Issuing: products' BINs, idempotent creation, refusals, shared accounts, registered PANs.

use super::*;

/// A fresh host with a customer, and its `issuer,pan` token.
async fn issuer() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    (app, token)
}

async fn card_info(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, body) = app
        .get(&format!("/api/Integration/GetCardInfo?{query}"), token)
        .await;
    assert_result(status, &body, 200, 0);
    body["ResultObject"].clone()
}

#[tokio::test]
async fn a_credit_card_is_numbered_in_its_products_bin_and_masked() {
    let (app, token) = issuer().await;
    let credit = issue(&app, &token, "Credit", json!({})).await;
    let pan = credit["CardNo"].as_str().unwrap();
    assert!(
        pan.starts_with("410000") && pan.len() == 16 && luhn_ok(pan),
        "{pan}"
    );
    assert_eq!(
        credit["MaskedCardNo"],
        format!("{}******{}", &pan[..6], &pan[12..])
    );
}

#[tokio::test]
async fn a_physical_credit_card_starts_not_activated_for_four_years() {
    let (app, token) = issuer().await;
    let c = issue(&app, &token, "Credit", json!({})).await;
    let shown: Vec<&Value> = [
        "CardStatus",
        "CardType",
        "ProductCode",
        "ExpiryDate",
        "CustomerNo",
    ]
    .iter()
    .map(|f| &c[*f])
    .collect();
    assert_eq!(
        shown,
        [
            &json!("N"),
            &json!("Credit"),
            &json!("CLASSIC-CREDIT"),
            &json!("3003"),
            &json!(CUSTOMER)
        ]
    );
    let lengths = (
        c["AccountNo"].as_str().unwrap().len(),
        c["CardToken"].as_str().unwrap().len(),
    );
    assert_eq!(lengths, (12, 32));
}

#[tokio::test]
async fn a_virtual_debit_card_starts_active_in_the_debit_bin() {
    let (app, token) = issuer().await;
    let debit = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    assert!(debit["CardNo"].as_str().unwrap().starts_with("520000"));
    assert_eq!(debit["CardStatus"], "A");
}

#[tokio::test]
async fn a_prepaid_card_is_issued_for_three_years() {
    let (app, token) = issuer().await;
    let prepaid = issue(&app, &token, "Prepaid", json!({})).await;
    assert!(prepaid["CardNo"].as_str().unwrap().starts_with("979200"));
    assert_eq!(prepaid["ExpiryDate"], "2903");
}

#[tokio::test]
async fn card_info_shows_the_card_without_its_number() {
    let (app, token) = issuer().await;
    let credit = issue(&app, &token, "Credit", json!({"EmbossName": "Ayse Yilmaz"})).await;
    let info = card_info(
        &app,
        &token,
        &format!("CardToken={}", credit["CardToken"].as_str().unwrap()),
    )
    .await;
    let shown: Vec<String> = [
        "EmbossName",
        "Brand",
        "CardLimit",
        "Currency",
        "IsVirtual",
        "AnnualFeeStatus",
        "CreateDate",
        "ActivationDate",
    ]
    .iter()
    .map(|f| info[*f].to_string())
    .collect();
    assert_eq!(
        shown,
        [
            "\"AYSE YILMAZ\"",
            "\"Visa\"",
            "10000.00",
            "949",
            "false",
            "\"Active\"",
            "\"20260302093000\"",
            "null"
        ]
    );
    assert!(info.get("CardNo").is_none(), "{info}");
}

#[tokio::test]
async fn the_default_emboss_name_folds_the_customers_turkish_letters() {
    let (app, token) = issuer().await;
    let prepaid = issue(&app, &token, "Prepaid", json!({})).await;
    let info = card_info(
        &app,
        &token,
        &format!("CardNo={}", prepaid["CardNo"].as_str().unwrap()),
    )
    .await;
    assert_eq!(info["EmbossName"], "AYSE YILMAZ");
}

#[tokio::test]
async fn the_full_pan_is_only_for_the_pan_scope() {
    let app = TestApp::spawn().await;
    setup(&app).await;
    let issuer_only = app.token("issuer").await;
    let card = issue(&app, &issuer_only, "Credit", json!({})).await;
    assert!(card.get("CardNo").is_none(), "{card}");
    let (status, body) = app
        .get(
            &format!(
                "/api/Integration/GetCardNo?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            &issuer_only,
        )
        .await;
    assert_result(status, &body, 403, 6);
    let (status, body) = app
        .get(
            &format!(
                "/api/Integration/GetCardPrivateInfo?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            &issuer_only,
        )
        .await;
    assert_result(status, &body, 403, 6);
}

#[tokio::test]
async fn a_reference_makes_creation_idempotent() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let first = issue(
        &app,
        &token,
        "Credit",
        json!({"Reference": "R-1", "CardLimit": 5000}),
    )
    .await;
    let again = issue(
        &app,
        &token,
        "Credit",
        json!({"Reference": "R-1", "CardLimit": 5000}),
    )
    .await;
    assert_eq!(first["CardToken"], again["CardToken"]);
    assert_eq!(first["CardNo"], again["CardNo"]);
    let (status, body) = app
        .post(
            "/api/Integration/CreateCreditCard",
            &token,
            json!({"CustomerNo": CUSTOMER, "Reference": "R-1", "CardLimit": 6000}),
        )
        .await;
    assert_result(status, &body, 200, 7);
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCustomerInfo?CustomerNo={CUSTOMER}"),
            &token,
        )
        .await;
    assert_eq!(
        body["ResultObject"]["Cards"].as_array().unwrap().len(),
        1,
        "one card only"
    );
}

#[tokio::test]
async fn creation_refusals() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let cases = [
        ("Credit", json!({"CustomerNo": "NOPE"}), 2, None),
        ("Credit", json!({}), 1, Some("CustomerNo")),
        (
            "Credit",
            json!({"CustomerNo": CUSTOMER, "ProductCode": "STANDARD-DEBIT"}),
            1,
            Some("ProductCode"),
        ),
        (
            "Credit",
            json!({"CustomerNo": CUSTOMER, "ProductCode": "GOLD"}),
            1,
            Some("ProductCode"),
        ),
        (
            "Credit",
            json!({"CustomerNo": CUSTOMER, "EmbossName": "X".repeat(27)}),
            1,
            Some("EmbossName"),
        ),
        (
            "Credit",
            json!({"CustomerNo": CUSTOMER, "CardLimit": dec("10.001")}),
            1,
            Some("CardLimit"),
        ),
        (
            "Debit",
            json!({"CustomerNo": CUSTOMER, "AccountNo": "900000000000"}),
            1,
            Some("AccountNo"),
        ),
        (
            "Prepaid",
            json!({"CustomerNo": CUSTOMER, "Reference": "x".repeat(65)}),
            1,
            Some("Reference"),
        ),
    ];
    for (kind, request, result, field) in cases {
        let (status, body) = app
            .post(
                &format!("/api/Integration/Create{kind}Card"),
                &token,
                request.clone(),
            )
            .await;
        assert_result(status, &body, 200, result);
        if let Some(f) = field {
            assert_eq!(error_fields(&body), [f], "{request}");
        }
    }
}

#[tokio::test]
async fn debit_cards_can_share_an_account() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let first = issue(&app, &token, "Debit", json!({})).await;
    let second = issue(
        &app,
        &token,
        "Debit",
        json!({"AccountNo": first["AccountNo"]}),
    )
    .await;
    assert_eq!(first["AccountNo"], second["AccountNo"]);
    assert_ne!(first["CardNo"], second["CardNo"]);
    let credit = issue(&app, &token, "Credit", json!({})).await;
    let (_, body) = app
        .post(
            "/api/Integration/CreateDebitCard",
            &token,
            json!({"CustomerNo": CUSTOMER, "AccountNo": credit["AccountNo"]}),
        )
        .await;
    assert_eq!(
        error_fields(&body),
        ["AccountNo"],
        "a credit account is not shared by debit cards"
    );
}

/// `RegisterCard` of `pan` (expiring `expiry`) in the standard debit product.
async fn register(app: &TestApp, token: &str, pan: &str, expiry: &str) -> Value {
    let request = json!({"CustomerNo": CUSTOMER, "CardNo": pan, "ExpiryDate": expiry, "ProductCode": "STANDARD-DEBIT", "EmbossName": "A Y"});
    app.post("/api/Integration/RegisterCard", token, request)
        .await
        .1
}

#[tokio::test]
async fn a_card_number_inside_the_products_bin_is_registered() {
    let (app, token) = issuer().await;
    let pan = pan_with_check("520000123456789");
    let body = register(&app, &token, &pan, "2912").await;
    assert_eq!(
        (
            &body["Result"],
            &body["ResultObject"]["CardNo"],
            &body["ResultObject"]["ExpiryDate"]
        ),
        (&json!(0), &json!(pan), &json!("2912"))
    );
}

#[tokio::test]
async fn a_registered_card_number_is_taken_once() {
    let (app, token) = issuer().await;
    let pan = pan_with_check("520000123456789");
    register(&app, &token, &pan, "2912").await;
    assert_eq!(register(&app, &token, &pan, "2912").await["Result"], 3);
}

#[tokio::test]
async fn a_card_number_outside_the_products_bin_is_refused_by_name() {
    let (app, token) = issuer().await;
    let outside = pan_with_check("410000123456789");
    assert_eq!(
        error_fields(&register(&app, &token, &outside, "2912").await),
        ["CardNo"]
    );
}

#[tokio::test]
async fn a_passed_expiry_date_is_refused_by_name() {
    let (app, token) = issuer().await;
    let pan = pan_with_check("520000999999999");
    assert_eq!(
        error_fields(&register(&app, &token, &pan, "2512").await),
        ["ExpiryDate"]
    );
}

#[tokio::test]
async fn a_card_number_failing_luhn_is_refused_without_being_echoed() {
    let (app, token) = issuer().await;
    let body = register(&app, &token, "5200001234567890", "2912").await;
    assert_eq!(error_fields(&body), ["CardNo"]);
    assert!(!body.to_string().contains("5200001234567890"), "{body}");
}
