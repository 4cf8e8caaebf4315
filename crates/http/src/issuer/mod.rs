//! Issuer operations (spec issuer.md).

pub mod card_security;
pub mod cards;
pub mod customers;
pub mod money;
