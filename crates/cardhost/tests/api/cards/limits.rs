//! Limits, fees and restrictions of a card.

use super::*;

/// A fresh host with a credit card of limit 7500.50, and the issuer token.
async fn credit_card() -> (TestApp, String, Value) {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({"CardLimit": dec("7500.5")})).await;
    (app, token, card)
}

/// An issuer operation on `card` (its `CardToken` added); the whole answer.
async fn on_card(app: &TestApp, token: &str, op: &str, card: &Value, mut fields: Value) -> Value {
    fields["CardToken"] = card["CardToken"].clone();
    app.post(&format!("/api/Integration/{op}"), token, fields)
        .await
        .1
}

async fn restriction_of(app: &TestApp, token: &str, card: &Value) -> Value {
    let path = format!(
        "/api/Integration/GetCardRestriction?CardToken={}",
        card["CardToken"].as_str().unwrap()
    );
    app.get(&path, token).await.1["ResultObject"].clone()
}

#[tokio::test]
async fn card_limits_are_set_to_the_exact_amounts_given() {
    let (app, token, card) = credit_card().await;
    let limits = json!({"DailyPurchaseLimit": 2000, "DailyCashLimit": dec("500.25"), "DailyTransactionCount": 20});
    let body = on_card(&app, &token, "UpdateCardLimit", &card, limits).await;
    let r = &body["ResultObject"];
    assert_eq!(
        (
            r["CardLimit"].to_string(),
            r["DailyPurchaseLimit"].to_string(),
            r["DailyCashLimit"].to_string()
        ),
        ("7500.50".into(), "2000.00".into(), "500.25".into())
    );
    assert_eq!(
        (&r["DailyEcomLimit"], &r["DailyTransactionCount"]),
        (&Value::Null, &json!(20))
    );
}

#[tokio::test]
async fn a_limit_left_out_of_an_update_stays() {
    let (app, token, card) = credit_card().await;
    on_card(
        &app,
        &token,
        "UpdateCardLimit",
        &card,
        json!({"DailyPurchaseLimit": 2000}),
    )
    .await;
    let body = on_card(
        &app,
        &token,
        "UpdateCardLimit",
        &card,
        json!({"CardLimit": 9000}),
    )
    .await;
    let r = &body["ResultObject"];
    assert_eq!(
        (
            r["CardLimit"].to_string(),
            r["DailyPurchaseLimit"].to_string()
        ),
        ("9000.00".into(), "2000.00".into())
    );
}

#[tokio::test]
async fn a_debit_card_has_no_card_limit_to_set() {
    let (app, token, _) = credit_card().await;
    let debit = issue(&app, &token, "Debit", json!({})).await;
    let body = on_card(
        &app,
        &token,
        "UpdateCardLimit",
        &debit,
        json!({"CardLimit": 10}),
    )
    .await;
    assert_eq!(error_fields(&body), ["CardLimit"]);
}

#[tokio::test]
async fn a_waived_annual_fee_shows_on_the_card() {
    let (app, token, card) = credit_card().await;
    let waive = json!({"FeeType": "AnnualFee", "FeeStatus": "Waived"});
    let body = on_card(&app, &token, "UpdateCardFeeStatus", &card, waive.clone()).await;
    assert_eq!(body["ResultObject"], waive);
    let path = format!(
        "/api/Integration/GetCardInfo?CardToken={}",
        card["CardToken"].as_str().unwrap()
    );
    let (_, info) = app.get(&path, &token).await;
    assert_eq!(info["ResultObject"]["AnnualFeeStatus"], "Waived");
}

#[tokio::test]
async fn an_unknown_fee_type_and_status_are_refused_by_name() {
    let (app, token, card) = credit_card().await;
    let fields = json!({"FeeType": "Monthly", "FeeStatus": "Off"});
    let body = on_card(&app, &token, "UpdateCardFeeStatus", &card, fields).await;
    assert_eq!(error_fields(&body), ["FeeType", "FeeStatus"]);
}

#[tokio::test]
async fn a_new_card_is_restricted_in_nothing() {
    let (app, token, card) = credit_card().await;
    assert_eq!(
        restriction_of(&app, &token, &card).await,
        json!({"EcommerceAllowed": true, "InternationalAllowed": true, "AtmAllowed": true, "ContactlessAllowed": true,
               "MotoAllowed": true, "BlockedMccs": [], "BlockedCountries": []})
    );
}

#[tokio::test]
async fn restrictions_change_only_what_is_named_and_list_mccs_in_order() {
    let (app, token, card) = credit_card().await;
    let change = json!({"EcommerceAllowed": false, "BlockedMccs": ["7995", "5411"], "BlockedCountries": ["KP"]});
    let body = on_card(&app, &token, "CardRestriction", &card, change).await;
    let expected = json!({"EcommerceAllowed": false, "InternationalAllowed": true, "AtmAllowed": true, "ContactlessAllowed": true,
               "MotoAllowed": true, "BlockedMccs": ["5411", "7995"], "BlockedCountries": ["KP"]});
    assert_eq!(body["ResultObject"], expected);
    assert_eq!(restriction_of(&app, &token, &card).await, expected);
}

#[tokio::test]
async fn a_malformed_mcc_and_country_are_refused_by_name() {
    let (app, token, card) = credit_card().await;
    let bad = json!({"BlockedMccs": ["79"], "BlockedCountries": ["XX"]});
    let body = on_card(&app, &token, "CardRestriction", &card, bad).await;
    assert_eq!(error_fields(&body), ["BlockedMccs", "BlockedCountries"]);
}
