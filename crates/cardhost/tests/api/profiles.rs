use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn fee_profiles_keep_exact_rates_and_replace_their_rows() {
    let app = TestApp::spawn().await;
    let token = app.token("acquirer").await;
    let (status, body) = app
        .post("/api/Integration/CreatePosFeeProfile", &token, json!({"ProfileCode": "FEE-STD", "ProfileName": "Standard", "Currency": 949, "Rates": [
            {"CardType": "Any", "Network": "Any", "RatePercent": dec("1.75"), "FixedFee": dec("0.25"), "ValueDays": 1},
            {"CardType": "Credit", "InstallmentFrom": 2, "InstallmentTo": 6, "RatePercent": dec("2.5"), "ValueDays": 30}]}))
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"], json!({"ProfileCode": "FEE-STD"}));
    let (_, got) = app
        .get(
            "/api/Integration/GetPosFeeProfile?ProfileCode=FEE-STD",
            &token,
        )
        .await;
    let rates = &got["ResultObject"]["Rates"];
    assert_eq!(rates[0]["RatePercent"].to_string(), "1.75");
    assert_eq!(rates[0]["FixedFee"].to_string(), "0.25");
    assert_eq!(rates[1]["CardType"], "Credit");
    assert_eq!(rates[1]["Network"], "Any");
    assert_eq!(
        (
            rates[1]["InstallmentFrom"].clone(),
            rates[1]["InstallmentTo"].clone(),
            rates[1]["ValueDays"].clone()
        ),
        (json!(2), json!(6), json!(30))
    );
    let (_, body) = app
        .put(
            "/api/Integration/UpdatePosFeeProfile",
            &token,
            json!({"ProfileCode": "FEE-STD", "Rates": [{"RatePercent": dec("0.0001")}]}),
        )
        .await;
    assert_eq!(body["Result"], 0);
    let (_, got) = app
        .get(
            "/api/Integration/GetPosFeeProfile?ProfileCode=FEE-STD",
            &token,
        )
        .await;
    assert_eq!(
        got["ResultObject"]["Rates"].as_array().unwrap().len(),
        1,
        "Rates replaces the whole list"
    );
    assert_eq!(
        got["ResultObject"]["Rates"][0]["RatePercent"].to_string(),
        "0.0001"
    );
    assert_eq!(
        got["ResultObject"]["ProfileName"], "Standard",
        "untouched fields stay"
    );

    let (_, body) = app
        .post("/api/Integration/CreatePosFeeProfile", &token, json!({"ProfileCode": "BAD", "ProfileName": "x", "Rates": [
            {"RatePercent": 1}, {"CardType": "Gold", "Network": "Visa", "RatePercent": dec("1.00001"), "InstallmentFrom": 5, "InstallmentTo": 2, "FixedFee": dec("0.001")}]}))
        .await;
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "Rates[1].CardType",
            "Rates[1].FixedFee",
            "Rates[1].InstallmentTo",
            "Rates[1].Network",
            "Rates[1].RatePercent"
        ]
    );
    let (_, body) = app
        .post(
            "/api/Integration/CreatePosFeeProfile",
            &token,
            json!({"ProfileCode": "FEE-STD", "ProfileName": "x", "Rates": [{"RatePercent": 1}]}),
        )
        .await;
    assert_eq!(body["Result"], 3);
}

#[tokio::test]
async fn authorization_and_commission_profiles() {
    let app = TestApp::spawn().await;
    let token = app.token("acquirer").await;
    let (_, body) = app
        .post("/api/Integration/CreatePosAuthorizationProfile", &token, json!({"ProfileCode": "AUTH", "ProfileName": "Web shop",
            "AllowedTransactionTypes": ["Sale", "Refund"], "MaxTransactionAmount": 5000, "MaxInstallmentCount": 6, "Require3DSecure": true}))
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let (_, got) = app
        .get(
            "/api/Integration/GetPosAuthorizationProfile?ProfileCode=AUTH",
            &token,
        )
        .await;
    let p = &got["ResultObject"];
    assert_eq!(p["AllowedTransactionTypes"], json!(["Refund", "Sale"]));
    assert_eq!(p["MaxTransactionAmount"].to_string(), "5000.00");
    assert!(p["DailyAmountLimit"].is_null());
    assert_eq!(
        (
            p["MaxInstallmentCount"].clone(),
            p["Require3DSecure"].clone(),
            p["AllowOffUsCards"].clone()
        ),
        (json!(6), json!(true), json!(true))
    );
    let (_, body) = app.post("/api/Integration/CreatePosAuthorizationProfile", &token, json!({"ProfileCode": "A2", "ProfileName": "x", "AllowedTransactionTypes": ["Teleport"], "MaxInstallmentCount": 0})).await;
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(fields, ["AllowedTransactionTypes", "MaxInstallmentCount"]);
    let (_, body) = app.post("/api/Integration/CreateCommissionProfile", &token, json!({"ProfileCode": "COM", "ProfileName": "Legacy", "CommissionRate": dec("1.2"), "ValueDays": 2})).await;
    assert_eq!(body["Result"], 0);
    let (_, got) = app
        .get(
            "/api/Integration/GetCommissionProfile?ProfileCode=COM",
            &token,
        )
        .await;
    assert_eq!(got["ResultObject"]["CommissionRate"].to_string(), "1.2");
    assert_eq!(got["ResultObject"]["ValueDays"], 2);
    let doc: serde_json::Value = app.raw_get("/openapi.json").await.json().await.unwrap();
    assert_eq!(
        doc["paths"]["/api/Integration/DeleteCommissionProfile"]["delete"]["deprecated"],
        true
    );
}

#[tokio::test]
async fn a_profile_in_use_cannot_be_deleted_and_unknown_codes_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.token("acquirer").await;
    app.post(
        "/api/Integration/CreatePosFeeProfile",
        &token,
        json!({"ProfileCode": "FEE", "ProfileName": "x", "Rates": [{"RatePercent": 1}]}),
    )
    .await;
    app.post(
        "/api/Integration/CreatePosAuthorizationProfile",
        &token,
        json!({"ProfileCode": "AUTH", "ProfileName": "x"}),
    )
    .await;
    let merchant = json!({"MerchantNo": "900", "MerchantName": "M", "Mcc": "5411", "Country": "TR", "Currency": 949, "PosFeeProfileCode": "FEE"});
    assert_eq!(
        app.post("/api/Integration/CreateMerchant", &token, merchant)
            .await
            .1["Result"],
        0
    );
    let (_, t) = app.post("/api/Integration/CreateTerminal", &token, json!({"MerchantNo": "900", "TerminalType": "Pos", "PosAuthorizationProfileCode": "AUTH"})).await;
    let terminal = t["ResultObject"]["TerminalNo"].as_str().unwrap().to_owned();
    let (_, body) = app
        .call(
            reqwest::Method::DELETE,
            "/api/Integration/DeletePosFeeProfile?ProfileCode=FEE",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(body["Result"], 4, "used by merchant 900");
    let (_, body) = app
        .call(
            reqwest::Method::DELETE,
            "/api/Integration/DeletePosAuthorizationProfile?ProfileCode=AUTH",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(body["Result"], 4, "used by the terminal");
    let (_, body) = app
        .put(
            "/api/Integration/UpdateMerchant",
            &token,
            json!({"MerchantNo": "900", "PosFeeProfileCode": "NOPE"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["PosFeeProfileCode"]);
    let (_, body) = app
        .put(
            "/api/Integration/UpdateTerminal",
            &token,
            json!({"TerminalNo": terminal, "PosFeeProfileCode": "NOPE"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["PosFeeProfileCode"]);
    app.post(
        "/api/Integration/CreatePosFeeProfile",
        &token,
        json!({"ProfileCode": "FEE2", "ProfileName": "y", "Rates": [{"RatePercent": 2}]}),
    )
    .await;
    app.put(
        "/api/Integration/UpdateMerchant",
        &token,
        json!({"MerchantNo": "900", "PosFeeProfileCode": "FEE2"}),
    )
    .await;
    let (status, body) = app
        .call(
            reqwest::Method::DELETE,
            "/api/Integration/DeletePosFeeProfile?ProfileCode=FEE",
            Some(&token),
            None,
        )
        .await;
    assert_result(status, &body, 200, 0);
    let (_, body) = app
        .get("/api/Integration/GetPosFeeProfile?ProfileCode=FEE", &token)
        .await;
    assert_eq!(body["Result"], 2);
}
