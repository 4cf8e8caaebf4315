//! Writes gathered first and sent together. On SQLite every statement of a
//! script whose parameters run `$1, $2, …` in order goes in one
//! multi-statement text, one hand-off to the connection's thread for the lot
//! (sqlx runs them in turn, passing the parameters on in order). PostgreSQL's
//! extended protocol takes one statement at a time, so there each runs alone.

use sqlx::any::AnyArguments;
use sqlx::Execute;

use crate::sql::{anonymous, insert_values, AnyQuery, MAX_BINDS};
use crate::{StoreError, Tx};

struct Statement<'q> {
    sql: String,
    args: AnyArguments<'q>,
}

#[derive(Default)]
pub struct Script<'q> {
    statements: Vec<Statement<'q>>,
    /// A value that failed to encode: the script fails when it runs.
    failed: Option<String>,
}

impl<'q> Script<'q> {
    /// One statement; `bind` gives it its parameters in order.
    pub fn push(&mut self, sql: String, bind: impl FnOnce(AnyQuery<'q>) -> AnyQuery<'q>) {
        let mut query = bind(sqlx::query(""));
        match query.take_arguments() {
            Ok(args) => self.statements.push(Statement {
                sql,
                args: args.unwrap_or_default(),
            }),
            Err(e) => self.failed = Some(e.to_string()),
        }
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

    /// Runs every statement in order. A unique violation is [`StoreError::Duplicate`].
    pub async fn run(self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        if let Some(cause) = self.failed {
            return Err(StoreError::Malformed(cause));
        }
        if tx.backend_name() != "SQLite" {
            for s in self.statements {
                execute(tx, &s.sql, s.args).await?;
            }
            return Ok(());
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
                    execute(tx, &std::mem::take(&mut text), pending).await?;
                    execute(tx, &s.sql, s.args).await?;
                }
            }
        }
        execute(tx, &text, args).await
    }
}

async fn execute(tx: &mut Tx<'_>, sql: &str, args: AnyArguments<'_>) -> Result<(), StoreError> {
    if sql.is_empty() {
        return Ok(());
    }
    sqlx::query_with(sql, args)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_insert)?;
    Ok(())
}

/// sqlx has no public way to join two argument lists; its buffer is a public
/// (if undocumented) vector, pinned with the rest of sqlx by Cargo.lock.
fn append<'q>(into: &mut AnyArguments<'q>, from: AnyArguments<'q>) {
    into.values.0.extend(from.values.0);
}
