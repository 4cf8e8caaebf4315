//! The 3-D Secure password, and the refusals of the PIN SMS.

use super::*;

#[tokio::test]
async fn a_short_3ds_password_is_refused_by_name() {
    let h = Holder::with("Credit", json!({})).await;
    let body = h
        .op("Change3DSPassword", json!({"Password": "short"}))
        .await;
    assert_eq!(error_fields(&body), ["Password"]);
}

#[tokio::test]
async fn a_3ds_password_is_kept_only_as_an_argon2id_hash() {
    let h = Holder::with("Credit", json!({})).await;
    let body = h
        .op(
            "Change3DSPassword",
            json!({"Password": "correct horse battery"}),
        )
        .await;
    assert_eq!(
        body["ResultObject"],
        json!({"MaskedCardNo": h.card["MaskedCardNo"]})
    );
    let stored: Option<String> = sqlx::query_scalar("SELECT three_ds_password FROM cards")
        .fetch_one(&h.app.db().await)
        .await
        .unwrap();
    assert!(stored.unwrap().starts_with("$argon2id$"));
}

#[tokio::test]
async fn no_pin_sms_goes_to_a_customer_without_a_mobile_number() {
    let h = Holder::with("Credit", json!({})).await;
    let customer = json!({"CustomerNo": "NOMOBILE", "Name": "A", "Surname": "B"});
    h.app
        .post("/api/Integration/CreateCustomer", &h.token, customer)
        .await;
    let (_, card) = h
        .app
        .post(
            "/api/Integration/CreateDebitCard",
            &h.token,
            json!({"CustomerNo": "NOMOBILE"}),
        )
        .await;
    let (_, body) = h
        .app
        .post(
            "/api/Integration/SendPinBySms",
            &h.token,
            json!({"CardToken": card["ResultObject"]["CardToken"]}),
        )
        .await;
    assert_eq!(body["Result"], 4, "{body}");
}

#[tokio::test]
async fn no_pin_sms_goes_out_for_a_closed_card() {
    let h = Holder::with("Credit", json!({})).await;
    h.op("UpdateCardStatus", json!({"CardStatus": "C"})).await;
    let body = h.op("SendPinBySms", json!({})).await;
    assert_eq!(body["Result"], 4, "{body}");
}
