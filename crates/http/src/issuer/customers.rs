//! Customers: `CreateCustomer`, `GetCustomerInfo`, `UpdateCustomer`, `UpdateCustomerLimit`.

use cardhost_domain::customer::CustomerProfile;
use cardhost_domain::date::Timestamp;
use cardhost_domain::product::CardType;
use cardhost_service::issuer::customers::{self, CustomerCommand, CustomerInfo, CustomerLimit};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::command::{Command, Read};
use crate::envelope::{ok, ApiResult, Envelope};
use crate::extract::JsonBody;
use crate::wire::{Amount, MoneyOut};

/// `CreateCustomer` and `UpdateCustomer`: the reference page's field set.
///
/// Documents the wire shape; requests are read as [`CustomerKeys`] plus
/// [`CustomerProfile`] so that a wrong-typed field is named exactly.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerRequest {
    /// 1–10 letters, digits, `-`, `_`. Optional on create (10 digits generated);
    /// required on update.
    #[schema(example = "1308590")]
    pub customer_no: Option<String>,
    /// The customer's total credit limit, shared by all of their credit cards
    /// (0: no shared cap).
    pub limit: Option<Amount>,
    /// ISO 4217 numeric currency of `Limit` (default 949 on create).
    #[schema(example = 949)]
    pub limit_currency: Option<i64>,
    #[serde(flatten)]
    pub profile: CustomerProfile,
}

/// The fields of [`CustomerRequest`] outside the profile.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerKeys {
    pub customer_no: Option<String>,
    pub limit: Option<Amount>,
    pub limit_currency: Option<i64>,
}

fn customer_command(body: &JsonBody) -> Result<CustomerCommand, crate::envelope::ApiError> {
    let keys: CustomerKeys = body.parse()?;
    let profile: CustomerProfile = body.parse()?;
    Ok(CustomerCommand {
        customer_no: keys.customer_no,
        limit: keys.limit.map(|a| a.0),
        limit_currency: keys.limit_currency,
        profile,
    })
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerNoResult {
    #[schema(example = "1308590")]
    pub customer_no: String,
}

/// One of the customer's cards, masked.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerCard {
    #[schema(example = "410000******1234")]
    pub masked_card_no: String,
    pub card_token: String,
    pub card_type: CardType,
    #[schema(example = "CLASSIC-CREDIT")]
    pub product_code: String,
    #[schema(example = "A")]
    pub card_status: String,
    #[schema(example = "2812")]
    pub expiry_date: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerInfoResult {
    #[schema(example = "1308590")]
    pub customer_no: String,
    #[serde(flatten)]
    pub profile: CustomerProfile,
    pub limit: MoneyOut,
    #[schema(example = 949)]
    pub limit_currency: u16,
    pub used_limit: MoneyOut,
    pub available_limit: MoneyOut,
    pub cards: Vec<CustomerCard>,
    /// `yyyyMMddHHmmss` UTC.
    #[schema(example = "20250121120500")]
    pub create_date: Timestamp,
}

impl From<CustomerInfo> for CustomerInfoResult {
    fn from(c: CustomerInfo) -> Self {
        let money = |a| MoneyOut::new(a, c.limit_currency);
        let cards = c
            .cards
            .into_iter()
            .map(|v| CustomerCard {
                masked_card_no: v.card.masked_pan,
                card_token: v.card.card_token,
                card_type: v.card.card_type,
                product_code: v.card.product_code,
                card_status: v.status.code().to_owned(),
                expiry_date: v.card.expiry,
            })
            .collect();
        CustomerInfoResult {
            customer_no: c.customer_no.clone(),
            limit: money(c.limit),
            limit_currency: c.limit_currency.numeric(),
            used_limit: money(c.used_limit),
            available_limit: money(c.available_limit),
            cards,
            create_date: c.created_at,
            profile: c.profile,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerLimitRequest {
    #[schema(example = "1308590")]
    pub customer_no: Option<String>,
    pub limit: Option<Amount>,
    #[schema(example = 949)]
    pub limit_currency: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerLimitResult {
    pub customer_no: String,
    pub limit: MoneyOut,
    #[schema(example = 949)]
    pub limit_currency: u16,
    pub used_limit: MoneyOut,
    pub available_limit: MoneyOut,
}

impl From<CustomerLimit> for CustomerLimitResult {
    fn from(c: CustomerLimit) -> Self {
        let money = |a| MoneyOut::new(a, c.limit_currency);
        CustomerLimitResult {
            customer_no: c.customer_no.clone(),
            limit: money(c.limit),
            limit_currency: c.limit_currency.numeric(),
            used_limit: money(c.used_limit),
            available_limit: money(c.available_limit),
        }
    }
}

/// Create a customer.
///
/// `Name` and `Surname` are required. Dates are real `yyyyMMdd` dates, `Gender`
/// is `M` or `F`, countries are ISO 3166-1 alpha-2, an 11-digit `TCKN` must pass
/// its checksum; free-text fields are only length-checked. A `CustomerNo` that
/// exists is `Result` 3.
#[utoipa::path(post, path = "/api/Integration/CreateCustomer", tag = "Issuer: customers",
    operation_id = "CreateCustomer", request_body = CustomerRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 created; 1 validation; 3 CustomerNo exists", body = Envelope<CustomerNoResult>)))]
pub async fn create_customer(command: Command<CustomerRequest>) -> ApiResult {
    command
        .run_on_body(async |host, call, body| {
            let customer_no =
                customers::create_customer(host, call, customer_command(body)?).await?;
            Ok(ok(CustomerNoResult { customer_no }))
        })
        .await
}

/// Get a customer with limits and cards.
#[utoipa::path(get, path = "/api/Integration/GetCustomerInfo", tag = "Issuer: customers",
    operation_id = "GetCustomerInfo", security(("token" = [])),
    params(("CustomerNo" = String, Query, description = "The customer's number", example = "1308590")),
    responses((status = 200, description = "Result 0 found; 2 no such customer", body = Envelope<CustomerInfoResult>)))]
pub async fn get_customer_info(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let customer_no = params.required("CustomerNo");
        let info = customers::get_customer_info(host, call, customer_no).await?;
        Ok(ok(CustomerInfoResult::from(info)))
    })
    .await
}

/// The customer holding a card, with limits and cards.
#[utoipa::path(get, path = "/api/Integration/GetCardCustomerInfo", tag = "Issuer: customers",
    operation_id = "GetCardCustomerInfo", security(("token" = [])),
    params(("CardNo" = Option<String>, Query, description = "The PAN; or CardToken"), ("CardToken" = Option<String>, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 1 neither CardNo nor CardToken; 2 no such card", body = Envelope<CustomerInfoResult>)))]
pub async fn get_card_customer_info(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let key = super::cards::query_card_key(params);
        let info = customers::get_card_customer_info(host, call, &key).await?;
        Ok(ok(CustomerInfoResult::from(info)))
    })
    .await
}

/// Update a customer: only the fields present change.
///
/// The reference page's example request is accepted verbatim. `Limit` and
/// `LimitCurrency`, when present, set the shared credit limit as
/// `UpdateCustomerLimit` does.
#[utoipa::path(put, path = "/api/Integration/UpdateCustomer", tag = "Issuer: customers",
    operation_id = "UpdateCustomer", request_body = CustomerRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 updated; 1 validation; 2 no such customer; 4 limit below what is used", body = Envelope<CustomerNoResult>)))]
pub async fn update_customer(command: Command<CustomerRequest>) -> ApiResult {
    command
        .run_on_body(async |host, call, body| {
            let customer_no =
                customers::update_customer(host, call, customer_command(body)?).await?;
            Ok(ok(CustomerNoResult { customer_no }))
        })
        .await
}

/// Set the customer's total credit limit.
///
/// Lowering it below what the customer's credit cards use is `Result` 4.
#[utoipa::path(post, path = "/api/Integration/UpdateCustomerLimit", tag = "Issuer: customers",
    operation_id = "UpdateCustomerLimit", request_body = CustomerLimitRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 set; 1 validation; 2 no such customer; 4 below what is used", body = Envelope<CustomerLimitResult>)))]
pub async fn update_customer_limit(command: Command<CustomerLimitRequest>) -> ApiResult {
    command
        .respond(async |host, call, request| {
            let limit = customers::update_customer_limit(
                host,
                call,
                request.customer_no,
                request.limit.map(|a| a.0),
                request.limit_currency,
            )
            .await?;
            Ok(ok(CustomerLimitResult::from(limit)))
        })
        .await
}
