//! A decided request's effects: applied to the batch's state (so the next
//! request of the batch sees them) and gathered for the batch's writes.

use cardhost_domain::ledger::{Account, Entry, Transfer, TransferKind, Unit};
use cardhost_domain::product::{CardProduct, CardType};
use cardhost_domain::response as rc;
use cardhost_domain::status::{
    CardTxStatus, CardTxType, Channel, HoldStatus, Network, OrderTxStatus,
};
use cardhost_domain::Currency;
use cardhost_store::audit::AuditRecord;
use cardhost_store::cards::CardRow;
use cardhost_store::idempotency::{ReferenceRow, UsedReference};
use cardhost_store::ledger::{Balance, CardTxRow, DayUsage, HoldRow, TransferRow};
use cardhost_store::merchants::TerminalRow;
use cardhost_store::vpos::{OrderRow, OrderTxRow};

use super::decide::{auth_code, funds, Env, Funds, Ids, Plan, TxOutcome, TxRequest};
use super::order::{self, VposLeg};
use super::state::{self, BatchState};
use super::writes::Writes;
use crate::{audit, ServiceError};

/// A decided request, before its effects.
pub(super) struct Applied {
    pub(super) card: CardRow,
    pub(super) product: CardProduct,
    pub(super) funds_now: Funds,
    pub(super) plan: Plan,
    /// Card to card: the card credited.
    pub(super) target: Option<CardRow>,
    /// A VPOS leg's order (when it exists) and terminal, admitted.
    pub(super) order_checked: Option<(Option<OrderRow>, TerminalRow)>,
}

/// What a decided VPOS payment's order transaction is made of.
struct OrderFacts<'a> {
    leg: &'a VposLeg,
    row: &'a CardTxRow,
    card: &'a CardRow,
    product: &'a CardProduct,
}

/// The state's balance of an account, created (in the state and, at the
/// batch's end, in the database) when it does not exist yet.
fn account<'s>(
    state: &'s mut BatchState,
    writes: &mut Writes,
    account: &str,
    unit: Unit,
) -> &'s mut Balance {
    state.balances.entry(account.to_owned()).or_insert_with(|| {
        writes.accounts.insert(account.to_owned(), unit);
        Balance::empty(unit)
    })
}

/// Posts entries: the state's balances move, and the transfer joins the
/// batch's writes.
fn post(state: &mut BatchState, writes: &mut Writes, row: TransferRow, transfer: &Transfer) {
    for (name, amount, currency) in transfer.entries() {
        account(state, writes, name, *currency).balance += amount;
    }
    writes.transfer(row, transfer);
}

fn block(state: &mut BatchState, writes: &mut Writes, account: &str, delta: i64) {
    if let Some(b) = state.balances.get_mut(account) {
        b.blocked += delta;
    }
    writes.block(account, delta);
}

/// The entries of a plan with its points legs.
fn all_entries(plan: &Plan, account_no: &str) -> Vec<Entry> {
    let mut entries = plan.entries.clone();
    let points = Account::Points(account_no).name();
    let funding = Account::PointsFunding(Unit::Points).name();
    if plan.points_spent > 0 {
        entries.push((points.clone(), -plan.points_spent, Unit::Points));
        entries.push((funding.clone(), plan.points_spent, Unit::Points));
    }
    if plan.points > 0 {
        entries.push((points, plan.points, Unit::Points));
        entries.push((funding, -plan.points, Unit::Points));
    }
    entries
}

/// Applies a decided request's effects: journal, holds, counters, its card
/// transaction, its order or reference, and its audit record.
pub(super) fn apply(
    env: &Env,
    state: &mut BatchState,
    writes: &mut Writes,
    req: &TxRequest,
    ids: &mut (dyn Ids + Send),
    applied: Applied,
) -> Result<TxOutcome, ServiceError> {
    // Checked before anything changes: an unbalanced plan fails alone.
    let transfer = super::balanced(all_entries(&applied.plan, &applied.card.account_no))?;
    let Applied {
        card,
        product,
        funds_now,
        plan,
        target,
        order_checked,
    } = applied;
    let now = env.now_ms;
    let process_id = ids.next_process_id();
    let account = Account::Card(&card.account_no).name();
    self::account(state, writes, &account, Unit::Money(product.currency));
    keep_card(state, writes, &card);
    if !transfer.is_empty() {
        let row = transfer_row(ids, req, process_id, now);
        post(state, writes, row, &transfer);
    }
    apply_holds(state, writes, &plan, process_id, &account, now);
    if let Some((pid, status)) = plan.original_status {
        set_original_status(env, state, writes, pid, status);
    }
    let credit = product.card_type == CardType::Credit;
    let after_room = move_room(
        state,
        &transfer,
        &plan,
        &account,
        (&funds_now, &card, credit),
    );
    let row = card_tx_row(
        env,
        req,
        &card,
        &plan,
        process_id,
        product.currency,
        after_room,
    );
    count_usage(state, writes, req, &row);
    let vpos_tx =
        record_order_or_reference(state, writes, req, (&row, &card, &product), order_checked)?;
    keep_txs(env, state, writes, ids, &row, target.as_ref());
    writes.audits.push(audit_record(env, req, &card, plan.code));
    Ok(TxOutcome {
        row,
        masked_pan: card.masked_pan,
        repeated: false,
        target_masked_pan: target.map(|t| t.masked_pan),
        vpos: vpos_tx,
    })
}

fn transfer_row(
    ids: &mut (dyn Ids + Send),
    req: &TxRequest,
    process_id: i64,
    now: i64,
) -> TransferRow {
    TransferRow {
        transfer_id: ids.next_transfer_id(),
        process_id,
        kind: TransferKind::Card(req.kind).name().to_owned(),
        created_at: now,
    }
}

/// The request's audit record: `Result` 0 when approved, 8 (declined) otherwise.
fn audit_record(env: &Env, req: &TxRequest, card: &CardRow, code: &str) -> AuditRecord {
    let result = if code == rc::APPROVED { 0 } else { 8 };
    audit::record_at(
        env.now_ms,
        &req.call,
        Some(&card.masked_pan),
        result,
        Some(code),
    )
}

/// The card as the decision left it, written when its counters or status changed.
fn keep_card(state: &mut BatchState, writes: &mut Writes, card: &CardRow) {
    if state
        .cards
        .get(&card.card_id)
        .is_some_and(|before| counters_changed(before, card))
    {
        writes.cards.insert(card.card_id, card.clone());
        state.cards.insert(card.card_id, card.clone());
    }
}

/// The card's room to spend after the plan; a credit card's customer uses
/// what its balance and holds moved.
fn move_room(
    state: &mut BatchState,
    transfer: &Transfer,
    plan: &Plan,
    account: &str,
    (funds_now, card, credit): (&Funds, &CardRow, bool),
) -> i64 {
    let balance_delta: i64 = transfer
        .entries()
        .iter()
        .filter(|(a, _, _)| *a == account)
        .map(|(_, m, _)| m)
        .sum();
    let blocked_delta = plan.new_hold.unwrap_or(0)
        - plan
            .close_hold
            .as_ref()
            .filter(|(h, _)| h.ledger_account == account)
            .map_or(0, |(h, _)| h.amount);
    if credit {
        *state
            .customer_used
            .entry(card.customer_no.clone())
            .or_default() += blocked_delta - balance_delta;
    }
    funds_now.room_after(balance_delta, blocked_delta)
}

fn counters_changed(before: &CardRow, after: &CardRow) -> bool {
    (
        before.cvv2_retry_count,
        before.pin_retry_count,
        &before.status,
    ) != (after.cvv2_retry_count, after.pin_retry_count, &after.status)
}

fn apply_holds(
    state: &mut BatchState,
    writes: &mut Writes,
    plan: &Plan,
    process_id: i64,
    account: &str,
    now: i64,
) {
    if let Some(amount) = plan.new_hold {
        let hold = HoldRow {
            process_id,
            ledger_account: account.to_owned(),
            amount,
            captured: 0,
            released: 0,
            status: HoldStatus::Open,
            created_at: now,
            closed_at: None,
        };
        state.holds.insert(process_id, hold.clone());
        writes.new_holds.push(hold);
        block(state, writes, account, amount);
    }
    if let Some((hold, captured)) = &plan.close_hold {
        let released = hold.amount - captured;
        writes
            .closed_holds
            .insert(hold.process_id, (*captured, released, now));
        if let Some(h) = state.holds.get_mut(&hold.process_id) {
            h.status = HoldStatus::Closed;
        }
        block(state, writes, &hold.ledger_account, -hold.amount);
    }
}

fn card_tx_row(
    env: &Env,
    req: &TxRequest,
    card: &CardRow,
    plan: &Plan,
    process_id: i64,
    currency: Currency,
    after_room: i64,
) -> CardTxRow {
    let approved = plan.code == rc::APPROVED;
    CardTxRow {
        process_id,
        card_id: card.card_id,
        account_no: card.account_no.clone(),
        client_id: req.call.caller.client_id.clone(),
        reference: req.reference.clone(),
        transaction_type: req.kind,
        amount: plan.amount,
        currency,
        channel: req.channel,
        mcc: req.mcc.clone(),
        merchant_name: req.merchant_name.clone(),
        merchant_country: req.merchant_country.clone(),
        response_code: plan.code.to_owned(),
        auth_code: if approved { auth_code() } else { String::new() },
        rrn: if approved {
            format!("{:012}", process_id % 1_000_000_000_000)
        } else {
            String::new()
        },
        status: plan.status,
        original_process_id: req.original,
        installment_count: req.vpos.as_ref().map_or(1, |l| l.installments),
        point_amount: req.vpos.as_ref().map_or(0, |l| l.point_amount),
        points_earned: plan.points,
        available_after: after_room,
        business_date: env.business_date.clone(),
        created_at: env.now_ms,
    }
}

/// The day's usage and the month's loads move with each approval, so the
/// next request of the batch checks its limits against them.
fn count_usage(state: &mut BatchState, writes: &mut Writes, req: &TxRequest, row: &CardTxRow) {
    if row.response_code != rc::APPROVED {
        return;
    }
    if let Some(usage) = day_usage(row) {
        *state.usage.entry(row.card_id).or_default() += usage;
        writes.count_usage(row, usage);
    }
    if req.kind == CardTxType::Load {
        *state.loaded.entry(row.account_no.clone()).or_default() += row.amount;
    }
    if req.kind == CardTxType::Refund {
        if let Some(original) = req.original {
            *state.refunded.entry(original).or_default() += row.amount;
        }
    }
}

/// What an approved spend adds to its card's counters for its business day.
fn day_usage(row: &CardTxRow) -> Option<DayUsage> {
    if row.response_code != rc::APPROVED {
        return None;
    }
    let amount = row.amount;
    match row.transaction_type {
        CardTxType::Purchase | CardTxType::PreAuthorization => Some(DayUsage {
            purchase: amount,
            ecom: if row.channel == Channel::Ecom {
                amount
            } else {
                0
            },
            count: 1,
            ..DayUsage::default()
        }),
        CardTxType::CashWithdrawal => Some(DayUsage {
            cash: amount,
            count: 1,
            ..DayUsage::default()
        }),
        _ => None,
    }
}

/// A follow-up changes its original's status; a reversed spend no longer
/// counts towards its day's limits.
fn set_original_status(
    env: &Env,
    state: &mut BatchState,
    writes: &mut Writes,
    pid: i64,
    status: CardTxStatus,
) {
    writes.tx_statuses.insert(pid, status);
    let Some(original) = state.txs.get_mut(&pid) else {
        return;
    };
    let uncounted = status == CardTxStatus::Reversed && original.status != CardTxStatus::Reversed;
    original.status = status;
    let Some(usage) = day_usage(original).filter(|_| uncounted) else {
        return;
    };
    writes.count_usage(original, -usage);
    if original.business_date == env.business_date {
        *state.usage.entry(original.card_id).or_default() += -usage;
    }
}

/// A VPOS payment's order transaction; any other request's reference.
fn record_order_or_reference(
    state: &mut BatchState,
    writes: &mut Writes,
    req: &TxRequest,
    (row, card, product): (&CardTxRow, &CardRow, &CardProduct),
    order_checked: Option<(Option<OrderRow>, TerminalRow)>,
) -> Result<Option<OrderTxRow>, ServiceError> {
    match (&req.vpos, order_checked) {
        (Some(leg), Some((order_row, terminal))) => {
            let facts = OrderFacts {
                leg,
                row,
                card,
                product,
            };
            record_order(state, writes, req, &facts, order_row, &terminal).map(Some)
        }
        _ => {
            record_reference(state, writes, req, row.process_id, row.created_at);
            Ok(None)
        }
    }
}

fn record_reference(
    state: &mut BatchState,
    writes: &mut Writes,
    req: &TxRequest,
    process_id: i64,
    now: i64,
) {
    let used = UsedReference {
        operation: req.call.operation.to_owned(),
        request_digest: req.digest.clone(),
        outcome: process_id.to_string(),
    };
    let key = (req.call.caller.client_id.clone(), req.reference.clone());
    state.references.insert(key, used.clone());
    writes.references.push(ReferenceRow::new(
        &req.call.caller.client_id,
        &req.reference,
        used,
        now,
    ));
}

fn record_order(
    state: &mut BatchState,
    writes: &mut Writes,
    req: &TxRequest,
    facts: &OrderFacts,
    order_row: Option<OrderRow>,
    terminal: &TerminalRow,
) -> Result<OrderTxRow, ServiceError> {
    let OrderFacts {
        leg,
        row,
        card,
        product,
    } = *facts;
    let key = (leg.merchant_no.clone(), leg.order_id.clone());
    let t = OrderTxRow {
        process_id: row.process_id,
        response_code: row.response_code.clone(),
        auth_code: row.auth_code.clone(),
        rrn: row.rrn.clone(),
        masked_card_no: card.masked_pan.clone(),
        network: Network::OnUs,
        created_at: row.created_at,
        ..leg.tx(
            &req.call.caller.client_id,
            &req.digest,
            (row.amount, row.currency),
        )
    };
    let order_card = order::OrderCard {
        card_id: Some(card.card_id),
        card_type: product.card_type,
        network: Network::OnUs,
    };
    let txs = state.order_txs.entry(key.clone()).or_default();
    let voided_batch = leg
        .target
        .and_then(|pid| txs.iter().find(|t| t.process_id == pid))
        .and_then(|t| t.batch_no);
    let w = order::outcome(leg, order_row, terminal, t, &order_card, voided_batch)?;
    if let Some(pid) = w.voided {
        if let Some(t) = txs.iter_mut().find(|t| t.process_id == pid) {
            t.status = OrderTxStatus::Voided;
        }
        writes.voided.push(pid);
    }
    txs.push(w.tx.clone());
    writes.open_batches.extend(w.open_batch);
    writes.batch_txs.extend(w.batch_row);
    writes.order_txs.push(w.tx.clone());
    state.orders.insert(key.clone(), w.order.clone());
    writes.orders.insert(key, w.order);
    Ok(w.tx)
}

/// Keeps the decided transaction and, for a transfer, its target's incoming
/// one, in the state (later requests of the batch see them) and the writes.
fn keep_txs(
    env: &Env,
    state: &mut BatchState,
    writes: &mut Writes,
    ids: &mut (dyn Ids + Send),
    row: &CardTxRow,
    target: Option<&CardRow>,
) {
    state.txs.insert(row.process_id, row.clone());
    writes.card_txs.push(row.clone());
    if let Some(t) = target {
        let incoming = incoming_row(env, state, ids, t, row);
        state.transfer_targets.insert(row.process_id, t.card_id);
        writes.card_txs.push(incoming);
    }
}

/// The credited card's row of a card-to-card transfer.
fn incoming_row(
    env: &Env,
    state: &BatchState,
    ids: &mut (dyn Ids + Send),
    target: &CardRow,
    row: &CardTxRow,
) -> CardTxRow {
    let target_after = funds(state, target, state::card_type(env.settings, target));
    CardTxRow {
        process_id: ids.next_process_id(),
        card_id: target.card_id,
        account_no: target.account_no.clone(),
        transaction_type: CardTxType::TransferIn,
        original_process_id: Some(row.process_id),
        available_after: target_after.room,
        ..row.clone()
    }
}
