//! Profiles: documents by kind and code.

use sqlx::AnyPool;

use crate::{StoreError, Tx};

pub async fn insert(
    tx: &mut Tx<'_>,
    kind: &str,
    code: &str,
    body: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO profiles (kind, profile_code, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
        .bind(kind)
        .bind(code)
        .bind(body)
        .bind(now_ms)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_insert)?;
    Ok(())
}

pub async fn get(pool: &AnyPool, kind: &str, code: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT body FROM profiles WHERE kind = $1 AND profile_code = $2")
            .bind(kind)
            .bind(code)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|r| r.0))
}

pub async fn exists(tx: &mut Tx<'_>, kind: &str, code: &str) -> Result<bool, StoreError> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM profiles WHERE kind = $1 AND profile_code = $2")
            .bind(kind)
            .bind(code)
            .fetch_one(&mut **tx)
            .await?;
    Ok(n > 0)
}

/// Replaces a profile's document; false when there is none.
pub async fn update(
    tx: &mut Tx<'_>,
    kind: &str,
    code: &str,
    body: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE profiles SET body = $3, updated_at = $4 WHERE kind = $1 AND profile_code = $2",
    )
    .bind(kind)
    .bind(code)
    .bind(body)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(tx: &mut Tx<'_>, kind: &str, code: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM profiles WHERE kind = $1 AND profile_code = $2")
        .bind(kind)
        .bind(code)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many merchants and terminals name this profile in `column`.
pub async fn users(tx: &mut Tx<'_>, column: &str, code: &str) -> Result<i64, StoreError> {
    // `column` is one of the three profile columns, fixed by the caller.
    let terminal_part = if column == "commission_profile_code" {
        String::new()
    } else {
        format!(" + (SELECT COUNT(*) FROM terminals WHERE {column} = $1)")
    };
    let sql = format!("SELECT (SELECT COUNT(*) FROM merchants WHERE {column} = $1){terminal_part}");
    let (n,): (i64,) = sqlx::query_as(&sql).bind(code).fetch_one(&mut **tx).await?;
    Ok(n)
}
