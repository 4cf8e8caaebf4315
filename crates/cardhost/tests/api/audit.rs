use serde_json::json;
use sqlx::Row;

use crate::support::*;

#[tokio::test]
async fn state_changes_are_audited_and_the_log_is_append_only() {
    let app = TestApp::spawn().await;
    let (client_id, secret) = app.client("issuer").await;
    let (_, body) = app.token_for(&client_id, &secret).await;
    let token = body["ResultObject"]["Token"].as_str().unwrap().to_owned();
    app.post(
        "/api/Integration/CreateCustomer",
        &token,
        json!({"CustomerNo": "A1", "Name": "A", "Surname": "B"}),
    )
    .await;
    app.put(
        "/api/Integration/UpdateCustomer",
        &token,
        json!({"CustomerNo": "A1", "Gender": "Q"}),
    )
    .await;
    app.post(
        "/api/Integration/UpdateCustomerLimit",
        &token,
        json!({"CustomerNo": "A1", "Limit": 10, "LimitCurrency": 949}),
    )
    .await;
    // Reads are not state changes.
    app.get("/api/Integration/GetCustomerInfo?CustomerNo=A1", &token)
        .await;

    let db = app.db().await;
    let rows = sqlx::query(
        "SELECT client_id, operation, object_key, result, at FROM audit_log WHERE client_id = $1 ORDER BY audit_id",
    )
    .bind(&client_id)
    .fetch_all(&db)
    .await
    .unwrap();
    let seen: Vec<(String, Option<String>, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<String, _>(1),
                r.get::<Option<String>, _>(2),
                r.get::<i64, _>(3),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("Token".to_owned(), Some(client_id.clone()), 0),
            ("CreateCustomer".to_owned(), Some("A1".to_owned()), 0),
            ("UpdateCustomer".to_owned(), None, 1),
            ("UpdateCustomerLimit".to_owned(), Some("A1".to_owned()), 0),
        ]
    );
    let at: i64 = rows[1].get(4);
    assert_eq!(at, app.clock_ms());

    let update = sqlx::query("UPDATE audit_log SET result = 0")
        .execute(&db)
        .await;
    assert!(update.is_err(), "audit rows cannot be edited");
    let delete = sqlx::query("DELETE FROM audit_log").execute(&db).await;
    assert!(delete.is_err(), "audit rows cannot be deleted");
}

#[tokio::test]
async fn a_card_request_with_a_wrong_typed_field_is_refused_and_audited() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let (_, body) = app
        .post(
            "/api/Integration/CreateCreditCard",
            &token,
            json!({"CustomerNo": 1308590, "ProductCode": "CLASSIC-CREDIT"}),
        )
        .await;
    assert_eq!(
        (body["Result"].clone(), body["Errors"][0]["Field"].clone()),
        (json!(1), json!("CustomerNo"))
    );
    assert_eq!(app.audited_results("CreateCreditCard").await, [1]);
}

#[tokio::test]
async fn a_refused_profile_delete_is_audited() {
    let app = TestApp::spawn().await;
    let token = app.token("acquirer").await;
    let (_, body) = app
        .call(
            reqwest::Method::DELETE,
            "/api/Integration/DeletePosFeeProfile?ProfileCode=NOPE",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(body["Result"], 2, "{body}");
    assert_eq!(app.audited_results("DeletePosFeeProfile").await, [2]);
}
