//! Acquirer operations (spec acquirer.md).

pub mod batches;
pub mod merchants;
pub mod payments;
pub mod profiles;

pub use cardhost_store::merchants::{MerchantFilter, TerminalFilter};
