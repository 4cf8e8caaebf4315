//! 3-D Secure: a session started by the merchant's server, the cardholder's
//! answer on the host's ACS page, the signed return to the merchant, and the
//! payment completed once.

use super::*;

const OK_URL: &str = "https://shop.example/3ds/ok";
const FAIL_URL: &str = "https://shop.example/3ds/fail";
const PASSWORD: &str = "correct horse battery";

impl Shop<'_> {
    /// `ThreeDSale` or `ThreeDPreSale` (`op`) of `amount` on `order` with `card`.
    async fn start_3ds(&self, op: &str, order: &str, amount: &str, card: &Value) -> Value {
        let mut body = pay_body(order, amount, card);
        body["SuccessUrl"] = json!(OK_URL);
        body["FailUrl"] = json!(FAIL_URL);
        self.op(op, body).await
    }

    /// A `ThreeDSale` that started a session; the session id.
    async fn session(&self, order: &str, amount: &str, card: &Value) -> String {
        let started = self.start_3ds("ThreeDSale", order, amount, card).await;
        assert_eq!(started["Result"], 0, "{started}");
        started["ResultObject"]["ThreeDSessionId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn complete(&self, session: &str) -> Value {
        let body = json!({"MerchantNo": MERCHANT, "ThreeDSessionId": session});
        self.op("ThreeDCompletePayment", body).await
    }

    /// A funded debit card (500.00) with a 3-D Secure password.
    async fn card_with_password(&self) -> Value {
        let card = self.funded_debit("500.00").await;
        let body = json!({"CardToken": card["CardToken"], "Password": PASSWORD});
        let (_, set) = self
            .app
            .post("/api/Integration/Change3DSPassword", &self.issuer, body)
            .await;
        assert_eq!(set["Result"], 0, "{set}");
        card
    }
}

/// The ACS page as a browser gets it: status, Content-Security-Policy, HTML.
async fn acs_page(app: &TestApp, session: &str) -> (u16, String, String) {
    let res = app.raw_get(&format!("/acs/{session}")).await;
    let status = res.status().as_u16();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, csp, res.text().await.unwrap())
}

/// The value of the form field `name` on a page.
fn field(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(html[at..].split('"').next()?.to_owned())
}

/// Posts `answer` in the page's own form (`Otp` when a code was sent, else
/// `Password`), with its token; the page answered.
async fn acs_answer(app: &TestApp, session: &str, answer: &str) -> (u16, String) {
    let (_, _, page) = acs_page(app, session).await;
    let csrf = field(&page, "csrf").expect("the form's token");
    let name = if page.contains("name=\"Otp\"") {
        "Otp"
    } else {
        "Password"
    };
    acs_post(app, session, &[("csrf", csrf.as_str()), (name, answer)]).await
}

async fn acs_post(app: &TestApp, session: &str, form: &[(&str, &str)]) -> (u16, String) {
    let body: String = form
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.replace('%', "%25").replace(' ', "+").replace('&', "%26")
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let res = app
        .http
        .post(format!("{}/acs/{session}", app.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The one-time code in the last SMS (tests log secrets).
async fn code_from_sms(app: &TestApp) -> String {
    app.secret_in_last_sms(6).await
}

#[tokio::test]
async fn a_3d_sale_starts_a_session_on_the_acs_page_and_authorizes_nothing() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let started = s.start_3ds("ThreeDSale", "3d-1", "120.50", &card).await;
    let r = &started["ResultObject"];
    let id = r["ThreeDSessionId"].as_str().unwrap();
    let url = format!("{}/acs/{id}", app.base);
    assert_eq!(
        (&started["Result"], &r["RedirectUrl"]),
        (&json!(0), &json!(url))
    );
    assert!(r["HtmlContent"].as_str().unwrap().contains(&url), "{r}");
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn check_by_token_finds_the_created_order_of_a_session() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.session("3d-1", "120.50", &card).await;
    let path = format!("/api/VPos/CheckByToken?MerchantNo={MERCHANT}&Token={id}");
    let (_, found) = app.get(&path, &s.vpos).await;
    let o = &found["ResultObject"];
    assert_eq!(
        (&o["OrderId"], &o["OrderStatus"]),
        (&json!("3d-1"), &json!("Created")),
        "{found}"
    );
}

#[tokio::test]
async fn the_acs_page_shows_the_merchant_the_amount_and_the_card_masked() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.session("3d-1", "120.50", &card).await;
    let (status, _, page) = acs_page(&app, &id).await;
    assert_eq!(status, 200);
    for shown in [
        "Book Shop",
        "120.50 TRY",
        card["MaskedCardNo"].as_str().unwrap(),
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    assert!(!page.contains(card["CardNo"].as_str().unwrap()));
}

#[tokio::test]
async fn the_acs_page_runs_no_script_and_cannot_be_framed() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.session("3d-1", "120.50", &card).await;
    let res = app.raw_get(&format!("/acs/{id}")).await;
    let header = |name: &str| res.headers()[name].to_str().unwrap().to_owned();
    let (csp, frame) = (header("content-security-policy"), header("x-frame-options"));
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(frame, "DENY");
    assert!(!res.text().await.unwrap().contains("<script"));
}

#[tokio::test]
async fn the_cards_password_authenticates_and_the_browser_returns_signed() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let id = s.session("3d-1", "120.50", &card).await;
    let (status, page) = acs_answer(&app, &id, PASSWORD).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("action=\"{OK_URL}\"")), "{page}");
    let hash = independent::callback_hash(&s.store_key, &[&id, "3d-1", "1"]);
    let sent: Vec<Option<String>> = ["ThreeDSessionId", "OrderId", "MdStatus", "Hash"]
        .iter()
        .map(|f| field(&page, f))
        .collect();
    assert_eq!(
        sent,
        [
            Some(id.clone()),
            Some("3d-1".into()),
            Some("1".into()),
            Some(hash)
        ]
    );
}

#[tokio::test]
async fn a_password_session_that_lost_its_card_is_an_error_never_a_wrong_answer() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let id = s.session("3d-1", "120.50", &card).await;
    app.damage("UPDATE three_ds_sessions SET card_id = NULL")
        .await;
    let (status, page) = acs_answer(&app, &id, PASSWORD).await;
    assert_eq!(status, 500, "{page}");
}

#[tokio::test]
async fn three_wrong_answers_fail_the_session_and_return_to_the_fail_url() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let id = s.session("3d-1", "120.50", &card).await;
    acs_answer(&app, &id, "wrong one").await;
    acs_answer(&app, &id, "wrong two").await;
    let (_, page) = acs_answer(&app, &id, "wrong three").await;
    let hash = independent::callback_hash(&s.store_key, &[&id, "3d-1", "0"]);
    assert!(page.contains(&format!("action=\"{FAIL_URL}\"")), "{page}");
    assert_eq!(
        (field(&page, "MdStatus"), field(&page, "Hash")),
        (Some("0".into()), Some(hash))
    );
}

#[tokio::test]
async fn a_failed_session_completes_as_declined_05_and_moves_no_money() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let id = s.session("3d-1", "120.50", &card).await;
    for wrong in ["a", "b", "c"] {
        acs_answer(&app, &id, wrong).await;
    }
    let done = s.complete(&id).await;
    assert_eq!((&done["Result"], code(&done)), (&json!(8), "05"), "{done}");
    assert_eq!(s.available(&card).await, "500.00");
    assert_eq!(order(&app, &s.vpos, "3d-1").await["OrderStatus"], "Failed");
}

#[tokio::test]
async fn a_card_without_a_password_gets_a_one_time_code_by_sms() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.session("3d-1", "120.50", &card).await;
    let code = code_from_sms(&app).await;
    let (_, page) = acs_answer(&app, &id, &code).await;
    assert_eq!(field(&page, "MdStatus"), Some("1".into()), "{page}");
}

#[tokio::test]
async fn the_one_time_code_is_kept_only_as_a_hash() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let id = s.session("3d-1", "120.50", &card).await;
    let code = code_from_sms(&app).await;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT otp_hash FROM three_ds_sessions WHERE session_id = $1")
            .bind(&id)
            .fetch_one(&app.db().await)
            .await
            .unwrap();
    let stored = stored.unwrap();
    assert!(
        stored.starts_with("$argon2id$") && !stored.contains(&code),
        "{stored}"
    );
}

#[tokio::test]
async fn an_authenticated_session_completes_its_payment_once() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let id = s.session("3d-1", "120.50", &card).await;
    acs_answer(&app, &id, PASSWORD).await;
    let paid = s.complete(&id).await;
    assert_eq!(
        (&paid["Result"], money(&paid["ResultObject"]["Amount"])),
        (&json!(0), "120.50".into()),
        "{paid}"
    );
    let again = s.complete(&id).await;
    assert_eq!(
        again["ResultObject"]["ProcessId"],
        paid["ResultObject"]["ProcessId"]
    );
    assert_eq!(s.available(&card).await, "379.50");
    assert_eq!(order(&app, &s.vpos, "3d-1").await["OrderStatus"], "Paid");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_session_not_yet_authenticated_is_not_completed() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let id = s.session("3d-1", "120.50", &card).await;
    assert_eq!(s.complete(&id).await["Result"], 4);
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn a_session_is_not_completed_after_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let id = s.session("3d-1", "120.50", &card).await;
    acs_answer(&app, &id, PASSWORD).await;
    app.clock.advance(chrono::Duration::minutes(16));
    let vpos = vpos_token_of(&app, MERCHANT).await;
    let body = json!({"MerchantNo": MERCHANT, "ThreeDSessionId": id});
    let late = vpos_call(&app, &vpos, "ThreeDCompletePayment", body).await;
    assert_eq!(late["Result"], 4, "{late}");
}

async fn vpos_call(app: &TestApp, token: &str, op: &str, body: Value) -> Value {
    app.post(&format!("/api/VPos/{op}"), token, body).await.1
}

#[tokio::test]
async fn another_merchants_session_is_not_found() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let id = s.session("3d-1", "120.50", &card).await;
    acs_answer(&app, &id, PASSWORD).await;
    let other = json!({"MerchantNo": "778", "MerchantName": "Other", "Mcc": "5411", "Country": "TR", "Currency": 949});
    app.post("/api/Integration/CreateMerchant", &s.acquirer, other)
        .await;
    let stranger = vpos_token_of(&app, "778").await;
    let body = json!({"MerchantNo": "778", "ThreeDSessionId": id});
    assert_eq!(
        vpos_call(&app, &stranger, "ThreeDCompletePayment", body).await["Result"],
        2
    );
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn a_form_without_the_sessions_token_is_refused_and_counts_nothing() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let id = s.session("3d-1", "120.50", &card).await;
    let (status, _) = acs_post(&app, &id, &[("csrf", "forged"), ("Password", PASSWORD)]).await;
    assert_eq!(status, 403);
    let (_, _, page) = acs_page(&app, &id).await;
    assert!(
        field(&page, "MdStatus").is_none() && field(&page, "csrf").is_some(),
        "{page}"
    );
}

#[tokio::test]
async fn a_wrong_cvv2_is_declined_n7_before_any_session() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let refused = start_with_a_wrong_cvv2(&s).await;
    assert_eq!(
        (&refused["Result"], code(&refused)),
        (&json!(8), "N7"),
        "{refused}"
    );
    assert_eq!(order(&app, &s.vpos, "3d-1").await["OrderStatus"], "Failed");
}

/// `ThreeDSale` of order `3d-1` by a funded card with its CVV2 off by one.
async fn start_with_a_wrong_cvv2(s: &Shop<'_>) -> Value {
    let card = s.funded_debit("500.00").await;
    let pan = card["CardNo"].as_str().unwrap();
    let expiry = card["ExpiryDate"].as_str().unwrap();
    let right: u32 = independent::visa_cvv(TEST_CVK, pan, expiry, "000")
        .parse()
        .unwrap();
    let mut body = pay_body("3d-1", "10.00", &json!(card["CardNo"]));
    body["ExpiryDate"] = json!(expiry);
    body["Cvv2"] = json!(format!("{:03}", (right + 1) % 1000));
    body["SuccessUrl"] = json!(OK_URL);
    body["FailUrl"] = json!(FAIL_URL);
    s.op("ThreeDSale", body).await
}

#[tokio::test]
async fn a_decline_before_any_session_is_a_vpos_result_as_the_document_says() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let refused = start_with_a_wrong_cvv2(&s).await;
    let doc: Value = app.raw_get("/openapi.json").await.json().await.unwrap();
    let options: Vec<&str> = doc["components"]["schemas"]["ThreeDStartAnswer"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["$ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        options,
        [
            "#/components/schemas/ThreeDStartResult",
            "#/components/schemas/VposResult"
        ]
    );
    let mut sent: Vec<&String> = refused["ResultObject"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let vpos_result = &doc["components"]["schemas"]["VposResult"]["properties"];
    let mut documented: Vec<&String> = vpos_result.as_object().unwrap().keys().collect();
    sent.sort();
    documented.sort();
    assert_eq!(sent, documented);
}

#[tokio::test]
async fn missing_callback_urls_are_refused_by_name() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let mut body = pay_body("3d-1", "10.00", &card);
    body["SuccessUrl"] = json!("javascript:alert(1)");
    let refused = s.op("ThreeDSale", body).await;
    assert_eq!(error_fields(&refused), ["SuccessUrl", "FailUrl"]);
}

#[tokio::test]
async fn an_off_us_card_is_authenticated_by_the_network_without_a_challenge() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let id = s.session("3d-off", "10.00", &json!(OFF_US)).await;
    let (_, _, page) = acs_page(&app, &id).await;
    assert_eq!(field(&page, "MdStatus"), Some("1".into()), "{page}");
    let paid = s.complete(&id).await;
    assert_eq!(
        (&paid["Result"], &paid["ResultObject"]["Network"]),
        (&json!(0), &json!("OffUs")),
        "{paid}"
    );
}

#[tokio::test]
async fn a_profile_requiring_3d_secure_takes_a_3d_sale() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let profile = json!({"ProfileCode": "3DS", "ProfileName": "3-D Secure only", "Require3DSecure": true,
        "AllowedTransactionTypes": ["Sale", "PreSale", "PostSale", "Void", "Refund"]});
    app.post(
        "/api/Integration/CreatePosAuthorizationProfile",
        &s.acquirer,
        profile,
    )
    .await;
    let assign = json!({"MerchantNo": MERCHANT, "PosAuthorizationProfileCode": "3DS"});
    app.put("/api/Integration/UpdateMerchant", &s.acquirer, assign)
        .await;
    assert_eq!(code(&s.sale("plain", "10.00", &card).await), "58");
    let id = s.session("3d-1", "10.00", &card).await;
    acs_answer(&app, &id, PASSWORD).await;
    assert_eq!(code(&s.complete(&id).await), "00");
}

#[tokio::test]
async fn a_3d_pre_sale_completes_as_a_hold() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.card_with_password().await;
    let started = s
        .start_3ds("ThreeDPreSale", "3d-pre", "100.00", &card)
        .await;
    let id = started["ResultObject"]["ThreeDSessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    acs_answer(&app, &id, PASSWORD).await;
    assert_eq!(s.complete(&id).await["Result"], 0);
    let b = balance(&app, &s.issuer, &card).await;
    assert_eq!(
        (money(&b["AvailableAmount"]), money(&b["BlockedAmount"])),
        ("400.00".into(), "100.00".into())
    );
    assert_eq!(
        order(&app, &s.vpos, "3d-pre").await["OrderStatus"],
        "PreAuthorized"
    );
}
