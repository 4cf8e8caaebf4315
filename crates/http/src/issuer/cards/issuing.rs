//! Issuing cards, and the emboss directives that send them to the bureau.

use cardhost_domain::product::CardType;
use cardhost_domain::secret::CardNumber;
use cardhost_domain::status::DirectiveStatus;
use cardhost_service::issuer::cards::{self, NewCard};
use cardhost_service::issuer::emboss;
use cardhost_service::Host;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{card_key, CardResult};
use crate::command::Command;
use crate::envelope::{ok, ApiResult, Envelope};
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

/// A request that issues a card: of which kind, and with what.
trait IssueRequest {
    fn new_card(self, host: &Host) -> (CardType, NewCard);
}

async fn create<R: DeserializeOwned + IssueRequest>(command: Command<R>) -> ApiResult {
    command
        .run(async |host, call, r| {
            let (card_type, new_card) = r.new_card(host);
            let view = cards::create_card(host, call, card_type, new_card).await?;
            Ok(CardResult::from(view))
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
pub async fn create_credit_card(command: Command<CreateCreditCardRequest>) -> ApiResult {
    create(command).await
}

/// The fields every card-issuing request has.
fn issued(
    customer_no: Option<String>,
    product_code: Option<String>,
    emboss_name: Option<String>,
    is_virtual: Option<bool>,
    reference: Option<String>,
) -> NewCard {
    NewCard {
        customer_no,
        product_code,
        emboss_name,
        is_virtual,
        reference,
        ..Default::default()
    }
}

impl IssueRequest for CreateCreditCardRequest {
    fn new_card(self, _host: &Host) -> (CardType, NewCard) {
        let r = self;
        let card = issued(
            r.customer_no,
            r.product_code,
            r.emboss_name,
            r.is_virtual,
            r.reference,
        );
        let card_limit = r.card_limit.map(|a| a.0);
        (CardType::Credit, NewCard { card_limit, ..card })
    }
}

/// Issue a debit card, optionally sharing an existing debit account.
#[utoipa::path(post, path = "/api/Integration/CreateDebitCard", tag = "Issuer: cards", operation_id = "CreateDebitCard",
    request_body = CreateDebitCardRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 issued; 1 validation; 2 no such customer", body = Envelope<CardResult>)))]
pub async fn create_debit_card(command: Command<CreateDebitCardRequest>) -> ApiResult {
    create(command).await
}

impl IssueRequest for CreateDebitCardRequest {
    fn new_card(self, _host: &Host) -> (CardType, NewCard) {
        let r = self;
        let card = issued(
            r.customer_no,
            r.product_code,
            r.emboss_name,
            r.is_virtual,
            r.reference,
        );
        let account_no = r.account_no;
        (CardType::Debit, NewCard { account_no, ..card })
    }
}

/// Issue a prepaid card.
#[utoipa::path(post, path = "/api/Integration/CreatePrepaidCard", tag = "Issuer: cards", operation_id = "CreatePrepaidCard",
    request_body = CreatePrepaidCardRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 issued; 1 validation; 2 no such customer", body = Envelope<CardResult>)))]
pub async fn create_prepaid_card(command: Command<CreatePrepaidCardRequest>) -> ApiResult {
    create(command).await
}

impl IssueRequest for CreatePrepaidCardRequest {
    fn new_card(self, _host: &Host) -> (CardType, NewCard) {
        let r = self;
        let card = issued(
            r.customer_no,
            r.product_code,
            r.emboss_name,
            r.is_virtual,
            r.reference,
        );
        (CardType::Prepaid, card)
    }
}

/// Register a card whose PAN was made elsewhere (it must be inside the product's BIN).
#[utoipa::path(post, path = "/api/Integration/RegisterCard", tag = "Issuer: cards", operation_id = "RegisterCard",
    request_body = RegisterCardRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 registered; 1 validation; 3 the PAN exists", body = Envelope<CardResult>)))]
pub async fn register_card(command: Command<RegisterCardRequest>) -> ApiResult {
    create(command).await
}

impl IssueRequest for RegisterCardRequest {
    fn new_card(self, host: &Host) -> (CardType, NewCard) {
        let r = self;
        let card_type = r
            .product_code
            .as_deref()
            .and_then(|code| host.settings.product(code))
            .map_or(CardType::Debit, |p| p.card_type);
        // An absent product is refused by the service's product check.
        let product_code = r.product_code.or_else(|| Some(String::new()));
        let card = issued(
            r.customer_no,
            product_code,
            r.emboss_name,
            Some(false),
            r.reference,
        );
        let register = Some((
            r.card_no.unwrap_or_else(|| CardNumber::new("")),
            r.expiry_date.unwrap_or_default(),
        ));
        (card_type, NewCard { register, ..card })
    }
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
    pub status: DirectiveStatus,
}

/// Queue a physical card for the card bureau (`cardhost emboss export` writes the file).
#[utoipa::path(post, path = "/api/Integration/CreateEmbossDirective", tag = "Issuer: cards", operation_id = "CreateEmbossDirective",
    request_body = EmbossDirectiveRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 queued; 1 validation; 2 no such card; 4 a virtual card", body = Envelope<EmbossDirectiveResult>)))]
pub async fn create_emboss_directive(command: Command<EmbossDirectiveRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let key = card_key(r.card_no, r.card_token);
            let (id, card) = emboss::create_directive(
                host,
                call,
                &key,
                r.delivery_address_type.as_deref(),
                r.branch_code.as_deref(),
            )
            .await?;
            Ok(ok(EmbossDirectiveResult {
                directive_id: id,
                masked_card_no: card.masked_pan,
                status: DirectiveStatus::Queued,
            }))
        })
        .await
}
