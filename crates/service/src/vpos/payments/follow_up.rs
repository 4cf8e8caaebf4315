//! What follows a payment on its order: `PaymentPostSale`, `PaymentVoid`,
//! `PaymentRefund`, and `BatchClose`.

use cardhost_domain::field::counting_number;
use cardhost_domain::status::Network;
use cardhost_domain::{Currency, FieldErrors};
use cardhost_store::vpos::{self, OrderRow, OrderTxRow};

use super::{
    acceptor_numbers, merchant_and_terminal, on_us, refuse, repeated, required, FollowUpRequest,
};
use crate::acquirer::batches::{self, BatchSummary};
use crate::host::{Call, Host};
use crate::money::decide::TxRequest;
use crate::vpos::order::{self, Charge, OrderCard};
use crate::vpos::rules::{self, Attempt};
use crate::vpos::{offus, VposLeg, VposOp, VposOutcome, ORDER_ID_MAX_LEN};
use crate::{idempotency, ServiceError};

/// A follow-up request that passed its field checks.
struct Valid {
    merchant_no: String,
    terminal_no: String,
    order_id: String,
    /// A refund's own reference (empty for the other follow-ups).
    reference: String,
    /// A void's transaction, when it names one.
    process_id: Option<i64>,
}

/// The transaction a follow-up acts on, how much, and its key on the order.
type Target = (OrderTxRow, i64, String);

/// `PaymentPostSale` (op `PostSale`), `PaymentVoid` (`Void`), `PaymentRefund` (`Refund`).
pub async fn follow_up(
    host: &Host,
    call: &Call,
    op: VposOp,
    r: FollowUpRequest,
) -> Result<VposOutcome, ServiceError> {
    let v = validate(op, &r)?;
    let (merchant, terminal) =
        merchant_and_terminal(host, call, &v.merchant_no, &v.terminal_no).await?;
    let _one_at_a_time = crate::vpos::lock_order(host, &v.merchant_no, &v.order_id, true).await?;
    let order_row = order_on_terminal(host, &v).await?;
    let currency = order_row.currency;
    let requested = requested_amount(&r, currency)?;
    // A repeat is the same request: the amount as asked for, not as resolved.
    let digest = idempotency::digest(&[
        op.name(),
        &v.terminal_no,
        &requested.map_or_else(|| "all".to_owned(), |a| a.to_string()),
    ]);
    let (target, amount, idem_key) =
        match target_of(host, op, &v, &order_row, requested, &digest).await? {
            Found::Repeat(first) => return Ok(first),
            Found::Target(target) => target,
        };
    let mut leg = probe_leg(&order_row, op, &idem_key, Some(target.process_id));
    leg.terminal_no = v.terminal_no.clone();
    if let Some(first) = repeated(host, &leg, &digest).await? {
        return Ok(first);
    }
    let card = OrderCard::of(&order_row)?;
    let off_us = card.network == Network::OffUs;
    let attempt = Attempt {
        sale_at: Some(target.created_at),
        ..Attempt::follow_up(op, amount, off_us)
    };
    if let Some(code) = rules::refusal(host, &merchant, &terminal, &attempt).await? {
        let masked = order_row.masked_card_no.clone();
        let charge = Charge {
            amount,
            currency,
            masked,
            card,
        };
        return refuse(host, call, &leg, &digest, charge, code).await;
    }
    if off_us {
        let charge = Charge {
            amount,
            currency,
            masked: target.masked_card_no.clone(),
            card,
        };
        return offus::follow_up(host, call, &leg, &digest, &target, charge).await;
    }
    let card_id = order_row
        .card_id
        .ok_or_else(|| ServiceError::Internal(format!("on-us order {} has no card", v.order_id)))?;
    let mut request = TxRequest::new(
        call,
        op.into(),
        card_id,
        v.order_id,
        digest,
        Some(amount),
        Some(currency),
    );
    request.original = Some(target.process_id);
    on_us(host, &merchant, leg, request).await
}

/// The order, which must have been paid on the request's terminal.
async fn order_on_terminal(host: &Host, v: &Valid) -> Result<OrderRow, ServiceError> {
    let order_row = vpos::order(host.db.reader(), &v.merchant_no, &v.order_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Order {} not found.", v.order_id)))?;
    if order_row.terminal_no != v.terminal_no {
        return Err(ServiceError::NotAllowed(format!(
            "Order {} was paid on terminal {}.",
            v.order_id, order_row.terminal_no
        )));
    }
    Ok(order_row)
}

/// A follow-up's target, or the first outcome of a refund's repeated reference.
enum Found {
    Repeat(VposOutcome),
    Target(Target),
}

async fn target_of(
    host: &Host,
    op: VposOp,
    v: &Valid,
    order_row: &OrderRow,
    requested: Option<i64>,
    digest: &str,
) -> Result<Found, ServiceError> {
    let txs = vpos::txs_of_order(host.db.reader(), &v.merchant_no, &v.order_id).await?;
    let target = match op {
        VposOp::PostSale => capture_of(order_row, &txs, requested)?,
        VposOp::Void => match void_of(order_row, &txs, requested, v.process_id) {
            Ok(target) => target,
            Err(refused) => {
                return match earlier_void(&txs, v.process_id, digest) {
                    Some(first) => Ok(Found::Repeat(VposOutcome::new(first.clone(), true))),
                    None => Err(refused),
                }
            }
        },
        VposOp::Refund => {
            let key = format!("Refund:{}", v.reference);
            let probe = probe_leg(order_row, op, &key, None);
            if let Some(first) = repeated(host, &probe, digest).await? {
                return Ok(Found::Repeat(first));
            }
            refund_of(order_row, &txs, requested, key)?
        }
        VposOp::Sale | VposOp::PreSale => {
            return Err(ServiceError::Internal("not a follow-up".into()))
        }
    };
    Ok(Found::Target(target))
}

/// The void a repeated `PaymentVoid` asked for before: with nothing left to
/// void, the same request answers the void it made (of `process_id` when it
/// named one), as every repeat does (README, Idempotency).
fn earlier_void<'t>(
    txs: &'t [cardhost_store::vpos::OrderTxRow],
    process_id: Option<i64>,
    digest: &str,
) -> Option<&'t cardhost_store::vpos::OrderTxRow> {
    txs.iter().rev().find(|t| {
        t.transaction_type == VposOp::Void
            && t.response_code == cardhost_domain::response::APPROVED
            && t.request_digest == digest
            && process_id.is_none_or(|p| t.original_process_id == Some(p))
    })
}

fn validate(op: VposOp, r: &FollowUpRequest) -> Result<Valid, ServiceError> {
    let mut errors = FieldErrors::new();
    let (merchant_no, terminal_no) = acceptor_numbers(&mut errors, &r.merchant_no, &r.terminal_no);
    let order_id = required(&mut errors, "OrderId", &r.order_id, ORDER_ID_MAX_LEN);
    let reference = if op == VposOp::Refund {
        let max = idempotency::REFERENCE_MAX_LEN;
        required(&mut errors, "Reference", &r.reference, max)
    } else {
        String::new()
    };
    let process_id = match r.process_id.as_deref() {
        Some(p) if op == VposOp::Void => {
            let parsed = counting_number(p);
            if parsed.is_none() {
                errors.push("ProcessId", "must be the digits of a ProcessId");
            }
            parsed
        }
        _ => None,
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    Ok(Valid {
        merchant_no,
        terminal_no,
        order_id,
        reference,
        process_id,
    })
}

/// The amount asked for, in the order's currency; absent means "all of it".
fn requested_amount(r: &FollowUpRequest, currency: Currency) -> Result<Option<i64>, ServiceError> {
    let Some(a) = &r.amount else { return Ok(None) };
    let minor = a
        .to_minor(currency)
        .map_err(|e| ServiceError::field("Amount", e.to_string()))?
        .get();
    if minor == 0 {
        return Err(ServiceError::field("Amount", "must be more than 0"));
    }
    Ok(Some(minor))
}

fn capture_of(
    order_row: &OrderRow,
    txs: &[OrderTxRow],
    requested: Option<i64>,
) -> Result<Target, ServiceError> {
    let target = order::capture_target(order_row, txs)?;
    let amount = requested.unwrap_or(order_row.authorized_amount);
    if amount > order_row.authorized_amount {
        return Err(ServiceError::NotAllowed(
            "Amount is more than the pre-authorized amount.".into(),
        ));
    }
    Ok((target, amount, "PostSale".to_owned()))
}

fn void_of(
    order_row: &OrderRow,
    txs: &[OrderTxRow],
    requested: Option<i64>,
    process_id: Option<i64>,
) -> Result<Target, ServiceError> {
    order_row
        .status
        .void()
        .map_err(|e| ServiceError::NotAllowed(format!("Order {}: {e}.", order_row.order_id)))?;
    if order_row.refunded_amount > 0 {
        return Err(ServiceError::NotAllowed(
            "A refunded order cannot be voided.".into(),
        ));
    }
    let target = order::void_target(txs, process_id)?.clone();
    if requested.is_some_and(|a| a != target.amount) {
        return Err(ServiceError::field(
            "Amount",
            "a void undoes the whole transaction",
        ));
    }
    let amount = target.amount;
    let key = format!("Void:{}", target.process_id);
    Ok((target, amount, key))
}

fn refund_of(
    order_row: &OrderRow,
    txs: &[OrderTxRow],
    requested: Option<i64>,
    key: String,
) -> Result<Target, ServiceError> {
    let left = order_row.captured_amount - order_row.refunded_amount;
    let amount = requested.unwrap_or(left);
    let target = order::refund_target(order_row, txs)?;
    if amount > left || amount <= 0 {
        return Err(ServiceError::NotAllowed(
            "Refunds would exceed what was captured on the order.".into(),
        ));
    }
    Ok((target, amount, key))
}

fn probe_leg(order: &OrderRow, op: VposOp, idem_key: &str, target: Option<i64>) -> VposLeg {
    VposLeg {
        merchant_no: order.merchant_no.clone(),
        terminal_no: order.terminal_no.clone(),
        order_id: order.order_id.clone(),
        op,
        idem_key: idem_key.to_owned(),
        installments: order.installment_count,
        point_amount: 0,
        description: None,
        target,
    }
}

/// `BatchClose`: `ClosePosBatch` for the merchant's own terminal.
pub async fn batch_close(
    host: &Host,
    call: &Call,
    merchant_no: Option<String>,
    terminal_no: Option<String>,
) -> Result<BatchSummary, ServiceError> {
    let mut errors = FieldErrors::new();
    let (merchant_no, terminal_no) = acceptor_numbers(&mut errors, &merchant_no, &terminal_no);
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    merchant_and_terminal(host, call, &merchant_no, &terminal_no).await?;
    batches::close(host, call, &terminal_no).await
}
