//! Issuing cards and the card operations that move no money: issuing,
//! lifecycle (status, renewal, tokens), limits and restrictions, and the
//! `pan`-scope reveals.

mod issuing;
mod lifecycle;
mod limits;
mod reveal;

pub use issuing::*;
pub use lifecycle::*;
pub use limits::*;
pub use reveal::*;

use cardhost_domain::card::{CardStatus, Pan};
use cardhost_domain::date::Timestamp;
use cardhost_domain::product::CardType;
use cardhost_domain::status::FeeStatus;
use cardhost_domain::Currency;
use cardhost_store::cards::CardRow;

use super::card_ref::{self, effective_status};
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::ServiceError;

/// A card as operations answer it; `pan` only for callers with the `pan` scope.
#[derive(Debug, Clone)]
pub struct CardView {
    pub card: Card,
    pub status: CardStatus,
    pub currency: Currency,
    pub pan: Option<Pan>,
}

/// What of a card its operations may show: none of its keys, PIN or 3-D
/// Secure material, times as timestamps.
#[derive(Debug, Clone)]
pub struct Card {
    pub card_token: String,
    pub masked_pan: String,
    pub customer_no: String,
    pub account_no: String,
    pub product_code: String,
    pub card_type: CardType,
    pub brand: String,
    pub emboss_name: String,
    /// `yyMM`.
    pub expiry: String,
    pub is_virtual: bool,
    pub status_reason: Option<String>,
    pub status_at: Timestamp,
    pub card_limit: i64,
    pub daily_purchase_limit: Option<i64>,
    pub daily_cash_limit: Option<i64>,
    pub daily_ecom_limit: Option<i64>,
    pub transaction_limit: Option<i64>,
    pub daily_count_limit: Option<i64>,
    pub annual_fee_status: FeeStatus,
    pub created_at: Timestamp,
    pub activated_at: Option<Timestamp>,
}

impl From<CardRow> for Card {
    fn from(c: CardRow) -> Card {
        Card {
            card_token: c.card_token,
            masked_pan: c.masked_pan,
            customer_no: c.customer_no,
            account_no: c.account_no,
            product_code: c.product_code,
            card_type: c.card_type,
            brand: c.brand,
            emboss_name: c.emboss_name,
            expiry: c.expiry,
            is_virtual: c.is_virtual != 0,
            status_reason: c.status_reason,
            status_at: Timestamp::from_millis(c.status_at),
            card_limit: c.card_limit,
            daily_purchase_limit: c.daily_purchase_limit,
            daily_cash_limit: c.daily_cash_limit,
            daily_ecom_limit: c.daily_ecom_limit,
            transaction_limit: c.transaction_limit,
            daily_count_limit: c.daily_count_limit,
            annual_fee_status: c.annual_fee_status,
            created_at: Timestamp::from_millis(c.created_at),
            activated_at: c.activated_at.map(Timestamp::from_millis),
        }
    }
}

pub fn view(host: &Host, card: CardRow, pan: Option<Pan>) -> Result<CardView, ServiceError> {
    let currency = card_ref::product_of(host, &card)?.currency;
    Ok(CardView {
        status: effective_status(host, &card),
        currency,
        card: card.into(),
        pan,
    })
}

pub(super) fn reveal_for(call: &Call, pan: Pan) -> Option<Pan> {
    call.caller.scopes.contains(Scope::Pan).then_some(pan)
}
