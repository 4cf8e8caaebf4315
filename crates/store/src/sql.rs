//! Statement text for tables written whole-row from a column list, and the
//! multi-row forms the authorizer's batches use: one statement per table per
//! batch, whatever the batch's size (each statement is a round trip: a thread
//! hand-off on SQLite, a network trip on PostgreSQL).

use std::fmt::Write;

use crate::{StoreError, Tx};

pub type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// The statement as this connection should run it. SQLite finds a named
/// parameter (`$n`) by walking the statement's list of them, once when it
/// parses and again when sqlx binds: quadratic in the hundreds of parameters
/// of a multi-row statement, and a tenth of the server's time under load.
/// Anonymous `?`s skip both walks; they number themselves in order of
/// appearance, so only a statement whose `$n` run 1, 2, 3… in order takes them.
pub fn for_connection(conn: &sqlx::AnyConnection, sql: String) -> String {
    if conn.backend_name() != "SQLite" {
        return sql;
    }
    anonymous(&sql).unwrap_or(sql)
}

/// `sql` with `$1, $2, …` as `?`, or `None` when they are not in that order.
pub fn anonymous(sql: &str) -> Option<String> {
    let mut expected = 0;
    map_parameters(sql, |n, out| {
        expected += 1;
        out.push('?');
        n == expected
    })
}

/// `sql` with each `$n` replaced by what `map` writes for `n` onto the
/// text, or `None` when `map` refuses one (answers false).
pub fn map_parameters(
    sql: &str,
    mut map: impl FnMut(usize, &mut String) -> bool,
) -> Option<String> {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let n: usize = rest[at + 1..at + 1 + digits].parse().ok()?;
        if !map(n, &mut out) {
            return None;
        }
        rest = &rest[at + 1 + digits..];
    }
    out.push_str(rest);
    Some(out)
}

/// `SELECT {columns} FROM {table} WHERE {filter}`.
pub fn select(table: &str, columns: &[&str], filter: &str) -> String {
    format!("SELECT {} FROM {table} WHERE {filter}", columns.join(", "))
}

/// `sql` with its `$1, $2, …` bound to `keys`, reading rows as `R`.
fn keyed<'q, R>(
    sql: &'q str,
    keys: &[&'q str],
) -> sqlx::query::QueryAs<'q, sqlx::Any, R, sqlx::any::AnyArguments<'q>>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    keys.iter()
        .fold(sqlx::query_as::<_, R>(sql), |query, key| query.bind(*key))
}

/// The row `sql` selects with its `$1, $2, …` bound to `keys`, if any.
pub async fn find<'c, R, E>(exec: E, sql: &str, keys: &[&str]) -> Result<Option<R>, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    Ok(keyed(sql, keys).fetch_optional(exec).await?)
}

/// Every row `sql` selects with its `$1, $2, …` bound to `keys`.
pub async fn find_all<'c, R, E>(exec: E, sql: &str, keys: &[&str]) -> Result<Vec<R>, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    Ok(keyed(sql, keys).fetch_all(exec).await?)
}

/// Binds one row's columns, in the order of its column list.
pub type BindRow<R> = for<'q> fn(AnyQuery<'q>, &'q R) -> AnyQuery<'q>;

/// Bound parameters in one statement at most: SQLite's limit is 32,766,
/// PostgreSQL's 65,535.
pub const MAX_BINDS: usize = 32_000;

/// Keys padded to the next power of two with copies of the last, so that an
/// `IN` list takes one of a few statement texts, which both engines keep
/// prepared (a new text is parsed and planned again, on PostgreSQL with an
/// extra round trip). A repeated key selects nothing twice.
pub fn padded<K: Clone>(keys: &[K]) -> Vec<K> {
    let mut out = keys.to_vec();
    if let Some(last) = keys.last() {
        out.resize(keys.len().next_power_of_two(), last.clone());
    }
    out
}

/// `$first, $first+1, …` for `count` parameters.
pub fn placeholders(first: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 6);
    push_placeholders(&mut out, first, count);
    out
}

/// [`placeholders`] written onto `out`: one buffer for a whole statement,
/// where a string per parameter made the texts of a batch's inserts a tenth
/// of the authorizer's own time (mostly allocation).
fn push_placeholders(out: &mut String, first: usize, count: usize) {
    for i in first..first + count {
        if i > first {
            out.push_str(", ");
        }
        out.push('$');
        // Writing to a String cannot fail.
        let _ = write!(out, "{i}");
    }
}

/// `INSERT INTO table (a, b) VALUES ($1, $2), ($3, $4) …` for `rows` rows,
/// followed by `suffix` (an `ON CONFLICT` clause, or nothing).
pub fn insert_values(table: &str, columns: &[&str], rows: usize, suffix: &str) -> String {
    let width = columns.len();
    let mut out = String::with_capacity(64 + rows * width * 7 + suffix.len());
    let _ = write!(out, "INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        push_placeholders(&mut out, r * width + 1, width);
        out.push(')');
    }
    out.push_str(suffix);
    out
}

/// Inserts every row with as few statements as the parameter limit allows.
/// A unique violation is [`StoreError::Duplicate`].
pub async fn insert_rows<R>(
    tx: &mut Tx<'_>,
    table: &str,
    columns: &[&str],
    suffix: &str,
    rows: &[R],
    bind: BindRow<R>,
) -> Result<(), StoreError> {
    let mut script = crate::Script::default();
    script.insert(table, columns, suffix, rows, bind);
    script.run(tx).await
}

/// `INSERT INTO table (a, b) VALUES ($1, $2)`.
pub fn insert(table: &str, columns: &[&str]) -> String {
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        placeholders.join(", ")
    )
}

/// `UPDATE table SET a = $1, b = $2 WHERE key = $n+1`, the key bound last.
pub fn update_by_key(table: &str, columns: &[&str], key: &str) -> String {
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    format!(
        "UPDATE {table} SET {} WHERE {key} = ${}",
        sets.join(", "),
        columns.len() + 1
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements() {
        assert_eq!(
            super::insert("t", &["a", "b"]),
            "INSERT INTO t (a, b) VALUES ($1, $2)"
        );
        assert_eq!(
            super::update_by_key("t", &["b", "c"], "id"),
            "UPDATE t SET b = $1, c = $2 WHERE id = $3"
        );
        assert_eq!(
            super::insert_values("t", &["a", "b"], 2, " ON CONFLICT DO NOTHING"),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING"
        );
    }

    #[test]
    fn parameters_in_order_become_anonymous_and_others_stay_named() {
        assert_eq!(
            super::anonymous("SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)").as_deref(),
            Some("SELECT a FROM t WHERE b = ? AND c IN (?, ?)")
        );
        assert_eq!(super::anonymous("UPDATE t SET b = $2 WHERE a = $1"), None);
    }
}
