//! Card products from the configuration file.

use serde_json::json;

use super::*;

const GOLD: &str = r#"
[[card_product]]
code = "GOLD-CREDIT"
card_type = "Credit"
brand = "Visa"
bin = "410001"
validity_years = 5
card_limit = "25000.00"
daily_purchase_limit = "10000.00"
installments = [{ from = 2, to = 6, interest_percent = "0" }]
"#;

/// A folder whose `cardhost.toml` is `config`.
fn configured(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cardhost.toml"), config).unwrap();
    dir
}

/// What `serve` says on stderr when it refuses to start.
async fn refused_start(config: &str) -> String {
    let dir = configured(config);
    let (ok, _, err) = run(cardhost(dir.path()).args(["serve", "--listen", "127.0.0.1:0"])).await;
    assert!(!ok, "it started");
    err
}

#[tokio::test]
async fn a_configured_product_issues_cards_of_its_bin_and_limit() {
    let dir = configured(GOLD);
    let envs = [
        ("CARDHOST_ADMIN_CLIENT_ID", "cfg-admin"),
        (
            "CARDHOST_ADMIN_CLIENT_SECRET",
            "cfg-admin-secret-0123456789",
        ),
    ];
    let mut server = Server::start_with(dir.path(), &envs);
    let (addr, _) = server.wait_listening().await;
    let base = format!("http://{addr}");
    let token = token_of(&base, "cfg-admin", "cfg-admin-secret-0123456789").await;
    let http = reqwest::Client::new();
    let call = |op: &str, body: serde_json::Value| {
        let url = format!("{base}/api/Integration/{op}");
        json_of(http.post(url).header("token", &token).json(&body))
    };
    call(
        "CreateCustomer",
        json!({"CustomerNo": "G1", "Name": "Gold", "Surname": "Holder"}),
    )
    .await;
    let card = call(
        "CreateCreditCard",
        json!({"CustomerNo": "G1", "ProductCode": "GOLD-CREDIT"}),
    )
    .await;
    assert_eq!(card["Result"], 0, "{card}");
    let card = &card["ResultObject"];
    assert!(card["CardNo"].as_str().unwrap().starts_with("410001"));
    let card_token = card["CardToken"].as_str().unwrap();
    let info = http
        .get(format!(
            "{base}/api/Integration/GetCardInfo?CardToken={card_token}"
        ))
        .header("token", &token);
    let info = json_of(info).await;
    assert_eq!(
        (
            info["ResultObject"]["CardLimit"].to_string(),
            &info["ResultObject"]["ProductCode"]
        ),
        ("25000.00".to_owned(), &json!("GOLD-CREDIT"))
    );
    assert!(server.terminate().await);
}

#[tokio::test]
async fn a_product_on_another_products_bin_stops_the_start() {
    let bad = "[[card_product]]\ncode = \"BAD\"\ncard_type = \"Credit\"\nbrand = \"Visa\"\nbin = \"410000\"\n";
    let err = refused_start(bad).await;
    assert!(
        err.contains("BIN 410000 belongs to another product"),
        "{err}"
    );
}

#[tokio::test]
async fn a_float_for_money_in_a_product_stops_the_start() {
    let bad = "[[card_product]]\ncode = \"BAD\"\ncard_type = \"Credit\"\nbrand = \"Visa\"\nbin = \"410009\"\ncard_limit = 2.5\n";
    let err = refused_start(bad).await;
    assert!(err.contains("card_limit"), "{err}");
}
