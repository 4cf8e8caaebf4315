use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("key '{0}' is not in the key store")]
    UnknownKey(String),
    #[error("key '{name}' has no version {version}")]
    UnknownKeyVersion { name: String, version: u32 },
    #[error("key '{0}' already exists (use --new-version to add a version)")]
    KeyExists(String),
    #[error("malformed key: {0}")]
    MalformedKey(String),
    #[error("key '{name}' is a {actual} key, not {expected}")]
    WrongKeyKind {
        name: String,
        actual: &'static str,
        expected: &'static str,
    },
    #[error("the master key does not open this key store (its check value differs)")]
    WrongMasterKey,
    #[error("malformed master key: {0}")]
    MalformedMasterKey(String),
    #[error("key store file: {0}")]
    Io(String),
    #[error("key store file is corrupt: {0}")]
    Corrupt(String),
    #[error("malformed PIN block: {0}")]
    MalformedPinBlock(&'static str),
    #[error("malformed PIN: {0}")]
    MalformedPin(&'static str),
    #[error("stored ciphertext cannot be decrypted")]
    Decrypt,
    #[error("malformed card data: {0}")]
    MalformedCardData(&'static str),
    #[error("password hashing failed")]
    Hash,
}
