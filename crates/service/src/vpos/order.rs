//! An order's rows read, locked and written for the payments that do not go
//! through the authorizer: refusals and off-us payments (after the network
//! answered). The rules and the rows themselves are `money::order`'s, the same
//! code the authorizer applies to on-us payments.

use cardhost_domain::status::OrderTxStatus;
use cardhost_store::batches;
use cardhost_store::merchants::{self, TerminalRow};
use cardhost_store::vpos::{self, OrderRow, OrderTxRow};
use cardhost_store::{table, Script, Tx};

use super::{VposLeg, VposOp};
use crate::host::Host;
pub use crate::money::order::{
    admit, capture_target, check_repeat, outcome, refund_target, void_target, Charge, OrderCard,
    OrderWrite,
};
use crate::ServiceError;

/// The earlier request with the same key on the order: the first outcome when
/// the content is the same, `Result` 7 when it differs; a capture or a void
/// happens once, so a second one is `Result` 4.
pub async fn prior(
    tx: &mut Tx<'_>,
    leg: &VposLeg,
    digest: &str,
) -> Result<Option<OrderTxRow>, ServiceError> {
    let Some(found) =
        vpos::tx_by_key(&mut **tx, &leg.merchant_no, &leg.order_id, &leg.idem_key).await?
    else {
        return Ok(None);
    };
    check_repeat(found, leg, digest).map(Some)
}

/// Locks the terminal shared (so its batch cannot close under this
/// transaction, while other payments on it go on) and the order, and checks
/// again, under those locks, that this request may still happen. Nothing has
/// been written when it refuses.
pub async fn lock_for(
    tx: &mut Tx<'_>,
    host: &Host,
    leg: &VposLeg,
    amount: i64,
) -> Result<(Option<OrderRow>, TerminalRow), ServiceError> {
    let terminal = merchants::terminal_for_share(tx, host.db.engine(), &leg.terminal_no).await?;
    let order =
        vpos::order_for_update(tx, host.db.engine(), &leg.merchant_no, &leg.order_id).await?;
    let target = match (leg.op, &order) {
        (VposOp::Void, Some(_)) => vpos::tx(&mut **tx, leg.target.unwrap_or_default()).await?,
        _ => None,
    };
    let terminal = admit(
        leg,
        order.as_ref(),
        terminal.as_ref(),
        target.as_ref(),
        amount,
    )?;
    Ok((order, terminal.clone()))
}

/// Writes the order transaction `t`, its batch row and the order's new state.
pub async fn record(
    tx: &mut Tx<'_>,
    leg: &VposLeg,
    order: Option<OrderRow>,
    terminal: &TerminalRow,
    t: OrderTxRow,
    card: &OrderCard,
) -> Result<OrderTxRow, ServiceError> {
    let voided_batch = match leg.target.filter(|_| leg.op == VposOp::Void) {
        Some(target) => vpos::tx(&mut **tx, target).await?.and_then(|v| v.batch_no),
        None => None,
    };
    let w = outcome(leg, order, terminal, t, card, voided_batch)?;
    let mut script = Script::default();
    if let (Some(open), Some(row)) = (&w.open_batch, &w.batch_row) {
        batches::open_batches(&mut script, std::slice::from_ref(open));
        batches::insert_txs(&mut script, std::slice::from_ref(row));
    }
    if let Some(target) = w.voided {
        vpos::set_tx_status(&mut script, target, OrderTxStatus::Voided);
        batches::set_tx_status(&mut script, target, OrderTxStatus::Voided);
    }
    script.run(tx).await?;
    vpos::insert_tx(tx, &w.tx).await?;
    if w.order_is_new {
        table::insert(tx, &w.order).await?;
    } else {
        vpos::update_order(tx, &w.order).await?;
    }
    Ok(w.tx)
}
