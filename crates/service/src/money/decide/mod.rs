//! One financial request, decided in memory against the batch's state: the
//! issuer decision of ledger.md in its order, giving a `Plan` that
//! `money::apply` then applies. No I/O happens here; every check comes before
//! the first effect, so a request refused with an error leaves nothing behind.
//! The checks of a card are in `checks`, new spends and loads in `spend`,
//! refunds, reversals and completions of an earlier transaction in
//! `follow_ups`.

mod checks;
pub use checks::status_code;
mod follow_ups;
mod spend;

use cardhost_domain::ledger::{Account, Entry, Unit};
use cardhost_domain::status::{CardTxStatus, CardTxType, Channel};
use checks::{amount_limits_funds, card_checks, restricted};
pub(super) use checks::{funds, Funds};
use follow_ups::decide_follow_up;
use spend::{approved, decide_load, decide_spend};

use cardhost_crypto::{PinBlockFormat, SecurityModule};
use cardhost_domain::card::{CardStatus, Pan};
use cardhost_domain::product::CardProduct;
use cardhost_domain::response as rc;
use cardhost_domain::secret::{Cvv2, PinBlock};
use cardhost_domain::Currency;
use cardhost_store::cards::CardRow;
use cardhost_store::ledger::{CardTxRow, HoldRow};
use cardhost_store::merchants::TerminalRow;
use cardhost_store::vpos::{OrderRow, OrderTxRow};
use chrono::{DateTime, Utc};
use rand::Rng;

use super::apply::{apply, Applied};
use super::order::{self, VposLeg};
use super::state::BatchState;
use super::writes::Writes;
use crate::host::{Call, Host, Settings};
use crate::issuer::card_ref::status_at;
use crate::ServiceError;

/// A PIN block to check with the request.
#[derive(Debug, Clone)]
pub struct PinInput {
    pub block: PinBlock,
    pub format: PinBlockFormat,
    pub zpk: String,
}

/// A financial request, validated, for a card the host holds.
#[derive(Debug, Clone)]
pub struct TxRequest {
    pub call: Call,
    pub kind: CardTxType,
    pub card_id: i64,
    pub reference: String,
    /// Digest of the request's content (CVV2 and PIN excluded) for idempotency.
    pub digest: String,
    /// Minor units in the request's currency; `None` for a reversal (the original's).
    pub amount: Option<i64>,
    pub currency: Option<Currency>,
    pub channel: Channel,
    pub mcc: Option<String>,
    pub merchant_name: Option<String>,
    pub merchant_country: Option<String>,
    pub expiry: Option<String>,
    pub cvv2: Option<Cvv2>,
    pub pin: Option<PinInput>,
    /// The clear card number, when the request carried it: CVV2 and PIN are
    /// then checked against it, without reading the vault.
    pub pan: Option<Pan>,
    pub original: Option<i64>,
    /// Card to card: the card credited.
    pub target_card_id: Option<i64>,
    /// A virtual POS payment: its order and batch rows commit with the posting.
    pub vpos: Option<VposLeg>,
}

impl TxRequest {
    /// A request with no merchant data, card checks or original transaction;
    /// callers fill in what their operation carries.
    pub fn new(
        call: &Call,
        kind: CardTxType,
        card_id: i64,
        reference: String,
        digest: String,
        amount: Option<i64>,
        currency: Option<Currency>,
    ) -> TxRequest {
        TxRequest {
            call: call.clone(),
            kind,
            card_id,
            reference,
            digest,
            amount,
            currency,
            channel: Channel::Pos,
            mcc: None,
            merchant_name: None,
            merchant_country: None,
            expiry: None,
            cvv2: None,
            pin: None,
            pan: None,
            original: None,
            target_card_id: None,
            vpos: None,
        }
    }
}

/// The decided transaction, as its row records it.
#[derive(Debug, Clone)]
pub struct TxOutcome {
    pub row: CardTxRow,
    pub masked_pan: String,
    /// True when this answers a repeated reference.
    pub repeated: bool,
    /// Card to card: the credited card, masked.
    pub target_masked_pan: Option<String>,
    /// A virtual POS payment: its order transaction.
    pub vpos: Option<OrderTxRow>,
}

/// What every decision of a batch shares: the host's settings and security
/// module, and the batch's one clock reading.
pub struct Env<'a> {
    pub security: &'a dyn SecurityModule,
    pub settings: &'a Settings,
    pub now: DateTime<Utc>,
    pub now_ms: i64,
    pub business_date: String,
}

impl<'a> Env<'a> {
    /// The host's decision inputs at this moment.
    pub fn of(host: &'a Host) -> Env<'a> {
        let now = host.clock.now();
        Env::at(host.security.as_ref(), &host.settings, now)
    }

    pub fn at(
        security: &'a dyn SecurityModule,
        settings: &'a Settings,
        now: DateTime<Utc>,
    ) -> Env<'a> {
        let now_ms = now.timestamp_millis();
        Env {
            security,
            settings,
            now,
            now_ms,
            business_date: settings.calendar.business_date(now_ms),
        }
    }

    fn product_of(&self, card: &CardRow) -> Result<&'a CardProduct, ServiceError> {
        self.settings.card_product(&card.product_code, card.card_id)
    }
}

/// Process and transfer ids handed out by the authorizer.
pub trait Ids {
    fn next_process_id(&mut self) -> i64;
    fn next_transfer_id(&mut self) -> i64;
}

/// What a decision will write.
pub(super) struct Plan {
    pub(super) code: &'static str,
    pub(super) status: CardTxStatus,
    pub(super) amount: i64,
    pub(super) entries: Vec<Entry>,
    pub(super) new_hold: Option<i64>,
    pub(super) close_hold: Option<(HoldRow, i64)>,
    pub(super) original_status: Option<(i64, CardTxStatus)>,
    pub(super) points: i64,
    /// Loyalty points spent on the purchase.
    pub(super) points_spent: i64,
}

impl Plan {
    fn declined(code: &'static str, amount: i64) -> Plan {
        Plan::moving_nothing(code, CardTxStatus::Declined, amount)
    }

    fn moving_nothing(code: &'static str, status: CardTxStatus, amount: i64) -> Plan {
        Plan {
            code,
            status,
            amount,
            entries: Vec::new(),
            new_hold: None,
            close_hold: None,
            original_status: None,
            points: 0,
            points_spent: 0,
        }
    }
}

pub(super) fn auth_code() -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    (0..6)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}

/// The first outcome of a repeated request, or `Result` 7 (other content) or
/// 4 (a second capture or void).
fn repeat(state: &BatchState, req: &TxRequest, pid: i64) -> Result<TxOutcome, ServiceError> {
    let vpos_tx = match &req.vpos {
        Some(leg) => {
            let found = state
                .order_txs
                .get(&(leg.merchant_no.clone(), leg.order_id.clone()))
                .and_then(|txs| txs.iter().find(|t| t.process_id == pid))
                .cloned()
                .ok_or_else(|| ServiceError::Internal("repeated order transaction".into()))?;
            Some(order::check_repeat(found, leg, &req.digest)?)
        }
        None => {
            let key = (req.call.caller.client_id.clone(), req.reference.clone());
            let used = state.references.get(&key);
            if used.is_some_and(|u| {
                u.operation != req.call.operation || u.request_digest != req.digest
            }) {
                return Err(ServiceError::IdempotencyConflict(format!(
                    "Reference {} was used before with different content",
                    req.reference
                )));
            }
            None
        }
    };
    let row = state
        .txs
        .get(&pid)
        .cloned()
        .ok_or_else(|| ServiceError::Internal("repeated transaction missing".into()))?;
    let card = state
        .cards
        .get(&row.card_id)
        .ok_or_else(|| ServiceError::Internal("card".into()))?;
    let target_masked_pan = state
        .transfer_targets
        .get(&pid)
        .and_then(|t| state.cards.get(t))
        .map(|c| c.masked_pan.clone());
    Ok(TxOutcome {
        masked_pan: card.masked_pan.clone(),
        row,
        repeated: true,
        target_masked_pan,
        vpos: vpos_tx,
    })
}

/// Decides one request against the batch's state, applies its effects to
/// the state and gathers its writes.
pub fn authorize(
    env: &Env,
    state: &mut BatchState,
    writes: &mut Writes,
    req: &TxRequest,
    ids: &mut (dyn Ids + Send),
) -> Result<TxOutcome, ServiceError> {
    if let Some(pid) = state.prior_of(req) {
        return repeat(state, req, pid);
    }
    let mut card = state
        .cards
        .get(&req.card_id)
        .cloned()
        .ok_or_else(|| ServiceError::NotFound("Card not found.".into()))?;
    let product = env.product_of(&card)?.clone();
    let funds_now = funds(state, &card, product.card_type);
    let mut plan = match req.kind {
        k if k.spends() => decide_spend(env, state, &mut card, &product, req, funds_now.room)?,
        CardTxType::Load | CardTxType::MoneySend => {
            decide_load(env, state, &card, &product, req, funds_now.balance)
        }
        _ => decide_follow_up(state, &card, &product, req),
    };
    let mut target: Option<CardRow> = None;
    if req.kind == CardTxType::TransferOut && plan.code == rc::APPROVED {
        match credit_leg(env, state, &card, &product, req)? {
            Ok(credited) => {
                plan.entries.push((
                    Account::Card(&credited.account_no).name(),
                    plan.amount,
                    Unit::Money(product.currency),
                ));
                target = Some(credited);
            }
            Err(code) => plan = Plan::declined(code, plan.amount),
        }
    }
    // The order's own checks, before any effect.
    let order_checked = match &req.vpos {
        Some(leg) => Some(order_check(state, leg, plan.amount)?),
        None => None,
    };
    let applied = Applied {
        card,
        product,
        funds_now,
        plan,
        target,
        order_checked,
    };
    apply(env, state, writes, req, ids, applied)
}

/// The order and terminal a VPOS leg acts on, admitted by the order's rules.
fn order_check(
    state: &BatchState,
    leg: &VposLeg,
    amount: i64,
) -> Result<(Option<OrderRow>, TerminalRow), ServiceError> {
    let key = (leg.merchant_no.clone(), leg.order_id.clone());
    let order = state.orders.get(&key);
    let target = leg.target.and_then(|pid| {
        state
            .order_txs
            .get(&key)
            .and_then(|txs| txs.iter().find(|t| t.process_id == pid))
    });
    let terminal = order::admit(
        leg,
        order,
        state.terminals.get(&leg.terminal_no),
        target,
        amount,
    )?;
    Ok((order.cloned(), terminal.clone()))
}

/// The credit leg of a card-to-card transfer: the target must take money in
/// the source's currency and, if prepaid, stay within its maximum balance.
fn credit_leg(
    env: &Env,
    state: &BatchState,
    source: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
) -> Result<Result<CardRow, &'static str>, ServiceError> {
    let Some(target_id) = req.target_card_id else {
        return Ok(Err(rc::INVALID_CARD));
    };
    if target_id == source.card_id {
        return Ok(Err(rc::INVALID_TRANSACTION));
    }
    let target = state
        .cards
        .get(&target_id)
        .cloned()
        .ok_or_else(|| ServiceError::NotFound("Card not found.".into()))?;
    let Some(target_product) = env.settings.product(&target.product_code) else {
        return Ok(Err(rc::INVALID_CARD));
    };
    let status = status_at(&target, env.now);
    if let Some(code) = status_code(status).filter(|_| status != CardStatus::NotActivated) {
        return Ok(Err(code));
    }
    if target_product.currency != product.currency {
        return Ok(Err(rc::INVALID_TRANSACTION));
    }
    let balance = funds(state, &target, target_product.card_type).balance;
    if target_product
        .max_balance
        .is_some_and(|max| balance + req.amount.unwrap_or(0) > max.get())
    {
        return Ok(Err(rc::EXCEEDS_AMOUNT_LIMIT));
    }
    Ok(Ok(target))
}
