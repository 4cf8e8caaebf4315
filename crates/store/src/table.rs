//! Tables whose rows are written and read whole: a row type derives
//! [`Table`] (`cardhost_macros::Table`), which names its table, takes its
//! fields as the columns, and binds them in that order. The statements that
//! insert, update and select it are made from that one declaration.

use sqlx::any::AnyRow;
use sqlx::FromRow;

use crate::sql::AnyQuery;
use crate::{Engine, StoreError, Tx};

/// A row type stored whole in one table, one column a field. Its key is
/// its first column, or a key the database generates.
pub trait Table: for<'r> FromRow<'r, AnyRow> + Send + Unpin {
    const NAME: &'static str;
    const KEY: &'static str;
    /// The columns an insert writes: all but a generated key.
    const COLUMNS: &'static [&'static str];
    /// Every column, as a select reads them.
    const READ: &'static [&'static str];

    /// Binds the row's values in the order of [`Table::COLUMNS`].
    fn bind<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q>;

    fn bind_key<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q>;

    /// `SELECT {every column} FROM {table} WHERE {filter}`.
    fn select(filter: &str) -> String {
        crate::sql::select(Self::NAME, Self::READ, filter)
    }

    /// `SELECT {every column} FROM {table} {tail}`: every row, `tail` ordering
    /// or limiting them.
    fn select_all(tail: &str) -> String {
        format!(
            "SELECT {} FROM {} {tail}",
            Self::READ.join(", "),
            Self::NAME
        )
    }

    /// `UPDATE {table} SET {columns} WHERE {key}`, the key bound last.
    fn update_sql() -> String {
        crate::sql::update_by_key(Self::NAME, Self::COLUMNS, Self::KEY)
    }
}

/// Inserts the row; a unique violation is [`StoreError::Duplicate`].
pub async fn insert<T: Table>(tx: &mut Tx<'_>, row: &T) -> Result<(), StoreError> {
    insert_or(&mut **tx, row, "").await
}

/// Inserts the row; `on_conflict` (an `ON CONFLICT …` clause, or nothing)
/// says what a row already there becomes.
pub async fn insert_or<'c, T, E>(exec: E, row: &T, on_conflict: &str) -> Result<(), StoreError>
where
    T: Table,
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let sql = crate::sql::insert(T::NAME, T::COLUMNS) + on_conflict;
    row.bind(sqlx::query(&sql))
        .execute(exec)
        .await
        .map_err(StoreError::from_insert)?;
    Ok(())
}

/// Inserts a row whose key the database generates, and returns that key.
pub async fn insert_generated<T: Table>(tx: &mut Tx<'_>, row: &T) -> Result<i64, StoreError> {
    let sql = format!(
        "{} RETURNING {}",
        crate::sql::insert(T::NAME, T::COLUMNS),
        T::KEY
    );
    let (id,): (i64,) = row
        .bind(sqlx::query(&sql))
        .fetch_one(&mut **tx)
        .await
        .map_err(StoreError::from_insert)
        .and_then(|row| FromRow::from_row(&row).map_err(StoreError::from))?;
    Ok(id)
}

/// Inserts every row, with as few statements as the parameter limit allows.
pub async fn insert_all<T: Table>(tx: &mut Tx<'_>, rows: &[T]) -> Result<(), StoreError> {
    let mut script = crate::Script::default();
    script.insert_table("", rows);
    script.run(tx).await
}

/// Writes every column of the row back, found by its key (under its row lock).
pub async fn update<T: Table>(tx: &mut Tx<'_>, row: &T) -> Result<(), StoreError> {
    let sql = T::update_sql();
    row.bind_key(row.bind(sqlx::query(&sql)))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The row whose `$1, $2, …` in `filter` are `keys`, if any.
pub async fn find<'c, T, E>(exec: E, filter: &str, keys: &[&str]) -> Result<Option<T>, StoreError>
where
    T: Table,
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    crate::sql::find(exec, &T::select(filter), keys).await
}

/// Every row whose `$1, $2, …` in `filter` are `keys`.
pub async fn find_all<'c, T, E>(exec: E, filter: &str, keys: &[&str]) -> Result<Vec<T>, StoreError>
where
    T: Table,
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    crate::sql::find_all(exec, &T::select(filter), keys).await
}

/// The row of this key, if any.
pub async fn by_key<'c, T, E>(exec: E, key: &str) -> Result<Option<T>, StoreError>
where
    T: Table,
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    find(exec, &format!("{} = $1", T::KEY), &[key]).await
}

/// The row of this key, locked until the transaction ends.
pub async fn by_key_for_update<T: Table>(
    tx: &mut Tx<'_>,
    engine: Engine,
    key: &str,
) -> Result<Option<T>, StoreError> {
    let filter = format!("{} = $1{}", T::KEY, engine.row_lock_clause());
    find(&mut **tx, &filter, &[key]).await
}
