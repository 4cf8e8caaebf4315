//! Virtual POS operations (`/api/VPos/`, scope `vpos`): payments on orders,
//! their inquiries, installments and points; and `ExpireHolds` for operators.

use axum::extract::State;
use axum::response::Response;
use cardhost_domain::date::format_timestamp;
use cardhost_domain::money::format_major;
use cardhost_domain::response;
use cardhost_domain::secret::{CardNumber, Cvv2};
use cardhost_domain::Currency;
use cardhost_service::vpos::inquiry::{self, OrderKey, OrderView};
use cardhost_service::vpos::payments::{self, FollowUpRequest, PaymentRequest};
use cardhost_service::vpos::OrderTxRow;
use cardhost_service::vpos::{VposOp, VposOutcome};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::acquirer::batches::{summary_result, BatchSummaryResult};
use crate::envelope::{approved, declined, ok, ApiError, ApiResult, Envelope};
use crate::extract::{Authed, JsonBody, Params};
use crate::issuer::cards::card_key;
use crate::state::{audited, AppState};
use crate::wire::{Amount, DecimalOut, MoneyOut};

fn timestamp(ms: i64) -> String {
    format_timestamp(chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default())
}

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

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct VposResult {
    #[schema(example = "100000000001")]
    pub process_id: String,
    pub order_id: String,
    /// Sale, PreSale, PostSale, Void or Refund.
    #[schema(example = "Sale")]
    pub transaction_type: String,
    #[schema(example = "00")]
    pub response_code: String,
    #[schema(example = "Approved")]
    pub response_message: String,
    pub auth_code: String,
    pub rrn: String,
    pub amount: MoneyOut,
    #[schema(example = 949)]
    pub currency: u16,
    pub masked_card_no: String,
    /// `yyyyMMddHHmmss` UTC.
    pub transaction_date: String,
    /// The terminal batch the transaction landed in (none for a pre-sale or a decline).
    pub batch_no: Option<i64>,
    pub installment_count: i64,
    pub point_amount: MoneyOut,
    /// OnUs (a card of this host) or OffUs (through the card network).
    pub network: String,
    /// Approved, Declined or Voided.
    pub status: String,
    /// Capture, void, refund: the transaction acted on.
    pub original_process_id: Option<String>,
}

fn tx_result(t: &OrderTxRow, currency: Currency) -> VposResult {
    let m = |minor| MoneyOut { minor, currency };
    VposResult {
        process_id: t.process_id.to_string(),
        order_id: t.order_id.clone(),
        transaction_type: t.transaction_type.clone(),
        response_code: t.response_code.clone(),
        response_message: response::message(&t.response_code).to_owned(),
        auth_code: t.auth_code.clone(),
        rrn: t.rrn.clone(),
        amount: m(t.amount),
        currency: currency.numeric(),
        masked_card_no: t.masked_card_no.clone(),
        transaction_date: timestamp(t.created_at),
        batch_no: t.batch_no,
        installment_count: t.installment_count,
        point_amount: m(t.point_amount),
        network: t.network.clone(),
        status: t.status.clone(),
        original_process_id: t.original_process_id.map(|p| p.to_string()),
    }
}

fn financial(outcome: VposOutcome) -> Response {
    let result = tx_result(&outcome.tx, outcome.currency);
    if outcome.tx.response_code == response::APPROVED {
        approved(result, outcome.tx.rrn.parse().unwrap_or(0))
    } else {
        declined(result, &outcome.tx.response_code)
    }
}

fn payment(r: PaymentSaleRequest) -> PaymentRequest {
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

async fn pay(state: AppState, authed: Authed, body: JsonBody, op: VposOp) -> ApiResult {
    let call = authed.call();
    audited(&state, &call, async {
        let r: PaymentSaleRequest = body.parse()?;
        let outcome = payments::pay(&state.host, &call, op, payment(r)).await?;
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
pub async fn payment_sale(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    pay(state, authed, body, VposOp::Sale).await
}

/// Pre-authorize: place a hold for the amount (order `PreAuthorized`), to be
/// captured by PaymentPostSale or released by PaymentVoid or by ExpireHolds.
#[utoipa::path(post, path = "/api/VPos/PaymentPreSale", tag = "Virtual POS", operation_id = "PaymentPreSale",
    request_body = PaymentSaleRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved (order PreAuthorized); 8 declined; 1 validation; 7 OrderId reused", body = Envelope<VposResult>)))]
pub async fn payment_pre_sale(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    pay(state, authed, body, VposOp::PreSale).await
}

/// Runs a follow-up on an order; the request is read inside the audited
/// section so that a malformed body is audited too.
async fn follow(
    state: AppState,
    authed: Authed,
    op: VposOp,
    request: impl FnOnce() -> Result<FollowUpRequest, ApiError>,
) -> ApiResult {
    let call = authed.call();
    audited(&state, &call, async {
        let outcome = payments::follow_up(&state.host, &call, op, request()?).await?;
        Ok(financial(outcome))
    })
    .await
}

/// Capture a pre-authorized order (all of it by default, or less: the rest of
/// the hold is released). Once per order: a second capture is `Result` 4.
#[utoipa::path(post, path = "/api/VPos/PaymentPostSale", tag = "Virtual POS", operation_id = "PaymentPostSale",
    request_body = PostSaleRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved (order Captured); 4 not pre-authorized, already captured, or more than the hold; 2 no such order", body = Envelope<VposResult>)))]
pub async fn payment_post_sale(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    follow(state, authed, VposOp::PostSale, || {
        let r: PostSaleRequest = body.parse()?;
        Ok(FollowUpRequest {
            merchant_no: r.merchant_no,
            terminal_no: r.terminal_no,
            order_id: r.order_id,
            amount: r.amount.map(|a| a.0),
            ..Default::default()
        })
    })
    .await
}

/// Undo a sale, pre-sale or capture completely, while its batch is open
/// (after the batch closed, refund instead: `Result` 4).
#[utoipa::path(post, path = "/api/VPos/PaymentVoid", tag = "Virtual POS", operation_id = "PaymentVoid",
    request_body = VoidRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved (order Voided); 4 nothing voidable, batch closed, or order refunded; 2 no such order", body = Envelope<VposResult>)))]
pub async fn payment_void(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    follow(state, authed, VposOp::Void, || {
        let r: VoidRequest = body.parse()?;
        Ok(FollowUpRequest {
            merchant_no: r.merchant_no,
            terminal_no: r.terminal_no,
            order_id: r.order_id,
            process_id: r.process_id,
            ..Default::default()
        })
    })
    .await
}

/// Return money of a paid or captured order, in one or more refunds each with
/// its own `Reference`; together they never exceed what was captured.
#[utoipa::path(post, path = "/api/VPos/PaymentRefund", tag = "Virtual POS", operation_id = "PaymentRefund",
    request_body = RefundRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved (order PartiallyRefunded or Refunded); 4 more than is left; 7 Reference reused with another amount", body = Envelope<VposResult>)))]
pub async fn payment_refund(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    follow(state, authed, VposOp::Refund, || {
        let r: RefundRequest = body.parse()?;
        Ok(FollowUpRequest {
            merchant_no: r.merchant_no,
            terminal_no: r.terminal_no,
            order_id: r.order_id,
            amount: r.amount.map(|a| a.0),
            reference: r.reference,
            ..Default::default()
        })
    })
    .await
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
pub async fn batch_close(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    audited(&state, &call, async {
        let r: BatchCloseRequest = body.parse()?;
        let s = payments::batch_close(&state.host, &call, r.merchant_no, r.terminal_no).await?;
        Ok(ok(summary_result(s)))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OrderResult {
    pub order_id: String,
    /// Created, Paid, PreAuthorized, Captured, Voided, PartiallyRefunded, Refunded, Failed or Expired.
    #[schema(example = "Paid")]
    pub order_status: String,
    pub amount: MoneyOut,
    pub captured_amount: MoneyOut,
    pub refunded_amount: MoneyOut,
    #[schema(example = 949)]
    pub currency: u16,
    pub masked_card_no: String,
    pub installment_count: i64,
    pub last_transaction: Option<VposResult>,
}

fn order_result(v: OrderView) -> OrderResult {
    let currency = cardhost_service::vpos::currency_of(v.order.currency);
    let m = |minor| MoneyOut { minor, currency };
    OrderResult {
        order_id: v.order.order_id.clone(),
        order_status: v.order.status.clone(),
        amount: m(v.order.amount),
        captured_amount: m(v.order.captured_amount),
        refunded_amount: m(v.order.refunded_amount),
        currency: currency.numeric(),
        masked_card_no: v.order.masked_card_no.clone(),
        installment_count: v.order.installment_count,
        last_transaction: v.last.as_ref().map(|t| tx_result(t, currency)),
    }
}

/// An order's status and amounts, with its latest transaction.
#[utoipa::path(get, path = "/api/VPos/CheckByOrderId", tag = "Virtual POS", operation_id = "CheckByOrderId", security(("token" = [])),
    params(("MerchantNo" = String, Query, description = "The merchant"), ("OrderId" = String, Query, description = "The merchant's order id")),
    responses((status = 200, description = "Result 0; 2 no such order; 6 another merchant's", body = Envelope<OrderResult>)))]
pub async fn check_by_order_id(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult {
    check_order(state, authed, params, "CheckByOrderId").await
}

/// The order behind an order token (`OrderToken`, `QrToken` or `ThreeDSessionId`).
#[utoipa::path(get, path = "/api/VPos/CheckByToken", tag = "Virtual POS", operation_id = "CheckByToken", security(("token" = [])),
    params(("MerchantNo" = String, Query, description = "The merchant"), ("Token" = String, Query, description = "An OrderToken, QrToken or ThreeDSessionId")),
    responses((status = 200, description = "Result 0; 2 no order has that token; 6 another merchant's", body = Envelope<OrderResult>)))]
pub async fn check_by_token(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult {
    check_order(state, authed, params, "CheckByToken").await
}

async fn check_order(
    state: AppState,
    authed: Authed,
    params: Params,
    operation: &'static str,
) -> ApiResult {
    let call = authed.call();
    let by = match operation {
        "CheckByToken" => OrderKey::Token(params.get("Token").unwrap_or("")),
        _ => OrderKey::OrderId(params.get("OrderId").unwrap_or("")),
    };
    let merchant_no = params.get("MerchantNo").unwrap_or("");
    let v = inquiry::order_view(&state.host, &call, merchant_no, by).await?;
    Ok(ok(order_result(v)))
}

/// One transaction by its ProcessId, with its type and order.
#[utoipa::path(get, path = "/api/VPos/CheckByProcessId", tag = "Virtual POS", operation_id = "CheckByProcessId", security(("token" = [])),
    params(("MerchantNo" = String, Query, description = "The merchant"), ("ProcessId" = String, Query, description = "The host's transaction id")),
    responses((status = 200, description = "Result 0 (a declined transaction is reported as it was decided); 2 not the merchant's or unknown", body = Envelope<VposResult>)))]
pub async fn check_by_process_id(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult {
    let call = authed.call();
    let t = inquiry::by_process(
        &state.host,
        &call,
        params.get("MerchantNo").unwrap_or(""),
        params.get("ProcessId").unwrap_or(""),
    )
    .await?;
    let currency = cardhost_service::vpos::currency_of(t.currency);
    Ok(ok(tx_result(&t, currency)))
}

/// Every transaction of the order, oldest first.
#[utoipa::path(get, path = "/api/VPos/ListByOrderId", tag = "Virtual POS", operation_id = "ListByOrderId", security(("token" = [])),
    params(("MerchantNo" = String, Query, description = "The merchant"), ("OrderId" = String, Query, description = "The merchant's order id")),
    responses((status = 200, description = "Result 0; 2 no such order; 6 another merchant's", body = Envelope<Vec<VposResult>>)))]
pub async fn list_by_order_id(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult {
    let call = authed.call();
    let txs = inquiry::list(
        &state.host,
        &call,
        params.get("MerchantNo").unwrap_or(""),
        params.get("OrderId").unwrap_or(""),
    )
    .await?;
    let items: Vec<VposResult> = txs
        .iter()
        .map(|t| tx_result(t, cardhost_service::vpos::currency_of(t.currency)))
        .collect();
    Ok(ok(items))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct InstallmentInquiryRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    pub amount: Option<Amount>,
    #[schema(example = 949)]
    pub currency: Option<i64>,
    #[schema(example = "4100001234567898")]
    pub card_no: Option<CardNumber>,
    /// 6 to 8 digits, instead of CardNo.
    #[schema(example = "410000")]
    pub bin: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct InstallmentRow {
    pub installment_count: u8,
    /// Every installment but the last: TotalAmount / count, rounded down.
    pub installment_amount: MoneyOut,
    /// The remainder, so the installments sum exactly to TotalAmount.
    pub last_installment_amount: MoneyOut,
    pub total_amount: MoneyOut,
    /// Total interest, percent.
    pub interest_rate: DecimalOut,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct InstallmentInquiryResult {
    /// Credit, Debit, Prepaid, or Unknown for another issuer's card.
    #[schema(example = "Credit")]
    pub card_type: String,
    #[schema(example = "Visa")]
    pub brand: String,
    pub installments: Vec<InstallmentRow>,
}

/// The installment plans a card may take at the merchant: one payment always;
/// more for this host's credit cards, up to the smaller of the product's and
/// the merchant's maximum, with the product's interest.
#[utoipa::path(post, path = "/api/VPos/InstallmentInquiry", tag = "Virtual POS", operation_id = "InstallmentInquiry",
    request_body = InstallmentInquiryRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 6 another merchant's", body = Envelope<InstallmentInquiryResult>)))]
pub async fn installment_inquiry(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    let r: InstallmentInquiryRequest = body.parse()?;
    let offer = inquiry::installment_inquiry(
        &state.host,
        &call,
        r.merchant_no.as_deref().unwrap_or(""),
        r.amount.as_ref().map(|a| &a.0),
        r.currency,
        &card_key(r.card_no, None),
        r.bin.as_deref(),
    )
    .await?;
    let currency = offer.currency;
    let m = |minor| MoneyOut { minor, currency };
    Ok(ok(InstallmentInquiryResult {
        card_type: offer.card_type,
        brand: offer.brand,
        installments: offer
            .installments
            .iter()
            .map(|i| InstallmentRow {
                installment_count: i.count,
                installment_amount: m(i.amount),
                last_installment_amount: m(i.last),
                total_amount: m(i.total),
                interest_rate: DecimalOut(format_major(i64::from(i.interest_bp), 2)),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PointInquiryRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[schema(example = "4100001234567898")]
    pub card_no: Option<CardNumber>,
    pub card_token: Option<String>,
    /// Checked when present.
    #[schema(example = "2812")]
    pub expiry_date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PointInquiryResult {
    /// Whole points (1 point = 0.01 of the card's currency).
    pub point_balance: i64,
    /// What the points are worth.
    pub point_amount: MoneyOut,
    #[schema(example = 949)]
    pub currency: u16,
}

/// A card's loyalty points and what they pay for (PaymentSale's PointAmount).
#[utoipa::path(post, path = "/api/VPos/PointInquiry", tag = "Virtual POS", operation_id = "PointInquiry",
    request_body = PointInquiryRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 2 not a card of this host; 1 validation", body = Envelope<PointInquiryResult>)))]
pub async fn point_inquiry(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    let r: PointInquiryRequest = body.parse()?;
    let p = inquiry::point_inquiry(
        &state.host,
        &call,
        r.merchant_no.as_deref().unwrap_or(""),
        &card_key(r.card_no, r.card_token),
        r.expiry_date.as_deref(),
    )
    .await?;
    Ok(ok(PointInquiryResult {
        point_balance: p.points,
        point_amount: MoneyOut {
            minor: p.amount,
            currency: p.currency,
        },
        currency: p.currency.numeric(),
    }))
}

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
    /// What was released (in the first currency when holds of several were).
    pub amount: MoneyOut,
}

/// Release pre-authorization holds older than their product's hold days
/// (default 7); their orders become Expired. The server also runs this hourly.
#[utoipa::path(post, path = "/api/Admin/ExpireHolds", tag = "Operations", operation_id = "ExpireHolds",
    request_body = ExpireHoldsRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 bad date; 6 without the admin scope", body = Envelope<ExpireHoldsResult>)))]
pub async fn expire_holds(
    State(state): State<AppState>,
    authed: Authed,
    body: JsonBody,
) -> ApiResult {
    let call = authed.call();
    audited(&state, &call, async {
        let r: ExpireHoldsRequest = body.parse()?;
        let e = cardhost_service::money::holds::expire(&state.host, &call, r.as_of_date.as_deref())
            .await?;
        let (currency, minor) = e.amounts.first().copied().unwrap_or((Currency::TRY, 0));
        Ok(ok(ExpireHoldsResult {
            released: e.released,
            amount: MoneyOut { minor, currency },
        }))
    })
    .await
}
