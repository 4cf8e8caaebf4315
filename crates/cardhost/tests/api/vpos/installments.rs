//! Installment plans, and installment sales under the merchant's profile.

use super::*;

/// The plans offered for 100.00 on a BIN.
async fn plans(s: &Shop<'_>, bin: &str) -> Vec<Value> {
    let body = s.installments_for(bin).await;
    assert_eq!(body["Result"], 0, "{body}");
    body["ResultObject"]["Installments"]
        .as_array()
        .unwrap()
        .clone()
}

/// A shop whose merchant's profile allows installments up to 6.
async fn capped_at_six(app: &TestApp, s: &Shop<'_>) {
    let (_, p) = app
        .post("/api/Integration/CreatePosAuthorizationProfile", &s.acquirer, json!({"ProfileCode": "AUTH6", "ProfileName": "Six",
            "AllowedTransactionTypes": ["Sale", "PreSale", "PostSale", "Void", "Refund", "Installment"], "AllowForeignCards": false,
            "AllowOffUsCards": true, "MaxInstallmentCount": 6}))
        .await;
    assert_eq!(p["Result"], 0, "{p}");
    let assign = json!({"MerchantNo": MERCHANT, "PosAuthorizationProfileCode": "AUTH6"});
    let (_, u) = app
        .put("/api/Integration/UpdateMerchant", &s.acquirer, assign)
        .await;
    assert_eq!(u["Result"], 0, "{u}");
}

/// A `PaymentSale` of `amount` with `card` in `count` installments.
async fn in_installments(
    s: &Shop<'_>,
    order: &str,
    amount: &str,
    card: &Value,
    count: u8,
) -> Value {
    let mut body = pay_body(order, amount, card);
    body["InstallmentCount"] = json!(count);
    s.op("PaymentSale", body).await
}

#[tokio::test]
async fn a_credit_bin_is_offered_twelve_plans() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let body = s.installments_for("410000").await;
    let r = &body["ResultObject"];
    assert_eq!(
        (&r["CardType"], &r["Brand"]),
        (&json!("Credit"), &json!("Visa"))
    );
    assert_eq!(r["Installments"].as_array().unwrap().len(), 12);
}

#[tokio::test]
async fn every_plans_installments_add_up_to_its_total() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    for row in plans(&s, "410000").await {
        let n = row["InstallmentCount"].as_i64().unwrap();
        assert_eq!(
            minor_units(&row["InstallmentAmount"]) * (n - 1)
                + minor_units(&row["LastInstallmentAmount"]),
            minor_units(&row["TotalAmount"]),
            "{row}"
        );
    }
}

#[tokio::test]
async fn four_installments_add_interest_and_the_last_takes_the_remainder() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let rows = plans(&s, "410000").await;
    let fields = [
        "TotalAmount",
        "InstallmentAmount",
        "LastInstallmentAmount",
        "InterestRate",
    ];
    let four: Vec<String> = fields.iter().map(|f| money(&rows[3][*f])).collect();
    assert_eq!(four, ["102.50", "25.62", "25.64", "2.50"]);
}

#[tokio::test]
async fn interest_follows_the_products_bands() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let rows = plans(&s, "410000").await;
    assert_eq!(
        (
            money(&rows[2]["TotalAmount"]),
            money(&rows[11]["TotalAmount"])
        ),
        ("100.00".into(), "105.00".into())
    );
}

#[tokio::test]
async fn another_issuers_bin_is_an_unknown_card_type_with_one_payment() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let body = s.installments_for("411111").await;
    let r = &body["ResultObject"];
    assert_eq!(
        (
            &r["CardType"],
            &r["Brand"],
            r["Installments"].as_array().unwrap().len()
        ),
        (&json!("Unknown"), &json!("Visa"), 1),
        "{body}"
    );
}

#[tokio::test]
async fn a_debit_bin_is_offered_one_payment() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    assert_eq!(plans(&s, "52000012").await.len(), 1);
}

#[tokio::test]
async fn a_bin_of_two_digits_is_refused_by_name() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    assert_eq!(error_fields(&s.installments_for("41").await), ["Bin"]);
}

#[tokio::test]
async fn the_merchants_profile_caps_the_plans_offered() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    capped_at_six(&app, &s).await;
    assert_eq!(plans(&s, "410000").await.len(), 6);
}

#[tokio::test]
async fn a_sale_in_as_many_installments_as_allowed_is_approved_into_the_batch() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    capped_at_six(&app, &s).await;
    let credit = issue(&app, &s.issuer, "Credit", json!({"IsVirtual": true})).await;
    let sold = in_installments(&s, "i-6", "600.00", &credit, 6).await;
    assert_eq!(
        (&sold["Result"], &sold["ResultObject"]["InstallmentCount"]),
        (&json!(0), &json!(6)),
        "{sold}"
    );
    let path = format!("/api/Integration/GetPosBatchDetail?TerminalNo={TERMINAL}");
    let (_, detail) = app.get(&path, &s.acquirer).await;
    assert_eq!(detail["ResultObject"]["Items"][0]["InstallmentCount"], 6);
    ledger_ok(&app).await;
}

#[tokio::test]
async fn more_installments_than_the_profile_allows_are_declined_58() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    capped_at_six(&app, &s).await;
    let credit = issue(&app, &s.issuer, "Credit", json!({"IsVirtual": true})).await;
    assert_eq!(
        code(&in_installments(&s, "i-7", "600.00", &credit, 7).await),
        "58"
    );
}

#[tokio::test]
async fn installments_on_a_debit_card_are_declined_57() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let debit = s.funded_debit("500.00").await;
    assert_eq!(
        code(&in_installments(&s, "i-d", "100.00", &debit, 3).await),
        "57"
    );
    assert_eq!(s.available(&debit).await, "500.00");
}

#[tokio::test]
async fn a_profile_refusing_foreign_cards_declines_off_us_cards_58() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    capped_at_six(&app, &s).await;
    // The test network does not say where a card is from.
    assert_eq!(code(&s.sale("i-f", "10.00", &json!(OFF_US)).await), "58");
}
