//! A card's life after issue: reading it, its status, renewal and its token.

use cardhost_domain::card::{expiry_after, CardStatus};
use cardhost_domain::secret::CardNumber;
use cardhost_store::cards::{self, CardRow};
use cardhost_store::StoreError;
use chrono::Datelike;

use super::issuing::{card_created_before, claim_pan, new_card_row};
use super::{reveal_for, view, CardView};
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::issuer::card_ref::{self, effective_status, CardKey};
use crate::{audit, idempotency, vault, ServiceError};

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
        card.status = target;
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
            return card_created_before(host, call, &outcome).await;
        }
    }
    let mut old = card_ref::lock(host, &mut tx, found.card_id).await?;
    check_renewable(effective_status(host, &old), new_pan)?;
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
        carry_over(&mut row, &old);
        row.card_id = cards::insert(&mut tx, &row).await?;
        old.status = CardStatus::Closed;
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

/// Lost, stolen and fraud cards are renewed only with a new number; closed ones never.
fn check_renewable(status: CardStatus, new_pan: bool) -> Result<(), ServiceError> {
    if status == CardStatus::Closed {
        return Err(ServiceError::NotAllowed(
            "a closed card cannot be renewed".into(),
        ));
    }
    if matches!(
        status,
        CardStatus::Lost | CardStatus::Stolen | CardStatus::Fraud
    ) && !new_pan
    {
        return Err(ServiceError::NotAllowed(format!(
            "a card in status {} can only be renewed with a new card number",
            status.code()
        )));
    }
    Ok(())
}

/// What a card renewed with a new number keeps of the old one: its name,
/// limits, restrictions, 3-D Secure password and kind.
fn carry_over(row: &mut CardRow, old: &CardRow) {
    row.emboss_name = old.emboss_name.clone();
    row.card_limit = old.card_limit;
    row.daily_purchase_limit = old.daily_purchase_limit;
    row.daily_cash_limit = old.daily_cash_limit;
    row.daily_ecom_limit = old.daily_ecom_limit;
    row.transaction_limit = old.transaction_limit;
    row.daily_count_limit = old.daily_count_limit;
    row.annual_fee_status = old.annual_fee_status;
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
        row.status = CardStatus::Active;
        row.activated_at = Some(row.created_at);
    }
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
