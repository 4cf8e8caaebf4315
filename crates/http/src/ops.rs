//! Operational endpoints: health, metrics, the OpenAPI document, the docs page.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::{AppState, InFlight};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Health {
    #[schema(example = "Ok")]
    pub status: &'static str,
    #[schema(example = "Ok")]
    pub database: &'static str,
    #[schema(example = "0.1.0")]
    pub version: &'static str,
}

/// Liveness and database check.
///
/// HTTP 200 when the database answers, 503 when it does not.
#[utoipa::path(get, path = "/health", tag = "Operations", operation_id = "Health",
    responses((status = 200, description = "Serving", body = Health), (status = 503, description = "Database unreachable", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Response {
    let db_ok = state.host.db.ping().await.is_ok();
    let body = Health {
        status: if db_ok { "Ok" } else { "Degraded" },
        database: if db_ok { "Ok" } else { "Unavailable" },
        version: env!("CARGO_PKG_VERSION"),
    };
    let status = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        with_in_flight(state.metrics.render_with(&state.host), &state.in_flight),
    )
        .into_response()
}

/// The requests being handled now, and the bound beyond which more are shed.
fn with_in_flight(mut text: String, in_flight: &InFlight) -> String {
    let (name, bound) = ("cardhost_http_requests_in_flight", in_flight.bound);
    let line = format!(
        "# HELP {name} Requests being handled now; beyond {bound} more are shed with 429.\n# TYPE {name} gauge\n{name} {}\n",
        in_flight.now()
    );
    let at = text.rfind("# EOF").unwrap_or(text.len());
    text.insert_str(at, &line);
    text
}

fn openapi_text() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(crate::openapi::document_json)
}

pub async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_text()).into_response()
}

pub async fn docs() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| {
        let doc: serde_json::Value = serde_json::from_str(openapi_text()).unwrap_or_default();
        crate::docs::render(&doc)
    });
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'",
            ),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        page.as_str(),
    )
        .into_response()
}
