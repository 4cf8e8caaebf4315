//! Creating, reading and updating merchants, alone or with their terminals.

use super::*;

#[tokio::test]
async fn a_merchant_is_given_a_ten_digit_number() {
    let a = Acquirer::new().await;
    let created = a.created(json!({})).await;
    assert_eq!(created["MerchantNo"].as_str().unwrap().len(), 10);
    assert!(created.get("VposClientId").is_none(), "{created}");
}

#[tokio::test]
async fn a_new_merchant_reads_back_active_with_no_terminals() {
    let a = Acquirer::new().await;
    let no = a.created(json!({"MerchantNo": "600100"})).await["MerchantNo"].clone();
    let m = &a.merchant(no.as_str().unwrap()).await["ResultObject"];
    assert_eq!(
        (
            &m["MerchantName"],
            &m["Iban"],
            &m["MerchantStatus"],
            &m["OpenDate"]
        ),
        (
            &json!("Corner Grocery Ltd"),
            &json!(IBAN),
            &json!("Active"),
            &json!("20260302")
        )
    );
    assert_eq!(
        (&m["VposEnabled"], &m["Terminals"]),
        (&json!(false), &json!([]))
    );
}

#[tokio::test]
async fn an_update_changes_only_the_fields_it_names() {
    let a = Acquirer::new().await;
    a.created(json!({"MerchantNo": "600100"})).await;
    let change = json!({"MerchantNo": "600100", "City": "Ankara", "MerchantStatus": "Passive"});
    let (_, body) = a
        .app
        .put("/api/Integration/UpdateMerchant", &a.token, change)
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let m = &a.merchant("600100").await["ResultObject"];
    assert_eq!(
        (&m["City"], &m["MerchantStatus"], &m["Mcc"]),
        (&json!("Ankara"), &json!("Passive"), &json!("5411"))
    );
}

#[tokio::test]
async fn a_merchant_missing_its_fields_is_refused_naming_each() {
    let a = Acquirer::new().await;
    let bad = json!({"Iban": "TR330006100519786457841327", "Mcc": "54"});
    let (_, body) = a.post("CreateMerchant", bad).await;
    assert_eq!(
        sorted_fields(&body),
        ["Country", "Currency", "Iban", "Mcc", "MerchantName"]
    );
}

#[tokio::test]
async fn a_merchant_number_is_taken_once() {
    let a = Acquirer::new().await;
    a.created(json!({"MerchantNo": "600100"})).await;
    let (_, body) = a
        .post("CreateMerchant", merchant(json!({"MerchantNo": "600100"})))
        .await;
    assert_eq!(body["Result"], 3);
}

#[tokio::test]
async fn an_unknown_merchant_is_not_found() {
    let a = Acquirer::new().await;
    assert_eq!(a.merchant("999").await["Result"], 2);
}

#[tokio::test]
async fn only_the_acquirer_creates_merchants() {
    let a = Acquirer::new().await;
    let issuer = a.app.token("issuer").await;
    let (status, body) = a
        .app
        .post(
            "/api/Integration/CreateMerchant",
            &issuer,
            merchant(json!({})),
        )
        .await;
    assert_result(status, &body, 403, 6);
}

#[tokio::test]
async fn a_merchant_and_its_terminals_are_created_together() {
    let a = Acquirer::new().await;
    let (status, body) = a
        .post("CreateMerchantAndTerminal", json!({"Merchant": merchant(json!({"MerchantNo": "800"})),
            "Terminals": [{"TerminalType": "Pos"}, {"TerminalType": "Vpos", "TerminalNo": "VPOS0001"}]}))
        .await;
    assert_result(status, &body, 200, 0);
    let r = &body["ResultObject"];
    let terminals = r["TerminalNos"].as_array().unwrap();
    assert_eq!(
        (&r["MerchantNo"], terminals.len(), &terminals[1]),
        (&json!("800"), 2, &json!("VPOS0001"))
    );
}

#[tokio::test]
async fn a_bad_terminal_creates_neither_it_nor_its_merchant() {
    let a = Acquirer::new().await;
    let (_, body) = a
        .post(
            "CreateMerchantAndTerminal",
            json!({"Merchant": merchant(json!({"MerchantNo": "801"})),
            "Terminals": [{"TerminalType": "Pos"}, {"TerminalType": "Kiosk"}]}),
        )
        .await;
    assert_eq!(error_fields(&body), ["Terminals[1].TerminalType"]);
    assert_eq!(a.merchant("801").await["Result"], 2);
}

#[tokio::test]
async fn a_taken_terminal_number_creates_neither_it_nor_its_merchant() {
    let a = Acquirer::new().await;
    a.post(
        "CreateMerchantAndTerminal",
        json!({"Merchant": merchant(json!({"MerchantNo": "800"})),
        "Terminals": [{"TerminalType": "Vpos", "TerminalNo": "VPOS0001"}]}),
    )
    .await;
    let (_, body) = a
        .post(
            "CreateMerchantAndTerminal",
            json!({"Merchant": merchant(json!({"MerchantNo": "802"})),
            "Terminals": [{"TerminalType": "Pos", "TerminalNo": "VPOS0001"}]}),
        )
        .await;
    assert_eq!(body["Result"], 3);
    assert_eq!(a.merchant("802").await["Result"], 2);
}

#[tokio::test]
async fn the_merchants_missing_fields_are_named_under_merchant() {
    let a = Acquirer::new().await;
    let (_, body) = a
        .post(
            "CreateMerchantAndTerminal",
            json!({"Merchant": {"Mcc": "1"}}),
        )
        .await;
    assert_eq!(
        sorted_fields(&body),
        [
            "Merchant.Country",
            "Merchant.Currency",
            "Merchant.Mcc",
            "Merchant.MerchantName"
        ]
    );
}
