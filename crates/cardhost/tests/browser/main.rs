//! The pages a person uses — the 3-D Secure ACS page and the hosted payment
//! page — driven in a real headless Chromium, with the merchant's site a small
//! local server that receives the signed callbacks.
//!
//! `scripts/test.sh` installs Debian's `chromium` and `chromium-driver`.
//! With `CARDHOST_SCREENSHOTS=dir` the tests also save the screenshots the
//! README shows.

#[path = "../api/canary.rs"]
mod canary;
#[allow(dead_code)]
#[path = "../api/independent.rs"]
mod independent;
mod receiver;
#[allow(dead_code)]
#[path = "../api/support.rs"]
mod support;
mod webdriver;

use serde_json::{json, Value};

use receiver::Receiver;
use support::*;
use webdriver::Browser;

const MERCHANT: &str = "777";
const TERMINAL: &str = "VPOS0777";
const PASSWORD: &str = "correct horse battery";

/// A host with a customer, a VPOS merchant, its client and store key, and the
/// merchant's site.
struct Bank {
    app: TestApp,
    issuer: String,
    vpos: String,
    store_key: String,
    site: Receiver,
}

async fn bank() -> Bank {
    let app = TestApp::spawn().await;
    let issuer = app.token("issuer,pan").await;
    let customer = json!({"CustomerNo": "C100", "Name": "Ayşe", "Surname": "Yılmaz", "MobileNo": "905321234567"});
    let (_, body) = app
        .post("/api/Integration/CreateCustomer", &issuer, customer)
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let acquirer = app.token("acquirer").await;
    let merchant = json!({"Merchant": {"MerchantNo": MERCHANT, "MerchantName": "Book Shop", "Mcc": "5942",
        "Country": "TR", "City": "Istanbul", "Currency": 949, "VposEnabled": true},
        "Terminals": [{"TerminalType": "Vpos", "TerminalNo": TERMINAL}]});
    let (_, body) = app
        .post(
            "/api/Integration/CreateMerchantAndTerminal",
            &acquirer,
            merchant,
        )
        .await;
    let r = &body["ResultObject"];
    let (_, token) = app
        .token_for(
            r["VposClientId"].as_str().unwrap(),
            r["VposClientSecret"].as_str().unwrap(),
        )
        .await;
    Bank {
        vpos: token["ResultObject"]["Token"].as_str().unwrap().to_owned(),
        store_key: r["VposStoreKey"].as_str().unwrap().to_owned(),
        issuer,
        app,
        site: Receiver::start().await,
    }
}

impl Bank {
    /// A virtual debit card holding 500.00; with `password`, a 3-D Secure one.
    async fn card(&self, password: Option<&str>) -> Value {
        let (_, issued) = self
            .app
            .post(
                "/api/Integration/CreateDebitCard",
                &self.issuer,
                json!({"CustomerNo": "C100", "IsVirtual": true}),
            )
            .await;
        let card = issued["ResultObject"].clone();
        let load = json!({"CardToken": card["CardToken"], "Reference": "L1", "Amount": dec("500.00"), "Currency": 949});
        self.app
            .post("/api/Integration/LoadCardBalance", &self.issuer, load)
            .await;
        if let Some(password) = password {
            let set = json!({"CardToken": card["CardToken"], "Password": password});
            self.app
                .post("/api/Integration/Change3DSPassword", &self.issuer, set)
                .await;
        }
        card
    }

    async fn vpos(&self, op: &str, mut body: Value) -> Value {
        body["MerchantNo"] = json!(MERCHANT);
        body["TerminalNo"] = json!(TERMINAL);
        let (_, answer) = self
            .app
            .post(&format!("/api/VPos/{op}"), &self.vpos, body)
            .await;
        answer
    }

    /// A `ThreeDSale` of 120.50 with `card`; its session id and ACS page URL.
    async fn three_d_sale(&self, card: &Value) -> (String, String) {
        let body = json!({"OrderId": "3d-1", "Amount": dec("120.50"), "Currency": 949,
            "CardToken": card["CardToken"], "SuccessUrl": self.site.url("ok"), "FailUrl": self.site.url("fail")});
        let started = self.vpos("ThreeDSale", body).await;
        let r = &started["ResultObject"];
        (
            r["ThreeDSessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("{started}"))
                .to_owned(),
            r["RedirectUrl"].as_str().unwrap().to_owned(),
        )
    }

    async fn complete(&self, session: &str) -> Value {
        self.vpos("ThreeDCompletePayment", json!({"ThreeDSessionId": session}))
            .await
    }

    async fn available(&self, card: &Value) -> String {
        let path = format!(
            "/api/Integration/GetHostBalance?CardToken={}",
            card["CardToken"].as_str().unwrap()
        );
        self.app.get(&path, &self.issuer).await.1["ResultObject"]["AvailableAmount"].to_string()
    }

    /// The one form the site received, which must be signed with the store key
    /// over `signed` fields in order.
    fn callback(&self, signed: &[&str]) -> (String, std::collections::HashMap<String, String>) {
        let received = self.site.received();
        assert_eq!(received.len(), 1, "{received:?}");
        let (name, fields) = received[0].clone();
        let parts: Vec<&str> = signed.iter().map(|f| fields[*f].as_str()).collect();
        assert_eq!(
            fields["Hash"],
            independent::callback_hash(&self.store_key, &parts),
            "{fields:?}"
        );
        (name, fields)
    }

    async fn ledger_ok(&self) {
        let admin = self.app.admin_token().await;
        let (_, check) = self.app.get("/api/Admin/CheckLedger", &admin).await;
        assert_eq!(check["ResultObject"]["Ok"], true, "{check}");
    }
}

/// Saves what the browser shows as `name`.png when screenshots are asked for.
async fn screenshot(browser: &Browser, name: &str) {
    if let Ok(dir) = std::env::var("CARDHOST_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), browser.screenshot_png().await).unwrap();
    }
}

#[tokio::test]
async fn the_cardholder_completes_3d_secure_with_the_cards_password() {
    let bank = bank().await;
    let card = bank.card(Some(PASSWORD)).await;
    let (session, acs) = bank.three_d_sale(&card).await;
    let browser = Browser::start(true).await;
    browser.goto(&acs).await;
    screenshot(&browser, "acs-page").await;
    browser.type_into("input[name=Password]", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for("form[action$='/back/ok']").await;
    assert!(browser.source().await.contains("You are authenticated."));
    browser.click("button[type=submit]").await;
    browser.wait_for("#received").await;
    let (name, fields) = bank.callback(&["ThreeDSessionId", "OrderId", "MdStatus"]);
    assert_eq!((name.as_str(), fields["MdStatus"].as_str()), ("ok", "1"));
    assert_eq!(
        bank.complete(&session).await["ResultObject"]["ResponseCode"],
        "00"
    );
    assert_eq!(bank.available(&card).await, "379.50");
    bank.ledger_ok().await;
    browser.quit().await;
}

#[tokio::test]
async fn three_wrong_passwords_in_the_browser_fail_the_session() {
    let bank = bank().await;
    let card = bank.card(Some(PASSWORD)).await;
    let (session, acs) = bank.three_d_sale(&card).await;
    let browser = Browser::start(true).await;
    browser.goto(&acs).await;
    for (left, wrong) in [(3, "wrong one"), (2, "wrong two"), (1, "wrong three")] {
        let form = format!("form[data-tries-left='{left}']");
        browser
            .type_into(&format!("{form} input[name=Password]"), wrong)
            .await;
        browser.click(&format!("{form} button[type=submit]")).await;
    }
    browser.wait_for("form[action$='/back/fail']").await;
    assert!(browser.source().await.contains("Authentication failed."));
    browser.click("button[type=submit]").await;
    browser.wait_for("#received").await;
    let (name, fields) = bank.callback(&["ThreeDSessionId", "OrderId", "MdStatus"]);
    assert_eq!((name.as_str(), fields["MdStatus"].as_str()), ("fail", "0"));
    let done = bank.complete(&session).await;
    assert_eq!(
        (&done["Result"], &done["ResultObject"]["ResponseCode"]),
        (&json!(8), &json!("05"))
    );
    assert_eq!(bank.available(&card).await, "500.00");
    bank.ledger_ok().await;
    browser.quit().await;
}

#[tokio::test]
async fn the_cardholder_completes_3d_secure_with_a_one_time_code() {
    let bank = bank().await;
    let card = bank.card(None).await;
    let (session, acs) = bank.three_d_sale(&card).await;
    let code = bank.app.secret_in_last_sms(6).await;
    let browser = Browser::start(true).await;
    browser.goto(&acs).await;
    browser.type_into("input[name=Otp]", &code).await;
    browser.click("button[type=submit]").await;
    browser.wait_for("form[action$='/back/ok']").await;
    browser.click("button[type=submit]").await;
    browser.wait_for("#received").await;
    let (name, _) = bank.callback(&["ThreeDSessionId", "OrderId", "MdStatus"]);
    assert_eq!(name, "ok");
    assert_eq!(
        bank.complete(&session).await["ResultObject"]["ResponseCode"],
        "00"
    );
    bank.ledger_ok().await;
    browser.quit().await;
}

/// Pays a hosted order of 120.50 with `card` in a browser with or without
/// JavaScript; the browser, left on the page it ended on.
async fn pay_hosted(bank: &Bank, card: &Value, javascript: bool) -> (Browser, String) {
    let body = json!({"OrderId": "h-1", "Amount": dec("120.50"), "Currency": 949, "Description": "2 books",
        "SuccessUrl": bank.site.url("ok"), "FailUrl": bank.site.url("fail")});
    let created = bank.vpos("CreateOrder", body).await;
    let url = created["ResultObject"]["PaymentUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let browser = Browser::start(javascript).await;
    browser.goto(&url).await;
    screenshot(&browser, "payment-page").await;
    let (pan, expiry) = (
        card["CardNo"].as_str().unwrap(),
        card["ExpiryDate"].as_str().unwrap(),
    );
    browser.type_into("input[name=CardNo]", pan).await;
    browser
        .type_into(
            "input[name=ExpiryDate]",
            &format!("{}/{}", &expiry[2..], &expiry[..2]),
        )
        .await;
    browser
        .type_into(
            "input[name=Cvv2]",
            &independent::visa_cvv(TEST_CVK, pan, expiry, "000"),
        )
        .await;
    browser
        .type_into("input[name=CardHolderName]", "AYSE YILMAZ")
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_for("form[action$='/back/ok']").await;
    assert!(browser.source().await.contains("Payment approved."));
    browser.click("button[type=submit]").await;
    browser.wait_for("#received").await;
    (browser, url)
}

#[tokio::test]
async fn a_browser_pays_the_hosted_page_and_then_finds_it_paid() {
    let bank = bank().await;
    let card = bank.card(None).await;
    let (browser, url) = pay_hosted(&bank, &card, true).await;
    let (name, fields) = bank.callback(&["OrderToken", "OrderId", "ResponseCode"]);
    assert_eq!(
        (name.as_str(), fields["ResponseCode"].as_str()),
        ("ok", "00")
    );
    browser.goto(&url).await;
    assert!(browser.source().await.contains("This order is paid."));
    assert_eq!(bank.available(&card).await, "379.50");
    bank.ledger_ok().await;
    browser.quit().await;
}

#[tokio::test]
async fn a_browser_with_javascript_off_pays_the_hosted_page() {
    let bank = bank().await;
    let card = bank.card(None).await;
    let (browser, _) = pay_hosted(&bank, &card, false).await;
    let (name, _) = bank.callback(&["OrderToken", "OrderId", "ResponseCode"]);
    assert_eq!(name, "ok");
    assert_eq!(bank.available(&card).await, "379.50");
    bank.ledger_ok().await;
    browser.quit().await;
}

#[tokio::test]
async fn a_qr_shows_in_the_browser() {
    let bank = bank().await;
    let body = json!({"OrderId": "q-1", "Amount": dec("120.50"), "Currency": 949});
    let qr = bank.vpos("CreateQr", body).await;
    let image = qr["ResultObject"]["QrImage"]
        .as_str()
        .unwrap_or_else(|| panic!("{qr}"));
    let page = format!(
        "<!DOCTYPE html><title>QR</title><body style=\"margin:0;text-align:center\">\
         <img id=\"qr\" style=\"width:320px\" src=\"data:image/png;base64,{image}\"></body>"
    );
    let browser = Browser::start(true).await;
    browser.goto(&bank.site.serve("qr", page)).await;
    assert!(browser.source().await.contains("id=\"qr\""));
    screenshot(&browser, "qr").await;
    browser.quit().await;
}
