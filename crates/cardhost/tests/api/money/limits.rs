//! Declines for what the cardholder or the issuer allowed: the card's
//! restrictions (57) and its limits (61, 65).

use super::*;

/// A purchase with `fields` after only the restriction `restriction` is set
/// (everything else allowed); its response code.
async fn under_restriction(restriction: Value, fields: Value) -> String {
    let card = Funded::with("100.00").await;
    let mut all = json!({"EcommerceAllowed": true, "AtmAllowed": true, "MotoAllowed": true,
        "InternationalAllowed": true, "BlockedMccs": [], "BlockedCountries": []});
    for (k, v) in restriction.as_object().unwrap() {
        all[k] = v.clone();
    }
    card.change("CardRestriction", all).await;
    code(&card.send("r", "1", fields).await)
}

#[tokio::test]
async fn e_commerce_on_a_card_without_it_is_declined_57() {
    let code = under_restriction(
        json!({"EcommerceAllowed": false}),
        json!({"Channel": "Ecom"}),
    )
    .await;
    assert_eq!(code, "57");
}

#[tokio::test]
async fn cash_at_an_atm_on_a_card_without_it_is_declined_57() {
    let code = under_restriction(
        json!({"AtmAllowed": false}),
        json!({"TransactionType": "CashWithdrawal", "Channel": "Atm"}),
    )
    .await;
    assert_eq!(code, "57");
}

#[tokio::test]
async fn mail_or_telephone_order_on_a_card_without_it_is_declined_57() {
    let code = under_restriction(json!({"MotoAllowed": false}), json!({"Channel": "Moto"})).await;
    assert_eq!(code, "57");
}

#[tokio::test]
async fn a_foreign_merchant_on_a_domestic_only_card_is_declined_57() {
    let code = under_restriction(
        json!({"InternationalAllowed": false}),
        json!({"MerchantCountry": "DE"}),
    )
    .await;
    assert_eq!(code, "57");
}

#[tokio::test]
async fn a_blocked_merchant_category_is_declined_57() {
    let code = under_restriction(json!({"BlockedMccs": ["7995"]}), json!({"Mcc": "7995"})).await;
    assert_eq!(code, "57");
}

#[tokio::test]
async fn a_merchant_in_a_blocked_country_is_declined_57() {
    let code = under_restriction(
        json!({"BlockedCountries": ["TR"]}),
        json!({"MerchantCountry": "TR"}),
    )
    .await;
    assert_eq!(code, "57");
}

#[tokio::test]
async fn a_purchase_over_the_transaction_limit_is_declined_61() {
    let card = Funded::with("1000.00").await;
    card.change("UpdateCardLimit", json!({"TransactionLimit": 300}))
        .await;
    assert_code(&card.purchase("t300", "300.00").await, "00");
    assert_code(&card.purchase("t61", "300.01").await, "61");
}

#[tokio::test]
async fn the_daily_purchase_limit_is_reached_but_not_passed() {
    let card = Funded::with("1000.00").await;
    card.change("UpdateCardLimit", json!({"DailyPurchaseLimit": 400}))
        .await;
    assert_code(&card.purchase("d1", "250").await, "00");
    assert_code(&card.purchase("d2", "150").await, "00");
    assert_code(&card.purchase("d61", "0.01").await, "61");
}

#[tokio::test]
async fn e_commerce_over_the_daily_e_commerce_limit_is_declined_61() {
    let card = Funded::with("1000.00").await;
    card.change("UpdateCardLimit", json!({"DailyEcomLimit": 100}))
        .await;
    let body = card.send("e61", "100.01", json!({"Channel": "Ecom"})).await;
    assert_code(&body, "61");
}

#[tokio::test]
async fn cash_over_the_daily_cash_limit_is_declined_61() {
    let card = Funded::with("1000.00").await;
    card.change("UpdateCardLimit", json!({"DailyCashLimit": 50}))
        .await;
    let fields = json!({"TransactionType": "CashWithdrawal", "Channel": "Atm"});
    assert_code(&card.send("w61", "50.01", fields).await, "61");
}

#[tokio::test]
async fn a_purchase_past_the_daily_count_is_declined_65() {
    let card = Funded::with("1000.00").await;
    card.change("UpdateCardLimit", json!({"DailyTransactionCount": 2}))
        .await;
    card.purchase("k1", "1").await;
    card.purchase("k2", "1").await;
    assert_code(&card.purchase("k65", "1").await, "65");
}

#[tokio::test]
async fn the_next_business_day_starts_the_counts_again() {
    let card = Funded::with("1000.00").await;
    card.change("UpdateCardLimit", json!({"DailyTransactionCount": 1}))
        .await;
    card.purchase("k1", "1").await;
    // 09:30 UTC is 12:30 in Istanbul; 15 hours on is past its midnight.
    card.app.clock.advance(Duration::hours(15));
    let token = card.app.token("issuer,pan").await;
    let body = send(&card.app, &token, &card.card, "k00", "1", json!({})).await;
    assert_code(&body, "00");
}
