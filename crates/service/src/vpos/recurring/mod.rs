//! Recurring plans (spec vpos.md, "Recurring payments"): a card of this host
//! stored as its token and charged on a schedule by merchant-initiated sales
//! ([`charge`]). The CVV2 is checked once, when the plan is made, and never kept.

pub mod charge;
mod view;

use cardhost_crypto::secret;
use cardhost_domain::date::{format_date, parse_date};
use cardhost_domain::money::MajorAmount;
use cardhost_domain::recurring::due_date;
use cardhost_domain::response as rc;
use cardhost_domain::secret::Cvv2;
use cardhost_domain::status::{Frequency, RecurringStatus};
use cardhost_domain::{Currency, FieldErrors};
use cardhost_store::cards;
use cardhost_store::recurring::{self as store, PlanRow};
use cardhost_store::table;
use cardhost_store::StoreError;
use chrono::NaiveDate;

pub use charge::{run_due, RunResult};
pub use view::{PlanPayment, PlanView};

use super::check_access;
use super::early::merchant_for;
use super::payments::{self, acceptor_numbers, currency_field, minor, payment_card, PaymentCard};
use crate::host::{Call, Host};
use crate::issuer::card_ref::CardKey;
use crate::issuer::card_security;
use crate::ServiceError;

const INTERVAL_MAX: i64 = 999;
const PAYMENTS_MAX: i64 = 999;

/// The card of a plan as a request gives it: a number with its expiry and
/// CVV2, or the token of a card stored before.
#[derive(Debug, Clone, Default)]
pub struct PlanCard {
    pub card: CardKey,
    pub expiry_date: Option<String>,
    pub cvv2: Option<Cvv2>,
}

/// `CreateRecurring` as the API received it.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    pub merchant_no: Option<String>,
    pub terminal_no: Option<String>,
    pub card: PlanCard,
    pub amount: Option<MajorAmount>,
    pub currency: Option<i64>,
    pub frequency: Option<String>,
    pub frequency_interval: Option<i64>,
    pub start_date: Option<String>,
    pub number_of_payments: Option<i64>,
    pub description: Option<String>,
}

/// `UpdateRecurring`: every field but the keys is optional.
#[derive(Debug, Clone, Default)]
pub struct UpdateRequest {
    pub merchant_no: Option<String>,
    pub recurring_id: Option<String>,
    pub amount: Option<MajorAmount>,
    pub next_payment_date: Option<String>,
    pub number_of_payments: Option<i64>,
    pub card: PlanCard,
}

/// What making or changing a plan answers.
#[derive(Debug)]
pub enum Answer {
    Plan(Box<PlanView>),
    /// The card check failed (its code): no plan was made or changed.
    Declined(&'static str),
}

/// The card a plan charges, after its checks.
struct CheckedCard {
    token: String,
    masked: String,
}

/// `CreateRecurring`.
pub async fn create(host: &Host, call: &Call, r: CreateRequest) -> Result<Answer, ServiceError> {
    let today = today(host);
    let v = validate_create(&r, today)?;
    merchant_for(host, call, &v.merchant_no, &v.terminal_no, v.currency).await?;
    let card = match check_card(host, call, &r.card).await? {
        Ok(card) => card,
        Err(code) => return Ok(Answer::Declined(code)),
    };
    let now = host.clock.now_ms();
    let start = format_date(v.start);
    let plan = PlanRow {
        recurring_id: format!("R{}", secret::random_digits(15)),
        merchant_no: v.merchant_no,
        terminal_no: v.terminal_no,
        card_token: card.token,
        masked_card_no: card.masked,
        amount: v.amount,
        currency: v.currency,
        frequency: v.frequency,
        frequency_interval: v.interval,
        start_date: start.clone(),
        anchor_date: start.clone(),
        anchor_sequence: 1,
        number_of_payments: v.payments,
        description: r.description,
        status: RecurringStatus::Active,
        next_sequence: 1,
        next_payment_date: start,
        declines_in_row: 0,
        created_at: now,
        updated_at: now,
    };
    let mut tx = host.db.begin().await?;
    table::insert(&mut tx, &plan).await?;
    crate::audit::success(&mut tx, host, call, &plan.recurring_id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Answer::Plan(Box::new(view::of(plan, Vec::new())?)))
}

struct ValidCreate {
    merchant_no: String,
    terminal_no: String,
    currency: Currency,
    amount: i64,
    frequency: Frequency,
    interval: i64,
    start: NaiveDate,
    payments: i64,
}

fn validate_create(r: &CreateRequest, today: NaiveDate) -> Result<ValidCreate, ServiceError> {
    let mut errors = FieldErrors::new();
    let (merchant_no, terminal_no) = acceptor_numbers(&mut errors, &r.merchant_no, &r.terminal_no);
    let currency = currency_field(&mut errors, r.currency);
    let amount = amount_field(&mut errors, &r.amount, currency, true);
    let frequency = r
        .frequency
        .as_deref()
        .and_then(|f| Frequency::parse(f).ok());
    if frequency.is_none() {
        errors.push("Frequency", format!("is required: {}", Frequency::names()));
    }
    let interval = r.frequency_interval.unwrap_or(1);
    errors.in_range("FrequencyInterval", interval, 1..=INTERVAL_MAX);
    let start = date_field(&mut errors, "StartDate", r.start_date.as_deref(), today)
        .or_else(|| r.start_date.is_none().then_some(today));
    let payments = payments_field(&mut errors, r.number_of_payments, 1);
    payments::check_description(&mut errors, r.description.as_deref());
    check_card_fields(&mut errors, &r.card, true);
    match (currency, amount, frequency, start, payments) {
        (Some(currency), Some(amount), Some(frequency), Some(start), Some(payments))
            if errors.is_empty() =>
        {
            Ok(ValidCreate {
                merchant_no,
                terminal_no,
                currency,
                amount,
                frequency,
                interval,
                start,
                payments,
            })
        }
        _ => Err(ServiceError::Validation(errors)),
    }
}

fn amount_field(
    errors: &mut FieldErrors,
    amount: &Option<MajorAmount>,
    currency: Option<Currency>,
    required: bool,
) -> Option<i64> {
    if amount.is_none() {
        if required {
            errors.push("Amount", "is required");
        }
        return None;
    }
    currency.and_then(|c| minor(errors, "Amount", amount, c))
}

/// A `yyyyMMdd` date of today or later; `None` (and no error) when absent.
fn date_field(
    errors: &mut FieldErrors,
    field: &str,
    text: Option<&str>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let date = errors.check(field, parse_date(text?))?;
    if date < today {
        errors.push(field, "must be today or later");
        return None;
    }
    Some(date)
}

fn payments_field(errors: &mut FieldErrors, value: Option<i64>, least: i64) -> Option<i64> {
    match value {
        Some(n) if (least..=PAYMENTS_MAX).contains(&n) => Some(n),
        _ => {
            errors.push(
                "NumberOfPayments",
                format!("is required: {least} to {PAYMENTS_MAX}"),
            );
            None
        }
    }
}

/// A card number comes with its expiry and CVV2; a token stands alone.
/// Returns whether the request names a card at all.
fn check_card_fields(errors: &mut FieldErrors, c: &PlanCard, required: bool) -> bool {
    let named = c.card.card_no.as_ref().is_some_and(|n| !n.is_empty())
        || c.card.card_token.as_deref().is_some_and(|t| !t.is_empty());
    let secrets = (c.expiry_date.as_deref(), c.cvv2.as_ref());
    payments::check_card_fields(errors, &c.card, secrets, required);
    named
}

/// The plan's card: one of this host's, its expiry and CVV2 checked when
/// given by number (the CVV2 retry lock counts); `Err` with the decline code.
async fn check_card(
    host: &Host,
    call: &Call,
    c: &PlanCard,
) -> Result<Result<CheckedCard, &'static str>, ServiceError> {
    let card = match payment_card(host, &c.card).await? {
        PaymentCard::Issued(card, pan) => (card, pan),
        PaymentCard::NeverIssued(_) => return Ok(Err(rc::INVALID_CARD)),
        PaymentCard::OtherIssuer(_) => {
            return Err(ServiceError::NotAllowed(
                "Recurring plans take the cards of this host's own products.".into(),
            ))
        }
    };
    let (card, pan) = card;
    if let (Some(pan), Some(expiry), Some(cvv2)) = (pan, c.expiry_date.as_deref(), c.cvv2.as_ref())
    {
        let checked =
            card_security::check_card_secrets(host, call, card.card_id, &pan, expiry, cvv2).await?;
        if checked.response_code != rc::APPROVED {
            return Ok(Err(checked.response_code));
        }
    }
    let row = cards::by_id(host.db.reader(), card.card_id)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("card {} vanished", card.card_id)))?;
    Ok(Ok(CheckedCard {
        token: row.card_token,
        masked: card.masked_pan.to_string(),
    }))
}

/// `GetRecurring`: the plan with its payments.
pub async fn get(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    recurring_id: &str,
) -> Result<PlanView, ServiceError> {
    let plan = own_plan(host, call, merchant_no, recurring_id).await?;
    let payments = store::payments_of(host.db.reader(), &plan.recurring_id).await?;
    view::of(plan, payments)
}

/// The plan, when it is the merchant's (`Result` 2 otherwise: a client never
/// learns that another merchant's plan exists).
async fn own_plan(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    recurring_id: &str,
) -> Result<PlanRow, ServiceError> {
    ServiceError::require("MerchantNo", merchant_no)?;
    ServiceError::require("RecurringId", recurring_id)?;
    check_access(call, merchant_no)?;
    store::plan(host.db.reader(), recurring_id)
        .await?
        .filter(|p| p.merchant_no == merchant_no)
        .ok_or_else(|| not_found(recurring_id))
}

fn not_found(recurring_id: &str) -> ServiceError {
    ServiceError::NotFound(format!("Recurring plan {recurring_id} not found."))
}

fn today(host: &Host) -> NaiveDate {
    host.settings.calendar.business_day(host.clock.now_ms())
}

/// The date payment `sequence` of the plan falls due.
pub(crate) fn date_of(plan: &PlanRow, sequence: i64) -> Result<String, ServiceError> {
    let bad = |what: &str| {
        ServiceError::Internal(format!(
            "recurring plan {} has a bad {what}",
            plan.recurring_id
        ))
    };
    let anchor = parse_date(&plan.anchor_date).map_err(|_| bad("anchor date"))?;
    let interval = u32::try_from(plan.frequency_interval).map_err(|_| bad("interval"))?;
    let steps = u32::try_from(sequence - plan.anchor_sequence + 1).map_err(|_| bad("sequence"))?;
    due_date(anchor, plan.frequency, interval, steps)
        .map(format_date)
        .ok_or_else(|| bad("schedule (past the calendar's end)"))
}

/// `UpdateRecurring`: the amount, the next date, the number of payments or
/// the card of an active or suspended plan. New card data makes a suspended
/// plan active again.
pub async fn update(host: &Host, call: &Call, r: UpdateRequest) -> Result<Answer, ServiceError> {
    let merchant_no = ServiceError::required("MerchantNo", &r.merchant_no)?;
    let recurring_id = ServiceError::required("RecurringId", &r.recurring_id)?;
    let found = own_plan(host, call, &merchant_no, &recurring_id).await?;
    let changes = validate_update(&r, &found, today(host))?;
    let card = if changes.card {
        match check_card(host, call, &r.card).await? {
            Ok(card) => Some(card),
            Err(code) => return Ok(Answer::Declined(code)),
        }
    } else {
        None
    };
    let mut tx = host.db.begin().await?;
    let mut plan = store::plan_for_update(&mut tx, host.db.engine(), &recurring_id)
        .await?
        .ok_or_else(|| not_found(&recurring_id))?;
    if !plan.status.is_open() {
        return Err(closed(&plan));
    }
    changes.apply(&mut plan, card)?;
    plan.updated_at = host.clock.now_ms();
    table::update(&mut tx, &plan).await?;
    crate::audit::success(&mut tx, host, call, &recurring_id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    get(host, call, &merchant_no, &recurring_id)
        .await
        .map(|v| Answer::Plan(Box::new(v)))
}

fn closed(plan: &PlanRow) -> ServiceError {
    ServiceError::NotAllowed(format!(
        "Recurring plan {} is {}.",
        plan.recurring_id, plan.status
    ))
}

struct Changes {
    amount: Option<i64>,
    next_date: Option<NaiveDate>,
    payments: Option<i64>,
    card: bool,
}

fn validate_update(
    r: &UpdateRequest,
    plan: &PlanRow,
    today: NaiveDate,
) -> Result<Changes, ServiceError> {
    let mut errors = FieldErrors::new();
    let currency = Some(plan.currency);
    let amount = amount_field(&mut errors, &r.amount, currency, false);
    let next_date = date_field(
        &mut errors,
        "NextPaymentDate",
        r.next_payment_date.as_deref(),
        today,
    );
    // At least one payment must be left to make.
    let payments = r
        .number_of_payments
        .and_then(|n| payments_field(&mut errors, Some(n), plan.next_sequence));
    let card = check_card_fields(&mut errors, &r.card, false);
    if errors.is_empty() {
        Ok(Changes {
            amount,
            next_date,
            payments,
            card,
        })
    } else {
        Err(ServiceError::Validation(errors))
    }
}

impl Changes {
    fn apply(self, plan: &mut PlanRow, card: Option<CheckedCard>) -> Result<(), ServiceError> {
        if let Some(amount) = self.amount {
            plan.amount = amount;
        }
        if let Some(payments) = self.payments {
            plan.number_of_payments = payments;
        }
        if let Some(date) = self.next_date {
            plan.anchor_date = format_date(date);
            plan.anchor_sequence = plan.next_sequence;
        }
        plan.next_payment_date = date_of(plan, plan.next_sequence)?;
        if let Some(card) = card {
            plan.card_token = card.token;
            plan.masked_card_no = card.masked;
            plan.status = RecurringStatus::Active;
            plan.declines_in_row = 0;
        }
        Ok(())
    }
}

/// `CancelRecurring`: no payment is charged after it. Cancelling a
/// cancelled plan answers it as it is.
pub async fn cancel(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    recurring_id: &str,
) -> Result<PlanView, ServiceError> {
    own_plan(host, call, merchant_no, recurring_id).await?;
    let mut tx = host.db.begin().await?;
    let mut plan = store::plan_for_update(&mut tx, host.db.engine(), recurring_id)
        .await?
        .ok_or_else(|| not_found(recurring_id))?;
    match plan.status {
        RecurringStatus::Cancelled => {}
        s if s.is_open() => {
            plan.status = RecurringStatus::Cancelled;
            plan.updated_at = host.clock.now_ms();
            table::update(&mut tx, &plan).await?;
            crate::audit::success(&mut tx, host, call, recurring_id).await?;
        }
        _ => return Err(closed(&plan)),
    }
    tx.commit().await.map_err(StoreError::from)?;
    get(host, call, merchant_no, recurring_id).await
}
