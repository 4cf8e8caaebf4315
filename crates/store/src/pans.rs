//! The PAN vault table.

use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow, Row};

use crate::table::{self, Table};

use crate::{Pending, Reads, StoreError, Tx};

#[derive(Debug, Clone, Default, FromRow, Table)]
#[table(name = "card_pans")]
pub struct PanRow {
    #[table(generated_key)]
    pub pan_id: i64,
    pub fingerprint: String,
    pub ciphertext: String,
    pub key_version: i64,
    pub masked_pan: String,
    pub created_at: i64,
}

/// A PAN already in the vault (the same fingerprint) is kept as it is.
const NEW_ONLY: &str = " ON CONFLICT (fingerprint) DO NOTHING";

/// The vault id of the PAN, inserting it when new.
pub async fn upsert(tx: &mut Tx<'_>, pan: &PanRow) -> Result<i64, StoreError> {
    table::insert_or(&mut **tx, pan, NEW_ONLY).await?;
    let row = sqlx::query("SELECT pan_id FROM card_pans WHERE fingerprint = $1")
        .bind(&pan.fingerprint)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.get(0))
}

pub async fn by_id(pool: &AnyPool, pan_id: i64) -> Result<Option<PanRow>, StoreError> {
    Ok(sqlx::query_as(&PanRow::select("pan_id = $1"))
        .bind(pan_id)
        .fetch_optional(pool)
        .await?)
}

pub async fn id_by_fingerprint(
    pool: &AnyPool,
    fingerprint: &str,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT pan_id FROM card_pans WHERE fingerprint = $1")
        .bind(fingerprint)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Up to `limit` PANs stored under a key version older than `newest`, after `after_id`.
pub async fn older_than(
    pool: &AnyPool,
    newest: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT pan_id, ciphertext FROM card_pans WHERE key_version < $1 AND pan_id > $2 ORDER BY pan_id LIMIT $3",
    )
    .bind(newest)
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Replaces a ciphertext, only if it is still the one that was read.
pub async fn replace_ciphertext(
    tx: &mut Tx<'_>,
    pan_id: i64,
    old: &str,
    new: &str,
    key_version: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE card_pans SET ciphertext = $3, key_version = $4 WHERE pan_id = $1 AND ciphertext = $2")
        .bind(pan_id)
        .bind(old)
        .bind(new)
        .bind(key_version)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many PANs each key version protects.
pub async fn count_by_version(pool: &AnyPool) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT key_version, COUNT(*) FROM card_pans GROUP BY key_version ORDER BY key_version",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The vault rows of these ids, inside the caller's transaction.
pub fn by_ids(reads: &mut Reads<'_>, pan_ids: &[i64]) -> Pending<PanRow> {
    reads.push_in(&PanRow::select("pan_id IN ({in})"), 0, |q| q, pan_ids)
}

/// Stores new PANs in one statement per parameter limit; a PAN already in
/// the vault is skipped. Returns the vault ids of those stored, by fingerprint.
pub async fn insert_new(
    tx: &mut Tx<'_>,
    pans: &[PanRow],
) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stored = Vec::with_capacity(pans.len());
    for chunk in pans.chunks(5_000) {
        let values =
            crate::sql::insert_values(PanRow::NAME, PanRow::COLUMNS, chunk.len(), NEW_ONLY);
        let sql = crate::sql::for_connection(tx, format!("{values} RETURNING fingerprint, pan_id"));
        let query = chunk.iter().fold(sqlx::query(&sql), |q, p| p.bind(q));
        for row in query.fetch_all(&mut **tx).await? {
            stored.push((row.try_get(0)?, row.try_get(1)?));
        }
    }
    Ok(stored)
}
