//! Emboss directives: physical cards queued for the card bureau.

use cardhost_domain::status::{Delivery, DirectiveStatus};
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table::{self, Table};
use crate::{StoreError, Tx};

#[derive(Debug, Clone, Default, FromRow, Table)]
#[table(name = "emboss_directives")]
pub struct DirectiveRow {
    #[table(generated_key)]
    pub directive_id: i64,
    pub card_id: i64,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub delivery_address_type: Delivery,
    pub branch_code: Option<String>,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: DirectiveStatus,
    pub created_at: i64,
    pub exported_at: Option<i64>,
}

/// Queues the directive and returns its id.
pub async fn insert(tx: &mut Tx<'_>, d: &DirectiveRow) -> Result<i64, StoreError> {
    table::insert_generated(tx, d).await
}

pub async fn queued(pool: &AnyPool) -> Result<Vec<DirectiveRow>, StoreError> {
    Ok(
        sqlx::query_as(&DirectiveRow::select("status = $1 ORDER BY directive_id"))
            .bind(DirectiveStatus::Queued.name())
            .fetch_all(pool)
            .await?,
    )
}

pub async fn mark_exported(
    tx: &mut Tx<'_>,
    directive_id: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE emboss_directives SET status = $3, exported_at = $2 \
         WHERE directive_id = $1 AND status = $4",
    )
    .bind(directive_id)
    .bind(now_ms)
    .bind(DirectiveStatus::Exported.name())
    .bind(DirectiveStatus::Queued.name())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
