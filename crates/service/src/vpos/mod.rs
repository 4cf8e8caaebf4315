//! The virtual POS (spec vpos.md): e-commerce payments on orders, for on-us
//! cards through the authorizer and for other issuers' cards through the card
//! network, landing in the terminal's open batch.

pub mod callbacks;
mod early;
pub mod hosted;
pub mod inquiry;
mod offus;
pub mod order;
pub mod payments;
pub mod qr;
pub mod recurring;
mod rules;
pub mod three_ds;
mod view;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

pub use rules::Entry;
pub use view::{OrderView, Payment};

pub use crate::money::order::{VposLeg, VposOp};

use crate::caller::Scope;
use crate::host::Call;
use crate::ServiceError;

/// Longest `OrderId` (spec vpos.md: 1 to 64 characters).
pub const ORDER_ID_MAX_LEN: usize = 64;
/// Installments a payment may ask for at most, whatever the profiles say.
pub const INSTALLMENTS_MAX: i64 = 36;

/// A VPOS transaction as the API reports it.
#[derive(Debug, Clone)]
pub struct VposOutcome {
    pub payment: Payment,
    /// True when this answers a repeated request.
    pub repeated: bool,
}

impl VposOutcome {
    pub(crate) fn new(tx: cardhost_store::vpos::OrderTxRow, repeated: bool) -> VposOutcome {
        VposOutcome {
            payment: Payment::from(tx),
            repeated,
        }
    }
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

/// Held while one request works on one order.
pub struct OrderGuard {
    _here: tokio::sync::OwnedMutexGuard<()>,
    _everywhere: Option<cardhost_store::KeyLock>,
}

/// Takes the order's lock in this process and, with `across_instances`, its
/// lock across every instance on the database too: for the requests that
/// ask the card network, which must not ask twice. (On-us requests are
/// serialized by the authorizer's row locks.)
pub async fn lock_order(
    host: &crate::host::Host,
    merchant_no: &str,
    order_id: &str,
    across_instances: bool,
) -> Result<OrderGuard, ServiceError> {
    let here = host.order_locks.lock(merchant_no, order_id).await;
    let everywhere = if across_instances {
        let key = format!("order\u{1f}{merchant_no}\u{1f}{order_id}");
        Some(host.db.lock_key(&key).await?)
    } else {
        None
    };
    Ok(OrderGuard {
        _here: here,
        _everywhere: everywhere,
    })
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
