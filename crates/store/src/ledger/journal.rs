//! Ledger accounts, balances and the journal of balanced transfers.

use cardhost_domain::ledger::{Entry, Transfer, TransferKind, Unit};
use cardhost_macros::Table;
use sqlx::{AnyPool, FromRow};

use crate::table;
use crate::Script;
use crate::{Engine, Pending, Reads, StoreError, Tx};

/// Creates a ledger account if it does not exist yet.
pub async fn ensure_account(
    tx: &mut Tx<'_>,
    account: &str,
    unit: Unit,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ledger_accounts (ledger_account, currency, balance, blocked, created_at) VALUES ($1, $2, 0, 0, $3) \
         ON CONFLICT (ledger_account) DO NOTHING",
    )
    .bind(account)
    .bind(i64::from(unit))
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, FromRow)]
pub struct Balance {
    pub balance: i64,
    pub blocked: i64,
    #[sqlx(try_from = "i64")]
    pub currency: Unit,
}

impl Balance {
    /// A new account's: nothing in it yet.
    pub fn empty(unit: Unit) -> Balance {
        Balance {
            balance: 0,
            blocked: 0,
            currency: unit,
        }
    }
}

/// An account's balance and blocked amount, locked until commit where needed.
pub async fn balance_for_update(
    tx: &mut Tx<'_>,
    engine: Engine,
    account: &str,
) -> Result<Option<Balance>, StoreError> {
    let sql = format!(
        "SELECT balance, blocked, currency FROM ledger_accounts WHERE ledger_account = $1{}",
        engine.row_lock_clause()
    );
    Ok(sqlx::query_as(&sql)
        .bind(account)
        .fetch_optional(&mut **tx)
        .await?)
}

pub async fn balance(pool: &AnyPool, account: &str) -> Result<Option<Balance>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT balance, blocked, currency FROM ledger_accounts WHERE ledger_account = $1",
    )
    .bind(account)
    .fetch_optional(pool)
    .await?)
}

/// Records a transfer and its entries and moves the materialized balances.
/// A `Transfer` sums to zero per unit by construction.
pub async fn post_transfer(
    tx: &mut Tx<'_>,
    transfer_id: i64,
    process_id: i64,
    kind: TransferKind,
    transfer: &Transfer,
    now_ms: i64,
) -> Result<(), StoreError> {
    let header = TransferRow {
        transfer_id,
        process_id,
        kind: kind.name().to_owned(),
        created_at: now_ms,
    };
    table::insert(tx, &header).await?;
    for entry in EntryRow::of(transfer_id, transfer) {
        table::insert(tx, &entry).await?;
        sqlx::query("UPDATE ledger_accounts SET balance = balance + $2 WHERE ledger_account = $1")
            .bind(&entry.ledger_account)
            .bind(entry.amount)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn add_blocked(tx: &mut Tx<'_>, account: &str, delta: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE ledger_accounts SET blocked = blocked + $2 WHERE ledger_account = $1")
        .bind(account)
        .bind(delta)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Reserves `count` consecutive values of a counter in a statement of its
/// own (so no batch holds the counter row), returning the first.
pub async fn reserve_ids(pool: &AnyPool, counter: &str, count: i64) -> Result<i64, StoreError> {
    let [first] = reserve_id_blocks(pool, [(counter, count)]).await?;
    Ok(first)
}

/// Takes `$2` values of counter `$1`, answering the value after them.
const RESERVE: &str = "UPDATE id_counters SET next_value = next_value + $2 \
    WHERE counter_name = $1 RETURNING next_value";

/// [`RESERVE`] whose commit does not wait for its WAL flush: WAL is flushed
/// in order, so any durable transaction that used these ids made this one
/// durable too, and ids lost in a crash were used by nothing that survived
/// it. `set_config(…, true)` lasts until the statement's own commit.
const RESERVE_NO_FLUSH: &str = "UPDATE id_counters SET next_value = next_value + $2 \
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush \
    WHERE counter_name = $1 RETURNING next_value";

/// Reserves a block of each (counter, count), returning each block's first
/// value. Each block is one statement committed on its own: one round trip,
/// and no counter row stays locked while another is asked for.
pub async fn reserve_id_blocks<const N: usize>(
    pool: &AnyPool,
    blocks: [(&str, i64); N],
) -> Result<[i64; N], StoreError> {
    let mut conn = pool.acquire().await?;
    let sql = if conn.backend_name() == "SQLite" {
        RESERVE
    } else {
        RESERVE_NO_FLUSH
    };
    let mut firsts = [0; N];
    for (first, (counter, count)) in firsts.iter_mut().zip(blocks) {
        let (next,): (i64,) = sqlx::query_as(sql)
            .bind(counter)
            .bind(count)
            .fetch_one(&mut *conn)
            .await?;
        *first = next - count;
    }
    Ok(firsts)
}

/// A posted entry as a reversal reads it back.
#[derive(Debug, Clone, FromRow)]
pub struct PostedEntry {
    pub ledger_account: String,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    pub currency: Unit,
}

/// As the leg of a transfer.
impl From<PostedEntry> for Entry {
    fn from(e: PostedEntry) -> Entry {
        (e.ledger_account, e.amount, e.currency)
    }
}

/// The entries of the transfer a transaction posted (for an exact reversal).
pub async fn entries_of_process(
    tx: &mut Tx<'_>,
    process_id: i64,
) -> Result<Vec<PostedEntry>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT e.ledger_account, e.amount, e.currency FROM ledger_entries e \
         JOIN ledger_transfers t ON t.transfer_id = e.transfer_id WHERE t.process_id = $1 ORDER BY e.entry_id",
    )
    .bind(process_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// A materialized balance with its account's name.
#[derive(Debug, Clone, FromRow)]
pub struct AccountBalance {
    pub ledger_account: String,
    pub balance: i64,
    pub blocked: i64,
    #[sqlx(try_from = "i64")]
    pub currency: Unit,
}

/// Balances of the accounts `names` selects (a list or a sub-select), locked
/// in name order where the engine needs it.
fn balances_of(names: &str, engine: Engine) -> String {
    format!(
        "SELECT ledger_account, balance, blocked, currency FROM ledger_accounts \
         WHERE ledger_account IN ({names}) ORDER BY ledger_account{}",
        engine.row_lock_clause()
    )
}

/// These accounts' balances.
pub fn balances_for_update(
    reads: &mut Reads<'_>,
    engine: Engine,
    accounts: &[String],
) -> Pending<AccountBalance> {
    reads.push_in(&balances_of("{in}", engine), 0, |q| q, accounts)
}

/// The balances of these cards' accounts (`card:{account_no}`, as
/// `Account::Card` names them): read in the same round trip as the cards.
pub fn card_balances_for_update(
    reads: &mut Reads<'_>,
    engine: Engine,
    card_ids: &[i64],
) -> Pending<AccountBalance> {
    let names = "SELECT 'card:' || account_no FROM cards WHERE card_id IN ({in})";
    reads.push_in(&balances_of(names, engine), 0, |q| q, card_ids)
}

/// A posted entry with the transaction that posted it.
#[derive(Debug, Clone, FromRow)]
pub struct ProcessEntry {
    pub process_id: i64,
    #[sqlx(flatten)]
    pub entry: PostedEntry,
}

/// The entries these transactions posted, with their process id, in posting order.
pub fn entries_of_processes(reads: &mut Reads<'_>, process_ids: &[i64]) -> Pending<ProcessEntry> {
    reads.push_in(
        "SELECT t.process_id, e.ledger_account, e.amount, e.currency FROM ledger_entries e \
         JOIN ledger_transfers t ON t.transfer_id = e.transfer_id WHERE t.process_id IN ({in}) ORDER BY e.entry_id",
        0,
        |q| q,
        process_ids,
    )
}

/// A journal transfer's header.
#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "ledger_transfers")]
pub struct TransferRow {
    pub transfer_id: i64,
    pub process_id: i64,
    pub kind: String,
    pub created_at: i64,
}

/// One entry of a transfer: signed minor units, positive credits the account.
#[derive(Debug, Clone, FromRow, Table)]
#[table(name = "ledger_entries")]
pub struct EntryRow {
    pub transfer_id: i64,
    pub ledger_account: String,
    pub amount: i64,
    #[sqlx(try_from = "i64")]
    #[table(by_numeric)]
    pub currency: Unit,
}

impl EntryRow {
    /// The rows of a transfer's entries.
    pub fn of(transfer_id: i64, transfer: &Transfer) -> impl Iterator<Item = EntryRow> + '_ {
        transfer
            .entries()
            .iter()
            .map(move |(account, amount, unit)| EntryRow {
                transfer_id,
                ledger_account: account.clone(),
                amount: *amount,
                currency: *unit,
            })
    }
}

const ACCOUNT_COLUMNS: [&str; 5] = [
    "ledger_account",
    "currency",
    "balance",
    "blocked",
    "created_at",
];

/// Creates the accounts that do not exist yet, in one statement.
pub fn ensure_accounts<'q>(script: &mut Script<'q>, accounts: &'q [(String, Unit)], now_ms: i64) {
    script.insert(
        "ledger_accounts",
        &ACCOUNT_COLUMNS,
        " ON CONFLICT (ledger_account) DO NOTHING",
        accounts,
        |q, (account, unit)| {
            q.bind(account)
                .bind(i64::from(*unit))
                .bind(0_i64)
                .bind(0_i64)
                .bind(now_ms)
        },
    );
}

/// Writes transfers and their entries (the caller checked each transfer
/// balances per unit), two statements for any number.
pub fn insert_transfers<'q>(
    script: &mut Script<'q>,
    transfers: &'q [TransferRow],
    entries: &'q [EntryRow],
) {
    script.insert_table("", transfers);
    script.insert_table("", entries);
}

/// Moves materialized balances and blocked amounts by (account, Δbalance,
/// Δblocked), one statement for any number of accounts.
pub fn move_balances<'q>(script: &mut Script<'q>, moves: &'q [(String, i64, i64)]) {
    // Five parameters an account; stay well inside the parameter limit.
    for chunk in moves.chunks(5_000) {
        let n = chunk.len();
        // Every parameter appears once, in order, so SQLite can take them anonymously.
        let cases = |first: usize| {
            (0..n)
                .map(|i| format!("WHEN ${} THEN ${}", first + 2 * i, first + 2 * i + 1))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let sql = format!(
            "UPDATE ledger_accounts SET balance = balance + CASE ledger_account {} ELSE 0 END, \
             blocked = blocked + CASE ledger_account {} ELSE 0 END WHERE ledger_account IN ({})",
            cases(1),
            cases(2 * n + 1),
            crate::sql::placeholders(4 * n + 1, n)
        );
        script.push(sql, |mut q| {
            for (account, balance, _) in chunk {
                q = q.bind(account).bind(*balance);
            }
            for (account, _, blocked) in chunk {
                q = q.bind(account).bind(*blocked);
            }
            for (account, _, _) in chunk {
                q = q.bind(account);
            }
            q
        });
    }
}

/// Creates accounts with an opening balance: (account, unit, balance).
/// The caller posts the transfer whose entries make up those balances.
pub async fn open_accounts(
    tx: &mut Tx<'_>,
    accounts: &[(String, Unit, i64)],
    now_ms: i64,
) -> Result<(), StoreError> {
    let rows: Vec<(&str, i64, i64, i64)> = accounts
        .iter()
        .map(|(a, u, b)| (a.as_str(), i64::from(*u), *b, now_ms))
        .collect();
    crate::sql::insert_rows(
        tx,
        "ledger_accounts",
        &ACCOUNT_COLUMNS,
        "",
        &rows,
        |q, r| q.bind(r.0).bind(r.1).bind(r.2).bind(0_i64).bind(r.3),
    )
    .await
}
