//! Pure rules of card processing: no I/O, no async, no clock of its own.
//!
//! Everything here is deterministic so that it can be unit-tested and fuzzed in
//! isolation: money and currencies, card numbers, calendar fields, identity
//! numbers, and the field-error type every layer reports validation with.

pub mod card;
pub mod country;
pub mod customer;
pub mod date;
pub mod fees;
pub mod field;
pub mod iban;
pub mod installments;
pub mod ledger;
pub mod money;
pub mod product;
pub mod qr;
pub mod recurring;
pub mod response;
pub mod secret;
pub mod settlement;
pub mod status;

pub use country::Country;
pub use field::{FieldError, FieldErrors};
pub use money::{AmountMinor, Currency, MoneyError};
