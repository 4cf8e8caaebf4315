//! Reading orders and transactions back, and installment and point inquiries.

use axum::extract::State;
use cardhost_domain::money::format_major;
use cardhost_domain::product::CardType;
use cardhost_domain::secret::CardNumber;
use cardhost_domain::status::OrderStatus;
use cardhost_service::vpos::inquiry::{self, OrderKey};
use cardhost_service::vpos::OrderView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{tx_result, VposResult};
use crate::command::Read;
use crate::envelope::{ok, ApiResult, Envelope};
use crate::extract::{Authed, JsonBody, Params};
use crate::issuer::cards::card_key;
use crate::state::AppState;
use crate::wire::{Amount, DecimalOut, MoneyOut};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OrderResult {
    pub order_id: String,
    pub order_status: OrderStatus,
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
    let currency = v.currency;
    let m = MoneyOut::of(currency);
    OrderResult {
        order_id: v.order_id,
        order_status: v.status,
        amount: m(v.amount),
        captured_amount: m(v.captured_amount),
        refunded_amount: m(v.refunded_amount),
        currency: currency.numeric(),
        masked_card_no: v.masked_card_no,
        installment_count: v.installment_count,
        last_transaction: v.last.map(tx_result),
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
        "CheckByToken" => OrderKey::Token(params.required("Token")),
        _ => OrderKey::OrderId(params.required("OrderId")),
    };
    let merchant_no = params.required("MerchantNo");
    let v = inquiry::order_view(&state.host, &call, merchant_no, by).await?;
    Ok(ok(order_result(v)))
}

/// One transaction by its ProcessId, with its type and order.
#[utoipa::path(get, path = "/api/VPos/CheckByProcessId", tag = "Virtual POS", operation_id = "CheckByProcessId", security(("token" = [])),
    params(("MerchantNo" = String, Query, description = "The merchant"), ("ProcessId" = String, Query, description = "The host's transaction id")),
    responses((status = 200, description = "Result 0 (a declined transaction is reported as it was decided); 2 not the merchant's or unknown", body = Envelope<VposResult>)))]
pub async fn check_by_process_id(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let t = inquiry::by_process(
            host,
            call,
            params.required("MerchantNo"),
            params.required("ProcessId"),
        )
        .await?;
        Ok(ok(tx_result(t)))
    })
    .await
}

/// Every transaction of the order, oldest first.
#[utoipa::path(get, path = "/api/VPos/ListByOrderId", tag = "Virtual POS", operation_id = "ListByOrderId", security(("token" = [])),
    params(("MerchantNo" = String, Query, description = "The merchant"), ("OrderId" = String, Query, description = "The merchant's order id")),
    responses((status = 200, description = "Result 0; 2 no such order; 6 another merchant's", body = Envelope<Vec<VposResult>>)))]
pub async fn list_by_order_id(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let txs = inquiry::list(
            host,
            call,
            params.required("MerchantNo"),
            params.required("OrderId"),
        )
        .await?;
        let items: Vec<VposResult> = txs.into_iter().map(tx_result).collect();
        Ok(ok(items))
    })
    .await
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
    let m = MoneyOut::of(currency);
    Ok(ok(InstallmentInquiryResult {
        card_type: offer.card_type.map_or("Unknown", CardType::name).to_owned(),
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
