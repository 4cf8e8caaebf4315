//! PINs: sent by SMS, checked, locked, changed and read as PIN blocks.

use super::*;

/// A card whose PIN was sent by SMS; the PIN.
async fn with_pin(kind: &str) -> (Holder, String) {
    let h = Holder::with(kind, json!({})).await;
    let pin = h.pin_by_sms().await;
    (h, pin)
}

#[tokio::test]
async fn the_pin_sms_goes_to_the_customers_mobile() {
    let h = Holder::with("Credit", json!({})).await;
    let (status, body) = h
        .app
        .post(
            "/api/Integration/SendPinBySms",
            &h.token,
            json!({"CardToken": h.card["CardToken"]}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["MaskedMobileNo"], "********4567");
    let line = h.app.sms_lines().await.last().unwrap().clone();
    assert_eq!(
        (&line["MessageId"], &line["Channel"], &line["To"]),
        (
            &body["ResultObject"]["MessageId"],
            &json!("Sms"),
            &json!("905321234567")
        )
    );
}

#[tokio::test]
async fn the_pin_sms_does_not_show_the_card_number() {
    let h = Holder::with("Credit", json!({})).await;
    h.pin_by_sms().await;
    let line = h.app.sms_lines().await.last().unwrap().clone();
    assert!(!line["Text"].as_str().unwrap().contains(h.pan()), "{line}");
}

#[tokio::test]
async fn the_pin_sent_by_sms_checks() {
    let (h, pin) = with_pin("Credit").await;
    let body = h.check_pin(&h.block(&pin)).await;
    assert_eq!(
        (&body["Result"], &body["ResultObject"]["PinRetryCount"]),
        (&json!(0), &json!(0))
    );
}

#[tokio::test]
async fn the_first_right_pin_activates_the_card() {
    let (h, pin) = with_pin("Credit").await;
    h.check_pin(&h.block(&pin)).await;
    let path = format!(
        "/api/Integration/GetCardStatus?CardToken={}",
        h.card["CardToken"].as_str().unwrap()
    );
    let (_, status) = h.app.get(&path, &h.token).await;
    assert_eq!(status["ResultObject"]["CardStatus"], "A");
}

#[tokio::test]
async fn wrong_pins_are_declined_55_until_the_third_75() {
    let (h, pin) = with_pin("Credit").await;
    let wrong = h.block(other_than(&pin));
    let mut codes = Vec::new();
    for _ in 0..3 {
        let body = h.check_pin(&wrong).await;
        assert_eq!(body["Result"], 8, "{body}");
        codes.push(response_code(&body).clone());
    }
    assert_eq!(codes, [json!("55"), json!("55"), json!("75")]);
}

/// A card with its PIN locked by three wrong tries; the right PIN's block.
async fn locked() -> (Holder, String) {
    let (h, pin) = with_pin("Credit").await;
    let wrong = h.block(other_than(&pin));
    for _ in 0..3 {
        h.check_pin(&wrong).await;
    }
    let right = h.block(&pin);
    (h, right)
}

#[tokio::test]
async fn after_three_wrong_pins_the_right_one_is_declined_75() {
    let (h, right) = locked().await;
    let body = h.check_pin(&right).await;
    assert_eq!(
        (response_code(&body), &body["ResultObject"]["PinRetryCount"]),
        (&json!("75"), &json!(3))
    );
}

#[tokio::test]
async fn a_pin_set_by_the_issuer_unlocks_a_locked_pin() {
    let (h, _) = locked().await;
    let new_block = h.block("8642");
    let body = h
        .op("ChangeCardPin", json!({"NewPinBlock": new_block}))
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    assert_eq!(h.check_pin(&new_block).await["Result"], 0);
}

#[tokio::test]
async fn a_pin_change_with_a_wrong_current_pin_is_declined_55_and_changes_nothing() {
    let (h, pin) = with_pin("Prepaid").await;
    let new_block = h.block("9753");
    let wrong_current = h.block(if pin == "1357" { "2468" } else { "1357" });
    let body = h
        .op(
            "ChangeCardPin",
            json!({"NewPinBlock": new_block, "PinBlock": wrong_current}),
        )
        .await;
    assert_eq!(
        (&body["Result"], response_code(&body)),
        (&json!(8), &json!("55"))
    );
    assert_eq!(response_code(&h.check_pin(&new_block).await), "55");
}

#[tokio::test]
async fn a_pin_change_with_the_current_pin_replaces_it() {
    let (h, pin) = with_pin("Prepaid").await;
    let (current, new_block) = (h.block(&pin), h.block("9753"));
    let body = h
        .op(
            "ChangeCardPin",
            json!({"NewPinBlock": new_block, "PinBlock": current}),
        )
        .await;
    assert_eq!(response_code(&body), "00");
    let checked = h.check_pin(&new_block).await;
    assert_eq!(
        (
            &checked["Result"],
            &checked["ResultObject"]["PinRetryCount"]
        ),
        (&json!(0), &json!(0))
    );
    assert_eq!(response_code(&h.check_pin(&current).await), "55");
}

#[tokio::test]
async fn a_malformed_new_pin_block_is_refused_by_name() {
    let h = Holder::with("Prepaid", json!({"IsVirtual": true})).await;
    let body = h.op("ChangeCardPin", json!({"NewPinBlock": "XYZ"})).await;
    assert_eq!(error_fields(&body), ["NewPinBlock"]);
}

#[tokio::test]
async fn get_card_pin_answers_the_pin_under_the_zone_pin_key() {
    let (h, pin) = with_pin("Debit").await;
    let body = h.op("GetCardPin", json!({})).await;
    let block = body["ResultObject"]["PinBlock"].as_str().unwrap();
    assert_eq!(block.len(), 16);
    assert_eq!(independent::iso0_pin(TEST_ZPK, block, h.pan()), pin);
}

#[tokio::test]
async fn get_card_pin_in_format_4_answers_it_under_the_aes_zone_key() {
    let (h, pin) = with_pin("Debit").await;
    let body = h
        .op(
            "GetCardPin",
            json!({"PinBlockFormat": 4, "KeyName": "zpk-aes"}),
        )
        .await;
    let block = body["ResultObject"]["PinBlock"].as_str().unwrap();
    let key: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&TEST_ZPK_AES[i * 2..i * 2 + 2], 16).unwrap())
        .collect();
    let format = cardhost_crypto::PinBlockFormat::Iso4;
    let decoded = cardhost_crypto::pinblock::decode(format, &key, block, h.pan()).unwrap();
    assert_eq!((block.len(), decoded.digits()), (32, pin.as_str()));
}

#[tokio::test]
async fn a_pin_never_leaves_under_a_key_that_is_not_a_pin_key() {
    let h = Holder::with("Debit", json!({})).await;
    let body = h.op("GetCardPin", json!({"KeyName": "cvk"})).await;
    assert_eq!(error_fields(&body), ["KeyName"]);
}

#[tokio::test]
async fn get_card_pin_refuses_an_unknown_pin_block_format() {
    let h = Holder::with("Debit", json!({})).await;
    let body = h.op("GetCardPin", json!({"PinBlockFormat": 2})).await;
    assert_eq!(error_fields(&body), ["PinBlockFormat"]);
}

#[tokio::test]
async fn get_card_pin_needs_the_pan_scope() {
    let h = Holder::with("Debit", json!({})).await;
    let issuer_only = h.app.token("issuer").await;
    let (status, body) = h
        .app
        .post(
            "/api/Integration/GetCardPin",
            &issuer_only,
            json!({"CardToken": h.card["CardToken"]}),
        )
        .await;
    assert_result(status, &body, 403, 6);
}
