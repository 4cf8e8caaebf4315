//! POS batches: summary, detail, close.

use cardhost_domain::date::Timestamp;
use cardhost_domain::field::counting_number;
use cardhost_domain::status::{BatchStatus, OrderTxStatus, VposOp};
use cardhost_service::acquirer::batches::{self as svc, BatchSummary};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::command::{Command, Read};
use crate::envelope::{ok, ApiError, ApiResult, Envelope};
use crate::extract::Params;
use crate::wire::{MoneyOut, Paged};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct BatchSummaryResult {
    pub terminal_no: String,
    pub merchant_no: String,
    pub batch_no: i64,
    pub batch_status: BatchStatus,
    pub open_date: Timestamp,
    pub close_date: Option<Timestamp>,
    pub sale_count: i64,
    pub sale_amount: MoneyOut,
    pub refund_count: i64,
    pub refund_amount: MoneyOut,
    pub void_count: i64,
    pub void_amount: MoneyOut,
    /// SaleAmount − RefundAmount.
    pub net_amount: MoneyOut,
    pub currency: u16,
    /// ClosePosBatch only: the batch now open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_batch_no: Option<i64>,
}

pub fn summary_result(s: BatchSummary) -> BatchSummaryResult {
    let m = MoneyOut::of(s.currency);
    BatchSummaryResult {
        net_amount: m(s.sale_amount - s.refund_amount),
        sale_amount: m(s.sale_amount),
        refund_amount: m(s.refund_amount),
        void_amount: m(s.void_amount),
        terminal_no: s.terminal_no,
        merchant_no: s.merchant_no,
        batch_no: s.batch_no,
        batch_status: s.status,
        open_date: s.opened,
        close_date: s.closed,
        sale_count: s.sale_count,
        refund_count: s.refund_count,
        void_count: s.void_count,
        currency: s.currency.numeric(),
        next_batch_no: s.next_batch_no,
    }
}

fn batch_no(params: &Params) -> Result<Option<i64>, ApiError> {
    match params.get("BatchNo").filter(|b| !b.is_empty()) {
        Some(b) => counting_number(b)
            .map(Some)
            .ok_or_else(|| ApiError::field("BatchNo", "must be a whole number from 1")),
        None => Ok(None),
    }
}

/// A batch's totals; the open batch when `BatchNo` is absent.
#[utoipa::path(get, path = "/api/Integration/GetPosBatchSummary", tag = "Acquirer: batches", operation_id = "GetPosBatchSummary", security(("token" = [])),
    params(("TerminalNo" = String, Query, description = "The terminal"), ("BatchNo" = Option<i64>, Query, description = "Default: the open batch")),
    responses((status = 200, description = "Result 0; 2 no such terminal or batch; 6 another merchant's", body = Envelope<BatchSummaryResult>)))]
pub async fn get_pos_batch_summary(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let s = svc::summary(
            host,
            call,
            params.required("TerminalNo"),
            batch_no(params)?,
            None,
        )
        .await?;
        Ok(ok(summary_result(s)))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct BatchTransaction {
    pub process_id: String,
    pub order_id: Option<String>,
    /// Sale or Refund (a capture is batched as a Sale).
    pub transaction_type: VposOp,
    pub amount: MoneyOut,
    pub masked_card_no: String,
    pub auth_code: String,
    pub rrn: String,
    pub installment_count: i64,
    pub transaction_date: Timestamp,
    /// Approved or Voided.
    pub status: OrderTxStatus,
}

/// A page of a batch's transactions, oldest first.
#[utoipa::path(get, path = "/api/Integration/GetPosBatchDetail", tag = "Acquirer: batches", operation_id = "GetPosBatchDetail", security(("token" = [])),
    params(("TerminalNo" = String, Query, description = "The terminal"), ("BatchNo" = Option<i64>, Query, description = "Default: the open batch"),
        ("Page" = Option<i64>, Query, description = "From 1"), ("PageSize" = Option<i64>, Query, description = "Default 20, at most 500")),
    responses((status = 200, description = "Result 0; 2 no such terminal; 6 another merchant's", body = Envelope<Paged<BatchTransaction>>)))]
pub async fn get_pos_batch_detail(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let (page, currency) = svc::detail(
            host,
            call,
            params.required("TerminalNo"),
            batch_no(params)?,
            params.paging()?,
        )
        .await?;
        Ok(ok(Paged::of(page, |t| BatchTransaction {
            process_id: t.process_id.to_string(),
            order_id: t.order_id,
            transaction_type: t.transaction_type,
            amount: MoneyOut {
                minor: t.amount,
                currency,
            },
            masked_card_no: t.masked_card_no,
            auth_code: t.auth_code,
            rrn: t.rrn,
            installment_count: t.installment_count,
            transaction_date: t.at,
            status: t.status,
        })))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CloseBatchRequest {
    #[schema(example = "10000001")]
    pub terminal_no: Option<String>,
}

/// Close the terminal's open batch: each transaction's commission from the fee
/// profile in force now, its payment date (close date + ValueDays), and the
/// postings to the merchant's payable. An empty batch closes too; two closes
/// at once close once (a close finding the new batch empty within 10 seconds
/// of the previous close answers that close).

#[utoipa::path(post, path = "/api/Integration/ClosePosBatch", tag = "Acquirer: batches", operation_id = "ClosePosBatch",
    request_body = CloseBatchRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 the closed batch with NextBatchNo; 2 no such terminal", body = Envelope<BatchSummaryResult>)))]
pub async fn close_pos_batch(command: Command<CloseBatchRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let s = svc::close(host, call, r.terminal_no.as_deref().unwrap_or("")).await?;
            Ok(ok(summary_result(s)))
        })
        .await
}
