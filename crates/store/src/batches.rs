//! POS batches, batch transactions and merchant payments.

use cardhost_domain::money::Currency;
use cardhost_domain::product::CardType;
use cardhost_domain::status::{BatchStatus, Network, OrderTxStatus, PaymentStatus, VposOp};
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table::Table;
use crate::Script;
use crate::{StoreError, Tx};

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "pos_batches")]
pub struct BatchRow {
    pub terminal_no: String,
    pub batch_no: i64,
    pub merchant_no: String,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: BatchStatus,
    pub open_date: i64,
    pub close_date: Option<i64>,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub sale_count: i64,
    pub sale_amount: i64,
    pub refund_count: i64,
    pub refund_amount: i64,
    pub void_count: i64,
    pub void_amount: i64,
}

impl BatchRow {
    /// A batch just opened: nothing in it yet.
    pub fn open(
        terminal_no: &str,
        batch_no: i64,
        merchant_no: &str,
        open_date: i64,
        currency: Currency,
    ) -> BatchRow {
        BatchRow {
            terminal_no: terminal_no.to_owned(),
            batch_no,
            merchant_no: merchant_no.to_owned(),
            status: BatchStatus::Open,
            open_date,
            close_date: None,
            currency,
            sale_count: 0,
            sale_amount: 0,
            refund_count: 0,
            refund_amount: 0,
            void_count: 0,
            void_amount: 0,
        }
    }
}

/// One batch: `$1` its terminal, `$2` its number.
const IN_BATCH: &str = "terminal_no = $1 AND batch_no = $2";

/// `sql` with the batch of [`IN_BATCH`] bound.
fn in_batch<'q, T: Table>(
    sql: &'q str,
    terminal_no: &'q str,
    batch_no: i64,
) -> sqlx::query::QueryAs<'q, sqlx::Any, T, sqlx::any::AnyArguments<'q>> {
    sqlx::query_as(sql).bind(terminal_no).bind(batch_no)
}

/// Creates the open batch row if it does not exist yet (one statement, for
/// the payment path that only needs it to exist).
pub async fn open_batch(
    tx: &mut Tx<'_>,
    terminal_no: &str,
    batch_no: i64,
    merchant_no: &str,
    currency: Currency,
    now_ms: i64,
) -> Result<(), StoreError> {
    let batch = OpenBatch {
        terminal_no: terminal_no.to_owned(),
        batch_no,
        merchant_no: merchant_no.to_owned(),
        currency,
        open_date: now_ms,
    };
    let batches = [batch];
    let mut script = Script::default();
    open_batches(&mut script, &batches);
    script.run(tx).await
}

/// The batch row, created open when it does not exist yet.
pub async fn ensure_batch(
    tx: &mut Tx<'_>,
    terminal_no: &str,
    batch_no: i64,
    merchant_no: &str,
    currency: Currency,
    now_ms: i64,
) -> Result<BatchRow, StoreError> {
    open_batch(tx, terminal_no, batch_no, merchant_no, currency, now_ms).await?;
    let sql = BatchRow::select(IN_BATCH);
    Ok(in_batch(&sql, terminal_no, batch_no)
        .fetch_one(&mut **tx)
        .await?)
}

pub async fn batch(
    pool: &AnyPool,
    terminal_no: &str,
    batch_no: i64,
) -> Result<Option<BatchRow>, StoreError> {
    let sql = BatchRow::select(IN_BATCH);
    Ok(in_batch(&sql, terminal_no, batch_no)
        .fetch_optional(pool)
        .await?)
}

pub async fn close_batch(tx: &mut Tx<'_>, b: &BatchRow) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE pos_batches SET status = $10, close_date = $3, sale_count = $4, sale_amount = $5, refund_count = $6, \
         refund_amount = $7, void_count = $8, void_amount = $9 WHERE terminal_no = $1 AND batch_no = $2",
    )
    .bind(&b.terminal_no)
    .bind(b.batch_no)
    .bind(b.close_date)
    .bind(b.sale_count)
    .bind(b.sale_amount)
    .bind(b.refund_count)
    .bind(b.refund_amount)
    .bind(b.void_count)
    .bind(b.void_amount)
    .bind(BatchStatus::Closed.name())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn next_batch(
    tx: &mut Tx<'_>,
    terminal_no: &str,
    batch_no: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE terminals SET open_batch_no = $2 WHERE terminal_no = $1")
        .bind(terminal_no)
        .bind(batch_no + 1)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "batch_transactions")]
pub struct BatchTxRow {
    pub process_id: i64,
    pub terminal_no: String,
    pub batch_no: i64,
    pub merchant_no: String,
    pub order_id: Option<String>,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub transaction_type: VposOp,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub masked_card_no: String,
    pub auth_code: String,
    pub rrn: String,
    pub installment_count: i64,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub card_type: CardType,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub network: Network,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: OrderTxStatus,
    pub created_at: i64,
    pub commission: Option<i64>,
    pub net: Option<i64>,
    pub payment_date: Option<String>,
}

pub async fn txs_of_batch(
    tx: &mut Tx<'_>,
    terminal_no: &str,
    batch_no: i64,
) -> Result<Vec<BatchTxRow>, StoreError> {
    let filter = format!("{IN_BATCH} ORDER BY process_id");
    let sql = BatchTxRow::select(&filter);
    Ok(in_batch(&sql, terminal_no, batch_no)
        .fetch_all(&mut **tx)
        .await?)
}

pub async fn txs_page(
    pool: &AnyPool,
    terminal_no: &str,
    batch_no: i64,
    offset: i64,
    limit: i64,
) -> Result<(Vec<BatchTxRow>, i64), StoreError> {
    tx_page(pool, IN_BATCH, (terminal_no, batch_no), (offset, limit)).await
}

pub async fn settle_tx(
    tx: &mut Tx<'_>,
    process_id: i64,
    commission: i64,
    net: i64,
    payment_date: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE batch_transactions SET commission = $2, net = $3, payment_date = $4 WHERE process_id = $1")
        .bind(process_id)
        .bind(commission)
        .bind(net)
        .bind(payment_date)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Adds a closed batch's share to the merchant's payment of `payment_date`.
pub async fn add_payment(
    tx: &mut Tx<'_>,
    merchant_no: &str,
    payment_date: &str,
    currency: Currency,
    gross: i64,
    commission: i64,
    count: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO merchant_payments (merchant_no, payment_date, currency, gross_amount, commission_amount, net_amount, transaction_count, status) \
         VALUES ($1, $2, $3, 0, 0, 0, 0, $4) ON CONFLICT (merchant_no, payment_date, currency) DO NOTHING",
    )
    .bind(merchant_no)
    .bind(payment_date)
    .bind(i64::from(currency))
    .bind(PaymentStatus::Pending.name())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE merchant_payments SET gross_amount = gross_amount + $4, commission_amount = commission_amount + $5, \
         net_amount = net_amount + $4 - $5, transaction_count = transaction_count + $6 \
         WHERE merchant_no = $1 AND payment_date = $2 AND currency = $3",
    )
    .bind(merchant_no)
    .bind(payment_date)
    .bind(i64::from(currency))
    .bind(gross)
    .bind(commission)
    .bind(count)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "merchant_payments")]
pub struct PaymentRow {
    pub merchant_no: String,
    pub payment_date: String,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Currency,
    pub gross_amount: i64,
    pub commission_amount: i64,
    pub net_amount: i64,
    pub transaction_count: i64,
    #[sqlx(try_from = "String")]
    #[table(by_name)]
    pub status: PaymentStatus,
    pub paid_at: Option<i64>,
}

/// A merchant's payments with value dates in `[start, end]` (`yyyyMMdd` compares as text).
pub async fn payments_between(
    pool: &AnyPool,
    merchant_no: &str,
    start: &str,
    end: &str,
) -> Result<Vec<PaymentRow>, StoreError> {
    Ok(sqlx::query_as(&PaymentRow::select(
        "merchant_no = $1 AND payment_date >= $2 AND payment_date <= $3 \
         ORDER BY payment_date, currency",
    ))
    .bind(merchant_no)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?)
}

/// The transactions a merchant is paid for on `payment_date`, paged.
pub async fn payment_txs(
    pool: &AnyPool,
    merchant_no: &str,
    payment_date: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<BatchTxRow>, i64), StoreError> {
    let filter = "merchant_no = $1 AND payment_date = $2";
    tx_page(
        pool,
        filter,
        (merchant_no, payment_date.to_owned()),
        (offset, limit),
    )
    .await
}

/// One page (`offset`, `limit`) of the batch transactions `filter` selects
/// with its `$1, $2` bound to `keys`, in process order, and their total.
async fn tx_page<K>(
    pool: &AnyPool,
    filter: &str,
    keys: (&str, K),
    (offset, limit): (i64, i64),
) -> Result<(Vec<BatchTxRow>, i64), StoreError>
where
    K: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone + Send + 'static,
{
    let ordered = format!("{filter} ORDER BY process_id LIMIT $3 OFFSET $4");
    let sql = BatchTxRow::select(&ordered);
    let rows = sqlx::query_as(&sql)
        .bind(keys.0)
        .bind(keys.1.clone())
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?;
    let count = format!("SELECT COUNT(*) FROM batch_transactions WHERE {filter}");
    let (total,): (i64,) = sqlx::query_as(&count)
        .bind(keys.0)
        .bind(keys.1)
        .fetch_one(pool)
        .await?;
    Ok((rows, total))
}

/// Pending payments whose date has come.
pub async fn due_payments(tx: &mut Tx<'_>, as_of: &str) -> Result<Vec<PaymentRow>, StoreError> {
    Ok(sqlx::query_as(&PaymentRow::select(
        "status = $2 AND payment_date <= $1 ORDER BY merchant_no, payment_date, currency",
    ))
    .bind(as_of)
    .bind(PaymentStatus::Pending.name())
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn count_due(pool: &AnyPool, as_of: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM merchant_payments WHERE status = $2 AND payment_date <= $1",
    )
    .bind(as_of)
    .bind(PaymentStatus::Pending.name())
    .fetch_one(pool)
    .await?;
    Ok(n)
}

pub async fn mark_paid(tx: &mut Tx<'_>, p: &PaymentRow, now_ms: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE merchant_payments SET status = $5, paid_at = $4 WHERE merchant_no = $1 AND payment_date = $2 AND currency = $3")
        .bind(&p.merchant_no)
        .bind(&p.payment_date)
        .bind(i64::from(p.currency))
        .bind(now_ms)
        .bind(PaymentStatus::Paid.name())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks a batch row (a void marks the row it voided `Voided`).
pub fn set_tx_status(script: &mut Script<'_>, process_id: i64, status: OrderTxStatus) {
    script.push(
        "UPDATE batch_transactions SET status = $1 WHERE process_id = $2",
        |q| q.bind(status.name()).bind(process_id),
    );
}

/// An open batch a payment lands in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpenBatch {
    pub terminal_no: String,
    pub batch_no: i64,
    pub merchant_no: String,
    pub currency: Currency,
    pub open_date: i64,
}

/// Creates the batch rows that do not exist yet, in one statement.
pub fn open_batches<'q>(script: &mut Script<'q>, batches: &'q [OpenBatch]) {
    script.insert(
        "pos_batches",
        &[
            "terminal_no",
            "batch_no",
            "merchant_no",
            "status",
            "open_date",
            "currency",
        ],
        " ON CONFLICT (terminal_no, batch_no) DO NOTHING",
        batches,
        |q, b| {
            q.bind(&b.terminal_no)
                .bind(b.batch_no)
                .bind(&b.merchant_no)
                .bind(BatchStatus::Open.name())
                .bind(b.open_date)
                .bind(i64::from(b.currency))
        },
    );
}

/// Inserts batch transactions, one statement per parameter limit.
pub fn insert_txs<'q>(script: &mut Script<'q>, rows: &'q [BatchTxRow]) {
    script.insert_table("", rows);
}
