//! The issuer decision's table, run in memory: a batch state built by hand, no
//! database. Each test is one row of `ledger.md`'s ten steps.

use cardhost_crypto::{cvv, KeyRef, SecurityModule};
use cardhost_domain::card::{CardStatus, Pan};
use cardhost_domain::ledger::Account;
use cardhost_domain::response as rc;
use chrono::{TimeZone, Utc};

use super::decide::{authorize, Env, TxOutcome, TxRequest};
use super::sample::{debit_card, purchase, security, state_with, Counter, ACCOUNT, PAN, TRY};
use super::state::BatchState;
use super::writes::Writes;
use crate::host::Settings;

/// Decides `requests` in order against `state`, as one batch.
fn decide(state: &mut BatchState, requests: &[TxRequest]) -> (Vec<TxOutcome>, Writes) {
    let security = security();
    let settings = Settings::default();
    let now = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
    let env = Env::at(&security, &settings, now);
    let mut writes = Writes::default();
    let mut ids = Counter(100);
    let outcomes = requests
        .iter()
        .map(|r| authorize(&env, state, &mut writes, r, &mut ids).expect("decided"))
        .collect();
    (outcomes, writes)
}

fn code(outcome: &TxOutcome) -> &str {
    &outcome.row.response_code
}

#[test]
fn a_covered_purchase_is_approved_and_posts_one_balanced_transfer() {
    let mut state = state_with(debit_card(CardStatus::Active, "3012"), 10_000);
    let (outcomes, writes) = decide(&mut state, &[purchase("r1", 2_500)]);
    assert_eq!(code(&outcomes[0]), rc::APPROVED);
    assert_eq!(writes.transfers.len(), 1);
    assert_eq!(writes.moves[&Account::Card(ACCOUNT).name()], (-2_500, 0));
    assert_eq!(writes.moves[&Account::OnUsClearing(TRY).name()], (2_500, 0));
    assert_eq!(
        state.balances[&Account::Card(ACCOUNT).name()].balance,
        7_500
    );
}

#[test]
fn a_purchase_over_the_balance_is_declined_51_and_moves_nothing() {
    let mut state = state_with(debit_card(CardStatus::Active, "3012"), 1_000);
    let (outcomes, writes) = decide(&mut state, &[purchase("r1", 1_001)]);
    assert_eq!(code(&outcomes[0]), rc::INSUFFICIENT_FUNDS);
    assert!(writes.transfers.is_empty());
    assert_eq!(
        state.balances[&Account::Card(ACCOUNT).name()].balance,
        1_000
    );
}

#[test]
fn the_second_purchase_of_a_batch_sees_what_the_first_spent() {
    let mut state = state_with(debit_card(CardStatus::Active, "3012"), 10_000);
    let (outcomes, _) = decide(&mut state, &[purchase("r1", 6_000), purchase("r2", 6_000)]);
    assert_eq!(code(&outcomes[0]), rc::APPROVED);
    assert_eq!(code(&outcomes[1]), rc::INSUFFICIENT_FUNDS);
    assert_eq!(
        state.balances[&Account::Card(ACCOUNT).name()].balance,
        4_000
    );
}

#[test]
fn a_repeated_reference_answers_the_first_outcome_without_posting_again() {
    let mut state = state_with(debit_card(CardStatus::Active, "3012"), 10_000);
    let (outcomes, writes) = decide(&mut state, &[purchase("r1", 2_500), purchase("r1", 2_500)]);
    assert!(outcomes[1].repeated);
    assert_eq!(outcomes[1].row.process_id, outcomes[0].row.process_id);
    assert_eq!(writes.transfers.len(), 1);
    assert_eq!(
        state.balances[&Account::Card(ACCOUNT).name()].balance,
        7_500
    );
}

#[test]
fn a_temporarily_blocked_card_is_declined_62() {
    let mut state = state_with(debit_card(CardStatus::TemporaryBlocked, "3012"), 10_000);
    let (outcomes, _) = decide(&mut state, &[purchase("r1", 100)]);
    assert_eq!(code(&outcomes[0]), rc::RESTRICTED_CARD);
}

#[test]
fn a_card_reported_lost_is_declined_41() {
    let mut state = state_with(debit_card(CardStatus::Lost, "3012"), 10_000);
    let (outcomes, _) = decide(&mut state, &[purchase("r1", 100)]);
    assert_eq!(code(&outcomes[0]), rc::LOST_CARD);
}

#[test]
fn a_card_past_its_expiry_month_is_declined_54() {
    let mut state = state_with(debit_card(CardStatus::Active, "2605"), 10_000);
    let (outcomes, _) = decide(&mut state, &[purchase("r1", 100)]);
    assert_eq!(code(&outcomes[0]), rc::EXPIRED_CARD);
}

#[test]
fn a_purchase_over_the_card_transaction_limit_is_declined_61() {
    let mut state = state_with(debit_card(CardStatus::Active, "3012"), 100_000);
    let (outcomes, _) = decide(&mut state, &[purchase("r1", 50_001)]);
    assert_eq!(code(&outcomes[0]), rc::EXCEEDS_AMOUNT_LIMIT);
}

#[test]
fn a_wrong_cvv2_is_declined_n7_and_counts_a_try() {
    let security = security();
    let pan = Pan::parse(PAN).expect("test PAN");
    let right = security
        .card_verification_value(KeyRef::newest("cvk"), &pan, "3012", cvv::SERVICE_CODE_CVV2)
        .expect("cvv");
    let wrong = if right == "000" { "001" } else { "000" };
    let mut state = state_with(debit_card(CardStatus::Active, "3012"), 10_000);
    let mut req = purchase("r1", 100);
    req.pan = Some(pan);
    req.expiry = Some("3012".into());
    req.cvv2 = Some(cardhost_domain::secret::Cvv2::new(wrong));
    let settings = Settings::default();
    let now = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
    let env = Env::at(&security, &settings, now);
    let mut writes = Writes::default();
    let outcome = authorize(&env, &mut state, &mut writes, &req, &mut Counter(1)).expect("decided");
    assert_eq!(code(&outcome), rc::CVV2_MISMATCH);
    assert_eq!(state.cards[&1].cvv2_retry_count, 1);
}
