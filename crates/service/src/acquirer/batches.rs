//! POS batches: every approved payment lands in its terminal's open batch;
//! closing computes each transaction's commission and payment date and posts
//! what the merchant is owed (spec acquirer.md, ledger.md).

use std::sync::Arc;

use cardhost_domain::date::{format_date, Timestamp};
use cardhost_domain::fees::FeeRate;
use cardhost_domain::ledger::{Account, TransferKind, Unit};
use cardhost_domain::settlement::{settle, ClosingTx, Settlement};
use cardhost_domain::status::{BatchStatus, OrderTxStatus, VposOp};
use cardhost_domain::Currency;
use cardhost_store::batches::{self, BatchRow, BatchTxRow};
use cardhost_store::merchants::{self, MerchantRow, TerminalRow};
use cardhost_store::{ledger, StoreError, Tx};

use super::profiles::{self, CommissionProfile, FeeProfile};
use crate::host::{Call, Host};
use crate::money::balanced;
use crate::{audit, ServiceError};

/// A close that finds the open batch empty this soon after the previous close
/// is a repeat of it (a double submit), and answers that close.
pub const REPEAT_CLOSE_WINDOW_MS: i64 = 10_000;

/// A batch's totals (live for the open batch, as frozen for a closed one).
#[derive(Debug, Clone)]
pub struct BatchSummary {
    pub terminal_no: String,
    pub merchant_no: String,
    pub batch_no: i64,
    pub status: BatchStatus,
    pub opened: Timestamp,
    pub closed: Option<Timestamp>,
    pub sale_count: i64,
    pub sale_amount: i64,
    pub refund_count: i64,
    pub refund_amount: i64,
    pub void_count: i64,
    pub void_amount: i64,
    pub currency: Currency,
    /// Set when the summary answers a close: the batch now open.
    pub next_batch_no: Option<i64>,
}

impl BatchSummary {
    fn of(b: BatchRow, currency: Currency, next_batch_no: Option<i64>) -> BatchSummary {
        BatchSummary {
            terminal_no: b.terminal_no,
            merchant_no: b.merchant_no,
            batch_no: b.batch_no,
            status: b.status,
            opened: Timestamp::from_millis(b.open_date),
            closed: b.close_date.map(Timestamp::from_millis),
            sale_count: b.sale_count,
            sale_amount: b.sale_amount,
            refund_count: b.refund_count,
            refund_amount: b.refund_amount,
            void_count: b.void_count,
            void_amount: b.void_amount,
            currency,
            next_batch_no,
        }
    }
}

/// One transaction of a batch, in the merchant's currency.
#[derive(Debug, Clone)]
pub struct BatchTransaction {
    pub process_id: i64,
    pub order_id: Option<String>,
    pub transaction_type: VposOp,
    pub amount: i64,
    pub masked_card_no: String,
    pub auth_code: String,
    pub rrn: String,
    pub installment_count: i64,
    pub at: Timestamp,
    pub status: OrderTxStatus,
}

impl From<BatchTxRow> for BatchTransaction {
    fn from(t: BatchTxRow) -> BatchTransaction {
        BatchTransaction {
            process_id: t.process_id,
            order_id: t.order_id,
            transaction_type: t.transaction_type,
            amount: t.amount,
            masked_card_no: t.masked_card_no,
            auth_code: t.auth_code,
            rrn: t.rrn,
            installment_count: t.installment_count,
            at: Timestamp::from_millis(t.created_at),
            status: t.status,
        }
    }
}

fn totals(batch: &mut BatchRow, txs: &[BatchTxRow]) {
    batch.sale_count = 0;
    batch.sale_amount = 0;
    batch.refund_count = 0;
    batch.refund_amount = 0;
    batch.void_count = 0;
    batch.void_amount = 0;
    for t in txs {
        match (t.status, t.transaction_type) {
            (OrderTxStatus::Voided, _) => {
                batch.void_count += 1;
                batch.void_amount += t.amount;
            }
            (_, VposOp::Refund) => {
                batch.refund_count += 1;
                batch.refund_amount += t.amount;
            }
            _ => {
                batch.sale_count += 1;
                batch.sale_amount += t.amount;
            }
        }
    }
}

/// The fee rows in force for a terminal: its own fee profile, else its
/// merchant's, else the merchant's commission profile, else none.
async fn rates_for(
    host: &Host,
    terminal: &TerminalRow,
    merchant: &MerchantRow,
) -> Result<Vec<FeeRate>, ServiceError> {
    if let Some(code) = terminal
        .pos_fee_profile_code
        .as_ref()
        .or(merchant.pos_fee_profile_code.as_ref())
    {
        let p: Arc<FeeProfile> = profiles::cached(host, code).await?;
        return Ok(p.rates.clone());
    }
    if let Some(code) = &merchant.commission_profile_code {
        let p: Arc<CommissionProfile> = profiles::cached(host, code).await?;
        return Ok(vec![p.as_rate()]);
    }
    Ok(Vec::new())
}

async fn terminal_and_merchant(
    host: &Host,
    call: &Call,
    terminal_no: &str,
) -> Result<(TerminalRow, MerchantRow), ServiceError> {
    let terminal = super::merchants::accessible_terminal(host, call, terminal_no).await?;
    let merchant = merchants::merchant(host.db.reader(), &terminal.merchant_no)
        .await?
        .ok_or_else(|| ServiceError::Internal("terminal without merchant".into()))?;
    Ok((terminal, merchant))
}

/// `ClosePosBatch` / `BatchClose`: closes the batch open when the request
/// arrived. A close that finds it already closed by a concurrent request
/// answers that close, so two closes at once close once.
pub async fn close(
    host: &Host,
    call: &Call,
    terminal_no: &str,
) -> Result<BatchSummary, ServiceError> {
    let (terminal, merchant) = terminal_and_merchant(host, call, terminal_no).await?;
    let observed = terminal.open_batch_no;
    let rates = rates_for(host, &terminal, &merchant).await?;
    let currency = merchant.currency;
    // Ids are reserved before the write transaction: SQLite's single writer
    // connection cannot serve a second transaction inside the first.
    let process_id = ledger::reserve_ids(host.db.writer(), "process_id", 1).await?;
    let transfer_id = ledger::reserve_ids(host.db.writer(), "transfer_id", 1).await?;
    let now = host.clock.now_ms();
    let mut tx = host.db.begin().await?;
    if let Some((closed, open)) = closed_already(host, &mut tx, terminal_no, observed, now).await? {
        drop(tx);
        return summary(host, call, terminal_no, Some(closed), Some(open)).await;
    }
    let mut batch = batches::ensure_batch(
        &mut tx,
        terminal_no,
        observed,
        &merchant.merchant_no,
        currency,
        now,
    )
    .await?;
    let txs = batches::txs_of_batch(&mut tx, terminal_no, observed).await?;
    totals(&mut batch, &txs);
    let close_day = host.settings.calendar.business_day(now);
    let open: Vec<&BatchTxRow> = txs
        .iter()
        .filter(|t| t.status != OrderTxStatus::Voided)
        .collect();
    let closing = open
        .iter()
        .map(|t| closing_tx(t))
        .collect::<Result<Vec<_>, _>>()?;
    let settlement = settle(&closing, &rates, close_day);
    for (t, settled) in open.iter().zip(&settlement.txs) {
        let day = format_date(settled.pay_day);
        batches::settle_tx(&mut tx, t.process_id, settled.commission, settled.net, &day).await?;
    }
    let ids = (transfer_id, process_id);
    post_settlement(
        &mut tx,
        &merchant.merchant_no,
        currency,
        &settlement,
        ids,
        now,
    )
    .await?;
    batch.status = BatchStatus::Closed;
    batch.close_date = Some(now);
    batches::close_batch(&mut tx, &batch).await?;
    batches::next_batch(&mut tx, terminal_no, observed).await?;
    audit::success(&mut tx, host, call, &format!("{terminal_no}/{observed}")).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(BatchSummary::of(batch, currency, Some(observed + 1)))
}

/// The (closed, now open) batch numbers when the batch `observed` open is
/// closed already: by a concurrent close, or by one just before this repeat.
async fn closed_already(
    host: &Host,
    tx: &mut Tx<'_>,
    terminal_no: &str,
    observed: i64,
    now: i64,
) -> Result<Option<(i64, i64)>, ServiceError> {
    let locked = merchants::terminal_for_update(tx, host.db.engine(), terminal_no)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Terminal {terminal_no} not found.")))?;
    if locked.open_batch_no != observed {
        return Ok(Some((observed, locked.open_batch_no)));
    }
    if observed == 1
        || !batches::txs_of_batch(tx, terminal_no, observed)
            .await?
            .is_empty()
    {
        return Ok(None);
    }
    let previous = batches::batch(host.db.reader(), terminal_no, observed - 1).await?;
    let just_closed = previous
        .and_then(|b| b.close_date)
        .is_some_and(|at| now - at < REPEAT_CLOSE_WINDOW_MS);
    Ok(just_closed.then_some((observed - 1, observed)))
}

/// A stored batch transaction as the close's arithmetic takes it; a stored
/// value that does not parse is an error, never a default.
fn closing_tx(t: &BatchTxRow) -> Result<ClosingTx, ServiceError> {
    let malformed = |what: &str, value: &str| {
        ServiceError::Internal(format!(
            "batch transaction {} has {what} '{value}'",
            t.process_id
        ))
    };
    Ok(ClosingTx {
        amount: t.amount,
        refund: t.transaction_type == VposOp::Refund,
        card_type: t.card_type,
        network: t.network,
        installments: u8::try_from(t.installment_count)
            .map_err(|_| malformed("installment count", &t.installment_count.to_string()))?,
    })
}

/// The close's journal transfer (clearing accounts to the merchant's payable
/// and the acquirer's fee income) and its merchant payments per date.
async fn post_settlement(
    tx: &mut Tx<'_>,
    merchant_no: &str,
    cur: Currency,
    settlement: &Settlement,
    (transfer_id, process_id): (i64, i64),
    now: i64,
) -> Result<(), ServiceError> {
    let on_us = Account::OnUsClearing(cur).name();
    let network = Account::NetworkClearing(cur).name();
    let payable = Account::MerchantPayable(merchant_no, cur).name();
    let income = Account::AcquirerFeeIncome(cur).name();
    for a in [&on_us, &network, &payable, &income] {
        ledger::ensure_account(tx, a, Unit::Money(cur), now).await?;
    }
    if settlement.moves_money() {
        let entries = [
            (on_us.as_str(), -settlement.on_us_net, cur),
            (network.as_str(), -settlement.off_us_net, cur),
            (payable.as_str(), settlement.payable(), cur),
            (income.as_str(), settlement.commissions, cur),
        ];
        let transfer = balanced(entries)?;
        ledger::post_transfer(
            tx,
            transfer_id,
            process_id,
            TransferKind::BatchClose,
            &transfer,
            now,
        )
        .await?;
    }
    for (day, paid) in &settlement.payments {
        let day = format_date(*day);
        batches::add_payment(
            tx,
            merchant_no,
            &day,
            cur,
            paid.gross,
            paid.commission,
            paid.count,
        )
        .await?;
    }
    Ok(())
}

/// `GetPosBatchSummary`: the open batch by default.
pub async fn summary(
    host: &Host,
    call: &Call,
    terminal_no: &str,
    batch_no: Option<i64>,
    next: Option<i64>,
) -> Result<BatchSummary, ServiceError> {
    let (terminal, merchant) = terminal_and_merchant(host, call, terminal_no).await?;
    let batch_no = batch_no.unwrap_or(terminal.open_batch_no);
    if batch_no < 1 || batch_no > terminal.open_batch_no {
        return Err(ServiceError::NotFound(format!(
            "Terminal {terminal_no} has no batch {batch_no}."
        )));
    }
    let currency = merchant.currency;
    let mut batch = match batches::batch(host.db.reader(), terminal_no, batch_no).await? {
        Some(b) => b,
        None => BatchRow::open(
            terminal_no,
            batch_no,
            &merchant.merchant_no,
            terminal.created_at,
            currency,
        ),
    };
    if batch.status == BatchStatus::Open {
        let (txs, _) =
            batches::txs_page(host.db.reader(), terminal_no, batch_no, 0, i64::MAX).await?;
        totals(&mut batch, &txs);
    }
    Ok(BatchSummary::of(batch, currency, next))
}

/// `GetPosBatchDetail`: a page of a batch's transactions.
pub async fn detail(
    host: &Host,
    call: &Call,
    terminal_no: &str,
    batch_no: Option<i64>,
    paging: crate::money::reports::Paging,
) -> Result<(crate::money::reports::Page<BatchTransaction>, Currency), ServiceError> {
    let (terminal, merchant) = terminal_and_merchant(host, call, terminal_no).await?;
    let batch_no = batch_no.unwrap_or(terminal.open_batch_no);
    let found = batches::txs_page(
        host.db.reader(),
        terminal_no,
        batch_no,
        paging.offset(),
        paging.page_size,
    )
    .await?;
    let page = paging.of(found).map(BatchTransaction::from);
    Ok((page, merchant.currency))
}
