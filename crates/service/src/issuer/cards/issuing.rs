//! Issuing: `CreateCreditCard`, `CreateDebitCard`, `CreatePrepaidCard`, `RegisterCard`.

use cardhost_crypto::{KeyRef, PvvKey};
use cardhost_domain::card::{expiry_after, expiry_passed, yymm, CardStatus, Pan};
use cardhost_domain::money::MajorAmount;
use cardhost_domain::product::{CardProduct, CardType};
use cardhost_domain::secret::CardNumber;
use cardhost_domain::status::FeeStatus;
use cardhost_domain::{AmountMinor, Currency, FieldErrors};
use cardhost_store::cards::{self, AccountRow, CardRow};
use cardhost_store::customers::{self, CustomerRow};
use cardhost_store::{table, StoreError, Tx};
use chrono::Datelike;
use rand::Rng;

use super::{reveal_for, view, CardView};
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

pub(super) fn money_field(
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
    let product = check_product(host, &mut errors, card_type, cmd.product_code.as_deref());
    let emboss_name = match &cmd.emboss_name {
        Some(name) => check_emboss_name(&mut errors, name)?,
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

/// The product `code` names, which must be of `card_type`; without a code,
/// the type's default product.
fn check_product<'a>(
    host: &'a Host,
    errors: &mut FieldErrors,
    card_type: CardType,
    code: Option<&str>,
) -> Option<&'a CardProduct> {
    let Some(code) = code else {
        return host.settings.default_product(card_type);
    };
    match host.settings.product(code) {
        Some(p) if p.card_type == card_type => Some(p),
        Some(_) => {
            let wrong = format!("is not a {} card product", card_type.name());
            errors.push("ProductCode", wrong);
            None
        }
        None => {
            errors.push("ProductCode", "is not a known card product");
            None
        }
    }
}

/// The emboss name cleaned, or `None` with its refusal recorded.
fn check_emboss_name(errors: &mut FieldErrors, name: &str) -> Result<Option<String>, ServiceError> {
    match clean_emboss_name("EmbossName", name) {
        Ok(n) => Ok(Some(n)),
        Err(ServiceError::Validation(e)) => {
            errors.push("EmbossName", e.as_slice()[0].message.clone());
            Ok(None)
        }
        Err(other) => Err(other),
    }
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
    if yymm(expiry).is_none() {
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
            Some(a) if a.customer_no == customer_no && a.card_type == CardType::Debit => {
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
            card_type,
            currency,
            created_at: host.clock.now_ms(),
        };
        match table::insert(tx, &row).await {
            Ok(()) => return Ok(row.account_no),
            Err(StoreError::Duplicate) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Internal("no free account number".into()))
}

/// Stores a new PAN for a card: generated inside the BIN, or the registered one.
pub(super) async fn claim_pan(
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
        card_type: product.card_type,
        brand: product.brand.clone(),
        emboss_name: String::new(),
        expiry: expiry_after(now.year(), now.month(), product.validity_years),
        service_code: product.service_code.clone(),
        is_virtual: 0,
        status: CardStatus::NotActivated,
        status_reason: None,
        status_at: now.timestamp_millis(),
        card_limit: 0,
        daily_purchase_limit: limit(product.limits.daily_purchase),
        daily_cash_limit: limit(product.limits.daily_cash),
        daily_ecom_limit: limit(product.limits.daily_ecom),
        transaction_limit: limit(product.limits.per_transaction),
        daily_count_limit: product.limits.daily_count.map(i64::from),
        annual_fee_status: FeeStatus::Active,
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

/// What a repeat of the request's reference must match.
fn new_card_digest(
    host: &Host,
    card_type: CardType,
    checked: &Checked<'_>,
    cmd: &NewCard,
) -> Result<String, ServiceError> {
    let fingerprint = match &checked.register {
        Some((pan, _)) => host.security.fingerprint_pan(pan)?,
        None => String::new(),
    };
    Ok(idempotency::digest(&[
        card_type.name(),
        &checked.customer_no,
        &checked.product.code,
        checked.emboss_name.as_deref().unwrap_or(""),
        &checked
            .card_limit
            .map(|a| a.get().to_string())
            .unwrap_or_default(),
        if checked.is_virtual { "1" } else { "0" },
        cmd.account_no.as_deref().unwrap_or(""),
        &fingerprint,
        checked.register.as_ref().map_or("", |(_, e)| e.as_str()),
    ]))
}

/// The card a repeated reference created (or renewed), shown as it is.
pub(super) async fn card_created_before(
    host: &Host,
    call: &Call,
    outcome: &str,
) -> Result<CardView, ServiceError> {
    let card_id: i64 = outcome
        .parse()
        .map_err(|_| ServiceError::Internal("idempotency outcome".into()))?;
    let card = cards::by_id(host.db.reader(), card_id)
        .await?
        .ok_or_else(|| ServiceError::Internal("card".into()))?;
    let pan = vault::reveal(&host.db, host.security.as_ref(), card.pan_id).await?;
    view(host, card, reveal_for(call, pan))
}

/// What the request sets on a new card beyond its product's defaults.
fn fill_new_row(
    row: &mut CardRow,
    checked: Checked<'_>,
    customer: &CustomerRow,
    card_type: CardType,
) -> Result<(), ServiceError> {
    row.emboss_name = match checked.emboss_name {
        Some(n) => n,
        None => {
            let profile = crate::issuer::customers::parse_profile(customer)?;
            emboss_from_customer(
                profile.name.as_deref().unwrap_or(""),
                profile.surname.as_deref().unwrap_or(""),
            )
        }
    };
    if let Some((_, expiry)) = &checked.register {
        row.expiry = expiry.clone();
    }
    if card_type == CardType::Credit {
        row.card_limit = checked
            .card_limit
            .unwrap_or(checked.product.default_card_limit)
            .get();
    }
    if checked.is_virtual {
        row.is_virtual = 1;
        row.status = CardStatus::Active;
        row.activated_at = Some(row.created_at);
    }
    Ok(())
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
    let digest = new_card_digest(host, card_type, &checked, &cmd)?;
    let mut tx = host.db.begin().await?;
    if let Some(reference) = &cmd.reference {
        if let Some(outcome) = idempotency::prior(&mut tx, call, reference, &digest).await? {
            drop(tx);
            return card_created_before(host, call, &outcome).await;
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
    fill_new_row(&mut row, checked, &customer, card_type)?;
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
