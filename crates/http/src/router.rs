//! The route table and the middleware around it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use cardhost_service::Host;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::path::{PathItem, Paths};
use utoipa::openapi::{RefOr, Schema};
use utoipa_axum::router::UtoipaMethodRouter;
use utoipa_axum::routes;

use crate::envelope::{ApiError, Outcome};
use crate::gate::{self, Gate};
use crate::metrics::Metrics;
use crate::state::{AppState, InFlight};
use crate::{auth, issuer, ops};

/// Every operation of the API. Each is declared once, by the `#[utoipa::path]`
/// annotation on its handler (API name as `operation_id`, method, path, request
/// and response types); the router, the operation names of metrics and audit,
/// and the OpenAPI document's paths all come from this list.
pub struct Registry {
    router: Router<AppState>,
    names: HashMap<String, Route>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
    /// The gate of the operations added next.
    gate: Gate,
}

/// A registered path's operation: its API name and who may call it.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub name: &'static str,
    pub gate: Gate,
}

impl Registry {
    fn new() -> Self {
        Registry {
            router: Router::new(),
            names: HashMap::new(),
            paths: Paths::new(),
            schemas: Vec::new(),
            gate: Gate::Open,
        }
    }

    /// The scopes the operations added after this need (see [`crate::gate`]).
    pub(crate) fn gate(mut self, gate: Gate) -> Self {
        self.gate = gate;
        self
    }

    /// An annotated operation. Its path is registered lower-cased: requests are
    /// lower-cased before routing, which makes `/api/` paths case-insensitive.
    pub(crate) fn add(mut self, (schemas, paths, handler): UtoipaMethodRouter<AppState>) -> Self {
        for (path, item) in &paths.paths {
            let name = operation_ids(item).next().unwrap_or("unnamed");
            self = self.plain(name, path, handler.clone());
        }
        self.paths.paths.extend(paths.paths);
        self.schemas.extend(schemas);
        self
    }

    /// An operational endpoint outside the API document.
    fn plain(mut self, name: &'static str, path: &str, handler: MethodRouter<AppState>) -> Self {
        let lower = path.to_ascii_lowercase();
        let gate = self.gate;
        self.names.insert(lower.clone(), Route { name, gate });
        self.router = self.router.route(&lower, handler);
        self
    }

    /// The documented paths and the schemas they refer to.
    pub fn into_document_parts(self) -> (Paths, Vec<(String, RefOr<Schema>)>) {
        (self.paths, self.schemas)
    }
}

/// The operation ids of a path item, leaked once per process: metrics and
/// audit records label by `&'static str`.
fn operation_ids(item: &PathItem) -> impl Iterator<Item = &'static str> + '_ {
    [&item.get, &item.post, &item.put, &item.delete]
        .into_iter()
        .flatten()
        .filter_map(|op| op.operation_id.as_deref())
        .map(static_name)
}

fn static_name(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

pub fn registry() -> Registry {
    let registry = Registry::new().add(routes!(auth::token));
    let registry = crate::vpos::register(crate::acquirer::register(issuer::register(registry)));
    registry
        .gate(gate::ADMIN)
        .add(routes!(crate::admin::check_ledger))
        .add(routes!(crate::admin::list_jobs))
        .gate(Gate::Open)
        .add(routes!(ops::health))
        .plain("Metrics", "/metrics", get(ops::metrics))
        .plain("OpenApi", "/openapi.json", get(ops::openapi_json))
        .plain("Docs", "/docs", get(ops::docs))
        .plain(
            "AcsPage",
            "/acs/{id}",
            get(crate::acs::show).post(crate::acs::answer),
        )
        .plain(
            "PaymentPage",
            "/pay/{token}",
            get(crate::pay::show).post(crate::pay::pay),
        )
        .plain(
            "PaymentPage3ds",
            "/pay/{token}/3ds",
            post(crate::pay::after_3ds),
        )
}

/// Collapses repeated slashes (`//api/...` as in the reference curl sample),
/// drops a trailing slash, and lower-cases `/api/` paths; the query is kept as is.
fn normalize_path(mut req: Request) -> Request {
    let path = req.uri().path();
    let mut clean = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && clean.ends_with('/')) {
            clean.push(c);
        }
    }
    if clean.len() > 1 && clean.ends_with('/') {
        clean.pop();
    }
    if clean.len() >= 5 && clean[..5].eq_ignore_ascii_case("/api/") {
        clean.make_ascii_lowercase();
    }
    if clean != path {
        let target = match req.uri().query() {
            Some(q) => format!("{clean}?{q}"),
            None => clean,
        };
        if let Ok(uri) = target.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req
}

async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let operation = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| state.operations.get(p.as_str()))
        .map_or("unmatched", |r| r.name);
    let started = Instant::now();
    let response = next.run(req).await;
    let result = response.extensions().get::<Outcome>().map(|o| o.0);
    state.metrics.observe(operation, result, started.elapsed());
    response
}

/// Beyond the bound in flight a request is refused at once. `/health` and
/// `/metrics` are never shed: an operator must see an overloaded host.
async fn shed(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/health" || path == "/metrics" {
        return next.run(req).await;
    }
    match state.in_flight.enter() {
        Some(_slot) => next.run(req).await,
        None => ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            9,
            format!(
                "The host is handling {} requests already; retry shortly.",
                state.in_flight.bound
            ),
        )
        .into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found_path()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The panic's message is not echoed or logged here: it could hold card data.
    tracing::error!("a request handler panicked");
    ApiError::internal().into_response()
}

pub type App = tower::util::MapRequest<Router, fn(Request) -> Request>;

/// The whole HTTP application over `host`, handling at most `max_in_flight`
/// requests at once.
pub fn app(host: Arc<Host>, max_in_flight: usize) -> App {
    let Registry { router, names, .. } = registry();
    let state = AppState {
        host,
        metrics: Arc::new(Metrics::new()),
        operations: Arc::new(names),
        in_flight: InFlight::new(max_in_flight),
    };
    let request_id = HeaderName::from_static("x-request-id");
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), shed))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                    // The path only: query strings may carry card numbers.
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                }))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(CatchPanicLayer::custom(panic_response)),
        )
        .with_state(state);
    ServiceBuilder::new()
        .map_request(normalize_path as fn(Request) -> Request)
        .service(router)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(uri: &str) -> String {
        let req = Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .unwrap();
        normalize_path(req).uri().to_string()
    }

    #[test]
    fn paths_are_normalized() {
        assert_eq!(
            norm("//api/Integration/UpdateCustomer"),
            "/api/integration/updatecustomer"
        );
        assert_eq!(
            norm("/API/Integration/GetCustomerInfo?CustomerNo=AbC"),
            "/api/integration/getcustomerinfo?CustomerNo=AbC"
        );
        assert_eq!(norm("/api/Auth/Token/"), "/api/auth/token");
        assert_eq!(norm("/docs"), "/docs");
    }
}
