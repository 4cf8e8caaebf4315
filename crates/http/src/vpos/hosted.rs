//! Orders paid on the host's own payment page.

use cardhost_domain::date::Timestamp;
use cardhost_service::vpos::hosted::{self, CreateOrderRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::command::Command;
use crate::envelope::{ApiResult, Envelope};
use crate::wire::Amount;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateOrderWire {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[schema(example = "10000001")]
    pub terminal_no: Option<String>,
    /// 1–64 characters, unique per merchant: the same request again answers the same order.
    #[schema(example = "ORD-20260302-0003")]
    pub order_id: Option<String>,
    pub amount: Option<Amount>,
    #[schema(example = 949)]
    pub currency: Option<i64>,
    /// Shown on the page (at most 256 characters).
    #[schema(example = "2 books")]
    pub description: Option<String>,
    /// Where the browser is sent (form POST) after an approved payment.
    #[schema(example = "https://shop.example/pay/ok")]
    pub success_url: Option<String>,
    /// Where the browser is sent (form POST) after a declined payment.
    #[schema(example = "https://shop.example/pay/fail")]
    pub fail_url: Option<String>,
    /// Default 30, at most 10080 (a week).
    #[schema(example = 30)]
    pub expire_minutes: Option<i64>,
    /// Default 1; above 1 the page offers an installment select.
    #[schema(example = 1)]
    pub max_installment_count: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateOrderResult {
    pub order_token: String,
    /// The payment page: send the cardholder's browser there.
    #[schema(example = "https://cardhost.example/pay/Xk2…")]
    pub payment_url: String,
    /// `yyyyMMddHHmmss` UTC; after it the page takes no card.
    pub expire_date: Timestamp,
}

async fn create(command: Command<CreateOrderWire>, three_d: bool) -> ApiResult {
    command
        .run(async |host, call, r| {
            let request = CreateOrderRequest {
                merchant_no: r.merchant_no,
                terminal_no: r.terminal_no,
                order_id: r.order_id,
                amount: r.amount.map(|a| a.0),
                currency: r.currency,
                description: r.description,
                success_url: r.success_url,
                fail_url: r.fail_url,
                expire_minutes: r.expire_minutes,
                max_installment_count: r.max_installment_count,
            };
            let order = hosted::create(host, call, three_d, request).await?;
            Ok(CreateOrderResult {
                payment_url: format!("{}/pay/{}", host.settings.public_url, order.order_token),
                order_token: order.order_token,
                expire_date: Timestamp::from_millis(order.expires_at),
            })
        })
        .await
}

/// Create an order paid on the host's payment page: the cardholder enters
/// the card there; the page authorizes a sale once, shows the outcome and
/// returns the browser to SuccessUrl or FailUrl with a signed form POST
/// (`OrderId`, `OrderToken`, `ResponseCode`, `ProcessId`, `Hash`).
#[utoipa::path(post, path = "/api/VPos/CreateOrder", tag = "Virtual POS", operation_id = "CreateOrder",
    request_body = CreateOrderWire, security(("token" = [])),
    responses((status = 200, description = "Result 0 (order Created); 1 validation; 4 not a Vpos terminal; 6 another merchant's; 7 OrderId used with other content", body = Envelope<CreateOrderResult>)))]
pub async fn create_order(command: Command<CreateOrderWire>) -> ApiResult {
    create(command, false).await
}

/// As CreateOrder; the page runs 3-D Secure before it authorizes.
#[utoipa::path(post, path = "/api/VPos/CreateOrder3D", tag = "Virtual POS", operation_id = "CreateOrder3D",
    request_body = CreateOrderWire, security(("token" = [])),
    responses((status = 200, description = "Result 0 (order Created); 1 validation; 4 not a Vpos terminal; 6 another merchant's; 7 OrderId used with other content", body = Envelope<CreateOrderResult>)))]
pub async fn create_order_3d(command: Command<CreateOrderWire>) -> ApiResult {
    create(command, true).await
}
