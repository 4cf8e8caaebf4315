//! Charging the payments that fall due: `RunDueRecurring` and the scheduler's
//! recurring job. Payment n of plan R is a merchant-initiated sale with
//! `OrderId` `R-n`. The payment's row is written before the sale is sent, and
//! the plan moves on only after the answer, under a check that no other run
//! moved it first: a run that overlaps another, or reruns one that died,
//! sends the same sale again and gets the first outcome from the sale's own
//! idempotency, so each payment is charged once.

use cardhost_domain::recurring::after_charge;
use cardhost_domain::response as rc;
use cardhost_store::recurring::{self as store, PaymentRow, PlanRow};
use cardhost_store::StoreError;

use super::date_of;
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::issuer::card_ref::CardKey;
use crate::vpos::early::as_merchant;
use crate::vpos::payments::{payment_card, prepare, settle, CardSecrets, PaymentRequest, Valid};
use crate::vpos::{Entry, VposOp, VposOutcome};
use crate::ServiceError;

/// Plans read at a time.
const PAGE: i64 = 200;
/// The client id the host's own charges are recorded under.
pub const CHARGING_CLIENT: &str = "recurring";

/// What one run charged.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunResult {
    /// Payments charged by this run, answered or not.
    pub attempted: i64,
    pub approved: i64,
    pub declined: i64,
}

/// Charges every payment due on or before `as_of` (default: today in the
/// business time zone), oldest first per plan. A payment that gets no answer
/// (an error) is logged and left due for the next run.
pub async fn run_due(
    host: &Host,
    call: &Call,
    as_of: Option<&str>,
) -> Result<RunResult, ServiceError> {
    call.caller.require(Scope::Admin)?;
    let today = host.settings.calendar.business_date(host.clock.now_ms());
    let as_of = crate::acquirer::payments::date_or("AsOfDate", as_of, &today)?;
    let mut result = RunResult::default();
    let mut after = String::new();
    loop {
        let plans = store::due_plans(host.db.reader(), &as_of, &after, PAGE).await?;
        let Some(last) = plans.last() else {
            return Ok(result);
        };
        after = last.recurring_id.clone();
        for plan in plans {
            charge_plan(host, &call.request_id, plan, &as_of, &mut result).await;
        }
    }
}

/// Charges the plan's payments due by `as_of`, one after another, until one
/// fails or the plan is no longer active.
async fn charge_plan(
    host: &Host,
    request_id: &str,
    mut plan: PlanRow,
    as_of: &str,
    result: &mut RunResult,
) {
    while plan.next_payment_date.as_str() <= as_of {
        result.attempted += 1;
        match charge_one(host, request_id, &plan).await {
            Ok(Some((approved, next))) => {
                if approved {
                    result.approved += 1;
                } else {
                    result.declined += 1;
                }
                match next {
                    Some(next) => plan = next,
                    None => return,
                }
            }
            // Another run charged it and moved the plan on.
            Ok(None) => return,
            Err(err) => {
                tracing::error!(recurring_id = %plan.recurring_id, sequence = plan.next_sequence, error = %err, "recurring payment not charged; the next run tries again");
                return;
            }
        }
    }
}

/// Charges the plan's next payment. Answers whether it was approved and the
/// plan as it now stands (while still active), or `None` when another run
/// moved the plan first.
async fn charge_one(
    host: &Host,
    request_id: &str,
    plan: &PlanRow,
) -> Result<Option<(bool, Option<PlanRow>)>, ServiceError> {
    let now = host.clock.now_ms();
    let claimed = store::claim_payment(
        host.db.writer(),
        &PaymentRow {
            recurring_id: plan.recurring_id.clone(),
            sequence: plan.next_sequence,
            order_id: format!("{}-{}", plan.recurring_id, plan.next_sequence),
            payment_date: plan.next_payment_date.clone(),
            card_token: plan.card_token.clone(),
            amount: plan.amount,
            process_id: None,
            response_code: None,
            created_at: now,
        },
    )
    .await?;
    let outcome = sale(host, request_id, plan, &claimed).await?;
    let approved = outcome.payment.response_code == rc::APPROVED;
    tracing::info!(recurring_id = %plan.recurring_id, sequence = claimed.sequence, process_id = outcome.payment.process_id, response_code = %outcome.payment.response_code, "recurring payment charged");
    let progress = after_charge(
        plan.next_sequence,
        plan.number_of_payments,
        plan.declines_in_row,
        approved,
    );
    let next_date = if progress.status.is_open() {
        date_of(plan, progress.next_sequence)?
    } else {
        plan.next_payment_date.clone()
    };
    let mut next = plan.clone();
    next.status = progress.status;
    next.next_sequence = progress.next_sequence;
    next.declines_in_row = progress.declines_in_row;
    next.next_payment_date = next_date;
    next.updated_at = host.clock.now_ms();
    let mut tx = host.db.begin().await?;
    store::record_payment(
        &mut tx,
        &claimed,
        outcome.payment.process_id,
        &outcome.payment.response_code,
    )
    .await?;
    let moved = store::advance(&mut tx, plan, &next).await?;
    tx.commit().await.map_err(StoreError::from)?;
    if !moved {
        return Ok(None);
    }
    let still_active = next.status.is_open().then_some(next);
    Ok(Some((approved, still_active)))
}

/// The payment's sale, as the merchant's own, paid with the stored card.
async fn sale(
    host: &Host,
    request_id: &str,
    plan: &PlanRow,
    payment: &PaymentRow,
) -> Result<VposOutcome, ServiceError> {
    let call = as_merchant(
        &plan.merchant_no,
        CHARGING_CLIENT,
        "RunDueRecurring",
        request_id,
    );
    let card = CardKey {
        card_no: None,
        card_token: Some(payment.card_token.clone()),
    };
    let r = PaymentRequest {
        card: card.clone(),
        description: plan.description.clone(),
        ..PaymentRequest::default()
    };
    let v = Valid {
        merchant_no: plan.merchant_no.clone(),
        terminal_no: plan.terminal_no.clone(),
        order_id: payment.order_id.clone(),
        currency: plan.currency,
        amount: payment.amount,
        points: 0,
        installments: 1,
        with_card_no: false,
    };
    let card = payment_card(host, &card).await?;
    let p = prepare(host, &call, VposOp::Sale, v, card, &r, Entry::Recurring).await?;
    settle(host, &call, p, CardSecrets::default()).await
}
