//! `serve --demo`: the demo bank a newcomer pays with in two copy-pastes.

use serde_json::json;

use crate::vpos::binary_call;

use super::*;

/// The `key=value` fields of the printed line that starts with `label`.
fn fields(printed: &str, label: &str) -> Vec<std::collections::HashMap<String, String>> {
    printed
        .lines()
        .filter_map(|l| l.strip_prefix(label))
        .map(|rest| {
            rest.split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// stdout up to the last line of the printed first payment.
async fn printed_until_ready(server: &mut Server) -> String {
    server
        .printed_until(|line| line.contains("CheckByOrderId"))
        .await
}

#[tokio::test]
async fn the_printed_demo_merchant_and_card_make_an_approved_sale() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_args(dir.path(), &["--demo"], &[]);
    let printed = printed_until_ready(&mut server).await;
    let (addr, _) = server.wait_listening().await;
    let merchant = &fields(&printed, "Demo merchant: ")[0];
    let cards = fields(&printed, "Demo card: ");
    let kinds: Vec<(&str, &str)> = cards
        .iter()
        .map(|c| (c["Kind"].as_str(), c["Balance"].as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Debit", "1000.00"),
            ("Credit", "5000.00"),
            ("Prepaid", "1000.00")
        ]
    );
    let base = format!("http://{addr}");
    let token = token_of(&base, &merchant["ClientId"], &merchant["ClientSecret"]).await;
    let debit = &cards[0];
    let sale = json!({"MerchantNo": merchant["MerchantNo"], "TerminalNo": merchant["TerminalNo"],
        "OrderId": "demo-1", "Amount": 25.00, "Currency": 949, "CardNo": debit["CardNo"],
        "ExpiryDate": debit["ExpiryDate"], "Cvv2": debit["Cvv2"]});
    let http = reqwest::Client::new();
    let sale = binary_call(&http, &base, &token, "/api/VPos/PaymentSale", Some(sale)).await;
    assert_eq!(sale["ResponseCode"], "00", "{sale}");
}

#[tokio::test]
async fn a_second_demo_start_seeds_nothing_and_prints_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Server::start_args(dir.path(), &["--demo"], &[]);
    printed_until_ready(&mut first).await;
    first.wait_listening().await;
    assert!(first.terminate().await);
    let mut again = Server::start_args(dir.path(), &["--demo"], &[]);
    again.wait_listening().await;
    assert!(again.terminate().await);
    let rest = again.rest_of_stdout().await;
    assert_eq!(rest.trim(), "", "a second start prints nothing");
}

#[tokio::test]
async fn the_demo_refuses_a_configured_master_key() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(cardhost(dir.path())
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env("CARDHOST_MASTER_KEY", MASTER))
    .await;
    assert!(!ok);
    assert!(stderr.contains("development master key"), "{stderr}");
}
