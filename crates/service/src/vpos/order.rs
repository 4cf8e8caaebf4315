//! An order's rules and the rows a VPOS transaction writes: the same code for
//! on-us payments (inside the authorizer's transaction, with the card posting)
//! and off-us ones (after the network answered).

use cardhost_domain::response as rc;
use cardhost_store::batches::{self, BatchTxRow};
use cardhost_store::merchants::{self, TerminalRow};
use cardhost_store::vpos::{self, OrderRow, OrderTxRow};
use cardhost_store::Tx;

use super::{VposLeg, VposOp};
use crate::host::Host;
use crate::ServiceError;

/// The earlier request with the same key on the order: the first outcome when
/// the content is the same, `Result` 7 when it differs; a capture or a void
/// happens once, so a second one is `Result` 4.
pub async fn prior(
    tx: &mut Tx,
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
/// transaction, while other payments on it go on) and the order, and checks again, under those locks, that this request may
/// still happen. Nothing has been written when it refuses.
pub async fn lock_for(
    tx: &mut Tx,
    host: &Host,
    leg: &VposLeg,
    amount: i64,
) -> Result<(Option<OrderRow>, TerminalRow), ServiceError> {
    let terminal = merchants::terminal_for_share(tx, host.db.engine(), &leg.terminal_no)
        .await?
        .ok_or_else(|| {
            ServiceError::NotFound(format!("Terminal {} not found.", leg.terminal_no))
        })?;
    let order =
        vpos::order_for_update(tx, host.db.engine(), &leg.merchant_no, &leg.order_id).await?;
    match (leg.op, &order) {
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
            let target = vpos::tx(&mut **tx, leg.target.unwrap_or_default())
                .await?
                .filter(|t| t.order_id == o.order_id && t.merchant_no == o.merchant_no)
                .ok_or_else(|| not_allowed("Nothing to void."))?;
            void_target(std::slice::from_ref(&target), Some(target.process_id))?;
            if target.batch_no.is_some_and(|b| {
                b != terminal.open_batch_no || target.terminal_no != terminal.terminal_no
            }) {
                return Err(not_allowed(
                    "The transaction's batch is closed; refund it instead.",
                ));
            }
        }
    }
    Ok((order, terminal))
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

/// Writes the order transaction `t` (its status and batch set here), the
/// batch row when it lands in one, and the order's new state.
pub async fn record(
    tx: &mut Tx,
    leg: &VposLeg,
    order: Option<OrderRow>,
    terminal: &TerminalRow,
    mut t: OrderTxRow,
    card: &OrderCard,
) -> Result<OrderTxRow, ServiceError> {
    let now = t.created_at;
    let approved = t.response_code == rc::APPROVED;
    t.status = if approved { "Approved" } else { "Declined" }.into();
    if approved && leg.op.batched() {
        t.batch_no = Some(terminal.open_batch_no);
        batches::open_batch(
            tx,
            &terminal.terminal_no,
            terminal.open_batch_no,
            &terminal.merchant_no,
            t.currency,
            now,
        )
        .await?;
        let row = BatchTxRow {
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
            created_at: now,
            ..Default::default()
        };
        batches::insert_tx(tx, &row).await?;
    }
    if approved && leg.op == VposOp::Void {
        if let Some(target) = leg.target {
            vpos::set_tx_status(tx, target, "Voided").await?;
            batches::set_tx_status(tx, target, "Voided").await?;
            t.batch_no = vpos::tx(&mut **tx, target).await?.and_then(|v| v.batch_no);
        }
    }
    vpos::insert_tx(tx, &t).await?;
    match order {
        Some(mut o) => {
            if approved {
                apply(&mut o, leg.op, t.amount);
            } else if o.status == "Created" {
                o.status = "Failed".into();
            }
            o.updated_at = now;
            vpos::update_order(tx, &o).await?;
        }
        None => {
            let mut o = OrderRow {
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
                created_at: now,
                updated_at: now,
                ..Default::default()
            };
            if approved {
                apply(&mut o, leg.op, t.amount);
            }
            vpos::insert_order(tx, &o).await?;
        }
    }
    Ok(t)
}
