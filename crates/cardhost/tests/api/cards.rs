use chrono::Duration;
use serde_json::{json, Value};

use crate::independent;
use crate::support::*;

pub const CUSTOMER: &str = "C100";

/// A customer with a mobile number, and a token with `issuer` and `pan`.
pub async fn setup(app: &TestApp) -> String {
    let token = app.token("issuer,pan").await;
    let (_, body) = app
        .post(
            "/api/Integration/CreateCustomer",
            &token,
            json!({"CustomerNo": CUSTOMER, "Name": "Ayşe", "Surname": "Yılmaz", "MobileNo": "905321234567", "Limit": 50000, "LimitCurrency": 949}),
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    token
}

/// Issues a card of `kind` (`Credit`, `Debit`, `Prepaid`) and returns its result object.
pub async fn issue(app: &TestApp, token: &str, kind: &str, extra: Value) -> Value {
    let mut request = json!({"CustomerNo": CUSTOMER});
    for (k, v) in extra.as_object().unwrap() {
        request[k] = v.clone();
    }
    let (status, body) = app
        .post(
            &format!("/api/Integration/Create{kind}Card"),
            token,
            request,
        )
        .await;
    assert_result(status, &body, 200, 0);
    body["ResultObject"].clone()
}

fn luhn_ok(pan: &str) -> bool {
    let sum: u32 = pan
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

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
            json!({"CustomerNo": CUSTOMER, "CardLimit": 10.001}),
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

fn pan_with_check(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|p| luhn_ok(p))
        .unwrap()
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

const STATUSES: [&str; 7] = ["N", "A", "T", "L", "S", "F", "C"];

fn legal(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("N", "A" | "C") | ("A", "T" | "L" | "S" | "F" | "C") | ("T", "A" | "L" | "S" | "F" | "C")
    )
}

async fn set_status(app: &TestApp, token: &str, card: &str, status: &str) -> Value {
    app.post(
        "/api/Integration/UpdateCardStatus",
        token,
        json!({"CardToken": card, "CardStatus": status, "StatusReason": "test"}),
    )
    .await
    .1
}

#[tokio::test]
async fn every_status_move_outside_the_table_is_refused() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    for from in STATUSES {
        for to in STATUSES.iter().chain(&["E"]) {
            let card = issue(&app, &token, "Debit", json!({})).await;
            let t = card["CardToken"].as_str().unwrap();
            // Reach `from` by legal moves: N → A → T, or N → A → (L|S|F|C).
            let path: &[&str] = match from {
                "N" => &[],
                "A" => &["A"],
                "T" => &["A", "T"],
                other => &["A", other],
            };
            for step in path {
                assert_eq!(set_status(&app, &token, t, step).await["Result"], 0);
            }
            let body = set_status(&app, &token, t, to).await;
            let expected = if legal(from, to) { 0 } else { 4 };
            assert_eq!(body["Result"], expected, "{from} -> {to}: {body}");
            let (_, status) = app
                .get(
                    &format!("/api/Integration/GetCardStatus?CardToken={t}"),
                    &token,
                )
                .await;
            let now = status["ResultObject"]["CardStatus"]
                .as_str()
                .unwrap()
                .to_owned();
            assert_eq!(
                now,
                if expected == 0 { *to } else { from },
                "{from} -> {to}"
            );
        }
    }
    let card = issue(&app, &token, "Debit", json!({})).await;
    let body = set_status(&app, &token, card["CardToken"].as_str().unwrap(), "X").await;
    assert_eq!(error_fields(&body), ["CardStatus"]);
}

#[tokio::test]
async fn a_card_past_its_expiry_month_is_expired_and_frozen() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    let t = card["CardToken"].as_str().unwrap();
    app.clock.advance(Duration::days(365 * 3 + 31));
    let token = app.token("issuer").await;
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardStatus?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["CardStatus"], "E");
    assert_eq!(body["ResultObject"]["StatusDescription"], "Expired");
    assert_eq!(set_status(&app, &token, t, "T").await["Result"], 4);
}

#[tokio::test]
async fn activation_sets_the_activation_date() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({})).await;
    let t = card["CardToken"].as_str().unwrap();
    app.clock.advance(Duration::hours(1));
    let token = app.token("issuer").await;
    assert_eq!(set_status(&app, &token, t, "A").await["Result"], 0);
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardInfo?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["ActivationDate"], "20260302103000");
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardStatus?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["StatusReason"], "test");
    assert_eq!(body["ResultObject"]["StatusDate"], "20260302103000");
}

#[tokio::test]
async fn limits_fees_and_restrictions() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let credit = issue(&app, &token, "Credit", json!({"CardLimit": 7500.5})).await;
    let t = credit["CardToken"].as_str().unwrap();
    let (status, body) = app
        .post("/api/Integration/UpdateCardLimit", &token, json!({"CardToken": t, "DailyPurchaseLimit": 2000, "DailyCashLimit": 500.25, "DailyTransactionCount": 20}))
        .await;
    assert_result(status, &body, 200, 0);
    let r = &body["ResultObject"];
    assert_eq!(r["CardLimit"].to_string(), "7500.50");
    assert_eq!(r["DailyPurchaseLimit"].to_string(), "2000.00");
    assert_eq!(r["DailyCashLimit"].to_string(), "500.25");
    assert!(r["DailyEcomLimit"].is_null());
    assert_eq!(r["DailyTransactionCount"], 20);
    let (_, body) = app
        .post(
            "/api/Integration/UpdateCardLimit",
            &token,
            json!({"CardToken": t, "CardLimit": 9000}),
        )
        .await;
    assert_eq!(
        body["ResultObject"]["DailyPurchaseLimit"].to_string(),
        "2000.00",
        "untouched limits stay"
    );
    assert_eq!(body["ResultObject"]["CardLimit"].to_string(), "9000.00");
    let debit = issue(&app, &token, "Debit", json!({})).await;
    let (_, body) = app
        .post(
            "/api/Integration/UpdateCardLimit",
            &token,
            json!({"CardToken": debit["CardToken"], "CardLimit": 10}),
        )
        .await;
    assert_eq!(error_fields(&body), ["CardLimit"]);

    let (_, body) = app
        .post(
            "/api/Integration/UpdateCardFeeStatus",
            &token,
            json!({"CardToken": t, "FeeType": "AnnualFee", "FeeStatus": "Waived"}),
        )
        .await;
    assert_eq!(
        body["ResultObject"],
        json!({"FeeType": "AnnualFee", "FeeStatus": "Waived"})
    );
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardInfo?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["AnnualFeeStatus"], "Waived");
    let (_, body) = app
        .post(
            "/api/Integration/UpdateCardFeeStatus",
            &token,
            json!({"CardToken": t, "FeeType": "Monthly", "FeeStatus": "Off"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["FeeType", "FeeStatus"]);

    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardRestriction?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(
        body["ResultObject"],
        json!({"EcommerceAllowed": true, "InternationalAllowed": true, "AtmAllowed": true, "ContactlessAllowed": true,
               "MotoAllowed": true, "BlockedMccs": [], "BlockedCountries": []})
    );
    let (_, body) = app
        .post("/api/Integration/CardRestriction", &token, json!({"CardToken": t, "EcommerceAllowed": false, "BlockedMccs": ["7995", "5411"], "BlockedCountries": ["KP"]}))
        .await;
    assert_eq!(
        body["ResultObject"],
        json!({"EcommerceAllowed": false, "InternationalAllowed": true, "AtmAllowed": true, "ContactlessAllowed": true,
               "MotoAllowed": true, "BlockedMccs": ["5411", "7995"], "BlockedCountries": ["KP"]})
    );
    let (_, body) = app
        .post(
            "/api/Integration/CardRestriction",
            &token,
            json!({"CardToken": t, "BlockedMccs": ["79"], "BlockedCountries": ["XX"]}),
        )
        .await;
    assert_eq!(error_fields(&body), ["BlockedMccs", "BlockedCountries"]);
}

#[tokio::test]
async fn renewal_keeps_or_replaces_the_pan() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({"CardLimit": 3000})).await;
    let t = card["CardToken"].as_str().unwrap().to_owned();
    app.post(
        "/api/Integration/CardRestriction",
        &token,
        json!({"CardToken": t, "AtmAllowed": false}),
    )
    .await;
    app.clock.advance(Duration::days(366));
    let token = app.token("issuer,pan").await;
    let (status, body) = app
        .post(
            "/api/Integration/CardRenewal",
            &token,
            json!({"CardToken": t, "Reference": "ren-1"}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["CardNo"], card["CardNo"]);
    assert_eq!(
        body["ResultObject"]["ExpiryDate"], "3103",
        "March 2027 + 4 years"
    );
    assert_eq!(body["ResultObject"]["CardToken"], t.as_str());

    let (_, body) = app
        .post(
            "/api/Integration/CardRenewal",
            &token,
            json!({"CardToken": t, "Reference": "ren-2", "NewPan": true, "Reason": "Damaged"}),
        )
        .await;
    let renewed = body["ResultObject"].clone();
    assert_ne!(renewed["CardNo"], card["CardNo"]);
    assert_eq!(renewed["AccountNo"], card["AccountNo"]);
    assert_eq!(renewed["CardStatus"], "N");
    let nt = renewed["CardToken"].as_str().unwrap();
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardInfo?CardToken={nt}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["CardLimit"].to_string(), "3000.00");
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardRestriction?CardToken={nt}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["AtmAllowed"], false);
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardStatus?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["CardStatus"], "C");
    assert_eq!(body["ResultObject"]["StatusReason"], "Damaged");
    let (_, again) = app
        .post(
            "/api/Integration/CardRenewal",
            &token,
            json!({"CardToken": t, "Reference": "ren-2", "NewPan": true, "Reason": "Damaged"}),
        )
        .await;
    assert_eq!(
        again["ResultObject"]["CardNo"], renewed["CardNo"],
        "a repeated reference returns the first renewal"
    );
    let (_, body) = app
        .post(
            "/api/Integration/CardRenewal",
            &token,
            json!({"CardToken": t, "NewPan": true}),
        )
        .await;
    assert_eq!(body["Result"], 4, "a closed card is not renewed");
}

#[tokio::test]
async fn tokens_are_stable_and_only_for_our_cards() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({})).await;
    for _ in 0..2 {
        let (status, body) = app
            .post(
                "/api/Integration/TokenizeCardNo",
                &token,
                json!({"CardNo": card["CardNo"]}),
            )
            .await;
        assert_result(status, &body, 200, 0);
        assert_eq!(body["ResultObject"]["CardToken"], card["CardToken"]);
    }
    let (_, body) = app
        .post(
            "/api/Integration/TokenizeCardNo",
            &token,
            json!({"CardNo": "4111111111111111"}),
        )
        .await;
    assert_eq!(body["Result"], 2);
    let (_, body) = app
        .post(
            "/api/Integration/TokenizeCardNo",
            &token,
            json!({"CardNo": "4111111111111112"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["CardNo"]);
    let (_, body) = app.get("/api/Integration/GetCardInfo", &token).await;
    assert_eq!(
        error_fields(&body),
        ["CardNo"],
        "neither CardNo nor CardToken"
    );
    let (_, body) = app
        .get("/api/Integration/GetCardInfo?CardToken=00", &token)
        .await;
    assert_eq!(body["Result"], 2);
}

#[tokio::test]
async fn deprecated_pan_reads_work_and_are_audited() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({})).await;
    let pan = card["CardNo"].as_str().unwrap();
    let (status, body) = app
        .get(
            &format!(
                "/api/Integration/GetCardNo?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["CardNo"], pan);
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardPrivateInfo?CardNo={pan}"),
            &token,
        )
        .await;
    let info = &body["ResultObject"];
    assert_eq!(info["CardNo"], pan);
    assert_eq!(info["ExpiryDate"], "3003");
    // The host's CVV2 equals the independent implementation's for the same CVK.
    assert_eq!(
        info["Cvv2"],
        independent::visa_cvv(TEST_CVK, pan, "3003", "000")
    );
    let db = app.db().await;
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT operation, object_key FROM audit_log WHERE operation IN ('GetCardNo', 'GetCardPrivateInfo') ORDER BY audit_id")
            .fetch_all(&db)
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
    let doc: Value = app.raw_get("/openapi.json").await.json().await.unwrap();
    assert_eq!(
        doc["paths"]["/api/Integration/GetCardNo"]["get"]["deprecated"],
        true
    );
    assert_eq!(
        doc["paths"]["/api/Integration/GetCardPrivateInfo"]["get"]["deprecated"],
        true
    );
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

#[tokio::test]
async fn emboss_directives_and_the_bureau_file() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({"EmbossName": "AYSE YILMAZ"})).await;
    let virt = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let (status, body) = app
        .post("/api/Integration/CreateEmbossDirective", &token, json!({"CardToken": card["CardToken"], "DeliveryAddressType": "Branch", "BranchCode": "0042"}))
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["Status"], "Queued");
    assert_eq!(body["ResultObject"]["MaskedCardNo"], card["MaskedCardNo"]);
    let (_, body) = app
        .post(
            "/api/Integration/CreateEmbossDirective",
            &token,
            json!({"CardToken": virt["CardToken"], "DeliveryAddressType": "Home"}),
        )
        .await;
    assert_eq!(body["Result"], 4);
    let (_, body) = app
        .post(
            "/api/Integration/CreateEmbossDirective",
            &token,
            json!({"CardToken": card["CardToken"], "DeliveryAddressType": "Branch"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["BranchCode"]);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("emboss.txt");
    let written = cardhost_service::issuer::emboss::export(&app.host, "test", &out)
        .await
        .unwrap();
    assert_eq!(written, 1);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&out).unwrap();
    let record = text.lines().next().unwrap();
    assert_eq!(record.len(), cardhost_service::issuer::emboss::RECORD_WIDTH);
    let pan = card["CardNo"].as_str().unwrap();
    let icvv = independent::visa_cvv(TEST_CVK, pan, "3003", "999");
    assert_eq!(&record[..19], format!("{pan:<19}"));
    assert_eq!(&record[19..45], format!("{:<26}", "AYSE YILMAZ"));
    assert_eq!(&record[45..52], "3003201");
    let track2 = record[131..171].trim_end();
    assert!(
        track2.starts_with(&format!("{pan}=3003201")) && track2.ends_with(&icvv),
        "{track2}"
    );
    assert!(record.ends_with("Branch0042      "), "{record}");
    let again =
        cardhost_service::issuer::emboss::export(&app.host, "test", &dir.path().join("second.txt"))
            .await
            .unwrap();
    assert_eq!(again, 0, "exported directives are not written twice");
    assert!(
        cardhost_service::issuer::emboss::export(&app.host, "test", &out)
            .await
            .is_err(),
        "never overwrites"
    );
}
