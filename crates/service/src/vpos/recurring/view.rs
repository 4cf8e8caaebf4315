//! A recurring plan as the API reports it.

use cardhost_domain::date::Timestamp;
use cardhost_domain::status::Frequency;
use cardhost_domain::status::RecurringStatus;
use cardhost_domain::Currency;
use cardhost_store::recurring::{PaymentRow, PlanRow};

use crate::ServiceError;

#[derive(Debug, Clone)]
pub struct PlanView {
    pub recurring_id: String,
    pub merchant_no: String,
    pub terminal_no: String,
    pub masked_card_no: String,
    pub card_token: String,
    pub amount: i64,
    pub currency: Currency,
    pub frequency: Frequency,
    pub frequency_interval: i64,
    pub start_date: String,
    pub number_of_payments: i64,
    pub description: Option<String>,
    pub status: RecurringStatus,
    /// `yyyyMMdd`; none once the plan is completed or cancelled.
    pub next_payment_date: Option<String>,
    pub declines_in_row: i64,
    pub created_at: Timestamp,
    pub payments: Vec<PlanPayment>,
}

/// One due payment of a plan; process id and code once its sale answered.
#[derive(Debug, Clone)]
pub struct PlanPayment {
    pub sequence: i64,
    pub order_id: String,
    pub payment_date: String,
    pub process_id: Option<i64>,
    pub response_code: Option<String>,
    pub amount: i64,
}

pub(super) fn of(plan: PlanRow, payments: Vec<PaymentRow>) -> Result<PlanView, ServiceError> {
    let open = plan.status.is_open();
    Ok(PlanView {
        currency: plan.currency,
        frequency: plan.frequency,
        next_payment_date: open.then_some(plan.next_payment_date),
        created_at: Timestamp::from_millis(plan.created_at),
        payments: payments
            .into_iter()
            .map(|p| PlanPayment {
                sequence: p.sequence,
                order_id: p.order_id,
                payment_date: p.payment_date,
                process_id: p.process_id,
                response_code: p.response_code,
                amount: p.amount,
            })
            .collect(),
        recurring_id: plan.recurring_id,
        merchant_no: plan.merchant_no,
        terminal_no: plan.terminal_no,
        masked_card_no: plan.masked_card_no,
        card_token: plan.card_token,
        amount: plan.amount,
        frequency_interval: plan.frequency_interval,
        start_date: plan.start_date,
        number_of_payments: plan.number_of_payments,
        description: plan.description,
        status: plan.status,
        declines_in_row: plan.declines_in_row,
    })
}
