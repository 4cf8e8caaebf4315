//! Merchants and their terminals, through the acquirer's client.

mod creating;
mod search;
mod terminals;
mod vpos_client;

use serde_json::{json, Value};

use crate::support::*;

const IBAN: &str = "TR330006100519786457841326";

/// A valid merchant, with `extra` fields added or replaced.
fn merchant(extra: Value) -> Value {
    let mut m = json!({"MerchantName": "Corner Grocery Ltd", "Mcc": "5411", "Country": "TR", "Currency": 949, "City": "Istanbul", "Iban": IBAN});
    for (k, v) in extra.as_object().unwrap() {
        m[k] = v.clone();
    }
    m
}

/// A fresh host and an `acquirer` token.
struct Acquirer {
    app: TestApp,
    token: String,
}

impl Acquirer {
    async fn new() -> Acquirer {
        let app = TestApp::spawn().await;
        let token = app.token("acquirer").await;
        Acquirer { app, token }
    }

    async fn post(&self, op: &str, body: Value) -> (reqwest::StatusCode, Value) {
        self.app
            .post(&format!("/api/Integration/{op}"), &self.token, body)
            .await
    }

    /// `CreateMerchant` of [`merchant`]`(extra)`, which must succeed; its result.
    async fn created(&self, extra: Value) -> Value {
        let (status, body) = self.post("CreateMerchant", merchant(extra)).await;
        assert_result(status, &body, 200, 0);
        body["ResultObject"].clone()
    }

    /// `GetMerchant` with `token`; the whole answer.
    async fn merchant_as(&self, token: &str, no: &str) -> (reqwest::StatusCode, Value) {
        let path = format!("/api/Integration/GetMerchant?MerchantNo={no}");
        self.app.get(&path, token).await
    }

    async fn merchant(&self, no: &str) -> Value {
        self.merchant_as(&self.token, no).await.1
    }
}

/// `path` read by the acquirer is `Result` 1 with this one error.
async fn refused(a: &Acquirer, path: &str, field: &str, message: &str) {
    assert_read_refused(&a.app, path, &a.token, field, message).await;
}

/// The `Errors` fields of `body`, sorted.
fn sorted_fields(body: &Value) -> Vec<String> {
    let mut fields = error_fields(body);
    fields.sort();
    fields
}
