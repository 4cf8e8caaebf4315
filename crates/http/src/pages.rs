//! What the host's own pages share: one layout, and the headers that keep
//! them to themselves (no script, no framing, forms only where they must go).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cardhost_service::ServiceError;
use maud::{html, Markup, DOCTYPE};

pub fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – 3-D Secure" }
                style { (STYLE) }
            }
            body { main { (body) } }
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7}\
main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px}\
dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}dt{color:#555}dd{margin:0}\
label{display:block;margin:1rem 0 .3rem}input,select{width:100%;font-size:1.1rem;padding:.5rem;box-sizing:border-box}\
button{margin-top:1rem;width:100%;padding:.7rem;font-size:1rem}.error{color:#a00}.ok{color:#070}";

/// A page of the ACS: no script, no framing, nothing cached, forms only to
/// `form_action`.
pub fn secured(status: StatusCode, body: Markup, form_action: &str) -> Response {
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    let mut response = (status, body.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// A page for what went wrong, without the error's details.
pub fn problem(e: &ServiceError) -> Response {
    let (status, text) = match e {
        ServiceError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            "This payment session does not exist.",
        ),
        ServiceError::Forbidden(_) => (
            StatusCode::FORBIDDEN,
            "This form does not belong to this payment session.",
        ),
        ServiceError::Validation(_) => (StatusCode::BAD_REQUEST, "The form could not be read."),
        _ => {
            tracing::error!(error = %e, "ACS page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong. Please try again.",
            )
        }
    };
    secured(
        status,
        layout("3-D Secure", html! { p.error { (text) } }),
        "'none'",
    )
}
