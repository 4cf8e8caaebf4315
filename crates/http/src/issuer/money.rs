//! Money on cards: `SendTransaction`, `LoadCardBalance`, `GetHostBalance`,
//! `GetCardTransactions`.

use axum::response::Response;
use cardhost_domain::date::Timestamp;
use cardhost_domain::response;
use cardhost_domain::secret::{CardNumber, Cvv2, PinBlock};
use cardhost_domain::status::{CardTxStatus, CardTxType, Channel};
use cardhost_domain::Currency;
use cardhost_service::money::operations::{self, Financial, FinancialRequest, Unprocessed};
use cardhost_service::money::reports;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cards::{card_key, query_card_key};
use crate::command::{Command, Read};
use crate::envelope::{declined, ok, ApiResult, Envelope};
use crate::wire::{Amount, MoneyOut, Paged};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SendTransactionRequest {
    #[schema(example = "4100001234567898")]
    pub card_no: Option<CardNumber>,
    pub card_token: Option<String>,
    /// 1–64 characters, unique per client: a repeat returns the first outcome.
    #[schema(example = "pos-20260302-000123")]
    pub reference: Option<String>,
    /// Purchase, CashWithdrawal, Refund, Reversal, PreAuthorization or Completion.
    #[schema(example = "Purchase")]
    pub transaction_type: Option<String>,
    /// Required but for Reversal (whole original), Refund (default: what is left)
    /// and Completion (default: the whole hold).
    pub amount: Option<Amount>,
    #[schema(example = 949)]
    pub currency: Option<i64>,
    /// Pos (default), Ecom, Atm or Moto.
    #[schema(example = "Pos")]
    pub channel: Option<String>,
    #[schema(example = "5411")]
    pub mcc: Option<String>,
    #[schema(example = "CORNER GROCERY")]
    pub merchant_name: Option<String>,
    #[schema(example = "TR")]
    pub merchant_country: Option<String>,
    /// `yyMM`; checked when present.
    pub expiry_date: Option<String>,
    /// Checked when present.
    pub cvv2: Option<Cvv2>,
    /// Checked when present, under `KeyName` in `PinBlockFormat`.
    pub pin_block: Option<PinBlock>,
    pub pin_block_format: Option<i64>,
    pub key_name: Option<String>,
    /// For Refund, Reversal and Completion: the ProcessId acted on.
    pub original_process_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct FinancialResult {
    /// The host's id of this transaction (digits).
    #[schema(example = "100000000001")]
    pub process_id: String,
    pub reference: String,
    #[schema(example = "Purchase")]
    pub transaction_type: String,
    /// `00` approved, else the decline reason (ISO 8583).
    #[schema(example = "00")]
    pub response_code: String,
    #[schema(example = "Approved")]
    pub response_message: String,
    /// 6 characters when approved, else empty.
    #[schema(example = "A1B2C3")]
    pub auth_code: String,
    /// 12 digits when approved (the envelope's ApprovalRefNumber), else empty.
    #[schema(example = "100000000001")]
    pub rrn: String,
    /// Null, with `Currency`, only for a refusal before any card of this host
    /// was involved, of a request that named no currency.
    pub amount: Option<MoneyOut>,
    #[schema(example = 949)]
    pub currency: Option<u16>,
    pub masked_card_no: String,
    /// `yyyyMMddHHmmss` UTC.
    pub transaction_date: Timestamp,
    /// What the card can spend after this transaction.
    pub available_amount: Option<MoneyOut>,
    /// CardToCardBalanceTransfer: the card credited, masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_masked_card_no: Option<String>,
}

fn financial_response(answer: Financial) -> Response {
    match answer {
        Financial::Decided(t) => {
            let t = *t;
            let currency = t.currency;
            let result = FinancialResult {
                process_id: t.process_id.to_string(),
                reference: t.reference,
                transaction_type: t.transaction_type.name().to_owned(),
                response_message: response::message(&t.response_code).to_owned(),
                response_code: t.response_code,
                auth_code: t.auth_code,
                rrn: t.rrn,
                amount: Some(MoneyOut {
                    minor: t.amount,
                    currency,
                }),
                currency: Some(currency.numeric()),
                masked_card_no: t.masked_card_no,
                transaction_date: t.at,
                available_amount: Some(MoneyOut {
                    minor: t.available_after,
                    currency,
                }),
                target_masked_card_no: t.target_masked_card_no,
            };
            let (code, rrn) = (result.response_code.clone(), result.rrn.clone());
            crate::envelope::financial(result, &code, &rrn)
        }
        Financial::Unprocessed(declined) => unprocessed(declined),
    }
}

/// A refusal before any card of this host was involved: nothing recorded.
fn unprocessed(d: Unprocessed) -> Response {
    let Unprocessed {
        reference,
        amount,
        currency,
        code,
        at,
    } = d;
    let result = FinancialResult {
        process_id: String::new(),
        reference,
        transaction_type: String::new(),
        response_code: code.into(),
        response_message: response::message(code).into(),
        auth_code: String::new(),
        rrn: String::new(),
        amount: currency.map(|currency| MoneyOut {
            minor: amount,
            currency,
        }),
        currency: currency.map(Currency::numeric),
        masked_card_no: String::new(),
        transaction_date: at,
        available_amount: None,
        target_masked_card_no: None,
    };
    declined(result, code)
}

/// Ask the issuer to authorize and post a transaction (what an ISO 8583
/// 0100/0200 carries). Runs the whole issuer decision; a decline is `Result` 8
/// with the code in `ResponseCode` and is recorded too. Idempotent on `Reference`.
#[utoipa::path(post, path = "/api/Integration/SendTransaction", tag = "Issuer: money", operation_id = "SendTransaction",
    request_body = SendTransactionRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved; 8 declined (ResponseCode); 1 validation; 7 Reference reused with other content", body = Envelope<FinancialResult>)))]
pub async fn send_transaction(command: Command<SendTransactionRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let request = FinancialRequest {
                card: card_key(r.card_no, r.card_token),
                reference: r.reference,
                transaction_type: r.transaction_type,
                amount: r.amount.map(|a| a.0),
                currency: r.currency,
                channel: r.channel,
                mcc: r.mcc,
                merchant_name: r.merchant_name,
                merchant_country: r.merchant_country,
                expiry_date: r.expiry_date,
                cvv2: r.cvv2,
                pin_block: r.pin_block,
                pin_block_format: r.pin_block_format,
                key_name: r.key_name,
                original_process_id: r.original_process_id,
            };
            Ok(financial_response(
                operations::financial(host, call, None, request).await?,
            ))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct LoadRequest {
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    pub card_no: Option<CardNumber>,
    #[schema(example = "load-0001")]
    pub reference: Option<String>,
    pub amount: Option<Amount>,
    #[schema(example = 949)]
    pub currency: Option<i64>,
    #[schema(example = "Salary advance")]
    pub description: Option<String>,
}

/// Load money onto a card (a repayment on a credit card). Prepaid cards keep
/// their maximum balance and monthly load limit (`61` beyond them).
#[utoipa::path(post, path = "/api/Integration/LoadCardBalance", tag = "Issuer: money", operation_id = "LoadCardBalance",
    request_body = LoadRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 loaded; 8 declined; 1 validation", body = Envelope<FinancialResult>)))]
pub async fn load_card_balance(command: Command<LoadRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let request = FinancialRequest {
                card: card_key(r.card_no, r.card_token),
                reference: r.reference,
                amount: r.amount.map(|a| a.0),
                currency: r.currency,
                merchant_name: r.description,
                ..Default::default()
            };
            Ok(financial_response(
                operations::financial(host, call, Some(CardTxType::Load), request).await?,
            ))
        })
        .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct HostBalanceResult {
    #[schema(example = 949)]
    pub currency: u16,
    pub available_amount: MoneyOut,
    /// The cardholder's money; negative on a credit card in debt.
    pub ledger_balance: MoneyOut,
    /// Held by open pre-authorizations.
    pub blocked_amount: MoneyOut,
    /// The card limit (credit cards; 0 otherwise).
    pub credit_limit: MoneyOut,
    pub debt: MoneyOut,
    /// Loyalty points (1 point = 0.01).
    pub point_balance: i64,
}

/// The card account's balances.
#[utoipa::path(get, path = "/api/Integration/GetHostBalance", tag = "Issuer: money", operation_id = "GetHostBalance", security(("token" = [])),
    params(("CardNo" = Option<String>, Query, description = "The PAN; or CardToken"), ("CardToken" = Option<String>, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 2 no such card", body = Envelope<HostBalanceResult>)))]
pub async fn get_host_balance(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let b = reports::host_balance(host, call, &query_card_key(params)).await?;
        let m = MoneyOut::of(b.currency);
        Ok(ok(HostBalanceResult {
            currency: b.currency.numeric(),
            available_amount: m(b.available),
            ledger_balance: m(b.ledger_balance),
            blocked_amount: m(b.blocked),
            credit_limit: m(b.credit_limit),
            debt: m(b.debt),
            point_balance: b.points,
        }))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardTransactionItem {
    pub process_id: String,
    pub transaction_type: CardTxType,
    pub amount: MoneyOut,
    pub currency: u16,
    pub response_code: String,
    pub auth_code: String,
    pub rrn: String,
    pub merchant_name: Option<String>,
    pub mcc: Option<String>,
    pub channel: Channel,
    pub status: CardTxStatus,
    pub transaction_date: Timestamp,
    pub installment_count: i64,
    pub point_amount: MoneyOut,
}

/// The card account's transactions, declines included, newest first.
#[utoipa::path(get, path = "/api/Integration/GetCardTransactions", tag = "Issuer: money", operation_id = "GetCardTransactions", security(("token" = [])),
    params(("CardNo" = Option<String>, Query, description = "The PAN; or CardToken"), ("CardToken" = Option<String>, Query, description = "The card's token"),
        ("StartDate" = Option<String>, Query, description = "First business day, yyyyMMdd"), ("EndDate" = Option<String>, Query, description = "Last business day, yyyyMMdd"),
        ("Page" = Option<i64>, Query, description = "From 1"), ("PageSize" = Option<i64>, Query, description = "Default 20, at most 500")),
    responses((status = 200, description = "Result 0; 1 bad dates or paging; 2 no such card", body = Envelope<Paged<CardTransactionItem>>)))]
pub async fn get_card_transactions(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let page = reports::card_transactions(
            host,
            call,
            &query_card_key(params),
            params.get("StartDate"),
            params.get("EndDate"),
            params.paging()?,
        )
        .await?;
        Ok(ok(Paged::of(page, |t| {
            let currency = t.currency;
            let m = MoneyOut::of(currency);
            CardTransactionItem {
                process_id: t.process_id.to_string(),
                transaction_type: t.transaction_type,
                amount: m(t.amount),
                currency: currency.numeric(),
                response_code: t.response_code,
                auth_code: t.auth_code,
                rrn: t.rrn,
                merchant_name: t.merchant_name,
                mcc: t.mcc,
                channel: t.channel,
                status: t.status,
                transaction_date: t.at,
                installment_count: t.installment_count,
                point_amount: m(t.point_amount),
            }
        })))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardToCardRequest {
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub source_card_token: Option<String>,
    pub source_card_no: Option<CardNumber>,
    #[schema(example = "0A1B2C3D4E5F60718293A4B5C6D7E8F9")]
    pub target_card_token: Option<String>,
    pub target_card_no: Option<CardNumber>,
    #[schema(example = "c2c-0001")]
    pub reference: Option<String>,
    pub amount: Option<Amount>,
    #[schema(example = 949)]
    pub currency: Option<i64>,
}

/// Move money from one card of this host to another: the source runs the
/// issuer decision; both legs post in one journal transfer, or neither.
#[utoipa::path(post, path = "/api/Integration/CardToCardBalanceTransfer", tag = "Issuer: money", operation_id = "CardToCardBalanceTransfer",
    request_body = CardToCardRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 both legs posted; 8 declined (14 unknown card, 51 funds, 61 target over its maximum balance, ...); 1 validation", body = Envelope<FinancialResult>)))]
pub async fn card_to_card_balance_transfer(command: Command<CardToCardRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let request = FinancialRequest {
                reference: r.reference,
                amount: r.amount.map(|a| a.0),
                currency: r.currency,
                ..Default::default()
            };
            let source = card_key(r.source_card_no, r.source_card_token);
            let target = card_key(r.target_card_no, r.target_card_token);
            Ok(financial_response(
                operations::card_to_card(host, call, source, target, request).await?,
            ))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MoneySendRequest {
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub receiver_card_token: Option<String>,
    pub receiver_card_no: Option<CardNumber>,
    #[schema(example = "ms-0001")]
    pub reference: Option<String>,
    pub amount: Option<Amount>,
    #[schema(example = 949)]
    pub currency: Option<i64>,
    #[schema(example = "ACME PAYROLL")]
    pub sender_name: Option<String>,
    #[schema(example = "AYSE YILMAZ")]
    pub receiver_name: Option<String>,
    /// Informational; never stored.
    pub sender_card_no: Option<CardNumber>,
}

/// Push money to a card. A receiver of this host is credited from
/// IssuerFunding; a receiver of another issuer needs the card network
/// connector, which is not available yet: `91`.
#[utoipa::path(post, path = "/api/Integration/MoneySend", tag = "Issuer: money", operation_id = "MoneySend",
    request_body = MoneySendRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 credited; 8 declined (14, 61, 91, ...); 1 validation", body = Envelope<FinancialResult>)))]
pub async fn money_send(command: Command<MoneySendRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let request = FinancialRequest {
                reference: r.reference,
                amount: r.amount.map(|a| a.0),
                currency: r.currency,
                ..Default::default()
            };
            let receiver = card_key(r.receiver_card_no, r.receiver_card_token);
            Ok(financial_response(
                operations::money_send(host, call, receiver, r.sender_name, request).await?,
            ))
        })
        .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct LoadingLimitResult {
    /// Null: no maximum balance.
    pub max_balance: Option<MoneyOut>,
    /// Null: no monthly load limit.
    pub monthly_load_limit: Option<MoneyOut>,
    pub loaded_this_month: MoneyOut,
    /// What may still be loaded now (the tighter of both limits); null: unlimited.
    pub remaining_load_limit: Option<MoneyOut>,
    #[schema(example = 949)]
    pub currency: u16,
}

/// Deprecated: the prepaid loading limits and what is left of them this month.
#[utoipa::path(get, path = "/api/Integration/GetCardBalanceLoadingLimit", tag = "Issuer: money", operation_id = "GetCardBalanceLoadingLimit", security(("token" = [])),
    params(("CardNo" = Option<String>, Query, description = "The PAN; or CardToken"), ("CardToken" = Option<String>, Query, description = "The card's token")),
    responses((status = 200, description = "Result 0; 2 no such card", body = Envelope<LoadingLimitResult>)))]
pub async fn get_card_balance_loading_limit(read: Read) -> ApiResult {
    read.respond(async |host, call, params| {
        let l = reports::loading_limit(host, call, &query_card_key(params)).await?;
        let m = MoneyOut::of(l.currency);
        Ok(ok(LoadingLimitResult {
            max_balance: l.max_balance.map(m),
            monthly_load_limit: l.monthly_load_limit.map(m),
            loaded_this_month: m(l.loaded_this_month),
            remaining_load_limit: l.remaining.map(m),
            currency: l.currency.numeric(),
        }))
    })
    .await
}
