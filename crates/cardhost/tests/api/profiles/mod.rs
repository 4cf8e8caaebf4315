//! The acquirer's profiles: fees, authorization and (legacy) commission.

mod authorization;
mod fees;
mod in_use;

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

/// A fresh host and an `acquirer` token.
struct Profiles {
    app: TestApp,
    token: String,
}

impl Profiles {
    async fn new() -> Profiles {
        let app = TestApp::spawn().await;
        let token = app.token("acquirer").await;
        Profiles { app, token }
    }

    /// An operation under `/api/Integration/` with `method`; the whole answer.
    async fn call(
        &self,
        method: Method,
        op: &str,
        body: Option<Value>,
    ) -> (reqwest::StatusCode, Value) {
        let path = format!("/api/Integration/{op}");
        self.app.call(method, &path, Some(&self.token), body).await
    }

    async fn post(&self, op: &str, body: Value) -> Value {
        self.call(Method::POST, op, Some(body)).await.1
    }

    async fn put(&self, op: &str, body: Value) -> Value {
        self.call(Method::PUT, op, Some(body)).await.1
    }

    /// A read (`op?query`); its `ResultObject`.
    async fn read(&self, op_and_query: &str) -> Value {
        self.call(Method::GET, op_and_query, None).await.1["ResultObject"].clone()
    }
}

/// The `Errors` fields of `body`, sorted.
fn sorted_fields(body: &Value) -> Vec<String> {
    let mut fields = error_fields(body);
    fields.sort();
    fields
}
