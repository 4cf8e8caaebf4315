//! Recurring plans and the payments charged on them.

use cardhost_domain::money::Currency;
use cardhost_domain::status::{Frequency, RecurringStatus};
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::db::Engine;
use crate::table::{self, Table};
use crate::{StoreError, Tx};

#[derive(Debug, Clone, FromRow, PartialEq, Eq, Table)]
#[table(name = "recurring_plans")]
pub struct PlanRow {
    pub recurring_id: String,
    pub merchant_no: String,
    pub terminal_no: String,
    pub card_token: String,
    pub masked_card_no: String,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub frequency: Frequency,
    pub frequency_interval: i64,
    /// `yyyyMMdd`, as every date of a plan.
    pub start_date: String,
    pub anchor_date: String,
    pub anchor_sequence: i64,
    pub number_of_payments: i64,
    pub description: Option<String>,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: RecurringStatus,
    pub next_sequence: i64,
    pub next_payment_date: String,
    pub declines_in_row: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn plan(pool: &AnyPool, recurring_id: &str) -> Result<Option<PlanRow>, StoreError> {
    table::by_key(pool, recurring_id).await
}

pub async fn plan_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    recurring_id: &str,
) -> Result<Option<PlanRow>, StoreError> {
    table::by_key_for_update(tx, engine, recurring_id).await
}

/// Active plans with a payment due on or before `as_of`, in id order after
/// `after` (a run pages through them).
pub async fn due_plans(
    pool: &AnyPool,
    as_of: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<PlanRow>, StoreError> {
    let sql = PlanRow::select(
        "status = $4 AND next_payment_date <= $1 AND recurring_id > $2 \
         ORDER BY recurring_id LIMIT $3",
    );
    Ok(sqlx::query_as(&sql)
        .bind(as_of)
        .bind(after)
        .bind(limit)
        .bind(RecurringStatus::Active.name())
        .fetch_all(pool)
        .await?)
}

/// Moves an active plan past its next payment to `to`; false when another
/// run or an update changed the plan first, so that each payment is counted
/// once and an update made meanwhile is not overwritten.
pub async fn advance(tx: &mut Tx<'_>, from: &PlanRow, to: &PlanRow) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE recurring_plans SET status = $1, next_sequence = $2, declines_in_row = $3, \
         next_payment_date = $4, updated_at = $5 \
         WHERE recurring_id = $6 AND next_sequence = $7 AND updated_at = $8 AND status = $9",
    )
    .bind(to.status.name())
    .bind(to.next_sequence)
    .bind(to.declines_in_row)
    .bind(&to.next_payment_date)
    .bind(to.updated_at)
    .bind(&from.recurring_id)
    .bind(from.next_sequence)
    .bind(from.updated_at)
    .bind(RecurringStatus::Active.name())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A due payment of a plan: what its sale charges, and once answered, how.
#[derive(Debug, Clone, Default, FromRow, PartialEq, Eq, Table)]
#[table(name = "recurring_payments")]
pub struct PaymentRow {
    pub recurring_id: String,
    pub sequence: i64,
    pub order_id: String,
    pub payment_date: String,
    pub card_token: String,
    pub amount: i64,
    pub process_id: Option<i64>,
    pub response_code: Option<String>,
    pub created_at: i64,
}

/// Writes the payment unless it was written before (by a run that overlapped
/// or died), and answers the one that stands: a rerun charges what the first
/// run meant to charge.
pub async fn claim_payment(pool: &AnyPool, r: &PaymentRow) -> Result<PaymentRow, StoreError> {
    let sql = crate::sql::insert_values(
        PaymentRow::NAME,
        PaymentRow::COLUMNS,
        1,
        " ON CONFLICT (recurring_id, sequence) DO NOTHING",
    );
    r.bind(sqlx::query(&sql)).execute(pool).await?;
    let sql = crate::sql::select(
        PaymentRow::NAME,
        PaymentRow::COLUMNS,
        "recurring_id = $1 AND sequence = $2",
    );
    Ok(sqlx::query_as(&sql)
        .bind(&r.recurring_id)
        .bind(r.sequence)
        .fetch_one(pool)
        .await?)
}

pub async fn record_payment(
    tx: &mut Tx<'_>,
    r: &PaymentRow,
    process_id: i64,
    response_code: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE recurring_payments SET process_id = $1, response_code = $2 \
         WHERE recurring_id = $3 AND sequence = $4",
    )
    .bind(process_id)
    .bind(response_code)
    .bind(&r.recurring_id)
    .bind(r.sequence)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every payment of a plan, the first first.
pub async fn payments_of(
    pool: &AnyPool,
    recurring_id: &str,
) -> Result<Vec<PaymentRow>, StoreError> {
    let filter = "recurring_id = $1 ORDER BY sequence";
    table::find_all(pool, filter, &[recurring_id]).await
}
