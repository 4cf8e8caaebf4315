//! An order's rules and the rows a VPOS transaction writes: the same code for
//! on-us payments (inside the authorizer's transaction, with the card posting)
//! and off-us ones (after the network answered).

use cardhost_domain::response as rc;
use cardhost_store::batches::{self, BatchTxRow, OpenBatch};
use cardhost_store::merchants::{self, TerminalRow};
use cardhost_store::vpos::{self, OrderRow, OrderTxRow};
use cardhost_store::{Script, Tx};

use super::{VposLeg, VposOp};
use crate::host::Host;
use crate::ServiceError;

/// The earlier request with the same key on the order: the first outcome when
/// the content is the same, `Result` 7 when it differs; a capture or a void
/// happens once, so a second one is `Result` 4.
pub async fn prior(
    tx: &mut Tx<'_>,
    leg: &VposLeg,
    digest: &str,
) -> Result<Option<OrderTxRow>, ServiceError> {
    let Some(found) =
        vpos::tx_by_key(&mut **tx, &leg.merchant_no, &leg.order_id, &leg.idem_key).await?
    else {
        return Ok(None);
    };
    check_repeat(found, leg, digest).map(Some)
}

pub(crate) fn check_repeat(
    found: OrderTxRow,
    leg: &VposLeg,
    digest: &str,
) -> Result<OrderTxRow, ServiceError> {
    match leg.op {
        VposOp::PostSale => Err(ServiceError::NotAllowed(format!(
            "Order {} was already captured.",
            leg.order_id
        ))),
        VposOp::Void => Err(ServiceError::NotAllowed(format!(
            "Transaction {} was already voided.",
            leg.target.unwrap_or_default()
        ))),
        _ if found.request_digest != digest => Err(ServiceError::IdempotencyConflict(format!(
            "OrderId {} was used before with different content.",
            leg.order_id
        ))),
        _ => Ok(found),
    }
}

fn not_allowed(text: impl Into<String>) -> ServiceError {
    ServiceError::NotAllowed(text.into())
}

/// The transaction a void undoes: the one named, else the order's last
/// approved sale, capture or pre-sale not voided yet.
pub fn void_target(
    txs: &[OrderTxRow],
    process_id: Option<i64>,
) -> Result<&OrderTxRow, ServiceError> {
    let voidable = |t: &&OrderTxRow| {
        t.response_code == rc::APPROVED
            && t.status == "Approved"
            && matches!(t.transaction_type.as_str(), "Sale" | "PreSale" | "PostSale")
    };
    let found = match process_id {
        Some(pid) => txs.iter().find(|t| t.process_id == pid),
        None => txs.iter().rev().find(voidable),
    };
    found
        .filter(voidable)
        .ok_or_else(|| not_allowed("The order has no transaction that can be voided."))
}

/// The approved pre-sale a capture completes.
pub fn capture_target(order: &OrderRow, txs: &[OrderTxRow]) -> Result<OrderTxRow, ServiceError> {
    if order.status != "PreAuthorized" {
        return Err(not_allowed(format!(
            "Order {} is {}, not PreAuthorized.",
            order.order_id, order.status
        )));
    }
    txs.iter()
        .find(|t| t.transaction_type == "PreSale" && t.response_code == rc::APPROVED)
        .cloned()
        .ok_or_else(|| not_allowed("The order has no pre-authorization."))
}

/// The approved sale or capture a refund returns money of.
pub fn refund_target(order: &OrderRow, txs: &[OrderTxRow]) -> Result<OrderTxRow, ServiceError> {
    if !matches!(
        order.status.as_str(),
        "Paid" | "Captured" | "PartiallyRefunded"
    ) {
        return Err(not_allowed(format!(
            "Order {} is {}; only a paid or captured order is refunded.",
            order.order_id, order.status
        )));
    }
    txs.iter()
        .rev()
        .find(|t| {
            matches!(t.transaction_type.as_str(), "Sale" | "PostSale")
                && t.response_code == rc::APPROVED
                && t.status == "Approved"
        })
        .cloned()
        .ok_or_else(|| not_allowed("The order has nothing captured to refund."))
}

/// Locks the terminal shared (so its batch cannot close under this
/// transaction, while other payments on it go on) and the order, and checks
/// again, under those locks, that this request may still happen. Nothing has
/// been written when it refuses.
pub async fn lock_for(
    tx: &mut Tx<'_>,
    host: &Host,
    leg: &VposLeg,
    amount: i64,
) -> Result<(Option<OrderRow>, TerminalRow), ServiceError> {
    let terminal = merchants::terminal_for_share(tx, host.db.engine(), &leg.terminal_no).await?;
    let order =
        vpos::order_for_update(tx, host.db.engine(), &leg.merchant_no, &leg.order_id).await?;
    let target = match (leg.op, &order) {
        (VposOp::Void, Some(_)) => vpos::tx(&mut **tx, leg.target.unwrap_or_default()).await?,
        _ => None,
    };
    let terminal = admit(
        leg,
        order.as_ref(),
        terminal.as_ref(),
        target.as_ref(),
        amount,
    )?;
    Ok((order, terminal.clone()))
}

/// The order's own rules for a request, given the order, its terminal and
/// (for a void) the transaction voided: whether it may happen now.
pub fn admit<'t>(
    leg: &VposLeg,
    order: Option<&OrderRow>,
    terminal: Option<&'t TerminalRow>,
    target: Option<&OrderTxRow>,
    amount: i64,
) -> Result<&'t TerminalRow, ServiceError> {
    let terminal = terminal.ok_or_else(|| {
        ServiceError::NotFound(format!("Terminal {} not found.", leg.terminal_no))
    })?;
    match (leg.op, order) {
        (VposOp::Sale | VposOp::PreSale, None) => {}
        (VposOp::Sale | VposOp::PreSale, Some(o)) if o.status == "Created" => {}
        (VposOp::Sale | VposOp::PreSale, Some(_)) => {
            return Err(ServiceError::IdempotencyConflict(format!(
                "OrderId {} was used before with different content.",
                leg.order_id
            )))
        }
        (_, None) => {
            return Err(ServiceError::NotFound(format!(
                "Order {} not found.",
                leg.order_id
            )))
        }
        (VposOp::PostSale, Some(o)) => {
            if o.status != "PreAuthorized" {
                return Err(not_allowed(format!(
                    "Order {} is {}.",
                    o.order_id, o.status
                )));
            }
            if amount > o.authorized_amount {
                return Err(not_allowed(
                    "Amount is more than the pre-authorized amount.",
                ));
            }
        }
        (VposOp::Refund, Some(o)) => {
            if o.refunded_amount + amount > o.captured_amount {
                return Err(not_allowed(
                    "Refunds would exceed what was captured on the order.",
                ));
            }
        }
        (VposOp::Void, Some(o)) => {
            if o.refunded_amount > 0 {
                return Err(not_allowed("A refunded order cannot be voided."));
            }
            let target = target
                .filter(|t| t.order_id == o.order_id && t.merchant_no == o.merchant_no)
                .ok_or_else(|| not_allowed("Nothing to void."))?;
            void_target(std::slice::from_ref(target), Some(target.process_id))?;
            if target.batch_no.is_some_and(|b| {
                b != terminal.open_batch_no || target.terminal_no != terminal.terminal_no
            }) {
                return Err(not_allowed(
                    "The transaction's batch is closed; refund it instead.",
                ));
            }
        }
    }
    Ok(terminal)
}

/// What the order becomes after an approved transaction.
fn apply(order: &mut OrderRow, op: VposOp, amount: i64) {
    match op {
        VposOp::Sale => {
            order.status = "Paid".into();
            order.authorized_amount = amount;
            order.captured_amount = amount;
        }
        VposOp::PreSale => {
            order.status = "PreAuthorized".into();
            order.authorized_amount = amount;
        }
        VposOp::PostSale => {
            order.status = "Captured".into();
            order.captured_amount = amount;
        }
        VposOp::Void => {
            order.status = "Voided".into();
            order.captured_amount = 0;
        }
        VposOp::Refund => {
            order.refunded_amount += amount;
            order.status = if order.refunded_amount >= order.captured_amount {
                "Refunded"
            } else {
                "PartiallyRefunded"
            }
            .into();
        }
    }
}

/// What a transaction charges and to which card.
#[derive(Debug, Clone)]
pub struct Charge {
    pub amount: i64,
    pub currency: cardhost_domain::Currency,
    pub masked: String,
    pub card: OrderCard,
}

/// The card of an order, as its first transaction knows it.
#[derive(Debug, Clone)]
pub struct OrderCard {
    pub card_id: Option<i64>,
    pub card_type: String,
    pub network: String,
}

/// What a decided order transaction writes.
#[derive(Debug, Clone)]
pub struct OrderWrite {
    pub tx: OrderTxRow,
    pub order: OrderRow,
    pub order_is_new: bool,
    pub open_batch: Option<OpenBatch>,
    pub batch_row: Option<BatchTxRow>,
    /// The transaction a void marks `Voided`.
    pub voided: Option<i64>,
}

/// The rows an order transaction `t` writes (its status and batch set here):
/// the batch row when it lands in one, and the order's new state.
/// `voided_batch` is the batch of the transaction a void undoes.
pub fn outcome(
    leg: &VposLeg,
    order: Option<OrderRow>,
    terminal: &TerminalRow,
    mut t: OrderTxRow,
    card: &OrderCard,
    voided_batch: Option<i64>,
) -> OrderWrite {
    let now = t.created_at;
    let approved = t.response_code == rc::APPROVED;
    t.status = if approved { "Approved" } else { "Declined" }.into();
    let mut write_batch = None;
    if approved && leg.op.batched() {
        t.batch_no = Some(terminal.open_batch_no);
        let open = OpenBatch {
            terminal_no: terminal.terminal_no.clone(),
            batch_no: terminal.open_batch_no,
            merchant_no: terminal.merchant_no.clone(),
            currency: t.currency,
            open_date: now,
        };
        write_batch = Some((open, batch_row(leg, terminal, &t, card)));
    }
    let voided = leg.target.filter(|_| approved && leg.op == VposOp::Void);
    if voided.is_some() {
        t.batch_no = voided_batch;
    }
    let order_is_new = order.is_none();
    let mut o = order.unwrap_or_else(|| new_order(leg, &t, card));
    if approved {
        apply(&mut o, leg.op, t.amount);
    } else if o.status == "Created" {
        o.status = "Failed".into();
    }
    o.updated_at = now;
    let (open_batch, batch_row) = write_batch.unzip();
    OrderWrite {
        tx: t,
        order: o,
        order_is_new,
        open_batch,
        batch_row,
        voided,
    }
}

fn batch_row(
    leg: &VposLeg,
    terminal: &TerminalRow,
    t: &OrderTxRow,
    card: &OrderCard,
) -> BatchTxRow {
    BatchTxRow {
        process_id: t.process_id,
        terminal_no: terminal.terminal_no.clone(),
        batch_no: terminal.open_batch_no,
        merchant_no: terminal.merchant_no.clone(),
        order_id: Some(t.order_id.clone()),
        transaction_type: if leg.op == VposOp::Refund {
            "Refund"
        } else {
            "Sale"
        }
        .into(),
        amount: t.amount,
        currency: t.currency,
        masked_card_no: t.masked_card_no.clone(),
        auth_code: t.auth_code.clone(),
        rrn: t.rrn.clone(),
        installment_count: t.installment_count,
        card_type: card.card_type.clone(),
        network: card.network.clone(),
        status: "Approved".into(),
        created_at: t.created_at,
        ..Default::default()
    }
}

/// The order a first transaction opens (`Failed` until an approval applies).
fn new_order(leg: &VposLeg, t: &OrderTxRow, card: &OrderCard) -> OrderRow {
    OrderRow {
        merchant_no: leg.merchant_no.clone(),
        order_id: leg.order_id.clone(),
        terminal_no: leg.terminal_no.clone(),
        status: "Failed".into(),
        amount: t.amount,
        currency: t.currency,
        installment_count: leg.installments,
        point_amount: leg.point_amount,
        network: card.network.clone(),
        card_id: card.card_id,
        masked_card_no: t.masked_card_no.clone(),
        card_type: card.card_type.clone(),
        description: leg.description.clone(),
        created_at: t.created_at,
        updated_at: t.created_at,
        ..Default::default()
    }
}

/// Writes the order transaction `t`, its batch row and the order's new state.
pub async fn record(
    tx: &mut Tx<'_>,
    leg: &VposLeg,
    order: Option<OrderRow>,
    terminal: &TerminalRow,
    t: OrderTxRow,
    card: &OrderCard,
) -> Result<OrderTxRow, ServiceError> {
    let voided_batch = match leg.target.filter(|_| leg.op == VposOp::Void) {
        Some(target) => vpos::tx(&mut **tx, target).await?.and_then(|v| v.batch_no),
        None => None,
    };
    let w = outcome(leg, order, terminal, t, card, voided_batch);
    let mut script = Script::default();
    if let (Some(open), Some(row)) = (&w.open_batch, &w.batch_row) {
        batches::open_batches(&mut script, std::slice::from_ref(open));
        batches::insert_txs(&mut script, std::slice::from_ref(row));
    }
    if let Some(target) = w.voided {
        vpos::set_tx_status(&mut script, target, "Voided");
        batches::set_tx_status(&mut script, target, "Voided");
    }
    script.run(tx).await?;
    vpos::insert_tx(tx, &w.tx).await?;
    if w.order_is_new {
        vpos::insert_order(tx, &w.order).await?;
    } else {
        vpos::update_order(tx, &w.order).await?;
    }
    Ok(w.tx)
}
