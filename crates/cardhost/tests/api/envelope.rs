use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn unknown_path_is_404_not_found() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let (status, body) = app.get("/api/Integration/NoSuchOperation", &token).await;
    assert_result(status, &body, 404, 2);
    let (status, body) = app.call(Method::GET, "/nothing/here", None, None).await;
    assert_result(status, &body, 404, 2);
}

#[tokio::test]
async fn wrong_method_is_405_validation() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let (status, body) = app.get("/api/Integration/CreateCustomer", &token).await;
    assert_result(status, &body, 405, 1);
    let (status, body) = app
        .post("/api/Integration/GetCustomerInfo", &token, json!({}))
        .await;
    assert_result(status, &body, 405, 1);
}

#[tokio::test]
async fn unparseable_json_is_400() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    for raw in ["{bad", "", "{\"Name\": \"A\",}", "nul"] {
        let (status, body) = app
            .call_raw(
                Method::POST,
                "/api/Integration/CreateCustomer",
                Some(&token),
                raw,
            )
            .await;
        assert_result(status, &body, 400, 1);
    }
}

#[tokio::test]
async fn wrong_json_types_name_the_field() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let cases = [
        (json!({"Name": 5, "Surname": "B"}), "Name"),
        (
            json!({"Name": "A", "Surname": "B", "Limit": "100"}),
            "Limit",
        ),
        (
            json!({"Name": "A", "Surname": "B", "PassportControlPeriod": "x"}),
            "PassportControlPeriod",
        ),
        (
            json!({"Name": "A", "Surname": "B", "AutoLimitIncrease": "yes"}),
            "AutoLimitIncrease",
        ),
        (
            json!({"Name": "A", "Surname": "B", "LimitCurrency": "949"}),
            "LimitCurrency",
        ),
        (
            json!({"Name": "A", "Surname": "B", "Gender": ["M"]}),
            "Gender",
        ),
    ];
    for (request, field) in cases {
        let (status, body) = app
            .post("/api/Integration/CreateCustomer", &token, request)
            .await;
        assert_result(status, &body, 200, 1);
        assert_eq!(error_fields(&body), [field], "{body}");
    }
    let (status, body) = app
        .post("/api/Integration/CreateCustomer", &token, json!([1, 2]))
        .await;
    assert_result(status, &body, 200, 1);
}

#[tokio::test]
async fn body_over_one_mebibyte_is_413() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let big = format!(
        "{{\"Name\": \"{}\", \"Surname\": \"B\"}}",
        "x".repeat(1024 * 1024)
    );
    let (status, body) = app
        .call_raw(
            Method::POST,
            "/api/Integration/CreateCustomer",
            Some(&token),
            big,
        )
        .await;
    assert_result(status, &body, 413, 1);
}

#[tokio::test]
async fn an_internal_error_is_500_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let db = app.db().await;
    // Break the audit table so the customer insert succeeds but its transaction cannot commit.
    sqlx::query("ALTER TABLE audit_log RENAME TO audit_log_hidden")
        .execute(&db)
        .await
        .unwrap();
    let (status, body) = app
        .post(
            "/api/Integration/CreateCustomer",
            &token,
            json!({"CustomerNo": "C500", "Name": "A", "Surname": "B"}),
        )
        .await;
    assert_result(status, &body, 500, 99);
    let text = body.to_string();
    assert!(
        !text.contains("audit_log") && !text.contains("SQL"),
        "no internals echoed: {text}"
    );
    sqlx::query("ALTER TABLE audit_log_hidden RENAME TO audit_log")
        .execute(&db)
        .await
        .unwrap();
    let (status, body) = app
        .get("/api/Integration/GetCustomerInfo?CustomerNo=C500", &token)
        .await;
    assert_result(status, &body, 200, 2);
}

#[tokio::test]
async fn paths_are_case_insensitive_and_double_slashes_pass() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let (status, body) = app
        .post(
            "//api/integration/createcustomer",
            &token,
            json!({"CustomerNo": "CASE1", "Name": "A", "Surname": "B"}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    let (status, body) = app
        .get("/API/INTEGRATION/GetCustomerInfo?customerno=CASE1", &token)
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["CustomerNo"], "CASE1");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let res = app.raw_get("/api/Integration/GetCustomerInfo").await;
    let id = res
        .headers()
        .get("x-request-id")
        .expect("x-request-id")
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36);
}
