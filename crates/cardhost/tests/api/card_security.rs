use serde_json::{json, Value};

use crate::cards::{issue, setup};
use crate::independent;
use crate::support::*;

async fn verify(app: &TestApp, token: &str, card: &Value, expiry: &str, cvv2: &str) -> Value {
    app.post(
        "/api/Integration/VerifyCard",
        token,
        json!({"CardToken": card["CardToken"], "ExpiryDate": expiry, "Cvv2": cvv2}),
    )
    .await
    .1
}

#[tokio::test]
async fn verify_card_counts_and_locks_cvv2_tries() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let cvv2 = independent::visa_cvv(TEST_CVK, card["CardNo"].as_str().unwrap(), "3003", "000");
    let wrong = format!("{:03}", (cvv2.parse::<u32>().unwrap() + 1) % 1000);

    let body = verify(&app, &token, &card, "3003", &cvv2).await;
    assert_eq!(body["Result"], 0);
    assert_eq!(
        body["ResultObject"],
        json!({"ResponseCode": "00", "ResponseMessage": "Approved", "Cvv2RetryCount": 0})
    );
    let body = verify(&app, &token, &card, "3004", &cvv2).await;
    assert_eq!(
        (
            body["Result"].clone(),
            body["ResultObject"]["ResponseCode"].clone()
        ),
        (json!(8), json!("54"))
    );
    for n in 1..=3 {
        let body = verify(&app, &token, &card, "3003", &wrong).await;
        assert_eq!(body["Result"], 8);
        assert_eq!(body["ResultObject"]["ResponseCode"], "N7");
        assert_eq!(body["ResultObject"]["Cvv2RetryCount"], n);
    }
    let body = verify(&app, &token, &card, "3003", &cvv2).await;
    assert_eq!(
        body["ResultObject"]["ResponseCode"], "62",
        "locked after 3 wrong in a row"
    );
    let (_, body) = app
        .post(
            "/api/Integration/ResetCvv2RetryCount",
            &token,
            json!({"CardToken": card["CardToken"]}),
        )
        .await;
    assert_eq!(body["ResultObject"], json!({"Cvv2RetryCount": 0}));
    let body = verify(&app, &token, &card, "3003", &cvv2).await;
    assert_eq!(body["ResultObject"]["ResponseCode"], "00");
    let body = verify(&app, &token, &card, "3003", "12").await;
    assert_eq!(error_fields(&body), ["Cvv2"]);
}

/// The PIN in the SMS that `SendPinBySms` queued (secrets shown in tests).
async fn pin_from_sms(app: &TestApp) -> String {
    let lines = app.sms_lines().await;
    let text = lines.last().expect("an SMS")["Text"]
        .as_str()
        .unwrap()
        .to_owned();
    text.split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .find(|w| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
        .expect("a 4-digit PIN in the text")
        .to_owned()
}

async fn check_pin(app: &TestApp, token: &str, card: &Value, block: &str) -> Value {
    app.post("/api/Integration/CheckPin", token, json!({"CardToken": card["CardToken"], "PinBlock": block, "PinBlockFormat": 0, "KeyName": "zpk"}))
        .await
        .1
}

#[tokio::test]
async fn the_pin_sent_by_sms_checks_and_three_wrong_pins_lock() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({})).await;
    let pan = card["CardNo"].as_str().unwrap();
    let (status, body) = app
        .post(
            "/api/Integration/SendPinBySms",
            &token,
            json!({"CardToken": card["CardToken"]}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["MaskedMobileNo"], "********4567");
    let message_id = body["ResultObject"]["MessageId"]
        .as_str()
        .unwrap()
        .to_owned();
    let pin = pin_from_sms(&app).await;
    let line = app.sms_lines().await.last().unwrap().clone();
    assert_eq!(line["MessageId"], message_id.as_str());
    assert_eq!(line["Channel"], "Sms");
    assert_eq!(line["To"], "905321234567");
    assert!(
        !line["Text"].as_str().unwrap().contains(pan),
        "the SMS masks the card"
    );

    let right = independent::iso0_block(TEST_ZPK, &pin, pan);
    let body = check_pin(&app, &token, &card, &right).await;
    assert_eq!(body["Result"], 0, "{body}");
    assert_eq!(body["ResultObject"]["PinRetryCount"], 0);
    let (_, status) = app
        .get(
            &format!(
                "/api/Integration/GetCardStatus?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(
        status["ResultObject"]["CardStatus"], "A",
        "the first correct PIN activates the card"
    );

    let wrong_pin = if pin == "0000" { "1111" } else { "0000" };
    let wrong = independent::iso0_block(TEST_ZPK, wrong_pin, pan);
    let codes: Vec<Value> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let body = check_pin(&app, &token, &card, &wrong).await;
            assert_eq!(body["Result"], 8);
            v.push(body["ResultObject"]["ResponseCode"].clone());
        }
        v
    };
    assert_eq!(codes, [json!("55"), json!("55"), json!("75")]);
    let body = check_pin(&app, &token, &card, &right).await;
    assert_eq!(
        body["ResultObject"]["ResponseCode"], "75",
        "locked: even the right PIN is refused"
    );
    assert_eq!(body["ResultObject"]["PinRetryCount"], 3);
    // ChangeCardPin from the issuer's own channel unlocks it with a new PIN.
    let new_block = independent::iso0_block(TEST_ZPK, "8642", pan);
    let (_, body) = app
        .post(
            "/api/Integration/ChangeCardPin",
            &token,
            json!({"CardToken": card["CardToken"], "NewPinBlock": new_block}),
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    assert_eq!(
        check_pin(&app, &token, &card, &new_block).await["Result"],
        0
    );
}

#[tokio::test]
async fn get_card_pin_returns_the_pin_under_the_callers_zone_key() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({})).await;
    let pan = card["CardNo"].as_str().unwrap();
    app.post(
        "/api/Integration/SendPinBySms",
        &token,
        json!({"CardToken": card["CardToken"]}),
    )
    .await;
    let pin = pin_from_sms(&app).await;
    let (status, body) = app
        .post(
            "/api/Integration/GetCardPin",
            &token,
            json!({"CardToken": card["CardToken"]}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    let block = body["ResultObject"]["PinBlock"].as_str().unwrap();
    assert_eq!(block.len(), 16);
    assert_eq!(independent::iso0_pin(TEST_ZPK, block, pan), pin);
    let (_, body) = app
        .post(
            "/api/Integration/GetCardPin",
            &token,
            json!({"CardToken": card["CardToken"], "PinBlockFormat": 4, "KeyName": "zpk-aes"}),
        )
        .await;
    let block4 = body["ResultObject"]["PinBlock"].as_str().unwrap();
    assert_eq!(block4.len(), 32);
    let zpk_aes: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&TEST_ZPK_AES[i * 2..i * 2 + 2], 16).unwrap())
        .collect();
    let decoded = cardhost_crypto::pinblock::decode(
        cardhost_crypto::PinBlockFormat::Iso4,
        &zpk_aes,
        block4,
        pan,
    )
    .unwrap();
    assert_eq!(decoded.digits(), pin);
    let (_, body) = app
        .post(
            "/api/Integration/GetCardPin",
            &token,
            json!({"CardToken": card["CardToken"], "KeyName": "cvk"}),
        )
        .await;
    assert_eq!(
        error_fields(&body),
        ["KeyName"],
        "a PIN never leaves under a non-PIN key"
    );
    let (_, body) = app
        .post(
            "/api/Integration/GetCardPin",
            &token,
            json!({"CardToken": card["CardToken"], "PinBlockFormat": 2}),
        )
        .await;
    assert_eq!(error_fields(&body), ["PinBlockFormat"]);
    let issuer_only = app.token("issuer").await;
    let (status, body) = app
        .post(
            "/api/Integration/GetCardPin",
            &issuer_only,
            json!({"CardToken": card["CardToken"]}),
        )
        .await;
    assert_result(status, &body, 403, 6);
}

#[tokio::test]
async fn change_card_pin_checks_the_current_pin() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    let pan = card["CardNo"].as_str().unwrap();
    app.post(
        "/api/Integration/SendPinBySms",
        &token,
        json!({"CardToken": card["CardToken"]}),
    )
    .await;
    let pin = pin_from_sms(&app).await;
    let wrong_current =
        independent::iso0_block(TEST_ZPK, if pin == "1357" { "2468" } else { "1357" }, pan);
    let new_block = independent::iso0_block(TEST_ZPK, "9753", pan);
    let (_, body) = app
        .post("/api/Integration/ChangeCardPin", &token, json!({"CardToken": card["CardToken"], "NewPinBlock": new_block, "PinBlock": wrong_current}))
        .await;
    assert_eq!(
        (
            body["Result"].clone(),
            body["ResultObject"]["ResponseCode"].clone()
        ),
        (json!(8), json!("55"))
    );
    assert_eq!(
        check_pin(&app, &token, &card, &new_block).await["ResultObject"]["ResponseCode"],
        "55",
        "unchanged"
    );
    let current = independent::iso0_block(TEST_ZPK, &pin, pan);
    let (_, body) = app
        .post(
            "/api/Integration/ChangeCardPin",
            &token,
            json!({"CardToken": card["CardToken"], "NewPinBlock": new_block, "PinBlock": current}),
        )
        .await;
    assert_eq!(body["ResultObject"]["ResponseCode"], "00");
    let body = check_pin(&app, &token, &card, &new_block).await;
    assert_eq!(body["Result"], 0);
    assert_eq!(
        body["ResultObject"]["PinRetryCount"], 0,
        "the change reset the count"
    );
    assert_eq!(
        check_pin(&app, &token, &card, &current).await["ResultObject"]["ResponseCode"],
        "55"
    );
    let (_, body) = app
        .post(
            "/api/Integration/ChangeCardPin",
            &token,
            json!({"CardToken": card["CardToken"], "NewPinBlock": "XYZ"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["NewPinBlock"]);
}

#[tokio::test]
async fn three_ds_password_and_sms_refusals() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({})).await;
    let (_, body) = app
        .post(
            "/api/Integration/Change3DSPassword",
            &token,
            json!({"CardToken": card["CardToken"], "Password": "short"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["Password"]);
    let (status, body) = app
        .post(
            "/api/Integration/Change3DSPassword",
            &token,
            json!({"CardToken": card["CardToken"], "Password": "correct horse battery"}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(
        body["ResultObject"],
        json!({"MaskedCardNo": card["MaskedCardNo"]})
    );
    let stored: (Option<String>,) = sqlx::query_as("SELECT three_ds_password FROM cards")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert!(stored.0.unwrap().starts_with("$argon2id$"));

    app.post(
        "/api/Integration/CreateCustomer",
        &token,
        json!({"CustomerNo": "NOMOBILE", "Name": "A", "Surname": "B"}),
    )
    .await;
    let (_, c) = app
        .post(
            "/api/Integration/CreateDebitCard",
            &token,
            json!({"CustomerNo": "NOMOBILE"}),
        )
        .await;
    let (_, body) = app
        .post(
            "/api/Integration/SendPinBySms",
            &token,
            json!({"CardToken": c["ResultObject"]["CardToken"]}),
        )
        .await;
    assert_eq!(body["Result"], 4, "{body}");
    app.post(
        "/api/Integration/UpdateCardStatus",
        &token,
        json!({"CardToken": card["CardToken"], "CardStatus": "C"}),
    )
    .await;
    let (_, body) = app
        .post(
            "/api/Integration/SendPinBySms",
            &token,
            json!({"CardToken": card["CardToken"]}),
        )
        .await;
    assert_eq!(body["Result"], 4, "no PIN for a closed card");
}
