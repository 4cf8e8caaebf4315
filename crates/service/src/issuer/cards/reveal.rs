//! The `pan`-scope reads, each audited with the masked card.

use cardhost_domain::card::Pan;
use cardhost_domain::secret::Cvv2;
use cardhost_store::cards::CardRow;
use cardhost_store::StoreError;

use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::issuer::card_ref::{self, CardKey};
use crate::{audit, vault, ServiceError};

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
    let cvk = crate::issuer::card_keys::cvk(&card)?;
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
