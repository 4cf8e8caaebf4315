use cardhost_domain::FieldErrors;
use cardhost_store::StoreError;
use thiserror::Error;

/// Every way an operation can end other than success; each maps to one
/// envelope `Result` code at the HTTP boundary.
#[derive(Debug, Error)]
pub enum ServiceError {
    /// `Result` 1: the request names bad fields.
    #[error("validation failed: {0}")]
    Validation(FieldErrors),
    /// `Result` 2.
    #[error("{0}")]
    NotFound(String),
    /// `Result` 3.
    #[error("{0}")]
    AlreadyExists(String),
    /// `Result` 4.
    #[error("{0}")]
    NotAllowed(String),
    /// `Result` 5.
    #[error("{0}")]
    Unauthenticated(String),
    /// `Result` 6.
    #[error("{0}")]
    Forbidden(String),
    /// `Result` 7.
    #[error("{0}")]
    IdempotencyConflict(String),
    /// `Result` 9.
    #[error("{0}")]
    RateLimited(String),
    /// `Result` 99: logged with its cause, never shown to the caller.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn field(field: &str, message: impl Into<String>) -> ServiceError {
        let mut errors = FieldErrors::new();
        errors.push(field, message);
        ServiceError::Validation(errors)
    }

    /// `Result` 1 naming `field` when the key it holds is empty.
    pub fn require(field: &str, value: &str) -> Result<(), ServiceError> {
        if value.is_empty() {
            return Err(ServiceError::field(field, "is required"));
        }
        Ok(())
    }

    /// The key `field` holds, which must be given and not empty.
    pub fn required(field: &str, value: &Option<String>) -> Result<String, ServiceError> {
        let value = value.as_deref().unwrap_or("");
        ServiceError::require(field, value)?;
        Ok(value.to_owned())
    }

    /// The envelope `Result` code of this error.
    pub fn result_code(&self) -> i64 {
        match self {
            ServiceError::Validation(_) => 1,
            ServiceError::NotFound(_) => 2,
            ServiceError::AlreadyExists(_) => 3,
            ServiceError::NotAllowed(_) => 4,
            ServiceError::Unauthenticated(_) => 5,
            ServiceError::Forbidden(_) => 6,
            ServiceError::IdempotencyConflict(_) => 7,
            ServiceError::RateLimited(_) => 9,
            ServiceError::Internal(_) => 99,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        ServiceError::Internal(err.to_string())
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        ServiceError::Validation(errors)
    }
}

impl From<cardhost_crypto::CryptoError> for ServiceError {
    fn from(err: cardhost_crypto::CryptoError) -> Self {
        ServiceError::Internal(err.to_string())
    }
}
