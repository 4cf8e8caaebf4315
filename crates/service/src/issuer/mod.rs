//! Issuer operations (spec issuer.md).

pub(crate) mod card_keys;
pub mod card_ref;
pub mod card_security;
pub mod cards;
pub mod customers;
pub mod emboss;
