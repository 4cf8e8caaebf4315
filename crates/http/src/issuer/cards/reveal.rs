//! The deprecated `pan`-scope reads, each audited.

use cardhost_domain::secret::{RevealedCardNumber, RevealedCvv2};
use cardhost_service::issuer::cards::{self};
use serde::Serialize;
use utoipa::ToSchema;

use super::{card_key, query_card_key};
use crate::command::Read;
use crate::envelope::{ok, ApiResult, Envelope};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardNoResult {
    pub card_no: RevealedCardNumber,
}

/// Deprecated: the PAN behind a token (scope `pan`; every call is audited).
#[utoipa::path(get, path = "/api/Integration/GetCardNo", tag = "Issuer: cards", operation_id = "GetCardNo", security(("token" = [])),
    params(("CardToken" = String, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 2 no such card; 6 no pan scope", body = Envelope<CardNoResult>)))]
pub async fn get_card_no(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let key = card_key(None, params.get("CardToken").map(str::to_owned));
        let pan = cards::reveal_card_no(host, call, &key).await?;
        Ok(ok(CardNoResult {
            card_no: pan.reveal(),
        }))
    })
    .await
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
pub async fn get_card_private_info(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let info = cards::private_info(host, call, &query_card_key(params)).await?;
        Ok(ok(PrivateInfoResult {
            card_no: info.pan.reveal(),
            expiry_date: info.expiry,
            cvv2: info.cvv2.reveal(),
            emboss_name: info.emboss_name,
        }))
    })
    .await
}
