//! Messages waiting for the SMS/e-mail provider.

use cardhost_domain::status::MessageStatus;
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table::{self, Table};
use crate::{StoreError, Tx};

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "outbox")]
pub struct OutboxRow {
    pub message_id: String,
    pub channel: String,
    pub recipient: String,
    /// The message text, with `{secret}` where the secret goes.
    pub template: String,
    /// A pin-storage ciphertext the sender opens at delivery, if any.
    pub secret: Option<String>,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: MessageStatus,
    pub attempts: i64,
    pub next_attempt: i64,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

pub async fn insert(tx: &mut Tx<'_>, m: &OutboxRow) -> Result<(), StoreError> {
    table::insert(tx, m).await
}

/// Pending messages whose next attempt is due, oldest first.
pub async fn due(pool: &AnyPool, now_ms: i64, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(sqlx::query_as(&OutboxRow::select(
        "status = $3 AND next_attempt <= $1 ORDER BY created_at, message_id LIMIT $2",
    ))
    .bind(now_ms)
    .bind(limit)
    .bind(MessageStatus::Pending.name())
    .fetch_all(pool)
    .await?)
}

pub async fn mark_sent(tx: &mut Tx<'_>, message_id: &str, now_ms: i64) -> Result<(), StoreError> {
    // The ciphertext is dropped once delivered: nothing keeps a PIN it no longer needs.
    sqlx::query("UPDATE outbox SET status = $3, secret = NULL, sent_at = $2, attempts = attempts + 1 WHERE message_id = $1")
        .bind(message_id)
        .bind(now_ms)
        .bind(MessageStatus::Sent.name())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn mark_retry(
    tx: &mut Tx<'_>,
    message_id: &str,
    next_attempt_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt = $2 WHERE message_id = $1",
    )
    .bind(message_id)
    .bind(next_attempt_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn pending_count(pool: &AnyPool) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE status = $1")
        .bind(MessageStatus::Pending.name())
        .fetch_one(pool)
        .await?;
    Ok(n)
}
