//! Issuer operations (spec issuer.md).

pub mod customers;
