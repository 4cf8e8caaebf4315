//! Writes gathered first and sent together.
//!
//! - On SQLite every statement whose parameters run `$1, $2, …` in order goes
//!   in one multi-statement text: one hand-off to the connection's thread for
//!   the lot (sqlx runs them in turn, passing the parameters on in order).
//! - PostgreSQL's extended protocol takes one statement at a time, so the
//!   statements between two [`Script::barrier`]s become one statement of
//!   data-modifying `WITH` parts, their parameters renumbered: one round trip.
//!   The parts run on one snapshot, so none may need a row another part of the
//!   same group writes; foreign keys are checked at the end of the statement.

use std::borrow::Cow;
use std::fmt::Write;

use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, Execute};

use crate::sql::{anonymous, insert_values, map_parameters, AnyQuery, MAX_BINDS};
use crate::table::Table;
use crate::StoreError;

struct Statement<'q> {
    /// Borrowed when the statement text is made once for every script.
    sql: Cow<'static, str>,
    args: AnyArguments<'q>,
    /// Runs after the statements before it have finished (PostgreSQL groups
    /// stop here).
    after_barrier: bool,
}

#[derive(Default)]
pub struct Script<'q> {
    statements: Vec<Statement<'q>>,
    barrier: bool,
    /// A value that failed to encode: the script fails when it runs.
    failed: Option<String>,
}

impl<'q> Script<'q> {
    /// One statement; `bind` gives it its parameters in order.
    pub fn push(
        &mut self,
        sql: impl Into<Cow<'static, str>>,
        bind: impl FnOnce(AnyQuery<'q>) -> AnyQuery<'q>,
    ) {
        let mut query = bind(sqlx::query(""));
        match query.take_arguments() {
            Ok(args) => self.statements.push(Statement {
                sql: sql.into(),
                args: args.unwrap_or_default(),
                after_barrier: std::mem::take(&mut self.barrier),
            }),
            Err(e) => self.failed = Some(e.to_string()),
        }
    }

    /// A statement without parameters, in its place in the script. For
    /// `COMMIT` on SQLite only: PostgreSQL runs a group as `WITH` parts,
    /// which cannot hold transaction control.
    pub fn execute(&mut self, sql: &'static str) {
        self.push(sql, |q| q);
    }

    /// The statements after this see what those before it wrote.
    pub fn barrier(&mut self) {
        self.barrier = true;
    }

    /// A multi-row `INSERT` of `rows` (more than one statement only past the
    /// parameter limit), followed by `suffix`.
    pub fn insert<R>(
        &mut self,
        table: &str,
        columns: &[&str],
        suffix: &str,
        rows: &'q [R],
        bind: impl Fn(AnyQuery<'q>, &'q R) -> AnyQuery<'q>,
    ) {
        let per_statement = (MAX_BINDS / columns.len()).max(1);
        for chunk in rows.chunks(per_statement) {
            let sql = insert_values(table, columns, chunk.len(), suffix);
            self.push(sql, |mut q| {
                for row in chunk {
                    q = bind(q, row);
                }
                q
            });
        }
    }

    /// Inserts the rows of a [`Table`] (see [`Script::insert`]).
    pub fn insert_table<T: Table>(&mut self, suffix: &str, rows: &'q [T]) {
        self.insert(T::NAME, T::COLUMNS, suffix, rows, |q, row| row.bind(q));
    }

    /// Runs every statement in order. A unique violation is [`StoreError::Duplicate`].
    pub async fn run(self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        if let Some(cause) = self.failed {
            return Err(StoreError::Malformed(cause));
        }
        if conn.backend_name() != "SQLite" {
            return run_grouped(conn, self.statements).await;
        }
        let mut text = String::new();
        let mut args = AnyArguments::default();
        for s in self.statements {
            match anonymous(&s.sql) {
                Some(sql) => {
                    text.push_str(&sql);
                    text.push_str(";\n");
                    append(&mut args, s.args);
                }
                None => {
                    let pending = std::mem::take(&mut args);
                    execute(conn, &std::mem::take(&mut text), pending).await?;
                    execute(conn, &s.sql, s.args).await?;
                }
            }
        }
        execute(conn, &text, args).await
    }
}

/// PostgreSQL: each group between barriers as one `WITH` statement.
async fn run_grouped(
    conn: &mut AnyConnection,
    statements: Vec<Statement<'_>>,
) -> Result<(), StoreError> {
    let mut group: Vec<Statement<'_>> = Vec::new();
    for s in statements {
        if s.after_barrier && !group.is_empty() {
            run_group(conn, std::mem::take(&mut group)).await?;
        }
        group.push(s);
    }
    run_group(conn, group).await
}

async fn run_group(
    conn: &mut AnyConnection,
    mut group: Vec<Statement<'_>>,
) -> Result<(), StoreError> {
    if group.len() <= 1 {
        return match group.pop() {
            Some(s) => execute(conn, &s.sql, s.args).await,
            None => Ok(()),
        };
    }
    let mut parts = Vec::with_capacity(group.len());
    let mut args = AnyArguments::default();
    for (i, s) in group.into_iter().enumerate() {
        parts.push(format!(
            "w{i} AS ({})",
            renumbered(&s.sql, args.values.0.len())
        ));
        append(&mut args, s.args);
    }
    execute(conn, &format!("WITH {} SELECT 1", parts.join(", ")), args).await
}

/// `sql` with every `$n` as `$(n + offset)`.
fn renumbered(sql: &str, offset: usize) -> String {
    map_parameters(sql, |n, out| write!(out, "${}", n + offset).is_ok())
        .unwrap_or_else(|| sql.to_owned())
}

async fn execute(
    conn: &mut AnyConnection,
    sql: &str,
    args: AnyArguments<'_>,
) -> Result<(), StoreError> {
    if sql.is_empty() {
        return Ok(());
    }
    sqlx::query_with(sql, args)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::from_insert)?;
    Ok(())
}

/// sqlx has no public way to join two argument lists; its buffer is a public
/// (if undocumented) vector, pinned with the rest of sqlx by Cargo.lock.
fn append<'q>(into: &mut AnyArguments<'q>, from: AnyArguments<'q>) {
    into.values.0.extend(from.values.0);
}

#[cfg(test)]
mod tests {
    #[test]
    fn parameters_move_up_by_the_offset() {
        assert_eq!(
            super::renumbered("UPDATE t SET a = $2 WHERE b = $1", 3),
            "UPDATE t SET a = $5 WHERE b = $4"
        );
    }
}
