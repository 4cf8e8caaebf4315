//! The HTTP face of the host: routes, wire types (PascalCase JSON), the
//! envelope, token authentication, metrics, the OpenAPI document and docs page.
//!
//! **Invariant:** only this crate knows JSON and HTTP. Handlers parse the wire
//! type, call one service function, and map its result or error to the envelope.

pub mod acquirer;
pub mod acs;
pub mod admin;
pub mod auth;
pub mod command;
pub mod docs;
pub mod envelope;
pub mod extract;
pub mod gate;
pub mod issuer;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod pay;
pub mod repeated;
pub mod router;
pub mod state;
pub mod test_cards;
pub mod vpos;
pub mod wire;

pub use router::{app, App};
pub use state::{AppState, DEFAULT_MAX_IN_FLIGHT};
