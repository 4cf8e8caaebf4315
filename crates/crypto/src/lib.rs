//! Card security: the one place that holds keys and computes with them.
//!
//! **Invariant:** no other crate sees key material. Callers name keys and pass
//! card data in; they get ciphertexts, fingerprints, check values or verdicts out.
//! [`SecurityModule`] is the small interface a hardware security module can
//! later stand behind; [`SoftwareModule`] implements it over the [`KeyStore`].

// cipher 0.4 (the stable RustCrypto line used here) takes generic-array 0.14,
// whose latest patch marks itself deprecated in favour of the next major.
#![allow(deprecated)]

pub mod cvv;
pub mod des;
pub mod error;
pub mod keys;
pub mod keystore;
pub mod mac;
pub mod module;
pub mod pinblock;
pub mod pvv;
pub mod secret;

pub use error::CryptoError;
pub use keys::{KeyKind, MasterKey};
pub use keystore::{KeyInfo, KeyStore};
pub use module::{KeyRef, PvvKey, SecurityModule, SoftwareModule};
pub use pinblock::{Pin, PinBlockFormat};
