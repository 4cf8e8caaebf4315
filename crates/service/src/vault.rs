//! The PAN vault: where card numbers are kept, encrypted, and moved to the
//! newest key.

use cardhost_crypto::SecurityModule;
use cardhost_domain::card::Pan;
use cardhost_store::pans::{self, PanRow};
use cardhost_store::{Db, StoreError, Tx};

use crate::ServiceError;

/// PANs re-encrypted per transaction by [`reencrypt`].
const REENCRYPT_BATCH: i64 = 500;

/// Stores `pan` (once per card number) and returns its vault id.
pub async fn store(
    tx: &mut Tx<'_>,
    security: &dyn SecurityModule,
    pan: &Pan,
    now_ms: i64,
) -> Result<i64, ServiceError> {
    let row = PanRow {
        fingerprint: security.fingerprint_pan(pan)?,
        ciphertext: security.encrypt_pan(pan)?,
        key_version: i64::from(security.pan_key_version()?),
        masked_pan: pan.masked(),
        created_at: now_ms,
        ..PanRow::default()
    };
    Ok(pans::upsert(tx, &row).await?)
}

/// The vault id of a card number, if the host holds it.
pub async fn find(
    db: &Db,
    security: &dyn SecurityModule,
    pan: &Pan,
) -> Result<Option<i64>, ServiceError> {
    let fingerprint = security.fingerprint_pan(pan)?;
    Ok(pans::id_by_fingerprint(db.reader(), &fingerprint).await?)
}

/// The clear PAN of a vault id (for the few operations allowed to have it).
pub async fn reveal(
    db: &Db,
    security: &dyn SecurityModule,
    pan_id: i64,
) -> Result<Pan, ServiceError> {
    let row = pans::by_id(db.reader(), pan_id)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("PAN {pan_id} missing from the vault")))?;
    Ok(security.decrypt_pan(&row.ciphertext)?)
}

/// Moves every PAN stored under an older `pan` key version to the newest one,
/// in batches; safe to run while the server runs and to run again. Returns how
/// many were moved.
pub async fn reencrypt(
    db: &Db,
    security: &dyn SecurityModule,
    on_progress: &mut dyn FnMut(u64),
) -> Result<u64, ServiceError> {
    let newest = i64::from(security.pan_key_version()?);
    let mut moved = 0;
    let mut after = 0;
    loop {
        let batch = pans::older_than(db.reader(), newest, after, REENCRYPT_BATCH).await?;
        let Some(&(last, _)) = batch.last() else {
            break;
        };
        let mut tx = db.begin().await?;
        for (pan_id, old) in &batch {
            let pan = security.decrypt_pan(old)?;
            let new = security.encrypt_pan(&pan)?;
            if pans::replace_ciphertext(&mut tx, *pan_id, old, &new, newest).await? {
                moved += 1;
            }
        }
        tx.commit().await.map_err(StoreError::from)?;
        after = last;
        on_progress(moved);
    }
    Ok(moved)
}

/// `(key version, PANs under it)`, for the operator.
pub async fn versions(db: &Db) -> Result<Vec<(i64, i64)>, ServiceError> {
    Ok(pans::count_by_version(db.reader()).await?)
}
