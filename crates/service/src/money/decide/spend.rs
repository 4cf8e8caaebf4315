//! Spends (purchases, withdrawals, pre-authorizations, transfers out) and loads.

use cardhost_domain::card::CardStatus;
use cardhost_domain::ledger::{points_earned, points_for_minor, Account, Entry, Unit};
use cardhost_domain::product::{CardProduct, CardType};
use cardhost_domain::response as rc;
use cardhost_domain::status::{CardTxStatus, CardTxType};
use cardhost_store::cards::CardRow;

use super::*;
use crate::issuer::card_ref::status_at;
use crate::money::state::BatchState;
use crate::ServiceError;

/// Decides a request that spends the card's money (steps 2–9, then 10's plan).
pub(super) fn decide_spend(
    env: &Env,
    state: &BatchState,
    card: &mut CardRow,
    product: &CardProduct,
    req: &TxRequest,
    room: i64,
) -> Result<Plan, ServiceError> {
    let amount = req.amount.unwrap_or(0);
    if let Some(code) = status_code(status_at(card, env.now)) {
        return Ok(Plan::declined(code, amount));
    }
    if req.expiry.as_deref().is_some_and(|e| e != card.expiry) {
        return Ok(Plan::declined(rc::EXPIRED_CARD, amount));
    }
    let code = card_checks(env, state, card, req)?;
    if code != rc::APPROVED {
        return Ok(Plan::declined(code, amount));
    }
    if restricted(card, product, req) {
        return Ok(Plan::declined(rc::NOT_PERMITTED_CARDHOLDER, amount));
    }
    let usage = state.usage.get(&card.card_id).copied().unwrap_or_default();
    let paid_in_points = req.vpos.as_ref().map_or(0, |l| l.point_amount);
    let code = amount_limits_funds(card, product, req, usage, room, paid_in_points);
    if code != rc::APPROVED {
        return Ok(Plan::declined(code, amount));
    }
    let points_spent = if paid_in_points > 0 {
        let Some(points) = points_for_minor(paid_in_points, product.currency.exponent()) else {
            return Ok(Plan::declined(rc::INVALID_AMOUNT, amount));
        };
        let held = state
            .balances
            .get(&Account::Points(&card.account_no).name())
            .map_or(0, |b| b.balance);
        if held < points {
            return Ok(Plan::declined(rc::INSUFFICIENT_FUNDS, amount));
        }
        points
    } else {
        0
    };
    Ok(spend_plan(card, product, req, points_spent))
}

/// Step 10 for a spend: the hold, or the transfer (a sale paid partly with
/// points takes the points part of the money from PointsFunding).
pub(super) fn spend_plan(
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
    points_spent: i64,
) -> Plan {
    let amount = req.amount.unwrap_or(0);
    let paid_in_points = req.vpos.as_ref().map_or(0, |l| l.point_amount);
    let (cur, unit) = (product.currency, Unit::Money(product.currency));
    let account = Account::Card(&card.account_no).name();
    let mut plan = Plan {
        points_spent,
        ..approved(amount, Vec::new())
    };
    if req.kind == CardTxType::PreAuthorization {
        plan.status = CardTxStatus::Held;
        plan.new_hold = Some(amount);
    } else if req.kind == CardTxType::TransferOut {
        // The target's account is added once the target is checked.
        plan.entries = vec![(account, -amount, unit)];
    } else {
        let from_card = amount - paid_in_points;
        plan.entries = vec![(Account::OnUsClearing(cur).name(), amount, unit)];
        if from_card > 0 {
            plan.entries.push((account, -from_card, unit));
        }
        if paid_in_points > 0 {
            plan.entries
                .push((Account::PointsFunding(unit).name(), -paid_in_points, unit));
        }
        if req.kind == CardTxType::Purchase && product.card_type == CardType::Credit {
            plan.points = points_earned(
                from_card,
                product.currency.exponent(),
                product.points_per_hundred,
            );
        }
    }
    plan
}

pub(super) fn approved(amount: i64, entries: Vec<Entry>) -> Plan {
    Plan {
        entries,
        ..Plan::moving_nothing(rc::APPROVED, CardTxStatus::Approved, amount)
    }
}

/// A load, or on a credit card a repayment: prepaid cards keep their maximum
/// balance and monthly load limit.
pub(super) fn decide_load(
    env: &Env,
    state: &BatchState,
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
    balance: i64,
) -> Plan {
    let amount = req.amount.unwrap_or(0);
    let status = status_at(card, env.now);
    if let Some(code) = status_code(status).filter(|_| status != CardStatus::NotActivated) {
        return Plan::declined(code, amount);
    }
    if amount <= 0 {
        return Plan::declined(rc::INVALID_AMOUNT, amount);
    }
    if req.currency != Some(product.currency) {
        return Plan::declined(rc::INVALID_TRANSACTION, amount);
    }
    if product
        .max_balance
        .is_some_and(|max| balance + amount > max.get())
    {
        return Plan::declined(rc::EXCEEDS_AMOUNT_LIMIT, amount);
    }
    if let Some(limit) = product
        .monthly_load_limit
        .filter(|_| req.kind == CardTxType::Load)
    {
        let loaded = state.loaded.get(&card.account_no).copied().unwrap_or(0);
        if loaded + amount > limit.get() {
            return Plan::declined(rc::EXCEEDS_AMOUNT_LIMIT, amount);
        }
    }
    let (cur, unit) = (product.currency, Unit::Money(product.currency));
    approved(
        amount,
        vec![
            (Account::IssuerFunding(cur).name(), -amount, unit),
            (Account::Card(&card.account_no).name(), amount, unit),
        ],
    )
}
