//! Orders and their transactions as the virtual POS reports them: amounts in
//! minor units of a typed currency, times as timestamps, no store rows.

use cardhost_domain::date::Timestamp;
use cardhost_domain::status::{Network, OrderStatus, OrderTxStatus, VposOp};
use cardhost_domain::Currency;
use cardhost_store::vpos::{OrderRow, OrderTxRow};

/// One transaction of an order.
#[derive(Debug, Clone)]
pub struct Payment {
    pub process_id: i64,
    pub order_id: String,
    pub transaction_type: VposOp,
    pub response_code: String,
    pub auth_code: String,
    pub rrn: String,
    pub amount: i64,
    pub point_amount: i64,
    pub currency: Currency,
    pub masked_card_no: String,
    pub at: Timestamp,
    /// The terminal batch it landed in (none for a pre-sale or a decline).
    pub batch_no: Option<i64>,
    pub installment_count: i64,
    pub network: Network,
    pub status: OrderTxStatus,
    /// Capture, void, refund: the transaction acted on.
    pub original_process_id: Option<i64>,
}

impl From<OrderTxRow> for Payment {
    fn from(t: OrderTxRow) -> Payment {
        Payment {
            process_id: t.process_id,
            order_id: t.order_id,
            transaction_type: t.transaction_type,
            response_code: t.response_code,
            auth_code: t.auth_code,
            rrn: t.rrn,
            amount: t.amount,
            point_amount: t.point_amount,
            currency: t.currency,
            masked_card_no: t.masked_card_no,
            at: Timestamp::from_millis(t.created_at),
            batch_no: t.batch_no,
            installment_count: t.installment_count,
            network: t.network,
            status: t.status,
            original_process_id: t.original_process_id,
        }
    }
}

/// An order and its latest transaction.
#[derive(Debug, Clone)]
pub struct OrderView {
    pub order_id: String,
    pub status: OrderStatus,
    pub amount: i64,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    pub currency: Currency,
    pub masked_card_no: String,
    pub installment_count: i64,
    pub last: Option<Payment>,
}

impl OrderView {
    pub(crate) fn of(order: OrderRow, last: Option<OrderTxRow>) -> OrderView {
        OrderView {
            order_id: order.order_id,
            status: order.status,
            amount: order.amount,
            captured_amount: order.captured_amount,
            refunded_amount: order.refunded_amount,
            currency: order.currency,
            masked_card_no: order.masked_card_no,
            installment_count: order.installment_count,
            last: last.map(Payment::from),
        }
    }
}
