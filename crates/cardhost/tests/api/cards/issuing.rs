//! Issuing: products' BINs, idempotent creation, refusals, shared accounts, registered PANs.

use super::*;

#[tokio::test]
async fn cards_are_issued_in_their_products_bins() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let credit = issue(&app, &token, "Credit", json!({"EmbossName": "Ayse Yilmaz"})).await;
    let pan = credit["CardNo"].as_str().unwrap();
    assert!(
        pan.starts_with("410000") && pan.len() == 16 && luhn_ok(pan),
        "{pan}"
    );
    assert_eq!(
        credit["MaskedCardNo"],
        format!("{}******{}", &pan[..6], &pan[12..])
    );
    assert_eq!(
        credit["CardStatus"], "N",
        "a physical card starts NotActivated"
    );
    assert_eq!(credit["CardType"], "Credit");
    assert_eq!(credit["ProductCode"], "CLASSIC-CREDIT");
    assert_eq!(credit["ExpiryDate"], "3003", "March 2026 + 4 years");
    assert_eq!(credit["CustomerNo"], CUSTOMER);
    assert_eq!(credit["AccountNo"].as_str().unwrap().len(), 12);
    assert_eq!(credit["CardToken"].as_str().unwrap().len(), 32);

    let debit = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    assert!(debit["CardNo"].as_str().unwrap().starts_with("520000"));
    assert_eq!(debit["CardStatus"], "A", "a virtual card starts Active");
    let prepaid = issue(&app, &token, "Prepaid", json!({})).await;
    assert!(prepaid["CardNo"].as_str().unwrap().starts_with("979200"));
    assert_eq!(prepaid["ExpiryDate"], "2903", "3 years");

    let (status, body) = app
        .get(
            &format!(
                "/api/Integration/GetCardInfo?CardToken={}",
                credit["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_result(status, &body, 200, 0);
    let info = &body["ResultObject"];
    assert_eq!(info["EmbossName"], "AYSE YILMAZ");
    assert_eq!(info["Brand"], "Visa");
    assert_eq!(info["CardLimit"].to_string(), "10000.00");
    assert_eq!(info["Currency"], 949);
    assert_eq!(info["IsVirtual"], false);
    assert_eq!(info["AnnualFeeStatus"], "Active");
    assert_eq!(info["CreateDate"], "20260302093000");
    assert!(info["ActivationDate"].is_null());
    assert!(
        info.get("CardNo").is_none(),
        "GetCardInfo never shows the PAN"
    );
    // The default emboss name folds the customer's Turkish letters.
    let (_, body) = app
        .get(
            &format!(
                "/api/Integration/GetCardInfo?CardNo={}",
                prepaid["CardNo"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["EmbossName"], "AYSE YILMAZ");
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

#[tokio::test]
async fn register_card_takes_a_pan_inside_the_bin() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let pan = pan_with_check("520000123456789");
    let request = json!({"CustomerNo": CUSTOMER, "CardNo": pan, "ExpiryDate": "2912", "ProductCode": "STANDARD-DEBIT", "EmbossName": "A Y"});
    let (status, body) = app
        .post("/api/Integration/RegisterCard", &token, request.clone())
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["CardNo"], pan.as_str());
    assert_eq!(body["ResultObject"]["ExpiryDate"], "2912");
    let (_, body) = app
        .post("/api/Integration/RegisterCard", &token, request)
        .await;
    assert_eq!(body["Result"], 3, "the PAN is taken");
    let outside = pan_with_check("410000123456789");
    let (_, body) = app
        .post("/api/Integration/RegisterCard", &token, json!({"CustomerNo": CUSTOMER, "CardNo": outside, "ExpiryDate": "2912", "ProductCode": "STANDARD-DEBIT"}))
        .await;
    assert_eq!(error_fields(&body), ["CardNo"]);
    let (_, body) = app
        .post("/api/Integration/RegisterCard", &token, json!({"CustomerNo": CUSTOMER, "CardNo": pan_with_check("520000999999999"), "ExpiryDate": "2512", "ProductCode": "STANDARD-DEBIT"}))
        .await;
    assert_eq!(error_fields(&body), ["ExpiryDate"], "expiry passed");
    let (_, body) = app
        .post("/api/Integration/RegisterCard", &token, json!({"CustomerNo": CUSTOMER, "CardNo": "5200001234567890", "ExpiryDate": "2912", "ProductCode": "STANDARD-DEBIT"}))
        .await;
    assert_eq!(error_fields(&body), ["CardNo"], "Luhn");
    assert!(
        !body.to_string().contains("5200001234567890"),
        "the PAN is not echoed"
    );
}
