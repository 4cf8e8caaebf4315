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
use cardhost_domain::Currency;
use cardhost_store::cards::CardRow;

use super::card_ref::{self, effective_status};
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::ServiceError;

/// A card as operations answer it; `pan` only for callers with the `pan` scope.
#[derive(Debug, Clone)]
pub struct CardView {
    pub card: CardRow,
    pub status: CardStatus,
    pub currency: Currency,
    pub pan: Option<Pan>,
}

pub fn view(host: &Host, card: CardRow, pan: Option<Pan>) -> Result<CardView, ServiceError> {
    let currency = card_ref::product_of(host, &card)?.currency;
    Ok(CardView {
        status: effective_status(host, &card),
        currency,
        card,
        pan,
    })
}

pub(super) fn reveal_for(call: &Call, pan: Pan) -> Option<Pan> {
    call.caller.scopes.contains(Scope::Pan).then_some(pan)
}
