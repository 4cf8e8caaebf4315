//! Acquirer operations (spec acquirer.md).

pub mod merchants;
pub mod profiles;
