use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn health_reports_the_database() {
    let app = TestApp::spawn().await;
    let res = app.raw_get("/health").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["Status"], "Ok");
    assert_eq!(body["Database"], "Ok");
}

#[tokio::test]
async fn health_tells_an_unreachable_database_with_503() {
    let app = TestApp::spawn().await;
    app.host.db.close().await;
    let res = app.raw_get("/health").await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (&body["Status"], &body["Database"]),
        (&json!("Degraded"), &json!("Unavailable"))
    );
}

#[tokio::test]
async fn metrics_count_requests_per_operation_and_result() {
    let app = TestApp::spawn().await;
    // Each instance keeps its own.
    app.pin_to_first();
    let token = app.token("issuer").await;
    app.post(
        "/api/Integration/CreateCustomer",
        &token,
        json!({"CustomerNo": "M1", "Name": "A", "Surname": "B"}),
    )
    .await;
    app.post(
        "/api/Integration/CreateCustomer",
        &token,
        json!({"CustomerNo": "M1", "Name": "A", "Surname": "B"}),
    )
    .await;
    app.get("/api/Integration/GetCustomerInfo?CustomerNo=M1", &token)
        .await;
    let text = app.raw_get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains("cardhost_http_requests_total{operation=\"CreateCustomer\",result=\"0\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("cardhost_http_requests_total{operation=\"CreateCustomer\",result=\"3\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("cardhost_http_requests_total{operation=\"GetCustomerInfo\",result=\"0\"} 1"),
        "{text}"
    );
    assert!(
        text.contains(
            "cardhost_http_request_duration_seconds_count{operation=\"CreateCustomer\"} 2"
        ),
        "{text}"
    );
    assert!(text.contains("cardhost_http_request_duration_seconds_bucket{le=\"0.0001\",operation=\"GetCustomerInfo\"}"), "{text}");
}

#[tokio::test]
async fn metrics_show_where_the_authorizers_batches_spend_their_time() {
    let app = TestApp::spawn().await;
    // Each instance keeps its own.
    app.pin_to_first();
    let token = crate::cards::setup(&app).await;
    let card = crate::cards::issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    crate::money::load(&app, &token, &card, "10.00", "L1").await;
    let text = app.raw_get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains("cardhost_authorizer_requests_total 1\n"),
        "{text}"
    );
    for phase in ["load", "decide", "write", "commit"] {
        let line = format!("cardhost_authorizer_phase_microseconds_total{{phase=\"{phase}\"}} ");
        assert!(text.contains(&line), "{line} missing from {text}");
    }
}

/// Every operation the host serves: (path, method, operation id).
pub const OPERATIONS: [(&str, &str, &str); 91] = [
    ("/api/Auth/Token", "post", "Token"),
    ("/api/Integration/CreateCustomer", "post", "CreateCustomer"),
    ("/api/Integration/GetCustomerInfo", "get", "GetCustomerInfo"),
    ("/api/Integration/UpdateCustomer", "put", "UpdateCustomer"),
    (
        "/api/Integration/UpdateCustomerLimit",
        "post",
        "UpdateCustomerLimit",
    ),
    (
        "/api/Integration/GetCardCustomerInfo",
        "get",
        "GetCardCustomerInfo",
    ),
    (
        "/api/Integration/CreateCreditCard",
        "post",
        "CreateCreditCard",
    ),
    (
        "/api/Integration/CreateDebitCard",
        "post",
        "CreateDebitCard",
    ),
    (
        "/api/Integration/CreatePrepaidCard",
        "post",
        "CreatePrepaidCard",
    ),
    ("/api/Integration/RegisterCard", "post", "RegisterCard"),
    (
        "/api/Integration/CreateEmbossDirective",
        "post",
        "CreateEmbossDirective",
    ),
    ("/api/Integration/GetCardInfo", "get", "GetCardInfo"),
    ("/api/Integration/GetCardStatus", "get", "GetCardStatus"),
    (
        "/api/Integration/UpdateCardStatus",
        "post",
        "UpdateCardStatus",
    ),
    (
        "/api/Integration/UpdateCardLimit",
        "post",
        "UpdateCardLimit",
    ),
    (
        "/api/Integration/UpdateCardFeeStatus",
        "post",
        "UpdateCardFeeStatus",
    ),
    (
        "/api/Integration/GetCardRestriction",
        "get",
        "GetCardRestriction",
    ),
    (
        "/api/Integration/CardRestriction",
        "post",
        "CardRestriction",
    ),
    ("/api/Integration/CardRenewal", "post", "CardRenewal"),
    ("/api/Integration/TokenizeCardNo", "post", "TokenizeCardNo"),
    ("/api/Integration/GetCardNo", "get", "GetCardNo"),
    (
        "/api/Integration/GetCardPrivateInfo",
        "get",
        "GetCardPrivateInfo",
    ),
    ("/api/Integration/VerifyCard", "post", "VerifyCard"),
    (
        "/api/Integration/ResetCvv2RetryCount",
        "post",
        "ResetCvv2RetryCount",
    ),
    ("/api/Integration/GetCardPin", "post", "GetCardPin"),
    ("/api/Integration/SendPinBySms", "post", "SendPinBySms"),
    ("/api/Integration/CheckPin", "post", "CheckPin"),
    ("/api/Integration/ChangeCardPin", "post", "ChangeCardPin"),
    (
        "/api/Integration/Change3DSPassword",
        "post",
        "Change3DSPassword",
    ),
    (
        "/api/Integration/SendTransaction",
        "post",
        "SendTransaction",
    ),
    (
        "/api/Integration/LoadCardBalance",
        "post",
        "LoadCardBalance",
    ),
    ("/api/Integration/GetHostBalance", "get", "GetHostBalance"),
    (
        "/api/Integration/GetCardTransactions",
        "get",
        "GetCardTransactions",
    ),
    ("/api/Admin/CheckLedger", "get", "CheckLedger"),
    (
        "/api/Integration/CardToCardBalanceTransfer",
        "post",
        "CardToCardBalanceTransfer",
    ),
    ("/api/Integration/MoneySend", "post", "MoneySend"),
    (
        "/api/Integration/GetCardBalanceLoadingLimit",
        "get",
        "GetCardBalanceLoadingLimit",
    ),
    ("/api/Integration/CreateMerchant", "post", "CreateMerchant"),
    ("/api/Integration/GetMerchant", "get", "GetMerchant"),
    ("/api/Integration/UpdateMerchant", "put", "UpdateMerchant"),
    ("/api/Integration/SearchMerchant", "get", "SearchMerchant"),
    ("/api/Integration/CreateTerminal", "post", "CreateTerminal"),
    ("/api/Integration/GetTerminal", "get", "GetTerminal"),
    ("/api/Integration/UpdateTerminal", "put", "UpdateTerminal"),
    ("/api/Integration/SearchTerminal", "get", "SearchTerminal"),
    (
        "/api/Integration/CreateMerchantAndTerminal",
        "post",
        "CreateMerchantAndTerminal",
    ),
    (
        "/api/Integration/CreatePosAuthorizationProfile",
        "post",
        "CreatePosAuthorizationProfile",
    ),
    (
        "/api/Integration/GetPosAuthorizationProfile",
        "get",
        "GetPosAuthorizationProfile",
    ),
    (
        "/api/Integration/UpdatePosAuthorizationProfile",
        "put",
        "UpdatePosAuthorizationProfile",
    ),
    (
        "/api/Integration/DeletePosAuthorizationProfile",
        "delete",
        "DeletePosAuthorizationProfile",
    ),
    (
        "/api/Integration/CreatePosFeeProfile",
        "post",
        "CreatePosFeeProfile",
    ),
    (
        "/api/Integration/GetPosFeeProfile",
        "get",
        "GetPosFeeProfile",
    ),
    (
        "/api/Integration/UpdatePosFeeProfile",
        "put",
        "UpdatePosFeeProfile",
    ),
    (
        "/api/Integration/DeletePosFeeProfile",
        "delete",
        "DeletePosFeeProfile",
    ),
    (
        "/api/Integration/CreateCommissionProfile",
        "post",
        "CreateCommissionProfile",
    ),
    (
        "/api/Integration/GetCommissionProfile",
        "get",
        "GetCommissionProfile",
    ),
    (
        "/api/Integration/UpdateCommissionProfile",
        "put",
        "UpdateCommissionProfile",
    ),
    (
        "/api/Integration/DeleteCommissionProfile",
        "delete",
        "DeleteCommissionProfile",
    ),
    (
        "/api/Integration/GetPosBatchSummary",
        "get",
        "GetPosBatchSummary",
    ),
    (
        "/api/Integration/GetPosBatchDetail",
        "get",
        "GetPosBatchDetail",
    ),
    ("/api/Integration/ClosePosBatch", "post", "ClosePosBatch"),
    (
        "/api/Integration/GetMerchantPaymentSummary",
        "get",
        "GetMerchantPaymentSummary",
    ),
    (
        "/api/Integration/GetMerchantPaymentDetail",
        "get",
        "GetMerchantPaymentDetail",
    ),
    ("/api/Admin/RunSettlement", "post", "RunSettlement"),
    ("/api/Admin/ExpireHolds", "post", "ExpireHolds"),
    ("/api/Admin/RunDueRecurring", "post", "RunDueRecurring"),
    ("/api/Admin/ListJobs", "get", "ListJobs"),
    ("/api/VPos/PaymentSale", "post", "PaymentSale"),
    ("/api/VPos/PaymentPreSale", "post", "PaymentPreSale"),
    ("/api/VPos/PaymentPostSale", "post", "PaymentPostSale"),
    ("/api/VPos/PaymentVoid", "post", "PaymentVoid"),
    ("/api/VPos/PaymentRefund", "post", "PaymentRefund"),
    ("/api/VPos/BatchClose", "post", "BatchClose"),
    ("/api/VPos/ThreeDSale", "post", "ThreeDSale"),
    ("/api/VPos/ThreeDPreSale", "post", "ThreeDPreSale"),
    (
        "/api/VPos/ThreeDCompletePayment",
        "post",
        "ThreeDCompletePayment",
    ),
    ("/api/VPos/CreateOrder", "post", "CreateOrder"),
    ("/api/VPos/CreateOrder3D", "post", "CreateOrder3D"),
    ("/api/VPos/CreateQr", "post", "CreateQr"),
    ("/api/Integration/PayQr", "post", "PayQr"),
    ("/api/VPos/CreateRecurring", "post", "CreateRecurring"),
    ("/api/VPos/GetRecurring", "get", "GetRecurring"),
    ("/api/VPos/UpdateRecurring", "put", "UpdateRecurring"),
    ("/api/VPos/CancelRecurring", "post", "CancelRecurring"),
    ("/api/VPos/CheckByOrderId", "get", "CheckByOrderId"),
    ("/api/VPos/CheckByProcessId", "get", "CheckByProcessId"),
    ("/api/VPos/CheckByToken", "get", "CheckByToken"),
    ("/api/VPos/ListByOrderId", "get", "ListByOrderId"),
    ("/api/VPos/InstallmentInquiry", "post", "InstallmentInquiry"),
    ("/api/VPos/PointInquiry", "post", "PointInquiry"),
    ("/api/VPos/ExplainHash", "post", "ExplainHash"),
];

#[tokio::test]
async fn openapi_describes_every_operation() {
    let app = TestApp::spawn().await;
    let doc: Value = app.raw_get("/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["in"],
        "header"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["name"],
        "token"
    );
    for (path, method, id) in OPERATIONS {
        let op = &doc["paths"][path][method];
        assert_eq!(op["operationId"], id, "{path}");
        assert!(
            op["responses"]["200"]["content"]["application/json"]["schema"].is_object(),
            "{id} response schema"
        );
        if id != "Token" {
            assert!(op["security"].is_array(), "{id} needs the token");
        }
        if method == "post" || method == "put" {
            let content = &op["requestBody"]["content"]["application/json"];
            assert!(content["schema"].is_object(), "{id} request schema");
            let example = content["example"]
                .as_object()
                .unwrap_or_else(|| panic!("{id} has no request example"));
            assert!(!example.is_empty(), "{id} example is empty");
        } else if !matches!(id, "CheckLedger" | "ListJobs") {
            assert!(op["parameters"].is_array(), "{id} query parameters");
        }
    }
    let served = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|p| p.starts_with("/api/"))
        .count();
    assert_eq!(
        served,
        OPERATIONS.len(),
        "every documented /api/ path is tested here"
    );
    let update = &doc["paths"]["/api/Integration/UpdateCustomer"]["put"]["requestBody"]["content"]
        ["application/json"]["example"];
    assert_eq!(update["CustomerNo"], "stringstri");
}

#[tokio::test]
async fn docs_page_is_self_contained() {
    let app = TestApp::spawn().await;
    let res = app.raw_get("/docs").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let html = res.text().await.unwrap();
    for (path, _, id) in OPERATIONS {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
        assert!(html.contains(path), "{path}");
    }
    assert!(!html.contains("<script"), "no scripts");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no external resources"
    );
}

#[tokio::test]
async fn every_operation_in_the_docs_shows_a_request_and_a_response_example() {
    let app = TestApp::spawn().await;
    let html = app.raw_get("/docs").await.text().await.unwrap();
    for (_, _, id) in OPERATIONS {
        let section = html
            .split(&format!("<section id=\"{id}\">"))
            .nth(1)
            .and_then(|rest| rest.split("</section>").next())
            .unwrap_or_else(|| panic!("{id} has no section"));
        assert!(
            section.contains("Example request") && section.contains("Example response"),
            "{id}"
        );
    }
}

#[tokio::test]
async fn the_docs_list_the_test_cards_and_the_declines_they_give() {
    let app = TestApp::spawn().await;
    let html = app.raw_get("/docs").await.text().await.unwrap();
    for row in [
        "status is <code>L</code> Lost (<code>UpdateCardStatus</code>)</td><td><code>41</code> Lost card",
        "end in <code>51</code> (e.g. <code>10.51</code>)</td><td><code>51</code> Insufficient funds",
    ] {
        assert!(html.contains(row), "{row}");
    }
}

#[tokio::test]
async fn every_refusal_an_operation_can_give_is_documented_with_a_null_result_object() {
    let app = TestApp::spawn().await;
    let doc: Value = app.raw_get("/openapi.json").await.json().await.unwrap();
    for (path, method, id) in OPERATIONS {
        let responses = &doc["paths"][path][method]["responses"];
        let mut statuses: Vec<&str> = responses
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        statuses.sort_unstable();
        let body = !doc["paths"][path][method]["requestBody"].is_null();
        let expected: &[&str] = match (id, body) {
            ("Token", _) => &["200", "400", "401", "408", "413", "429", "500"],
            (_, true) => &["200", "400", "401", "403", "408", "413", "429", "500"],
            (_, false) => &["200", "401", "403", "429", "500"],
        };
        assert_eq!(statuses, expected, "{id}");
    }
    let failure = &doc["components"]["schemas"]["Failure"]["properties"]["ResultObject"];
    assert_eq!(failure, &json!({"type": "null"}));
    let allow = &doc["components"]["responses"]["MethodNotAllowed"]["headers"]["Allow"];
    assert!(allow.is_object());
}

/// The request examples the OpenAPI document publishes all work as sent.
#[tokio::test]
async fn published_examples_succeed() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let doc: Value = app.raw_get("/openapi.json").await.json().await.unwrap();
    let example = |path: &str, method: &str| {
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["example"].clone()
    };
    let (status, body) = app
        .post(
            "/api/Integration/CreateCustomer",
            &token,
            example("/api/Integration/CreateCustomer", "post"),
        )
        .await;
    assert_result(status, &body, 200, 0);
    let (status, body) = app
        .post(
            "/api/Integration/UpdateCustomerLimit",
            &token,
            example("/api/Integration/UpdateCustomerLimit", "post"),
        )
        .await;
    assert_result(status, &body, 200, 0);
    app.post(
        "/api/Integration/CreateCustomer",
        &token,
        json!({"CustomerNo": "stringstri", "Name": "A", "Surname": "B"}),
    )
    .await;
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/Integration/UpdateCustomer",
            Some(&token),
            Some(example("/api/Integration/UpdateCustomer", "put")),
        )
        .await;
    assert_result(status, &body, 200, 0);
    let acquirer = app.token("acquirer").await;
    let (status, body) = app
        .post(
            "/api/Integration/CreateMerchantAndTerminal",
            &acquirer,
            example("/api/Integration/CreateMerchantAndTerminal", "post"),
        )
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(
        body["ResultObject"]["TerminalNos"].as_array().map(Vec::len),
        Some(2)
    );
}
