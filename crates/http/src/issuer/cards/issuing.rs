//! Issuing cards, and the emboss directives that send them to the bureau.

use axum::extract::State;
use cardhost_domain::product::CardType;
use cardhost_domain::secret::CardNumber;
use cardhost_service::issuer::cards::{self, NewCard};
use cardhost_service::issuer::emboss;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{card_key, CardResult};
use crate::envelope::{ok, ApiError, ApiResult, Envelope};
use crate::extract::{Authed, JsonBody};
use crate::state::{audited, AppState};
use crate::wire::Amount;

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
