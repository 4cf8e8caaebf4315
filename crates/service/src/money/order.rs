//! The virtual POS channel's effects on an on-us payment, as the authorizer
//! applies them: an order's rules (`admit`), and the order, order transaction
//! and batch row a decided payment writes (`outcome`), all without I/O. The
//! `vpos` module builds the [`VposLeg`] a request carries and reads and locks
//! the rows; the money path depends on nothing of it.

use cardhost_domain::product::CardType;
use cardhost_domain::response as rc;
pub use cardhost_domain::status::VposOp;
use cardhost_domain::status::{Later, Network, NotAllowed, OrderStatus, OrderTxStatus};
use cardhost_domain::Currency;
use cardhost_store::batches::{BatchTxRow, OpenBatch};
use cardhost_store::merchants::TerminalRow;
use cardhost_store::vpos::{OrderRow, OrderTxRow};

use crate::ServiceError;

pub fn check_repeat(
    found: OrderTxRow,
    leg: &VposLeg,
    digest: &str,
) -> Result<OrderTxRow, ServiceError> {
    match leg.op {
        VposOp::PostSale => Err(ServiceError::NotAllowed(format!(
            "Order {} was already captured.",
            leg.order_id
        ))),
        VposOp::Void => Err(ServiceError::NotAllowed(format!(
            "Transaction {} was already voided.",
            leg.target.unwrap_or_default()
        ))),
        _ if found.request_digest != digest => Err(ServiceError::IdempotencyConflict(format!(
            "OrderId {} was used before with different content.",
            leg.order_id
        ))),
        _ => Ok(found),
    }
}

fn not_allowed(text: impl Into<String>) -> ServiceError {
    ServiceError::NotAllowed(text.into())
}

/// The transaction a void undoes: the one named, else the order's last
/// approved sale, capture or pre-sale not voided yet.
pub fn void_target(
    txs: &[OrderTxRow],
    process_id: Option<i64>,
) -> Result<&OrderTxRow, ServiceError> {
    let voidable = |t: &&OrderTxRow| {
        t.response_code == rc::APPROVED
            && t.status == OrderTxStatus::Approved
            && matches!(
                t.transaction_type,
                VposOp::Sale | VposOp::PreSale | VposOp::PostSale
            )
    };
    let found = match process_id {
        Some(pid) => txs.iter().find(|t| t.process_id == pid),
        None => txs.iter().rev().find(voidable),
    };
    found
        .filter(voidable)
        .ok_or_else(|| not_allowed("The order has no transaction that can be voided."))
}

/// The approved pre-sale a capture completes.
pub fn capture_target(order: &OrderRow, txs: &[OrderTxRow]) -> Result<OrderTxRow, ServiceError> {
    order
        .status
        .capture()
        .map_err(|e| not_allowed(format!("Order {}: {e}.", order.order_id)))?;
    txs.iter()
        .find(|t| t.transaction_type == VposOp::PreSale && t.response_code == rc::APPROVED)
        .cloned()
        .ok_or_else(|| not_allowed("The order has no pre-authorization."))
}

/// The approved sale or capture a refund returns money of.
pub fn refund_target(order: &OrderRow, txs: &[OrderTxRow]) -> Result<OrderTxRow, ServiceError> {
    order
        .status
        .refund(false)
        .map_err(|e| not_allowed(format!("Order {}: {e}.", order.order_id)))?;
    txs.iter()
        .rev()
        .find(|t| {
            matches!(t.transaction_type, VposOp::Sale | VposOp::PostSale)
                && t.response_code == rc::APPROVED
                && t.status == OrderTxStatus::Approved
        })
        .cloned()
        .ok_or_else(|| not_allowed("The order has nothing captured to refund."))
}

/// The order's own rules for a request, given the order, its terminal and
/// (for a void) the transaction voided: whether it may happen now.
pub fn admit<'t>(
    leg: &VposLeg,
    order: Option<&OrderRow>,
    terminal: Option<&'t TerminalRow>,
    target: Option<&OrderTxRow>,
    amount: i64,
) -> Result<&'t TerminalRow, ServiceError> {
    let terminal = terminal.ok_or_else(|| {
        ServiceError::NotFound(format!("Terminal {} not found.", leg.terminal_no))
    })?;
    match (leg.op, order) {
        (VposOp::Sale | VposOp::PreSale, None) => {}
        (VposOp::Sale | VposOp::PreSale, Some(o)) if o.status == OrderStatus::Created => {}
        (VposOp::Sale | VposOp::PreSale, Some(_)) => {
            return Err(ServiceError::IdempotencyConflict(format!(
                "OrderId {} was used before with different content.",
                leg.order_id
            )))
        }
        (_, None) => {
            return Err(ServiceError::NotFound(format!(
                "Order {} not found.",
                leg.order_id
            )))
        }
        (VposOp::PostSale, Some(o)) => {
            o.status
                .capture()
                .map_err(|e| not_allowed(format!("Order {}: {e}.", o.order_id)))?;
            if amount > o.authorized_amount {
                return Err(not_allowed(
                    "Amount is more than the pre-authorized amount.",
                ));
            }
        }
        (VposOp::Refund, Some(o)) => {
            if o.refunded_amount + amount > o.captured_amount {
                return Err(not_allowed(
                    "Refunds would exceed what was captured on the order.",
                ));
            }
        }
        (VposOp::Void, Some(o)) => {
            if o.refunded_amount > 0 {
                return Err(not_allowed("A refunded order cannot be voided."));
            }
            let target = target
                .filter(|t| t.order_id == o.order_id && t.merchant_no == o.merchant_no)
                .ok_or_else(|| not_allowed("Nothing to void."))?;
            void_target(std::slice::from_ref(target), Some(target.process_id))?;
            if target.batch_no.is_some_and(|b| {
                b != terminal.open_batch_no || target.terminal_no != terminal.terminal_no
            }) {
                return Err(not_allowed(
                    "The transaction's batch is closed; refund it instead.",
                ));
            }
        }
    }
    Ok(terminal)
}

/// What the order becomes after an approved transaction.
fn apply(order: &mut OrderRow, op: VposOp, amount: i64) -> Result<(), NotAllowed> {
    match op {
        VposOp::Sale | VposOp::PreSale => {
            order.status = order.status.pay(op == VposOp::PreSale)?;
            order.authorized_amount = amount;
            if op == VposOp::Sale {
                order.captured_amount = amount;
            }
        }
        VposOp::PostSale => {
            order.status = order.status.capture()?;
            order.captured_amount = amount;
        }
        VposOp::Void => {
            order.status = order.status.void()?;
            order.captured_amount = 0;
        }
        VposOp::Refund => {
            order.refunded_amount += amount;
            order.status = order
                .status
                .refund(order.refunded_amount >= order.captured_amount)?;
        }
    }
    Ok(())
}

/// What a transaction charges and to which card.
#[derive(Debug, Clone)]
pub struct Charge {
    pub amount: i64,
    pub currency: cardhost_domain::Currency,
    pub masked: String,
    pub card: OrderCard,
}

/// The card of an order, as its first transaction knows it.
#[derive(Debug, Clone)]
pub struct OrderCard {
    pub card_id: Option<i64>,
    pub card_type: CardType,
    pub network: Network,
}

impl OrderCard {
    /// The card a paid order holds; an order still waiting for its card (a
    /// hosted page, a QR code) has none to act on.
    pub fn of(order: &OrderRow) -> Result<OrderCard, ServiceError> {
        let missing =
            |what: &str| ServiceError::Internal(format!("order {} has no {what}", order.order_id));
        Ok(OrderCard {
            card_id: order.card_id,
            card_type: order.card_type.0.ok_or_else(|| missing("card type"))?,
            network: order.network.0.ok_or_else(|| missing("network"))?,
        })
    }
}

/// What a decided order transaction writes.
#[derive(Debug, Clone)]
pub struct OrderWrite {
    pub tx: OrderTxRow,
    pub order: OrderRow,
    pub order_is_new: bool,
    pub open_batch: Option<OpenBatch>,
    pub batch_row: Option<BatchTxRow>,
    /// The transaction a void marks `Voided`.
    pub voided: Option<i64>,
}

/// The rows an order transaction `t` writes (its status and batch set here):
/// the batch row when it lands in one, and the order's new state.
/// `voided_batch` is the batch of the transaction a void undoes.
pub fn outcome(
    leg: &VposLeg,
    order: Option<OrderRow>,
    terminal: &TerminalRow,
    mut t: OrderTxRow,
    card: &OrderCard,
    voided_batch: Option<i64>,
) -> Result<OrderWrite, ServiceError> {
    let now = t.created_at;
    let approved = t.response_code == rc::APPROVED;
    t.status = if approved {
        OrderTxStatus::Approved
    } else {
        OrderTxStatus::Declined
    };
    let mut write_batch = None;
    if approved && leg.op.batched() {
        t.batch_no = Some(terminal.open_batch_no);
        let open = OpenBatch {
            terminal_no: terminal.terminal_no.clone(),
            batch_no: terminal.open_batch_no,
            merchant_no: terminal.merchant_no.clone(),
            currency: t.currency,
            open_date: now,
        };
        write_batch = Some((open, batch_row(leg, terminal, &t, card)));
    }
    let voided = leg.target.filter(|_| approved && leg.op == VposOp::Void);
    if voided.is_some() {
        t.batch_no = voided_batch;
    }
    let order_is_new = order.is_none();
    let mut o = match order {
        // An order made before its card was known (a payment page, 3-D
        // Secure) takes the card of its first payment.
        Some(o) if o.status == OrderStatus::Created => OrderRow {
            status: o.status,
            order_token: o.order_token,
            created_at: o.created_at,
            ..new_order(leg, &t, card)
        },
        Some(o) => o,
        None => new_order(leg, &t, card),
    };
    if approved {
        apply(&mut o, leg.op, t.amount).map_err(|e| {
            ServiceError::Internal(format!("order {} admitted but {e}", o.order_id))
        })?;
    } else {
        o.status = o.status.fail();
    }
    o.updated_at = now;
    let (open_batch, batch_row) = write_batch.unzip();
    Ok(OrderWrite {
        tx: t,
        order: o,
        order_is_new,
        open_batch,
        batch_row,
        voided,
    })
}

fn batch_row(
    leg: &VposLeg,
    terminal: &TerminalRow,
    t: &OrderTxRow,
    card: &OrderCard,
) -> BatchTxRow {
    BatchTxRow {
        process_id: t.process_id,
        terminal_no: terminal.terminal_no.clone(),
        batch_no: terminal.open_batch_no,
        merchant_no: terminal.merchant_no.clone(),
        order_id: Some(t.order_id.clone()),
        transaction_type: if leg.op == VposOp::Refund {
            VposOp::Refund
        } else {
            VposOp::Sale
        },
        amount: t.amount,
        currency: t.currency,
        masked_card_no: t.masked_card_no.clone(),
        auth_code: t.auth_code.clone(),
        rrn: t.rrn.clone(),
        installment_count: t.installment_count,
        card_type: card.card_type,
        network: card.network,
        status: OrderTxStatus::Approved,
        created_at: t.created_at,
        commission: None,
        net: None,
        payment_date: None,
    }
}

/// The order as it waits for its card: `Created`, with its token if it has one.
pub fn created(
    (merchant_no, terminal_no, order_id): (&str, &str, &str),
    (amount, currency): (i64, Currency),
    token: Option<&str>,
    description: Option<String>,
    now: i64,
) -> OrderRow {
    OrderRow {
        merchant_no: merchant_no.to_owned(),
        order_id: order_id.to_owned(),
        terminal_no: terminal_no.to_owned(),
        status: OrderStatus::Created,
        amount,
        currency,
        authorized_amount: 0,
        captured_amount: 0,
        refunded_amount: 0,
        installment_count: 0,
        point_amount: 0,
        network: Later(None),
        card_id: None,
        masked_card_no: String::new(),
        card_type: Later(None),
        order_token: token.map(str::to_owned),
        description,
        created_at: now,
        updated_at: now,
    }
}

/// The order a first transaction opens, `Created` until its outcome applies.
fn new_order(leg: &VposLeg, t: &OrderTxRow, card: &OrderCard) -> OrderRow {
    OrderRow {
        point_amount: leg.point_amount,
        card_id: card.card_id,
        masked_card_no: t.masked_card_no.clone(),
        ..leg.order(card, (t.amount, t.currency), t.created_at)
    }
}

/// What an on-us payment carries through the authorizer, so that its order,
/// its order transaction and its batch row commit with the card posting.
#[derive(Debug, Clone)]
pub struct VposLeg {
    pub merchant_no: String,
    pub terminal_no: String,
    pub order_id: String,
    pub op: VposOp,
    /// How a repeat of this request is recognised on the order.
    pub idem_key: String,
    pub installments: i64,
    pub point_amount: i64,
    pub description: Option<String>,
    /// Void, capture, refund: the order transaction acted on.
    pub target: Option<i64>,
}

impl VposLeg {
    /// The order transaction this leg writes, before its outcome is known;
    /// callers fill in the ids, card and answer.
    pub fn tx(
        &self,
        client_id: &str,
        digest: &str,
        (amount, currency): (i64, Currency),
    ) -> OrderTxRow {
        OrderTxRow {
            process_id: 0,
            merchant_no: self.merchant_no.clone(),
            order_id: self.order_id.clone(),
            terminal_no: self.terminal_no.clone(),
            idem_key: self.idem_key.clone(),
            request_digest: digest.to_owned(),
            client_id: client_id.to_owned(),
            transaction_type: self.op,
            amount,
            currency,
            point_amount: self.point_amount,
            installment_count: self.installments,
            response_code: String::new(),
            auth_code: String::new(),
            rrn: String::new(),
            masked_card_no: String::new(),
            network: Network::default(),
            batch_no: None,
            original_process_id: self.target,
            status: OrderTxStatus::default(),
            created_at: 0,
        }
    }

    /// The order this leg opens for `card`, `Created` until its outcome applies.
    pub fn order(&self, card: &OrderCard, money: (i64, Currency), now: i64) -> OrderRow {
        let keys = (
            self.merchant_no.as_str(),
            self.terminal_no.as_str(),
            self.order_id.as_str(),
        );
        OrderRow {
            installment_count: self.installments,
            network: Later(Some(card.network)),
            card_type: Later(Some(card.card_type)),
            ..created(keys, money, None, self.description.clone(), now)
        }
    }
}
