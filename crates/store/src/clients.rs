//! API clients and their bearer tokens.

use cardhost_domain::status::ClientStatus;
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow, Row};

use crate::table::{self, Table};
use crate::{StoreError, Tx};

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "api_clients")]
pub struct ClientRow {
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    /// Comma-separated scope names.
    pub scopes: String,
    pub merchant_no: Option<String>,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: ClientStatus,
    pub failed_attempts: i64,
    /// Unix ms until which token requests are refused; 0 when not locked.
    pub locked_until: i64,
    pub created_at: i64,
}

pub async fn insert(tx: &mut Tx<'_>, c: &ClientRow) -> Result<(), StoreError> {
    table::insert(tx, c).await
}

pub async fn get(pool: &AnyPool, client_id: &str) -> Result<Option<ClientRow>, StoreError> {
    table::by_key(pool, client_id).await
}

pub async fn list(pool: &AnyPool) -> Result<Vec<ClientRow>, StoreError> {
    let sql = ClientRow::select_all("ORDER BY created_at, client_id");
    Ok(sqlx::query_as(&sql).fetch_all(pool).await?)
}

/// Marks a client revoked and drops its tokens; false when there is no such client.
pub async fn revoke(tx: &mut Tx<'_>, client_id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE api_clients SET status = $2 WHERE client_id = $1")
        .bind(client_id)
        .bind(ClientStatus::Revoked.name())
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM api_tokens WHERE client_id = $1")
        .bind(client_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a wrong secret; at `lock_after` failures in a row the client is
/// locked until `lock_until_ms` and the count starts again.
pub async fn record_failure(
    tx: &mut Tx<'_>,
    client_id: &str,
    lock_after: i64,
    lock_until_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE api_clients SET \
           locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3 ELSE locked_until END, \
           failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END \
         WHERE client_id = $1",
    )
    .bind(client_id)
    .bind(lock_after)
    .bind(lock_until_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn reset_failures(tx: &mut Tx<'_>, client_id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE api_clients SET failed_attempts = 0 WHERE client_id = $1 AND failed_attempts <> 0",
    )
    .bind(client_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn insert_token(
    tx: &mut Tx<'_>,
    token_hash: &str,
    client_id: &str,
    expires_at_ms: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO api_tokens (token_hash, client_id, expires_at, created_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(client_id)
        .bind(expires_at_ms)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The active client holding an unexpired token with this hash.
pub async fn client_for_token(
    pool: &AnyPool,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<(ClientRow, i64)>, StoreError> {
    let columns: Vec<String> = ClientRow::READ.iter().map(|c| format!("c.{c}")).collect();
    let row = sqlx::query(&format!(
        "SELECT {}, t.expires_at FROM api_tokens t JOIN api_clients c ON c.client_id = t.client_id \
         WHERE t.token_hash = $1 AND t.expires_at > $2 AND c.status = $3",
        columns.join(", ")
    ))
    .bind(token_hash)
    .bind(now_ms)
    .bind(ClientStatus::Active.name())
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((ClientRow::from_row(&r)?, r.try_get("expires_at")?)))
        .transpose()
}

/// Deletes tokens that expired before `now_ms`; returns how many.
pub async fn purge_expired_tokens(tx: &mut Tx<'_>, now_ms: i64) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM api_tokens WHERE expires_at <= $1")
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
