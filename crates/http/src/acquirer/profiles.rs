//! POS authorization, POS fee and (deprecated) commission profiles.

use axum::extract::State;
use cardhost_domain::fees::ANY;
use cardhost_domain::product::CardType;
use cardhost_domain::status::{AllowedType, Network};
use cardhost_service::acquirer::profiles::{
    self as svc, AuthorizationInput, AuthorizationProfile, CommissionInput, CommissionProfile,
    FeeInput, FeeProfile, Kind, RateInput,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::command::{Command, QueryCommand, Read};
use crate::envelope::{ok, ApiResult, Envelope};
use crate::extract::{Authed, Params};
use crate::state::AppState;
use crate::wire::{Amount, DecimalOut, MoneyOut};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ProfileCodeResult {
    #[schema(example = "AUTH-STD")]
    pub profile_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AuthorizationProfileRequest {
    #[schema(example = "AUTH-STD")]
    pub profile_code: Option<String>,
    #[schema(example = "Standard e-commerce")]
    pub profile_name: Option<String>,
    /// Subset of Sale, PreSale, PostSale, Void, Refund, Installment, Point, Qr, Recurring (default: all).
    #[schema(example = json!(["Sale", "Refund", "Void"]))]
    pub allowed_transaction_types: Option<Vec<String>>,
    /// Cards issued in another country than the merchant's (default true).
    pub allow_foreign_cards: Option<bool>,
    /// Cards not issued by this host (default true).
    pub allow_off_us_cards: Option<bool>,
    pub max_transaction_amount: Option<Amount>,
    pub daily_amount_limit: Option<Amount>,
    /// 1 = no installments (default 12).
    #[schema(example = 6)]
    pub max_installment_count: Option<i64>,
    /// Days after a sale a refund is still taken.
    pub refund_day_limit: Option<i64>,
    /// Non-secure e-commerce sales are refused with 58.
    #[serde(rename = "Require3DSecure")]
    pub require_3d_secure: Option<bool>,
    /// Currency of the amount limits (default 949).
    #[schema(example = 949)]
    pub currency: Option<i64>,
}

impl From<AuthorizationProfileRequest> for AuthorizationInput {
    fn from(r: AuthorizationProfileRequest) -> Self {
        AuthorizationInput {
            profile_code: r.profile_code,
            profile_name: r.profile_name,
            allowed_transaction_types: r.allowed_transaction_types,
            allow_foreign_cards: r.allow_foreign_cards,
            allow_off_us_cards: r.allow_off_us_cards,
            max_transaction_amount: r.max_transaction_amount.map(|a| a.0),
            daily_amount_limit: r.daily_amount_limit.map(|a| a.0),
            max_installment_count: r.max_installment_count,
            refund_day_limit: r.refund_day_limit,
            require_3d_secure: r.require_3d_secure,
            currency: r.currency,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AuthorizationProfileResult {
    pub profile_code: String,
    pub profile_name: String,
    pub allowed_transaction_types: Vec<AllowedType>,
    pub allow_foreign_cards: bool,
    pub allow_off_us_cards: bool,
    pub max_transaction_amount: Option<MoneyOut>,
    pub daily_amount_limit: Option<MoneyOut>,
    pub max_installment_count: u8,
    pub refund_day_limit: Option<u32>,
    #[serde(rename = "Require3DSecure")]
    pub require_3d_secure: bool,
    pub currency: u16,
}

#[utoipa::path(post, path = "/api/Integration/CreatePosAuthorizationProfile", tag = "Acquirer: profiles", operation_id = "CreatePosAuthorizationProfile",
    request_body = AuthorizationProfileRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 3 the code exists", body = Envelope<ProfileCodeResult>)))]
pub async fn create_authorization(command: Command<AuthorizationProfileRequest>) -> ApiResult {
    save_profile::<AuthorizationProfileRequest, AuthorizationProfile>(command, Save::Create).await
}

#[utoipa::path(get, path = "/api/Integration/GetPosAuthorizationProfile", tag = "Acquirer: profiles", operation_id = "GetPosAuthorizationProfile", security(("token" = [])),
    params(("ProfileCode" = String, Query, description = "The profile's code")),
    responses((status = 200, description = "Result 0; 2 no such profile", body = Envelope<AuthorizationProfileResult>)))]
pub async fn get_authorization(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let (code, p): (String, AuthorizationProfile) =
            svc::get(host, call, Kind::Authorization, params.get("ProfileCode")).await?;
        let cur = p.currency;
        Ok(ok(AuthorizationProfileResult {
            profile_code: code,
            profile_name: p.profile_name,
            allowed_transaction_types: p.allowed_transaction_types,
            allow_foreign_cards: p.allow_foreign_cards,
            allow_off_us_cards: p.allow_off_us_cards,
            max_transaction_amount: p.max_transaction_amount.map(|minor| MoneyOut {
                minor,
                currency: cur,
            }),
            daily_amount_limit: p.daily_amount_limit.map(|minor| MoneyOut {
                minor,
                currency: cur,
            }),
            max_installment_count: p.max_installment_count,
            refund_day_limit: p.refund_day_limit,
            require_3d_secure: p.require_3d_secure,
            currency: p.currency.numeric(),
        }))
    })
    .await
}

#[utoipa::path(put, path = "/api/Integration/UpdatePosAuthorizationProfile", tag = "Acquirer: profiles", operation_id = "UpdatePosAuthorizationProfile",
    request_body = AuthorizationProfileRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such profile", body = Envelope<ProfileCodeResult>)))]
pub async fn update_authorization(command: Command<AuthorizationProfileRequest>) -> ApiResult {
    save_profile::<AuthorizationProfileRequest, AuthorizationProfile>(command, Save::Update).await
}

#[derive(Clone, Copy)]
enum Save {
    Create,
    Update,
}

/// A create or update of a profile of kind `P` from request `R`.
async fn save_profile<R, P>(command: Command<R>, how: Save) -> ApiResult
where
    R: serde::de::DeserializeOwned + Into<P::Input>,
    P: svc::ProfileDoc,
{
    command
        .run(async |host, call, r| {
            let profile_code = match how {
                Save::Create => svc::create::<P>(host, call, r.into()).await?,
                Save::Update => svc::update::<P>(host, call, r.into()).await?,
            };
            Ok(ProfileCodeResult { profile_code })
        })
        .await
}

async fn delete(command: QueryCommand, kind: Kind) -> ApiResult {
    command
        .run(async |host, call, params| {
            let profile_code = svc::delete(host, call, kind, params.get("ProfileCode")).await?;
            Ok(ProfileCodeResult { profile_code })
        })
        .await
}

/// Delete a profile; `Result` 4 while a merchant or terminal uses it.
#[utoipa::path(delete, path = "/api/Integration/DeletePosAuthorizationProfile", tag = "Acquirer: profiles", operation_id = "DeletePosAuthorizationProfile", security(("token" = [])),
    params(("ProfileCode" = String, Query, description = "The profile's code")),
    responses((status = 200, description = "Result 0; 2 no such profile; 4 in use", body = Envelope<ProfileCodeResult>)))]
pub async fn delete_authorization(command: QueryCommand) -> ApiResult {
    delete(command, Kind::Authorization).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RateRequest {
    /// Credit, Debit, Prepaid or Any (default).
    #[schema(example = "Credit")]
    pub card_type: Option<String>,
    /// OnUs, OffUs or Any (default).
    #[schema(example = "Any")]
    pub network: Option<String>,
    /// Default 1.
    pub installment_from: Option<i64>,
    /// Default 99.
    pub installment_to: Option<i64>,
    /// Percent with at most 4 decimals, e.g. 1.75.
    pub rate_percent: Option<Amount>,
    /// Added to every transaction, in the profile's currency (default 0).
    pub fixed_fee: Option<Amount>,
    /// Days after the batch close the merchant is paid (default 1).
    pub value_days: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct FeeProfileRequest {
    #[schema(example = "FEE-STD")]
    pub profile_code: Option<String>,
    #[schema(example = "Standard fees")]
    pub profile_name: Option<String>,
    #[schema(example = 949)]
    pub currency: Option<i64>,
    /// The most specific matching row wins; on update the list replaces the old one.
    pub rates: Option<Vec<RateRequest>>,
}

impl From<FeeProfileRequest> for FeeInput {
    fn from(r: FeeProfileRequest) -> Self {
        FeeInput {
            profile_code: r.profile_code,
            profile_name: r.profile_name,
            currency: r.currency,
            rates: r.rates.map(|rates| {
                rates
                    .into_iter()
                    .map(|x| RateInput {
                        card_type: x.card_type,
                        network: x.network,
                        installment_from: x.installment_from,
                        installment_to: x.installment_to,
                        rate_percent: x.rate_percent.map(|a| a.0),
                        fixed_fee: x.fixed_fee.map(|a| a.0),
                        value_days: x.value_days,
                    })
                    .collect()
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RateResult {
    pub card_type: String,
    pub network: String,
    pub installment_from: u8,
    pub installment_to: u8,
    pub rate_percent: DecimalOut,
    pub fixed_fee: MoneyOut,
    pub value_days: u32,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct FeeProfileResult {
    pub profile_code: String,
    pub profile_name: String,
    pub currency: u16,
    pub rates: Vec<RateResult>,
}

#[utoipa::path(post, path = "/api/Integration/CreatePosFeeProfile", tag = "Acquirer: profiles", operation_id = "CreatePosFeeProfile",
    request_body = FeeProfileRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation (fields such as Rates[1].RatePercent); 3 the code exists", body = Envelope<ProfileCodeResult>)))]
pub async fn create_fee(command: Command<FeeProfileRequest>) -> ApiResult {
    save_profile::<FeeProfileRequest, FeeProfile>(command, Save::Create).await
}

#[utoipa::path(get, path = "/api/Integration/GetPosFeeProfile", tag = "Acquirer: profiles", operation_id = "GetPosFeeProfile", security(("token" = [])),
    params(("ProfileCode" = String, Query, description = "The profile's code")),
    responses((status = 200, description = "Result 0; 2 no such profile", body = Envelope<FeeProfileResult>)))]
pub async fn get_fee(State(state): State<AppState>, authed: Authed, params: Params) -> ApiResult {
    let call = authed.call();
    let (code, p): (String, FeeProfile) =
        svc::get(&state.host, &call, Kind::Fee, params.get("ProfileCode")).await?;
    let cur = p.currency;
    Ok(ok(FeeProfileResult {
        profile_code: code,
        profile_name: p.profile_name,
        currency: p.currency.numeric(),
        rates: p
            .rates
            .into_iter()
            .map(|r| RateResult {
                card_type: r.card_type.map_or(ANY, CardType::name).to_owned(),
                network: r.network.map_or(ANY, Network::name).to_owned(),
                installment_from: r.installment_from,
                installment_to: r.installment_to,
                rate_percent: DecimalOut(svc::rate_text(r.rate)),
                fixed_fee: MoneyOut {
                    minor: r.fixed_fee,
                    currency: cur,
                },
                value_days: r.value_days,
            })
            .collect(),
    }))
}

#[utoipa::path(put, path = "/api/Integration/UpdatePosFeeProfile", tag = "Acquirer: profiles", operation_id = "UpdatePosFeeProfile",
    request_body = FeeProfileRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such profile", body = Envelope<ProfileCodeResult>)))]
pub async fn update_fee(command: Command<FeeProfileRequest>) -> ApiResult {
    save_profile::<FeeProfileRequest, FeeProfile>(command, Save::Update).await
}

#[utoipa::path(delete, path = "/api/Integration/DeletePosFeeProfile", tag = "Acquirer: profiles", operation_id = "DeletePosFeeProfile", security(("token" = [])),
    params(("ProfileCode" = String, Query, description = "The profile's code")),
    responses((status = 200, description = "Result 0; 2 no such profile; 4 in use", body = Envelope<ProfileCodeResult>)))]
pub async fn delete_fee(command: QueryCommand) -> ApiResult {
    delete(command, Kind::Fee).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CommissionProfileRequest {
    #[schema(example = "COM-OLD")]
    pub profile_code: Option<String>,
    #[schema(example = "Legacy commission")]
    pub profile_name: Option<String>,
    /// Percent with at most 4 decimals.
    pub commission_rate: Option<Amount>,
    #[schema(example = 1)]
    pub value_days: Option<i64>,
}

impl From<CommissionProfileRequest> for CommissionInput {
    fn from(r: CommissionProfileRequest) -> Self {
        CommissionInput {
            profile_code: r.profile_code,
            profile_name: r.profile_name,
            commission_rate: r.commission_rate.map(|a| a.0),
            value_days: r.value_days,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CommissionProfileResult {
    pub profile_code: String,
    pub profile_name: String,
    pub commission_rate: DecimalOut,
    pub value_days: u32,
}

/// Deprecated: a fee profile with one Any/Any/1..99 row. A merchant's fee profile wins over it.
#[utoipa::path(post, path = "/api/Integration/CreateCommissionProfile", tag = "Acquirer: profiles", operation_id = "CreateCommissionProfile",
    request_body = CommissionProfileRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 3 the code exists", body = Envelope<ProfileCodeResult>)))]
pub async fn create_commission(command: Command<CommissionProfileRequest>) -> ApiResult {
    save_profile::<CommissionProfileRequest, CommissionProfile>(command, Save::Create).await
}

#[utoipa::path(get, path = "/api/Integration/GetCommissionProfile", tag = "Acquirer: profiles", operation_id = "GetCommissionProfile", security(("token" = [])),
    params(("ProfileCode" = String, Query, description = "The profile's code")),
    responses((status = 200, description = "Result 0; 2 no such profile", body = Envelope<CommissionProfileResult>)))]
pub async fn get_commission(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let (code, p): (String, CommissionProfile) =
            svc::get(host, call, Kind::Commission, params.get("ProfileCode")).await?;
        Ok(ok(CommissionProfileResult {
            profile_code: code,
            profile_name: p.profile_name,
            commission_rate: DecimalOut(svc::rate_text(p.commission_rate)),
            value_days: p.value_days,
        }))
    })
    .await
}

#[utoipa::path(put, path = "/api/Integration/UpdateCommissionProfile", tag = "Acquirer: profiles", operation_id = "UpdateCommissionProfile",
    request_body = CommissionProfileRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such profile", body = Envelope<ProfileCodeResult>)))]
pub async fn update_commission(command: Command<CommissionProfileRequest>) -> ApiResult {
    save_profile::<CommissionProfileRequest, CommissionProfile>(command, Save::Update).await
}

#[utoipa::path(delete, path = "/api/Integration/DeleteCommissionProfile", tag = "Acquirer: profiles", operation_id = "DeleteCommissionProfile", security(("token" = [])),
    params(("ProfileCode" = String, Query, description = "The profile's code")),
    responses((status = 200, description = "Result 0; 2 no such profile; 4 in use", body = Envelope<ProfileCodeResult>)))]
pub async fn delete_commission(command: QueryCommand) -> ApiResult {
    delete(command, Kind::Commission).await
}
