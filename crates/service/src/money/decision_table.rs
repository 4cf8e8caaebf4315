//! The issuer decision's table, run in memory: a batch state built by hand, no
//! database. Each test is one row of `ledger.md`'s ten steps.

use std::path::PathBuf;

use cardhost_crypto::{cvv, KeyRef, KeyStore, MasterKey, SecurityModule, SoftwareModule};
use cardhost_domain::card::{CardStatus, Pan};
use cardhost_domain::response as rc;
use cardhost_domain::Currency;
use cardhost_store::cards::CardRow;
use cardhost_store::ledger::Balance;
use chrono::{TimeZone, Utc};

use super::decide::{authorize, Env, Ids, TxOutcome, TxRequest};
use super::state::BatchState;
use super::writes::Writes;
use super::{card_ledger, host_ledger, TxKind};
use crate::caller::{Caller, Scopes};
use crate::host::{Call, Settings};

const ACCOUNT: &str = "800000000001";
const PAN: &str = "5200000000000007";
const TRY: i64 = 949;

struct Counter(i64);

impl Ids for Counter {
    fn next_process_id(&mut self) -> i64 {
        self.0 += 1;
        self.0
    }

    fn next_transfer_id(&mut self) -> i64 {
        self.0 += 1;
        self.0
    }
}

/// A security module over a fresh key store in a file of its own.
fn security() -> SoftwareModule {
    let path: PathBuf = std::env::temp_dir().join(format!(
        "cardhost-decision-{}-{}.json",
        std::process::id(),
        rand::random::<u64>()
    ));
    let keys = KeyStore::create(&path, MasterKey::generate()).expect("key store");
    let _ = std::fs::remove_file(&path);
    SoftwareModule::new(keys)
}

fn debit_card(status: &str, expiry: &str) -> CardRow {
    CardRow {
        card_id: 1,
        pan_id: 1,
        card_token: "token".into(),
        masked_pan: "520000******0007".into(),
        customer_no: "C1".into(),
        account_no: ACCOUNT.into(),
        product_code: "STANDARD-DEBIT".into(),
        card_type: "Debit".into(),
        brand: "Mastercard".into(),
        emboss_name: "TEST".into(),
        expiry: expiry.into(),
        service_code: "201".into(),
        is_virtual: 1,
        status: status.into(),
        status_reason: None,
        status_at: 0,
        card_limit: 0,
        daily_purchase_limit: None,
        daily_cash_limit: None,
        daily_ecom_limit: None,
        transaction_limit: Some(50_000),
        daily_count_limit: None,
        annual_fee_status: "Paid".into(),
        cvk_name: "cvk".into(),
        cvk_version: 1,
        pvk_name: "pvk".into(),
        pvk_version: 1,
        pvki: 1,
        pvv: "0000".into(),
        pin_ciphertext: String::new(),
        pin_retry_count: 0,
        cvv2_retry_count: 0,
        three_ds_password: None,
        ecommerce_allowed: 1,
        international_allowed: 1,
        atm_allowed: 1,
        contactless_allowed: 1,
        moto_allowed: 1,
        blocked_mccs: String::new(),
        blocked_countries: String::new(),
        renewed_from: None,
        created_at: 0,
        activated_at: Some(0),
    }
}

/// A batch holding one card with `balance` minor units on its account.
fn state_with(card: CardRow, balance: i64) -> BatchState {
    let mut state = BatchState::default();
    state.balances.insert(
        card_ledger(&card.account_no),
        Balance {
            balance,
            blocked: 0,
            currency: TRY,
        },
    );
    state.balances.insert(
        host_ledger("OnUsClearing", TRY),
        Balance {
            balance: 0,
            blocked: 0,
            currency: TRY,
        },
    );
    state.cards.insert(card.card_id, card);
    state
}

fn purchase(reference: &str, amount: i64) -> TxRequest {
    let call = Call {
        caller: Caller {
            client_id: "client".into(),
            scopes: Scopes::parse_list("issuer").expect("scope"),
            merchant_no: None,
        },
        operation: "SendTransaction",
        request_id: "request".into(),
    };
    let mut req = TxRequest::new(
        &call,
        TxKind::Purchase,
        1,
        reference.into(),
        format!("digest-{amount}"),
        Some(amount),
        Some(Currency::from_numeric(949).expect("TRY")),
    );
    req.mcc = Some("5411".into());
    req
}

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
    let mut state = state_with(debit_card("A", "3012"), 10_000);
    let (outcomes, writes) = decide(&mut state, &[purchase("r1", 2_500)]);
    assert_eq!(code(&outcomes[0]), rc::APPROVED);
    assert_eq!(writes.transfers.len(), 1);
    assert_eq!(writes.moves[&card_ledger(ACCOUNT)], (-2_500, 0));
    assert_eq!(writes.moves[&host_ledger("OnUsClearing", TRY)], (2_500, 0));
    assert_eq!(state.balances[&card_ledger(ACCOUNT)].balance, 7_500);
}

#[test]
fn a_purchase_over_the_balance_is_declined_51_and_moves_nothing() {
    let mut state = state_with(debit_card("A", "3012"), 1_000);
    let (outcomes, writes) = decide(&mut state, &[purchase("r1", 1_001)]);
    assert_eq!(code(&outcomes[0]), rc::INSUFFICIENT_FUNDS);
    assert!(writes.transfers.is_empty());
    assert_eq!(state.balances[&card_ledger(ACCOUNT)].balance, 1_000);
}

#[test]
fn the_second_purchase_of_a_batch_sees_what_the_first_spent() {
    let mut state = state_with(debit_card("A", "3012"), 10_000);
    let (outcomes, _) = decide(&mut state, &[purchase("r1", 6_000), purchase("r2", 6_000)]);
    assert_eq!(code(&outcomes[0]), rc::APPROVED);
    assert_eq!(code(&outcomes[1]), rc::INSUFFICIENT_FUNDS);
    assert_eq!(state.balances[&card_ledger(ACCOUNT)].balance, 4_000);
}

#[test]
fn a_repeated_reference_answers_the_first_outcome_without_posting_again() {
    let mut state = state_with(debit_card("A", "3012"), 10_000);
    let (outcomes, writes) = decide(&mut state, &[purchase("r1", 2_500), purchase("r1", 2_500)]);
    assert!(outcomes[1].repeated);
    assert_eq!(outcomes[1].row.process_id, outcomes[0].row.process_id);
    assert_eq!(writes.transfers.len(), 1);
    assert_eq!(state.balances[&card_ledger(ACCOUNT)].balance, 7_500);
}

#[test]
fn a_temporarily_blocked_card_is_declined_62() {
    let blocked = CardStatus::TemporaryBlocked.code();
    let mut state = state_with(debit_card(blocked, "3012"), 10_000);
    let (outcomes, _) = decide(&mut state, &[purchase("r1", 100)]);
    assert_eq!(code(&outcomes[0]), rc::RESTRICTED_CARD);
}

#[test]
fn a_card_reported_lost_is_declined_41() {
    let mut state = state_with(debit_card(CardStatus::Lost.code(), "3012"), 10_000);
    let (outcomes, _) = decide(&mut state, &[purchase("r1", 100)]);
    assert_eq!(code(&outcomes[0]), rc::LOST_CARD);
}

#[test]
fn a_card_past_its_expiry_month_is_declined_54() {
    let mut state = state_with(debit_card("A", "2605"), 10_000);
    let (outcomes, _) = decide(&mut state, &[purchase("r1", 100)]);
    assert_eq!(code(&outcomes[0]), rc::EXPIRED_CARD);
}

#[test]
fn a_purchase_over_the_card_transaction_limit_is_declined_61() {
    let mut state = state_with(debit_card("A", "3012"), 100_000);
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
    let mut state = state_with(debit_card("A", "3012"), 10_000);
    let mut req = purchase("r1", 100);
    req.pan = Some(pan);
    req.expiry = Some("3012".into());
    req.cvv2 = Some(wrong.into());
    let settings = Settings::default();
    let now = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
    let env = Env::at(&security, &settings, now);
    let mut writes = Writes::default();
    let outcome = authorize(&env, &mut state, &mut writes, &req, &mut Counter(1)).expect("decided");
    assert_eq!(code(&outcome), rc::CVV2_MISMATCH);
    assert_eq!(state.cards[&1].cvv2_retry_count, 1);
}
