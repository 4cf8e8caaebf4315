//! 3-D Secure sessions: payments waiting for their cardholder's answer.

use cardhost_domain::money::Currency;
use cardhost_domain::status::{ThreeDsMethod, ThreeDsStatus, VposOp};
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table;
use crate::StoreError;

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "three_ds_sessions")]
pub struct SessionRow {
    pub session_id: String,
    pub merchant_no: String,
    pub terminal_no: String,
    pub order_id: String,
    /// `Sale` or `PreSale`.
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub op: VposOp,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub installment_count: i64,
    pub point_amount: i64,
    pub description: Option<String>,
    pub card_id: Option<i64>,
    pub pan_ciphertext: Option<String>,
    pub expiry_date: Option<String>,
    pub masked_card_no: String,
    pub success_url: String,
    pub fail_url: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub method: ThreeDsMethod,
    /// SHA-256 of the session id and the one-time code; never the code.
    pub otp_hash: Option<String>,
    pub tries: i64,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: ThreeDsStatus,
    pub csrf_token: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn session(pool: &AnyPool, session_id: &str) -> Result<Option<SessionRow>, StoreError> {
    table::by_key(pool, session_id).await
}

/// Records an answer: the new try count and status, only if no other answer
/// was recorded since `seen_tries` was read (two tabs, two submits). True
/// when this one counted.
pub async fn record_answer(
    pool: &AnyPool,
    s: &SessionRow,
    seen_tries: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE three_ds_sessions SET tries = $1, status = $2, updated_at = $3 \
         WHERE session_id = $4 AND tries = $5 AND status = $6",
    )
    .bind(s.tries)
    .bind(s.status.name())
    .bind(now)
    .bind(&s.session_id)
    .bind(seen_tries)
    .bind(ThreeDsStatus::Pending.name())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
