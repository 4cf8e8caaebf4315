//! The issuer's money operations: loads, purchases and what follows them.

mod concurrency;
mod history;
mod products;
mod spending;
mod transfers;

use chrono::Duration;
use serde_json::{json, Value};

use crate::cards::{issue, setup, CUSTOMER};
use crate::independent;
use crate::support::*;

const SEND: &str = "/api/Integration/SendTransaction";
const LOAD: &str = "/api/Integration/LoadCardBalance";

pub async fn load(
    app: &TestApp,
    token: &str,
    card: &Value,
    amount: &str,
    reference: &str,
) -> Value {
    let body: Value = serde_json::from_str(&format!(
        r#"{{"CardToken": "{}", "Reference": "{reference}", "Amount": {amount}, "Currency": 949}}"#,
        card["CardToken"].as_str().unwrap()
    ))
    .unwrap();
    app.post(LOAD, token, body).await.1
}

/// Sends a transaction; `fields` adds to or overrides the defaults (Purchase, TRY, Pos).
pub async fn send(
    app: &TestApp,
    token: &str,
    card: &Value,
    reference: &str,
    amount: &str,
    fields: Value,
) -> Value {
    let mut body: Value = serde_json::from_str(&format!(
        r#"{{"CardToken": "{}", "Reference": "{reference}", "TransactionType": "Purchase", "Amount": {amount}, "Currency": 949}}"#,
        card["CardToken"].as_str().unwrap()
    ))
    .unwrap();
    for (k, v) in fields.as_object().unwrap() {
        if v.is_null() {
            body.as_object_mut().unwrap().remove(k);
        } else {
            body[k] = v.clone();
        }
    }
    app.post(SEND, token, body).await.1
}

pub async fn balance(app: &TestApp, token: &str, card: &Value) -> Value {
    let (_, body) = app
        .get(
            &format!(
                "/api/Integration/GetHostBalance?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            token,
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    body["ResultObject"].clone()
}

fn code(body: &Value) -> String {
    body["ResultObject"]["ResponseCode"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

pub async fn ledger_ok(app: &TestApp) {
    let admin = app.admin_token().await;
    let (_, body) = app.get("/api/Admin/CheckLedger", &admin).await;
    assert_eq!(body["ResultObject"]["Violations"], json!([]), "{body}");
    assert_eq!(body["ResultObject"]["Ok"], true);
}
