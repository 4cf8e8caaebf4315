//! Card security operations: CVV2 and PIN checks with their retry locks, PIN
//! retrieval and change, PIN by SMS, the 3-D Secure password.

use cardhost_crypto::{secret, PinBlockFormat, SecurityModule};
use cardhost_domain::card::{yymm, CardStatus};
use cardhost_domain::response as rc;
use cardhost_domain::secret::{Cvv2, Password, PinBlock};
use cardhost_store::cards::CardRow;
use cardhost_store::{customers, StoreError};

use super::card_keys::{cvk, pvv_key};
use super::card_ref::{self, effective_status, CardKey};
use super::cards::CardView;
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::{audit, notify, vault, ServiceError};

/// Wrong CVV2s or PINs in a row that lock the check (issuer.md).
pub const MAX_TRIES: i64 = 3;

/// The verdict of a check: `00` passed, else the decline code.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    pub response_code: &'static str,
    pub retry_count: i64,
}

/// Checks `Cvv2` against the card (issuer decision step 4); updates the retry
/// count in `card`. Returns the decline code, or `00`.
pub(crate) fn check_cvv2(
    security: &dyn SecurityModule,
    card: &mut CardRow,
    pan: &cardhost_domain::card::Pan,
    cvv2: &Cvv2,
) -> Result<&'static str, ServiceError> {
    if card.cvv2_retry_count >= MAX_TRIES {
        return Ok(rc::RESTRICTED_CARD);
    }
    let expected = security.card_verification_value(
        cvk(card)?,
        pan,
        &card.expiry,
        cardhost_crypto::cvv::SERVICE_CODE_CVV2,
    )?;
    if secret::constant_time_eq(expected.as_bytes(), cvv2.expose().as_bytes()) {
        card.cvv2_retry_count = 0;
        Ok(rc::APPROVED)
    } else {
        card.cvv2_retry_count += 1;
        Ok(rc::CVV2_MISMATCH)
    }
}

fn check_cvv2_shape(cvv2: Option<&Cvv2>) -> Result<&Cvv2, ServiceError> {
    match cvv2 {
        Some(c) if c.is_well_formed() => Ok(c),
        Some(_) => Err(ServiceError::field("Cvv2", "must be 3 digits")),
        None => Err(ServiceError::field("Cvv2", "is required")),
    }
}

/// `VerifyCard`: expiry and CVV2, with the CVV2 retry lock.
pub async fn verify_card(
    host: &Host,
    call: &Call,
    key: &CardKey,
    expiry: Option<&str>,
    cvv2: Option<&Cvv2>,
) -> Result<CheckOutcome, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let cvv2 = check_cvv2_shape(cvv2)?;
    let expiry = expiry
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ServiceError::field("ExpiryDate", "is required"))?;
    if yymm(expiry).is_none() {
        return Err(ServiceError::field("ExpiryDate", "must be yyMM"));
    }
    let found = card_ref::find(host, key).await?;
    let pan = vault::reveal(&host.db, host.security.as_ref(), found.pan_id).await?;
    check_card_secrets(host, call, found.card_id, &pan, expiry, cvv2).await
}

/// Expiry and CVV2 against the card `card_id` numbered `pan`, with the CVV2
/// retry lock: `VerifyCard`, and a 3-D Secure payment when it starts.
pub(crate) async fn check_card_secrets(
    host: &Host,
    call: &Call,
    card_id: i64,
    pan: &cardhost_domain::card::Pan,
    expiry: &str,
    cvv2: &Cvv2,
) -> Result<CheckOutcome, ServiceError> {
    let (code, card) = card_ref::change_card(host, call, card_id, |card| {
        let usable = matches!(
            effective_status(host, card),
            CardStatus::Active | CardStatus::NotActivated
        );
        Ok(if !usable || card.cvv2_retry_count >= MAX_TRIES {
            rc::RESTRICTED_CARD
        } else if expiry != card.expiry {
            rc::EXPIRED_CARD
        } else {
            check_cvv2(host.security.as_ref(), card, pan, cvv2)?
        })
    })
    .await?;
    Ok(CheckOutcome {
        response_code: code,
        retry_count: card.cvv2_retry_count,
    })
}

pub async fn reset_cvv2_retry_count(
    host: &Host,
    call: &Call,
    key: &CardKey,
) -> Result<(), ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let found = card_ref::find(host, key).await?;
    card_ref::change_card(host, call, found.card_id, |card| {
        card.cvv2_retry_count = 0;
        Ok(())
    })
    .await?;
    Ok(())
}

/// The PIN block format and zone key of a request (defaults: format 0 with
/// `zpk`, format 4 with `zpk-aes`).
pub fn pin_format(
    host: &Host,
    format: Option<i64>,
    key_name: Option<&str>,
) -> Result<(PinBlockFormat, String), ServiceError> {
    let format = match format {
        None => PinBlockFormat::Iso0,
        Some(n) => PinBlockFormat::from_number(n)
            .ok_or_else(|| ServiceError::field("PinBlockFormat", "must be 0, 1, 3 or 4"))?,
    };
    let key = key_name
        .filter(|k| !k.is_empty())
        .unwrap_or(if format.is_aes() { "zpk-aes" } else { "zpk" })
        .to_owned();
    if !host.security.is_zone_pin_key(&key, format) {
        return Err(ServiceError::field(
            "KeyName",
            "is not a zone PIN key for this PIN block format",
        ));
    }
    Ok((format, key))
}

pub(crate) fn check_block_shape(
    field: &str,
    block: Option<&PinBlock>,
    format: PinBlockFormat,
) -> Result<PinBlock, ServiceError> {
    let want = if format.is_aes() { 32 } else { 16 };
    match block {
        Some(b) if b.is_hex_of(want) => Ok(b.clone()),
        Some(_) => Err(ServiceError::field(
            field,
            format!("must be {want} hexadecimal digits for this format"),
        )),
        None => Err(ServiceError::field(field, "is required")),
    }
}

/// Checks a PIN block against the card (issuer decision step 5); updates the
/// retry count (and activates an `N` card on success) in `card`. A block that
/// does not decode under the key counts as a wrong PIN, so it cannot be used to
/// probe without spending a try.
pub(crate) fn check_pin_block(
    security: &dyn SecurityModule,
    now_ms: i64,
    card: &mut CardRow,
    pan: &cardhost_domain::card::Pan,
    zpk: &str,
    format: PinBlockFormat,
    block: &PinBlock,
) -> Result<&'static str, ServiceError> {
    if card.pin_retry_count >= MAX_TRIES {
        return Ok(rc::PIN_TRIES_EXCEEDED);
    }
    let key = pvv_key(card)?;
    let ok = match security.verify_pin_block(zpk, format, block.expose(), pan, key, &card.pvv) {
        Ok(matches) => matches,
        Err(
            cardhost_crypto::CryptoError::MalformedPinBlock(_)
            | cardhost_crypto::CryptoError::MalformedPin(_),
        ) => false,
        Err(other) => return Err(other.into()),
    };
    if ok {
        card.pin_retry_count = 0;
        if card.status == CardStatus::NotActivated {
            card.status = CardStatus::Active;
            card.status_reason = Some("Activated by first correct PIN".into());
            card.status_at = now_ms;
            card.activated_at = Some(now_ms);
        }
        return Ok(rc::APPROVED);
    }
    card.pin_retry_count += 1;
    Ok(if card.pin_retry_count >= MAX_TRIES {
        rc::PIN_TRIES_EXCEEDED
    } else {
        rc::INCORRECT_PIN
    })
}

/// [`check_pin_block`] with the host's security module, now.
fn check_pin_now(
    host: &Host,
    card: &mut CardRow,
    pan: &cardhost_domain::card::Pan,
    zpk: &str,
    format: PinBlockFormat,
    block: &PinBlock,
) -> Result<&'static str, ServiceError> {
    let now_ms = host.clock.now_ms();
    check_pin_block(
        host.security.as_ref(),
        now_ms,
        card,
        pan,
        zpk,
        format,
        block,
    )
}

fn usable_for_pin(host: &Host, card: &CardRow) -> Result<(), ServiceError> {
    match effective_status(host, card) {
        CardStatus::Active | CardStatus::NotActivated | CardStatus::TemporaryBlocked => Ok(()),
        s => Err(ServiceError::NotAllowed(format!(
            "the card is {} ({})",
            s.name(),
            s.code()
        ))),
    }
}

pub async fn check_pin(
    host: &Host,
    call: &Call,
    key: &CardKey,
    block: Option<&PinBlock>,
    format: Option<i64>,
    key_name: Option<&str>,
) -> Result<CheckOutcome, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let (format, zpk) = pin_format(host, format, key_name)?;
    let block = check_block_shape("PinBlock", block, format)?;
    let found = card_ref::find(host, key).await?;
    usable_for_pin(host, &found)?;
    let pan = vault::reveal(&host.db, host.security.as_ref(), found.pan_id).await?;
    let (code, card) = card_ref::change_card(host, call, found.card_id, |card| {
        check_pin_now(host, card, &pan, &zpk, format, &block)
    })
    .await?;
    Ok(CheckOutcome {
        response_code: code,
        retry_count: card.pin_retry_count,
    })
}

/// `ChangeCardPin`: the current PIN (when given) must check; the new PIN
/// replaces it and the retry count starts again.
pub async fn change_pin(
    host: &Host,
    call: &Call,
    key: &CardKey,
    new_block: Option<&PinBlock>,
    current: Option<&PinBlock>,
    format: Option<i64>,
    key_name: Option<&str>,
) -> Result<CheckOutcome, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let (format, zpk) = pin_format(host, format, key_name)?;
    let new_block = check_block_shape("NewPinBlock", new_block, format)?;
    let current = match current {
        Some(c) => Some(check_block_shape("PinBlock", Some(c), format)?),
        None => None,
    };
    let found = card_ref::find(host, key).await?;
    usable_for_pin(host, &found)?;
    let pan = vault::reveal(&host.db, host.security.as_ref(), found.pan_id).await?;
    let (new_pvv, new_ciphertext) = host
        .security
        .set_pin_from_block(&zpk, format, new_block.expose(), &pan, pvv_key(&found)?)
        .map_err(|_| {
            ServiceError::field(
                "NewPinBlock",
                "does not hold a valid PIN under this key and format",
            )
        })?;
    let (code, card) = card_ref::change_card(host, call, found.card_id, |card| {
        let code = match &current {
            Some(block) => check_pin_now(host, card, &pan, &zpk, format, block)?,
            None => rc::APPROVED,
        };
        if code == rc::APPROVED {
            card.pvv = new_pvv;
            card.pin_ciphertext = new_ciphertext;
            card.pin_retry_count = 0;
        }
        Ok(code)
    })
    .await?;
    Ok(CheckOutcome {
        response_code: code,
        retry_count: card.pin_retry_count,
    })
}

/// `GetCardPin` (scope `pan`): the PIN as a block under the caller's zone key.
pub async fn get_card_pin(
    host: &Host,
    call: &Call,
    key: &CardKey,
    format: Option<i64>,
    key_name: Option<&str>,
) -> Result<(PinBlock, CardRow), ServiceError> {
    call.caller.require(Scope::Issuer)?;
    call.caller.require(Scope::Pan)?;
    let (format, zpk) = pin_format(host, format, key_name)?;
    let card = card_ref::find(host, key).await?;
    let pan = vault::reveal(&host.db, host.security.as_ref(), card.pan_id).await?;
    let block = host
        .security
        .pin_block_from_storage(&card.pin_ciphertext, &zpk, format, &pan)?;
    let mut tx = host.db.begin().await?;
    audit::success(&mut tx, host, call, &card.masked_pan).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((PinBlock::new(block), card))
}

/// `SendPinBySms`: queues the PIN to the customer's mobile; the API never sees it.
pub async fn send_pin_by_sms(
    host: &Host,
    call: &Call,
    key: &CardKey,
) -> Result<(String, String), ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let card = card_ref::find(host, key).await?;
    usable_for_pin(host, &card)?;
    let mobile = customer_mobile(host, &card.customer_no)
        .await?
        .ok_or_else(|| {
            ServiceError::NotAllowed("the customer has no mobile number to send the PIN to".into())
        })?;
    let text = format!(
        "Your PIN for card {} is {{secret}}. Never share it.",
        card.masked_pan
    );
    let mut tx = host.db.begin().await?;
    let message_id =
        notify::queue_sms(&mut tx, host, &mobile, &text, Some(&card.pin_ciphertext)).await?;
    audit::success(&mut tx, host, call, &card.masked_pan).await?;
    tx.commit().await.map_err(StoreError::from)?;
    host.outbox_wakeup.notify_one();
    Ok((mask_mobile(&mobile), message_id))
}

/// The mobile number of the card's customer, when it has one an SMS can reach.
pub(crate) async fn customer_mobile(
    host: &Host,
    customer_no: &str,
) -> Result<Option<String>, ServiceError> {
    let customer = customers::get(host.db.reader(), customer_no)
        .await?
        .ok_or_else(|| ServiceError::Internal("card without customer".into()))?;
    Ok(crate::issuer::customers::parse_profile(&customer)?
        .mobile_no
        .filter(|m| m.chars().filter(char::is_ascii_digit).count() >= 7))
}

/// All but the last 4 digits hidden.
pub fn mask_mobile(mobile: &str) -> String {
    let n = mobile.chars().count();
    mobile
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

/// Shortest and longest 3-D Secure static password (issuer.md).
const PASSWORD_LEN: std::ops::RangeInclusive<usize> = 8..=64;

pub async fn change_3ds_password(
    host: &Host,
    call: &Call,
    key: &CardKey,
    password: Option<&Password>,
) -> Result<CardView, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let password = password.ok_or_else(|| ServiceError::field("Password", "is required"))?;
    if !PASSWORD_LEN.contains(&password.expose().chars().count()) {
        return Err(ServiceError::field(
            "Password",
            "must be 8 to 64 characters",
        ));
    }
    let found = card_ref::find(host, key).await?;
    let owned = password.clone();
    let hash = tokio::task::spawn_blocking(move || secret::hash_secret(owned.expose()))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))??;
    let ((), card) = card_ref::change_card(host, call, found.card_id, |card| {
        card.three_ds_password = Some(hash);
        Ok(())
    })
    .await?;
    super::cards::view(host, card, None)
}
