//! Dynamic QR codes of orders.

use cardhost_domain::money::Currency;
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table;
use crate::{StoreError, Tx};

#[derive(Debug, Clone, FromRow, PartialEq, Eq, Table)]
#[table(name = "qr_codes")]
pub struct QrRow {
    pub qr_token: String,
    pub merchant_no: String,
    pub order_id: String,
    pub terminal_no: String,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub qr_data: String,
    /// The `PayQr` reference that claimed it; none until paid.
    pub paid_reference: Option<String>,
    pub expires_at: i64,
    pub created_at: i64,
}

pub async fn by_token(pool: &AnyPool, token: &str) -> Result<Option<QrRow>, StoreError> {
    table::by_key(pool, token).await
}

pub async fn by_order(
    tx: &mut Tx<'_>,
    merchant_no: &str,
    order_id: &str,
) -> Result<Option<QrRow>, StoreError> {
    let filter = "merchant_no = $1 AND order_id = $2";
    table::find(&mut **tx, filter, &[merchant_no, order_id]).await
}

/// Claims the QR for `reference`: true when it was free or already this
/// reference's, false when another reference paid it.
pub async fn claim(pool: &AnyPool, token: &str, reference: &str) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE qr_codes SET paid_reference = $1 \
         WHERE qr_token = $2 AND (paid_reference IS NULL OR paid_reference = $1)",
    )
    .bind(reference)
    .bind(token)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
