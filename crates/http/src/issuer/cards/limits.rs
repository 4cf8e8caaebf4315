//! Limits, fees and restrictions of a card.

use cardhost_domain::secret::CardNumber;
use cardhost_domain::status::FeeStatus;
use cardhost_service::issuer::cards::{self, LimitChange, RestrictionChange, Restrictions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{card_key, query_card_key};
use crate::command::{Command, Read};
use crate::envelope::{ok, ApiResult, Envelope};
use crate::wire::{Amount, MoneyOut};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateCardLimitRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    /// Credit cards only.
    pub card_limit: Option<Amount>,
    pub daily_purchase_limit: Option<Amount>,
    pub daily_cash_limit: Option<Amount>,
    pub daily_ecom_limit: Option<Amount>,
    pub transaction_limit: Option<Amount>,
    pub daily_transaction_count: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardLimitsResult {
    pub card_limit: MoneyOut,
    /// Null: no limit.
    pub daily_purchase_limit: Option<MoneyOut>,
    pub daily_cash_limit: Option<MoneyOut>,
    pub daily_ecom_limit: Option<MoneyOut>,
    pub transaction_limit: Option<MoneyOut>,
    pub daily_transaction_count: Option<i64>,
    #[schema(example = 949)]
    pub currency: u16,
}

/// Change any of a card's limits; absent ones keep their value.
#[utoipa::path(post, path = "/api/Integration/UpdateCardLimit", tag = "Issuer: cards", operation_id = "UpdateCardLimit",
    request_body = UpdateCardLimitRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such card", body = Envelope<CardLimitsResult>)))]
pub async fn update_card_limit(command: Command<UpdateCardLimitRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let change = LimitChange {
                card_limit: r.card_limit.map(|a| a.0),
                daily_purchase: r.daily_purchase_limit.map(|a| a.0),
                daily_cash: r.daily_cash_limit.map(|a| a.0),
                daily_ecom: r.daily_ecom_limit.map(|a| a.0),
                per_transaction: r.transaction_limit.map(|a| a.0),
                daily_count: r.daily_transaction_count,
            };
            let v =
                cards::update_card_limit(host, call, &card_key(r.card_no, r.card_token), change)
                    .await?;
            let money = |m: Option<i64>| {
                m.map(|minor| MoneyOut {
                    minor,
                    currency: v.currency,
                })
            };
            Ok(ok(CardLimitsResult {
                card_limit: MoneyOut {
                    minor: v.card.card_limit,
                    currency: v.currency,
                },
                daily_purchase_limit: money(v.card.daily_purchase_limit),
                daily_cash_limit: money(v.card.daily_cash_limit),
                daily_ecom_limit: money(v.card.daily_ecom_limit),
                transaction_limit: money(v.card.transaction_limit),
                daily_transaction_count: v.card.daily_count_limit,
                currency: v.currency.numeric(),
            }))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct FeeStatusRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    #[schema(example = "AnnualFee")]
    pub fee_type: Option<String>,
    /// `Active` or `Waived`.
    #[schema(example = "Waived")]
    pub fee_status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct FeeStatusResult {
    pub fee_type: String,
    pub fee_status: FeeStatus,
}

/// Waive or reinstate the card's annual fee.
#[utoipa::path(post, path = "/api/Integration/UpdateCardFeeStatus", tag = "Issuer: cards", operation_id = "UpdateCardFeeStatus",
    request_body = FeeStatusRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such card", body = Envelope<FeeStatusResult>)))]
pub async fn update_card_fee_status(command: Command<FeeStatusRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let key = card_key(r.card_no, r.card_token);
            let status = cards::update_card_fee_status(
                host,
                call,
                &key,
                r.fee_type.as_deref(),
                r.fee_status.as_deref(),
            )
            .await?;
            Ok(ok(FeeStatusResult {
                fee_type: "AnnualFee".into(),
                fee_status: status,
            }))
        })
        .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RestrictionResult {
    pub ecommerce_allowed: bool,
    pub international_allowed: bool,
    pub atm_allowed: bool,
    pub contactless_allowed: bool,
    pub moto_allowed: bool,
    #[schema(example = json!(["7995"]))]
    pub blocked_mccs: Vec<String>,
    #[schema(example = json!(["KP"]))]
    pub blocked_countries: Vec<String>,
}

impl From<Restrictions> for RestrictionResult {
    fn from(r: Restrictions) -> Self {
        RestrictionResult {
            ecommerce_allowed: r.ecommerce_allowed,
            international_allowed: r.international_allowed,
            atm_allowed: r.atm_allowed,
            contactless_allowed: r.contactless_allowed,
            moto_allowed: r.moto_allowed,
            blocked_mccs: r.blocked_mccs,
            blocked_countries: r.blocked_countries,
        }
    }
}

/// The card's restriction set.
#[utoipa::path(get, path = "/api/Integration/GetCardRestriction", tag = "Issuer: cards", operation_id = "GetCardRestriction", security(("token" = [])),
    params(("CardNo" = Option<String>, Query, description = "The PAN; or CardToken"), ("CardToken" = Option<String>, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 2 no such card", body = Envelope<RestrictionResult>)))]
pub async fn get_card_restriction(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let r = cards::get_restrictions(host, call, &query_card_key(params)).await?;
        Ok(ok(RestrictionResult::from(r)))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardRestrictionRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    pub ecommerce_allowed: Option<bool>,
    pub international_allowed: Option<bool>,
    pub atm_allowed: Option<bool>,
    pub contactless_allowed: Option<bool>,
    pub moto_allowed: Option<bool>,
    /// Replaces the whole list.
    pub blocked_mccs: Option<Vec<String>>,
    /// Replaces the whole list (ISO 3166-1 alpha-2).
    pub blocked_countries: Option<Vec<String>>,
}

/// Change any restriction; the answer is the whole set after the change.
#[utoipa::path(post, path = "/api/Integration/CardRestriction", tag = "Issuer: cards", operation_id = "CardRestriction",
    request_body = CardRestrictionRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such card", body = Envelope<RestrictionResult>)))]
pub async fn card_restriction(command: Command<CardRestrictionRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let change = RestrictionChange {
                ecommerce_allowed: r.ecommerce_allowed,
                international_allowed: r.international_allowed,
                atm_allowed: r.atm_allowed,
                contactless_allowed: r.contactless_allowed,
                moto_allowed: r.moto_allowed,
                blocked_mccs: r.blocked_mccs,
                blocked_countries: r.blocked_countries,
            };
            let out =
                cards::set_restrictions(host, call, &card_key(r.card_no, r.card_token), change)
                    .await?;
            Ok(ok(RestrictionResult::from(out)))
        })
        .await
}
