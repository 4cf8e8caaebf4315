//! A card after issue: its information and status, renewal, its token.

use axum::extract::State;
use cardhost_domain::date::Timestamp;
use cardhost_domain::product::CardType;
use cardhost_domain::secret::CardNumber;
use cardhost_domain::status::FeeStatus;
use cardhost_service::issuer::cards::{self, CardView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{card_key, query_card_key, CardResult};
use crate::command::{Command, Read};
use crate::envelope::{ok, ApiResult, Envelope};
use crate::extract::{Authed, JsonBody};
use crate::state::AppState;
use crate::wire::MoneyOut;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardInfoResult {
    pub masked_card_no: String,
    pub card_token: String,
    pub customer_no: String,
    pub product_code: String,
    pub card_type: CardType,
    #[schema(example = "Visa")]
    pub brand: String,
    pub emboss_name: String,
    pub expiry_date: String,
    pub card_status: String,
    pub is_virtual: bool,
    pub account_no: String,
    pub card_limit: MoneyOut,
    #[schema(example = 949)]
    pub currency: u16,
    pub annual_fee_status: FeeStatus,
    /// `yyyyMMddHHmmss` UTC.
    pub create_date: Timestamp,
    /// `yyyyMMddHHmmss` UTC; null until the card is activated.
    pub activation_date: Option<Timestamp>,
}

impl From<CardView> for CardInfoResult {
    fn from(v: CardView) -> Self {
        let c = v.card;
        CardInfoResult {
            masked_card_no: c.masked_pan,
            card_token: c.card_token,
            customer_no: c.customer_no,
            product_code: c.product_code,
            card_type: c.card_type,
            brand: c.brand,
            emboss_name: c.emboss_name,
            expiry_date: c.expiry,
            card_status: v.status.code().to_owned(),
            is_virtual: c.is_virtual,
            account_no: c.account_no,
            card_limit: MoneyOut {
                minor: c.card_limit,
                currency: v.currency,
            },
            currency: v.currency.numeric(),
            annual_fee_status: c.annual_fee_status,
            create_date: c.created_at,
            activation_date: c.activated_at,
        }
    }
}

/// Everything about a card but its secrets; the PAN masked.
#[utoipa::path(get, path = "/api/Integration/GetCardInfo", tag = "Issuer: cards", operation_id = "GetCardInfo", security(("token" = [])),
    params(("CardNo" = Option<String>, Query, description = "The PAN; or CardToken"), ("CardToken" = Option<String>, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 1 neither CardNo nor CardToken; 2 no such card", body = Envelope<CardInfoResult>)))]
pub async fn get_card_info(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let view = cards::get_card(host, call, &query_card_key(params)).await?;
        Ok(ok(CardInfoResult::from(view)))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardStatusResult {
    #[schema(example = "A")]
    pub card_status: String,
    #[schema(example = "Active")]
    pub status_description: String,
    pub status_reason: Option<String>,
    /// `yyyyMMddHHmmss` UTC.
    pub status_date: Timestamp,
}

fn status_result(v: &CardView) -> CardStatusResult {
    CardStatusResult {
        card_status: v.status.code().to_owned(),
        status_description: v.status.name().to_owned(),
        status_reason: v.card.status_reason.clone(),
        status_date: v.card.status_at,
    }
}

/// The card's status code and its name.
#[utoipa::path(get, path = "/api/Integration/GetCardStatus", tag = "Issuer: cards", operation_id = "GetCardStatus", security(("token" = [])),
    params(("CardNo" = Option<String>, Query, description = "The PAN; or CardToken"), ("CardToken" = Option<String>, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 2 no such card", body = Envelope<CardStatusResult>)))]
pub async fn get_card_status(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let view = cards::get_card(host, call, &query_card_key(params)).await?;
        Ok(ok(status_result(&view)))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateCardStatusRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    /// The new status: N→A,C; A→T,L,S,F,C; T→A,L,S,F,C; nothing leaves L, S, F, C, E.
    #[schema(example = "T")]
    pub card_status: Option<String>,
    #[schema(example = "Customer request")]
    pub status_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdatedStatus {
    pub card_status: String,
    pub status_date: Timestamp,
}

/// Move a card to another status; any move outside the status table is `Result` 4.
#[utoipa::path(post, path = "/api/Integration/UpdateCardStatus", tag = "Issuer: cards", operation_id = "UpdateCardStatus",
    request_body = UpdateCardStatusRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 moved; 1 unknown status; 2 no such card; 4 not a legal move", body = Envelope<UpdatedStatus>)))]
pub async fn update_card_status(command: Command<UpdateCardStatusRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let key = card_key(r.card_no, r.card_token);
            let view = cards::update_card_status(
                host,
                call,
                &key,
                r.card_status.as_deref(),
                r.status_reason,
            )
            .await?;
            Ok(ok(UpdatedStatus {
                card_status: view.status.code().to_owned(),
                status_date: view.card.status_at,
            }))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardRenewalRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    pub reference: Option<String>,
    /// false (default): same PAN, new expiry. true: a new PAN on the same
    /// account with the same limits and restrictions; the old card is closed.
    pub new_pan: Option<bool>,
    #[schema(example = "Expiry")]
    pub reason: Option<String>,
}

/// Renew a card.
#[utoipa::path(post, path = "/api/Integration/CardRenewal", tag = "Issuer: cards", operation_id = "CardRenewal",
    request_body = CardRenewalRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 the renewed card; 2 no such card; 4 the card cannot be renewed", body = Envelope<CardResult>)))]
pub async fn card_renewal(command: Command<CardRenewalRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let key = card_key(r.card_no, r.card_token);
            let view = cards::renew_card(
                host,
                call,
                &key,
                r.reference,
                r.new_pan.unwrap_or(false),
                r.reason,
            )
            .await?;
            Ok(ok(CardResult::from(view)))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TokenizeRequest {
    #[schema(example = "4100001234567898")]
    pub card_no: Option<CardNumber>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TokenResult {
    pub card_token: String,
}

/// The card's token: the same every time, for the host's own cards only.
#[utoipa::path(post, path = "/api/Integration/TokenizeCardNo", tag = "Issuer: cards", operation_id = "TokenizeCardNo",
    request_body = TokenizeRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 malformed CardNo; 2 not a card of this host", body = Envelope<TokenResult>)))]
pub async fn tokenize_card_no(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    let r: TokenizeRequest = body.parse()?;
    let token = cards::tokenize(&state.host, &call, r.card_no.as_ref()).await?;
    Ok(ok(TokenResult { card_token: token }))
}
