//! Authorization profiles and the legacy commission profiles.

use super::*;

#[tokio::test]
async fn an_authorization_profile_reads_back_with_its_defaults() {
    let p = Profiles::new().await;
    let body = p
        .post("CreatePosAuthorizationProfile", json!({"ProfileCode": "AUTH", "ProfileName": "Web shop",
            "AllowedTransactionTypes": ["Sale", "Refund"], "MaxTransactionAmount": 5000, "MaxInstallmentCount": 6, "Require3DSecure": true}))
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let got = p.read("GetPosAuthorizationProfile?ProfileCode=AUTH").await;
    assert_eq!(
        (
            &got["AllowedTransactionTypes"],
            got["MaxTransactionAmount"].to_string(),
            &got["DailyAmountLimit"]
        ),
        (
            &json!(["Refund", "Sale"]),
            "5000.00".to_owned(),
            &Value::Null
        )
    );
    assert_eq!(
        (
            &got["MaxInstallmentCount"],
            &got["Require3DSecure"],
            &got["AllowOffUsCards"]
        ),
        (&json!(6), &json!(true), &json!(true))
    );
}

#[tokio::test]
async fn an_unknown_type_and_zero_installments_are_refused_by_name() {
    let p = Profiles::new().await;
    let body = p
        .post(
            "CreatePosAuthorizationProfile",
            json!({"ProfileCode": "A2", "ProfileName": "x",
            "AllowedTransactionTypes": ["Teleport"], "MaxInstallmentCount": 0}),
        )
        .await;
    assert_eq!(
        sorted_fields(&body),
        ["AllowedTransactionTypes", "MaxInstallmentCount"]
    );
}

#[tokio::test]
async fn a_commission_profile_reads_back_its_exact_rate() {
    let p = Profiles::new().await;
    let body = p
        .post("CreateCommissionProfile", json!({"ProfileCode": "COM", "ProfileName": "Legacy", "CommissionRate": dec("1.2"), "ValueDays": 2}))
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let got = p.read("GetCommissionProfile?ProfileCode=COM").await;
    assert_eq!(
        (got["CommissionRate"].to_string(), &got["ValueDays"]),
        ("1.2".into(), &json!(2))
    );
}

#[tokio::test]
async fn commission_profiles_are_documented_as_deprecated() {
    let p = Profiles::new().await;
    let doc: Value = p.app.raw_get("/openapi.json").await.json().await.unwrap();
    assert_eq!(
        doc["paths"]["/api/Integration/DeleteCommissionProfile"]["delete"]["deprecated"],
        true
    );
}
