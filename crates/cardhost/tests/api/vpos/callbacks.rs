//! `ExplainHash`: the exact string a callback signs and the hash the host
//! sends, checked against the published HMAC computed here independently.

use serde_json::{json, Value};

use super::*;

fn three_d(hash: &str) -> Value {
    json!({"MerchantNo": MERCHANT, "Kind": "ThreeD", "ThreeDSessionId": "sess-42",
        "OrderId": "3d-1", "MdStatus": "1", "Hash": hash})
}

#[tokio::test]
async fn a_right_three_d_hash_matches_and_shows_the_string_signed() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let right = independent::callback_hash(&s.store_key, &["sess-42", "3d-1", "1"]);
    let body = s.op("ExplainHash", three_d(&right)).await;
    assert_eq!(
        body["ResultObject"],
        json!({"SignedString": "sess-423d-11", "ExpectedHash": right, "Matches": true})
    );
}

#[tokio::test]
async fn a_wrong_order_hash_does_not_match_and_shows_the_one_expected() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let right = independent::callback_hash(&s.store_key, &["tok-9", "h-1", "00"]);
    let wrong = independent::callback_hash("not the store key", &["tok-9", "h-1", "00"]);
    let body = s
        .op(
            "ExplainHash",
            json!({"MerchantNo": MERCHANT, "Kind": "Order", "OrderToken": "tok-9",
            "OrderId": "h-1", "ResponseCode": "00", "Hash": wrong}),
        )
        .await;
    assert_eq!(
        body["ResultObject"],
        json!({"SignedString": "tok-9h-100", "ExpectedHash": right, "Matches": false})
    );
    assert!(!body.to_string().contains(&s.store_key));
}

#[tokio::test]
async fn the_fields_a_kind_signs_are_each_required() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let body = s
        .op(
            "ExplainHash",
            json!({"MerchantNo": MERCHANT, "Kind": "Order", "Hash": "x"}),
        )
        .await;
    assert_eq!(body["Result"], 1);
    assert_eq!(
        error_fields(&body),
        ["OrderId", "OrderToken", "ResponseCode"]
    );
}

#[tokio::test]
async fn another_merchants_client_may_not_explain_its_hashes() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let other = json!({"MerchantNo": "778", "MerchantName": "Other", "Mcc": "5411", "Country": "TR", "Currency": 949});
    app.post("/api/Integration/CreateMerchant", &s.acquirer, other)
        .await;
    let stranger = vpos_token_of(&app, "778").await;
    let (status, body) = app
        .post("/api/VPos/ExplainHash", &stranger, three_d("x"))
        .await;
    assert_result(status, &body, 403, 6);
    assert_eq!(body["ResultObject"], Value::Null);
}

#[tokio::test]
async fn a_merchant_without_the_virtual_pos_has_no_hash_to_explain() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let plain = json!({"MerchantNo": "778", "MerchantName": "Corner", "Mcc": "5411", "Country": "TR", "Currency": 949});
    app.post("/api/Integration/CreateMerchant", &s.acquirer, plain)
        .await;
    let admin = app.admin_token().await;
    let mut body = three_d("x");
    body["MerchantNo"] = json!("778");
    let (status, body) = app.post("/api/VPos/ExplainHash", &admin, body).await;
    assert_result(status, &body, 200, 4);
}
