//! `CreateCustomer`, `GetCustomerInfo`, `UpdateCustomer`, `UpdateCustomerLimit`.

use cardhost_domain::customer::{check_customer_no, CustomerProfile};
use cardhost_domain::date::Timestamp;
use cardhost_domain::money::MajorAmount;
use cardhost_domain::{AmountMinor, Currency, FieldErrors};
use cardhost_store::customers::{self, CustomerRow};
use cardhost_store::StoreError;
use rand::Rng;

use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::{audit, ServiceError};

/// The currency of a customer's limit when the request names none: the host's
/// home currency, that of the default card products (issuer.md, Card products).
pub const DEFAULT_LIMIT_CURRENCY: Currency = Currency::TRY;
/// Generated customer numbers: 10 digits, no leading zero.
const GENERATED_NO_MIN: u64 = 1_000_000_000;
const GENERATED_NO_MAX: u64 = 9_999_999_999;
/// Attempts at a free generated number before giving up (collisions are rare).
const GENERATE_ATTEMPTS: usize = 8;

/// The request of `CreateCustomer` and `UpdateCustomer`.
#[derive(Debug, Clone, Default)]
pub struct CustomerCommand {
    pub customer_no: Option<String>,
    pub limit: Option<MajorAmount>,
    pub limit_currency: Option<i64>,
    pub profile: CustomerProfile,
}

/// What `GetCustomerInfo` answers.
#[derive(Debug, Clone)]
pub struct CustomerInfo {
    pub customer_no: String,
    pub profile: CustomerProfile,
    pub limit: AmountMinor,
    pub limit_currency: Currency,
    pub used_limit: AmountMinor,
    pub available_limit: AmountMinor,
    pub created_at: Timestamp,
    pub cards: Vec<super::cards::CardView>,
}

/// What `UpdateCustomerLimit` answers.
#[derive(Debug, Clone)]
pub struct CustomerLimit {
    pub customer_no: String,
    pub limit: AmountMinor,
    pub limit_currency: Currency,
    pub used_limit: AmountMinor,
    pub available_limit: AmountMinor,
}

fn currency_field(errors: &mut FieldErrors, value: Option<i64>) -> Option<Currency> {
    value.and_then(|n| errors.check("LimitCurrency", Currency::requested(n)))
}

fn limit_field(
    errors: &mut FieldErrors,
    limit: Option<&MajorAmount>,
    currency: Currency,
) -> Option<AmountMinor> {
    errors.check("Limit", limit?.to_minor(currency))
}

fn profile_json(profile: &CustomerProfile) -> Result<String, ServiceError> {
    serde_json::to_string(profile).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// A stored customer's profile; one that does not parse is an error naming
/// the customer.
pub(crate) fn parse_profile(row: &CustomerRow) -> Result<CustomerProfile, ServiceError> {
    serde_json::from_str(&row.profile)
        .map_err(|e| ServiceError::Internal(format!("customer {} profile: {e}", row.customer_no)))
}

fn generated_customer_no() -> String {
    rand::thread_rng()
        .gen_range(GENERATED_NO_MIN..=GENERATED_NO_MAX)
        .to_string()
}

fn required_text(errors: &mut FieldErrors, field: &str, value: Option<&String>) {
    if value.is_none_or(|v| v.trim().is_empty()) {
        errors.push(field, "is required");
    }
}

pub async fn create_customer(
    host: &Host,
    call: &Call,
    cmd: CustomerCommand,
) -> Result<String, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let mut errors = FieldErrors::new();
    if let Some(no) = &cmd.customer_no {
        errors.check("CustomerNo", check_customer_no(no));
    }
    required_text(&mut errors, "Name", cmd.profile.name.as_ref());
    required_text(&mut errors, "Surname", cmd.profile.surname.as_ref());
    cmd.profile.validate(&mut errors);
    let currency =
        currency_field(&mut errors, cmd.limit_currency).unwrap_or(DEFAULT_LIMIT_CURRENCY);
    let limit = limit_field(&mut errors, cmd.limit.as_ref(), currency).unwrap_or_default();
    errors.finish(())?;

    let now_ms = host.clock.now_ms();
    let mut row = CustomerRow {
        customer_no: String::new(),
        profile: profile_json(&cmd.profile)?,
        credit_limit: limit.get(),
        limit_currency: currency,
        created_at: now_ms,
        updated_at: now_ms,
    };
    let attempts = if cmd.customer_no.is_some() {
        1
    } else {
        GENERATE_ATTEMPTS
    };
    for _ in 0..attempts {
        row.customer_no = cmd
            .customer_no
            .clone()
            .unwrap_or_else(generated_customer_no);
        let mut tx = host.db.begin().await?;
        match customers::insert(&mut tx, &row).await {
            Ok(()) => {
                audit::success(&mut tx, host, call, &row.customer_no).await?;
                tx.commit().await.map_err(StoreError::from)?;
                return Ok(row.customer_no);
            }
            Err(StoreError::Duplicate) if cmd.customer_no.is_none() => continue,
            Err(StoreError::Duplicate) => {
                return Err(ServiceError::AlreadyExists(format!(
                    "customer {} already exists",
                    row.customer_no
                )))
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(ServiceError::Internal(
        "no free customer number found".into(),
    ))
}

/// The credit the customer's credit cards use now: Σ (held − balance).
async fn used_limit(
    db: &cardhost_store::Db,
    row: &CustomerRow,
) -> Result<AmountMinor, ServiceError> {
    let used = cardhost_store::ledger::customer_credit_used(db.reader(), &row.customer_no).await?;
    Ok(AmountMinor::new(used.max(0)).unwrap_or_default())
}

fn available(limit: AmountMinor, used: AmountMinor) -> AmountMinor {
    AmountMinor::new((limit.get() - used.get()).max(0)).unwrap_or_default()
}

pub async fn get_customer_info(
    host: &Host,
    call: &Call,
    customer_no: &str,
) -> Result<CustomerInfo, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    ServiceError::require("CustomerNo", customer_no)?;
    let row = customers::get(host.db.reader(), customer_no)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("customer {customer_no} not found")))?;
    let limit =
        AmountMinor::new(row.credit_limit).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let used = used_limit(&host.db, &row).await?;
    let cards = cardhost_store::cards::of_customer(host.db.reader(), customer_no)
        .await?
        .into_iter()
        .map(|c| super::cards::view(host, c, None))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CustomerInfo {
        cards,
        customer_no: row.customer_no.clone(),
        profile: parse_profile(&row)?,
        limit,
        limit_currency: row.limit_currency,
        used_limit: used,
        available_limit: available(limit, used),
        created_at: Timestamp::from_millis(row.created_at),
    })
}

/// The used credit, read inside the write transaction that may change the limit.
async fn used_in_tx(
    tx: &mut cardhost_store::Tx<'_>,
    row: &CustomerRow,
) -> Result<AmountMinor, ServiceError> {
    let used = cardhost_store::ledger::customer_credit_used(&mut **tx, &row.customer_no).await?;
    Ok(AmountMinor::new(used.max(0)).unwrap_or_default())
}

/// Validates a new limit against what the customer's cards already use.
fn apply_limit(
    errors: &mut FieldErrors,
    row: &mut CustomerRow,
    limit: Option<&MajorAmount>,
    currency: Option<i64>,
    used: AmountMinor,
) -> Result<(), ServiceError> {
    let new_currency = currency_field(errors, currency);
    let currency = new_currency.unwrap_or(row.limit_currency);
    let new_limit = limit_field(errors, limit, currency);
    if !errors.is_empty() {
        return Ok(());
    }
    if let Some(limit) = new_limit {
        if limit < used {
            return Err(ServiceError::NotAllowed(format!(
                "the limit cannot go below what the customer's cards use ({})",
                cardhost_domain::money::format_major(used.get(), currency.exponent())
            )));
        }
        row.credit_limit = limit.get();
    }
    if new_currency.is_some_and(|c| c != row.limit_currency) && used.get() > 0 {
        return Err(ServiceError::NotAllowed(
            "the limit currency cannot change while credit is in use".into(),
        ));
    }
    row.limit_currency = currency;
    Ok(())
}

fn require_customer_no(cmd_no: Option<&String>) -> Result<String, ServiceError> {
    let no = cmd_no.ok_or_else(|| ServiceError::field("CustomerNo", "is required"))?;
    check_customer_no(no).map_err(|m| ServiceError::field("CustomerNo", m))?;
    Ok(no.clone())
}

async fn load_for_update(
    host: &Host,
    tx: &mut cardhost_store::Tx<'_>,
    customer_no: &str,
) -> Result<CustomerRow, ServiceError> {
    customers::get_for_update(tx, host.db.engine(), customer_no)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("customer {customer_no} not found")))
}

pub async fn update_customer(
    host: &Host,
    call: &Call,
    cmd: CustomerCommand,
) -> Result<String, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let customer_no = require_customer_no(cmd.customer_no.as_ref())?;
    let mut errors = FieldErrors::new();
    cmd.profile.validate(&mut errors);
    for (field, value) in [
        ("Name", &cmd.profile.name),
        ("Surname", &cmd.profile.surname),
    ] {
        if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
            errors.push(field, "cannot be empty");
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let mut tx = host.db.begin().await?;
    let mut row = load_for_update(host, &mut tx, &customer_no).await?;
    let used = used_in_tx(&mut tx, &row).await?;
    apply_limit(
        &mut errors,
        &mut row,
        cmd.limit.as_ref(),
        cmd.limit_currency,
        used,
    )?;
    errors.finish(())?;
    let mut profile = parse_profile(&row)?;
    profile.merge_from(cmd.profile);
    row.profile = profile_json(&profile)?;
    row.updated_at = host.clock.now_ms();
    customers::update(&mut tx, &row).await?;
    audit::success(&mut tx, host, call, &customer_no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(customer_no)
}

pub async fn update_customer_limit(
    host: &Host,
    call: &Call,
    customer_no: Option<String>,
    limit: Option<MajorAmount>,
    currency: Option<i64>,
) -> Result<CustomerLimit, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let mut errors = FieldErrors::new();
    let customer_no = match require_customer_no(customer_no.as_ref()) {
        Ok(no) => Some(no),
        Err(ServiceError::Validation(e)) => {
            errors.push(
                "CustomerNo",
                e.as_slice()
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_default(),
            );
            None
        }
        Err(other) => return Err(other),
    };
    if limit.is_none() {
        errors.push("Limit", "is required");
    }
    if currency.is_none() {
        errors.push("LimitCurrency", "is required");
    }
    let (Some(customer_no), true) = (customer_no, errors.is_empty()) else {
        return Err(errors.into());
    };
    let mut tx = host.db.begin().await?;
    let mut row = load_for_update(host, &mut tx, &customer_no).await?;
    let used = used_in_tx(&mut tx, &row).await?;
    apply_limit(&mut errors, &mut row, limit.as_ref(), currency, used)?;
    errors.finish(())?;
    row.updated_at = host.clock.now_ms();
    customers::update(&mut tx, &row).await?;
    audit::success(&mut tx, host, call, &customer_no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    let limit =
        AmountMinor::new(row.credit_limit).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let used = used_limit(&host.db, &row).await?;
    Ok(CustomerLimit {
        customer_no,
        limit,
        limit_currency: row.limit_currency,
        used_limit: used,
        available_limit: available(limit, used),
    })
}

/// `GetCardCustomerInfo`: the customer holding a card.
pub async fn get_card_customer_info(
    host: &Host,
    call: &Call,
    key: &super::card_ref::CardKey,
) -> Result<CustomerInfo, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let card = super::card_ref::find(host, key).await?;
    get_customer_info(host, call, &card.customer_no).await
}
