//! Storage: schema, migrations and plain query functions over SQLite (the
//! embedded default) or PostgreSQL.
//!
//! One set of portable SQL through sqlx's `Any` driver (`$1` placeholders work on
//! both engines); only the migrations differ per engine. Callers open one
//! transaction per operation with [`Db::begin`] and pass `&mut Tx<'_>` down.

pub mod audit;
pub mod batches;
pub mod cards;
pub mod clients;
pub mod customers;
pub mod db;
pub mod emboss;
pub mod error;
pub mod hosted;
pub mod idempotency;
pub mod jobs;
pub mod ledger;
pub mod merchants;
pub mod meta;
pub mod outbox;
pub mod pans;
pub mod profiles;
pub mod qr;
pub mod reads;
pub mod recurring;
pub mod script;
pub mod sql;
pub mod table;
pub mod three_ds;
pub mod vpos;

pub use db::{begin_on, rollback, Db, Engine, KeyLock, Tx, WriterConnection};
pub use error::StoreError;
pub use reads::{Pending, Reads, Rows};
pub use script::Script;
pub use sqlx::AnyConnection;
