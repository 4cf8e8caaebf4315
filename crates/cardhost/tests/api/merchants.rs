use serde_json::{json, Value};

use crate::support::*;

const IBAN: &str = "TR330006100519786457841326";

fn merchant(extra: Value) -> Value {
    let mut m = json!({"MerchantName": "Corner Grocery Ltd", "Mcc": "5411", "Country": "TR", "Currency": 949, "City": "Istanbul", "Iban": IBAN});
    for (k, v) in extra.as_object().unwrap() {
        m[k] = v.clone();
    }
    m
}

#[tokio::test]
async fn merchants_are_created_read_and_updated() {
    let app = TestApp::spawn().await;
    let token = app.token("acquirer").await;
    let (status, body) = app
        .post(
            "/api/Integration/CreateMerchant",
            &token,
            merchant(json!({})),
        )
        .await;
    assert_result(status, &body, 200, 0);
    let no = body["ResultObject"]["MerchantNo"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(no.len(), 10);
    assert!(body["ResultObject"].get("VposClientId").is_none());
    let (_, got) = app
        .get(
            &format!("/api/Integration/GetMerchant?MerchantNo={no}"),
            &token,
        )
        .await;
    let m = &got["ResultObject"];
    assert_eq!(m["MerchantName"], "Corner Grocery Ltd");
    assert_eq!(m["Iban"], IBAN);
    assert_eq!(m["MerchantStatus"], "Active");
    assert_eq!(m["OpenDate"], "20260302");
    assert_eq!(m["VposEnabled"], false);
    assert_eq!(m["Terminals"], json!([]));
    let (_, body) = app
        .put(
            "/api/Integration/UpdateMerchant",
            &token,
            json!({"MerchantNo": no, "City": "Ankara", "MerchantStatus": "Passive"}),
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let (_, got) = app
        .get(
            &format!("/api/Integration/GetMerchant?MerchantNo={no}"),
            &token,
        )
        .await;
    assert_eq!(
        (
            got["ResultObject"]["City"].clone(),
            got["ResultObject"]["MerchantStatus"].clone(),
            got["ResultObject"]["Mcc"].clone()
        ),
        (json!("Ankara"), json!("Passive"), json!("5411"))
    );

    let (_, body) = app
        .post(
            "/api/Integration/CreateMerchant",
            &token,
            json!({"Iban": "TR330006100519786457841327", "Mcc": "54"}),
        )
        .await;
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(
        fields,
        ["Country", "Currency", "Iban", "Mcc", "MerchantName"]
    );
    let (_, body) = app
        .post(
            "/api/Integration/CreateMerchant",
            &token,
            merchant(json!({"MerchantNo": no})),
        )
        .await;
    assert_eq!(body["Result"], 3);
    let (_, body) = app
        .get("/api/Integration/GetMerchant?MerchantNo=999", &token)
        .await;
    assert_eq!(body["Result"], 2);
    let issuer = app.token("issuer").await;
    let (status, body) = app
        .post(
            "/api/Integration/CreateMerchant",
            &issuer,
            merchant(json!({})),
        )
        .await;
    assert_result(status, &body, 403, 6);
}

#[tokio::test]
async fn a_vpos_merchant_gets_its_client_once_and_sees_only_itself() {
    let app = TestApp::spawn().await;
    let token = app.token("acquirer").await;
    let (_, body) = app
        .post(
            "/api/Integration/CreateMerchant",
            &token,
            merchant(json!({"VposEnabled": true})),
        )
        .await;
    let r = body["ResultObject"].clone();
    let (id, secret) = (
        r["VposClientId"].as_str().unwrap(),
        r["VposClientSecret"].as_str().unwrap(),
    );
    assert_eq!(r["VposStoreKey"].as_str().unwrap().len(), 48);
    let own = r["MerchantNo"].as_str().unwrap();
    let (_, other) = app
        .post(
            "/api/Integration/CreateMerchant",
            &token,
            merchant(json!({"MerchantName": "Other"})),
        )
        .await;
    let other = other["ResultObject"]["MerchantNo"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, tok) = app.token_for(id, secret).await;
    let vpos = tok["ResultObject"]["Token"].as_str().unwrap().to_owned();
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetMerchant?MerchantNo={own}"),
            &vpos,
        )
        .await;
    assert_eq!(body["Result"], 0);
    assert_eq!(body["ResultObject"]["VposEnabled"], true);
    assert!(
        !body.to_string().contains("VposStoreKey"),
        "the store key is shown once"
    );
    let (status, body) = app
        .get(
            &format!("/api/Integration/GetMerchant?MerchantNo={other}"),
            &vpos,
        )
        .await;
    assert_result(status, &body, 403, 6);
    let (status, _) = app.get("/api/Integration/SearchMerchant", &vpos).await;
    assert_eq!(status.as_u16(), 403);
    let db = app.db().await;
    let (stored,): (Option<String>,) =
        sqlx::query_as("SELECT vpos_store_key FROM merchants WHERE merchant_no = $1")
            .bind(own)
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(
        !stored
            .unwrap()
            .contains(r["VposStoreKey"].as_str().unwrap()),
        "the store key is kept encrypted"
    );
}

#[tokio::test]
async fn terminals_belong_to_their_merchant() {
    let app = TestApp::spawn().await;
    let token = app.token("acquirer").await;
    let (_, body) = app
        .post(
            "/api/Integration/CreateMerchant",
            &token,
            merchant(json!({"MerchantNo": "600100"})),
        )
        .await;
    assert_eq!(body["Result"], 0);
    let (status, body) = app
        .post(
            "/api/Integration/CreateTerminal",
            &token,
            json!({"MerchantNo": "600100", "TerminalType": "Vpos", "SerialNo": "SN-1"}),
        )
        .await;
    assert_result(status, &body, 200, 0);
    let no = body["ResultObject"]["TerminalNo"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(no.len(), 8);
    let (_, t) = app
        .get(
            &format!("/api/Integration/GetTerminal?TerminalNo={no}"),
            &token,
        )
        .await;
    assert_eq!(t["ResultObject"]["OpenBatchNo"], 1);
    assert_eq!(t["ResultObject"]["TerminalStatus"], "Active");
    assert_eq!(t["ResultObject"]["MerchantNo"], "600100");
    let (_, body) = app
        .put(
            "/api/Integration/UpdateTerminal",
            &token,
            json!({"TerminalNo": no, "TerminalStatus": "Passive", "Model": "X1"}),
        )
        .await;
    assert_eq!(body["Result"], 0);
    let (_, m) = app
        .get("/api/Integration/GetMerchant?MerchantNo=600100", &token)
        .await;
    assert_eq!(
        m["ResultObject"]["Terminals"],
        json!([{"TerminalNo": no, "TerminalType": "Vpos", "TerminalStatus": "Passive"}])
    );
    let (_, body) = app
        .post(
            "/api/Integration/CreateTerminal",
            &token,
            json!({"MerchantNo": "600100", "TerminalType": "Atm"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["TerminalType"]);
    let (_, body) = app
        .post(
            "/api/Integration/CreateTerminal",
            &token,
            json!({"MerchantNo": "999999", "TerminalType": "Pos"}),
        )
        .await;
    assert_eq!(body["Result"], 2);
    let (_, body) = app
        .post(
            "/api/Integration/CreateTerminal",
            &token,
            json!({"MerchantNo": "600100", "TerminalType": "Pos", "TerminalNo": no}),
        )
        .await;
    assert_eq!(body["Result"], 3);
}

#[tokio::test]
async fn search_pages_are_stable_and_filtered() {
    let app = TestApp::spawn().await;
    let token = app.token("acquirer").await;
    for i in 0..25 {
        let city = if i % 5 == 0 { "Izmir" } else { "Istanbul" };
        let name = if i % 2 == 0 {
            format!("Bakery {i}")
        } else {
            format!("Books {i}")
        };
        let (_, body) = app
            .post(
                "/api/Integration/CreateMerchant",
                &token,
                merchant(
                    json!({"MerchantNo": format!("70{i:02}"), "MerchantName": name, "City": city}),
                ),
            )
            .await;
        assert_eq!(body["Result"], 0);
    }
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (_, body) = app
            .get(
                &format!("/api/Integration/SearchMerchant?PageSize=10&Page={page}"),
                &token,
            )
            .await;
        assert_eq!(body["ResultObject"]["TotalCount"], 25);
        for m in body["ResultObject"]["Items"].as_array().unwrap() {
            seen.push(m["MerchantNo"].as_str().unwrap().to_owned());
        }
    }
    let expected: Vec<String> = (0..25).map(|i| format!("70{i:02}")).collect();
    assert_eq!(seen, expected, "every merchant once, in MerchantNo order");
    let (_, body) = app
        .get(
            "/api/Integration/SearchMerchant?MerchantName=bAkErY&City=izmir",
            &token,
        )
        .await;
    let names: Vec<&str> = body["ResultObject"]["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["MerchantName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bakery 0", "Bakery 10", "Bakery 20"]);
}

#[tokio::test]
async fn merchant_and_terminals_are_created_together_or_not_at_all() {
    let app = TestApp::spawn().await;
    let token = app.token("acquirer").await;
    let (status, body) = app
        .post("/api/Integration/CreateMerchantAndTerminal", &token, json!({"Merchant": merchant(json!({"MerchantNo": "800"})),
            "Terminals": [{"TerminalType": "Pos"}, {"TerminalType": "Vpos", "TerminalNo": "VPOS0001"}]}))
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["MerchantNo"], "800");
    assert_eq!(
        body["ResultObject"]["TerminalNos"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(body["ResultObject"]["TerminalNos"][1], "VPOS0001");
    let (_, body) = app
        .post(
            "/api/Integration/CreateMerchantAndTerminal",
            &token,
            json!({"Merchant": merchant(json!({"MerchantNo": "801"})),
            "Terminals": [{"TerminalType": "Pos"}, {"TerminalType": "Kiosk"}]}),
        )
        .await;
    assert_eq!(error_fields(&body), ["Terminals[1].TerminalType"]);
    let (_, body) = app
        .post(
            "/api/Integration/CreateMerchantAndTerminal",
            &token,
            json!({"Merchant": merchant(json!({"MerchantNo": "802"})),
            "Terminals": [{"TerminalType": "Pos", "TerminalNo": "VPOS0001"}]}),
        )
        .await;
    assert_eq!(body["Result"], 3, "a taken terminal number");
    for no in ["801", "802"] {
        let (_, body) = app
            .get(
                &format!("/api/Integration/GetMerchant?MerchantNo={no}"),
                &token,
            )
            .await;
        assert_eq!(body["Result"], 2, "nothing of {no} was created");
    }
    let (_, body) = app
        .post(
            "/api/Integration/CreateMerchantAndTerminal",
            &token,
            json!({"Merchant": {"Mcc": "1"}}),
        )
        .await;
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "Merchant.Country",
            "Merchant.Currency",
            "Merchant.Mcc",
            "Merchant.MerchantName"
        ]
    );
}
