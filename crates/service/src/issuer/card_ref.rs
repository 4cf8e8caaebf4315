//! Finding the card a request names by `CardNo` or `CardToken`.

use cardhost_domain::card::{expiry_passed, CardStatus, Pan};
use cardhost_domain::secret::CardNumber;
use cardhost_store::cards::{self, CardRow};
use chrono::Datelike;

use crate::host::Host;
use crate::{vault, ServiceError};

/// The card fields of a request: either may be given (spec README, card numbers).
#[derive(Debug, Clone, Default)]
pub struct CardKey {
    pub card_no: Option<CardNumber>,
    pub card_token: Option<String>,
}

/// Parses a `CardNo` field without echoing it in the error.
pub fn parse_pan(field: &str, text: &str) -> Result<Pan, ServiceError> {
    Pan::parse(text).map_err(|m| ServiceError::field(field, m))
}

/// The card, or `Result` 2; a malformed `CardNo` is `Result` 1.
pub async fn find(host: &Host, key: &CardKey) -> Result<CardRow, ServiceError> {
    let card = match (&key.card_no, &key.card_token) {
        (Some(no), _) if !no.is_empty() => {
            let pan = parse_pan("CardNo", no.expose())?;
            match vault::find(&host.db, host.security.as_ref(), &pan).await? {
                Some(pan_id) => cards::by_pan(host.db.reader(), pan_id).await?,
                None => None,
            }
        }
        (_, Some(token)) if !token.is_empty() => cards::by_token(host.db.reader(), token).await?,
        _ => {
            return Err(ServiceError::field(
                "CardNo",
                "CardNo or CardToken is required",
            ))
        }
    };
    card.ok_or_else(|| ServiceError::NotFound("Card not found.".into()))
}

/// The card row again inside a write transaction, locked where the engine needs it.
pub async fn lock(
    host: &Host,
    tx: &mut cardhost_store::Tx<'_>,
    card_id: i64,
) -> Result<CardRow, ServiceError> {
    cards::by_id_for_update(tx, host.db.engine(), card_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("Card not found.".into()))
}

/// The stored status, or `E` once the expiry month has passed (the host sets
/// `E` itself; it is never a move a caller makes).
pub fn effective_status(host: &Host, card: &CardRow) -> CardStatus {
    status_at(card, host.clock.now())
}

/// [`effective_status`] at `now`.
pub fn status_at(card: &CardRow, now: chrono::DateTime<chrono::Utc>) -> CardStatus {
    let stored = card.status;
    let live = matches!(
        stored,
        CardStatus::NotActivated | CardStatus::Active | CardStatus::TemporaryBlocked
    );
    if live && expiry_passed(&card.expiry, now.year(), now.month()) {
        CardStatus::Expired
    } else {
        stored
    }
}

/// Runs `change` on the card's row under lock, then writes the row back with
/// the call's audit record, all in one transaction. A refusal from `change`
/// rolls everything back.
pub async fn change_card<T>(
    host: &Host,
    call: &crate::host::Call,
    card_id: i64,
    change: impl FnOnce(&mut CardRow) -> Result<T, ServiceError>,
) -> Result<(T, CardRow), ServiceError> {
    let mut tx = host.db.begin().await?;
    let mut card = lock(host, &mut tx, card_id).await?;
    let out = change(&mut card)?;
    cards::update(&mut tx, &card).await?;
    crate::audit::success(&mut tx, host, call, &card.masked_pan).await?;
    tx.commit()
        .await
        .map_err(cardhost_store::StoreError::from)?;
    Ok((out, card))
}

/// The product a card was issued from (a card always has one; a missing one is
/// a configuration error, reported as a system error).
pub fn product_of<'a>(
    host: &'a Host,
    card: &CardRow,
) -> Result<&'a cardhost_domain::product::CardProduct, ServiceError> {
    host.settings.card_product(&card.product_code, card.card_id)
}
