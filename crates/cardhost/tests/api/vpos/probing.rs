//! A merchant's `vpos` client probing another merchant's objects learns
//! nothing: under its own MerchantNo every object of the other merchant is
//! not found, word for word as one that does not exist; under the other's
//! MerchantNo it is refused (`Result` 6) whether the object exists or not.

use super::*;

const URLS: &str =
    r#""SuccessUrl": "https://shop.example/ok", "FailUrl": "https://shop.example/fail""#;

/// The shop's objects, each as (what it is, the GET path or op and body
/// that names it with `{M}` for the merchant number, its key).
async fn objects(s: &Shop<'_>) -> Vec<(&'static str, String)> {
    let card = s.funded_debit("500.00").await;
    let sold = s.sale("p-1", "10.00", &card).await;
    let pid = sold["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut three_ds = pay_body("p-2", "10.00", &card);
    let urls: Value = serde_json::from_str(&format!("{{{URLS}}}")).unwrap();
    for (k, v) in urls.as_object().unwrap() {
        three_ds[k] = v.clone();
    }
    let session = s.op("ThreeDSale", three_ds).await["ResultObject"]["ThreeDSessionId"].clone();
    let hosted: Value = serde_json::from_str(&format!(
        r#"{{"MerchantNo": "{MERCHANT}", "TerminalNo": "{TERMINAL}", "OrderId": "p-3", "Amount": 10, "Currency": 949, {URLS}}}"#
    ))
    .unwrap();
    let order_token = s.op("CreateOrder", hosted).await["ResultObject"]["OrderToken"].clone();
    let qr = json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL, "OrderId": "p-4", "Amount": dec("10.00"), "Currency": 949});
    let qr_token = s.op("CreateQr", qr).await["ResultObject"]["QrToken"].clone();
    let plan = json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL, "CardToken": card["CardToken"],
        "Amount": dec("10.00"), "Currency": 949, "Frequency": "Monthly", "NumberOfPayments": 2});
    let recurring = s.op("CreateRecurring", plan).await["ResultObject"]["RecurringId"].clone();
    let text = |v: &Value| v.as_str().expect("an object's key").to_owned();
    vec![
        ("CheckByOrderId?MerchantNo={M}&OrderId=", "p-1".to_owned()),
        ("ListByOrderId?MerchantNo={M}&OrderId=", "p-1".to_owned()),
        ("CheckByProcessId?MerchantNo={M}&ProcessId=", pid),
        ("CheckByToken?MerchantNo={M}&Token=", text(&session)),
        ("CheckByToken?MerchantNo={M}&Token=", text(&order_token)),
        ("CheckByToken?MerchantNo={M}&Token=", text(&qr_token)),
        ("GetRecurring?MerchantNo={M}&RecurringId=", text(&recurring)),
        (
            "/api/Integration/GetTerminal?TerminalNo=",
            TERMINAL.to_owned(),
        ),
        (
            "/api/Integration/GetPosBatchSummary?TerminalNo=",
            TERMINAL.to_owned(),
        ),
        (
            "/api/Integration/GetPosBatchDetail?TerminalNo=",
            TERMINAL.to_owned(),
        ),
        (
            "/api/Integration/GetMerchant?MerchantNo=",
            MERCHANT.to_owned(),
        ),
        (
            "/api/Integration/GetMerchantPaymentSummary?MerchantNo=",
            MERCHANT.to_owned(),
        ),
    ]
}

/// The answer to GET `probe` naming `key` under merchant `m`, with the key
/// taken out of its text: what a prober can compare.
async fn answer(app: &TestApp, token: &str, probe: &str, m: &str, key: &str) -> (i64, String) {
    let path = if probe.starts_with('/') {
        format!("{}{key}", probe.replace("{M}", m))
    } else {
        format!("/api/VPos/{}{key}", probe.replace("{M}", m))
    };
    let (_, body) = app.get(&path, token).await;
    let text = body["ReturnDescription"].as_str().unwrap_or("").to_owned();
    let text = text.replace(key, "KEY");
    (body["Result"].as_i64().unwrap(), text)
}

/// A key of the same form that names nothing: its last character changed.
fn made_up(key: &str) -> String {
    let mut chars: Vec<char> = key.chars().collect();
    let last = chars.last_mut().expect("a key");
    *last = match *last {
        '0' => '1',
        c if c.is_ascii_digit() => '0',
        'a' => 'b',
        c if c.is_ascii_lowercase() => 'a',
        'A' => 'B',
        _ => 'A',
    };
    chars.into_iter().collect()
}

#[tokio::test]
async fn another_merchants_objects_answer_as_objects_that_do_not_exist() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let objects = objects(&s).await;
    let other = json!({"MerchantNo": "778", "MerchantName": "Other", "Mcc": "5411", "Country": "TR", "Currency": 949});
    app.post("/api/Integration/CreateMerchant", &s.acquirer, other)
        .await;
    let stranger = vpos_token_of(&app, "778").await;
    for (probe, key) in &objects {
        for m in ["778", MERCHANT] {
            let real = answer(&app, &stranger, probe, m, key).await;
            let made_up = answer(&app, &stranger, probe, m, &made_up(key)).await;
            assert_eq!(real, made_up, "{probe}{key} under {m}");
            assert!(matches!(real.0, 2 | 6), "{probe}{key} under {m}: {real:?}");
        }
    }
}
