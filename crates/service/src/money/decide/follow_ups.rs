//! Refunds, reversals and completions: what follows an earlier transaction.

use cardhost_domain::ledger::{points_earned, Account, Unit};
use cardhost_domain::product::{CardProduct, CardType};
use cardhost_domain::response as rc;
use cardhost_domain::status::{CardTxStatus, CardTxType, HoldStatus};
use cardhost_store::cards::CardRow;
use cardhost_store::ledger::CardTxRow;

use super::*;
use crate::money::state::BatchState;

/// Refund, reversal and completion all act on an earlier approved transaction.
pub(super) fn decide_follow_up(
    state: &BatchState,
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
) -> Plan {
    let requested = req.amount.unwrap_or(0);
    let original = req
        .original
        .and_then(|pid| state.txs.get(&pid))
        .filter(|r| r.card_id == card.card_id || r.account_no == card.account_no);
    let Some(original) = original.filter(|o| o.response_code == rc::APPROVED) else {
        return Plan::declined(rc::INVALID_TRANSACTION, requested);
    };
    if req.currency.is_some_and(|c| c != product.currency) {
        return Plan::declined(rc::INVALID_TRANSACTION, requested);
    }
    match req.kind {
        CardTxType::Refund => refund(state, card, product, req, original),
        CardTxType::Reversal => reversal(state, req, original),
        CardTxType::Completion => completion(state, card, product, req, original),
        _ => Plan::declined(rc::INVALID_TRANSACTION, requested),
    }
}

pub(super) fn refund(
    state: &BatchState,
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
    original: &CardTxRow,
) -> Plan {
    let refundable = matches!(
        original.transaction_type,
        CardTxType::Purchase | CardTxType::Completion
    ) && matches!(
        original.status,
        CardTxStatus::Approved | CardTxStatus::Refunded
    );
    if !refundable {
        return Plan::declined(rc::INVALID_TRANSACTION, req.amount.unwrap_or(0));
    }
    let done = state
        .refunded
        .get(&original.process_id)
        .copied()
        .unwrap_or(0);
    let amount = req.amount.unwrap_or(original.amount - done);
    if amount <= 0 || done + amount > original.amount {
        return Plan::declined(rc::INVALID_AMOUNT, amount);
    }
    let (cur, unit) = (product.currency, Unit::Money(product.currency));
    let mut plan = approved(
        amount,
        vec![
            (Account::OnUsClearing(cur).name(), -amount, unit),
            (Account::Card(&card.account_no).name(), amount, unit),
        ],
    );
    if done + amount == original.amount {
        plan.original_status = Some((original.process_id, CardTxStatus::Refunded));
    }
    plan
}

pub(super) fn reversal(state: &BatchState, req: &TxRequest, original: &CardTxRow) -> Plan {
    let requested = req.amount.unwrap_or(0);
    let reversible = !matches!(
        original.transaction_type,
        CardTxType::Reversal | CardTxType::Refund
    ) && matches!(original.status, CardTxStatus::Approved | CardTxStatus::Held);
    if !reversible || req.amount.is_some_and(|a| a != original.amount) {
        let code = if reversible {
            rc::INVALID_AMOUNT
        } else {
            rc::INVALID_TRANSACTION
        };
        return Plan::declined(code, requested);
    }
    // A partly refunded transaction is not reversed: the refund already
    // returned part of it.
    if state
        .refunded
        .get(&original.process_id)
        .is_some_and(|r| *r > 0)
    {
        return Plan::declined(rc::INVALID_TRANSACTION, requested);
    }
    if original.transaction_type == CardTxType::PreAuthorization {
        let hold = state.holds.get(&original.process_id);
        let Some(hold) = hold.filter(|h| h.status == HoldStatus::Open) else {
            return Plan::declined(rc::INVALID_TRANSACTION, requested);
        };
        let mut plan = approved(original.amount, Vec::new());
        plan.close_hold = Some((hold.clone(), 0));
        plan.original_status = Some((original.process_id, CardTxStatus::Reversed));
        return plan;
    }
    let reversed = state
        .entries
        .get(&original.process_id)
        .map(|entries| {
            entries
                .iter()
                .map(|(a, amount, c)| (a.clone(), -amount, *c))
                .collect()
        })
        .unwrap_or_default();
    let mut plan = approved(original.amount, reversed);
    plan.original_status = Some((original.process_id, CardTxStatus::Reversed));
    plan
}

pub(super) fn completion(
    state: &BatchState,
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
    original: &CardTxRow,
) -> Plan {
    let requested = req.amount.unwrap_or(0);
    if original.transaction_type != CardTxType::PreAuthorization
        || original.status != CardTxStatus::Held
    {
        return Plan::declined(rc::INVALID_TRANSACTION, requested);
    }
    let hold = state.holds.get(&original.process_id);
    let Some(hold) = hold.filter(|h| h.status == HoldStatus::Open) else {
        return Plan::declined(rc::INVALID_TRANSACTION, requested);
    };
    let amount = req.amount.unwrap_or(hold.amount);
    if amount <= 0 || amount > hold.amount {
        return Plan::declined(rc::INVALID_AMOUNT, amount);
    }
    let (cur, unit) = (product.currency, Unit::Money(product.currency));
    let mut plan = approved(
        amount,
        vec![
            (Account::Card(&card.account_no).name(), -amount, unit),
            (Account::OnUsClearing(cur).name(), amount, unit),
        ],
    );
    if product.card_type == CardType::Credit {
        plan.points = points_earned(
            amount,
            product.currency.exponent(),
            product.points_per_hundred,
        );
    }
    plan.close_hold = Some((hold.clone(), amount));
    plan.original_status = Some((original.process_id, CardTxStatus::Captured));
    plan
}
