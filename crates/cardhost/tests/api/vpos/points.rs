//! Sales paid partly with the credit card's points.

use super::*;

/// A credit card that spent 5,000.00, earning 50 points (1 per 100.00), worth 0.50.
async fn with_points(app: &TestApp, s: &Shop<'_>) -> Value {
    let credit = issue(app, &s.issuer, "Credit", json!({"IsVirtual": true})).await;
    let earned = send(app, &s.issuer, &credit, "P1", "5000.00", json!({})).await;
    assert_eq!(earned["Result"], 0, "{earned}");
    credit
}

async fn points_of(app: &TestApp, s: &Shop<'_>, card: &Value) -> Value {
    let body = json!({"MerchantNo": MERCHANT, "CardToken": card["CardToken"]});
    let (_, points) = app.post("/api/VPos/PointInquiry", &s.vpos, body).await;
    assert_eq!(points["Result"], 0, "{points}");
    points["ResultObject"].clone()
}

/// A sale of 10.00 of which `points` are paid with points.
async fn sale_with_points(s: &Shop<'_>, order: &str, card: &Value, points: &str) -> Value {
    let mut body = pay_body(order, "10.00", card);
    body["PointAmount"] = dec(points);
    s.op("PaymentSale", body).await
}

#[tokio::test]
async fn the_point_inquiry_reports_points_and_their_worth() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let credit = with_points(&app, &s).await;
    let points = points_of(&app, &s, &credit).await;
    assert_eq!(
        (&points["PointBalance"], money(&points["PointAmount"])),
        (&json!(50), "0.50".into())
    );
}

#[tokio::test]
async fn a_sale_with_points_takes_only_the_rest_from_the_card() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let credit = with_points(&app, &s).await;
    let sold = sale_with_points(&s, "pt-1", &credit, "0.30").await;
    let r = &sold["ResultObject"];
    assert_eq!(
        (
            &sold["Result"],
            money(&r["Amount"]),
            money(&r["PointAmount"])
        ),
        (&json!(0), "10.00".into(), "0.30".into())
    );
    assert_eq!(s.available(&credit).await, "4990.30");
    assert_eq!(points_of(&app, &s, &credit).await["PointBalance"], 20);
    ledger_ok(&app).await;
}

#[tokio::test]
async fn more_points_than_the_card_has_are_declined_51() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let credit = with_points(&app, &s).await;
    assert_eq!(
        code(&sale_with_points(&s, "pt-2", &credit, "0.51").await),
        "51"
    );
    assert_eq!(points_of(&app, &s, &credit).await["PointBalance"], 50);
}

#[tokio::test]
async fn points_worth_more_than_the_sale_are_refused_by_name() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let credit = with_points(&app, &s).await;
    let body = sale_with_points(&s, "pt-3", &credit, "10.01").await;
    assert_eq!(error_fields(&body), ["PointAmount"]);
}

#[tokio::test]
async fn the_merchant_is_owed_the_whole_sale_paid_partly_with_points() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let credit = with_points(&app, &s).await;
    sale_with_points(&s, "pt-1", &credit, "0.30").await;
    assert_eq!(
        money(&open_batch(&app, &s.acquirer).await["SaleAmount"]),
        "10.00"
    );
}
