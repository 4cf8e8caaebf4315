//! `ExpireHolds`: pre-authorization holds older than their product's hold
//! days are released, and their orders become `Expired`.

use cardhost_domain::date::parse_date;
use cardhost_domain::money::add_to_totals;
use cardhost_domain::status::{CardTxStatus, HoldStatus};
use cardhost_domain::Currency;
use cardhost_store::{ledger, vpos, Script, StoreError};

use crate::host::{Call, Host};
use crate::{audit, ServiceError};

#[derive(Debug, Clone, Default)]
pub struct Expired {
    pub released: i64,
    /// Minor units released, per currency.
    pub amounts: Vec<(Currency, i64)>,
}

/// Releases every hold whose product's hold days have passed by `as_of`
/// (`yyyyMMdd`, default today): a hold placed on day D is released from day
/// D + hold days on.
pub async fn expire(
    host: &Host,
    call: &Call,
    as_of: Option<&str>,
) -> Result<Expired, ServiceError> {
    call.caller.require(crate::caller::Scope::Admin)?;
    let calendar = &host.settings.calendar;
    let as_of = match as_of {
        Some(text) => parse_date(text).map_err(|m| ServiceError::field("AsOfDate", m))?,
        None => calendar.business_day(host.clock.now_ms()),
    };
    let cutoff =
        |days: u32| calendar.day_start_ms(as_of - chrono::Duration::days(i64::from(days) - 1));
    let loosest = host
        .settings
        .products
        .iter()
        .map(|p| p.hold_days)
        .min()
        .unwrap_or(7);
    let aged = ledger::open_holds_before(host.db.reader(), cutoff(loosest)).await?;
    let mut out = Expired::default();
    for hold in aged {
        let days = host
            .settings
            .product(&hold.product_code)
            .map_or(7, |p| p.hold_days);
        if hold.created_at >= cutoff(days) {
            continue;
        }
        let now = host.clock.now_ms();
        let mut tx = host.db.begin().await?;
        // The card first, as the authorizer locks it, so the two never deadlock.
        crate::issuer::card_ref::lock(host, &mut tx, hold.card_id).await?;
        let Some(open) = ledger::hold_for_update(&mut tx, host.db.engine(), hold.process_id)
            .await?
            .filter(|h| h.status == HoldStatus::Open)
        else {
            continue;
        };
        let mut script = Script::default();
        ledger::close_hold(&mut script, open.process_id, 0, open.amount, now);
        ledger::set_tx_status(&mut script, open.process_id, CardTxStatus::Expired);
        script.run(&mut tx).await?;
        ledger::add_blocked(&mut tx, &open.ledger_account, -open.amount).await?;
        vpos::expire_order_of_process(&mut tx, open.process_id, now).await?;
        audit::success(&mut tx, host, call, &open.process_id.to_string()).await?;
        tx.commit().await.map_err(StoreError::from)?;
        out.released += 1;
        let currency = hold.currency;
        add_to_totals(&mut out.amounts, currency, open.amount);
    }
    Ok(out)
}
