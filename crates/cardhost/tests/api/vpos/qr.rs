//! QR payments: the merchant presents an order as an EMV QR; the payer's
//! wallet at this host's issuer pays it once.

use super::*;

/// A `CreateQr` of `amount` for `order`; the answer.
async fn create_qr(s: &Shop<'_>, order: &str, amount: &str) -> Value {
    let body = json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL, "OrderId": order,
        "Amount": dec(amount), "Currency": 949});
    let created = s.op("CreateQr", body).await;
    assert_eq!(created["Result"], 0, "{created}");
    created["ResultObject"].clone()
}

/// `PayQr` from the wallet (the issuer's token) with `card`, under `reference`.
async fn pay_qr(s: &Shop<'_>, qr_data: &Value, card: &Value, reference: &str) -> Value {
    let body = json!({"QrData": qr_data, "CardToken": card["CardToken"], "Reference": reference});
    s.app
        .post("/api/Integration/PayQr", &s.issuer, body)
        .await
        .1
}

#[tokio::test]
async fn a_qr_carries_the_order_as_an_emv_payload_with_its_crc() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let qr = create_qr(&s, "q-1", "120.50").await;
    let data = qr["QrData"].as_str().unwrap();
    let token = qr["QrToken"].as_str().unwrap();
    for part in [
        "000201",
        "010212",
        "52045942",
        "5303949",
        "5406120.50",
        "5802TR",
        "5909Book Shop",
        &format!("0520{token}"),
    ] {
        assert!(data.contains(part), "{part} in {data}");
    }
    let (body, crc) = data.split_at(data.len() - 4);
    assert!(body.ends_with("6304"), "{data}");
    assert_eq!(
        crc,
        format!("{:04X}", independent::crc16_ccitt_false(body.as_bytes()))
    );
    assert_eq!(qr["ExpireDate"], "20260302093500");
}

#[tokio::test]
async fn the_qr_image_is_a_png_that_reads_back_as_the_payload() {
    use base64::Engine;
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let qr = create_qr(&s, "q-1", "120.50").await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(qr["QrImage"].as_str().unwrap())
        .unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = image.detect_grids();
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, qr["QrData"].as_str().unwrap());
}

#[tokio::test]
async fn a_wallet_pays_the_qrs_order_once() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let qr = create_qr(&s, "q-1", "120.50").await;
    let paid = pay_qr(&s, &qr["QrData"], &card, "W-1").await;
    assert_eq!(
        (&paid["Result"], money(&paid["ResultObject"]["Amount"])),
        (&json!(0), "120.50".into()),
        "{paid}"
    );
    assert_eq!(s.available(&card).await, "379.50");
    assert_eq!(order(&app, &s.vpos, "q-1").await["OrderStatus"], "Paid");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_qr_payment_the_profile_does_not_allow_is_declined_58() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.allow_only(json!(["Sale", "Void", "Refund"])).await;
    let qr = create_qr(&s, "q-1", "120.50").await;
    let paid = pay_qr(&s, &qr["QrData"], &card, "W-1").await;
    assert_eq!((&paid["Result"], code(&paid)), (&json!(8), "58"), "{paid}");
    assert_eq!(s.available(&card).await, "500.00");
}

#[tokio::test]
async fn the_same_reference_again_answers_the_first_outcome() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let qr = create_qr(&s, "q-1", "120.50").await;
    let first = pay_qr(&s, &qr["QrData"], &card, "W-1").await;
    let again = pay_qr(&s, &qr["QrData"], &card, "W-1").await;
    assert_eq!(
        again["ResultObject"]["ProcessId"],
        first["ResultObject"]["ProcessId"]
    );
    assert_eq!(s.available(&card).await, "379.50");
}

#[tokio::test]
async fn a_paid_qr_is_refused_4_under_another_reference() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let qr = create_qr(&s, "q-1", "120.50").await;
    pay_qr(&s, &qr["QrData"], &card, "W-1").await;
    assert_eq!(pay_qr(&s, &qr["QrData"], &card, "W-2").await["Result"], 4);
    assert_eq!(s.available(&card).await, "379.50");
}

#[tokio::test]
async fn an_expired_qr_is_refused_4() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let qr = create_qr(&s, "q-1", "120.50").await;
    app.clock.advance(chrono::Duration::seconds(301));
    let issuer = app.token("issuer,pan").await;
    let body =
        json!({"QrToken": qr["QrToken"], "CardToken": card["CardToken"], "Reference": "W-1"});
    let (_, late) = app.post("/api/Integration/PayQr", &issuer, body).await;
    assert_eq!(late["Result"], 4, "{late}");
}

#[tokio::test]
async fn a_payload_whose_crc_fails_is_refused_naming_qr_data() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let qr = create_qr(&s, "q-1", "120.50").await;
    let forged = qr["QrData"].as_str().unwrap().replace("120.50", "1.50");
    let refused = pay_qr(&s, &json!(forged), &card, "W-1").await;
    assert_eq!(error_fields(&refused), ["QrData"]);
}

#[tokio::test]
async fn paying_a_qr_needs_the_issuer_scope() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let qr = create_qr(&s, "q-1", "120.50").await;
    let body = json!({"QrData": qr["QrData"], "CardToken": card["CardToken"], "Reference": "W-1"});
    let (status, refused) = app.post("/api/Integration/PayQr", &s.vpos, body).await;
    assert_result(status, &refused, 403, 6);
}

#[tokio::test]
async fn check_by_token_finds_the_order_of_a_qr() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let qr = create_qr(&s, "q-1", "120.50").await;
    let path = format!(
        "/api/VPos/CheckByToken?MerchantNo={MERCHANT}&Token={}",
        qr["QrToken"].as_str().unwrap()
    );
    let (_, found) = app.get(&path, &s.vpos).await;
    let o = &found["ResultObject"];
    assert_eq!(
        (&o["OrderId"], &o["OrderStatus"]),
        (&json!("q-1"), &json!("Created")),
        "{found}"
    );
}
