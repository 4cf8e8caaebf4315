//! `ExpireHolds`: releasing pre-authorizations past their product's days.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::command::Command;
use crate::envelope::{ok, ApiResult, Envelope};
use crate::wire::{totals, Amount, CurrencyTotal, DecimalOut};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ExpireHoldsRequest {
    /// `yyyyMMdd`; default today (business time zone).
    #[schema(example = "20260309")]
    pub as_of_date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ExpireHoldsResult {
    pub released: i64,
    /// What was released: `0` when nothing was, null when holds of several
    /// currencies were (see `Amounts`).
    #[schema(value_type = Option<Amount>)]
    pub amount: Option<DecimalOut>,
    /// What was released, per currency.
    pub amounts: Vec<CurrencyTotal>,
}

/// Release pre-authorization holds older than their product's hold days
/// (default 7); their orders become Expired. The server also runs this hourly.
#[utoipa::path(post, path = "/api/Admin/ExpireHolds", tag = "Operations", operation_id = "ExpireHolds",
    request_body = ExpireHoldsRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 bad date; 6 without the admin scope", body = Envelope<ExpireHoldsResult>)))]
pub async fn expire_holds(command: Command<ExpireHoldsRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let e =
                cardhost_service::money::holds::expire(host, call, r.as_of_date.as_deref()).await?;
            let (amount, amounts) = totals(&e.amounts);
            Ok(ok(ExpireHoldsResult {
                released: e.released,
                amount,
                amounts,
            }))
        })
        .await
}
