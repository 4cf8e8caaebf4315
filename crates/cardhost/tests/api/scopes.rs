//! The security boundary: every operation against every kind of caller.
//! A caller without a valid token gets `Result` 5 everywhere; a caller whose
//! scopes the spec does not give an operation gets `Result` 6 there, before
//! anything of the request is looked at; every other caller gets past the
//! boundary (to a validation or not-found answer for the empty request).

use reqwest::Method;
use serde_json::json;

use crate::ops::OPERATIONS;
use crate::support::*;

/// The acquirer's operations (acquirer.md).
const ACQUIRER: [&str; 26] = [
    "CreateMerchant",
    "GetMerchant",
    "UpdateMerchant",
    "SearchMerchant",
    "CreateTerminal",
    "GetTerminal",
    "UpdateTerminal",
    "SearchTerminal",
    "CreateMerchantAndTerminal",
    "CreatePosAuthorizationProfile",
    "GetPosAuthorizationProfile",
    "UpdatePosAuthorizationProfile",
    "DeletePosAuthorizationProfile",
    "CreatePosFeeProfile",
    "GetPosFeeProfile",
    "UpdatePosFeeProfile",
    "DeletePosFeeProfile",
    "CreateCommissionProfile",
    "GetCommissionProfile",
    "UpdateCommissionProfile",
    "DeleteCommissionProfile",
    "GetPosBatchSummary",
    "GetPosBatchDetail",
    "ClosePosBatch",
    "GetMerchantPaymentSummary",
    "GetMerchantPaymentDetail",
];
/// What a `vpos` client reads (and closes) of its own merchant.
const MERCHANT_READS: [&str; 7] = [
    "GetMerchant",
    "GetTerminal",
    "GetPosBatchSummary",
    "GetPosBatchDetail",
    "ClosePosBatch",
    "GetMerchantPaymentSummary",
    "GetMerchantPaymentDetail",
];
/// What reveals a full PAN, CVV2 or PIN block: `issuer` and `pan` together.
const PAN: [&str; 3] = ["GetCardNo", "GetCardPrivateInfo", "GetCardPin"];

/// The single scopes (besides `admin`) the spec (README, "Authentication and
/// scopes") lets call `id`.
fn allowed(path: &str, id: &str) -> &'static [&'static str] {
    if path.starts_with("/api/Admin/") || PAN.contains(&id) {
        &[]
    } else if id == "PayQr" {
        &["issuer"]
    } else if path.starts_with("/api/VPos/") {
        &["vpos"]
    } else if MERCHANT_READS.contains(&id) {
        &["acquirer", "vpos"]
    } else if ACQUIRER.contains(&id) {
        &["acquirer"]
    } else {
        &["issuer"]
    }
}

async fn ask(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> (u16, i64) {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let body = (method == Method::POST || method == Method::PUT).then(|| json!({}));
    let (status, answer) = app.call(method, path, token, body).await;
    (status.as_u16(), answer["Result"].as_i64().unwrap_or(-1))
}

/// A token of the `vpos` client a new merchant's creation answers.
async fn merchant_vpos_token(app: &TestApp, acquirer: &str) -> String {
    let merchant = json!({"MerchantNo": "777", "MerchantName": "Shop", "Mcc": "5942", "Country": "TR", "Currency": 949, "VposEnabled": true});
    let (_, made) = app
        .post("/api/Integration/CreateMerchant", acquirer, merchant)
        .await;
    let credential = |key: &str| made["ResultObject"][key].as_str().unwrap().to_owned();
    let (id, secret) = (credential("VposClientId"), credential("VposClientSecret"));
    let (_, body) = app.token_for(&id, &secret).await;
    body["ResultObject"]["Token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_operation_refuses_exactly_the_callers_the_spec_refuses() {
    let app = TestApp::spawn().await;
    let (revoked_id, revoked_secret) = app.client("admin").await;
    let (_, body) = app.token_for(&revoked_id, &revoked_secret).await;
    let revoked = body["ResultObject"]["Token"].as_str().unwrap().to_owned();
    let expired = app.token("admin").await;
    cardhost_service::clients::revoke(&app.host.db, &revoked_id)
        .await
        .unwrap();
    app.clock.advance(chrono::Duration::minutes(61));
    let acquirer = app.token("acquirer").await;
    let vpos = merchant_vpos_token(&app, &acquirer).await;
    let callers = [
        ("issuer", app.token("issuer").await),
        ("acquirer", acquirer.clone()),
        ("vpos", vpos),
        ("pan", app.token("pan").await),
        ("admin", app.admin_token().await),
    ];
    let mut wrong = Vec::new();
    let mut cells = 0;
    for (path, method, id) in OPERATIONS {
        if id == "Token" {
            continue;
        }
        for (who, token) in [
            ("no token", None),
            ("expired", Some(&expired)),
            ("revoked", Some(&revoked)),
        ] {
            cells += 1;
            let got = ask(&app, method, path, token.map(String::as_str)).await;
            if got != (401, 5) {
                wrong.push(format!("{id} as {who}: {got:?}, not (401, 5)"));
            }
        }
        for (scope, token) in &callers {
            cells += 1;
            let got = ask(&app, method, path, Some(token)).await;
            let allowed = *scope == "admin" || allowed(path, id).contains(scope);
            let refused = got == (403, 6);
            if allowed == refused || got.1 == 5 || got.1 == 99 || got.1 == -1 {
                wrong.push(format!(
                    "{id} as {scope}: {got:?}, {} expected",
                    if allowed {
                        "past the boundary"
                    } else {
                        "(403, 6)"
                    }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
