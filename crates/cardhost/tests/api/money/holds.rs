//! Pre-authorizations: what they block, how they complete and how they are released.

use super::*;

const PRE_AUTH: &str = "PreAuthorization";

async fn hold(card: &Funded, reference: &str, amount: &str) -> Value {
    let hold = card
        .send(reference, amount, json!({"TransactionType": PRE_AUTH}))
        .await;
    assert_code(&hold, "00");
    hold
}

#[tokio::test]
async fn a_pre_authorization_blocks_its_amount_without_posting_it() {
    let card = Funded::with("500.00").await;
    hold(&card, "H1", "100.00").await;
    assert_eq!(card.balances().await, ["400.00", "500.00", "100.00"]);
}

#[tokio::test]
async fn a_completion_posts_its_amount_and_releases_the_rest_of_the_hold() {
    let card = Funded::with("500.00").await;
    let held = hold(&card, "H1", "100.00").await;
    let completion = card.against("Completion", &held, "C1", "80.00").await;
    assert_code(&completion, "00");
    assert_eq!(card.balances().await, ["420.00", "420.00", "0.00"]);
    ledger_ok(&card.app).await;
}

#[tokio::test]
async fn a_hold_completes_once() {
    let card = Funded::with("500.00").await;
    let held = hold(&card, "H1", "100.00").await;
    card.against("Completion", &held, "C1", "80.00").await;
    let again = card.against("Completion", &held, "C2", "10.00").await;
    assert_code(&again, "12");
    assert_eq!(card.balances().await, ["420.00", "420.00", "0.00"]);
}

#[tokio::test]
async fn a_reversed_hold_is_released() {
    let card = Funded::with("500.00").await;
    let held = hold(&card, "H1", "50.00").await;
    assert_code(&card.reverse(&held, "V1").await, "00");
    assert_eq!(card.balances().await, ["500.00", "500.00", "0.00"]);
    let expected = pairs(&[
        ("Reversal", "Approved"),
        (PRE_AUTH, "Reversed"),
        ("Load", "Approved"),
    ]);
    assert_eq!(card.history().await, expected);
}

#[tokio::test]
async fn a_completed_hold_shows_as_captured() {
    let card = Funded::with("500.00").await;
    let held = hold(&card, "H1", "100.00").await;
    card.against("Completion", &held, "C1", "80.00").await;
    let expected = pairs(&[
        ("Completion", "Approved"),
        (PRE_AUTH, "Captured"),
        ("Load", "Approved"),
    ]);
    assert_eq!(card.history().await, expected);
}
