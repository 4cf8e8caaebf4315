//! 3-D Secure payments: start a session, then complete its payment once the
//! cardholder authenticated on the ACS page (`crate::acs`).

use cardhost_service::vpos::three_ds::{self, Started, ThreeDRequest};
use cardhost_service::vpos::VposOp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{financial, financial_as, payment, PaymentSaleRequest, VposResult};
use crate::command::Command;
use crate::envelope::{ok, ApiResult, Envelope};

/// `PaymentSale`'s fields and where the ACS page sends the cardholder back.
/// Documentation only: a request is read as a `PaymentSaleRequest` and its
/// [`CallbackUrls`], each naming its own fields' errors.
#[derive(Debug, ToSchema)]
pub struct ThreeDSaleRequest {
    #[serde(flatten)]
    pub sale: PaymentSaleRequest,
    #[serde(flatten)]
    pub urls: CallbackUrls,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ThreeDStartResult {
    #[serde(rename = "ThreeDSessionId")]
    pub three_d_session_id: String,
    /// The host's ACS page for the session: send the cardholder's browser there.
    #[schema(example = "https://cardhost.example/acs/9fQ2…")]
    pub redirect_url: String,
    /// A small page that sends the browser to RedirectUrl (a link, no script).
    pub html_content: String,
}

/// What a 3-D Secure start answers: the session, or the payment declined
/// before authentication (`Result` 8) as PaymentSale would answer it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ThreeDStartAnswer {
    Session(ThreeDStartResult),
    Declined(VposResult),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ThreeDCompleteRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[serde(rename = "ThreeDSessionId")]
    #[schema(example = "9fQ2xT7bK3mN8pR4sV6wY2zA5cE7gH9j")]
    pub three_d_session_id: Option<String>,
}

/// The part of a `ThreeDSale` request that `PaymentSale` does not have.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackUrls {
    /// Where the browser is sent (form POST) when the cardholder authenticated.
    #[schema(example = "https://shop.example/3ds/ok")]
    pub success_url: Option<String>,
    /// Where the browser is sent (form POST) when authentication failed.
    #[schema(example = "https://shop.example/3ds/fail")]
    pub fail_url: Option<String>,
}

async fn start(command: Command<ThreeDSaleRequest>, op: VposOp) -> ApiResult {
    command
        .run_on_body(async |host, call, body| {
            let urls: CallbackUrls = body.parse()?;
            let request = ThreeDRequest {
                payment: payment(body.parse::<PaymentSaleRequest>()?),
                success_url: urls.success_url,
                fail_url: urls.fail_url,
            };
            match three_ds::start(host, call, op, request).await? {
                Started::Refused(outcome) => {
                    Ok(financial_as(*outcome, ThreeDStartAnswer::Declined))
                }
                Started::Session { session_id } => {
                    let redirect_url = format!("{}/acs/{session_id}", host.settings.public_url);
                    Ok(ok(ThreeDStartAnswer::Session(ThreeDStartResult {
                        html_content: crate::acs::redirect_page(&redirect_url),
                        three_d_session_id: session_id,
                        redirect_url,
                    })))
                }
            }
        })
        .await
}

/// Start a 3-D Secure sale: nothing is authorized yet. The cardholder's
/// browser goes to RedirectUrl, answers the card's 3-D Secure password or a
/// one-time code sent by SMS, and comes back to SuccessUrl or FailUrl with a
/// signed form POST (`ThreeDSessionId`, `OrderId`, `MdStatus`, `Hash`).
/// A payment the merchant's rules or the card's expiry and CVV2 refuse is
/// declined at once, as PaymentSale would decline it.
#[utoipa::path(post, path = "/api/VPos/ThreeDSale", tag = "Virtual POS", operation_id = "ThreeDSale",
    request_body = ThreeDSaleRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 session started (order Created); 8 declined before authentication (a VposResult; order Failed); 1 validation; 6 another merchant's; 7 OrderId already paid", body = Envelope<ThreeDStartAnswer>)))]
pub async fn three_d_sale(command: Command<ThreeDSaleRequest>) -> ApiResult {
    start(command, VposOp::Sale).await
}

/// Start a 3-D Secure pre-sale: as ThreeDSale; the completed payment places a hold.
#[utoipa::path(post, path = "/api/VPos/ThreeDPreSale", tag = "Virtual POS", operation_id = "ThreeDPreSale",
    request_body = ThreeDSaleRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 session started; 8 declined before authentication; 1 validation; 6 another merchant's; 7 OrderId already paid", body = Envelope<ThreeDStartAnswer>)))]
pub async fn three_d_pre_sale(command: Command<ThreeDSaleRequest>) -> ApiResult {
    start(command, VposOp::PreSale).await
}

/// Authorize the payment of an authenticated 3-D Secure session of the
/// merchant, once: a repeat answers the first outcome.
#[utoipa::path(post, path = "/api/VPos/ThreeDCompletePayment", tag = "Virtual POS", operation_id = "ThreeDCompletePayment",
    request_body = ThreeDCompleteRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved; 8 declined, or 05 when authentication failed; 4 not authenticated yet, or expired (15 minutes); 2 no such session of the merchant; 1 validation", body = Envelope<VposResult>)))]
pub async fn three_d_complete_payment(command: Command<ThreeDCompleteRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let outcome = three_ds::complete(
                host,
                call,
                r.merchant_no.as_deref(),
                r.three_d_session_id.as_deref(),
            )
            .await?;
            Ok(financial(outcome))
        })
        .await
}
