//! Terminals, which belong to their merchant.

use super::*;

/// Merchant 600100 with a VPOS terminal; the terminal's number.
async fn with_terminal(a: &Acquirer) -> String {
    a.created(json!({"MerchantNo": "600100"})).await;
    let (status, body) = a
        .post(
            "CreateTerminal",
            json!({"MerchantNo": "600100", "TerminalType": "Vpos", "SerialNo": "SN-1"}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    body["ResultObject"]["TerminalNo"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_new_terminal_is_active_with_batch_1_open() {
    let a = Acquirer::new().await;
    let no = with_terminal(&a).await;
    let (_, t) = a
        .app
        .get(
            &format!("/api/Integration/GetTerminal?TerminalNo={no}"),
            &a.token,
        )
        .await;
    let t = &t["ResultObject"];
    assert_eq!(no.len(), 8);
    assert_eq!(
        (&t["OpenBatchNo"], &t["TerminalStatus"], &t["MerchantNo"]),
        (&json!(1), &json!("Active"), &json!("600100"))
    );
}

#[tokio::test]
async fn the_merchant_lists_its_terminals_as_updated() {
    let a = Acquirer::new().await;
    let no = with_terminal(&a).await;
    let change = json!({"TerminalNo": no, "TerminalStatus": "Passive", "Model": "X1"});
    let (_, body) = a
        .app
        .put("/api/Integration/UpdateTerminal", &a.token, change)
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    assert_eq!(
        a.merchant("600100").await["ResultObject"]["Terminals"],
        json!([{"TerminalNo": no, "TerminalType": "Vpos", "TerminalStatus": "Passive"}])
    );
}

#[tokio::test]
async fn an_unknown_terminal_type_is_refused_by_name() {
    let a = Acquirer::new().await;
    a.created(json!({"MerchantNo": "600100"})).await;
    let (_, body) = a
        .post(
            "CreateTerminal",
            json!({"MerchantNo": "600100", "TerminalType": "Atm"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["TerminalType"]);
}

#[tokio::test]
async fn a_terminal_of_an_unknown_merchant_is_not_found() {
    let a = Acquirer::new().await;
    let (_, body) = a
        .post(
            "CreateTerminal",
            json!({"MerchantNo": "999999", "TerminalType": "Pos"}),
        )
        .await;
    assert_eq!(body["Result"], 2);
}

#[tokio::test]
async fn a_terminal_number_is_taken_once() {
    let a = Acquirer::new().await;
    let no = with_terminal(&a).await;
    let (_, body) = a
        .post(
            "CreateTerminal",
            json!({"MerchantNo": "600100", "TerminalType": "Pos", "TerminalNo": no}),
        )
        .await;
    assert_eq!(body["Result"], 3);
}

#[tokio::test]
async fn search_finds_a_merchants_terminals_by_type() {
    let a = Acquirer::new().await;
    let no = with_terminal(&a).await;
    let path = "/api/Integration/SearchTerminal?MerchantNo=600100&TerminalType=Vpos";
    let (_, vpos) = a.app.get(path, &a.token).await;
    let path = "/api/Integration/SearchTerminal?MerchantNo=600100&TerminalType=Pos";
    let (_, pos) = a.app.get(path, &a.token).await;
    assert_eq!(
        (
            &vpos["ResultObject"]["Items"][0]["TerminalNo"],
            &vpos["ResultObject"]["TotalCount"]
        ),
        (&json!(no), &json!(1))
    );
    assert_eq!(pos["ResultObject"]["TotalCount"], 0, "{pos}");
}

#[tokio::test]
async fn a_search_by_a_type_that_is_not_one_is_refused_naming_it() {
    let a = Acquirer::new().await;
    let path = "/api/Integration/SearchTerminal?TerminalType=ePos";
    refused(
        &a,
        path,
        "TerminalType",
        "must be one of Pos, Vpos, SoftPos",
    )
    .await;
}
