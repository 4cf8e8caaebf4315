//! Emboss directives: physical cards queued for the card bureau.

use sqlx::{AnyPool, FromRow};

use crate::{StoreError, Tx};

#[derive(Debug, Clone, FromRow)]
pub struct DirectiveRow {
    pub directive_id: i64,
    pub card_id: i64,
    pub delivery_address_type: String,
    pub branch_code: Option<String>,
    pub status: String,
    pub created_at: i64,
    pub exported_at: Option<i64>,
}

pub async fn insert(
    tx: &mut Tx<'_>,
    card_id: i64,
    delivery: &str,
    branch: Option<&str>,
    now_ms: i64,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO emboss_directives (card_id, delivery_address_type, branch_code, status, created_at) \
         VALUES ($1, $2, $3, 'Queued', $4) RETURNING directive_id",
    )
    .bind(card_id)
    .bind(delivery)
    .bind(branch)
    .bind(now_ms)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

pub async fn queued(pool: &AnyPool) -> Result<Vec<DirectiveRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT directive_id, card_id, delivery_address_type, branch_code, status, created_at, exported_at \
         FROM emboss_directives WHERE status = 'Queued' ORDER BY directive_id",
    )
    .fetch_all(pool)
    .await?)
}

pub async fn mark_exported(
    tx: &mut Tx<'_>,
    directive_id: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE emboss_directives SET status = 'Exported', exported_at = $2 WHERE directive_id = $1 AND status = 'Queued'")
        .bind(directive_id)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
