//! The `cardhost` program: configuration, start-up wiring and the CLI's
//! commands. `main.rs` only parses arguments and calls in here, so the tests
//! start the same server the binary does.

pub mod bench;
pub mod config;
pub mod demo;

pub mod keys;
pub mod products;
pub mod progress;
pub mod seed;
pub mod server;
pub mod serving;
