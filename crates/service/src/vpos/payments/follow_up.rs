//! What follows a payment on its order: `PaymentPostSale`, `PaymentVoid`,
//! `PaymentRefund`, and `BatchClose`.

use cardhost_domain::fees::Network;
use cardhost_domain::FieldErrors;
use cardhost_store::vpos::{self, OrderRow};

use super::{merchant_and_terminal, on_us, refuse, repeated, required, FollowUpRequest};
use crate::acquirer::batches::{self, BatchSummary};
use crate::host::{Call, Host};
use crate::money::decide::TxRequest;
use crate::money::Channel;
use crate::vpos::order::{self, Charge, OrderCard};
use crate::vpos::rules::{self, Attempt};
use crate::vpos::{offus, VposLeg, VposOp, VposOutcome, ORDER_ID_MAX_LEN};
use crate::{idempotency, ServiceError};

/// `PaymentPostSale` (op `PostSale`), `PaymentVoid` (`Void`), `PaymentRefund` (`Refund`).
pub async fn follow_up(
    host: &Host,
    call: &Call,
    op: VposOp,
    r: FollowUpRequest,
) -> Result<VposOutcome, ServiceError> {
    let mut errors = FieldErrors::new();
    let merchant_no = required(&mut errors, "MerchantNo", &r.merchant_no, 15);
    let terminal_no = required(&mut errors, "TerminalNo", &r.terminal_no, 8);
    let order_id = required(&mut errors, "OrderId", &r.order_id, ORDER_ID_MAX_LEN);
    let reference = if op == VposOp::Refund {
        required(
            &mut errors,
            "Reference",
            &r.reference,
            idempotency::REFERENCE_MAX_LEN,
        )
    } else {
        String::new()
    };
    let process_id = match r.process_id.as_deref() {
        Some(p) if op == VposOp::Void => match p.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.push("ProcessId", "must be the digits of a ProcessId");
                None
            }
        },
        _ => None,
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let (merchant, terminal) =
        merchant_and_terminal(host, call, &merchant_no, &terminal_no).await?;
    let _one_at_a_time = host.order_locks.lock(&merchant_no, &order_id).await;
    let order_row = vpos::order(host.db.reader(), &merchant_no, &order_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Order {order_id} not found.")))?;
    if order_row.terminal_no != terminal_no {
        return Err(ServiceError::NotAllowed(format!(
            "Order {order_id} was paid on terminal {}.",
            order_row.terminal_no
        )));
    }
    let currency = crate::vpos::currency_of(order_row.currency);
    let requested = match &r.amount {
        Some(a) => Some(
            a.to_minor(currency)
                .map_err(|e| ServiceError::field("Amount", e.to_string()))?
                .get(),
        ),
        None => None,
    };
    if requested == Some(0) {
        return Err(ServiceError::field("Amount", "must be more than 0"));
    }
    // A repeat is the same request: the amount as asked for, not as resolved.
    let digest = idempotency::digest(&[
        op.name(),
        &terminal_no,
        &requested.map_or_else(|| "all".to_owned(), |a| a.to_string()),
    ]);
    let txs = vpos::txs_of_order(host.db.reader(), &merchant_no, &order_id).await?;
    let (target, amount, idem_key) = match op {
        VposOp::PostSale => {
            let target = order::capture_target(&order_row, &txs)?;
            let amount = requested.unwrap_or(order_row.authorized_amount);
            if amount > order_row.authorized_amount {
                return Err(ServiceError::NotAllowed(
                    "Amount is more than the pre-authorized amount.".into(),
                ));
            }
            (target, amount, "PostSale".to_owned())
        }
        VposOp::Void => {
            if !matches!(
                order_row.status.as_str(),
                "Paid" | "PreAuthorized" | "Captured"
            ) {
                return Err(ServiceError::NotAllowed(format!(
                    "Order {order_id} is {}; nothing to void.",
                    order_row.status
                )));
            }
            if order_row.refunded_amount > 0 {
                return Err(ServiceError::NotAllowed(
                    "A refunded order cannot be voided.".into(),
                ));
            }
            let target = order::void_target(&txs, process_id)?.clone();
            if requested.is_some_and(|a| a != target.amount) {
                return Err(ServiceError::field(
                    "Amount",
                    "a void undoes the whole transaction",
                ));
            }
            let amount = target.amount;
            let key = format!("Void:{}", target.process_id);
            (target, amount, key)
        }
        VposOp::Refund => {
            let left = order_row.captured_amount - order_row.refunded_amount;
            let amount = requested.unwrap_or(left);
            let key = format!("Refund:{reference}");
            let leg_probe = probe_leg(&order_row, op, &key, None);
            if let Some(first) = repeated(host, &leg_probe, &digest).await? {
                return Ok(first);
            }
            let target = order::refund_target(&order_row, &txs)?;
            if amount > left || amount <= 0 {
                return Err(ServiceError::NotAllowed(
                    "Refunds would exceed what was captured on the order.".into(),
                ));
            }
            (target, amount, key)
        }
        VposOp::Sale | VposOp::PreSale => {
            return Err(ServiceError::Internal("not a follow-up".into()))
        }
    };
    let mut leg = probe_leg(&order_row, op, &idem_key, Some(target.process_id));
    leg.terminal_no = terminal_no.clone();
    if let Some(first) = repeated(host, &leg, &digest).await? {
        return Ok(first);
    }
    let off_us = order_row.network == Network::OffUs.name();
    let attempt = Attempt {
        op,
        amount,
        installments: 1,
        with_points: false,
        off_us,
        card_country: None,
        sale_at: Some(target.created_at),
    };
    let card = OrderCard {
        card_id: order_row.card_id,
        card_type: order_row.card_type.clone(),
        network: order_row.network.clone(),
    };
    if let Some(code) = rules::refusal(host, &merchant, &terminal, &attempt).await? {
        return refuse(
            host,
            call,
            &leg,
            &digest,
            Charge {
                amount,
                currency,
                masked: order_row.masked_card_no.clone(),
                card,
            },
            code,
        )
        .await;
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
        .ok_or_else(|| ServiceError::Internal(format!("on-us order {order_id} has no card")))?;
    let mut request = TxRequest::new(
        call,
        op.tx_kind(),
        card_id,
        order_id,
        digest,
        Some(amount),
        Some(currency),
    );
    request.channel = Channel::Ecom;
    request.original = Some(target.process_id);
    request.mcc = Some(merchant.mcc.clone());
    request.merchant_name = Some(merchant.merchant_name.clone());
    request.merchant_country = Some(merchant.country.clone());
    request.vpos = Some(leg.clone());
    on_us(host, leg, request).await
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
    let merchant_no = required(&mut errors, "MerchantNo", &merchant_no, 15);
    let terminal_no = required(&mut errors, "TerminalNo", &terminal_no, 8);
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    merchant_and_terminal(host, call, &merchant_no, &terminal_no).await?;
    batches::close(host, call, &terminal_no).await
}
