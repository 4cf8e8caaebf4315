//! The PAN vault table.

use sqlx::{AnyPool, FromRow, Row};

use crate::{Pending, Reads, StoreError, Tx};

#[derive(Debug, Clone, FromRow)]
pub struct PanRow {
    pub pan_id: i64,
    pub fingerprint: String,
    pub ciphertext: String,
    pub key_version: i64,
    pub masked_pan: String,
}

/// The vault id of the PAN with this fingerprint, inserting it when new.
pub async fn upsert(
    tx: &mut Tx<'_>,
    fingerprint: &str,
    ciphertext: &str,
    key_version: i64,
    masked_pan: &str,
    now_ms: i64,
) -> Result<i64, StoreError> {
    sqlx::query(
        "INSERT INTO card_pans (fingerprint, ciphertext, key_version, masked_pan, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (fingerprint) DO NOTHING",
    )
    .bind(fingerprint)
    .bind(ciphertext)
    .bind(key_version)
    .bind(masked_pan)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query("SELECT pan_id FROM card_pans WHERE fingerprint = $1")
        .bind(fingerprint)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.get(0))
}

pub async fn by_id(pool: &AnyPool, pan_id: i64) -> Result<Option<PanRow>, StoreError> {
    let row = sqlx::query("SELECT pan_id, fingerprint, ciphertext, key_version, masked_pan FROM card_pans WHERE pan_id = $1")
        .bind(pan_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| PanRow {
        pan_id: r.get(0),
        fingerprint: r.get(1),
        ciphertext: r.get(2),
        key_version: r.get(3),
        masked_pan: r.get(4),
    }))
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
    reads.push_in(
        "SELECT pan_id, fingerprint, ciphertext, key_version, masked_pan FROM card_pans WHERE pan_id IN ({in})",
        0,
        |q| q,
        pan_ids,
    )
}

/// A PAN for the vault: its fingerprint, ciphertext, key version and masked form.
#[derive(Debug, Clone)]
pub struct NewPan {
    pub fingerprint: String,
    pub ciphertext: String,
    pub key_version: i64,
    pub masked_pan: String,
}

/// Stores new PANs in one statement per parameter limit; a PAN already in
/// the vault is skipped. Returns the vault ids of those stored, by fingerprint.
pub async fn insert_new(
    tx: &mut Tx<'_>,
    pans: &[NewPan],
    now_ms: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stored = Vec::with_capacity(pans.len());
    for chunk in pans.chunks(5_000) {
        let sql = format!(
            "{} RETURNING fingerprint, pan_id",
            crate::sql::insert_values(
                "card_pans",
                &[
                    "fingerprint",
                    "ciphertext",
                    "key_version",
                    "masked_pan",
                    "created_at"
                ],
                chunk.len(),
                " ON CONFLICT (fingerprint) DO NOTHING"
            )
        );
        let sql = crate::sql::for_connection(tx, sql);
        let mut query = sqlx::query_as(&sql);
        for p in chunk {
            query = query
                .bind(&p.fingerprint)
                .bind(&p.ciphertext)
                .bind(p.key_version)
                .bind(&p.masked_pan)
                .bind(now_ms);
        }
        stored.extend(query.fetch_all(&mut **tx).await?);
    }
    Ok(stored)
}
