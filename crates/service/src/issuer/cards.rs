//! Issuing cards and the card operations that move no money.

use cardhost_crypto::{KeyRef, PvvKey};
use cardhost_domain::card::{expiry_after, expiry_passed, CardStatus, Pan};
use cardhost_domain::money::MajorAmount;
use cardhost_domain::product::{CardProduct, CardType};
use cardhost_domain::secret::{CardNumber, Cvv2};
use cardhost_domain::{AmountMinor, Country, Currency, FieldErrors};
use cardhost_store::cards::{self, AccountRow, CardRow};
use cardhost_store::{customers, StoreError, Tx};
use chrono::Datelike;
use rand::Rng;

use super::card_ref::{self, effective_status, CardKey};
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::{audit, idempotency, vault, ServiceError};

/// Longest emboss name (issuer.md: ≤ 26 characters, as a card bureau prints them).
pub const EMBOSS_NAME_MAX_LEN: usize = 26;
/// Attempts at a free random PAN inside a BIN before giving up.
const PAN_ATTEMPTS: usize = 16;

#[derive(Debug, Clone, Default)]
pub struct NewCard {
    pub customer_no: Option<String>,
    pub product_code: Option<String>,
    pub emboss_name: Option<String>,
    pub card_limit: Option<MajorAmount>,
    pub is_virtual: Option<bool>,
    /// Debit: an existing account of the customer to share.
    pub account_no: Option<String>,
    pub reference: Option<String>,
    /// RegisterCard: the PAN and expiry (`yyMM`) to take instead of generating.
    pub register: Option<(CardNumber, String)>,
}

/// A card as operations answer it; `pan` only for callers with the `pan` scope.
#[derive(Debug, Clone)]
pub struct CardView {
    pub card: CardRow,
    pub status: CardStatus,
    pub currency: Currency,
    pub pan: Option<Pan>,
}

pub fn view(host: &Host, card: CardRow, pan: Option<Pan>) -> Result<CardView, ServiceError> {
    let currency = card_ref::product_of(host, &card)?.currency;
    Ok(CardView {
        status: effective_status(host, &card),
        currency,
        card,
        pan,
    })
}

fn clean_emboss_name(field: &str, name: &str) -> Result<String, ServiceError> {
    let upper = name.trim().to_uppercase();
    if upper.is_empty() || upper.chars().count() > EMBOSS_NAME_MAX_LEN {
        return Err(ServiceError::field(field, "must be 1 to 26 characters"));
    }
    if !upper
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || " .-'/".contains(c))
    {
        return Err(ServiceError::field(
            field,
            "may hold only letters A-Z, digits, space and . - ' /",
        ));
    }
    Ok(upper)
}

/// The customer's name as a bureau can print it: Turkish and other accented
/// letters folded to A–Z, cut to 26 characters.
fn emboss_from_customer(name: &str, surname: &str) -> String {
    let folded: String = format!("{name} {surname}")
        .chars()
        .map(|c| match c {
            'ç' | 'Ç' => 'C',
            'ğ' | 'Ğ' => 'G',
            'ı' | 'İ' | 'i' => 'I',
            'ö' | 'Ö' => 'O',
            'ş' | 'Ş' => 'S',
            'ü' | 'Ü' => 'U',
            c if c.is_ascii_alphanumeric() || c == ' ' => c.to_ascii_uppercase(),
            _ => ' ',
        })
        .collect();
    folded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(EMBOSS_NAME_MAX_LEN)
        .collect()
}

fn random_digits(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

/// A random 16-digit PAN inside `bin` with its Luhn check digit.
fn random_pan(bin: &str) -> Result<Pan, ServiceError> {
    let body = format!("{bin}{}", random_digits(15 - bin.len()));
    let check = cardhost_domain::card::luhn_check_digit(&body)
        .ok_or_else(|| ServiceError::Internal("BIN".into()))?;
    Pan::parse(&format!("{body}{check}")).map_err(|m| ServiceError::Internal(m.into()))
}

async fn pan_in_use(tx: &mut Tx<'_>, pan_id: i64) -> Result<bool, ServiceError> {
    Ok(cards::count_for_pan(tx, pan_id).await? > 0)
}

fn money_field(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&MajorAmount>,
    currency: Currency,
) -> Option<AmountMinor> {
    errors.check(field, value?.to_minor(currency))
}

struct Checked<'a> {
    customer_no: String,
    product: &'a CardProduct,
    emboss_name: Option<String>,
    card_limit: Option<AmountMinor>,
    is_virtual: bool,
    register: Option<(Pan, String)>,
}

fn check_new_card<'a>(
    host: &'a Host,
    card_type: CardType,
    cmd: &NewCard,
) -> Result<Checked<'a>, ServiceError> {
    let mut errors = FieldErrors::new();
    let customer_no = cmd.customer_no.clone().filter(|c| !c.is_empty());
    if customer_no.is_none() {
        errors.push("CustomerNo", "is required");
    }
    let product = match &cmd.product_code {
        Some(code) => match host.settings.product(code) {
            Some(p) if p.card_type == card_type => Some(p),
            Some(_) => {
                errors.push(
                    "ProductCode",
                    format!("is not a {} card product", card_type.name()),
                );
                None
            }
            None => {
                errors.push("ProductCode", "is not a known card product");
                None
            }
        },
        None => host.settings.default_product(card_type),
    };
    let emboss_name = match &cmd.emboss_name {
        Some(name) => match clean_emboss_name("EmbossName", name) {
            Ok(n) => Some(n),
            Err(ServiceError::Validation(e)) => {
                errors.push("EmbossName", e.as_slice()[0].message.clone());
                None
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    let currency = product.map_or(Currency::TRY, |p| p.currency);
    let card_limit = money_field(&mut errors, "CardLimit", cmd.card_limit.as_ref(), currency);
    if card_limit.is_some() && card_type != CardType::Credit {
        errors.push("CardLimit", "only credit cards have a card limit");
    }
    if let Some(reference) = &cmd.reference {
        if let Err(ServiceError::Validation(e)) = idempotency::check_reference(reference) {
            errors.push("Reference", e.as_slice()[0].message.clone());
        }
    }
    if cmd.account_no.is_some() && card_type != CardType::Debit {
        errors.push("AccountNo", "only debit cards share an account");
    }
    let register = match &cmd.register {
        Some((no, expiry)) => check_registration(host, &mut errors, product, no.expose(), expiry),
        None => None,
    };
    errors.finish(())?;
    let product = product.ok_or_else(|| {
        ServiceError::NotAllowed(format!(
            "no {} card product is configured",
            card_type.name()
        ))
    })?;
    Ok(Checked {
        customer_no: customer_no.unwrap_or_default(),
        product,
        emboss_name,
        card_limit,
        is_virtual: cmd.is_virtual.unwrap_or(false),
        register,
    })
}

fn check_registration(
    host: &Host,
    errors: &mut FieldErrors,
    product: Option<&CardProduct>,
    no: &str,
    expiry: &str,
) -> Option<(Pan, String)> {
    let pan = match Pan::parse(no) {
        Ok(pan) => pan,
        Err(m) => {
            errors.push("CardNo", m);
            return None;
        }
    };
    if let Some(p) = product {
        if !pan.expose().starts_with(&p.bin) {
            errors.push(
                "CardNo",
                format!("is not inside the product's BIN {}", p.bin),
            );
        }
    }
    let valid_shape = expiry.len() == 4
        && expiry.bytes().all(|b| b.is_ascii_digit())
        && (1..=12).contains(&expiry[2..].parse::<u32>().unwrap_or(0));
    if !valid_shape {
        errors.push("ExpiryDate", "must be yyMM");
        return None;
    }
    let now = host.clock.now();
    if expiry_passed(expiry, now.year(), now.month()) {
        errors.push("ExpiryDate", "has passed");
        return None;
    }
    Some((pan, expiry.to_owned()))
}

async fn account_for(
    tx: &mut Tx<'_>,
    host: &Host,
    card_type: CardType,
    customer_no: &str,
    account_no: Option<&String>,
    currency: Currency,
) -> Result<String, ServiceError> {
    if let Some(no) = account_no {
        let account = cards::account(tx, no).await?;
        return match account {
            Some(a) if a.customer_no == customer_no && a.card_type == CardType::Debit.name() => {
                Ok(a.account_no)
            }
            Some(_) => Err(ServiceError::field(
                "AccountNo",
                "is not a debit account of this customer",
            )),
            None => Err(ServiceError::field("AccountNo", "is not a known account")),
        };
    }
    for _ in 0..PAN_ATTEMPTS {
        let row = AccountRow {
            account_no: format!("9{}", random_digits(11)),
            customer_no: customer_no.to_owned(),
            card_type: card_type.name().to_owned(),
            currency: i64::from(currency.numeric()),
            created_at: host.clock.now_ms(),
        };
        match cards::insert_account(tx, &row).await {
            Ok(()) => return Ok(row.account_no),
            Err(StoreError::Duplicate) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Internal("no free account number".into()))
}

/// Stores a new PAN for a card: generated inside the BIN, or the registered one.
async fn claim_pan(
    tx: &mut Tx<'_>,
    host: &Host,
    product: &CardProduct,
    register: Option<&Pan>,
) -> Result<(Pan, i64), ServiceError> {
    let now = host.clock.now_ms();
    if let Some(pan) = register {
        let pan_id = vault::store(tx, host.security.as_ref(), pan, now).await?;
        if pan_in_use(tx, pan_id).await? {
            return Err(ServiceError::AlreadyExists(
                "A card with this card number already exists.".into(),
            ));
        }
        return Ok((pan.clone(), pan_id));
    }
    for _ in 0..PAN_ATTEMPTS {
        let pan = random_pan(&product.bin)?;
        let pan_id = vault::store(tx, host.security.as_ref(), &pan, now).await?;
        if !pan_in_use(tx, pan_id).await? {
            return Ok((pan, pan_id));
        }
    }
    Err(ServiceError::Internal(format!(
        "no free card number in BIN {}",
        product.bin
    )))
}

/// A new card row for `pan` with the product's defaults and a fresh PIN.
pub(crate) fn new_card_row(
    host: &Host,
    product: &CardProduct,
    pan: &Pan,
    pan_id: i64,
    customer_no: &str,
    account_no: &str,
) -> Result<CardRow, ServiceError> {
    let now = host.clock.now();
    let cvk_version = host.security.key_version(&product.cvk)?;
    let pvk_version = host.security.key_version(&product.pvk)?;
    let pvv_key = PvvKey {
        pvk: KeyRef {
            name: &product.pvk,
            version: Some(pvk_version),
        },
        pvki: product.pvki,
    };
    let (pvv, pin_ciphertext) =
        host.security
            .generate_pin(pvv_key, pan, usize::from(product.pin_length))?;
    let limit = |a: Option<AmountMinor>| a.map(AmountMinor::get);
    Ok(CardRow {
        card_id: 0,
        pan_id,
        card_token: host.security.card_token(pan)?,
        masked_pan: pan.masked(),
        customer_no: customer_no.to_owned(),
        account_no: account_no.to_owned(),
        product_code: product.code.clone(),
        card_type: product.card_type.name().to_owned(),
        brand: product.brand.clone(),
        emboss_name: String::new(),
        expiry: expiry_after(now.year(), now.month(), product.validity_years),
        service_code: product.service_code.clone(),
        is_virtual: 0,
        status: CardStatus::NotActivated.code().to_owned(),
        status_reason: None,
        status_at: now.timestamp_millis(),
        card_limit: 0,
        daily_purchase_limit: limit(product.limits.daily_purchase),
        daily_cash_limit: limit(product.limits.daily_cash),
        daily_ecom_limit: limit(product.limits.daily_ecom),
        transaction_limit: limit(product.limits.per_transaction),
        daily_count_limit: product.limits.daily_count.map(i64::from),
        annual_fee_status: "Active".into(),
        cvk_name: product.cvk.clone(),
        cvk_version: i64::from(cvk_version),
        pvk_name: product.pvk.clone(),
        pvk_version: i64::from(pvk_version),
        pvki: i64::from(product.pvki),
        pvv,
        pin_ciphertext,
        pin_retry_count: 0,
        cvv2_retry_count: 0,
        three_ds_password: None,
        ecommerce_allowed: 1,
        international_allowed: 1,
        atm_allowed: 1,
        contactless_allowed: 1,
        moto_allowed: 1,
        blocked_mccs: String::new(),
        blocked_countries: String::new(),
        renewed_from: None,
        created_at: now.timestamp_millis(),
        activated_at: None,
    })
}

fn reveal_for(call: &Call, pan: Pan) -> Option<Pan> {
    call.caller.scopes.contains(Scope::Pan).then_some(pan)
}

/// `CreateCreditCard`, `CreateDebitCard`, `CreatePrepaidCard` and `RegisterCard`.
pub async fn create_card(
    host: &Host,
    call: &Call,
    card_type: CardType,
    cmd: NewCard,
) -> Result<CardView, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let checked = check_new_card(host, card_type, &cmd)?;
    let product = checked.product;
    let fingerprint = match &checked.register {
        Some((pan, _)) => host.security.fingerprint_pan(pan)?,
        None => String::new(),
    };
    let digest = idempotency::digest(&[
        card_type.name(),
        &checked.customer_no,
        &product.code,
        checked.emboss_name.as_deref().unwrap_or(""),
        &checked
            .card_limit
            .map(|a| a.get().to_string())
            .unwrap_or_default(),
        if checked.is_virtual { "1" } else { "0" },
        cmd.account_no.as_deref().unwrap_or(""),
        &fingerprint,
        checked.register.as_ref().map_or("", |(_, e)| e.as_str()),
    ]);
    let mut tx = host.db.begin().await?;
    if let Some(reference) = &cmd.reference {
        if let Some(outcome) = idempotency::prior(&mut tx, call, reference, &digest).await? {
            drop(tx);
            let card_id: i64 = outcome
                .parse()
                .map_err(|_| ServiceError::Internal("idempotency outcome".into()))?;
            let card = cards::by_id(host.db.reader(), card_id)
                .await?
                .ok_or_else(|| ServiceError::Internal("card".into()))?;
            let pan = vault::reveal(&host.db, host.security.as_ref(), card.pan_id).await?;
            return view(host, card, reveal_for(call, pan));
        }
    }
    let customer = customers::get_for_update(&mut tx, host.db.engine(), &checked.customer_no)
        .await?
        .ok_or_else(|| {
            ServiceError::NotFound(format!("Customer {} not found.", checked.customer_no))
        })?;
    let account_no = account_for(
        &mut tx,
        host,
        card_type,
        &customer.customer_no,
        cmd.account_no.as_ref(),
        product.currency,
    )
    .await?;
    let (pan, pan_id) = claim_pan(
        &mut tx,
        host,
        product,
        checked.register.as_ref().map(|(p, _)| p),
    )
    .await?;
    let mut row = new_card_row(
        host,
        product,
        &pan,
        pan_id,
        &customer.customer_no,
        &account_no,
    )?;
    row.emboss_name = match checked.emboss_name {
        Some(n) => n,
        None => {
            let profile: serde_json::Value =
                serde_json::from_str(&customer.profile).unwrap_or_default();
            emboss_from_customer(
                profile["Name"].as_str().unwrap_or(""),
                profile["Surname"].as_str().unwrap_or(""),
            )
        }
    };
    if let Some((_, expiry)) = &checked.register {
        row.expiry = expiry.clone();
    }
    if card_type == CardType::Credit {
        row.card_limit = checked
            .card_limit
            .unwrap_or(product.default_card_limit)
            .get();
    }
    if checked.is_virtual {
        row.is_virtual = 1;
        row.status = CardStatus::Active.code().to_owned();
        row.activated_at = Some(row.created_at);
    }
    row.card_id = cards::insert(&mut tx, &row).await?;
    audit::success(&mut tx, host, call, &row.masked_pan).await?;
    if let Some(reference) = &cmd.reference {
        idempotency::record(
            &mut tx,
            call,
            reference,
            &digest,
            &row.card_id.to_string(),
            host.clock.now_ms(),
        )
        .await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    host.caches.forget_pan(host, &pan);
    view(host, row, reveal_for(call, pan))
}

pub async fn get_card(host: &Host, call: &Call, key: &CardKey) -> Result<CardView, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let card = card_ref::find(host, key).await?;
    view(host, card, None)
}

/// `UpdateCardStatus`: only the legal moves of the status table.
pub async fn update_card_status(
    host: &Host,
    call: &Call,
    key: &CardKey,
    status: Option<&str>,
    reason: Option<String>,
) -> Result<CardView, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let target = match status {
        Some(code) => CardStatus::from_code(code).ok_or_else(|| {
            ServiceError::field(
                "CardStatus",
                "must be one of N, A, T, L, S, F, C (E is set by the host)",
            )
        })?,
        None => return Err(ServiceError::field("CardStatus", "is required")),
    };
    if reason.as_ref().is_some_and(|r| r.chars().count() > 100) {
        return Err(ServiceError::field(
            "StatusReason",
            "must be at most 100 characters",
        ));
    }
    let found = card_ref::find(host, key).await?;
    let ((), card) = card_ref::change_card(host, call, found.card_id, |card| {
        let current = effective_status(host, card);
        current.move_to(target).map_err(ServiceError::NotAllowed)?;
        let now = host.clock.now_ms();
        card.status = target.code().to_owned();
        card.status_reason = reason;
        card.status_at = now;
        if target == CardStatus::Active && card.activated_at.is_none() {
            card.activated_at = Some(now);
        }
        Ok(())
    })
    .await?;
    view(host, card, None)
}

/// New values for `UpdateCardLimit`; absent ones keep theirs.
#[derive(Debug, Clone, Default)]
pub struct LimitChange {
    pub card_limit: Option<MajorAmount>,
    pub daily_purchase: Option<MajorAmount>,
    pub daily_cash: Option<MajorAmount>,
    pub daily_ecom: Option<MajorAmount>,
    pub per_transaction: Option<MajorAmount>,
    pub daily_count: Option<i64>,
}

pub async fn update_card_limit(
    host: &Host,
    call: &Call,
    key: &CardKey,
    change: LimitChange,
) -> Result<CardView, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let found = card_ref::find(host, key).await?;
    let currency = card_ref::product_of(host, &found)?.currency;
    let mut errors = FieldErrors::new();
    let card_limit = money_field(
        &mut errors,
        "CardLimit",
        change.card_limit.as_ref(),
        currency,
    );
    if card_limit.is_some() && found.card_type != CardType::Credit.name() {
        errors.push("CardLimit", "only credit cards have a card limit");
    }
    let daily_purchase = money_field(
        &mut errors,
        "DailyPurchaseLimit",
        change.daily_purchase.as_ref(),
        currency,
    );
    let daily_cash = money_field(
        &mut errors,
        "DailyCashLimit",
        change.daily_cash.as_ref(),
        currency,
    );
    let daily_ecom = money_field(
        &mut errors,
        "DailyEcomLimit",
        change.daily_ecom.as_ref(),
        currency,
    );
    let per_transaction = money_field(
        &mut errors,
        "TransactionLimit",
        change.per_transaction.as_ref(),
        currency,
    );
    if change
        .daily_count
        .is_some_and(|n| !(0..=100_000).contains(&n))
    {
        errors.push("DailyTransactionCount", "must be between 0 and 100000");
    }
    errors.finish(())?;
    let ((), card) = card_ref::change_card(host, call, found.card_id, |card| {
        if let Some(l) = card_limit {
            card.card_limit = l.get();
        }
        let set = |slot: &mut Option<i64>, v: Option<AmountMinor>| {
            if let Some(v) = v {
                *slot = Some(v.get());
            }
        };
        set(&mut card.daily_purchase_limit, daily_purchase);
        set(&mut card.daily_cash_limit, daily_cash);
        set(&mut card.daily_ecom_limit, daily_ecom);
        set(&mut card.transaction_limit, per_transaction);
        if let Some(n) = change.daily_count {
            card.daily_count_limit = Some(n);
        }
        Ok(())
    })
    .await?;
    view(host, card, None)
}

pub async fn update_card_fee_status(
    host: &Host,
    call: &Call,
    key: &CardKey,
    fee_type: Option<&str>,
    fee_status: Option<&str>,
) -> Result<String, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let mut errors = FieldErrors::new();
    if fee_type != Some("AnnualFee") {
        errors.push("FeeType", "must be AnnualFee");
    }
    let status = match fee_status {
        Some(s @ ("Active" | "Waived")) => s.to_owned(),
        _ => {
            errors.push("FeeStatus", "must be Active or Waived");
            String::new()
        }
    };
    errors.finish(())?;
    let found = card_ref::find(host, key).await?;
    card_ref::change_card(host, call, found.card_id, |card| {
        card.annual_fee_status = status.clone();
        Ok(())
    })
    .await?;
    Ok(status)
}

/// A card's restriction set (issuer.md, CardRestriction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restrictions {
    pub ecommerce_allowed: bool,
    pub international_allowed: bool,
    pub atm_allowed: bool,
    pub contactless_allowed: bool,
    pub moto_allowed: bool,
    pub blocked_mccs: Vec<String>,
    pub blocked_countries: Vec<String>,
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn restrictions_of(card: &CardRow) -> Restrictions {
    Restrictions {
        ecommerce_allowed: card.ecommerce_allowed != 0,
        international_allowed: card.international_allowed != 0,
        atm_allowed: card.atm_allowed != 0,
        contactless_allowed: card.contactless_allowed != 0,
        moto_allowed: card.moto_allowed != 0,
        blocked_mccs: split_list(&card.blocked_mccs),
        blocked_countries: split_list(&card.blocked_countries),
    }
}

#[derive(Debug, Clone, Default)]
pub struct RestrictionChange {
    pub ecommerce_allowed: Option<bool>,
    pub international_allowed: Option<bool>,
    pub atm_allowed: Option<bool>,
    pub contactless_allowed: Option<bool>,
    pub moto_allowed: Option<bool>,
    pub blocked_mccs: Option<Vec<String>>,
    pub blocked_countries: Option<Vec<String>>,
}

/// Largest blocked-MCC or blocked-country list a card keeps.
const MAX_BLOCKED_ENTRIES: usize = 200;

pub async fn get_restrictions(
    host: &Host,
    call: &Call,
    key: &CardKey,
) -> Result<Restrictions, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    Ok(restrictions_of(&card_ref::find(host, key).await?))
}

pub async fn set_restrictions(
    host: &Host,
    call: &Call,
    key: &CardKey,
    change: RestrictionChange,
) -> Result<Restrictions, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let mut errors = FieldErrors::new();
    let mut mccs = None;
    if let Some(list) = &change.blocked_mccs {
        if list.len() > MAX_BLOCKED_ENTRIES
            || list
                .iter()
                .any(|m| m.len() != 4 || !m.bytes().all(|b| b.is_ascii_digit()))
        {
            errors.push("BlockedMccs", "must be at most 200 MCCs of 4 digits");
        }
        let mut l = list.clone();
        l.sort();
        l.dedup();
        mccs = Some(l.join(","));
    }
    let mut countries = None;
    if let Some(list) = &change.blocked_countries {
        if list.len() > MAX_BLOCKED_ENTRIES || list.iter().any(|c| Country::parse(c).is_err()) {
            errors.push(
                "BlockedCountries",
                "must be at most 200 ISO 3166-1 alpha-2 codes",
            );
        }
        let mut l = list.clone();
        l.sort();
        l.dedup();
        countries = Some(l.join(","));
    }
    errors.finish(())?;
    let found = card_ref::find(host, key).await?;
    let ((), card) = card_ref::change_card(host, call, found.card_id, |card| {
        let flag = |slot: &mut i64, v: Option<bool>| {
            if let Some(v) = v {
                *slot = i64::from(v);
            }
        };
        flag(&mut card.ecommerce_allowed, change.ecommerce_allowed);
        flag(
            &mut card.international_allowed,
            change.international_allowed,
        );
        flag(&mut card.atm_allowed, change.atm_allowed);
        flag(&mut card.contactless_allowed, change.contactless_allowed);
        flag(&mut card.moto_allowed, change.moto_allowed);
        if let Some(m) = mccs {
            card.blocked_mccs = m;
        }
        if let Some(c) = countries {
            card.blocked_countries = c;
        }
        Ok(())
    })
    .await?;
    Ok(restrictions_of(&card))
}

/// `CardRenewal`: a new expiry on the same PAN, or with `new_pan` a new card on
/// the same account (limits and restrictions copied) and the old one closed.
pub async fn renew_card(
    host: &Host,
    call: &Call,
    key: &CardKey,
    reference: Option<String>,
    new_pan: bool,
    reason: Option<String>,
) -> Result<CardView, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    if let Some(r) = &reference {
        idempotency::check_reference(r)?;
    }
    let found = card_ref::find(host, key).await?;
    let digest = idempotency::digest(&[
        &found.card_id.to_string(),
        if new_pan { "1" } else { "0" },
        reason.as_deref().unwrap_or(""),
    ]);
    let mut tx = host.db.begin().await?;
    if let Some(r) = &reference {
        if let Some(outcome) = idempotency::prior(&mut tx, call, r, &digest).await? {
            drop(tx);
            let id: i64 = outcome
                .parse()
                .map_err(|_| ServiceError::Internal("idempotency outcome".into()))?;
            let card = cards::by_id(host.db.reader(), id)
                .await?
                .ok_or_else(|| ServiceError::Internal("card".into()))?;
            let pan = vault::reveal(&host.db, host.security.as_ref(), card.pan_id).await?;
            return view(host, card, reveal_for(call, pan));
        }
    }
    let mut old = card_ref::lock(host, &mut tx, found.card_id).await?;
    let status = effective_status(host, &old);
    if matches!(
        status,
        CardStatus::Lost | CardStatus::Stolen | CardStatus::Fraud | CardStatus::Closed
    ) && !new_pan
    {
        return Err(ServiceError::NotAllowed(format!(
            "a card in status {} can only be renewed with a new card number",
            status.code()
        )));
    }
    if status == CardStatus::Closed {
        return Err(ServiceError::NotAllowed(
            "a closed card cannot be renewed".into(),
        ));
    }
    let product = card_ref::product_of(host, &old)?.clone();
    let now = host.clock.now();
    let renewed = if new_pan {
        let (pan, pan_id) = claim_pan(&mut tx, host, &product, None).await?;
        let mut row = new_card_row(
            host,
            &product,
            &pan,
            pan_id,
            &old.customer_no,
            &old.account_no,
        )?;
        row.emboss_name = old.emboss_name.clone();
        row.card_limit = old.card_limit;
        row.daily_purchase_limit = old.daily_purchase_limit;
        row.daily_cash_limit = old.daily_cash_limit;
        row.daily_ecom_limit = old.daily_ecom_limit;
        row.transaction_limit = old.transaction_limit;
        row.daily_count_limit = old.daily_count_limit;
        row.annual_fee_status = old.annual_fee_status.clone();
        row.ecommerce_allowed = old.ecommerce_allowed;
        row.international_allowed = old.international_allowed;
        row.atm_allowed = old.atm_allowed;
        row.contactless_allowed = old.contactless_allowed;
        row.moto_allowed = old.moto_allowed;
        row.blocked_mccs = old.blocked_mccs.clone();
        row.blocked_countries = old.blocked_countries.clone();
        row.three_ds_password = old.three_ds_password.clone();
        row.is_virtual = old.is_virtual;
        row.renewed_from = Some(old.card_id);
        if old.is_virtual != 0 {
            row.status = CardStatus::Active.code().to_owned();
            row.activated_at = Some(row.created_at);
        }
        row.card_id = cards::insert(&mut tx, &row).await?;
        old.status = CardStatus::Closed.code().to_owned();
        old.status_reason = Some(reason.clone().unwrap_or_else(|| "Renewed".into()));
        old.status_at = now.timestamp_millis();
        cards::update(&mut tx, &old).await?;
        (row, pan)
    } else {
        old.expiry = expiry_after(now.year(), now.month(), product.validity_years);
        cards::update(&mut tx, &old).await?;
        let pan = vault::reveal(&host.db, host.security.as_ref(), old.pan_id).await?;
        (old, pan)
    };
    audit::success(&mut tx, host, call, &renewed.0.masked_pan).await?;
    if let Some(r) = &reference {
        idempotency::record(
            &mut tx,
            call,
            r,
            &digest,
            &renewed.0.card_id.to_string(),
            now.timestamp_millis(),
        )
        .await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    host.caches.forget_pan(host, &renewed.1);
    view(host, renewed.0, reveal_for(call, renewed.1))
}

/// `TokenizeCardNo`: the card's token, for the host's own cards only.
pub async fn tokenize(
    host: &Host,
    call: &Call,
    card_no: Option<&CardNumber>,
) -> Result<String, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let no = card_no
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ServiceError::field("CardNo", "is required"))?;
    let key = CardKey {
        card_no: Some(no.clone()),
        card_token: None,
    };
    Ok(card_ref::find(host, &key).await?.card_token)
}

/// A `pan`-scope read: audited with the masked card, like every such call.
async fn audited_reveal(host: &Host, call: &Call, card: &CardRow) -> Result<Pan, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    call.caller.require(Scope::Pan)?;
    let pan = vault::reveal(&host.db, host.security.as_ref(), card.pan_id).await?;
    let mut tx = host.db.begin().await?;
    audit::success(&mut tx, host, call, &card.masked_pan).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(pan)
}

/// `GetCardNo` (deprecated): the PAN behind a token.
pub async fn reveal_card_no(host: &Host, call: &Call, key: &CardKey) -> Result<Pan, ServiceError> {
    call.caller.require(Scope::Pan)?;
    let card = card_ref::find(host, key).await?;
    audited_reveal(host, call, &card).await
}

pub struct PrivateInfo {
    pub pan: Pan,
    pub expiry: String,
    pub cvv2: Cvv2,
    pub emboss_name: String,
}

/// `GetCardPrivateInfo` (deprecated): PAN, expiry and a CVV2 computed now.
pub async fn private_info(
    host: &Host,
    call: &Call,
    key: &CardKey,
) -> Result<PrivateInfo, ServiceError> {
    call.caller.require(Scope::Pan)?;
    let card = card_ref::find(host, key).await?;
    let pan = audited_reveal(host, call, &card).await?;
    let cvk = KeyRef {
        name: &card.cvk_name,
        version: u32::try_from(card.cvk_version).ok(),
    };
    let cvv2 = host.security.card_verification_value(
        cvk,
        &pan,
        &card.expiry,
        cardhost_crypto::cvv::SERVICE_CODE_CVV2,
    )?;
    Ok(PrivateInfo {
        pan,
        expiry: card.expiry,
        cvv2: Cvv2::new(cvv2),
        emboss_name: card.emboss_name,
    })
}
