//! Cards and card accounts.

use cardhost_domain::card::CardStatus;
use cardhost_domain::money::Currency;
use cardhost_domain::product::CardType;
use cardhost_domain::status::FeeStatus;
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table::Table;
use crate::{Engine, Pending, Reads, StoreError, Tx};

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "cards")]
pub struct CardRow {
    #[table(generated_key)]
    pub card_id: i64,
    pub pan_id: i64,
    pub card_token: String,
    pub masked_pan: String,
    pub customer_no: String,
    pub account_no: String,
    pub product_code: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub card_type: CardType,
    pub brand: String,
    pub emboss_name: String,
    pub expiry: String,
    pub service_code: String,
    pub is_virtual: i64,
    #[sqlx(try_from = "String")]
    #[table(by_code)]
    pub status: CardStatus,
    pub status_reason: Option<String>,
    pub status_at: i64,
    pub card_limit: i64,
    pub daily_purchase_limit: Option<i64>,
    pub daily_cash_limit: Option<i64>,
    pub daily_ecom_limit: Option<i64>,
    pub transaction_limit: Option<i64>,
    pub daily_count_limit: Option<i64>,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub annual_fee_status: FeeStatus,
    pub cvk_name: String,
    pub cvk_version: i64,
    pub pvk_name: String,
    pub pvk_version: i64,
    pub pvki: i64,
    pub pvv: String,
    pub pin_ciphertext: String,
    pub pin_retry_count: i64,
    pub cvv2_retry_count: i64,
    pub three_ds_password: Option<String>,
    pub ecommerce_allowed: i64,
    pub international_allowed: i64,
    pub atm_allowed: i64,
    pub contactless_allowed: i64,
    pub moto_allowed: i64,
    pub blocked_mccs: String,
    pub blocked_countries: String,
    pub renewed_from: Option<i64>,
    pub created_at: i64,
    pub activated_at: Option<i64>,
}

/// Inserts a card and returns its id.
pub async fn insert(tx: &mut Tx<'_>, c: &CardRow) -> Result<i64, StoreError> {
    crate::table::insert_generated(tx, c).await
}

/// The card's row written back, as a statement of `script`.
pub fn update_in<'q>(script: &mut crate::Script<'q>, c: &'q CardRow) {
    // Every authorized batch writes its cards back: the statement is made once.
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    script.push(SQL.get_or_init(CardRow::update_sql).as_str(), |q| {
        c.bind_key(c.bind(q))
    });
}

/// Writes every column of `c` back to its row.
pub async fn update(tx: &mut Tx<'_>, c: &CardRow) -> Result<(), StoreError> {
    crate::table::update(tx, c).await
}

pub async fn by_id(pool: &AnyPool, card_id: i64) -> Result<Option<CardRow>, StoreError> {
    Ok(sqlx::query_as(&CardRow::select("card_id = $1"))
        .bind(card_id)
        .fetch_optional(pool)
        .await?)
}

pub async fn by_id_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    card_id: i64,
) -> Result<Option<CardRow>, StoreError> {
    let sql = format!(
        "{}{}",
        CardRow::select("card_id = $1"),
        engine.row_lock_clause()
    );
    Ok(sqlx::query_as(&sql)
        .bind(card_id)
        .fetch_optional(&mut **tx)
        .await?)
}

/// The cards with these ids, locked in id order where the engine needs it.
pub fn by_ids_for_update(reads: &mut Reads<'_>, engine: Engine, ids: &[i64]) -> Pending<CardRow> {
    let sql = format!(
        "{} ORDER BY card_id{}",
        CardRow::select("card_id IN ({in})"),
        engine.row_lock_clause()
    );
    reads.push_in(&sql, 0, |q| q, ids)
}

pub async fn by_token(pool: &AnyPool, token: &str) -> Result<Option<CardRow>, StoreError> {
    Ok(sqlx::query_as(&CardRow::select("card_token = $1"))
        .bind(token)
        .fetch_optional(pool)
        .await?)
}

/// The newest card holding the PAN with this fingerprint: its id, product
/// and masked number (what a payment needs before the authorizer loads it).
pub async fn newest_of_fingerprint(
    pool: &AnyPool,
    fingerprint: &str,
) -> Result<Option<(i64, String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT c.card_id, c.product_code, c.masked_pan FROM cards c \
         JOIN card_pans p ON p.pan_id = c.pan_id WHERE p.fingerprint = $1 \
         ORDER BY c.card_id DESC LIMIT 1",
    )
    .bind(fingerprint)
    .fetch_optional(pool)
    .await?)
}

/// The newest card holding this PAN (a renewal with the same PAN keeps one row).
pub async fn by_pan(pool: &AnyPool, pan_id: i64) -> Result<Option<CardRow>, StoreError> {
    let sql = format!(
        "{} ORDER BY card_id DESC LIMIT 1",
        CardRow::select("pan_id = $1")
    );
    Ok(sqlx::query_as(&sql)
        .bind(pan_id)
        .fetch_optional(pool)
        .await?)
}

/// How many cards hold this PAN, inside the caller's transaction.
pub async fn count_for_pan(tx: &mut Tx<'_>, pan_id: i64) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cards WHERE pan_id = $1")
        .bind(pan_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n)
}

pub async fn of_customer(pool: &AnyPool, customer_no: &str) -> Result<Vec<CardRow>, StoreError> {
    let sql = format!("{} ORDER BY card_id", CardRow::select("customer_no = $1"));
    Ok(sqlx::query_as(&sql)
        .bind(customer_no)
        .fetch_all(pool)
        .await?)
}

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "card_accounts")]
pub struct AccountRow {
    pub account_no: String,
    pub customer_no: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub card_type: CardType,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub created_at: i64,
}

/// Inserts cards (their ids are the database's), one statement per parameter limit.
pub async fn insert_many(tx: &mut Tx<'_>, rows: &[CardRow]) -> Result<(), StoreError> {
    crate::table::insert_all(tx, rows).await
}

pub async fn account(tx: &mut Tx<'_>, account_no: &str) -> Result<Option<AccountRow>, StoreError> {
    crate::table::by_key(&mut **tx, account_no).await
}
