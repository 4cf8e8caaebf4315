//! `ExplainHash`: the signed string and expected hash of a callback, for a
//! merchant debugging its own hash check.

use axum::extract::State;
use cardhost_service::vpos::callbacks::{self, ExplainInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::envelope::{ok, ApiResult, Envelope};
use crate::extract::{Authed, JsonBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ExplainHashRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    /// `ThreeD` (the ACS page's return: ThreeDSessionId + OrderId + MdStatus)
    /// or `Order` (the payment page's return: OrderToken + OrderId + ResponseCode).
    #[schema(example = "ThreeD")]
    pub kind: Option<String>,
    #[schema(example = "3c1f0e52a9d14b7e8f6a2d0b4c9e7a15")]
    pub three_d_session_id: Option<String>,
    #[schema(example = "ORD-1001")]
    pub order_id: Option<String>,
    /// `1` authenticated, `0` failed.
    #[schema(example = "1")]
    pub md_status: Option<String>,
    pub order_token: Option<String>,
    pub response_code: Option<String>,
    /// The hash the merchant computed: base64 of HMAC-SHA256 under its store key.
    #[schema(example = "q0f1v7Qm3a5xY2c8ZkPp9r4tWnL6bJhE1sDgU0oXiA8=")]
    pub hash: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ExplainHashResult {
    /// The exact string the host signs: the fields joined with nothing between.
    #[schema(example = "3c1f0e52a9d14b7e8f6a2d0b4c9e7a15ORD-10011")]
    pub signed_string: String,
    /// The hash the host sends with that callback.
    pub expected_hash: String,
    /// Whether the request's `Hash` equals `ExpectedHash`.
    pub matches: bool,
}

/// Explains a callback hash: the exact string the host signs for `Kind`, the
/// hash it sends, and whether the merchant's own equals it. The store key is
/// never shown. A `vpos` client explains only its own merchant's.
#[utoipa::path(post, path = "/api/VPos/ExplainHash", tag = "Virtual POS", operation_id = "ExplainHash",
    request_body = ExplainHashRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 (Matches says whether the hash is right); 1 validation; 2 no such merchant; 4 a merchant without the virtual POS; 6 another merchant's", body = Envelope<ExplainHashResult>)))]
pub async fn explain_hash(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let r: ExplainHashRequest = body.parse()?;
    let input = ExplainInput {
        merchant_no: r.merchant_no.unwrap_or_default(),
        kind: r.kind,
        session_id: r.three_d_session_id,
        order_id: r.order_id,
        md_status: r.md_status,
        order_token: r.order_token,
        response_code: r.response_code,
        hash: r.hash,
    };
    let explained = callbacks::explain_hash(&state.host, &authed.call(), input).await?;
    Ok(ok(ExplainHashResult {
        signed_string: explained.signed_string,
        expected_hash: explained.expected_hash,
        matches: explained.matches,
    }))
}
