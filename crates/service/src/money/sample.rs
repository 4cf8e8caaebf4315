//! A card, a batch state and requests built in memory, for the decision
//! table's tests and the decision's benchmark (no database, no host).

use std::path::PathBuf;

use cardhost_crypto::{KeyStore, MasterKey, SoftwareModule};
use cardhost_domain::card::CardStatus;
use cardhost_domain::ledger::{Account, Unit};
use cardhost_domain::product::CardType;
use cardhost_domain::status::{CardTxType, FeeStatus};
use cardhost_domain::Currency;
use cardhost_store::cards::CardRow;
use cardhost_store::ledger::Balance;

use super::decide::{Ids, TxRequest};
use super::state::BatchState;
use crate::caller::{Caller, Scope, Scopes};
use crate::host::Call;

pub const ACCOUNT: &str = "800000000001";
pub const PAN: &str = "5200000000000007";
pub const TRY: Currency = Currency::TRY;

/// Ids counting up from the one given.
pub struct Counter(pub i64);

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
pub fn security() -> SoftwareModule {
    let path: PathBuf = std::env::temp_dir().join(format!(
        "cardhost-decision-{}-{}.json",
        std::process::id(),
        rand::random::<u64>()
    ));
    let keys = KeyStore::create(&path, MasterKey::generate()).expect("key store");
    let _ = std::fs::remove_file(&path);
    SoftwareModule::new(keys)
}

/// An active-or-not debit card of the default debit product.
pub fn debit_card(status: CardStatus, expiry: &str) -> CardRow {
    CardRow {
        card_id: 1,
        pan_id: 1,
        card_token: "token".into(),
        masked_pan: "520000******0007".into(),
        customer_no: "C1".into(),
        account_no: ACCOUNT.into(),
        product_code: "STANDARD-DEBIT".into(),
        card_type: CardType::Debit,
        brand: "Mastercard".into(),
        emboss_name: "TEST".into(),
        expiry: expiry.into(),
        service_code: "201".into(),
        is_virtual: 1,
        status,
        status_reason: None,
        status_at: 0,
        card_limit: 0,
        daily_purchase_limit: None,
        daily_cash_limit: None,
        daily_ecom_limit: None,
        transaction_limit: Some(50_000),
        daily_count_limit: None,
        annual_fee_status: FeeStatus::Active,
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
pub fn state_with(card: CardRow, balance: i64) -> BatchState {
    let mut state = BatchState::default();
    state.balances.insert(
        Account::Card(&card.account_no).name(),
        Balance {
            balance,
            ..Balance::empty(Unit::Money(TRY))
        },
    );
    state.balances.insert(
        Account::OnUsClearing(TRY).name(),
        Balance::empty(Unit::Money(TRY)),
    );
    state.cards.insert(card.card_id, card);
    state
}

/// A purchase of `amount` minor units of TRY on card 1.
pub fn purchase(reference: &str, amount: i64) -> TxRequest {
    let call = Call {
        caller: Caller {
            client_id: "client".into(),
            scopes: Scopes::of(&[Scope::Issuer]),
            merchant_no: None,
        },
        operation: "SendTransaction",
        request_id: "request".into(),
    };
    let mut req = TxRequest::new(
        &call,
        CardTxType::Purchase,
        1,
        reference.into(),
        format!("digest-{amount}"),
        Some(amount),
        Some(TRY),
    );
    req.mcc = Some("5411".into());
    req
}
