//! Merchants and terminals: create, get, update, search, and both at once.

use cardhost_domain::secret::{RevealedClientSecret, RevealedStoreKey};
use cardhost_domain::status::{AcceptorStatus, TerminalType};
use cardhost_service::acquirer::merchants::{
    self as svc, MerchantInput, TerminalInput, VposCredentials,
};
use cardhost_service::acquirer::merchants::{Merchant, Terminal};
use cardhost_service::acquirer::{MerchantFilter, TerminalFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::command::{Command, Read};
use crate::envelope::{ok, ApiResult, Envelope};
use crate::wire::Paged;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MerchantRequest {
    /// Up to 15 digits; generated (10 digits) when absent on create. Required on update.
    #[schema(example = "6001234567")]
    pub merchant_no: Option<String>,
    #[schema(example = "CORNER GROCERY LTD")]
    pub merchant_name: Option<String>,
    #[schema(example = "Corner Grocery")]
    pub trade_name: Option<String>,
    #[schema(example = "5411")]
    pub mcc: Option<String>,
    pub tax_no: Option<String>,
    pub address: Option<String>,
    #[schema(example = "Istanbul")]
    pub city: Option<String>,
    #[schema(example = "TR")]
    pub country: Option<String>,
    pub zip_code: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Where merchant payments go; ISO 13616 checksum checked.
    #[schema(example = "TR330006100519786457841326")]
    pub iban: Option<String>,
    #[schema(example = 949)]
    pub currency: Option<i64>,
    pub pos_fee_profile_code: Option<String>,
    pub pos_authorization_profile_code: Option<String>,
    /// Deprecated: a fee profile wins over it.
    pub commission_profile_code: Option<String>,
    /// Active (default), Passive or Closed.
    pub merchant_status: Option<String>,
    /// Create only: a vpos client and store key are created and shown once.
    pub vpos_enabled: Option<bool>,
    /// yyyyMMdd; default today.
    pub open_date: Option<String>,
}

impl From<MerchantRequest> for MerchantInput {
    fn from(r: MerchantRequest) -> Self {
        MerchantInput {
            merchant_no: r.merchant_no,
            merchant_name: r.merchant_name,
            trade_name: r.trade_name,
            mcc: r.mcc,
            tax_no: r.tax_no,
            address: r.address,
            city: r.city,
            country: r.country,
            zip_code: r.zip_code,
            email: r.email,
            phone: r.phone,
            iban: r.iban,
            currency: r.currency,
            pos_fee_profile_code: r.pos_fee_profile_code,
            pos_authorization_profile_code: r.pos_authorization_profile_code,
            commission_profile_code: r.commission_profile_code,
            merchant_status: r.merchant_status,
            vpos_enabled: r.vpos_enabled,
            open_date: r.open_date,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreatedMerchant {
    pub merchant_no: String,
    /// With VposEnabled: the merchant's vpos client, shown only now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpos_client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpos_client_secret: Option<RevealedClientSecret>,
    /// With VposEnabled: the HMAC key (its UTF-8 bytes) of 3-D Secure and payment-page callbacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpos_store_key: Option<RevealedStoreKey>,
}

fn created(merchant_no: String, vpos: Option<VposCredentials>) -> CreatedMerchant {
    CreatedMerchant {
        merchant_no,
        vpos_client_id: vpos.as_ref().map(|v| v.client_id.clone()),
        vpos_client_secret: vpos.as_ref().map(|v| v.client_secret.clone().reveal()),
        vpos_store_key: vpos.map(|v| v.store_key.reveal()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TerminalSummary {
    pub terminal_no: String,
    pub terminal_type: TerminalType,
    pub terminal_status: AcceptorStatus,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MerchantResult {
    pub merchant_no: String,
    pub merchant_name: String,
    pub trade_name: Option<String>,
    pub mcc: String,
    pub tax_no: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub zip_code: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub iban: Option<String>,
    pub currency: u16,
    pub pos_fee_profile_code: Option<String>,
    pub pos_authorization_profile_code: Option<String>,
    pub commission_profile_code: Option<String>,
    pub merchant_status: AcceptorStatus,
    pub vpos_enabled: bool,
    pub open_date: String,
    /// GetMerchant only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminals: Option<Vec<TerminalSummary>>,
}

fn merchant_result(m: Merchant, terminals: Option<Vec<Terminal>>) -> MerchantResult {
    MerchantResult {
        currency: m.currency.numeric(),
        merchant_no: m.merchant_no,
        merchant_name: m.merchant_name,
        trade_name: m.trade_name,
        mcc: m.mcc,
        tax_no: m.tax_no,
        address: m.address,
        city: m.city,
        country: m.country,
        zip_code: m.zip_code,
        email: m.email,
        phone: m.phone,
        iban: m.iban,
        pos_fee_profile_code: m.pos_fee_profile_code,
        pos_authorization_profile_code: m.pos_authorization_profile_code,
        commission_profile_code: m.commission_profile_code,
        merchant_status: m.merchant_status,
        vpos_enabled: m.vpos_enabled,
        open_date: m.open_date,
        terminals: terminals.map(|ts| {
            ts.into_iter()
                .map(|t| TerminalSummary {
                    terminal_no: t.terminal_no,
                    terminal_type: t.terminal_type,
                    terminal_status: t.terminal_status,
                })
                .collect()
        }),
    }
}

/// Create a merchant. `MerchantName`, `Mcc`, `Country` and `Currency` are required.
#[utoipa::path(post, path = "/api/Integration/CreateMerchant", tag = "Acquirer: merchants", operation_id = "CreateMerchant",
    request_body = MerchantRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 3 MerchantNo exists", body = Envelope<CreatedMerchant>)))]
pub async fn create_merchant(command: Command<MerchantRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let (row, vpos) = svc::create_merchant(host, call, r.into()).await?;
            Ok(ok(created(row.merchant_no, vpos)))
        })
        .await
}

/// A merchant with its terminals. A vpos client reads only its own merchant.
#[utoipa::path(get, path = "/api/Integration/GetMerchant", tag = "Acquirer: merchants", operation_id = "GetMerchant", security(("token" = [])),
    params(("MerchantNo" = String, Query, description = "The merchant's number")),
    responses((status = 200, description = "Result 0; 2 no such merchant; 6 another merchant's", body = Envelope<MerchantResult>)))]
pub async fn get_merchant(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let (m, terminals) = svc::get_merchant(host, call, params.required("MerchantNo")).await?;
        Ok(ok(merchant_result(m, Some(terminals))))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MerchantNoResult {
    pub merchant_no: String,
}

/// Update a merchant: only the fields present change.
#[utoipa::path(put, path = "/api/Integration/UpdateMerchant", tag = "Acquirer: merchants", operation_id = "UpdateMerchant",
    request_body = MerchantRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such merchant", body = Envelope<MerchantNoResult>)))]
pub async fn update_merchant(command: Command<MerchantRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let merchant_no = svc::update_merchant(host, call, r.into()).await?;
            Ok(ok(MerchantNoResult { merchant_no }))
        })
        .await
}

/// Search merchants (name substring, case-insensitive; exact Mcc, City, MerchantStatus, TaxNo), in MerchantNo order.
#[utoipa::path(get, path = "/api/Integration/SearchMerchant", tag = "Acquirer: merchants", operation_id = "SearchMerchant", security(("token" = [])),
    params(("MerchantName" = Option<String>, Query, description = "Part of the name"), ("Mcc" = Option<String>, Query, description = "4 digits"),
        ("City" = Option<String>, Query, description = "City"), ("MerchantStatus" = Option<String>, Query, description = "Active, Passive or Closed"),
        ("TaxNo" = Option<String>, Query, description = "Tax number"), ("Page" = Option<i64>, Query, description = "From 1"),
        ("PageSize" = Option<i64>, Query, description = "Default 20, at most 500")),
    responses((status = 200, description = "Result 0; 1 bad paging, or a status or type that is none of its names", body = Envelope<Paged<MerchantResult>>)))]
pub async fn search_merchant(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let get = |k: &str| params.filled(k);
        let filter = MerchantFilter {
            name_contains: get("MerchantName"),
            mcc: get("Mcc"),
            city: get("City"),
            status: params.named("MerchantStatus")?,
            tax_no: get("TaxNo"),
        };
        let page = svc::search_merchants(host, call, filter, params.paging()?).await?;
        Ok(ok(Paged::of(page, |m| merchant_result(m, None))))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TerminalRequest {
    /// 8 letters or digits; generated when absent on create. Required on update.
    #[schema(example = "10000001")]
    pub terminal_no: Option<String>,
    #[schema(example = "6001234567")]
    pub merchant_no: Option<String>,
    /// Pos, Vpos or SoftPos.
    #[schema(example = "Vpos")]
    pub terminal_type: Option<String>,
    pub serial_no: Option<String>,
    pub model: Option<String>,
    /// Active (default), Passive or Closed.
    pub terminal_status: Option<String>,
    /// Overrides the merchant's when set.
    pub pos_authorization_profile_code: Option<String>,
    /// Overrides the merchant's when set.
    pub pos_fee_profile_code: Option<String>,
    pub address: Option<String>,
}

impl From<TerminalRequest> for TerminalInput {
    fn from(r: TerminalRequest) -> Self {
        TerminalInput {
            terminal_no: r.terminal_no,
            merchant_no: r.merchant_no,
            terminal_type: r.terminal_type,
            serial_no: r.serial_no,
            model: r.model,
            terminal_status: r.terminal_status,
            pos_authorization_profile_code: r.pos_authorization_profile_code,
            pos_fee_profile_code: r.pos_fee_profile_code,
            address: r.address,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TerminalResult {
    pub terminal_no: String,
    pub merchant_no: String,
    pub terminal_type: TerminalType,
    pub serial_no: Option<String>,
    pub model: Option<String>,
    pub terminal_status: AcceptorStatus,
    pub pos_authorization_profile_code: Option<String>,
    pub pos_fee_profile_code: Option<String>,
    pub address: Option<String>,
    /// The batch now collecting the terminal's transactions.
    pub open_batch_no: i64,
}

fn terminal_result(t: Terminal) -> TerminalResult {
    TerminalResult {
        terminal_no: t.terminal_no,
        merchant_no: t.merchant_no,
        terminal_type: t.terminal_type,
        serial_no: t.serial_no,
        model: t.model,
        terminal_status: t.terminal_status,
        pos_authorization_profile_code: t.pos_authorization_profile_code,
        pos_fee_profile_code: t.pos_fee_profile_code,
        address: t.address,
        open_batch_no: t.open_batch_no,
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TerminalNoResult {
    pub terminal_no: String,
    pub merchant_no: String,
}

/// Create a terminal of a merchant. `MerchantNo` and `TerminalType` are required.
#[utoipa::path(post, path = "/api/Integration/CreateTerminal", tag = "Acquirer: merchants", operation_id = "CreateTerminal",
    request_body = TerminalRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such merchant; 3 TerminalNo exists", body = Envelope<TerminalNoResult>)))]
pub async fn create_terminal(command: Command<TerminalRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let t = svc::create_terminal(host, call, r.into()).await?;
            Ok(ok(TerminalNoResult {
                terminal_no: t.terminal_no,
                merchant_no: t.merchant_no,
            }))
        })
        .await
}

/// A terminal with its open batch number.
#[utoipa::path(get, path = "/api/Integration/GetTerminal", tag = "Acquirer: merchants", operation_id = "GetTerminal", security(("token" = [])),
    params(("TerminalNo" = String, Query, description = "The terminal's number")),
    responses((status = 200, description = "Result 0; 2 no such terminal; 6 another merchant's", body = Envelope<TerminalResult>)))]
pub async fn get_terminal(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let t = svc::get_terminal(host, call, params.required("TerminalNo")).await?;
        Ok(ok(terminal_result(t)))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdatedTerminal {
    pub terminal_no: String,
}

/// Update a terminal: only the fields present change.
#[utoipa::path(put, path = "/api/Integration/UpdateTerminal", tag = "Acquirer: merchants", operation_id = "UpdateTerminal",
    request_body = TerminalRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such terminal", body = Envelope<UpdatedTerminal>)))]
pub async fn update_terminal(command: Command<TerminalRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let terminal_no = svc::update_terminal(host, call, r.into()).await?;
            Ok(ok(UpdatedTerminal { terminal_no }))
        })
        .await
}

/// Search terminals (exact MerchantNo, TerminalType, TerminalStatus, SerialNo), in TerminalNo order.
#[utoipa::path(get, path = "/api/Integration/SearchTerminal", tag = "Acquirer: merchants", operation_id = "SearchTerminal", security(("token" = [])),
    params(("MerchantNo" = Option<String>, Query, description = "Merchant"), ("TerminalType" = Option<String>, Query, description = "Pos, Vpos or SoftPos"),
        ("TerminalStatus" = Option<String>, Query, description = "Active, Passive or Closed"), ("SerialNo" = Option<String>, Query, description = "Serial number"),
        ("Page" = Option<i64>, Query, description = "From 1"), ("PageSize" = Option<i64>, Query, description = "Default 20, at most 500")),
    responses((status = 200, description = "Result 0; 1 bad paging, or a status or type that is none of its names", body = Envelope<Paged<TerminalResult>>)))]
pub async fn search_terminal(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let get = |k: &str| params.filled(k);
        let filter = TerminalFilter {
            merchant_no: get("MerchantNo"),
            terminal_type: params.named("TerminalType")?,
            status: params.named("TerminalStatus")?,
            serial_no: get("SerialNo"),
        };
        let page = svc::search_terminals(host, call, filter, params.paging()?).await?;
        Ok(ok(Paged::of(page, terminal_result)))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MerchantAndTerminalRequest {
    pub merchant: Option<MerchantRequest>,
    #[serde(default)]
    pub terminals: Vec<TerminalRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MerchantAndTerminalResult {
    pub merchant_no: String,
    pub terminal_nos: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpos_client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpos_client_secret: Option<RevealedClientSecret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpos_store_key: Option<RevealedStoreKey>,
}

/// Create a merchant and its terminals: all or nothing. Errors name the field
/// as `Merchant.Mcc` or `Terminals[1].TerminalType`.
#[utoipa::path(post, path = "/api/Integration/CreateMerchantAndTerminal", tag = "Acquirer: merchants", operation_id = "CreateMerchantAndTerminal",
    request_body = MerchantAndTerminalRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 3 a number exists (nothing created)", body = Envelope<MerchantAndTerminalResult>)))]
pub async fn create_merchant_and_terminal(
    command: Command<MerchantAndTerminalRequest>,
) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let merchant = r
                .merchant
                .ok_or_else(|| crate::envelope::ApiError::field("Merchant", "is required"))?;
            let terminals = r.terminals.into_iter().map(Into::into).collect();
            let (m, ts, vpos) =
                svc::create_merchant_and_terminals(host, call, merchant.into(), terminals).await?;
            let c = created(m.merchant_no, vpos);
            Ok(ok(MerchantAndTerminalResult {
                merchant_no: c.merchant_no,
                terminal_nos: ts.into_iter().map(|t| t.terminal_no).collect(),
                vpos_client_id: c.vpos_client_id,
                vpos_client_secret: c.vpos_client_secret,
                vpos_store_key: c.vpos_store_key,
            }))
        })
        .await
}
