//! Cards: issuing (and emboss directives), lifecycle (information, status,
//! renewal, tokens), limits, fees and restrictions, and the deprecated PAN reads.

mod issuing;
mod lifecycle;
mod limits;
mod reveal;

pub use issuing::*;
pub use lifecycle::*;
pub use limits::*;
pub use reveal::*;

use cardhost_domain::product::CardType;
use cardhost_domain::secret::{CardNumber, RevealedCardNumber};
use cardhost_service::issuer::card_ref::CardKey;
use cardhost_service::issuer::cards::CardView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::Params;

/// The card a request names: `CardNo` (the PAN) or `CardToken`.
pub fn card_key(card_no: Option<CardNumber>, card_token: Option<String>) -> CardKey {
    CardKey {
        card_no,
        card_token,
    }
}

pub fn query_card_key(params: &Params) -> CardKey {
    card_key(
        params.get("CardNo").map(CardNumber::new),
        params.get("CardToken").map(str::to_owned),
    )
}

/// The card fields every card operation accepts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardFields {
    /// The PAN (12–19 digits, Luhn-valid); or give `CardToken`.
    #[schema(example = "4100001234567898")]
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
}

impl CardFields {
    pub fn key(self) -> CardKey {
        card_key(self.card_no, self.card_token)
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardResult {
    #[schema(example = "1308590")]
    pub customer_no: String,
    #[schema(example = "410000******7893")]
    pub masked_card_no: String,
    pub card_token: String,
    /// `yyMM`.
    #[schema(example = "3003")]
    pub expiry_date: String,
    /// N, A, T, L, S, F, C or E.
    #[schema(example = "N")]
    pub card_status: String,
    pub card_type: CardType,
    #[schema(example = "CLASSIC-CREDIT")]
    pub product_code: String,
    #[schema(example = "912345678901")]
    pub account_no: String,
    /// The full PAN: only for a caller with the `pan` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_no: Option<RevealedCardNumber>,
}

impl From<CardView> for CardResult {
    fn from(v: CardView) -> Self {
        CardResult {
            customer_no: v.card.customer_no,
            masked_card_no: v.card.masked_pan,
            card_token: v.card.card_token,
            expiry_date: v.card.expiry,
            card_status: v.status.code().to_owned(),
            card_type: v.card.card_type,
            product_code: v.card.product_code,
            account_no: v.card.account_no,
            card_no: v.pan.map(|p| p.reveal()),
        }
    }
}
