//! Black-box API tests: the real router on a real database, spoken to over HTTP.
//! One test binary (modules below) keeps link time down.

mod support;

mod canary;

mod audit;
mod auth;
mod batches;
mod card_security;
mod cards;
mod cli;
mod customers;
mod envelope;
mod independent;
mod jobs;
mod ledger_property;
mod limits;
mod merchants;
mod money;
mod ops;
mod profiles;
mod scopes;
mod vpos;
