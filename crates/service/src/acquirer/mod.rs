//! Acquirer operations (spec acquirer.md).

pub mod merchants;

pub use cardhost_store::merchants::{MerchantFilter, MerchantRow, TerminalFilter, TerminalRow};
