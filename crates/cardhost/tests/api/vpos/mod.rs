//! Virtual POS payments through the merchant's own `vpos` client: on-us cards
//! through the authorizer, off-us cards through the built-in test network.

mod callbacks;
mod captures;
mod chaos;
mod closing;
mod hosted;
mod installments;
mod off_us;
mod on_us;
mod points;
mod probing;
mod profile;
mod qr;
mod recurring;
mod refunds;
mod sales;
mod three_ds;
mod voids;

use serde_json::{json, Value};

use crate::cards::{issue, setup};
use crate::independent;
use crate::money::{balance, ledger_ok, load, send};
use crate::support::*;

const MERCHANT: &str = "777";
const TERMINAL: &str = "VPOS0777";
/// Luhn-valid and outside this host's BINs: routed to the card network.
const OFF_US: &str = "4111111111111111";

struct Shop<'a> {
    app: &'a TestApp,
    issuer: String,
    acquirer: String,
    vpos: String,
    /// The merchant's VPOS store key, which signs what the host sends back.
    store_key: String,
}

impl Shop<'_> {
    /// A VPOS operation through the merchant's own client.
    async fn op(&self, op: &str, body: Value) -> Value {
        vpos(self.app, &self.vpos, op, body).await
    }

    /// `PaymentSale` of `amount` on `order` with `card` (see [`pay_body`]).
    async fn sale(&self, order: &str, amount: &str, card: &Value) -> Value {
        self.op("PaymentSale", pay_body(order, amount, card)).await
    }

    /// `PaymentPreSale` of `amount` on `order` with `card`.
    async fn pre_sale(&self, order: &str, amount: &str, card: &Value) -> Value {
        self.op("PaymentPreSale", pay_body(order, amount, card))
            .await
    }

    /// `PaymentPostSale` of `order`, with `extra` fields (an `Amount`).
    async fn post_sale(&self, order: &str, extra: Value) -> Value {
        self.op("PaymentPostSale", follow(order, extra)).await
    }

    /// `PaymentVoid` of `order`'s last transaction.
    async fn void(&self, order: &str) -> Value {
        self.op("PaymentVoid", follow(order, json!({}))).await
    }

    /// `PaymentRefund` of `order`, with `extra` fields (`Reference`, `Amount`).
    async fn refund(&self, order: &str, extra: Value) -> Value {
        self.op("PaymentRefund", follow(order, extra)).await
    }

    /// `InstallmentInquiry` for 100.00 on a BIN.
    async fn installments_for(&self, bin: &str) -> Value {
        let body =
            json!({"MerchantNo": MERCHANT, "Amount": dec("100.00"), "Currency": 949, "Bin": bin});
        self.op("InstallmentInquiry", body).await
    }

    /// What `card` can spend now.
    async fn available(&self, card: &Value) -> String {
        money(&balance(self.app, &self.issuer, card).await["AvailableAmount"])
    }

    /// Gives the merchant an authorization profile allowing only `types`.
    async fn allow_only(&self, types: Value) {
        let profile = json!({"ProfileCode": "ONLY", "ProfileName": "Only these",
            "AllowedTransactionTypes": types});
        let (_, p) = self
            .app
            .post(
                "/api/Integration/CreatePosAuthorizationProfile",
                &self.acquirer,
                profile,
            )
            .await;
        assert_eq!(p["Result"], 0, "{p}");
        let assign = json!({"MerchantNo": MERCHANT, "PosAuthorizationProfileCode": "ONLY"});
        let (_, u) = self
            .app
            .put("/api/Integration/UpdateMerchant", &self.acquirer, assign)
            .await;
        assert_eq!(u["Result"], 0, "{u}");
    }

    /// A debit card of this host holding `amount`.
    async fn funded_debit(&self, amount: &str) -> Value {
        let card = issue(self.app, &self.issuer, "Debit", json!({"IsVirtual": true})).await;
        assert_eq!(
            load(self.app, &self.issuer, &card, amount, "L1").await["Result"],
            0
        );
        card
    }
}

async fn shop(app: &TestApp) -> Shop<'_> {
    let issuer = setup(app).await;
    let acquirer = app.token("acquirer").await;
    let (_, body) = app
        .post(
            "/api/Integration/CreatePosFeeProfile",
            &acquirer,
            json!({"ProfileCode": "FEE", "ProfileName": "Std", "Rates": [
            {"RatePercent": dec("1.5"), "FixedFee": dec("0.10"), "ValueDays": 1},
            {"Network": "OffUs", "RatePercent": 2, "ValueDays": 1}]}),
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let (_, body) = app
        .post("/api/Integration/CreateMerchantAndTerminal", &acquirer, json!({"Merchant": {"MerchantNo": MERCHANT, "MerchantName": "Book Shop", "Mcc": "5942",
            "Country": "TR", "Currency": 949, "PosFeeProfileCode": "FEE", "VposEnabled": true}, "Terminals": [{"TerminalType": "Vpos", "TerminalNo": TERMINAL}]}))
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let store_key = body["ResultObject"]["VposStoreKey"]
        .as_str()
        .unwrap()
        .to_owned();
    crate::canary::remember(&store_key);
    let vpos = vpos_token_of(app, MERCHANT).await;
    Shop {
        app,
        issuer,
        acquirer,
        vpos,
        store_key,
    }
}

/// A `vpos` client bound to `merchant_no`, made by the operator.
async fn vpos_token_of(app: &TestApp, merchant_no: &str) -> String {
    let created = cardhost_service::clients::create(
        &app.host.db,
        &cardhost_service::clients::NewClient {
            name: format!("vpos {merchant_no}"),
            scopes: cardhost_service::Scopes::of(&[cardhost_service::Scope::Vpos]),
            merchant_no: Some(merchant_no.to_owned()),
        },
        app.clock_ms(),
    )
    .await
    .unwrap();
    let (_, tok) = app
        .token_for(&created.client_id, created.client_secret.expose())
        .await;
    tok["ResultObject"]["Token"].as_str().unwrap().to_owned()
}

fn money(v: &Value) -> String {
    v.to_string()
}

fn code(body: &Value) -> &str {
    body["ResultObject"]["ResponseCode"].as_str().unwrap_or("")
}

/// A payment body for `card` (an issued card with CardNo, or a PAN string).
fn pay_body(order: &str, amount: &str, card: &Value) -> Value {
    let mut body: Value = serde_json::from_str(&format!(
        r#"{{"MerchantNo": "{MERCHANT}", "TerminalNo": "{TERMINAL}", "OrderId": "{order}", "Amount": {amount}, "Currency": 949}}"#
    ))
    .unwrap();
    match card {
        Value::String(pan) => {
            body["CardNo"] = json!(pan);
            body["ExpiryDate"] = json!("2912");
            body["Cvv2"] = json!("123");
        }
        issued => body["CardToken"] = issued["CardToken"].clone(),
    }
    body
}

/// Sends every body to `op` at once, each from its own task (and, with two
/// instances, to each in turn).
async fn all_at_once(app: &TestApp, token: &str, op: &str, bodies: Vec<Value>) -> Vec<Value> {
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let (http, url, token) = (
                app.http.clone(),
                app.next_url(&format!("/api/VPos/{op}")),
                token.to_owned(),
            );
            tokio::spawn(async move {
                let res = http
                    .post(url)
                    .header("token", token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                res.json::<Value>().await.unwrap()
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn vpos(app: &TestApp, token: &str, op: &str, body: Value) -> Value {
    let (status, body) = app.post(&format!("/api/VPos/{op}"), token, body).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn order(app: &TestApp, token: &str, order_id: &str) -> Value {
    let (_, body) = app
        .get(
            &format!("/api/VPos/CheckByOrderId?MerchantNo={MERCHANT}&OrderId={order_id}"),
            token,
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    body["ResultObject"].clone()
}

async fn open_batch(app: &TestApp, token: &str) -> Value {
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetPosBatchSummary?TerminalNo={TERMINAL}"),
            token,
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    body["ResultObject"].clone()
}

fn follow(order: &str, extra: Value) -> Value {
    let mut body = json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL, "OrderId": order});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// The real binary on the test's database and key store.
fn binary(app: &TestApp) -> crate::cli::Server {
    let keys = app.dir().join("keys.json");
    crate::cli::Server::start_with(
        app.dir(),
        &[
            ("CARDHOST_DATABASE_URL", app.db_url.as_str()),
            ("CARDHOST_KEYS_FILE", keys.to_str().unwrap()),
            ("CARDHOST_MASTER_KEY", TEST_MASTER_KEY),
        ],
    )
}

/// A token of the binary at `base` for the client `(id, secret)`.
async fn binary_token(base: &str, (id, secret): &(String, String)) -> String {
    crate::cli::token_of(base, id, secret).await
}

/// A call to the real binary at `base` that must succeed; its `ResultObject`.
pub(crate) async fn binary_call(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> Value {
    let request = match body {
        Some(body) => http.post(format!("{base}{path}")).json(&body),
        None => http.get(format!("{base}{path}")),
    };
    let answer = crate::cli::json_of(request.header("token", token)).await;
    assert_eq!(answer["Result"], 0, "{path}: {answer}");
    answer["ResultObject"].clone()
}
