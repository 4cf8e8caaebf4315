//! Profiles in use by merchants and terminals, and codes that name nothing.

use super::*;

/// Fee profile FEE on merchant 900 and authorization profile AUTH on its
/// POS terminal; the terminal's number.
async fn in_use(p: &Profiles) -> String {
    p.post(
        "CreatePosFeeProfile",
        json!({"ProfileCode": "FEE", "ProfileName": "x", "Rates": [{"RatePercent": 1}]}),
    )
    .await;
    p.post(
        "CreatePosAuthorizationProfile",
        json!({"ProfileCode": "AUTH", "ProfileName": "x"}),
    )
    .await;
    let merchant = json!({"MerchantNo": "900", "MerchantName": "M", "Mcc": "5411", "Country": "TR", "Currency": 949, "PosFeeProfileCode": "FEE"});
    assert_eq!(p.post("CreateMerchant", merchant).await["Result"], 0);
    let t = p
        .post("CreateTerminal", json!({"MerchantNo": "900", "TerminalType": "Pos", "PosAuthorizationProfileCode": "AUTH"}))
        .await;
    t["ResultObject"]["TerminalNo"].as_str().unwrap().to_owned()
}

async fn delete(p: &Profiles, op_and_query: &str) -> (reqwest::StatusCode, Value) {
    p.call(Method::DELETE, op_and_query, None).await
}

#[tokio::test]
async fn a_fee_profile_a_merchant_uses_is_not_deleted() {
    let p = Profiles::new().await;
    in_use(&p).await;
    let (_, body) = delete(&p, "DeletePosFeeProfile?ProfileCode=FEE").await;
    assert_eq!(body["Result"], 4, "{body}");
}

#[tokio::test]
async fn an_authorization_profile_a_terminal_uses_is_not_deleted() {
    let p = Profiles::new().await;
    in_use(&p).await;
    let (_, body) = delete(&p, "DeletePosAuthorizationProfile?ProfileCode=AUTH").await;
    assert_eq!(body["Result"], 4, "{body}");
}

#[tokio::test]
async fn a_merchant_cannot_name_an_unknown_fee_profile() {
    let p = Profiles::new().await;
    in_use(&p).await;
    let body = p
        .put(
            "UpdateMerchant",
            json!({"MerchantNo": "900", "PosFeeProfileCode": "NOPE"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["PosFeeProfileCode"]);
}

#[tokio::test]
async fn a_terminal_cannot_name_an_unknown_fee_profile() {
    let p = Profiles::new().await;
    let terminal = in_use(&p).await;
    let body = p
        .put(
            "UpdateTerminal",
            json!({"TerminalNo": terminal, "PosFeeProfileCode": "NOPE"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["PosFeeProfileCode"]);
}

#[tokio::test]
async fn a_fee_profile_no_longer_used_is_deleted() {
    let p = Profiles::new().await;
    in_use(&p).await;
    p.post(
        "CreatePosFeeProfile",
        json!({"ProfileCode": "FEE2", "ProfileName": "y", "Rates": [{"RatePercent": 2}]}),
    )
    .await;
    p.put(
        "UpdateMerchant",
        json!({"MerchantNo": "900", "PosFeeProfileCode": "FEE2"}),
    )
    .await;
    let (status, body) = delete(&p, "DeletePosFeeProfile?ProfileCode=FEE").await;
    assert_result(status, &body, 200, 0);
    let (_, gone) = p
        .call(Method::GET, "GetPosFeeProfile?ProfileCode=FEE", None)
        .await;
    assert_eq!(gone["Result"], 2);
}
