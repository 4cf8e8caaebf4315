//! The route table and the middleware around it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};

use axum::Router;
use cardhost_service::Host;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::envelope::{ApiError, Outcome};
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::{auth, issuer, ops};

struct Routes {
    router: Router<AppState>,
    names: HashMap<String, &'static str>,
}

impl Routes {
    /// Registers `path` lower-cased (requests are lower-cased before routing,
    /// which makes `/api/` paths case-insensitive) under its API name.
    fn op(mut self, name: &'static str, path: &str, handler: MethodRouter<AppState>) -> Self {
        let lower = path.to_ascii_lowercase();
        self.names.insert(lower.clone(), name);
        self.router = self.router.route(&lower, handler);
        self
    }
}

fn routes() -> Routes {
    Routes {
        router: Router::new(),
        names: HashMap::new(),
    }
    .op("Token", "/api/Auth/Token", post(auth::token))
    .op(
        "CreateCustomer",
        "/api/Integration/CreateCustomer",
        post(issuer::customers::create_customer),
    )
    .op(
        "GetCustomerInfo",
        "/api/Integration/GetCustomerInfo",
        get(issuer::customers::get_customer_info),
    )
    .op(
        "UpdateCustomer",
        "/api/Integration/UpdateCustomer",
        put(issuer::customers::update_customer),
    )
    .op(
        "UpdateCustomerLimit",
        "/api/Integration/UpdateCustomerLimit",
        post(issuer::customers::update_customer_limit),
    )
    .op(
        "GetCardCustomerInfo",
        "/api/Integration/GetCardCustomerInfo",
        get(issuer::customers::get_card_customer_info),
    )
    .op(
        "CreateCreditCard",
        "/api/Integration/CreateCreditCard",
        post(issuer::cards::create_credit_card),
    )
    .op(
        "CreateDebitCard",
        "/api/Integration/CreateDebitCard",
        post(issuer::cards::create_debit_card),
    )
    .op(
        "CreatePrepaidCard",
        "/api/Integration/CreatePrepaidCard",
        post(issuer::cards::create_prepaid_card),
    )
    .op(
        "RegisterCard",
        "/api/Integration/RegisterCard",
        post(issuer::cards::register_card),
    )
    .op(
        "CreateEmbossDirective",
        "/api/Integration/CreateEmbossDirective",
        post(issuer::cards::create_emboss_directive),
    )
    .op(
        "GetCardInfo",
        "/api/Integration/GetCardInfo",
        get(issuer::cards::get_card_info),
    )
    .op(
        "GetCardStatus",
        "/api/Integration/GetCardStatus",
        get(issuer::cards::get_card_status),
    )
    .op(
        "UpdateCardStatus",
        "/api/Integration/UpdateCardStatus",
        post(issuer::cards::update_card_status),
    )
    .op(
        "UpdateCardLimit",
        "/api/Integration/UpdateCardLimit",
        post(issuer::cards::update_card_limit),
    )
    .op(
        "UpdateCardFeeStatus",
        "/api/Integration/UpdateCardFeeStatus",
        post(issuer::cards::update_card_fee_status),
    )
    .op(
        "GetCardRestriction",
        "/api/Integration/GetCardRestriction",
        get(issuer::cards::get_card_restriction),
    )
    .op(
        "CardRestriction",
        "/api/Integration/CardRestriction",
        post(issuer::cards::card_restriction),
    )
    .op(
        "CardRenewal",
        "/api/Integration/CardRenewal",
        post(issuer::cards::card_renewal),
    )
    .op(
        "TokenizeCardNo",
        "/api/Integration/TokenizeCardNo",
        post(issuer::cards::tokenize_card_no),
    )
    .op(
        "GetCardNo",
        "/api/Integration/GetCardNo",
        get(issuer::cards::get_card_no),
    )
    .op(
        "GetCardPrivateInfo",
        "/api/Integration/GetCardPrivateInfo",
        get(issuer::cards::get_card_private_info),
    )
    .op(
        "VerifyCard",
        "/api/Integration/VerifyCard",
        post(issuer::card_security::verify_card),
    )
    .op(
        "ResetCvv2RetryCount",
        "/api/Integration/ResetCvv2RetryCount",
        post(issuer::card_security::reset_cvv2_retry_count),
    )
    .op(
        "GetCardPin",
        "/api/Integration/GetCardPin",
        post(issuer::card_security::get_card_pin),
    )
    .op(
        "SendPinBySms",
        "/api/Integration/SendPinBySms",
        post(issuer::card_security::send_pin_by_sms),
    )
    .op(
        "CheckPin",
        "/api/Integration/CheckPin",
        post(issuer::card_security::check_pin),
    )
    .op(
        "ChangeCardPin",
        "/api/Integration/ChangeCardPin",
        post(issuer::card_security::change_card_pin),
    )
    .op(
        "Change3DSPassword",
        "/api/Integration/Change3DSPassword",
        post(issuer::card_security::change_3ds_password),
    )
    .op(
        "SendTransaction",
        "/api/Integration/SendTransaction",
        post(issuer::money::send_transaction),
    )
    .op(
        "LoadCardBalance",
        "/api/Integration/LoadCardBalance",
        post(issuer::money::load_card_balance),
    )
    .op(
        "GetHostBalance",
        "/api/Integration/GetHostBalance",
        get(issuer::money::get_host_balance),
    )
    .op(
        "GetCardTransactions",
        "/api/Integration/GetCardTransactions",
        get(issuer::money::get_card_transactions),
    )
    .op(
        "CardToCardBalanceTransfer",
        "/api/Integration/CardToCardBalanceTransfer",
        post(issuer::money::card_to_card_balance_transfer),
    )
    .op(
        "MoneySend",
        "/api/Integration/MoneySend",
        post(issuer::money::money_send),
    )
    .op(
        "GetCardBalanceLoadingLimit",
        "/api/Integration/GetCardBalanceLoadingLimit",
        get(issuer::money::get_card_balance_loading_limit),
    )
    .op(
        "CreateMerchant",
        "/api/Integration/CreateMerchant",
        post(crate::acquirer::merchants::create_merchant),
    )
    .op(
        "GetMerchant",
        "/api/Integration/GetMerchant",
        get(crate::acquirer::merchants::get_merchant),
    )
    .op(
        "UpdateMerchant",
        "/api/Integration/UpdateMerchant",
        put(crate::acquirer::merchants::update_merchant),
    )
    .op(
        "SearchMerchant",
        "/api/Integration/SearchMerchant",
        get(crate::acquirer::merchants::search_merchant),
    )
    .op(
        "CreateTerminal",
        "/api/Integration/CreateTerminal",
        post(crate::acquirer::merchants::create_terminal),
    )
    .op(
        "GetTerminal",
        "/api/Integration/GetTerminal",
        get(crate::acquirer::merchants::get_terminal),
    )
    .op(
        "UpdateTerminal",
        "/api/Integration/UpdateTerminal",
        put(crate::acquirer::merchants::update_terminal),
    )
    .op(
        "SearchTerminal",
        "/api/Integration/SearchTerminal",
        get(crate::acquirer::merchants::search_terminal),
    )
    .op(
        "CreateMerchantAndTerminal",
        "/api/Integration/CreateMerchantAndTerminal",
        post(crate::acquirer::merchants::create_merchant_and_terminal),
    )
    .op(
        "CreatePosAuthorizationProfile",
        "/api/Integration/CreatePosAuthorizationProfile",
        post(crate::acquirer::profiles::create_authorization),
    )
    .op(
        "GetPosAuthorizationProfile",
        "/api/Integration/GetPosAuthorizationProfile",
        get(crate::acquirer::profiles::get_authorization),
    )
    .op(
        "UpdatePosAuthorizationProfile",
        "/api/Integration/UpdatePosAuthorizationProfile",
        put(crate::acquirer::profiles::update_authorization),
    )
    .op(
        "DeletePosAuthorizationProfile",
        "/api/Integration/DeletePosAuthorizationProfile",
        delete(crate::acquirer::profiles::delete_authorization),
    )
    .op(
        "CreatePosFeeProfile",
        "/api/Integration/CreatePosFeeProfile",
        post(crate::acquirer::profiles::create_fee),
    )
    .op(
        "GetPosFeeProfile",
        "/api/Integration/GetPosFeeProfile",
        get(crate::acquirer::profiles::get_fee),
    )
    .op(
        "UpdatePosFeeProfile",
        "/api/Integration/UpdatePosFeeProfile",
        put(crate::acquirer::profiles::update_fee),
    )
    .op(
        "DeletePosFeeProfile",
        "/api/Integration/DeletePosFeeProfile",
        delete(crate::acquirer::profiles::delete_fee),
    )
    .op(
        "CreateCommissionProfile",
        "/api/Integration/CreateCommissionProfile",
        post(crate::acquirer::profiles::create_commission),
    )
    .op(
        "GetCommissionProfile",
        "/api/Integration/GetCommissionProfile",
        get(crate::acquirer::profiles::get_commission),
    )
    .op(
        "UpdateCommissionProfile",
        "/api/Integration/UpdateCommissionProfile",
        put(crate::acquirer::profiles::update_commission),
    )
    .op(
        "DeleteCommissionProfile",
        "/api/Integration/DeleteCommissionProfile",
        delete(crate::acquirer::profiles::delete_commission),
    )
    .op(
        "GetPosBatchSummary",
        "/api/Integration/GetPosBatchSummary",
        get(crate::acquirer::batches::get_pos_batch_summary),
    )
    .op(
        "GetPosBatchDetail",
        "/api/Integration/GetPosBatchDetail",
        get(crate::acquirer::batches::get_pos_batch_detail),
    )
    .op(
        "ClosePosBatch",
        "/api/Integration/ClosePosBatch",
        post(crate::acquirer::batches::close_pos_batch),
    )
    .op(
        "GetMerchantPaymentSummary",
        "/api/Integration/GetMerchantPaymentSummary",
        get(crate::acquirer::payments::get_merchant_payment_summary),
    )
    .op(
        "GetMerchantPaymentDetail",
        "/api/Integration/GetMerchantPaymentDetail",
        get(crate::acquirer::payments::get_merchant_payment_detail),
    )
    .op(
        "RunSettlement",
        "/api/Admin/RunSettlement",
        post(crate::acquirer::payments::run_settlement),
    )
    .op(
        "PaymentSale",
        "/api/VPos/PaymentSale",
        post(crate::vpos::payment_sale),
    )
    .op(
        "PaymentPreSale",
        "/api/VPos/PaymentPreSale",
        post(crate::vpos::payment_pre_sale),
    )
    .op(
        "PaymentPostSale",
        "/api/VPos/PaymentPostSale",
        post(crate::vpos::payment_post_sale),
    )
    .op(
        "PaymentVoid",
        "/api/VPos/PaymentVoid",
        post(crate::vpos::payment_void),
    )
    .op(
        "PaymentRefund",
        "/api/VPos/PaymentRefund",
        post(crate::vpos::payment_refund),
    )
    .op(
        "BatchClose",
        "/api/VPos/BatchClose",
        post(crate::vpos::batch_close),
    )
    .op(
        "CheckByOrderId",
        "/api/VPos/CheckByOrderId",
        get(crate::vpos::check_by_order_id),
    )
    .op(
        "CheckByProcessId",
        "/api/VPos/CheckByProcessId",
        get(crate::vpos::check_by_process_id),
    )
    .op(
        "CheckByToken",
        "/api/VPos/CheckByToken",
        get(crate::vpos::check_by_token),
    )
    .op(
        "ListByOrderId",
        "/api/VPos/ListByOrderId",
        get(crate::vpos::list_by_order_id),
    )
    .op(
        "InstallmentInquiry",
        "/api/VPos/InstallmentInquiry",
        post(crate::vpos::installment_inquiry),
    )
    .op(
        "PointInquiry",
        "/api/VPos/PointInquiry",
        post(crate::vpos::point_inquiry),
    )
    .op(
        "ExpireHolds",
        "/api/Admin/ExpireHolds",
        post(crate::vpos::expire_holds),
    )
    .op(
        "CheckLedger",
        "/api/Admin/CheckLedger",
        get(crate::admin::check_ledger),
    )
    .op("Health", "/health", get(ops::health))
    .op("Metrics", "/metrics", get(ops::metrics))
    .op("OpenApi", "/openapi.json", get(ops::openapi_json))
    .op("Docs", "/docs", get(ops::docs))
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
        .and_then(|p| state.operations.get(p.as_str()).copied())
        .unwrap_or("unmatched");
    let started = Instant::now();
    let response = next.run(req).await;
    let result = response.extensions().get::<Outcome>().map(|o| o.0);
    state.metrics.observe(operation, result, started.elapsed());
    response
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

/// The whole HTTP application over `host`.
pub fn app(host: Arc<Host>) -> App {
    let Routes { router, names } = routes();
    let state = AppState {
        host,
        metrics: Arc::new(Metrics::new()),
        operations: Arc::new(names),
    };
    let request_id = HeaderName::from_static("x-request-id");
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
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
