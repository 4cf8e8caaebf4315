//! Merchant payments and settlement.

use cardhost_domain::product::CardType;
use cardhost_domain::status::{Network, PaymentStatus, VposOp};
use cardhost_service::acquirer::payments as svc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::command::{Command, Read};
use crate::envelope::{ok, ApiResult, Envelope};
use crate::wire::{totals, Amount, CurrencyTotal, DecimalOut, MoneyOut, Paged};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentItem {
    /// yyyyMMdd: the batch close date + ValueDays.
    pub payment_date: String,
    pub gross_amount: MoneyOut,
    pub commission_amount: MoneyOut,
    pub net_amount: MoneyOut,
    pub transaction_count: i64,
    pub currency: u16,
    pub payment_status: PaymentStatus,
}

/// What closed batches owe a merchant, per value date in [StartDate, EndDate].
#[utoipa::path(get, path = "/api/Integration/GetMerchantPaymentSummary", tag = "Acquirer: batches", operation_id = "GetMerchantPaymentSummary", security(("token" = [])),
    params(("MerchantNo" = String, Query, description = "The merchant"), ("StartDate" = Option<String>, Query, description = "First value date, yyyyMMdd"),
        ("EndDate" = Option<String>, Query, description = "Last value date, yyyyMMdd")),
    responses((status = 200, description = "Result 0 (a list, possibly empty); 1 bad dates, or EndDate before StartDate; 6 another merchant's", body = Envelope<Vec<PaymentItem>>)))]
pub async fn get_merchant_payment_summary(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let rows = svc::summary(
            host,
            call,
            params.required("MerchantNo"),
            params.get("StartDate"),
            params.get("EndDate"),
        )
        .await?;
        let items = rows
            .into_iter()
            .map(|p| {
                let currency = p.currency;
                let m = MoneyOut::of(currency);
                PaymentItem {
                    payment_date: p.payment_date,
                    gross_amount: m(p.gross_amount),
                    commission_amount: m(p.commission_amount),
                    net_amount: m(p.net_amount),
                    transaction_count: p.transaction_count,
                    currency: currency.numeric(),
                    payment_status: p.status,
                }
            })
            .collect::<Vec<PaymentItem>>();
        Ok(ok(items))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentTransaction {
    pub process_id: String,
    pub terminal_no: String,
    pub batch_no: i64,
    /// Sale or Refund.
    pub transaction_type: VposOp,
    pub gross_amount: MoneyOut,
    pub commission_amount: MoneyOut,
    pub net_amount: MoneyOut,
    pub installment_count: i64,
    pub card_type: CardType,
    pub network: Network,
}

/// The transactions a merchant is paid for on one value date (a refund's gross is negative).
#[utoipa::path(get, path = "/api/Integration/GetMerchantPaymentDetail", tag = "Acquirer: batches", operation_id = "GetMerchantPaymentDetail", security(("token" = [])),
    params(("MerchantNo" = String, Query, description = "The merchant"), ("PaymentDate" = String, Query, description = "The value date, yyyyMMdd"),
        ("Page" = Option<i64>, Query, description = "From 1"), ("PageSize" = Option<i64>, Query, description = "Default 20, at most 500")),
    responses((status = 200, description = "Result 0; 1 bad date or paging; 6 another merchant's", body = Envelope<Paged<PaymentTransaction>>)))]
pub async fn get_merchant_payment_detail(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let page = svc::detail(
            host,
            call,
            params.required("MerchantNo"),
            params.get("PaymentDate"),
            params.paging()?,
        )
        .await?;
        Ok(ok(Paged::of(page, |t| {
            let currency = t.currency;
            let m = MoneyOut::of(currency);
            PaymentTransaction {
                process_id: t.process_id.to_string(),
                terminal_no: t.terminal_no,
                batch_no: t.batch_no,
                transaction_type: t.transaction_type,
                gross_amount: m(t.gross_amount),
                commission_amount: m(t.commission_amount),
                net_amount: m(t.net_amount),
                installment_count: t.installment_count,
                card_type: t.card_type,
                network: t.network,
            }
        })))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SettlementRequest {
    /// yyyyMMdd; default today (business time zone).
    #[schema(example = "20260303")]
    pub as_of_date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SettlementResult {
    pub merchants_paid: i64,
    pub payments_posted: i64,
    /// What was paid: `0` when nothing was, null when payments of several
    /// currencies were (see `Amounts`).
    #[schema(value_type = Option<Amount>)]
    pub amount: Option<DecimalOut>,
    /// What was paid, per currency.
    pub amounts: Vec<CurrencyTotal>,
}

/// Pay every pending merchant payment dated AsOfDate or earlier (MerchantPayable
/// → MerchantPayout) and mark it Paid. The server also runs this daily.
#[utoipa::path(post, path = "/api/Admin/RunSettlement", tag = "Operations", operation_id = "RunSettlement",
    request_body = SettlementRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 bad date; 6 without the admin scope", body = Envelope<SettlementResult>)))]
pub async fn run_settlement(command: Command<SettlementRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let s = svc::run_settlement(host, call, r.as_of_date.as_deref()).await?;
            let (amount, amounts) = totals(&s.amounts);
            Ok(ok(SettlementResult {
                merchants_paid: s.merchants_paid,
                payments_posted: s.payments_posted,
                amount,
                amounts,
            }))
        })
        .await
}
