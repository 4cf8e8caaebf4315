//! Limits, fees and restrictions.

use super::*;

#[tokio::test]
async fn limits_fees_and_restrictions() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let credit = issue(&app, &token, "Credit", json!({"CardLimit": dec("7500.5")})).await;
    let t = credit["CardToken"].as_str().unwrap();
    let (status, body) = app
        .post("/api/Integration/UpdateCardLimit", &token, json!({"CardToken": t, "DailyPurchaseLimit": 2000, "DailyCashLimit": dec("500.25"), "DailyTransactionCount": 20}))
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
