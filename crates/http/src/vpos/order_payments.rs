//! Payments on orders: sale, pre-sale, capture, void, refund, and the merchant's batch close.

use cardhost_domain::secret::{CardNumber, Cvv2};
use cardhost_service::vpos::payments::{self, FollowUpRequest, PaymentRequest};
use cardhost_service::vpos::{Entry, VposOp};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{financial, VposResult};
use crate::acquirer::batches::{summary_result, BatchSummaryResult};
use crate::command::Command;
use crate::envelope::{ok, ApiResult, Envelope};
use crate::issuer::cards::card_key;
use crate::wire::Amount;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentSaleRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[schema(example = "10000001")]
    pub terminal_no: Option<String>,
    /// 1–64 characters, unique per merchant: a repeat returns the first outcome.
    #[schema(example = "ORD-20260302-0001")]
    pub order_id: Option<String>,
    pub amount: Option<Amount>,
    /// The merchant's currency.
    #[schema(example = 949)]
    pub currency: Option<i64>,
    /// Default 1; more only for credit cards, within the product's and the terminal's maximum.
    #[schema(example = 1)]
    pub installment_count: Option<i64>,
    #[schema(example = "4100001234567898")]
    pub card_no: Option<CardNumber>,
    /// A stored card instead of CardNo (no ExpiryDate or Cvv2 needed).
    pub card_token: Option<String>,
    /// `yyMM`; required with CardNo.
    #[schema(example = "2812")]
    pub expiry_date: Option<String>,
    /// Required with CardNo; checked, never stored.
    #[schema(example = "123")]
    pub cvv2: Option<Cvv2>,
    #[schema(example = "AYSE YILMAZ")]
    pub card_holder_name: Option<String>,
    /// PaymentSale only: the part of Amount paid with the card's loyalty points.
    pub point_amount: Option<Amount>,
    #[schema(example = "203.0.113.7")]
    pub customer_ip: Option<String>,
    #[schema(example = "2 books")]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PostSaleRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[schema(example = "10000001")]
    pub terminal_no: Option<String>,
    #[schema(example = "ORD-20260302-0001")]
    pub order_id: Option<String>,
    /// At most the pre-authorized amount; default all of it.
    pub amount: Option<Amount>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct VoidRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[schema(example = "10000001")]
    pub terminal_no: Option<String>,
    #[schema(example = "ORD-20260302-0001")]
    pub order_id: Option<String>,
    /// The transaction to void; default the order's last voidable one.
    pub process_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RefundRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[schema(example = "10000001")]
    pub terminal_no: Option<String>,
    #[schema(example = "ORD-20260302-0001")]
    pub order_id: Option<String>,
    /// 1–64 characters, unique per refund of the order: a repeat returns the first outcome.
    #[schema(example = "RF-1")]
    pub reference: Option<String>,
    /// Default: what is left to refund.
    pub amount: Option<Amount>,
}

pub(super) fn payment(r: PaymentSaleRequest) -> PaymentRequest {
    PaymentRequest {
        merchant_no: r.merchant_no,
        terminal_no: r.terminal_no,
        order_id: r.order_id,
        amount: r.amount.map(|a| a.0),
        currency: r.currency,
        installment_count: r.installment_count,
        card: card_key(r.card_no, r.card_token),
        expiry_date: r.expiry_date,
        cvv2: r.cvv2,
        card_holder_name: r.card_holder_name,
        point_amount: r.point_amount.map(|a| a.0),
        customer_ip: r.customer_ip,
        description: r.description,
    }
}

async fn pay(command: Command<PaymentSaleRequest>, op: VposOp) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let outcome = payments::pay(host, call, op, payment(r), Entry::Direct).await?;
            Ok(financial(outcome))
        })
        .await
}

/// Authorize and capture an e-commerce sale on an order. On-us cards are
/// decided by this host's issuer; other issuers' cards go to the card network.
/// The terminal's POS authorization profile applies (`58`). Idempotent on `OrderId`.
#[utoipa::path(post, path = "/api/VPos/PaymentSale", tag = "Virtual POS", operation_id = "PaymentSale",
    request_body = PaymentSaleRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved (order Paid); 8 declined (order Failed, ResponseCode says why); 1 validation; 6 another merchant's; 7 OrderId reused with other content", body = Envelope<VposResult>)))]
pub async fn payment_sale(command: Command<PaymentSaleRequest>) -> ApiResult {
    pay(command, VposOp::Sale).await
}

/// Pre-authorize: place a hold for the amount (order `PreAuthorized`), to be
/// captured by PaymentPostSale or released by PaymentVoid or by ExpireHolds.
#[utoipa::path(post, path = "/api/VPos/PaymentPreSale", tag = "Virtual POS", operation_id = "PaymentPreSale",
    request_body = PaymentSaleRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved (order PreAuthorized); 8 declined; 1 validation; 7 OrderId reused", body = Envelope<VposResult>)))]
pub async fn payment_pre_sale(command: Command<PaymentSaleRequest>) -> ApiResult {
    pay(command, VposOp::PreSale).await
}

/// Runs a follow-up on an order.
async fn follow<T>(command: Command<T>, op: VposOp) -> ApiResult
where
    T: DeserializeOwned + Into<FollowUpRequest>,
{
    command
        .respond(async |host, call, r| {
            let outcome = payments::follow_up(host, call, op, r.into()).await?;
            Ok(financial(outcome))
        })
        .await
}

impl From<PostSaleRequest> for FollowUpRequest {
    fn from(r: PostSaleRequest) -> Self {
        FollowUpRequest {
            merchant_no: r.merchant_no,
            terminal_no: r.terminal_no,
            order_id: r.order_id,
            amount: r.amount.map(|a| a.0),
            ..Default::default()
        }
    }
}

impl From<VoidRequest> for FollowUpRequest {
    fn from(r: VoidRequest) -> Self {
        FollowUpRequest {
            merchant_no: r.merchant_no,
            terminal_no: r.terminal_no,
            order_id: r.order_id,
            process_id: r.process_id,
            ..Default::default()
        }
    }
}

impl From<RefundRequest> for FollowUpRequest {
    fn from(r: RefundRequest) -> Self {
        FollowUpRequest {
            merchant_no: r.merchant_no,
            terminal_no: r.terminal_no,
            order_id: r.order_id,
            amount: r.amount.map(|a| a.0),
            reference: r.reference,
            ..Default::default()
        }
    }
}

/// Capture a pre-authorized order (all of it by default, or less: the rest of
/// the hold is released). Once per order: a second capture is `Result` 4.
#[utoipa::path(post, path = "/api/VPos/PaymentPostSale", tag = "Virtual POS", operation_id = "PaymentPostSale",
    request_body = PostSaleRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved (order Captured); 4 not pre-authorized, already captured, or more than the hold; 2 no such order", body = Envelope<VposResult>)))]
pub async fn payment_post_sale(command: Command<PostSaleRequest>) -> ApiResult {
    follow(command, VposOp::PostSale).await
}

/// Undo a sale, pre-sale or capture completely, while its batch is open
/// (after the batch closed, refund instead: `Result` 4).
#[utoipa::path(post, path = "/api/VPos/PaymentVoid", tag = "Virtual POS", operation_id = "PaymentVoid",
    request_body = VoidRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved (order Voided); 4 nothing voidable, batch closed, or order refunded; 2 no such order", body = Envelope<VposResult>)))]
pub async fn payment_void(command: Command<VoidRequest>) -> ApiResult {
    follow(command, VposOp::Void).await
}

/// Return money of a paid or captured order, in one or more refunds each with
/// its own `Reference`; together they never exceed what was captured.
#[utoipa::path(post, path = "/api/VPos/PaymentRefund", tag = "Virtual POS", operation_id = "PaymentRefund",
    request_body = RefundRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved (order PartiallyRefunded or Refunded); 4 more than is left; 7 Reference reused with another amount", body = Envelope<VposResult>)))]
pub async fn payment_refund(command: Command<RefundRequest>) -> ApiResult {
    follow(command, VposOp::Refund).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct BatchCloseRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[schema(example = "10000001")]
    pub terminal_no: Option<String>,
}

/// Close the terminal's open batch: as `ClosePosBatch`, for the merchant's own terminal.
#[utoipa::path(post, path = "/api/VPos/BatchClose", tag = "Virtual POS", operation_id = "BatchClose",
    request_body = BatchCloseRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 the closed batch with NextBatchNo; 2 no such terminal of the merchant; 6 another merchant's", body = Envelope<BatchSummaryResult>)))]
pub async fn batch_close(command: Command<BatchCloseRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let s = payments::batch_close(host, call, r.merchant_no, r.terminal_no).await?;
            Ok(ok(summary_result(s)))
        })
        .await
}
