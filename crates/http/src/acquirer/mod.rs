//! Acquirer operations (spec acquirer.md).

pub mod merchants;
