//! Acquirer operations (spec acquirer.md).

pub mod batches;
pub mod merchants;
pub mod payments;

pub mod profiles;
