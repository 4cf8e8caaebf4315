//! Cards of the issuer: their helpers; the tests by feature in the modules below.

use chrono::Duration;
use serde_json::{json, Value};

use crate::independent;
use crate::support::*;

mod emboss;
mod issuing;
mod lifecycle;
mod limits;
mod reading;

pub const CUSTOMER: &str = "C100";

/// A customer with a mobile number, and a token with `issuer` and `pan`.
pub async fn setup(app: &TestApp) -> String {
    let token = app.token("issuer,pan").await;
    let (_, body) = app
        .post(
            "/api/Integration/CreateCustomer",
            &token,
            json!({"CustomerNo": CUSTOMER, "Name": "Ayşe", "Surname": "Yılmaz", "MobileNo": "905321234567", "Limit": 50000, "LimitCurrency": 949}),
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    token
}

/// Issues a card of `kind` (`Credit`, `Debit`, `Prepaid`) and returns its result object.
pub async fn issue(app: &TestApp, token: &str, kind: &str, extra: Value) -> Value {
    let mut request = json!({"CustomerNo": CUSTOMER});
    for (k, v) in extra.as_object().unwrap() {
        request[k] = v.clone();
    }
    let (status, body) = app
        .post(
            &format!("/api/Integration/Create{kind}Card"),
            token,
            request,
        )
        .await;
    assert_result(status, &body, 200, 0);
    body["ResultObject"].clone()
}

fn luhn_ok(pan: &str) -> bool {
    let sum: u32 = pan
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn pan_with_check(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|p| luhn_ok(p))
        .unwrap()
}
