//! Orders paid on the host's own payment page.

use cardhost_domain::money::Currency;
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table;
use crate::{StoreError, Tx};

#[derive(Debug, Clone, FromRow, PartialEq, Eq, Table)]
#[table(name = "hosted_orders")]
pub struct HostedRow {
    pub order_token: String,
    pub merchant_no: String,
    pub order_id: String,
    pub terminal_no: String,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub description: Option<String>,
    pub success_url: String,
    pub fail_url: String,
    pub max_installments: i64,
    /// 1 when the page runs 3-D Secure before authorizing (`CreateOrder3D`).
    pub three_d: i64,
    pub csrf_token: String,
    pub expires_at: i64,
    pub created_at: i64,
}

pub async fn by_token(pool: &AnyPool, token: &str) -> Result<Option<HostedRow>, StoreError> {
    table::by_key(pool, token).await
}

pub async fn by_order(
    tx: &mut Tx<'_>,
    merchant_no: &str,
    order_id: &str,
) -> Result<Option<HostedRow>, StoreError> {
    let filter = "merchant_no = $1 AND order_id = $2";
    table::find(&mut **tx, filter, &[merchant_no, order_id]).await
}
