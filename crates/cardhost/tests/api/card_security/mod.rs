//! A card's secrets: CVV2 checks, PINs and the 3-D Secure password.

mod cvv2;
mod pin;
mod three_ds;

use serde_json::{json, Value};

use crate::cards::{issue, setup};
use crate::independent;
use crate::support::*;

/// A fresh host with one card, and the `issuer,pan` token that acts on it.
struct Holder {
    app: TestApp,
    token: String,
    card: Value,
}

impl Holder {
    async fn with(kind: &str, extra: Value) -> Holder {
        let app = TestApp::spawn().await;
        let token = setup(&app).await;
        let card = issue(&app, &token, kind, extra).await;
        Holder { app, token, card }
    }

    fn pan(&self) -> &str {
        self.card["CardNo"].as_str().unwrap()
    }

    /// An issuer operation on the card (its `CardToken` added); the whole answer.
    async fn op(&self, op: &str, mut fields: Value) -> Value {
        fields["CardToken"] = self.card["CardToken"].clone();
        let path = format!("/api/Integration/{op}");
        self.app.post(&path, &self.token, fields).await.1
    }

    /// `pin` as a format 0 PIN block under the test zone PIN key.
    fn block(&self, pin: &str) -> String {
        independent::iso0_block(TEST_ZPK, pin, self.pan())
    }

    async fn check_pin(&self, block: &str) -> Value {
        let fields = json!({"PinBlock": block, "PinBlockFormat": 0, "KeyName": "zpk"});
        self.op("CheckPin", fields).await
    }

    /// Has the PIN sent by SMS and reads it from the message (tests log secrets).
    async fn pin_by_sms(&self) -> String {
        let sent = self.op("SendPinBySms", json!({})).await;
        assert_eq!(sent["Result"], 0, "{sent}");
        self.app.secret_in_last_sms(4).await
    }
}

fn response_code(body: &Value) -> &Value {
    &body["ResultObject"]["ResponseCode"]
}

/// A 4-digit PIN other than `pin`.
fn other_than(pin: &str) -> &'static str {
    if pin == "0000" {
        "1111"
    } else {
        "0000"
    }
}
