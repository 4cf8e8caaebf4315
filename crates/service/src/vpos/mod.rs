//! The virtual POS (spec vpos.md): e-commerce payments on orders, for on-us
//! cards through the authorizer and for other issuers' cards through the card
//! network, landing in the terminal's open batch.

pub mod inquiry;
mod offus;
pub mod order;
pub mod payments;
mod rules;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use cardhost_domain::Currency;
pub use cardhost_store::vpos::{OrderRow, OrderTxRow};

use crate::caller::Scope;
use crate::host::Call;
use crate::money::TxKind;
use crate::ServiceError;

/// Longest `OrderId` (spec vpos.md: 1 to 64 characters).
pub const ORDER_ID_MAX_LEN: usize = 64;
/// Installments a payment may ask for at most, whatever the profiles say.
pub const INSTALLMENTS_MAX: i64 = 36;

/// What a VPOS transaction does to its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VposOp {
    Sale,
    PreSale,
    PostSale,
    Void,
    Refund,
}

impl VposOp {
    pub fn name(self) -> &'static str {
        match self {
            VposOp::Sale => "Sale",
            VposOp::PreSale => "PreSale",
            VposOp::PostSale => "PostSale",
            VposOp::Void => "Void",
            VposOp::Refund => "Refund",
        }
    }

    pub fn parse(text: &str) -> Option<VposOp> {
        [
            VposOp::Sale,
            VposOp::PreSale,
            VposOp::PostSale,
            VposOp::Void,
            VposOp::Refund,
        ]
        .into_iter()
        .find(|op| op.name() == text)
    }

    /// The card transaction an on-us payment of this kind is.
    pub fn tx_kind(self) -> TxKind {
        match self {
            VposOp::Sale => TxKind::Purchase,
            VposOp::PreSale => TxKind::PreAuthorization,
            VposOp::PostSale => TxKind::Completion,
            VposOp::Void => TxKind::Reversal,
            VposOp::Refund => TxKind::Refund,
        }
    }

    /// Whether the transaction lands in the terminal's batch when approved
    /// (a hold is not a sale; a void marks the voided row instead).
    pub fn batched(self) -> bool {
        matches!(self, VposOp::Sale | VposOp::PostSale | VposOp::Refund)
    }
}

/// What an on-us payment carries through the authorizer, so that its order,
/// its order transaction and its batch row commit with the card posting.
#[derive(Debug, Clone)]
pub struct VposLeg {
    pub merchant_no: String,
    pub terminal_no: String,
    pub order_id: String,
    pub op: VposOp,
    /// How a repeat of this request is recognised on the order.
    pub idem_key: String,
    pub installments: i64,
    pub point_amount: i64,
    pub description: Option<String>,
    /// Void, capture, refund: the order transaction acted on.
    pub target: Option<i64>,
}

impl VposLeg {
    /// The order transaction this leg writes, before its outcome is known;
    /// callers fill in the ids, amount, card and answer.
    pub fn tx(&self, client_id: &str, digest: &str) -> OrderTxRow {
        OrderTxRow {
            merchant_no: self.merchant_no.clone(),
            order_id: self.order_id.clone(),
            terminal_no: self.terminal_no.clone(),
            idem_key: self.idem_key.clone(),
            request_digest: digest.to_owned(),
            client_id: client_id.to_owned(),
            transaction_type: self.op.name().to_owned(),
            point_amount: self.point_amount,
            installment_count: self.installments,
            original_process_id: self.target,
            ..Default::default()
        }
    }
}

/// A VPOS transaction as the API reports it.
#[derive(Debug, Clone)]
pub struct VposOutcome {
    pub tx: OrderTxRow,
    pub currency: Currency,
    /// True when this answers a repeated request.
    pub repeated: bool,
}

/// Requests on one order run one at a time in this process: an off-us request
/// waits on the network with no database lock held, so the order's row lock
/// cannot keep a second request from asking the network too.
#[derive(Default)]
pub struct OrderLocks(Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>);

impl OrderLocks {
    pub async fn lock(
        &self,
        merchant_no: &str,
        order_id: &str,
    ) -> tokio::sync::OwnedMutexGuard<()> {
        let key = format!("{merchant_no}\u{1f}{order_id}");
        let lock = {
            let mut map = self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if map.len() > 1_024 {
                map.retain(|_, held| held.strong_count() > 0);
            }
            match map.get(&key).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(tokio::sync::Mutex::new(()));
                    map.insert(key, Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}

/// VPOS operations need the `vpos` scope on the merchant's own client, or
/// `admin` to act for any merchant (`Result` 6 otherwise).
pub fn check_access(call: &Call, merchant_no: &str) -> Result<(), ServiceError> {
    let caller = &call.caller;
    if caller.scopes.contains(Scope::Admin) {
        return Ok(());
    }
    caller.require(Scope::Vpos)?;
    if caller.merchant_no.as_deref() == Some(merchant_no) {
        return Ok(());
    }
    Err(ServiceError::Forbidden(
        "This client may not act on that merchant.".into(),
    ))
}

pub fn currency_of(numeric: i64) -> Currency {
    u16::try_from(numeric)
        .ok()
        .and_then(Currency::from_numeric)
        .unwrap_or(Currency::TRY)
}
