//! The journal, holds, card transactions, day counters and id allocation.

mod card_txs;
mod check;
mod holds;
mod journal;
mod usage;

pub use card_txs::*;
pub use check::*;
pub use holds::*;
pub use journal::*;
pub use usage::*;

type QueryAs<'q, O> = sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>;

/// Binds every key, in order.
fn bind_all<'q, O, K>(mut query: QueryAs<'q, O>, keys: &'q [K]) -> QueryAs<'q, O>
where
    K: sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Sync,
{
    for key in keys {
        query = query.bind(key);
    }
    query
}
