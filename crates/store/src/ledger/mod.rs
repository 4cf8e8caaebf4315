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
