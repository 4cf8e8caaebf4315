//! One financial request, decided in memory against the batch's state: the
//! issuer decision of ledger.md in its order, giving a `Plan` that
//! `money::apply` then applies. No I/O happens here; every check comes before
//! the first effect, so a request refused with an error leaves nothing behind.

use cardhost_crypto::{PinBlockFormat, SecurityModule};
use cardhost_domain::card::{CardStatus, Pan};
use cardhost_domain::ledger::{available, points_earned, points_for_minor};
use cardhost_domain::product::{CardProduct, CardType};
use cardhost_domain::response as rc;
use cardhost_domain::secret::{Cvv2, PinBlock};
use cardhost_domain::Currency;
use cardhost_store::cards::CardRow;
use cardhost_store::ledger::{self, Balance, CardTxRow, HoldRow};
use cardhost_store::merchants::TerminalRow;
use cardhost_store::vpos::{OrderRow, OrderTxRow};
use chrono::{DateTime, Utc};
use rand::Rng;

use super::apply::{apply, Applied};
use super::order::{self, VposLeg};
use super::state::BatchState;
use super::writes::Writes;
use super::{card_ledger, host_ledger, points_ledger, Channel, TxKind};
use crate::host::{Call, Host, Settings};
use crate::issuer::card_ref::status_at;
use crate::issuer::card_security::{check_cvv2, check_pin_block};
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
    pub kind: TxKind,
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
        kind: TxKind,
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
    pub currency: Currency,
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
    pub(super) status: &'static str,
    pub(super) amount: i64,
    pub(super) entries: Vec<(String, i64, i64)>,
    pub(super) new_hold: Option<i64>,
    pub(super) close_hold: Option<(HoldRow, i64)>,
    pub(super) original_status: Option<(i64, &'static str)>,
    pub(super) points: i64,
    /// Loyalty points spent on the purchase.
    pub(super) points_spent: i64,
}

impl Plan {
    fn declined(code: &'static str, amount: i64) -> Plan {
        Plan {
            code,
            status: "Declined",
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

fn status_code(status: CardStatus) -> Option<&'static str> {
    match status {
        CardStatus::Active => None,
        CardStatus::NotActivated => Some(rc::NOT_ACTIVATED),
        CardStatus::Lost => Some(rc::LOST_CARD),
        CardStatus::Stolen => Some(rc::STOLEN_CARD),
        CardStatus::TemporaryBlocked | CardStatus::Fraud | CardStatus::Closed => {
            Some(rc::RESTRICTED_CARD)
        }
        CardStatus::Expired => Some(rc::EXPIRED_CARD),
    }
}

/// Step 6 of the issuer decision: the card's restrictions.
fn restricted(card: &CardRow, product: &CardProduct, req: &TxRequest) -> bool {
    let flag = |v: i64| v != 0;
    let listed = |list: &str, item: &str| list.split(',').any(|x| x == item);
    (req.channel == Channel::Ecom && !flag(card.ecommerce_allowed))
        || ((req.channel == Channel::Atm || req.kind == TxKind::CashWithdrawal)
            && !flag(card.atm_allowed))
        || (req.channel == Channel::Moto && !flag(card.moto_allowed))
        || req
            .merchant_country
            .as_deref()
            .is_some_and(|c| c != product.country.as_str() && !flag(card.international_allowed))
        || req
            .mcc
            .as_deref()
            .is_some_and(|m| listed(&card.blocked_mccs, m))
        || req
            .merchant_country
            .as_deref()
            .is_some_and(|c| listed(&card.blocked_countries, c))
}

/// Steps 7–9: amount and currency, limits, funds.
fn amount_limits_funds(
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
    usage: ledger::DayUsage,
    room: i64,
    paid_in_points: i64,
) -> &'static str {
    let amount = req.amount.unwrap_or(0);
    if amount <= 0 {
        return rc::INVALID_AMOUNT;
    }
    if req.currency != Some(product.currency) {
        return rc::INVALID_TRANSACTION;
    }
    let over = |limit: Option<i64>, used: i64| limit.is_some_and(|l| used + amount > l);
    let purchase_like = matches!(req.kind, TxKind::Purchase | TxKind::PreAuthorization);
    if over(card.transaction_limit, 0)
        || (purchase_like && over(card.daily_purchase_limit, usage.purchase))
        || (req.kind == TxKind::CashWithdrawal && over(card.daily_cash_limit, usage.cash))
        || (purchase_like
            && req.channel == Channel::Ecom
            && over(card.daily_ecom_limit, usage.ecom))
    {
        return rc::EXCEEDS_AMOUNT_LIMIT;
    }
    if card.daily_count_limit.is_some_and(|n| usage.count + 1 > n) {
        return rc::EXCEEDS_FREQUENCY_LIMIT;
    }
    if room < amount - paid_in_points {
        return rc::INSUFFICIENT_FUNDS;
    }
    rc::APPROVED
}

pub(super) struct Funds {
    pub(super) balance: Balance,
    pub(super) room: i64,
    pub(super) card_type: CardType,
    pub(super) card_limit: i64,
    pub(super) customer_limit: i64,
    pub(super) customer_used: i64,
}

impl Funds {
    /// The room after the balance and the blocked amount move by these deltas
    /// (for credit, the customer's use moves with the card's).
    pub(super) fn room_after(&self, balance_delta: i64, blocked_delta: i64) -> i64 {
        let used_delta = blocked_delta - balance_delta;
        available(
            self.card_type,
            self.balance.balance + balance_delta,
            self.balance.blocked + blocked_delta,
            self.card_limit,
            self.customer_limit,
            self.customer_used + used_delta,
        )
    }
}

/// The card's room before the request, from the batch's state.
pub(super) fn funds(state: &BatchState, card: &CardRow, card_type: CardType) -> Funds {
    let balance = state
        .balances
        .get(&card_ledger(&card.account_no))
        .copied()
        .unwrap_or_default();
    let (customer_limit, customer_used) = if card_type == CardType::Credit {
        (
            state
                .customer_limits
                .get(&card.customer_no)
                .copied()
                .unwrap_or(0),
            state
                .customer_used
                .get(&card.customer_no)
                .copied()
                .unwrap_or(0),
        )
    } else {
        (0, 0)
    };
    let room = available(
        card_type,
        balance.balance,
        balance.blocked,
        card.card_limit,
        customer_limit,
        customer_used,
    );
    Funds {
        balance,
        room,
        card_type,
        card_limit: card.card_limit,
        customer_limit,
        customer_used,
    }
}

/// Steps 4 and 5: CVV2 and PIN, against the clear PAN from the vault.
fn card_checks(
    env: &Env,
    state: &BatchState,
    card: &mut CardRow,
    req: &TxRequest,
) -> Result<&'static str, ServiceError> {
    if req.cvv2.is_none() && req.pin.is_none() {
        return Ok(rc::APPROVED);
    }
    let pan = match &req.pan {
        Some(pan) => pan.clone(),
        None => {
            let ciphertext = state.pan_ciphertexts.get(&card.pan_id).ok_or_else(|| {
                ServiceError::Internal(format!("PAN {} missing from the vault", card.pan_id))
            })?;
            env.security.decrypt_pan(ciphertext)?
        }
    };
    if let Some(cvv2) = &req.cvv2 {
        let code = check_cvv2(env.security, card, &pan, cvv2)?;
        if code != rc::APPROVED {
            return Ok(code);
        }
    }
    if let Some(pin) = &req.pin {
        return check_pin_block(
            env.security,
            env.now_ms,
            card,
            &pan,
            &pin.zpk,
            pin.format,
            &pin.block,
        );
    }
    Ok(rc::APPROVED)
}

/// Decides a request that spends the card's money (steps 2–9, then 10's plan).
fn decide_spend(
    env: &Env,
    state: &BatchState,
    card: &mut CardRow,
    product: &CardProduct,
    req: &TxRequest,
    room: i64,
) -> Result<Plan, ServiceError> {
    let amount = req.amount.unwrap_or(0);
    if let Some(code) = status_code(status_at(card, env.now)) {
        return Ok(Plan::declined(code, amount));
    }
    if req.expiry.as_deref().is_some_and(|e| e != card.expiry) {
        return Ok(Plan::declined(rc::EXPIRED_CARD, amount));
    }
    let code = card_checks(env, state, card, req)?;
    if code != rc::APPROVED {
        return Ok(Plan::declined(code, amount));
    }
    if restricted(card, product, req) {
        return Ok(Plan::declined(rc::NOT_PERMITTED_CARDHOLDER, amount));
    }
    let usage = state.usage.get(&card.card_id).copied().unwrap_or_default();
    let paid_in_points = req.vpos.as_ref().map_or(0, |l| l.point_amount);
    let code = amount_limits_funds(card, product, req, usage, room, paid_in_points);
    if code != rc::APPROVED {
        return Ok(Plan::declined(code, amount));
    }
    let points_spent = if paid_in_points > 0 {
        let Some(points) = points_for_minor(paid_in_points, product.currency.exponent()) else {
            return Ok(Plan::declined(rc::INVALID_AMOUNT, amount));
        };
        let held = state
            .balances
            .get(&points_ledger(&card.account_no))
            .map_or(0, |b| b.balance);
        if held < points {
            return Ok(Plan::declined(rc::INSUFFICIENT_FUNDS, amount));
        }
        points
    } else {
        0
    };
    Ok(spend_plan(card, product, req, points_spent))
}

/// Step 10 for a spend: the hold, or the transfer (a sale paid partly with
/// points takes the points part of the money from PointsFunding).
fn spend_plan(card: &CardRow, product: &CardProduct, req: &TxRequest, points_spent: i64) -> Plan {
    let amount = req.amount.unwrap_or(0);
    let paid_in_points = req.vpos.as_ref().map_or(0, |l| l.point_amount);
    let currency = i64::from(product.currency.numeric());
    let account = card_ledger(&card.account_no);
    let mut plan = Plan {
        code: rc::APPROVED,
        status: "Approved",
        amount,
        entries: Vec::new(),
        new_hold: None,
        close_hold: None,
        original_status: None,
        points: 0,
        points_spent,
    };
    if req.kind == TxKind::PreAuthorization {
        plan.status = "Held";
        plan.new_hold = Some(amount);
    } else if req.kind == TxKind::Transfer {
        // The target's account is added once the target is checked.
        plan.entries = vec![(account, -amount, currency)];
    } else {
        let from_card = amount - paid_in_points;
        plan.entries = vec![(host_ledger("OnUsClearing", currency), amount, currency)];
        if from_card > 0 {
            plan.entries.push((account, -from_card, currency));
        }
        if paid_in_points > 0 {
            plan.entries.push((
                host_ledger("PointsFunding", currency),
                -paid_in_points,
                currency,
            ));
        }
        if req.kind == TxKind::Purchase && product.card_type == CardType::Credit {
            plan.points = points_earned(
                from_card,
                product.currency.exponent(),
                product.points_per_hundred,
            );
        }
    }
    plan
}

fn approved(amount: i64, entries: Vec<(String, i64, i64)>) -> Plan {
    Plan {
        code: rc::APPROVED,
        status: "Approved",
        amount,
        entries,
        new_hold: None,
        close_hold: None,
        original_status: None,
        points: 0,
        points_spent: 0,
    }
}

/// Refund, reversal and completion all act on an earlier approved transaction.
fn decide_follow_up(
    state: &BatchState,
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
) -> Plan {
    let requested = req.amount.unwrap_or(0);
    let original = req
        .original
        .and_then(|pid| state.txs.get(&pid))
        .filter(|r| r.card_id == card.card_id || r.account_no == card.account_no);
    let Some(original) = original.filter(|o| o.response_code == rc::APPROVED) else {
        return Plan::declined(rc::INVALID_TRANSACTION, requested);
    };
    if req.currency.is_some_and(|c| c != product.currency) {
        return Plan::declined(rc::INVALID_TRANSACTION, requested);
    }
    match req.kind {
        TxKind::Refund => refund(state, card, product, req, original),
        TxKind::Reversal => reversal(state, req, original),
        TxKind::Completion => completion(state, card, product, req, original),
        _ => Plan::declined(rc::INVALID_TRANSACTION, requested),
    }
}

fn refund(
    state: &BatchState,
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
    original: &CardTxRow,
) -> Plan {
    let refundable = matches!(
        original.transaction_type.as_str(),
        "Purchase" | "Completion"
    ) && matches!(original.status.as_str(), "Approved" | "Refunded");
    if !refundable {
        return Plan::declined(rc::INVALID_TRANSACTION, req.amount.unwrap_or(0));
    }
    let done = state
        .refunded
        .get(&original.process_id)
        .copied()
        .unwrap_or(0);
    let amount = req.amount.unwrap_or(original.amount - done);
    if amount <= 0 || done + amount > original.amount {
        return Plan::declined(rc::INVALID_AMOUNT, amount);
    }
    let currency = i64::from(product.currency.numeric());
    let mut plan = approved(
        amount,
        vec![
            (host_ledger("OnUsClearing", currency), -amount, currency),
            (card_ledger(&card.account_no), amount, currency),
        ],
    );
    if done + amount == original.amount {
        plan.original_status = Some((original.process_id, "Refunded"));
    }
    plan
}

fn reversal(state: &BatchState, req: &TxRequest, original: &CardTxRow) -> Plan {
    let requested = req.amount.unwrap_or(0);
    let reversible = !matches!(original.transaction_type.as_str(), "Reversal" | "Refund")
        && matches!(original.status.as_str(), "Approved" | "Held");
    if !reversible || req.amount.is_some_and(|a| a != original.amount) {
        let code = if reversible {
            rc::INVALID_AMOUNT
        } else {
            rc::INVALID_TRANSACTION
        };
        return Plan::declined(code, requested);
    }
    // A partly refunded transaction is not reversed: the refund already
    // returned part of it.
    if state
        .refunded
        .get(&original.process_id)
        .is_some_and(|r| *r > 0)
    {
        return Plan::declined(rc::INVALID_TRANSACTION, requested);
    }
    if original.transaction_type == "PreAuthorization" {
        let hold = state.holds.get(&original.process_id);
        let Some(hold) = hold.filter(|h| h.status == "Open") else {
            return Plan::declined(rc::INVALID_TRANSACTION, requested);
        };
        let mut plan = approved(original.amount, Vec::new());
        plan.close_hold = Some((hold.clone(), 0));
        plan.original_status = Some((original.process_id, "Reversed"));
        return plan;
    }
    let reversed = state
        .entries
        .get(&original.process_id)
        .map(|entries| {
            entries
                .iter()
                .map(|(a, amount, c)| (a.clone(), -amount, *c))
                .collect()
        })
        .unwrap_or_default();
    let mut plan = approved(original.amount, reversed);
    plan.original_status = Some((original.process_id, "Reversed"));
    plan
}

fn completion(
    state: &BatchState,
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
    original: &CardTxRow,
) -> Plan {
    let requested = req.amount.unwrap_or(0);
    if original.transaction_type != "PreAuthorization" || original.status != "Held" {
        return Plan::declined(rc::INVALID_TRANSACTION, requested);
    }
    let hold = state.holds.get(&original.process_id);
    let Some(hold) = hold.filter(|h| h.status == "Open") else {
        return Plan::declined(rc::INVALID_TRANSACTION, requested);
    };
    let amount = req.amount.unwrap_or(hold.amount);
    if amount <= 0 || amount > hold.amount {
        return Plan::declined(rc::INVALID_AMOUNT, amount);
    }
    let currency = i64::from(product.currency.numeric());
    let mut plan = approved(
        amount,
        vec![
            (card_ledger(&card.account_no), -amount, currency),
            (host_ledger("OnUsClearing", currency), amount, currency),
        ],
    );
    if product.card_type == CardType::Credit {
        plan.points = points_earned(
            amount,
            product.currency.exponent(),
            product.points_per_hundred,
        );
    }
    plan.close_hold = Some((hold.clone(), amount));
    plan.original_status = Some((original.process_id, "Captured"));
    plan
}

/// A load, or on a credit card a repayment: prepaid cards keep their maximum
/// balance and monthly load limit.
fn decide_load(
    env: &Env,
    state: &BatchState,
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
    balance: Balance,
) -> Plan {
    let amount = req.amount.unwrap_or(0);
    let status = status_at(card, env.now);
    if let Some(code) = status_code(status).filter(|_| status != CardStatus::NotActivated) {
        return Plan::declined(code, amount);
    }
    if amount <= 0 {
        return Plan::declined(rc::INVALID_AMOUNT, amount);
    }
    if req.currency != Some(product.currency) {
        return Plan::declined(rc::INVALID_TRANSACTION, amount);
    }
    if product
        .max_balance
        .is_some_and(|max| balance.balance + amount > max.get())
    {
        return Plan::declined(rc::EXCEEDS_AMOUNT_LIMIT, amount);
    }
    if let Some(limit) = product
        .monthly_load_limit
        .filter(|_| req.kind == TxKind::Load)
    {
        let loaded = state.loaded.get(&card.account_no).copied().unwrap_or(0);
        if loaded + amount > limit.get() {
            return Plan::declined(rc::EXCEEDS_AMOUNT_LIMIT, amount);
        }
    }
    let currency = i64::from(product.currency.numeric());
    approved(
        amount,
        vec![
            (host_ledger("IssuerFunding", currency), -amount, currency),
            (card_ledger(&card.account_no), amount, currency),
        ],
    )
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
    let currency = u16::try_from(row.currency)
        .ok()
        .and_then(Currency::from_numeric)
        .ok_or_else(|| ServiceError::Internal(format!("stored currency {}", row.currency)))?;
    let target_masked_pan = state
        .transfer_targets
        .get(&pid)
        .and_then(|t| state.cards.get(t))
        .map(|c| c.masked_pan.clone());
    Ok(TxOutcome {
        masked_pan: card.masked_pan.clone(),
        currency,
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
        TxKind::Load | TxKind::MoneySend => {
            decide_load(env, state, &card, &product, req, funds_now.balance)
        }
        _ => decide_follow_up(state, &card, &product, req),
    };
    let mut target: Option<CardRow> = None;
    if req.kind == TxKind::Transfer && plan.code == rc::APPROVED {
        match credit_leg(env, state, &card, &product, req)? {
            Ok(credited) => {
                plan.entries.push((
                    card_ledger(&credited.account_no),
                    plan.amount,
                    i64::from(product.currency.numeric()),
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
        .is_some_and(|max| balance.balance + req.amount.unwrap_or(0) > max.get())
    {
        return Ok(Err(rc::EXCEEDS_AMOUNT_LIMIT));
    }
    Ok(Ok(target))
}
