//! Recurring plans: `CreateRecurring`, `GetRecurring`, `UpdateRecurring`,
//! `CancelRecurring`, and `RunDueRecurring` for operators.

use axum::response::Response;
use cardhost_domain::date::Timestamp;
use cardhost_domain::response;
use cardhost_domain::secret::{CardNumber, Cvv2};
use cardhost_domain::status::{Frequency, RecurringStatus};
use cardhost_service::vpos::recurring::{
    self, Answer, CreateRequest, PlanCard, PlanView, UpdateRequest,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::command::{Command, QueryCommand};
use crate::envelope::{declined, ok, ApiResult, Envelope};
use crate::issuer::cards::card_key;
use crate::wire::{Amount, MoneyOut};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRecurringRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    /// A Vpos terminal of the merchant: every payment lands in its batch.
    #[schema(example = "10000001")]
    pub terminal_no: Option<String>,
    /// A card of this host's own products.
    #[schema(example = "4100001234567898")]
    pub card_no: Option<CardNumber>,
    /// A stored card instead of CardNo (no ExpiryDate or Cvv2 needed).
    pub card_token: Option<String>,
    /// `yyMM`; required with CardNo.
    #[schema(example = "2812")]
    pub expiry_date: Option<String>,
    /// Required with CardNo; checked once, never stored.
    #[schema(example = "123")]
    pub cvv2: Option<Cvv2>,
    /// Each payment's amount.
    pub amount: Option<Amount>,
    /// The merchant's currency.
    #[schema(example = 949)]
    pub currency: Option<i64>,
    /// Daily, Weekly or Monthly.
    #[schema(example = "Monthly")]
    pub frequency: Option<String>,
    /// Every this many days, weeks or months; 1 to 999, default 1.
    #[schema(example = 1)]
    pub frequency_interval: Option<i64>,
    /// `yyyyMMdd`, today or later (business time zone); default today. The
    /// first payment falls due on it.
    #[schema(example = "20260331")]
    pub start_date: Option<String>,
    /// 1 to 999.
    #[schema(example = 12)]
    pub number_of_payments: Option<i64>,
    #[schema(example = "Gold membership")]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRecurringRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[schema(example = "R123456789012345")]
    pub recurring_id: Option<String>,
    /// The amount of the payments still to come.
    pub amount: Option<Amount>,
    /// `yyyyMMdd`, today or later: the next payment's date; the schedule
    /// continues from it.
    #[schema(example = "20260415")]
    pub next_payment_date: Option<String>,
    /// More than the payments already made, at most 999.
    pub number_of_payments: Option<i64>,
    /// A new card (checked as in CreateRecurring); a suspended plan becomes active.
    pub card_no: Option<CardNumber>,
    pub card_token: Option<String>,
    pub expiry_date: Option<String>,
    pub cvv2: Option<Cvv2>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CancelRecurringRequest {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[schema(example = "R123456789012345")]
    pub recurring_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RecurringResult {
    #[schema(example = "R123456789012345")]
    pub recurring_id: String,
    pub recurring_status: RecurringStatus,
    /// `yyyyMMdd`; null once the plan is Completed or Cancelled.
    #[schema(example = "20260331")]
    pub next_payment_date: Option<String>,
    pub merchant_no: String,
    pub terminal_no: String,
    pub masked_card_no: String,
    pub card_token: String,
    pub amount: MoneyOut,
    #[schema(example = 949)]
    pub currency: u16,
    pub frequency: Frequency,
    pub frequency_interval: i64,
    #[schema(example = "20260331")]
    pub start_date: String,
    pub number_of_payments: i64,
    pub description: Option<String>,
    /// Declines since the last approval; the third suspends the plan.
    pub declines_in_row: i64,
    /// `yyyyMMddHHmmss` UTC.
    pub create_date: Timestamp,
    /// Every payment charged so far, the first first.
    pub payments: Vec<RecurringPaymentResult>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RecurringPaymentResult {
    pub sequence: i64,
    /// `{RecurringId}-{Sequence}`: look it up with CheckByOrderId.
    #[schema(example = "R123456789012345-1")]
    pub order_id: String,
    /// `yyyyMMdd`: the date it fell due.
    pub payment_date: String,
    /// Null while its sale has not answered.
    pub process_id: Option<String>,
    pub response_code: Option<String>,
    pub amount: MoneyOut,
}

/// A failed card check: no plan was made or changed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardCheckDeclined {
    #[schema(example = "N7")]
    pub response_code: String,
    pub response_message: String,
}

fn plan_result(v: PlanView) -> RecurringResult {
    let currency = v.currency;
    let m = MoneyOut::of(currency);
    RecurringResult {
        recurring_id: v.recurring_id,
        recurring_status: v.status,
        next_payment_date: v.next_payment_date,
        merchant_no: v.merchant_no,
        terminal_no: v.terminal_no,
        masked_card_no: v.masked_card_no,
        card_token: v.card_token,
        amount: m(v.amount),
        currency: currency.numeric(),
        frequency: v.frequency,
        frequency_interval: v.frequency_interval,
        start_date: v.start_date,
        number_of_payments: v.number_of_payments,
        description: v.description,
        declines_in_row: v.declines_in_row,
        create_date: v.created_at,
        payments: v
            .payments
            .into_iter()
            .map(|p| RecurringPaymentResult {
                sequence: p.sequence,
                order_id: p.order_id,
                payment_date: p.payment_date,
                process_id: p.process_id.map(|id| id.to_string()),
                response_code: p.response_code,
                amount: m(p.amount),
            })
            .collect(),
    }
}

fn answer(a: Answer) -> Response {
    match a {
        Answer::Plan(v) => ok(plan_result(*v)),
        Answer::Declined(code) => declined(
            CardCheckDeclined {
                response_code: code.to_owned(),
                response_message: response::message(code).to_owned(),
            },
            code,
        ),
    }
}

fn plan_card(
    card_no: Option<CardNumber>,
    card_token: Option<String>,
    expiry_date: Option<String>,
    cvv2: Option<Cvv2>,
) -> PlanCard {
    PlanCard {
        card: card_key(card_no, card_token),
        expiry_date,
        cvv2,
    }
}

/// Store a card of this host and charge it on a schedule: each due payment is
/// a merchant-initiated sale with OrderId `{RecurringId}-{Sequence}`. The
/// CVV2 is checked now (its retry lock counts) and never kept.
#[utoipa::path(post, path = "/api/VPos/CreateRecurring", tag = "Virtual POS: recurring", operation_id = "CreateRecurring",
    request_body = CreateRecurringRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 (plan Active); 8 the card check failed (ResultObject has ResponseCode and ResponseMessage only; no plan); 1 validation; 4 another issuer's card, or not a Vpos terminal; 6 another merchant's", body = Envelope<RecurringResult>)))]
pub async fn create_recurring(command: Command<CreateRecurringRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let request = CreateRequest {
                merchant_no: r.merchant_no,
                terminal_no: r.terminal_no,
                card: plan_card(r.card_no, r.card_token, r.expiry_date, r.cvv2),
                amount: r.amount.map(|a| a.0),
                currency: r.currency,
                frequency: r.frequency,
                frequency_interval: r.frequency_interval,
                start_date: r.start_date,
                number_of_payments: r.number_of_payments,
                description: r.description,
            };
            Ok(answer(recurring::create(host, call, request).await?))
        })
        .await
}

/// A plan with every payment charged on it.
#[utoipa::path(get, path = "/api/VPos/GetRecurring", tag = "Virtual POS: recurring", operation_id = "GetRecurring", security(("token" = [])),
    params(("MerchantNo" = String, Query, description = "The merchant"), ("RecurringId" = String, Query, description = "The plan")),
    responses((status = 200, description = "Result 0; 2 no such plan of the merchant; 6 another merchant's", body = Envelope<RecurringResult>)))]
pub async fn get_recurring(command: QueryCommand) -> ApiResult {
    command
        .run(async |host, call, q| {
            let merchant_no = q.get("MerchantNo").unwrap_or("");
            let id = q.get("RecurringId").unwrap_or("");
            Ok(plan_result(
                recurring::get(host, call, merchant_no, id).await?,
            ))
        })
        .await
}

/// Change the amount, the next payment date, the number of payments or the
/// card of an Active or Suspended plan.
#[utoipa::path(put, path = "/api/VPos/UpdateRecurring", tag = "Virtual POS: recurring", operation_id = "UpdateRecurring",
    request_body = UpdateRecurringRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 8 the new card's check failed (nothing changed); 1 validation; 2 no such plan; 4 Completed or Cancelled; 6 another merchant's", body = Envelope<RecurringResult>)))]
pub async fn update_recurring(command: Command<UpdateRecurringRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let request = UpdateRequest {
                merchant_no: r.merchant_no,
                recurring_id: r.recurring_id,
                amount: r.amount.map(|a| a.0),
                next_payment_date: r.next_payment_date,
                number_of_payments: r.number_of_payments,
                card: plan_card(r.card_no, r.card_token, r.expiry_date, r.cvv2),
            };
            Ok(answer(recurring::update(host, call, request).await?))
        })
        .await
}

/// Cancel a plan: nothing more is charged on it.
#[utoipa::path(post, path = "/api/VPos/CancelRecurring", tag = "Virtual POS: recurring", operation_id = "CancelRecurring",
    request_body = CancelRecurringRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 (RecurringStatus Cancelled; again for a plan cancelled before); 2 no such plan; 4 Completed; 6 another merchant's", body = Envelope<RecurringResult>)))]
pub async fn cancel_recurring(command: Command<CancelRecurringRequest>) -> ApiResult {
    command
        .run(async |host, call, r| {
            let merchant_no = r.merchant_no.unwrap_or_default();
            let id = r.recurring_id.unwrap_or_default();
            Ok(plan_result(
                recurring::cancel(host, call, &merchant_no, &id).await?,
            ))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RunDueRecurringRequest {
    /// `yyyyMMdd`; default today (business time zone).
    #[schema(example = "20260331")]
    pub as_of_date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RunDueRecurringResult {
    /// Payments this run charged. Attempted − Approved − Declined got no
    /// answer (logged); they stay due for the next run.
    pub attempted: i64,
    pub approved: i64,
    pub declined: i64,
}

/// Charge every recurring payment due on or before AsOfDate, once: a payment
/// another run charged, or a date run before, charges nothing. The server
/// also runs this on its own schedule.
#[utoipa::path(post, path = "/api/Admin/RunDueRecurring", tag = "Operations", operation_id = "RunDueRecurring",
    request_body = RunDueRecurringRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 bad date; 6 without the admin scope", body = Envelope<RunDueRecurringResult>)))]
pub async fn run_due_recurring(command: Command<RunDueRecurringRequest>) -> ApiResult {
    command
        .run(async |host, call, r| {
            let done = recurring::run_due(host, call, r.as_of_date.as_deref()).await?;
            Ok(RunDueRecurringResult {
                attempted: done.attempted,
                approved: done.approved,
                declined: done.declined,
            })
        })
        .await
}
