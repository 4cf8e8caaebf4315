//! A card's life: the status table, expiry, activation and renewal.

use super::*;

const STATUSES: [&str; 7] = ["N", "A", "T", "L", "S", "F", "C"];

fn legal(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("N", "A" | "C") | ("A", "T" | "L" | "S" | "F" | "C") | ("T", "A" | "L" | "S" | "F" | "C")
    )
}

async fn set_status(app: &TestApp, token: &str, card: &str, status: &str) -> Value {
    app.post(
        "/api/Integration/UpdateCardStatus",
        token,
        json!({"CardToken": card, "CardStatus": status, "StatusReason": "test"}),
    )
    .await
    .1
}

#[tokio::test]
async fn every_status_move_outside_the_table_is_refused() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    for from in STATUSES {
        for to in STATUSES.iter().chain(&["E"]) {
            let card = issue(&app, &token, "Debit", json!({})).await;
            let t = card["CardToken"].as_str().unwrap();
            // Reach `from` by legal moves: N → A → T, or N → A → (L|S|F|C).
            let path: &[&str] = match from {
                "N" => &[],
                "A" => &["A"],
                "T" => &["A", "T"],
                other => &["A", other],
            };
            for step in path {
                assert_eq!(set_status(&app, &token, t, step).await["Result"], 0);
            }
            let body = set_status(&app, &token, t, to).await;
            let expected = if legal(from, to) { 0 } else { 4 };
            assert_eq!(body["Result"], expected, "{from} -> {to}: {body}");
            let (_, status) = app
                .get(
                    &format!("/api/Integration/GetCardStatus?CardToken={t}"),
                    &token,
                )
                .await;
            let now = status["ResultObject"]["CardStatus"]
                .as_str()
                .unwrap()
                .to_owned();
            assert_eq!(
                now,
                if expected == 0 { *to } else { from },
                "{from} -> {to}"
            );
        }
    }
    let card = issue(&app, &token, "Debit", json!({})).await;
    let body = set_status(&app, &token, card["CardToken"].as_str().unwrap(), "X").await;
    assert_eq!(error_fields(&body), ["CardStatus"]);
}

#[tokio::test]
async fn a_card_past_its_expiry_month_is_expired_and_frozen() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    let t = card["CardToken"].as_str().unwrap();
    app.clock.advance(Duration::days(365 * 3 + 31));
    let token = app.token("issuer").await;
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardStatus?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["CardStatus"], "E");
    assert_eq!(body["ResultObject"]["StatusDescription"], "Expired");
    assert_eq!(set_status(&app, &token, t, "T").await["Result"], 4);
}

#[tokio::test]
async fn a_card_stored_in_an_unknown_status_is_an_error_never_closed() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({})).await;
    let t = card["CardToken"].as_str().unwrap();
    app.damage("UPDATE cards SET status = 'X'").await;
    let (status, body) = app
        .get(
            &format!("/api/Integration/GetCardStatus?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["Result"], 99);
}

#[tokio::test]
async fn activation_sets_the_activation_date() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({})).await;
    let t = card["CardToken"].as_str().unwrap();
    app.clock.advance(Duration::hours(1));
    let token = app.token("issuer").await;
    assert_eq!(set_status(&app, &token, t, "A").await["Result"], 0);
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardInfo?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["ActivationDate"], "20260302103000");
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardStatus?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["StatusReason"], "test");
    assert_eq!(body["ResultObject"]["StatusDate"], "20260302103000");
}

/// A credit card of limit 3,000.00 without ATM use, a year on (March 2027);
/// the host, a fresh `issuer,pan` token and the card.
async fn a_year_old_card() -> (TestApp, String, Value) {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({"CardLimit": 3000})).await;
    let restrict = json!({"CardToken": card["CardToken"], "AtmAllowed": false});
    app.post("/api/Integration/CardRestriction", &token, restrict)
        .await;
    app.clock.advance(Duration::days(366));
    let token = app.token("issuer,pan").await;
    (app, token, card)
}

async fn renew(app: &TestApp, token: &str, card: &Value, fields: Value) -> Value {
    let mut body = fields;
    body["CardToken"] = card["CardToken"].clone();
    let (status, answer) = app.post("/api/Integration/CardRenewal", token, body).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// Renewal under a new number after damage; the new card.
async fn replaced(app: &TestApp, token: &str, card: &Value) -> Value {
    let fields = json!({"Reference": "ren-2", "NewPan": true, "Reason": "Damaged"});
    let body = renew(app, token, card, fields).await;
    assert_eq!(body["Result"], 0, "{body}");
    body["ResultObject"].clone()
}

async fn read(app: &TestApp, token: &str, op: &str, card: &Value) -> Value {
    let path = format!(
        "/api/Integration/{op}?CardToken={}",
        card["CardToken"].as_str().unwrap()
    );
    app.get(&path, token).await.1["ResultObject"].clone()
}

#[tokio::test]
async fn a_renewal_keeps_the_number_and_token_and_moves_the_expiry_four_years_on() {
    let (app, token, card) = a_year_old_card().await;
    let r = renew(&app, &token, &card, json!({"Reference": "ren-1"})).await["ResultObject"].clone();
    assert_eq!(
        (&r["CardNo"], &r["ExpiryDate"], &r["CardToken"]),
        (&card["CardNo"], &json!("3103"), &card["CardToken"])
    );
}

#[tokio::test]
async fn a_renewal_under_a_new_number_keeps_the_account_and_starts_not_activated() {
    let (app, token, card) = a_year_old_card().await;
    let renewed = replaced(&app, &token, &card).await;
    assert_ne!(renewed["CardNo"], card["CardNo"]);
    assert_eq!(
        (&renewed["AccountNo"], &renewed["CardStatus"]),
        (&card["AccountNo"], &json!("N"))
    );
}

#[tokio::test]
async fn a_new_card_carries_the_old_cards_limit_and_restrictions() {
    let (app, token, card) = a_year_old_card().await;
    let renewed = replaced(&app, &token, &card).await;
    let limit = read(&app, &token, "GetCardInfo", &renewed).await["CardLimit"].to_string();
    let atm = read(&app, &token, "GetCardRestriction", &renewed).await["AtmAllowed"].clone();
    assert_eq!((limit, atm), ("3000.00".into(), json!(false)));
}

#[tokio::test]
async fn the_replaced_card_is_closed_with_the_reason() {
    let (app, token, card) = a_year_old_card().await;
    replaced(&app, &token, &card).await;
    let status = read(&app, &token, "GetCardStatus", &card).await;
    assert_eq!(
        (&status["CardStatus"], &status["StatusReason"]),
        (&json!("C"), &json!("Damaged"))
    );
}

#[tokio::test]
async fn a_repeated_renewal_reference_answers_the_first_renewal() {
    let (app, token, card) = a_year_old_card().await;
    let renewed = replaced(&app, &token, &card).await;
    let again = replaced(&app, &token, &card).await;
    assert_eq!(again["CardNo"], renewed["CardNo"]);
}

#[tokio::test]
async fn a_closed_card_is_not_renewed() {
    let (app, token, card) = a_year_old_card().await;
    replaced(&app, &token, &card).await;
    let body = renew(&app, &token, &card, json!({"NewPan": true})).await;
    assert_eq!(body["Result"], 4);
}
