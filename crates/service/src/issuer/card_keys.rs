//! The keys a card's values were made under, as its row records them: the CVK
//! of its CVV2 and iCVV, the PVK pair and index of its PVV. A recorded version
//! or index out of range is an error that names the card, never the newest key.

use cardhost_crypto::{KeyRef, PvvKey};
use cardhost_store::cards::CardRow;

use crate::ServiceError;

pub(crate) fn cvk(card: &CardRow) -> Result<KeyRef<'_>, ServiceError> {
    Ok(KeyRef {
        name: &card.cvk_name,
        version: Some(stored(card, "CVK version", card.cvk_version)?),
    })
}

pub(crate) fn pvv_key(card: &CardRow) -> Result<PvvKey<'_>, ServiceError> {
    Ok(PvvKey {
        pvk: KeyRef {
            name: &card.pvk_name,
            version: Some(stored(card, "PVK version", card.pvk_version)?),
        },
        pvki: stored(card, "PVKI", card.pvki)?,
    })
}

fn stored<T: TryFrom<i64>>(card: &CardRow, what: &str, value: i64) -> Result<T, ServiceError> {
    T::try_from(value)
        .map_err(|_| ServiceError::Internal(format!("card {} has {what} {value}", card.card_id)))
}
