//! Cards: issuing, information, status, limits, fees, restrictions, renewal,
//! tokens, the deprecated PAN reads, and emboss directives.

use axum::extract::State;
use cardhost_domain::date::format_timestamp;
use cardhost_domain::product::CardType;
use cardhost_domain::secret::{CardNumber, RevealedCardNumber, RevealedCvv2};
use cardhost_service::issuer::card_ref::CardKey;
use cardhost_service::issuer::cards::{
    self, CardView, LimitChange, NewCard, RestrictionChange, Restrictions,
};
use cardhost_service::issuer::emboss;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::envelope::{ok, ApiError, ApiResult, Envelope};
use crate::extract::{Authed, JsonBody, Params};
use crate::state::{audited, AppState};
use crate::wire::{Amount, MoneyOut};

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
    #[schema(example = "Credit")]
    pub card_type: String,
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateCreditCardRequest {
    #[schema(example = "1308590")]
    pub customer_no: Option<String>,
    /// Default: the first credit product (`CLASSIC-CREDIT`).
    #[schema(example = "CLASSIC-CREDIT")]
    pub product_code: Option<String>,
    /// ≤ 26 characters, upper-cased; default: the customer's name.
    #[schema(example = "AYSE YILMAZ")]
    pub emboss_name: Option<String>,
    /// Default: the product's card limit.
    pub card_limit: Option<Amount>,
    /// A virtual card is created Active; a physical one NotActivated.
    pub is_virtual: Option<bool>,
    /// A repeat with the same Reference returns the first card.
    #[schema(example = "card-req-0001")]
    pub reference: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateDebitCardRequest {
    #[schema(example = "1308590")]
    pub customer_no: Option<String>,
    #[schema(example = "STANDARD-DEBIT")]
    pub product_code: Option<String>,
    pub emboss_name: Option<String>,
    pub is_virtual: Option<bool>,
    /// An existing debit account of the same customer to share; else a new one.
    pub account_no: Option<String>,
    pub reference: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePrepaidCardRequest {
    #[schema(example = "1308590")]
    pub customer_no: Option<String>,
    #[schema(example = "TROY-PREPAID")]
    pub product_code: Option<String>,
    pub emboss_name: Option<String>,
    pub is_virtual: Option<bool>,
    pub reference: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterCardRequest {
    #[schema(example = "1308590")]
    pub customer_no: Option<String>,
    /// The PAN to take: Luhn-valid and inside the product's BIN.
    #[schema(example = "5200001234567894")]
    pub card_no: Option<CardNumber>,
    /// `yyMM`, not passed.
    #[schema(example = "2912")]
    pub expiry_date: Option<String>,
    #[schema(example = "STANDARD-DEBIT")]
    pub product_code: Option<String>,
    pub emboss_name: Option<String>,
    pub reference: Option<String>,
}

/// Issues a card from the request `command` reads, inside the audited section
/// so that a malformed body is audited too.
async fn create(
    state: &AppState,
    authed: &Authed,
    command: impl FnOnce() -> Result<(CardType, NewCard), ApiError>,
) -> ApiResult {
    let call = authed.call();
    audited(state, &call, async {
        let (card_type, cmd) = command()?;
        let view = cards::create_card(&state.host, &call, card_type, cmd).await?;
        Ok(ok(CardResult::from(view)))
    })
    .await
}

/// Issue a credit card.
///
/// A unique Luhn-valid PAN inside the product's BIN, expiry from the product's
/// validity years. Full `CardNo` in the result only for a `pan`-scope caller.
#[utoipa::path(post, path = "/api/Integration/CreateCreditCard", tag = "Issuer: cards", operation_id = "CreateCreditCard",
    request_body = CreateCreditCardRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 issued; 1 validation; 2 no such customer; 7 Reference reused with other content", body = Envelope<CardResult>)))]
pub async fn create_credit_card(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    create(&state, &authed, || {
        let r: CreateCreditCardRequest = body.parse()?;
        let cmd = NewCard {
            customer_no: r.customer_no,
            product_code: r.product_code,
            emboss_name: r.emboss_name,
            card_limit: r.card_limit.map(|a| a.0),
            is_virtual: r.is_virtual,
            reference: r.reference,
            ..Default::default()
        };
        Ok((CardType::Credit, cmd))
    })
    .await
}

/// Issue a debit card, optionally sharing an existing debit account.
#[utoipa::path(post, path = "/api/Integration/CreateDebitCard", tag = "Issuer: cards", operation_id = "CreateDebitCard",
    request_body = CreateDebitCardRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 issued; 1 validation; 2 no such customer", body = Envelope<CardResult>)))]
pub async fn create_debit_card(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    create(&state, &authed, || {
        let r: CreateDebitCardRequest = body.parse()?;
        let cmd = NewCard {
            customer_no: r.customer_no,
            product_code: r.product_code,
            emboss_name: r.emboss_name,
            is_virtual: r.is_virtual,
            account_no: r.account_no,
            reference: r.reference,
            ..Default::default()
        };
        Ok((CardType::Debit, cmd))
    })
    .await
}

/// Issue a prepaid card.
#[utoipa::path(post, path = "/api/Integration/CreatePrepaidCard", tag = "Issuer: cards", operation_id = "CreatePrepaidCard",
    request_body = CreatePrepaidCardRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 issued; 1 validation; 2 no such customer", body = Envelope<CardResult>)))]
pub async fn create_prepaid_card(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    create(&state, &authed, || {
        let r: CreatePrepaidCardRequest = body.parse()?;
        let cmd = NewCard {
            customer_no: r.customer_no,
            product_code: r.product_code,
            emboss_name: r.emboss_name,
            is_virtual: r.is_virtual,
            reference: r.reference,
            ..Default::default()
        };
        Ok((CardType::Prepaid, cmd))
    })
    .await
}

/// Register a card whose PAN was made elsewhere (it must be inside the product's BIN).
#[utoipa::path(post, path = "/api/Integration/RegisterCard", tag = "Issuer: cards", operation_id = "RegisterCard",
    request_body = RegisterCardRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 registered; 1 validation; 3 the PAN exists", body = Envelope<CardResult>)))]
pub async fn register_card(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let settings = &state.host.settings;
    create(&state, &authed, || {
        let r: RegisterCardRequest = body.parse()?;
        let product = r.product_code.clone();
        let card_type = product
            .as_deref()
            .and_then(|code| settings.product(code))
            .map_or(CardType::Debit, |p| p.card_type);
        let cmd = NewCard {
            customer_no: r.customer_no,
            product_code: product.or_else(|| Some(String::new())),
            emboss_name: r.emboss_name,
            is_virtual: Some(false),
            reference: r.reference,
            register: Some((
                r.card_no.unwrap_or_else(|| CardNumber::new("")),
                r.expiry_date.unwrap_or_default(),
            )),
            ..Default::default()
        };
        Ok((card_type, cmd))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardInfoResult {
    pub masked_card_no: String,
    pub card_token: String,
    pub customer_no: String,
    pub product_code: String,
    pub card_type: String,
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
    /// `Active` or `Waived`.
    pub annual_fee_status: String,
    /// `yyyyMMddHHmmss` UTC.
    pub create_date: String,
    /// `yyyyMMddHHmmss` UTC; null until the card is activated.
    pub activation_date: Option<String>,
}

fn timestamp(ms: i64) -> String {
    format_timestamp(chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default())
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
            is_virtual: c.is_virtual != 0,
            account_no: c.account_no,
            card_limit: MoneyOut {
                minor: c.card_limit,
                currency: v.currency,
            },
            currency: v.currency.numeric(),
            annual_fee_status: c.annual_fee_status,
            create_date: timestamp(c.created_at),
            activation_date: c.activated_at.map(timestamp),
        }
    }
}

/// Everything about a card but its secrets; the PAN masked.
#[utoipa::path(get, path = "/api/Integration/GetCardInfo", tag = "Issuer: cards", operation_id = "GetCardInfo", security(("token" = [])),
    params(("CardNo" = Option<String>, Query, description = "The PAN; or CardToken"), ("CardToken" = Option<String>, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 1 neither CardNo nor CardToken; 2 no such card", body = Envelope<CardInfoResult>)))]
pub async fn get_card_info(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult {
    let call = authed.call();
    let view = cards::get_card(&state.host, &call, &query_card_key(&params)).await?;
    Ok(ok(CardInfoResult::from(view)))
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
    pub status_date: String,
}

fn status_result(v: &CardView) -> CardStatusResult {
    CardStatusResult {
        card_status: v.status.code().to_owned(),
        status_description: v.status.name().to_owned(),
        status_reason: v.card.status_reason.clone(),
        status_date: timestamp(v.card.status_at),
    }
}

/// The card's status code and its name.
#[utoipa::path(get, path = "/api/Integration/GetCardStatus", tag = "Issuer: cards", operation_id = "GetCardStatus", security(("token" = [])),
    params(("CardNo" = Option<String>, Query, description = "The PAN; or CardToken"), ("CardToken" = Option<String>, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 2 no such card", body = Envelope<CardStatusResult>)))]
pub async fn get_card_status(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult {
    let call = authed.call();
    let view = cards::get_card(&state.host, &call, &query_card_key(&params)).await?;
    Ok(ok(status_result(&view)))
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
    pub status_date: String,
}

/// Move a card to another status; any move outside the status table is `Result` 4.
#[utoipa::path(post, path = "/api/Integration/UpdateCardStatus", tag = "Issuer: cards", operation_id = "UpdateCardStatus",
    request_body = UpdateCardStatusRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 moved; 1 unknown status; 2 no such card; 4 not a legal move", body = Envelope<UpdatedStatus>)))]
pub async fn update_card_status(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    audited(&state, &call, async {
        let r: UpdateCardStatusRequest = body.parse()?;
        let key = card_key(r.card_no, r.card_token);
        let view = cards::update_card_status(
            &state.host,
            &call,
            &key,
            r.card_status.as_deref(),
            r.status_reason,
        )
        .await?;
        Ok(ok(UpdatedStatus {
            card_status: view.status.code().to_owned(),
            status_date: timestamp(view.card.status_at),
        }))
    })
    .await
}

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
pub async fn update_card_limit(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    audited(&state, &call, async {
        let r: UpdateCardLimitRequest = body.parse()?;
        let change = LimitChange {
            card_limit: r.card_limit.map(|a| a.0),
            daily_purchase: r.daily_purchase_limit.map(|a| a.0),
            daily_cash: r.daily_cash_limit.map(|a| a.0),
            daily_ecom: r.daily_ecom_limit.map(|a| a.0),
            per_transaction: r.transaction_limit.map(|a| a.0),
            daily_count: r.daily_transaction_count,
        };
        let v = cards::update_card_limit(
            &state.host,
            &call,
            &card_key(r.card_no, r.card_token),
            change,
        )
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
    pub fee_status: String,
}

/// Waive or reinstate the card's annual fee.
#[utoipa::path(post, path = "/api/Integration/UpdateCardFeeStatus", tag = "Issuer: cards", operation_id = "UpdateCardFeeStatus",
    request_body = FeeStatusRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such card", body = Envelope<FeeStatusResult>)))]
pub async fn update_card_fee_status(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    audited(&state, &call, async {
        let r: FeeStatusRequest = body.parse()?;
        let key = card_key(r.card_no, r.card_token);
        let status = cards::update_card_fee_status(
            &state.host,
            &call,
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
pub async fn get_card_restriction(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult {
    let call = authed.call();
    let r = cards::get_restrictions(&state.host, &call, &query_card_key(&params)).await?;
    Ok(ok(RestrictionResult::from(r)))
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
pub async fn card_restriction(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    audited(&state, &call, async {
        let r: CardRestrictionRequest = body.parse()?;
        let change = RestrictionChange {
            ecommerce_allowed: r.ecommerce_allowed,
            international_allowed: r.international_allowed,
            atm_allowed: r.atm_allowed,
            contactless_allowed: r.contactless_allowed,
            moto_allowed: r.moto_allowed,
            blocked_mccs: r.blocked_mccs,
            blocked_countries: r.blocked_countries,
        };
        let out = cards::set_restrictions(
            &state.host,
            &call,
            &card_key(r.card_no, r.card_token),
            change,
        )
        .await?;
        Ok(ok(RestrictionResult::from(out)))
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
pub async fn card_renewal(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    audited(&state, &call, async {
        let r: CardRenewalRequest = body.parse()?;
        let key = card_key(r.card_no, r.card_token);
        let view = cards::renew_card(
            &state.host,
            &call,
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

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardNoResult {
    pub card_no: RevealedCardNumber,
}

/// Deprecated: the PAN behind a token (scope `pan`; every call is audited).
#[utoipa::path(get, path = "/api/Integration/GetCardNo", tag = "Issuer: cards", operation_id = "GetCardNo", security(("token" = [])),
    params(("CardToken" = String, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 2 no such card; 6 no pan scope", body = Envelope<CardNoResult>)))]
pub async fn get_card_no(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult {
    let call = authed.call();
    let key = card_key(None, params.get("CardToken").map(str::to_owned));
    let pan = cards::reveal_card_no(&state.host, &call, &key).await?;
    Ok(ok(CardNoResult {
        card_no: pan.reveal(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PrivateInfoResult {
    pub card_no: RevealedCardNumber,
    pub expiry_date: String,
    /// Computed on demand; never stored.
    pub cvv2: RevealedCvv2,
    pub emboss_name: String,
}

/// Deprecated: PAN, expiry and CVV2 (scope `pan`; every call is audited).
#[utoipa::path(get, path = "/api/Integration/GetCardPrivateInfo", tag = "Issuer: cards", operation_id = "GetCardPrivateInfo", security(("token" = [])),
    params(("CardNo" = Option<String>, Query, description = "The PAN; or CardToken"), ("CardToken" = Option<String>, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 2 no such card; 6 no pan scope", body = Envelope<PrivateInfoResult>)))]
pub async fn get_card_private_info(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult {
    let call = authed.call();
    let info = cards::private_info(&state.host, &call, &query_card_key(&params)).await?;
    Ok(ok(PrivateInfoResult {
        card_no: info.pan.reveal(),
        expiry_date: info.expiry,
        cvv2: info.cvv2.reveal(),
        emboss_name: info.emboss_name,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct EmbossDirectiveRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    /// `Home`, `Work` or `Branch`.
    #[schema(example = "Home")]
    pub delivery_address_type: Option<String>,
    /// Required for `Branch`.
    pub branch_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct EmbossDirectiveResult {
    pub directive_id: i64,
    pub masked_card_no: String,
    #[schema(example = "Queued")]
    pub status: String,
}

/// Queue a physical card for the card bureau (`cardhost emboss export` writes the file).
#[utoipa::path(post, path = "/api/Integration/CreateEmbossDirective", tag = "Issuer: cards", operation_id = "CreateEmbossDirective",
    request_body = EmbossDirectiveRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 queued; 1 validation; 2 no such card; 4 a virtual card", body = Envelope<EmbossDirectiveResult>)))]
pub async fn create_emboss_directive(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    audited(&state, &call, async {
        let r: EmbossDirectiveRequest = body.parse()?;
        let key = card_key(r.card_no, r.card_token);
        let (id, card) = emboss::create_directive(
            &state.host,
            &call,
            &key,
            r.delivery_address_type.as_deref(),
            r.branch_code.as_deref(),
        )
        .await?;
        Ok(ok(EmbossDirectiveResult {
            directive_id: id,
            masked_card_no: card.masked_pan,
            status: "Queued".into(),
        }))
    })
    .await
}
