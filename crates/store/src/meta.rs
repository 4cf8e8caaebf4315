//! Host metadata: small facts about the installation (e.g. that the bootstrap
//! admin client exists).

use sqlx::Row;

use crate::{StoreError, Tx};

pub async fn get(tx: &mut Tx<'_>, key: &str) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT meta_value FROM host_meta WHERE meta_key = $1")
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Sets `key` only if it is not set yet; true when this call set it.
pub async fn set_once(tx: &mut Tx<'_>, key: &str, value: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("INSERT INTO host_meta (meta_key, meta_value) VALUES ($1, $2) ON CONFLICT (meta_key) DO NOTHING")
        .bind(key)
        .bind(value)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
