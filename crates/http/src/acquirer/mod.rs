//! Acquirer operations (spec acquirer.md).

pub mod batches;
pub mod merchants;

pub mod profiles;
