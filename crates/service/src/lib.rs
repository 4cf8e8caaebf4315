//! One function per API operation: validate the command, run it in one database
//! transaction, write the audit record, return a domain result or a typed error.
//!
//! **Invariant:** nothing here knows HTTP or JSON; `http` maps wire types in and
//! [`ServiceError`] out.

pub mod acquirer;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod calendar;
pub mod caller;
pub mod clients;
pub mod clock;
pub mod error;
pub mod host;
pub mod idempotency;
pub mod issuer;
pub mod money;
pub mod network;
pub mod notify;
pub mod scheduler;
pub mod seed;
pub mod vault;
pub mod vpos;

pub use caller::{Caller, Scope, Scopes};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ServiceError;
pub use host::{BatchPhase, Call, Host, Settings};
