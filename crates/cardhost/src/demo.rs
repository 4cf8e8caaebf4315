//! `serve --demo`: a demo bank, seeded through the API itself (the calls an
//! integration engineer would make), so that a first payment takes two
//! copy-pastes. It runs only under the development master key a fresh start
//! creates: a production key store never holds cards whose CVV2 was printed.

use std::sync::Arc;

use anyhow::{bail, Context};
use axum::body::Body;
use axum::http::{Method, Request};
use cardhost_domain::secret::{CardNumber, ClientSecret, Cvv2, StoreKey};
use cardhost_service::clients::{self, NewClient};
use cardhost_service::{Host, Scope, Scopes};
use serde_json::{json, Value};
use tower::ServiceExt;

/// The merchant and terminal of the published `PaymentSale` example, so the
/// reference's own example pays at the demo bank.
pub const MERCHANT_NO: &str = "100000000001";
pub const TERMINAL_NO: &str = "10000001";
const CUSTOMER_NO: &str = "DEMO000001";

/// What the seeding made, to print once.
pub struct Demo {
    pub client_id: String,
    pub client_secret: ClientSecret,
    pub store_key: StoreKey,
    pub cards: Vec<DemoCard>,
}

pub struct DemoCard {
    pub kind: &'static str,
    pub card_no: CardNumber,
    pub expiry_date: String,
    pub cvv2: Cvv2,
    pub balance: String,
}

/// Seeds the demo bank unless its merchant exists already (then `None`:
/// a later start prints no secret).
pub async fn seed(host: &Arc<Host>) -> anyhow::Result<Option<Demo>> {
    let reader = host.db.reader();
    if cardhost_store::merchants::merchant(reader, MERCHANT_NO)
        .await?
        .is_some()
    {
        // The merchant is made first: without the customer after it, an
        // earlier start stopped midway.
        if cardhost_store::customers::get(reader, CUSTOMER_NO)
            .await?
            .is_none()
        {
            tracing::warn!("the demo bank on this database is incomplete (an earlier --demo start stopped while seeding); start on a fresh database to get it whole");
        }
        return Ok(None);
    }
    let seeder = Seeder::start(host).await?;
    let demo = seeder.bank().await;
    clients::revoke(&host.db, &seeder.client_id).await?;
    demo.map(Some)
}

/// An operator client that exists only while it seeds.
struct Seeder {
    app: cardhost_http::App,
    client_id: String,
    token: String,
}

impl Seeder {
    async fn start(host: &Arc<Host>) -> anyhow::Result<Seeder> {
        let new = NewClient {
            name: "demo seeding".into(),
            scopes: Scopes::of(&[Scope::Admin, Scope::Issuer, Scope::Pan]),
            merchant_no: None,
        };
        let created = clients::create(&host.db, &new, host.clock.now_ms()).await?;
        let mut seeder = Seeder {
            app: cardhost_http::app(host.clone(), cardhost_http::DEFAULT_MAX_IN_FLIGHT),
            client_id: created.client_id.clone(),
            token: String::new(),
        };
        let body =
            json!({"ClientId": created.client_id, "ClientSecret": created.client_secret.expose()});
        let answer = seeder.call(Method::POST, "/api/Auth/Token", body).await?;
        seeder.token = text(&answer, "Token")?;
        Ok(seeder)
    }

    async fn call(&self, method: Method, path: &str, body: Value) -> anyhow::Result<Value> {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("token", &self.token)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))?;
        let response = self.app.clone().oneshot(request).await?;
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        let answer: Value = serde_json::from_slice(&bytes).context("an answer of the API")?;
        if answer["Result"] != 0 {
            bail!("{path}: {}", answer["ReturnDescription"]);
        }
        Ok(answer["ResultObject"].clone())
    }

    async fn post(&self, op: &str, body: Value) -> anyhow::Result<Value> {
        self.call(Method::POST, &format!("/api/Integration/{op}"), body)
            .await
    }

    async fn bank(&self) -> anyhow::Result<Demo> {
        let merchant = self.merchant().await?;
        self.post(
            "CreateCustomer",
            json!({"CustomerNo": CUSTOMER_NO, "Name": "Demo", "Surname": "Customer",
            "MobileNo": "905320000000", "Limit": 20000, "LimitCurrency": 949}),
        )
        .await?;
        let mut cards = Vec::new();
        for kind in ["Debit", "Credit", "Prepaid"] {
            cards.push(self.card(kind).await?);
        }
        Ok(Demo {
            client_id: text(&merchant, "VposClientId")?,
            client_secret: ClientSecret::new(text(&merchant, "VposClientSecret")?),
            store_key: StoreKey::new(text(&merchant, "VposStoreKey")?),
            cards,
        })
    }

    /// The merchant with its profiles and VPOS terminal; its creation answer.
    async fn merchant(&self) -> anyhow::Result<Value> {
        self.post(
            "CreatePosAuthorizationProfile",
            json!({"ProfileCode": "DEMO-AUTH",
            "ProfileName": "Demo web shop", "MaxInstallmentCount": 12, "AllowOffUsCards": true}),
        )
        .await?;
        self.post(
            "CreatePosFeeProfile",
            json!({"ProfileCode": "DEMO-FEE", "ProfileName": "Demo fees",
            "Rates": [{"RatePercent": 1.5, "FixedFee": 0.10, "ValueDays": 1},
                      {"Network": "OffUs", "RatePercent": 2.25, "ValueDays": 2}]}),
        )
        .await?;
        self.post(
            "CreateMerchantAndTerminal",
            json!({
            "Merchant": {"MerchantNo": MERCHANT_NO, "MerchantName": "Demo Book Shop", "Mcc": "5942",
                "Country": "TR", "City": "Istanbul", "Currency": 949, "VposEnabled": true,
                "PosFeeProfileCode": "DEMO-FEE", "PosAuthorizationProfileCode": "DEMO-AUTH"},
            "Terminals": [{"TerminalNo": TERMINAL_NO, "TerminalType": "Vpos"}]}),
        )
        .await
    }

    /// A virtual card of `kind` with funds: a debit or prepaid card loaded
    /// with 1,000.00, a credit card with a 5,000.00 limit.
    async fn card(&self, kind: &'static str) -> anyhow::Result<DemoCard> {
        let mut request =
            json!({"CustomerNo": CUSTOMER_NO, "IsVirtual": true, "EmbossName": "DEMO CUSTOMER"});
        if kind == "Credit" {
            request["CardLimit"] = json!(5000);
        }
        let card = self.post(&format!("Create{kind}Card"), request).await?;
        let token = text(&card, "CardToken")?;
        if kind != "Credit" {
            self.post(
                "LoadCardBalance",
                json!({"CardToken": token, "Amount": 1000,
                "Currency": 949, "Reference": format!("demo-load-{kind}")}),
            )
            .await?;
        }
        let private = format!("/api/Integration/GetCardPrivateInfo?CardToken={token}");
        let private = self.call(Method::GET, &private, Value::Null).await?;
        let balance = format!("/api/Integration/GetHostBalance?CardToken={token}");
        let balance = self.call(Method::GET, &balance, Value::Null).await?;
        Ok(DemoCard {
            kind,
            card_no: CardNumber::new(text(&private, "CardNo")?),
            expiry_date: text(&private, "ExpiryDate")?,
            cvv2: Cvv2::new(text(&private, "Cvv2")?),
            balance: balance["AvailableAmount"].to_string(),
        })
    }
}

fn text(object: &Value, field: &str) -> anyhow::Result<String> {
    object[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no {field} in {object}"))
}

/// The labelled lines and a ready-to-paste first payment.
pub fn print(demo: &Demo, listen: &str) {
    let base = format!("http://{listen}");
    println!();
    println!(
        "Demo merchant: MerchantNo={MERCHANT_NO} TerminalNo={TERMINAL_NO} ClientId={} ClientSecret={} StoreKey={}",
        demo.client_id,
        demo.client_secret.expose(),
        demo.store_key.expose()
    );
    for c in &demo.cards {
        println!(
            "Demo card: Kind={} CardNo={} ExpiryDate={} Cvv2={} Balance={}",
            c.kind,
            c.card_no.expose(),
            c.expiry_date,
            c.cvv2.expose(),
            c.balance
        );
    }
    let Some(card) = demo.cards.first() else {
        return;
    };
    println!();
    println!("A first payment with the debit card (these secrets are shown only this once):");
    println!(
        "  TOKEN=$(curl -s -X POST {base}/api/Auth/Token -H 'Content-Type: application/json' \\\n    -d '{{\"ClientId\": \"{}\", \"ClientSecret\": \"{}\"}}' | sed -E 's/.*\"Token\":\"([^\"]+)\".*/\\1/')",
        demo.client_id,
        demo.client_secret.expose()
    );
    println!(
        "  curl -s -X POST {base}/api/VPos/PaymentSale -H \"token: $TOKEN\" -H 'Content-Type: application/json' \\\n    -d '{{\"MerchantNo\": \"{MERCHANT_NO}\", \"TerminalNo\": \"{TERMINAL_NO}\", \"OrderId\": \"demo-1\", \"Amount\": 25.00, \"Currency\": 949, \"CardNo\": \"{}\", \"ExpiryDate\": \"{}\", \"Cvv2\": \"{}\"}}'",
        card.card_no.expose(),
        card.expiry_date,
        card.cvv2.expose()
    );
    println!(
        "  curl -s \"{base}/api/VPos/CheckByOrderId?MerchantNo={MERCHANT_NO}&OrderId=demo-1\" -H \"token: $TOKEN\""
    );
    println!();
}
