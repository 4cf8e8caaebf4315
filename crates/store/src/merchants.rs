//! Merchants and terminals.

use sqlx::{AnyPool, FromRow};

use crate::{Engine, Pending, Reads, StoreError, Tx};

#[derive(Debug, Clone, Default, FromRow)]
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
    pub currency: i64,
    pub pos_fee_profile_code: Option<String>,
    pub pos_authorization_profile_code: Option<String>,
    pub commission_profile_code: Option<String>,
    pub merchant_status: String,
    pub vpos_enabled: i64,
    /// The VPOS store key, encrypted by the security module.
    pub vpos_store_key: Option<String>,
    pub open_date: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const MERCHANT_COLUMNS: [&str; 22] = [
    "merchant_no",
    "merchant_name",
    "trade_name",
    "mcc",
    "tax_no",
    "address",
    "city",
    "country",
    "zip_code",
    "email",
    "phone",
    "iban",
    "currency",
    "pos_fee_profile_code",
    "pos_authorization_profile_code",
    "commission_profile_code",
    "merchant_status",
    "vpos_enabled",
    "vpos_store_key",
    "open_date",
    "created_at",
    "updated_at",
];

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_merchant<'q>(q: AnyQuery<'q>, m: &'q MerchantRow) -> AnyQuery<'q> {
    q.bind(&m.merchant_no)
        .bind(&m.merchant_name)
        .bind(m.trade_name.as_deref())
        .bind(&m.mcc)
        .bind(m.tax_no.as_deref())
        .bind(m.address.as_deref())
        .bind(m.city.as_deref())
        .bind(&m.country)
        .bind(m.zip_code.as_deref())
        .bind(m.email.as_deref())
        .bind(m.phone.as_deref())
        .bind(m.iban.as_deref())
        .bind(m.currency)
        .bind(m.pos_fee_profile_code.as_deref())
        .bind(m.pos_authorization_profile_code.as_deref())
        .bind(m.commission_profile_code.as_deref())
        .bind(&m.merchant_status)
        .bind(m.vpos_enabled)
        .bind(m.vpos_store_key.as_deref())
        .bind(&m.open_date)
        .bind(m.created_at)
        .bind(m.updated_at)
}

pub async fn insert_merchant(tx: &mut Tx<'_>, m: &MerchantRow) -> Result<(), StoreError> {
    let sql = crate::sql::insert("merchants", &MERCHANT_COLUMNS);
    bind_merchant(sqlx::query(&sql), m)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_insert)?;
    Ok(())
}

pub async fn update_merchant(tx: &mut Tx<'_>, m: &MerchantRow) -> Result<(), StoreError> {
    let sql = crate::sql::update_by_first("merchants", &MERCHANT_COLUMNS);
    bind_merchant(sqlx::query(&sql), m)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn merchant(
    pool: &AnyPool,
    merchant_no: &str,
) -> Result<Option<MerchantRow>, StoreError> {
    let sql = crate::sql::select("merchants", &MERCHANT_COLUMNS, "merchant_no = $1");
    crate::sql::find(pool, &sql, &[merchant_no]).await
}

pub async fn merchant_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    merchant_no: &str,
) -> Result<Option<MerchantRow>, StoreError> {
    let filter = format!("merchant_no = $1{}", engine.row_lock_clause());
    let sql = crate::sql::select("merchants", &MERCHANT_COLUMNS, &filter);
    crate::sql::find(&mut **tx, &sql, &[merchant_no]).await
}

/// Filters of `SearchMerchant`; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct MerchantFilter {
    pub name_contains: Option<String>,
    pub mcc: Option<String>,
    pub city: Option<String>,
    pub status: Option<String>,
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
    let args = [&f.name_contains, &f.mcc, &f.city, &f.status, &f.tax_no]
        .map(|v| v.clone().unwrap_or_default());
    filtered_page(
        pool,
        Listing {
            table: "merchants",
            columns: &MERCHANT_COLUMNS,
            order: "merchant_no",
        },
        filter,
        &args,
        offset,
        limit,
    )
    .await
}

#[derive(Debug, Clone, Default, FromRow)]
pub struct TerminalRow {
    pub terminal_no: String,
    pub merchant_no: String,
    pub terminal_type: String,
    pub serial_no: Option<String>,
    pub model: Option<String>,
    pub terminal_status: String,
    pub pos_authorization_profile_code: Option<String>,
    pub pos_fee_profile_code: Option<String>,
    pub address: Option<String>,
    pub open_batch_no: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const TERMINAL_COLUMNS: [&str; 12] = [
    "terminal_no",
    "merchant_no",
    "terminal_type",
    "serial_no",
    "model",
    "terminal_status",
    "pos_authorization_profile_code",
    "pos_fee_profile_code",
    "address",
    "open_batch_no",
    "created_at",
    "updated_at",
];

fn bind_terminal<'q>(q: AnyQuery<'q>, t: &'q TerminalRow) -> AnyQuery<'q> {
    q.bind(&t.terminal_no)
        .bind(&t.merchant_no)
        .bind(&t.terminal_type)
        .bind(t.serial_no.as_deref())
        .bind(t.model.as_deref())
        .bind(&t.terminal_status)
        .bind(t.pos_authorization_profile_code.as_deref())
        .bind(t.pos_fee_profile_code.as_deref())
        .bind(t.address.as_deref())
        .bind(t.open_batch_no)
        .bind(t.created_at)
        .bind(t.updated_at)
}

pub async fn insert_terminal(tx: &mut Tx<'_>, t: &TerminalRow) -> Result<(), StoreError> {
    let sql = crate::sql::insert("terminals", &TERMINAL_COLUMNS);
    bind_terminal(sqlx::query(&sql), t)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_insert)?;
    Ok(())
}

pub async fn update_terminal(tx: &mut Tx<'_>, t: &TerminalRow) -> Result<(), StoreError> {
    let sql = crate::sql::update_by_first("terminals", &TERMINAL_COLUMNS);
    bind_terminal(sqlx::query(&sql), t)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn terminal(
    pool: &AnyPool,
    terminal_no: &str,
) -> Result<Option<TerminalRow>, StoreError> {
    let sql = crate::sql::select("terminals", &TERMINAL_COLUMNS, "terminal_no = $1");
    crate::sql::find(pool, &sql, &[terminal_no]).await
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
    let sql = crate::sql::select("terminals", &TERMINAL_COLUMNS, &filter);
    crate::sql::find(&mut **tx, &sql, &[terminal_no]).await
}

pub async fn terminals_of(
    pool: &AnyPool,
    merchant_no: &str,
) -> Result<Vec<TerminalRow>, StoreError> {
    let sql = crate::sql::select(
        "terminals",
        &TERMINAL_COLUMNS,
        "merchant_no = $1 ORDER BY terminal_no",
    );
    crate::sql::find_all(pool, &sql, &[merchant_no]).await
}

#[derive(Debug, Clone, Default)]
pub struct TerminalFilter {
    pub merchant_no: Option<String>,
    pub terminal_type: Option<String>,
    pub status: Option<String>,
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
    let args = [&f.merchant_no, &f.terminal_type, &f.status, &f.serial_no]
        .map(|v| v.clone().unwrap_or_default());
    filtered_page(
        pool,
        Listing {
            table: "terminals",
            columns: &TERMINAL_COLUMNS,
            order: "terminal_no",
        },
        filter,
        &args,
        offset,
        limit,
    )
    .await
}

/// What a search lists: a table, its columns, and the (stable) order.
#[derive(Clone, Copy)]
struct Listing<'a> {
    table: &'a str,
    columns: &'a [&'a str],
    order: &'a str,
}

/// One page of `table` rows matching `filter` (whose `$1..$n` are `args`, where
/// an empty string matches everything), ordered by `order`, and the total.
async fn filtered_page<T>(
    pool: &AnyPool,
    listing: Listing<'_>,
    filter: &str,
    args: &[String],
    offset: i64,
    limit: i64,
) -> Result<(Vec<T>, i64), StoreError>
where
    T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let Listing {
        table,
        columns,
        order,
    } = listing;
    let n = args.len();
    let sql = format!(
        "SELECT {} FROM {table} WHERE {filter} ORDER BY {order} LIMIT ${} OFFSET ${}",
        columns.join(", "),
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
        TERMINAL_COLUMNS.join(", "),
        engine.row_share_clause()
    );
    reads.push_in(&sql, 0, |q| q, terminal_nos)
}
