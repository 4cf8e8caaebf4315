use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn token_is_a_uuid_plus_its_utc_expiry() {
    let app = TestApp::spawn().await;
    let (status, body) = app.token_for(ADMIN_ID, ADMIN_SECRET).await;
    assert_result(status, &body, 200, 0);
    let token = body["ResultObject"]["Token"].as_str().unwrap();
    let (uuid, expiry) = token.split_once('+').unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(uuid.matches('-').count(), 4);
    // The clock stands at 2026-03-02 09:30:00 UTC; the lifetime is 60 minutes.
    assert_eq!(expiry, "202603021030");
    assert_eq!(body["ResultObject"]["ExpireDate"], "202603021030");
}

#[tokio::test]
async fn token_is_honoured_until_it_expires() {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let (status, body) = app
        .get("/api/Integration/GetCustomerInfo?CustomerNo=none", &token)
        .await;
    assert_result(status, &body, 200, 2);
    app.clock.advance(Duration::minutes(59));
    let (status, body) = app
        .get("/api/Integration/GetCustomerInfo?CustomerNo=none", &token)
        .await;
    assert_result(status, &body, 200, 2);
    app.clock.advance(Duration::minutes(1));
    let (status, body) = app
        .get("/api/Integration/GetCustomerInfo?CustomerNo=none", &token)
        .await;
    assert_result(status, &body, 401, 5);
    assert!(
        body["ReturnDescription"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn wrong_or_unknown_credentials_are_refused() {
    let app = TestApp::spawn().await;
    let (status, body) = app.token_for(ADMIN_ID, "wrong").await;
    assert_result(status, &body, 401, 5);
    let (status, body) = app.token_for("no-such-client", ADMIN_SECRET).await;
    assert_result(status, &body, 401, 5);
    assert_eq!(body["ReturnDescription"], "Invalid client credentials.");
}

#[tokio::test]
async fn missing_credentials_name_their_fields() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/api/Auth/Token",
            None,
            Some(json!({})),
        )
        .await;
    assert_result(status, &body, 200, 1);
    assert_eq!(error_fields(&body), ["ClientId", "ClientSecret"]);
}

#[tokio::test]
async fn ten_wrong_secrets_lock_the_client_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.client("issuer").await;
    for _ in 0..10 {
        let (status, body) = app.token_for(&id, "wrong-secret").await;
        assert_result(status, &body, 401, 5);
    }
    let (status, body) = app.token_for(&id, &secret).await;
    assert_result(status, &body, 401, 5);
    assert!(
        body["ReturnDescription"]
            .as_str()
            .unwrap()
            .contains("locked"),
        "{body}"
    );
    app.clock.advance(Duration::minutes(14));
    let (status, _) = app.token_for(&id, &secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.clock.advance(Duration::minutes(2));
    let (status, body) = app.token_for(&id, &secret).await;
    assert_result(status, &body, 200, 0);
}

#[tokio::test]
async fn a_flood_from_one_address_is_rate_limited() {
    let app = TestApp::spawn().await;
    // Each instance keeps its own.
    app.pin_to_first();
    let mut limited = 0;
    for i in 0..61 {
        let (status, body) = app.token_for(&format!("unknown-{i}"), "x").await;
        if body["Result"] == 9 {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
            limited += 1;
        }
    }
    assert_eq!(limited, 1, "the 61st request in a minute is refused");
    app.clock.advance(Duration::seconds(61));
    let (status, body) = app.token_for(ADMIN_ID, ADMIN_SECRET).await;
    assert_result(status, &body, 200, 0);
}

#[tokio::test]
async fn malformed_or_missing_token_header_is_401() {
    let app = TestApp::spawn().await;
    for token in [
        None,
        Some("garbage"),
        Some("58ff081d-eba7-4e9c-bfab-3cd51792b96d+202501211205"),
    ] {
        let (status, body) = app
            .call(
                reqwest::Method::GET,
                "/api/Integration/GetCustomerInfo?CustomerNo=1",
                token,
                None,
            )
            .await;
        assert_result(status, &body, 401, 5);
    }
}

#[tokio::test]
async fn a_revoked_client_loses_its_tokens() {
    let app = TestApp::spawn().await;
    let (id, secret) = app.client("issuer").await;
    let (_, body) = app.token_for(&id, &secret).await;
    let token = body["ResultObject"]["Token"].as_str().unwrap().to_owned();
    let (status, _) = app
        .get("/api/Integration/GetCustomerInfo?CustomerNo=x", &token)
        .await;
    assert_eq!(status, StatusCode::OK);
    cardhost_service::clients::revoke(&app.host.db, &id)
        .await
        .unwrap();
    // A running server trusts a resolved token for at most 10 seconds.
    app.clock.advance(Duration::seconds(11));
    let (status, body) = app
        .get("/api/Integration/GetCustomerInfo?CustomerNo=x", &token)
        .await;
    assert_result(status, &body, 401, 5);
    let (status, body) = app.token_for(&id, &secret).await;
    assert_result(status, &body, 401, 5);
}

#[tokio::test]
async fn operations_need_their_scope() {
    let app = TestApp::spawn().await;
    let acquirer = app.token("acquirer").await;
    let (status, body) = app
        .post(
            "/api/Integration/CreateCustomer",
            &acquirer,
            json!({"Name": "A", "Surname": "B"}),
        )
        .await;
    assert_result(status, &body, 403, 6);
    assert!(body["ReturnDescription"]
        .as_str()
        .unwrap()
        .contains("issuer"));
    let (status, body) = app
        .get("/api/Integration/GetCustomerInfo?CustomerNo=1", &acquirer)
        .await;
    assert_result(status, &body, 403, 6);
    let admin = app.admin_token().await;
    let (status, body) = app
        .post(
            "/api/Integration/CreateCustomer",
            &admin,
            json!({"Name": "A", "Surname": "B"}),
        )
        .await;
    assert_result(status, &body, 200, 0);
}
