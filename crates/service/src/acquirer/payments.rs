//! Merchant payments: what closed batches owe merchants per value date, and
//! settlement, which pays what has come due.

use cardhost_domain::date::{format_date, parse_date};
use cardhost_domain::ledger::{Account, TransferKind, Unit};
use cardhost_domain::money::add_to_totals;
use cardhost_domain::product::CardType;
use cardhost_domain::status::{Network, PaymentStatus, VposOp};
use cardhost_domain::Currency;
use cardhost_store::batches::{self, BatchTxRow, PaymentRow};
use cardhost_store::{ledger, StoreError};

use super::merchants::check_access;
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::money::balanced;
use crate::money::reports::{Page, Paging};
use crate::{audit, ServiceError};

pub(crate) fn date_or(
    field: &str,
    text: Option<&str>,
    default: &str,
) -> Result<String, ServiceError> {
    match text.filter(|t| !t.is_empty()) {
        Some(t) => parse_date(t)
            .map(format_date)
            .map_err(|m| ServiceError::field(field, m)),
        None => Ok(default.to_owned()),
    }
}

/// What a merchant is owed on one value date, in one currency.
#[derive(Debug, Clone)]
pub struct MerchantPayment {
    /// `yyyyMMdd`: the batch close date + `ValueDays`.
    pub payment_date: String,
    pub currency: Currency,
    pub gross_amount: i64,
    pub commission_amount: i64,
    pub net_amount: i64,
    pub transaction_count: i64,
    pub status: PaymentStatus,
}

impl From<PaymentRow> for MerchantPayment {
    fn from(p: PaymentRow) -> MerchantPayment {
        MerchantPayment {
            currency: p.currency,
            payment_date: p.payment_date,
            gross_amount: p.gross_amount,
            commission_amount: p.commission_amount,
            net_amount: p.net_amount,
            transaction_count: p.transaction_count,
            status: p.status,
        }
    }
}

/// One transaction a merchant is paid for: a refund's gross is negative.
#[derive(Debug, Clone)]
pub struct PaidTransaction {
    pub process_id: i64,
    pub terminal_no: String,
    pub batch_no: i64,
    pub transaction_type: VposOp,
    pub currency: Currency,
    pub gross_amount: i64,
    pub commission_amount: i64,
    pub net_amount: i64,
    pub installment_count: i64,
    pub card_type: CardType,
    pub network: Network,
}

impl TryFrom<BatchTxRow> for PaidTransaction {
    type Error = ServiceError;

    /// The close wrote the commission and net of every transaction it paid:
    /// one without them is an error, never a quiet zero.
    fn try_from(t: BatchTxRow) -> Result<PaidTransaction, ServiceError> {
        let unpaid =
            || ServiceError::Internal(format!("transaction {} has no commission", t.process_id));
        let gross = if t.transaction_type == VposOp::Refund {
            -t.amount
        } else {
            t.amount
        };
        Ok(PaidTransaction {
            currency: t.currency,
            commission_amount: t.commission.ok_or_else(unpaid)?,
            net_amount: t.net.ok_or_else(unpaid)?,
            gross_amount: gross,
            process_id: t.process_id,
            terminal_no: t.terminal_no,
            batch_no: t.batch_no,
            transaction_type: t.transaction_type,
            installment_count: t.installment_count,
            card_type: t.card_type,
            network: t.network,
        })
    }
}

/// `GetMerchantPaymentSummary`: payments by value date in `[start, end]`.
pub async fn summary(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Vec<MerchantPayment>, ServiceError> {
    ServiceError::require("MerchantNo", merchant_no)?;
    check_access(call, merchant_no)?;
    let start = date_or("StartDate", start, "00000101")?;
    let end = date_or("EndDate", end, "99991231")?;
    // yyyyMMdd compares as the dates do.
    if start > end {
        return Err(ServiceError::field("EndDate", "is before StartDate"));
    }
    let payments = batches::payments_between(host.db.reader(), merchant_no, &start, &end).await?;
    Ok(payments.into_iter().map(MerchantPayment::from).collect())
}

/// `GetMerchantPaymentDetail`: the transactions paid on one value date.
pub async fn detail(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    payment_date: Option<&str>,
    paging: Paging,
) -> Result<Page<PaidTransaction>, ServiceError> {
    ServiceError::require("MerchantNo", merchant_no)?;
    check_access(call, merchant_no)?;
    let day = payment_date
        .filter(|d| !d.is_empty())
        .ok_or_else(|| ServiceError::field("PaymentDate", "is required"))
        .and_then(|d| {
            parse_date(d)
                .map(format_date)
                .map_err(|m| ServiceError::field("PaymentDate", m))
        })?;
    let found = batches::payment_txs(
        host.db.reader(),
        merchant_no,
        &day,
        paging.offset(),
        paging.page_size,
    )
    .await?;
    paging.of(found).try_map(PaidTransaction::try_from)
}

#[derive(Debug, Clone, Default)]
pub struct Settlement {
    pub merchants_paid: i64,
    pub payments_posted: i64,
    /// Minor units paid, per currency.
    pub amounts: Vec<(Currency, i64)>,
}

/// Pays every pending payment whose date is `as_of` or earlier:
/// MerchantPayable → MerchantPayout for its net, one transfer each. Running it
/// again pays nothing twice.
pub async fn run_settlement(
    host: &Host,
    call: &Call,
    as_of: Option<&str>,
) -> Result<Settlement, ServiceError> {
    call.caller.require(Scope::Admin)?;
    let today = host.settings.calendar.business_date(host.clock.now_ms());
    let as_of = date_or("AsOfDate", as_of, &today)?;
    let due = batches::count_due(host.db.reader(), &as_of).await?;
    if due == 0 {
        return Ok(Settlement::default());
    }
    // Reserved before the write transaction (SQLite has one writer connection).
    let first_process = ledger::reserve_ids(host.db.writer(), "process_id", due).await?;
    let first_transfer = ledger::reserve_ids(host.db.writer(), "transfer_id", due).await?;
    let now = host.clock.now_ms();
    let mut tx = host.db.begin().await?;
    let payments = batches::due_payments(&mut tx, &as_of).await?;
    let mut out = Settlement::default();
    let mut merchants: Vec<&str> = Vec::new();
    for (i, p) in payments
        .iter()
        .take(usize::try_from(due).unwrap_or(0))
        .enumerate()
    {
        let offset = i64::try_from(i).unwrap_or(0);
        let currency = p.currency;
        let payable = Account::MerchantPayable(&p.merchant_no, currency).name();
        let payout = Account::MerchantPayout(currency).name();
        ledger::ensure_account(&mut tx, &payout, Unit::Money(currency), now).await?;
        let entries = [
            (payable.as_str(), -p.net_amount, currency),
            (payout.as_str(), p.net_amount, currency),
        ];
        ledger::post_transfer(
            &mut tx,
            first_transfer + offset,
            first_process + offset,
            TransferKind::Settlement,
            &balanced(entries)?,
            now,
        )
        .await?;
        batches::mark_paid(&mut tx, p, now).await?;
        out.payments_posted += 1;
        add_to_totals(&mut out.amounts, p.currency, p.net_amount);
        if !merchants.contains(&p.merchant_no.as_str()) {
            merchants.push(&p.merchant_no);
        }
    }
    out.merchants_paid = i64::try_from(merchants.len()).unwrap_or(0);
    audit::success(&mut tx, host, call, &as_of).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(out)
}
