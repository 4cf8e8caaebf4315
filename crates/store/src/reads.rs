//! Reads gathered first and sent together.
//!
//! - On SQLite the statements go in one multi-statement text: one hand-off to
//!   the connection's thread for the lot, where each statement alone was one
//!   hand-off and, under load, a wait for a core. The rows come back in
//!   order, each statement's ended by its result.
//! - PostgreSQL's extended protocol takes one statement at a time: they run
//!   one after the other, in the order given, which is also the order their
//!   row locks are taken.

use std::marker::PhantomData;

use futures_util::TryStreamExt;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{AnyConnection, Either, Execute, Executor, FromRow};

use crate::sql::{anonymous, padded, placeholders, AnyQuery};
use crate::StoreError;

/// The rows one pushed statement gives, taken from [`Rows`] after the run;
/// `None` when it had no keys and was never sent.
#[must_use = "a pending read is only useful when taken from the rows"]
pub struct Pending<T> {
    index: Option<usize>,
    row: PhantomData<fn() -> T>,
}

#[derive(Default)]
pub struct Reads<'q> {
    statements: Vec<(String, AnyArguments<'q>)>,
    /// A value that failed to encode: the reads fail when they run.
    failed: Option<String>,
}

impl<'q> Reads<'q> {
    /// True when nothing was pushed (running costs no round trip).
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty() && self.failed.is_none()
    }

    /// A statement that answers no rows (`BEGIN`), sent with the reads.
    pub fn execute(&mut self, sql: &str) {
        self.statements
            .push((sql.to_owned(), AnyArguments::default()));
    }

    /// One statement; `bind` gives it its parameters in order.
    pub fn push<T>(
        &mut self,
        sql: String,
        bind: impl FnOnce(AnyQuery<'q>) -> AnyQuery<'q>,
    ) -> Pending<T> {
        let mut query = bind(sqlx::query(""));
        match query.take_arguments() {
            Ok(args) => {
                self.statements.push((sql, args.unwrap_or_default()));
                Pending {
                    index: Some(self.statements.len() - 1),
                    row: PhantomData,
                }
            }
            // `run` fails with it before anything is taken.
            Err(e) => {
                self.failed = Some(e.to_string());
                Pending::none()
            }
        }
    }

    /// `sql` with `{in}` as one parameter per key, numbered after the
    /// `leading` parameters that `bind` gives first. Keys are padded (see
    /// [`padded`]); with no keys nothing is sent.
    pub fn push_in<T, K>(
        &mut self,
        sql: &str,
        leading: usize,
        bind: impl FnOnce(AnyQuery<'q>) -> AnyQuery<'q>,
        keys: &[K],
    ) -> Pending<T>
    where
        K: sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone + Send + 'q,
    {
        if keys.is_empty() {
            return Pending::none();
        }
        let keys = padded(keys);
        let sql = sql.replace("{in}", &placeholders(leading + 1, keys.len()));
        self.push(sql, |q| keys.into_iter().fold(bind(q), |q, k| q.bind(k)))
    }

    /// `sql` with `{pairs}` as `(SELECT column1, column2 FROM (VALUES ($1, $2),
    /// …) AS keys)`, for a two-column `IN`. (`IN (VALUES …)` without the
    /// `SELECT` made SQLite scan the whole table; `(a = $1 AND b = $2) OR …`
    /// cost PostgreSQL 3.5 ms of planning at 64 pairs.)
    pub fn push_pairs<T>(&mut self, sql: &str, keys: &[(String, String)]) -> Pending<T> {
        if keys.is_empty() {
            return Pending::none();
        }
        let keys = padded(keys);
        let pairs: Vec<String> = (0..keys.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let filter = format!(
            "(SELECT column1, column2 FROM (VALUES {}) AS keys)",
            pairs.join(", ")
        );
        self.push(sql.replace("{pairs}", &filter), |q| {
            keys.into_iter().fold(q, |q, (a, b)| q.bind(a).bind(b))
        })
    }

    /// Runs every statement in order.
    pub async fn run(self, conn: &mut AnyConnection) -> Result<Rows, StoreError> {
        if let Some(cause) = self.failed {
            return Err(StoreError::Malformed(cause));
        }
        let count = self.statements.len();
        let mut sets = Vec::with_capacity(count);
        if conn.backend_name() != "SQLite" {
            for (sql, args) in self.statements {
                sets.push(sqlx::query_with(&sql, args).fetch_all(&mut *conn).await?);
            }
            return Ok(Rows(sets.into_iter().map(Some).collect()));
        }
        let mut text = String::new();
        let mut args = AnyArguments::default();
        let mut grouped = 0;
        for (sql, own) in self.statements {
            match anonymous(&sql) {
                Some(sql) => {
                    text.push_str(&sql);
                    text.push_str(";\n");
                    args.values.0.extend(own.values.0);
                    grouped += 1;
                }
                None => {
                    let pending = std::mem::take(&mut args);
                    sets.extend(
                        fetch_sets(conn, &std::mem::take(&mut text), pending, grouped).await?,
                    );
                    grouped = 0;
                    sets.extend(fetch_sets(conn, &sql, own, 1).await?);
                }
            }
        }
        sets.extend(fetch_sets(conn, &text, args, grouped).await?);
        Ok(Rows(sets.into_iter().map(Some).collect()))
    }
}

impl<T> Pending<T> {
    fn none() -> Pending<T> {
        Pending {
            index: None,
            row: PhantomData,
        }
    }
}

/// Each statement's rows, in the order pushed.
pub struct Rows(Vec<Option<Vec<AnyRow>>>);

impl Rows {
    /// The rows of `pending`, decoded; each can be taken once.
    pub fn take<T>(&mut self, pending: Pending<T>) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        let Some(index) = pending.index else {
            return Ok(Vec::new());
        };
        let rows = self
            .0
            .get_mut(index)
            .and_then(Option::take)
            .ok_or_else(|| StoreError::Malformed(format!("read {index} taken twice")))?;
        Ok(rows
            .iter()
            .map(T::from_row)
            .collect::<Result<Vec<T>, _>>()?)
    }
}

/// The rows of `count` statements sent as one text, split at each
/// statement's end.
async fn fetch_sets(
    conn: &mut AnyConnection,
    sql: &str,
    args: AnyArguments<'_>,
    count: usize,
) -> Result<Vec<Vec<AnyRow>>, StoreError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let mut sets = Vec::with_capacity(count);
    let mut current = Vec::new();
    let mut stream = conn.fetch_many(sqlx::query_with(sql, args));
    while let Some(step) = stream.try_next().await? {
        match step {
            Either::Left(_) => sets.push(std::mem::take(&mut current)),
            Either::Right(row) => current.push(row),
        }
    }
    if sets.len() != count {
        return Err(StoreError::Malformed(format!(
            "{count} reads sent together gave {} results",
            sets.len()
        )));
    }
    Ok(sets)
}
