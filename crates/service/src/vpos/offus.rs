//! Off-us payments: the card network decides; the host records the order,
//! posts what the network owes (`NetworkClearing`), and makes sure an
//! authorization whose answer never came is reversed.

use cardhost_domain::card::Pan;
use cardhost_domain::ledger::{Account, TransferKind, Unit};
use cardhost_domain::response as rc;
use cardhost_domain::status::{Network, OrderStatus, ReversalStatus};
use cardhost_store::vpos::{self, OrderRow, OrderTxRow, ReversalRow};
use cardhost_store::{ledger, table, StoreError, Tx};

use super::order::{self, Charge, OrderCard};
use super::{VposLeg, VposOp, VposOutcome};
use crate::host::{Call, Host};
use crate::money::balanced;
use crate::network::{within, NetworkAnswer, NetworkError, NetworkMessage};
use crate::ServiceError;
use cardhost_domain::Currency;

/// The account of what the network owes the host (negative) or is owed.
fn network_ledger(host: &Host, currency: Currency) -> String {
    Account::Network(host.network.name(), currency).name()
}

/// Posts `amount` between the network and `NetworkClearing`: positive when
/// the network owes the host (a sale or capture), negative for a refund.
async fn post(
    tx: &mut Tx<'_>,
    host: &Host,
    (process_id, transfer_id): (i64, i64),
    op: VposOp,
    amount: i64,
    currency: Currency,
) -> Result<(), ServiceError> {
    let now = host.clock.now_ms();
    let network = network_ledger(host, currency);
    let clearing = Account::NetworkClearing(currency).name();
    let unit = Unit::Money(currency);
    ledger::ensure_account(tx, &network, unit, now).await?;
    ledger::ensure_account(tx, &clearing, unit, now).await?;
    ledger::post_transfer(
        tx,
        transfer_id,
        process_id,
        TransferKind::OffUs(op),
        &balanced([(network, -amount, currency), (clearing, amount, currency)])?,
        now,
    )
    .await?;
    Ok(())
}

/// The order transaction of the network's answer.
fn answered(mut t: OrderTxRow, answer: &Result<NetworkAnswer, NetworkError>) -> OrderTxRow {
    let (code, auth_code) = match answer {
        Ok(NetworkAnswer::Approved { auth_code }) => (rc::APPROVED, auth_code.clone()),
        Ok(NetworkAnswer::Declined(code)) => (*code, String::new()),
        Err(_) => (rc::ISSUER_UNAVAILABLE, String::new()),
    };
    if code == rc::APPROVED {
        t.rrn = format!("{:012}", t.process_id % 1_000_000_000_000);
    }
    t.response_code = code.to_owned();
    t.auth_code = auth_code;
    t.network = Network::OffUs;
    t
}

/// An off-us sale or pre-sale.
pub(super) async fn pay(
    host: &Host,
    call: &Call,
    leg: &VposLeg,
    digest: &str,
    pan: &Pan,
    charge: Charge,
) -> Result<VposOutcome, ServiceError> {
    let Charge {
        amount,
        currency,
        card,
        ..
    } = charge;
    let process_id = ledger::reserve_ids(host.db.writer(), "process_id", 1).await?;
    open_order(host, leg, pan, &card, (process_id, amount, currency)).await?;
    let msg = NetworkMessage {
        process_id,
        amount,
        currency,
    };
    let answer = within(
        host,
        host.network.authorize(pan, msg, leg.op == VposOp::Sale),
    )
    .await;
    if let Err(err) = &answer {
        tracing::warn!(process_id, error = %err, "network authorization unanswered; reversing");
    }
    let t = answered(
        OrderTxRow {
            process_id,
            masked_card_no: pan.masked(),
            created_at: host.clock.now_ms(),
            ..leg.tx(&call.caller.client_id, digest, (amount, currency))
        },
        &answer,
    );
    let t = record_answer(host, call, leg, &card, t, answer.is_ok()).await?;
    Ok(VposOutcome::new(t, false))
}

/// The order and an armed reversal, committed before the network is asked:
/// a crash while it is asked leaves a record that undoes whatever it approved.
async fn open_order(
    host: &Host,
    leg: &VposLeg,
    pan: &Pan,
    card: &OrderCard,
    (process_id, amount, currency): (i64, i64, Currency),
) -> Result<(), ServiceError> {
    let now = host.clock.now_ms();
    let busy = || {
        ServiceError::NotAllowed(format!(
            "Order {} is being processed; repeat the request for its outcome.",
            leg.order_id
        ))
    };
    let mut tx = host.db.begin().await?;
    let existing =
        vpos::order_for_update(&mut tx, host.db.engine(), &leg.merchant_no, &leg.order_id).await?;
    // A `Created` order without a reversal waits for its 3-D Secure payment.
    let waiting = match &existing {
        Some(o) if o.status == OrderStatus::Created => {
            !vpos::order_has_reversal(&mut tx, &leg.merchant_no, &leg.order_id).await?
        }
        _ => false,
    };
    if let (Some(existing), false) = (existing, waiting) {
        drop(tx);
        return Err(if existing.status == OrderStatus::Created {
            busy()
        } else {
            ServiceError::IdempotencyConflict(format!(
                "OrderId {} was used before with different content.",
                leg.order_id
            ))
        });
    }
    let order_row = OrderRow {
        masked_card_no: pan.masked(),
        ..leg.order(card, (amount, currency), now)
    };
    if !waiting {
        match table::insert(&mut tx, &order_row).await {
            Err(StoreError::Duplicate) => return Err(busy()),
            other => other?,
        }
    }
    let reversal = ReversalRow {
        process_id,
        network: host.network.name().to_owned(),
        amount,
        currency,
        merchant_no: leg.merchant_no.clone(),
        order_id: leg.order_id.clone(),
        status: ReversalStatus::Armed,
        next_attempt: now,
        attempts: 0,
        last_error: None,
        created_at: now,
        done_at: None,
    };
    vpos::arm_reversal(&mut tx, &reversal).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The network's answer `t` on the order, with the sale's clearing transfer
/// when approved; an unanswered call leaves its reversal pending for the sweeper.
async fn record_answer(
    host: &Host,
    call: &Call,
    leg: &VposLeg,
    card: &OrderCard,
    t: OrderTxRow,
    answered: bool,
) -> Result<OrderTxRow, ServiceError> {
    let approved = t.response_code == rc::APPROVED;
    let now = host.clock.now_ms();
    // Reserved outside the write transaction, which must not wait on the counter.
    let transfer_id = ledger::reserve_ids(host.db.writer(), "transfer_id", 1).await?;
    let mut tx = host.db.begin().await?;
    let (order_row, terminal) = order::lock_for(&mut tx, host, leg, t.amount).await?;
    if approved && leg.op == VposOp::Sale {
        let ids = (t.process_id, transfer_id);
        post(&mut tx, host, ids, VposOp::Sale, t.amount, t.currency).await?;
    }
    let reversal = if answered {
        ReversalStatus::Disarmed
    } else {
        ReversalStatus::Pending
    };
    vpos::set_reversal(&mut tx, t.process_id, reversal, now).await?;
    let t = order::record(&mut tx, leg, order_row, &terminal, t, card).await?;
    audit_and_commit(tx, host, call, &t).await?;
    if !answered {
        host.reversal_wakeup.notify_one();
    }
    Ok(t)
}

/// An off-us capture, void or refund of `target`.
pub(super) async fn follow_up(
    host: &Host,
    call: &Call,
    leg: &VposLeg,
    digest: &str,
    target: &OrderTxRow,
    charge: Charge,
) -> Result<VposOutcome, ServiceError> {
    let Charge {
        amount,
        currency,
        card,
        ..
    } = charge;
    let card = &card;
    let process_id = ledger::reserve_ids(host.db.writer(), "process_id", 1).await?;
    // The network knows an order by its opening authorization.
    let auth_id = if target.transaction_type == VposOp::PostSale {
        target.original_process_id.unwrap_or(target.process_id)
    } else {
        target.process_id
    };
    let answer = ask_network(host, leg.op, auth_id, process_id, amount, currency).await;
    let now = host.clock.now_ms();
    let mut t = answered(
        OrderTxRow {
            process_id,
            masked_card_no: target.masked_card_no.clone(),
            created_at: now,
            ..leg.tx(&call.caller.client_id, digest, (amount, currency))
        },
        &answer,
    );
    if leg.op == VposOp::Void {
        t.auth_code = target.auth_code.clone();
    }
    let approved = t.response_code == rc::APPROVED;
    let transfer_id = ledger::reserve_ids(host.db.writer(), "transfer_id", 1).await?;
    let ids = (process_id, transfer_id);
    let mut tx = host.db.begin().await?;
    let (order_row, terminal) = order::lock_for(&mut tx, host, leg, amount).await?;
    if approved {
        post_follow_up(
            &mut tx,
            host,
            leg.op,
            target,
            ids,
            (auth_id, amount, currency),
        )
        .await?;
    }
    let t = order::record(&mut tx, leg, order_row, &terminal, t, card).await?;
    audit_and_commit(tx, host, call, &t).await?;
    if approved && leg.op == VposOp::Void {
        host.reversal_wakeup.notify_one();
    }
    Ok(VposOutcome::new(t, false))
}

/// What the network answers a capture or refund; a void is approved here and
/// its reversal queued: the queue retries it until the network acknowledges.
async fn ask_network(
    host: &Host,
    op: VposOp,
    auth_id: i64,
    process_id: i64,
    amount: i64,
    currency: Currency,
) -> Result<NetworkAnswer, NetworkError> {
    match op {
        VposOp::PostSale => {
            let msg = NetworkMessage {
                process_id: auth_id,
                amount,
                currency,
            };
            within(host, host.network.capture(msg)).await
        }
        VposOp::Refund => {
            let msg = NetworkMessage {
                process_id,
                amount,
                currency,
            };
            within(host, host.network.refund(auth_id, msg)).await
        }
        _ => Ok(NetworkAnswer::Approved {
            auth_code: String::new(),
        }),
    }
}

/// The journal of an approved off-us follow-up: a capture or refund moves
/// NetworkClearing; a void takes back its target's transfer and queues the
/// reversal of the authorization.
async fn post_follow_up(
    tx: &mut Tx<'_>,
    host: &Host,
    op: VposOp,
    target: &OrderTxRow,
    ids: (i64, i64),
    (auth_id, amount, currency): (i64, i64, Currency),
) -> Result<(), ServiceError> {
    let now = host.clock.now_ms();
    match op {
        VposOp::PostSale => post(tx, host, ids, op, amount, currency).await,
        VposOp::Refund => post(tx, host, ids, op, -amount, currency).await,
        VposOp::Void => {
            let entries = ledger::entries_of_process(tx, target.process_id).await?;
            if !entries.is_empty() {
                let legs = entries
                    .iter()
                    .map(|e| (e.ledger_account.as_str(), -e.amount, e.currency));
                let reversed = balanced(legs)?;
                let (process_id, transfer_id) = ids;
                let kind = TransferKind::OffUs(VposOp::Void);
                ledger::post_transfer(tx, transfer_id, process_id, kind, &reversed, now).await?;
            }
            vpos::set_reversal(tx, auth_id, ReversalStatus::Pending, now).await?;
            Ok(())
        }
        VposOp::Sale | VposOp::PreSale => Ok(()),
    }
}

/// The payment's audit record, in its transaction, then the commit.
async fn audit_and_commit(
    mut tx: Tx<'_>,
    host: &Host,
    call: &Call,
    t: &OrderTxRow,
) -> Result<(), ServiceError> {
    let result = if t.response_code == rc::APPROVED {
        0
    } else {
        8
    };
    crate::audit::record_in(
        &mut tx,
        host,
        call,
        &t.masked_card_no,
        result,
        &t.response_code,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}
