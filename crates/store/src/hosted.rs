//! Orders paid on the host's own payment page.

use sqlx::{AnyPool, FromRow};

use crate::sql::BindRow;
use crate::{StoreError, Tx};

#[derive(Debug, Clone, Default, FromRow, PartialEq, Eq)]
pub struct HostedRow {
    pub order_token: String,
    pub merchant_no: String,
    pub order_id: String,
    pub terminal_no: String,
    pub amount: i64,
    pub currency: i64,
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

const COLUMNS: [&str; 14] = [
    "order_token",
    "merchant_no",
    "order_id",
    "terminal_no",
    "amount",
    "currency",
    "description",
    "success_url",
    "fail_url",
    "max_installments",
    "three_d",
    "csrf_token",
    "expires_at",
    "created_at",
];

const BIND: BindRow<HostedRow> = |q, h| {
    q.bind(&h.order_token)
        .bind(&h.merchant_no)
        .bind(&h.order_id)
        .bind(&h.terminal_no)
        .bind(h.amount)
        .bind(h.currency)
        .bind(h.description.as_deref())
        .bind(&h.success_url)
        .bind(&h.fail_url)
        .bind(h.max_installments)
        .bind(h.three_d)
        .bind(&h.csrf_token)
        .bind(h.expires_at)
        .bind(h.created_at)
};

pub async fn insert_hosted(tx: &mut Tx<'_>, h: &HostedRow) -> Result<(), StoreError> {
    crate::sql::insert_rows(
        tx,
        "hosted_orders",
        &COLUMNS,
        "",
        std::slice::from_ref(h),
        BIND,
    )
    .await
}

pub async fn by_token(pool: &AnyPool, token: &str) -> Result<Option<HostedRow>, StoreError> {
    let sql = crate::sql::select("hosted_orders", &COLUMNS, "order_token = $1");
    crate::sql::find(pool, &sql, &[token]).await
}

pub async fn by_order(
    tx: &mut Tx<'_>,
    merchant_no: &str,
    order_id: &str,
) -> Result<Option<HostedRow>, StoreError> {
    let sql = crate::sql::select(
        "hosted_orders",
        &COLUMNS,
        "merchant_no = $1 AND order_id = $2",
    );
    crate::sql::find(&mut **tx, &sql, &[merchant_no, order_id]).await
}
