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

#[tokio::test]
async fn renewal_keeps_or_replaces_the_pan() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({"CardLimit": 3000})).await;
    let t = card["CardToken"].as_str().unwrap().to_owned();
    app.post(
        "/api/Integration/CardRestriction",
        &token,
        json!({"CardToken": t, "AtmAllowed": false}),
    )
    .await;
    app.clock.advance(Duration::days(366));
    let token = app.token("issuer,pan").await;
    let (status, body) = app
        .post(
            "/api/Integration/CardRenewal",
            &token,
            json!({"CardToken": t, "Reference": "ren-1"}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["CardNo"], card["CardNo"]);
    assert_eq!(
        body["ResultObject"]["ExpiryDate"], "3103",
        "March 2027 + 4 years"
    );
    assert_eq!(body["ResultObject"]["CardToken"], t.as_str());

    let (_, body) = app
        .post(
            "/api/Integration/CardRenewal",
            &token,
            json!({"CardToken": t, "Reference": "ren-2", "NewPan": true, "Reason": "Damaged"}),
        )
        .await;
    let renewed = body["ResultObject"].clone();
    assert_ne!(renewed["CardNo"], card["CardNo"]);
    assert_eq!(renewed["AccountNo"], card["AccountNo"]);
    assert_eq!(renewed["CardStatus"], "N");
    let nt = renewed["CardToken"].as_str().unwrap();
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardInfo?CardToken={nt}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["CardLimit"].to_string(), "3000.00");
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardRestriction?CardToken={nt}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["AtmAllowed"], false);
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardStatus?CardToken={t}"),
            &token,
        )
        .await;
    assert_eq!(body["ResultObject"]["CardStatus"], "C");
    assert_eq!(body["ResultObject"]["StatusReason"], "Damaged");
    let (_, again) = app
        .post(
            "/api/Integration/CardRenewal",
            &token,
            json!({"CardToken": t, "Reference": "ren-2", "NewPan": true, "Reason": "Damaged"}),
        )
        .await;
    assert_eq!(
        again["ResultObject"]["CardNo"], renewed["CardNo"],
        "a repeated reference returns the first renewal"
    );
    let (_, body) = app
        .post(
            "/api/Integration/CardRenewal",
            &token,
            json!({"CardToken": t, "NewPan": true}),
        )
        .await;
    assert_eq!(body["Result"], 4, "a closed card is not renewed");
}
