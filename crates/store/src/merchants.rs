//! Merchants and terminals.

use cardhost_domain::money::Currency;
use cardhost_domain::status::{AcceptorStatus, Named, TerminalType};
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table::{self, Table};
use crate::{Engine, Pending, Reads, StoreError, Tx};

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "merchants")]
pub struct MerchantRow {
    pub merchant_no: String,
    pub merchant_name: String,
    pub trade_name: Option<String>,
    pub mcc: String,
    pub tax_no: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub zip_code: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub iban: Option<String>,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub pos_fee_profile_code: Option<String>,
    pub pos_authorization_profile_code: Option<String>,
    pub commission_profile_code: Option<String>,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub merchant_status: AcceptorStatus,
    pub vpos_enabled: i64,
    /// The VPOS store key, encrypted by the security module.
    pub vpos_store_key: Option<String>,
    pub open_date: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn merchant(
    pool: &AnyPool,
    merchant_no: &str,
) -> Result<Option<MerchantRow>, StoreError> {
    table::by_key(pool, merchant_no).await
}

pub async fn merchant_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    merchant_no: &str,
) -> Result<Option<MerchantRow>, StoreError> {
    table::by_key_for_update(tx, engine, merchant_no).await
}

/// Filters of `SearchMerchant`; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct MerchantFilter {
    pub name_contains: Option<String>,
    pub mcc: Option<String>,
    pub city: Option<String>,
    pub status: Option<AcceptorStatus>,
    pub tax_no: Option<String>,
}

/// One page of merchants in merchant number order (stable across pages), and the total.
pub async fn search_merchants(
    pool: &AnyPool,
    f: &MerchantFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<MerchantRow>, i64), StoreError> {
    let filter = "($1 = '' OR LOWER(merchant_name) LIKE '%' || LOWER($1) || '%') AND ($2 = '' OR mcc = $2) \
                  AND ($3 = '' OR LOWER(city) = LOWER($3)) AND ($4 = '' OR merchant_status = $4) AND ($5 = '' OR tax_no = $5)";
    let args = [
        text(&f.name_contains),
        text(&f.mcc),
        text(&f.city),
        name(f.status),
        text(&f.tax_no),
    ];
    filtered_page(pool, filter, &args, (offset, limit)).await
}

#[derive(Debug, Clone, Default, FromRow, Table)]
#[table(name = "terminals")]
pub struct TerminalRow {
    pub terminal_no: String,
    pub merchant_no: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub terminal_type: TerminalType,
    pub serial_no: Option<String>,
    pub model: Option<String>,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub terminal_status: AcceptorStatus,
    pub pos_authorization_profile_code: Option<String>,
    pub pos_fee_profile_code: Option<String>,
    pub address: Option<String>,
    pub open_batch_no: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn terminal(
    pool: &AnyPool,
    terminal_no: &str,
) -> Result<Option<TerminalRow>, StoreError> {
    table::by_key(pool, terminal_no).await
}

pub async fn terminal_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    terminal_no: &str,
) -> Result<Option<TerminalRow>, StoreError> {
    terminal_locked(tx, terminal_no, engine.row_lock_clause()).await
}

/// The terminal under a shared lock: its open batch cannot close until commit.
pub async fn terminal_for_share(
    tx: &mut Tx<'_>,
    engine: Engine,
    terminal_no: &str,
) -> Result<Option<TerminalRow>, StoreError> {
    terminal_locked(tx, terminal_no, engine.row_share_clause()).await
}

async fn terminal_locked(
    tx: &mut Tx<'_>,
    terminal_no: &str,
    lock_clause: &str,
) -> Result<Option<TerminalRow>, StoreError> {
    let filter = format!("terminal_no = $1{lock_clause}");
    table::find(&mut **tx, &filter, &[terminal_no]).await
}

pub async fn terminals_of(
    pool: &AnyPool,
    merchant_no: &str,
) -> Result<Vec<TerminalRow>, StoreError> {
    let filter = "merchant_no = $1 ORDER BY terminal_no";
    table::find_all(pool, filter, &[merchant_no]).await
}

#[derive(Debug, Clone, Default)]
pub struct TerminalFilter {
    pub merchant_no: Option<String>,
    pub terminal_type: Option<TerminalType>,
    pub status: Option<AcceptorStatus>,
    pub serial_no: Option<String>,
}

pub async fn search_terminals(
    pool: &AnyPool,
    f: &TerminalFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<TerminalRow>, i64), StoreError> {
    let filter = "($1 = '' OR merchant_no = $1) AND ($2 = '' OR terminal_type = $2) AND ($3 = '' OR terminal_status = $3) \
                  AND ($4 = '' OR serial_no = $4)";
    let args = [
        text(&f.merchant_no),
        name(f.terminal_type),
        name(f.status),
        text(&f.serial_no),
    ];
    filtered_page(pool, filter, &args, (offset, limit)).await
}

/// A filter's text, empty (matching everything) when not given.
fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// A filter's status or type as stored, empty when not given.
fn name<T: Named>(value: Option<T>) -> String {
    value.map_or_else(String::new, |v| v.name().to_owned())
}

/// One page (`offset`, `limit`) of `T`'s rows matching `filter` (whose
/// `$1..$n` are `args`, where an empty string matches everything), in key
/// order (stable across pages), and the total.
async fn filtered_page<T: Table>(
    pool: &AnyPool,
    filter: &str,
    args: &[String],
    (offset, limit): (i64, i64),
) -> Result<(Vec<T>, i64), StoreError> {
    let n = args.len();
    let table = T::NAME;
    let sql = format!(
        "{} ORDER BY {} LIMIT ${} OFFSET ${}",
        T::select(filter),
        T::KEY,
        n + 1,
        n + 2
    );
    let mut q = sqlx::query_as::<_, T>(&sql);
    for a in args {
        q = q.bind(a.as_str());
    }
    let rows = q.bind(limit).bind(offset).fetch_all(pool).await?;
    let count_sql = format!("SELECT COUNT(*) FROM {table} WHERE {filter}");
    let mut c = sqlx::query_as::<_, (i64,)>(&count_sql);
    for a in args {
        c = c.bind(a.as_str());
    }
    let (total,) = c.fetch_one(pool).await?;
    Ok((rows, total))
}

/// These terminals under a shared lock, in key order where the engine needs it.
pub fn terminals_for_share(
    reads: &mut Reads<'_>,
    engine: Engine,
    terminal_nos: &[String],
) -> Pending<TerminalRow> {
    let sql = format!(
        "SELECT {} FROM terminals WHERE terminal_no IN ({{in}}) ORDER BY terminal_no{}",
        TerminalRow::COLUMNS.join(", "),
        engine.row_share_clause()
    );
    reads.push_in(&sql, 0, |q| q, terminal_nos)
}
