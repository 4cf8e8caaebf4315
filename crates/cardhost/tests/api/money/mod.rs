//! The issuer's money operations: loads, purchases and what follows them.

mod concurrency;
mod declines;
mod history;
mod holds;
mod limits;
mod products;
mod purchases;
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

/// A fresh host with one virtual debit card loaded with an amount, and the
/// `issuer,pan` token that acts on it: what most money tests start from.
pub struct Funded {
    pub app: TestApp,
    pub token: String,
    pub card: Value,
}

impl Funded {
    pub async fn with(amount: &str) -> Funded {
        let app = TestApp::spawn().await;
        let token = setup(&app).await;
        let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
        let loaded = load(&app, &token, &card, amount, "L1").await;
        assert_eq!(loaded["Result"], 0, "{loaded}");
        Funded { app, token, card }
    }

    /// `SendTransaction` on the card (see [`send`]).
    pub async fn send(&self, reference: &str, amount: &str, fields: Value) -> Value {
        send(
            &self.app,
            &self.token,
            &self.card,
            reference,
            amount,
            fields,
        )
        .await
    }

    pub async fn purchase(&self, reference: &str, amount: &str) -> Value {
        self.send(reference, amount, json!({})).await
    }

    /// A transaction of `kind` (`Refund`, `Completion`) against the earlier one `of`.
    pub async fn against(&self, kind: &str, of: &Value, reference: &str, amount: &str) -> Value {
        let fields = json!({"TransactionType": kind, "OriginalProcessId": process_id(of)});
        self.send(reference, amount, fields).await
    }

    /// The reversal of the earlier transaction `of`, which names no amount.
    pub async fn reverse(&self, of: &Value, reference: &str) -> Value {
        let fields = json!({"TransactionType": "Reversal", "OriginalProcessId": process_id(of),
            "Amount": null, "Currency": null});
        self.send(reference, "0", fields).await
    }

    /// Available, ledger and blocked amounts, as the API writes them.
    pub async fn balances(&self) -> [String; 3] {
        let b = balance(&self.app, &self.token, &self.card).await;
        ["AvailableAmount", "LedgerBalance", "BlockedAmount"].map(|k| b[k].to_string())
    }

    /// An issuer operation on this card (its `CardToken` added), which must succeed.
    pub async fn change(&self, operation: &str, mut fields: Value) {
        fields["CardToken"] = self.card["CardToken"].clone();
        let path = format!("/api/Integration/{operation}");
        let (_, body) = self.app.post(&path, &self.token, fields).await;
        assert_eq!(body["Result"], 0, "{operation}: {body}");
    }

    /// The card's transactions, newest first, as (type, status).
    pub async fn history(&self) -> Vec<(String, String)> {
        let path = format!(
            "/api/Integration/GetCardTransactions?CardToken={}",
            self.card["CardToken"].as_str().unwrap()
        );
        let (_, list) = self.app.get(&path, &self.token).await;
        list["ResultObject"]["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (text(&i["TransactionType"]), text(&i["Status"])))
            .collect()
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

pub fn process_id(body: &Value) -> &str {
    body["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap_or_else(|| panic!("a ProcessId in {body}"))
}

/// Asserts an approval (`00`, `Result` 0) or a decline with `want` (`Result` 8).
#[track_caller]
pub fn assert_code(body: &Value, want: &str) {
    let result = if want == "00" { 0 } else { 8 };
    assert_eq!(
        (body["Result"].clone(), code(body)),
        (json!(result), want.to_owned()),
        "{body}"
    );
}

/// The same list of (type, status) pairs, from literals.
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}
