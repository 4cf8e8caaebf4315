//! Virtual POS operations (`/api/VPos/`, scope `vpos`): payments on orders,
//! their inquiries, installments and points; and `ExpireHolds` for operators.

mod callbacks;
mod holds;
mod hosted;
mod inquiries;
mod order_payments;
mod qr;
mod recurring;
mod three_ds;

pub use callbacks::*;
pub use holds::*;
pub use hosted::*;
pub use inquiries::*;
pub use order_payments::*;
pub use qr::*;
pub use recurring::*;
pub use three_ds::*;

use axum::response::Response;
use cardhost_domain::date::Timestamp;
use cardhost_domain::response;
use cardhost_domain::status::{Network, OrderTxStatus, VposOp};
use cardhost_service::vpos::{Payment, VposOutcome};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::gate;
use crate::router::Registry;

use crate::wire::MoneyOut;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct VposResult {
    #[schema(example = "100000000001")]
    pub process_id: String,
    pub order_id: String,
    pub transaction_type: VposOp,
    #[schema(example = "00")]
    pub response_code: String,
    #[schema(example = "Approved")]
    pub response_message: String,
    pub auth_code: String,
    pub rrn: String,
    pub amount: MoneyOut,
    #[schema(example = 949)]
    pub currency: u16,
    pub masked_card_no: String,
    /// `yyyyMMddHHmmss` UTC.
    pub transaction_date: Timestamp,
    /// The terminal batch the transaction landed in (none for a pre-sale or a decline).
    pub batch_no: Option<i64>,
    pub installment_count: i64,
    pub point_amount: MoneyOut,
    pub network: Network,
    pub status: OrderTxStatus,
    /// Capture, void, refund: the transaction acted on.
    pub original_process_id: Option<String>,
}

fn tx_result(t: Payment) -> VposResult {
    let currency = t.currency;
    let m = MoneyOut::of(currency);
    VposResult {
        process_id: t.process_id.to_string(),
        order_id: t.order_id,
        transaction_type: t.transaction_type,
        response_message: response::message(&t.response_code).to_owned(),
        response_code: t.response_code,
        auth_code: t.auth_code,
        rrn: t.rrn,
        amount: m(t.amount),
        currency: currency.numeric(),
        masked_card_no: t.masked_card_no,
        transaction_date: t.at,
        batch_no: t.batch_no,
        installment_count: t.installment_count,
        point_amount: m(t.point_amount),
        network: t.network,
        status: t.status,
        original_process_id: t.original_process_id.map(|p| p.to_string()),
    }
}

fn financial(outcome: VposOutcome) -> Response {
    financial_as(outcome, |result| result)
}

/// [`financial`] with the result wrapped as the operation answers it.
fn financial_as<T: Serialize>(
    outcome: VposOutcome,
    wrap: impl FnOnce(VposResult) -> T,
) -> Response {
    let result = tx_result(outcome.payment);
    let (code, rrn) = (result.response_code.clone(), result.rrn.clone());
    crate::envelope::financial(wrap(result), &code, &rrn)
}

/// The virtual POS operations, in the order of vpos.md.
pub fn register(registry: Registry) -> Registry {
    registry
        .gate(gate::VPOS)
        .add(routes!(payment_sale))
        .add(routes!(payment_pre_sale))
        .add(routes!(payment_post_sale))
        .add(routes!(payment_void))
        .add(routes!(payment_refund))
        .add(routes!(batch_close))
        .add(routes!(three_d_sale))
        .add(routes!(three_d_pre_sale))
        .add(routes!(three_d_complete_payment))
        .add(routes!(create_order))
        .add(routes!(create_order_3d))
        .add(routes!(create_qr))
        .add(routes!(check_by_order_id))
        .add(routes!(check_by_process_id))
        .add(routes!(check_by_token))
        .add(routes!(list_by_order_id))
        .add(routes!(installment_inquiry))
        .add(routes!(point_inquiry))
        .add(routes!(explain_hash))
        .add(routes!(create_recurring))
        .add(routes!(get_recurring))
        .add(routes!(update_recurring))
        .add(routes!(cancel_recurring))
        .gate(gate::ISSUER)
        .add(routes!(pay_qr))
        .gate(gate::ADMIN)
        .add(routes!(expire_holds))
        .add(routes!(run_due_recurring))
}
