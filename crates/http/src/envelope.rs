//! The response envelope every `/api/` answer is wrapped in (spec README).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use cardhost_domain::FieldError;
use cardhost_service::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

pub const SUCCESS_DESCRIPTION: &str = "Successfully completed.";
const INTERNAL_DESCRIPTION: &str =
    "A system error occurred and nothing was changed; it is safe to retry with the same reference.";

/// `{ResultObject, Result, ReturnDescription, ApprovalRefNumber[, Errors]}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Envelope<T> {
    /// The operation's result; `null` on failure.
    pub result_object: Option<T>,
    /// 0 success, 1 validation, 2 not found, 3 already exists, 4 not allowed in
    /// this state, 5 authentication failed, 6 not permitted, 7 idempotency
    /// conflict, 8 declined, 9 rate limited, 99 system error.
    #[schema(example = 0)]
    pub result: i64,
    #[schema(example = "Successfully completed.")]
    pub return_description: String,
    /// RRN of an approved financial operation, else 0.
    #[schema(example = 0)]
    pub approval_ref_number: i64,
    /// Present on validation errors: each names the offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<WireFieldError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WireFieldError {
    #[schema(example = "BirthDate")]
    pub field: String,
    #[schema(example = "is not a real calendar date")]
    pub message: String,
}

impl From<FieldError> for WireFieldError {
    fn from(e: FieldError) -> Self {
        WireFieldError {
            field: e.field,
            message: e.message,
        }
    }
}

/// The `Result` code of a response, left in its extensions for metrics.
#[derive(Debug, Clone, Copy)]
pub struct Outcome(pub i64);

fn respond<T: Serialize>(status: StatusCode, envelope: Envelope<T>) -> Response {
    let code = envelope.result;
    let mut response = (status, Json(envelope)).into_response();
    response.extensions_mut().insert(Outcome(code));
    response
}

/// `Result` 0 with `value` as `ResultObject`.
pub fn ok<T: Serialize>(value: T) -> Response {
    approved(value, 0)
}

/// `Result` 0 for an approved financial operation: `ApprovalRefNumber` carries its RRN.
pub fn approved<T: Serialize>(value: T, rrn: i64) -> Response {
    respond(
        StatusCode::OK,
        Envelope {
            result_object: Some(value),
            result: 0,
            return_description: SUCCESS_DESCRIPTION.into(),
            approval_ref_number: rrn,
            errors: Vec::new(),
        },
    )
}

/// `Result` 8: a check or financial operation was processed and refused;
/// `value` (with its `ResponseCode`) is still the `ResultObject`.
pub fn declined<T: Serialize>(value: T, response_code: &str) -> Response {
    respond(
        StatusCode::OK,
        Envelope {
            result_object: Some(value),
            result: 8,
            return_description: format!(
                "Declined: {}.",
                cardhost_domain::response::message(response_code)
            ),
            approval_ref_number: 0,
            errors: Vec::new(),
        },
    )
}

/// The answer to a check (`VerifyCard`, `CheckPin`, `ChangeCardPin`): `Result` 0
/// when `response_code` is `00`, else `Result` 8 with the same `ResultObject`.
pub fn verdict<T: Serialize>(value: T, response_code: &str) -> Response {
    financial(value, response_code, "")
}

/// The answer to a financial operation: `Result` 0 with its RRN as
/// `ApprovalRefNumber` when `response_code` is `00`, else `Result` 8.
pub fn financial<T: Serialize>(value: T, response_code: &str, rrn: &str) -> Response {
    if response_code == cardhost_domain::response::APPROVED {
        approved(value, rrn.parse().unwrap_or(0))
    } else {
        declined(value, response_code)
    }
}

/// Any refusal or failure, already mapped to its code and HTTP status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub result: i64,
    pub description: String,
    pub errors: Vec<WireFieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, result: i64, description: impl Into<String>) -> ApiError {
        ApiError {
            status,
            result,
            description: description.into(),
            errors: Vec::new(),
        }
    }

    /// `Result` 1 naming one field (HTTP 200, as the spec wants for every
    /// validation error but an unparseable body).
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let field = field.into();
        let message = message.into();
        ApiError {
            status: StatusCode::OK,
            result: 1,
            description: format!("Validation failed: {field} {message}."),
            errors: vec![WireFieldError { field, message }],
        }
    }

    pub fn not_found_path() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            2,
            "No such operation. The API reference is at /docs.",
        )
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            1,
            "This operation does not take that HTTP method. The API reference is at /docs.",
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, 99, INTERNAL_DESCRIPTION)
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        let code = err.result_code();
        match err {
            ServiceError::Validation(errors) => {
                let errors: Vec<WireFieldError> =
                    errors.into_vec().into_iter().map(Into::into).collect();
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                ApiError {
                    status: StatusCode::OK,
                    result: 1,
                    description: format!("Validation failed: {}.", fields.join(", ")),
                    errors,
                }
            }
            ServiceError::Internal(cause) => {
                // The cause may name tables or keys: log it, never echo it.
                tracing::error!(%cause, "internal error");
                ApiError::internal()
            }
            ServiceError::Unauthenticated(m) => ApiError::new(StatusCode::UNAUTHORIZED, code, m),
            ServiceError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, code, m),
            ServiceError::RateLimited(m) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, m),
            ServiceError::NotFound(m)
            | ServiceError::AlreadyExists(m)
            | ServiceError::NotAllowed(m)
            | ServiceError::IdempotencyConflict(m) => ApiError::new(StatusCode::OK, code, m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        respond::<()>(
            self.status,
            Envelope {
                result_object: None,
                result: self.result,
                return_description: self.description,
                approval_ref_number: 0,
                errors: self.errors,
            },
        )
    }
}

pub type ApiResult = Result<Response, ApiError>;
