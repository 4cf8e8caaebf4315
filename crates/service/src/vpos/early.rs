//! Orders made before their card is known — a payment page's, a QR's: the
//! checks and the `Created` order they share.

use std::sync::Arc;

use cardhost_domain::money::MajorAmount;
use cardhost_domain::status::TerminalType;
use cardhost_domain::{Currency, FieldErrors};
use cardhost_store::merchants::{MerchantRow, TerminalRow};
use cardhost_store::vpos;
use cardhost_store::Tx;

use super::payments::{acceptor_numbers, currency_field, merchant_and_terminal, minor, required};
use super::ORDER_ID_MAX_LEN;
use crate::caller::{Caller, Scope, Scopes};
use crate::host::{Call, Host};
pub use crate::money::order::created;
use crate::ServiceError;

/// The fields every order names, each failure recorded under its name.
pub struct OrderFields {
    pub merchant_no: String,
    pub terminal_no: String,
    pub order_id: String,
    pub currency: Option<Currency>,
    /// Minor units, when the currency is known.
    pub amount: Option<i64>,
}

pub fn order_fields(
    errors: &mut FieldErrors,
    (merchant_no, terminal_no, order_id): (&Option<String>, &Option<String>, &Option<String>),
    currency: Option<i64>,
    amount: &Option<MajorAmount>,
) -> OrderFields {
    let (merchant_no, terminal_no) = acceptor_numbers(errors, merchant_no, terminal_no);
    let order_id = required(errors, "OrderId", order_id, ORDER_ID_MAX_LEN);
    let currency = currency_field(errors, currency);
    if amount.is_none() {
        errors.push("Amount", "is required");
    }
    let amount = currency.and_then(|c| minor(errors, "Amount", amount, c));
    OrderFields {
        merchant_no,
        terminal_no,
        order_id,
        currency,
        amount,
    }
}

/// The merchant and terminal of a new order, when the caller may act for
/// the merchant, the terminal is its Vpos terminal and `currency` its currency.
pub async fn merchant_for(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    terminal_no: &str,
    currency: Currency,
) -> Result<(Arc<MerchantRow>, Arc<TerminalRow>), ServiceError> {
    let (merchant, terminal) = merchant_and_terminal(host, call, merchant_no, terminal_no).await?;
    if terminal.terminal_type != TerminalType::Vpos {
        return Err(ServiceError::NotAllowed(format!(
            "Terminal {terminal_no} is a {} terminal; virtual POS payments need a Vpos terminal.",
            terminal.terminal_type
        )));
    }
    if currency != merchant.currency {
        return Err(ServiceError::field(
            "Currency",
            format!("must be the merchant's currency ({})", merchant.currency),
        ));
    }
    Ok((merchant, terminal))
}

/// `Result` 7 unless the order id is still free (under the order's lock).
pub async fn check_free(
    tx: &mut Tx<'_>,
    host: &Host,
    merchant_no: &str,
    order_id: &str,
) -> Result<(), ServiceError> {
    match vpos::order_for_update(tx, host.db.engine(), merchant_no, order_id).await? {
        Some(_) => Err(reused(order_id)),
        None => Ok(()),
    }
}

pub fn reused(order_id: &str) -> ServiceError {
    ServiceError::IdempotencyConflict(format!(
        "OrderId {order_id} was used before with different content."
    ))
}

/// A call as the merchant's own VPOS client, for a payment a page or a
/// wallet makes on the merchant's order.
pub fn as_merchant(
    merchant_no: &str,
    client_id: &str,
    operation: &'static str,
    request_id: &str,
) -> Call {
    Call {
        caller: Caller {
            client_id: client_id.to_owned(),
            scopes: Scopes::of(&[Scope::Vpos]),
            merchant_no: Some(merchant_no.to_owned()),
        },
        operation,
        request_id: request_id.to_owned(),
    }
}
