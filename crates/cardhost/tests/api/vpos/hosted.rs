//! The hosted payment page: an order made by the merchant's server, paid
//! once by the cardholder on the host's page, then returned to the merchant
//! with a signed form POST.

use super::*;

const OK_URL: &str = "https://shop.example/pay/ok";
const FAIL_URL: &str = "https://shop.example/pay/fail";

/// `CreateOrder` or `CreateOrder3D` (`op`) of `amount` for `order`, with `extra` fields.
async fn create(s: &Shop<'_>, op: &str, order: &str, amount: &str, extra: Value) -> Value {
    let mut body = json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL, "OrderId": order,
        "Amount": dec(amount), "Currency": 949, "Description": "2 books",
        "SuccessUrl": OK_URL, "FailUrl": FAIL_URL});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    s.op(op, body).await
}

/// A `CreateOrder` of 120.50 on order `h-1`; its token.
async fn order_token(s: &Shop<'_>, op: &str, extra: Value) -> String {
    let created = create(s, op, "h-1", "120.50", extra).await;
    assert_eq!(created["Result"], 0, "{created}");
    created["ResultObject"]["OrderToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn page(app: &TestApp, token: &str) -> (u16, String) {
    let res = app.raw_get(&format!("/pay/{token}")).await;
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The value of the form field `name` on a page.
fn field(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(html[at..].split('"').next()?.to_owned())
}

/// Posts `form` (URL-encoded) to `path` as a browser does, following a
/// redirect; status, the path of the page shown, the page.
async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let body: String = form
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.replace('%', "%25")
                    .replace('+', "%2B")
                    .replace('/', "%2F")
                    .replace(' ', "+")
                    .replace('&', "%26")
                    .replace('=', "%3D")
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let res = app
        .http
        .post(format!("{}{path}", app.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let shown = res.url().path().to_owned();
    (res.status().as_u16(), shown, res.text().await.unwrap())
}

/// The card form of `card` as a cardholder fills it in (`cvv2` as given).
fn card_fields(card: &Value, cvv2: &str) -> Vec<(&'static str, String)> {
    let expiry = card["ExpiryDate"].as_str().unwrap();
    vec![
        ("CardNo", card["CardNo"].as_str().unwrap().to_owned()),
        ("ExpiryDate", format!("{}/{}", &expiry[2..], &expiry[..2])),
        ("Cvv2", cvv2.to_owned()),
        ("CardHolderName", "AYSE YILMAZ".to_owned()),
    ]
}

fn right_cvv2(card: &Value) -> String {
    let (pan, expiry) = (
        card["CardNo"].as_str().unwrap(),
        card["ExpiryDate"].as_str().unwrap(),
    );
    independent::visa_cvv(TEST_CVK, pan, expiry, "000")
}

/// Pays the page of `token` with `card`, with the page's own form token.
async fn pay_on_page(
    app: &TestApp,
    token: &str,
    card: &Value,
    cvv2: &str,
) -> (u16, String, String) {
    let (_, html) = page(app, token).await;
    let csrf = field(&html, "csrf").expect("the page's form token");
    let mut form = vec![("csrf", csrf)];
    form.extend(card_fields(card, cvv2));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_form(app, &format!("/pay/{token}"), &form).await
}

#[tokio::test]
async fn create_order_answers_a_token_a_payment_url_and_an_expiry() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let created = create(&s, "CreateOrder", "h-1", "120.50", json!({})).await;
    let r = &created["ResultObject"];
    let token = r["OrderToken"].as_str().unwrap();
    assert_eq!(
        (&r["PaymentUrl"], &r["ExpireDate"]),
        (
            &json!(format!("{}/pay/{token}", app.base)),
            &json!("20260302100000")
        )
    );
}

#[tokio::test]
async fn the_same_order_again_answers_the_same_token_and_other_content_is_refused_7() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let first = order_token(&s, "CreateOrder", json!({})).await;
    let again = create(&s, "CreateOrder", "h-1", "120.50", json!({})).await;
    assert_eq!(again["ResultObject"]["OrderToken"], json!(first));
    assert_eq!(
        create(&s, "CreateOrder", "h-1", "120.51", json!({})).await["Result"],
        7
    );
}

#[tokio::test]
async fn an_order_is_refused_naming_each_bad_field() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let extra = json!({"ExpireMinutes": 10081, "MaxInstallmentCount": 0, "FailUrl": "ftp://x"});
    let refused = create(&s, "CreateOrder", "h-1", "120.50", extra).await;
    assert_eq!(
        error_fields(&refused),
        ["FailUrl", "ExpireMinutes", "MaxInstallmentCount"]
    );
}

#[tokio::test]
async fn check_by_token_finds_the_order_of_a_page() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let token = order_token(&s, "CreateOrder", json!({})).await;
    let path = format!("/api/VPos/CheckByToken?MerchantNo={MERCHANT}&Token={token}");
    let (_, found) = app.get(&path, &s.vpos).await;
    let o = &found["ResultObject"];
    assert_eq!(
        (&o["OrderId"], &o["OrderStatus"]),
        (&json!("h-1"), &json!("Created")),
        "{found}"
    );
}

#[tokio::test]
async fn the_page_shows_the_order_and_a_card_form_that_browsers_autofill() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let token = order_token(&s, "CreateOrder", json!({})).await;
    let (status, html) = page(&app, &token).await;
    assert_eq!(status, 200);
    for shown in ["Book Shop", "120.50 TRY", "2 books"] {
        assert!(html.contains(shown), "{shown} in {html}");
    }
    for (name, hint) in [
        ("CardNo", "cc-number"),
        ("ExpiryDate", "cc-exp"),
        ("Cvv2", "cc-csc"),
        ("CardHolderName", "cc-name"),
    ] {
        assert!(
            html.contains(&format!("name=\"{name}\" autocomplete=\"{hint}\"")),
            "{name} in {html}"
        );
    }
    assert!(
        !html.contains("InstallmentCount") && !html.contains("<script"),
        "{html}"
    );
}

#[tokio::test]
async fn an_order_allowing_installments_offers_them_in_a_select() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let token = order_token(&s, "CreateOrder", json!({"MaxInstallmentCount": 3})).await;
    let (_, html) = page(&app, &token).await;
    assert!(
        html.contains("<select id=\"InstallmentCount\" name=\"InstallmentCount\">"),
        "{html}"
    );
    assert_eq!(html.matches("<option").count(), 3);
}

#[tokio::test]
async fn the_page_runs_no_script_and_cannot_be_framed() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let token = order_token(&s, "CreateOrder", json!({})).await;
    let res = app.raw_get(&format!("/pay/{token}")).await;
    let header = |name: &str| res.headers()[name].to_str().unwrap().to_owned();
    let csp = header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("form-action 'self'"),
        "{csp}"
    );
    assert_eq!(header("x-frame-options"), "DENY");
}

#[tokio::test]
async fn paying_on_the_page_approves_and_returns_to_the_merchant_signed() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let token = order_token(&s, "CreateOrder", json!({})).await;
    let (status, _, html) = pay_on_page(&app, &token, &card, &right_cvv2(&card)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Payment approved") && html.contains(&format!("action=\"{OK_URL}\"")),
        "{html}"
    );
    let hash = independent::callback_hash(&s.store_key, &[&token, "h-1", "00"]);
    let sent: Vec<Option<String>> = ["OrderId", "OrderToken", "ResponseCode", "Hash"]
        .iter()
        .map(|f| field(&html, f))
        .collect();
    assert_eq!(
        sent,
        [
            Some("h-1".into()),
            Some(token.clone()),
            Some("00".into()),
            Some(hash)
        ]
    );
    assert!(!html.contains(card["CardNo"].as_str().unwrap()), "{html}");
}

#[tokio::test]
async fn a_page_payment_moves_exactly_its_amount_and_pays_the_order() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let token = order_token(&s, "CreateOrder", json!({})).await;
    pay_on_page(&app, &token, &card, &right_cvv2(&card)).await;
    assert_eq!(s.available(&card).await, "379.50");
    let o = order(&app, &s.vpos, "h-1").await;
    assert_eq!(
        (&o["OrderStatus"], &o["MaskedCardNo"]),
        (&json!("Paid"), &card["MaskedCardNo"]),
        "{o}"
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_paid_orders_page_says_it_is_paid_and_takes_no_card() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let token = order_token(&s, "CreateOrder", json!({})).await;
    pay_on_page(&app, &token, &card, &right_cvv2(&card)).await;
    let (_, html) = page(&app, &token).await;
    assert!(
        html.contains("This order is paid.") && !html.contains("name=\"CardNo\""),
        "{html}"
    );
}

#[tokio::test]
async fn a_second_payment_on_the_page_takes_nothing() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let token = order_token(&s, "CreateOrder", json!({})).await;
    let (_, first) = page(&app, &token).await;
    let csrf = field(&first, "csrf").unwrap();
    pay_on_page(&app, &token, &card, &right_cvv2(&card)).await;
    let mut form = vec![("csrf", csrf)];
    form.extend(card_fields(&card, &right_cvv2(&card)));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, _, html) = post_form(&app, &format!("/pay/{token}"), &form).await;
    assert!(html.contains("This order is paid."), "{html}");
    assert_eq!(s.available(&card).await, "379.50");
}

#[tokio::test]
async fn an_expired_orders_page_says_it_has_expired_and_takes_no_card() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let token = order_token(&s, "CreateOrder", json!({"ExpireMinutes": 30})).await;
    app.clock.advance(chrono::Duration::minutes(31));
    let (_, html) = page(&app, &token).await;
    assert!(
        html.contains("This order has expired.") && !html.contains("name=\"CardNo\""),
        "{html}"
    );
}

#[tokio::test]
async fn a_declined_card_returns_to_the_fail_url_with_its_code() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let token = order_token(&s, "CreateOrder", json!({})).await;
    let wrong = format!(
        "{:03}",
        (right_cvv2(&card).parse::<u32>().unwrap() + 1) % 1000
    );
    let (_, _, html) = pay_on_page(&app, &token, &card, &wrong).await;
    assert!(html.contains(&format!("action=\"{FAIL_URL}\"")), "{html}");
    let hash = independent::callback_hash(&s.store_key, &[&token, "h-1", "N7"]);
    assert_eq!(
        (field(&html, "ResponseCode"), field(&html, "Hash")),
        (Some("N7".into()), Some(hash))
    );
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn a_form_without_the_pages_token_is_refused_and_pays_nothing() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let token = order_token(&s, "CreateOrder", json!({})).await;
    let mut form = vec![("csrf", "forged".to_owned())];
    form.extend(card_fields(&card, &right_cvv2(&card)));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, _) = post_form(&app, &format!("/pay/{token}"), &form).await;
    assert_eq!(status, 403);
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn a_3d_order_authenticates_the_cardholder_before_it_authorizes() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let body = json!({"CardToken": card["CardToken"], "Password": "correct horse battery"});
    app.post("/api/Integration/Change3DSPassword", &s.issuer, body)
        .await;
    let token = order_token(&s, "CreateOrder3D", json!({})).await;
    let (status, acs, acs_page) = pay_on_page(&app, &token, &card, &right_cvv2(&card)).await;
    assert_eq!(
        (status, acs.starts_with("/acs/")),
        (200, true),
        "{acs_page}"
    );
    assert_eq!(
        s.available(&card).await,
        "500.00",
        "nothing before authentication"
    );
    let csrf = field(&acs_page, "csrf").unwrap();
    let (_, _, returned) = post_form(
        &app,
        &acs,
        &[("csrf", &csrf), ("Password", "correct horse battery")],
    )
    .await;
    assert!(
        returned.contains(&format!("action=\"{}/pay/{token}/3ds\"", app.base)),
        "{returned}"
    );
    let session = field(&returned, "ThreeDSessionId").unwrap();
    let (_, _, html) = post_form(
        &app,
        &format!("/pay/{token}/3ds"),
        &[("ThreeDSessionId", &session)],
    )
    .await;
    assert!(
        html.contains("Payment approved") && html.contains(&format!("action=\"{OK_URL}\"")),
        "{html}"
    );
    assert_eq!(s.available(&card).await, "379.50");
    ledger_ok(&app).await;
}
