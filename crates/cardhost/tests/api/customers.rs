use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

const CREATE: &str = "/api/Integration/CreateCustomer";
const UPDATE: &str = "/api/Integration/UpdateCustomer";
const LIMIT: &str = "/api/Integration/UpdateCustomerLimit";

async fn info(app: &TestApp, token: &str, customer_no: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/api/Integration/GetCustomerInfo?CustomerNo={customer_no}"),
            token,
        )
        .await;
    assert_result(status, &body, 200, 0);
    body["ResultObject"].clone()
}

#[tokio::test]
async fn create_then_get_returns_every_field_exactly() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let example: Value = serde_json::from_str(include_str!(
        "../../../http/api-examples/CreateCustomer.json"
    ))
    .unwrap();
    let (status, body) = app.post(CREATE, &token, example.clone()).await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"], json!({"CustomerNo": "1308590"}));
    let c = info(&app, &token, "1308590").await;
    for (field, value) in example.as_object().unwrap() {
        if field != "Limit" {
            assert_eq!(&c[field], value, "{field}");
        }
    }
    // Money keeps its exact decimals on the way out.
    assert_eq!(c["Limit"].to_string(), "25000.00");
    assert_eq!(c["UsedLimit"].to_string(), "0.00");
    assert_eq!(c["AvailableLimit"].to_string(), "25000.00");
    assert_eq!(c["LimitCurrency"], 949);
    assert_eq!(c["Cards"], json!([]));
    assert_eq!(c["CreateDate"], "20260302093000");
    assert!(c["MidName"].is_null());
}

#[tokio::test]
async fn customer_number_is_generated_when_absent() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let (status, body) = app
        .post(CREATE, &token, json!({"Name": "A", "Surname": "B"}))
        .await;
    assert_result(status, &body, 200, 0);
    let no = body["ResultObject"]["CustomerNo"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(no.len(), 10);
    assert!(
        no.bytes().all(|b| b.is_ascii_digit()) && !no.starts_with('0'),
        "{no}"
    );
    let c = info(&app, &token, &no).await;
    assert_eq!(c["Limit"].to_string(), "0.00");
    assert_eq!(c["LimitCurrency"], 949);
}

#[tokio::test]
async fn a_duplicate_customer_number_is_result_3() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let request = json!({"CustomerNo": "DUP1", "Name": "A", "Surname": "B"});
    let (status, body) = app.post(CREATE, &token, request.clone()).await;
    assert_result(status, &body, 200, 0);
    let (status, body) = app
        .post(
            CREATE,
            &token,
            json!({"CustomerNo": "DUP1", "Name": "Other", "Surname": "X"}),
        )
        .await;
    assert_result(status, &body, 200, 3);
    assert_eq!(
        info(&app, &token, "DUP1").await["Name"],
        "A",
        "the first customer is untouched"
    );
}

#[tokio::test]
async fn the_reference_update_request_verbatim_succeeds() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let (status, body) = app
        .post(
            CREATE,
            &token,
            json!({"CustomerNo": "stringstri", "Name": "Ada", "Surname": "L"}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    let raw = include_str!("../../../http/api-examples/UpdateCustomer.json");
    // Sent exactly as on the reference page: double slash, original casing.
    let (status, body) = app
        .call_raw(
            Method::PUT,
            "//api/Integration/UpdateCustomer",
            Some(&token),
            raw,
        )
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ReturnDescription"], "Successfully completed.");
    assert_eq!(body["ResultObject"], json!({"CustomerNo": "stringstri"}));
    let c = info(&app, &token, "stringstri").await;
    assert_eq!(c["Name"], "string");
    assert_eq!(c["IdentitySequenceNo"], "11");
    assert_eq!(c["TCKN"], "string");
    assert_eq!(c["AutoLimitIncrease"], true);
    assert_eq!(c["MainBranch"], 1);
    assert_eq!(c["LimitCurrency"], 978);
    assert_eq!(c["Limit"].to_string(), "0.00");
}

#[tokio::test]
async fn a_partial_update_keeps_untouched_fields() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let request = json!({"CustomerNo": "P1", "Name": "Ada", "Surname": "Lovelace", "Email": "ada@example.com",
        "MobileNo": "905320000001", "BirthDate": "19801210", "Limit": dec("1500.50"), "LimitCurrency": 949});
    assert_eq!(app.post(CREATE, &token, request).await.1["Result"], 0);
    let (status, body) = app
        .put(
            UPDATE,
            &token,
            json!({"CustomerNo": "P1", "Email": "ada@bank.example"}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    let c = info(&app, &token, "P1").await;
    assert_eq!(c["Email"], "ada@bank.example");
    assert_eq!(c["Name"], "Ada");
    assert_eq!(c["Surname"], "Lovelace");
    assert_eq!(c["MobileNo"], "905320000001");
    assert_eq!(c["BirthDate"], "19801210");
    assert_eq!(c["Limit"].to_string(), "1500.50");
}

#[tokio::test]
async fn validation_names_each_bad_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let request = json!({
        "CustomerNo": "V1", "Name": "x".repeat(51), "BirthDate": "20230229", "PassportDateOfIssue": "2024-04-23",
        "Gender": "X", "BirthCountryCode": "ZZ", "AddressHomeCountry": "tr", "TCKN": "10000000147",
        "Limit": dec("10.005"), "PassportControlPeriod": -1
    });
    let (status, body) = app.post(CREATE, &token, request).await;
    assert_result(status, &body, 200, 1);
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "AddressHomeCountry",
            "BirthCountryCode",
            "BirthDate",
            "Gender",
            "Limit",
            "Name",
            "PassportControlPeriod",
            "PassportDateOfIssue",
            "Surname",
            "TCKN"
        ]
    );
    let (status, body) = app
        .get("/api/Integration/GetCustomerInfo?CustomerNo=V1", &token)
        .await;
    assert_result(status, &body, 200, 2);
}

#[tokio::test]
async fn money_validation_follows_the_currency() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let cases = [
        (
            json!({"Name": "A", "Surname": "B", "Limit": dec("100.5"), "LimitCurrency": 392}),
            "Limit",
        ),
        (
            json!({"Name": "A", "Surname": "B", "Limit": -1, "LimitCurrency": 949}),
            "Limit",
        ),
        (
            json!({"Name": "A", "Surname": "B", "Limit": dec("10000000000.00")}),
            "Limit",
        ),
        (
            json!({"Name": "A", "Surname": "B", "Limit": 1, "LimitCurrency": 999}),
            "LimitCurrency",
        ),
    ];
    for (request, field) in cases {
        let (status, body) = app.post(CREATE, &token, request).await;
        assert_result(status, &body, 200, 1);
        assert_eq!(error_fields(&body), [field], "{body}");
    }
    let (status, body) = app
        .post(CREATE, &token, json!({"CustomerNo": "KWD", "Name": "A", "Surname": "B", "Limit": dec("1.234"), "LimitCurrency": 414}))
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(
        info(&app, &token, "KWD").await["Limit"].to_string(),
        "1.234"
    );
}

#[tokio::test]
async fn a_refused_update_changes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    assert_eq!(
        app.post(
            CREATE,
            &token,
            json!({"CustomerNo": "U1", "Name": "Ada", "Surname": "L"})
        )
        .await
        .1["Result"],
        0
    );
    let (status, body) = app
        .put(
            UPDATE,
            &token,
            json!({"CustomerNo": "U1", "Name": "Grace", "Gender": "Q", "Email": "new@example.com"}),
        )
        .await;
    assert_result(status, &body, 200, 1);
    assert_eq!(error_fields(&body), ["Gender"]);
    let c = info(&app, &token, "U1").await;
    assert_eq!(c["Name"], "Ada");
    assert!(c["Email"].is_null());
    let (status, body) = app
        .put(UPDATE, &token, json!({"CustomerNo": "NOPE", "Name": "X"}))
        .await;
    assert_result(status, &body, 200, 2);
    let (status, body) = app.put(UPDATE, &token, json!({"Name": "X"})).await;
    assert_result(status, &body, 200, 1);
    assert_eq!(error_fields(&body), ["CustomerNo"]);
    let (status, body) = app
        .put(UPDATE, &token, json!({"CustomerNo": "U1", "Surname": "  "}))
        .await;
    assert_result(status, &body, 200, 1);
    assert_eq!(error_fields(&body), ["Surname"]);
}

#[tokio::test]
async fn update_customer_limit_sets_and_reports_the_limit() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    assert_eq!(
        app.post(
            CREATE,
            &token,
            json!({"CustomerNo": "1308590", "Name": "A", "Surname": "B"})
        )
        .await
        .1["Result"],
        0
    );
    let example: Value = serde_json::from_str(include_str!(
        "../../../http/api-examples/UpdateCustomerLimit.json"
    ))
    .unwrap();
    let (status, body) = app.post(LIMIT, &token, example).await;
    assert_result(status, &body, 200, 0);
    let r = &body["ResultObject"];
    assert_eq!(r["CustomerNo"], "1308590");
    assert_eq!(r["Limit"].to_string(), "30000.00");
    assert_eq!(r["LimitCurrency"], 949);
    assert_eq!(r["UsedLimit"].to_string(), "0.00");
    assert_eq!(r["AvailableLimit"].to_string(), "30000.00");
    assert_eq!(
        info(&app, &token, "1308590").await["AvailableLimit"].to_string(),
        "30000.00"
    );

    let (status, body) = app
        .post(LIMIT, &token, json!({"CustomerNo": "1308590"}))
        .await;
    assert_result(status, &body, 200, 1);
    assert_eq!(error_fields(&body), ["Limit", "LimitCurrency"]);
    let (status, body) = app
        .post(
            LIMIT,
            &token,
            json!({"CustomerNo": "none", "Limit": 5, "LimitCurrency": 949}),
        )
        .await;
    assert_result(status, &body, 200, 2);
    let (status, body) = app
        .post(
            LIMIT,
            &token,
            json!({"CustomerNo": "1308590", "Limit": dec("5.5"), "LimitCurrency": 392}),
        )
        .await;
    assert_result(status, &body, 200, 1);
    assert_eq!(error_fields(&body), ["Limit"]);
}

/// Every profile field given every wrong JSON type: always `Result` 1 naming
/// that field, never a 500, never a customer created.
#[tokio::test]
async fn no_bad_input_produces_a_500_or_a_write() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let example: Value = serde_json::from_str(include_str!(
        "../../../http/api-examples/UpdateCustomer.json"
    ))
    .unwrap();
    let wrong_values = [
        json!(true),
        json!({"a": 1}),
        json!([1]),
        dec("1.5"),
        json!("x".repeat(200)),
    ];
    for (field, good) in example.as_object().unwrap() {
        for wrong in &wrong_values {
            // A boolean suits AutoLimitIncrease and 1.5 suits Limit; every other pair is
            // wrong (the 200-character string is over every text field's length).
            let right_type = (wrong.is_boolean() && good.is_boolean())
                || (field == "Limit" && wrong.is_number());
            if field == "CustomerNo" || right_type {
                continue;
            }
            let mut request = json!({"CustomerNo": "BAD", "Name": "A", "Surname": "B"});
            request[field] = wrong.clone();
            let (status, body) = app.post(CREATE, &token, request).await;
            assert_eq!(status.as_u16(), 200, "{field}={wrong}: {body}");
            assert_eq!(body["Result"], 1, "{field}={wrong}: {body}");
            assert_eq!(error_fields(&body), [field.as_str()], "{field}={wrong}");
        }
    }
    let (_, body) = app
        .get("/api/Integration/GetCustomerInfo?CustomerNo=BAD", &token)
        .await;
    assert_eq!(body["Result"], 2);
}
