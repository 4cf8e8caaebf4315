//! Leases on background jobs: the one instance that runs a job now.

use sqlx::AnyPool;

use crate::StoreError;

/// Takes the lease on `job` for `holder` until `until`: true when it was
/// free, had run out at `now`, or was `holder`'s already.
pub async fn acquire(
    pool: &AnyPool,
    job: &str,
    holder: &str,
    now: i64,
    until: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO job_leases (job, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE job_leases.expires_at <= $4 OR job_leases.holder = excluded.holder",
    )
    .bind(job)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the lease up, if `holder` still has it.
pub async fn release(pool: &AnyPool, job: &str, holder: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE job_leases SET expires_at = 0 WHERE job = $1 AND holder = $2")
        .bind(job)
        .bind(holder)
        .execute(pool)
        .await?;
    Ok(())
}
