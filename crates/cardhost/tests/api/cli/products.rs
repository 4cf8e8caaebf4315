//! Card products from the configuration file.

use super::*;

#[tokio::test]
async fn products_from_the_configuration_file_issue_cards() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cardhost.toml"),
        r#"
[[card_product]]
code = "GOLD-CREDIT"
card_type = "Credit"
brand = "Visa"
bin = "410001"
validity_years = 5
card_limit = "25000.00"
daily_purchase_limit = "10000.00"
installments = [{ from = 2, to = 6, interest_percent = "0" }]
"#,
    )
    .unwrap();
    let envs = [
        ("CARDHOST_ADMIN_CLIENT_ID", "cfg-admin"),
        (
            "CARDHOST_ADMIN_CLIENT_SECRET",
            "cfg-admin-secret-0123456789",
        ),
    ];
    let mut server = Server::start_with(dir.path(), &envs);
    let (addr, _) = server.wait_listening().await;
    let http = reqwest::Client::new();
    let token = token_of(
        &format!("http://{addr}"),
        "cfg-admin",
        "cfg-admin-secret-0123456789",
    )
    .await;
    let call = |op: &str, body: serde_json::Value| {
        http.post(format!("http://{addr}/api/Integration/{op}"))
            .header("token", &token)
            .json(&body)
            .send()
    };
    call(
        "CreateCustomer",
        serde_json::json!({"CustomerNo": "G1", "Name": "Gold", "Surname": "Holder"}),
    )
    .await
    .unwrap();
    let card: serde_json::Value = call(
        "CreateCreditCard",
        serde_json::json!({"CustomerNo": "G1", "ProductCode": "GOLD-CREDIT"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(card["Result"], 0, "{card}");
    assert!(card["ResultObject"]["CardNo"]
        .as_str()
        .unwrap()
        .starts_with("410001"));
    let info = http
        .get(format!(
            "http://{addr}/api/Integration/GetCardInfo?CardToken={}",
            card["ResultObject"]["CardToken"].as_str().unwrap()
        ))
        .header("token", &token);
    let info = json_of(info).await;
    assert_eq!(info["ResultObject"]["CardLimit"].to_string(), "25000.00");
    assert_eq!(info["ResultObject"]["ProductCode"], "GOLD-CREDIT");
    assert!(server.terminate().await);

    std::fs::write(dir.path().join("cardhost.toml"), "[[card_product]]\ncode = \"BAD\"\ncard_type = \"Credit\"\nbrand = \"Visa\"\nbin = \"410000\"\n").unwrap();
    let (ok, _, err) = run(cardhost(dir.path()).args(["serve", "--listen", "127.0.0.1:0"])).await;
    assert!(
        !ok && err.contains("BIN 410000 belongs to another product"),
        "{err}"
    );
    std::fs::write(dir.path().join("cardhost.toml"), "[[card_product]]\ncode = \"BAD\"\ncard_type = \"Credit\"\nbrand = \"Visa\"\nbin = \"410009\"\ncard_limit = 2.5\n").unwrap();
    let (ok, _, err) = run(cardhost(dir.path()).args(["serve", "--listen", "127.0.0.1:0"])).await;
    assert!(
        !ok && err.contains("card_limit"),
        "a float is refused for money: {err}"
    );
}
