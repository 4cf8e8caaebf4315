//! One financial request, decided and posted inside the authorizer's batch
//! transaction: the issuer decision of ledger.md in its order, then the
//! postings. Every read and decision comes before the first write, so a
//! request refused with an error leaves nothing behind in the batch.

use cardhost_crypto::PinBlockFormat;
use cardhost_domain::card::CardStatus;
use cardhost_domain::fees::Network;
use cardhost_domain::ledger::{available, points_earned, points_for_minor};
use cardhost_domain::product::{CardProduct, CardType};
use cardhost_domain::response as rc;
use cardhost_domain::Currency;
use cardhost_store::cards::{self, CardRow};
use cardhost_store::ledger::{self, Balance, CardTxRow, HoldRow};
use cardhost_store::vpos::OrderTxRow;
use cardhost_store::{customers, Tx};
use rand::Rng;

use super::{card_ledger, host_ledger, points_ledger, Channel, TxKind, POINTS_CURRENCY};
use crate::host::{Call, Host};
use crate::issuer::card_ref::{self, effective_status};
use crate::issuer::card_security::{check_cvv2, check_pin_block};
use crate::vpos::{order, VposLeg};
use crate::{audit, idempotency, vault, ServiceError};

/// A PIN block to check with the request.
#[derive(Debug, Clone)]
pub struct PinInput {
    pub block: String,
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
    pub cvv2: Option<String>,
    pub pin: Option<PinInput>,
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

/// Process and transfer ids handed out by the authorizer.
pub trait Ids {
    fn next_process_id(&mut self) -> i64;
    fn next_transfer_id(&mut self) -> i64;
}

/// What a decision will write.
struct Plan {
    code: &'static str,
    status: &'static str,
    amount: i64,
    entries: Vec<(String, i64, i64)>,
    new_hold: Option<i64>,
    close_hold: Option<(HoldRow, i64)>,
    original_status: Option<(i64, &'static str)>,
    points: i64,
    /// Loyalty points spent on the purchase.
    points_spent: i64,
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

struct Funds {
    balance: Balance,
    room: i64,
    card_type: CardType,
    card_limit: i64,
    customer_limit: i64,
    customer_used: i64,
}

impl Funds {
    /// The room after the balance and the blocked amount move by these deltas
    /// (for credit, the customer's use moves with the card's).
    fn room_after(&self, balance_delta: i64, blocked_delta: i64) -> i64 {
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

async fn funds(
    tx: &mut Tx,
    host: &Host,
    card: &CardRow,
    card_type: CardType,
    currency: Currency,
) -> Result<Funds, ServiceError> {
    let account = card_ledger(&card.account_no);
    let mut balance = ledger::balance_for_update(tx, host.db.engine(), &account).await?;
    if balance.is_none() {
        ledger::ensure_account(
            tx,
            &account,
            i64::from(currency.numeric()),
            host.clock.now_ms(),
        )
        .await?;
        balance = ledger::balance_for_update(tx, host.db.engine(), &account).await?;
    }
    let balance = balance.unwrap_or_default();
    let (customer_limit, customer_used) = if card_type == CardType::Credit {
        let customer = customers::get_for_update(tx, host.db.engine(), &card.customer_no).await?;
        let limit = customer.map_or(0, |c| c.credit_limit);
        (
            limit,
            ledger::customer_credit_used(tx, &card.customer_no).await?,
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
    Ok(Funds {
        balance,
        room,
        card_type,
        card_limit: card.card_limit,
        customer_limit,
        customer_used,
    })
}

/// Decides a request that spends the card's money (steps 2–9, then 10's plan).
async fn decide_spend(
    tx: &mut Tx,
    host: &Host,
    card: &mut CardRow,
    product: &CardProduct,
    req: &TxRequest,
    room: i64,
) -> Result<Plan, ServiceError> {
    let amount = req.amount.unwrap_or(0);
    if let Some(code) = status_code(effective_status(host, card)) {
        return Ok(Plan::declined(code, amount));
    }
    if req.expiry.as_deref().is_some_and(|e| e != card.expiry) {
        return Ok(Plan::declined(rc::EXPIRED_CARD, amount));
    }
    if req.cvv2.is_some() || req.pin.is_some() {
        let pan = vault::reveal(&host.db, host.security.as_ref(), card.pan_id).await?;
        if let Some(cvv2) = &req.cvv2 {
            let code = check_cvv2(host, card, &pan, cvv2)?;
            if code != rc::APPROVED {
                return Ok(Plan::declined(code, amount));
            }
        }
        if let Some(pin) = &req.pin {
            let code = check_pin_block(host, card, &pan, &pin.zpk, pin.format, &pin.block)?;
            if code != rc::APPROVED {
                return Ok(Plan::declined(code, amount));
            }
        }
    }
    if restricted(card, product, req) {
        return Ok(Plan::declined(rc::NOT_PERMITTED_CARDHOLDER, amount));
    }
    // The day's usage is read only for a card that has a daily limit to check.
    let has_daily_limit = card.daily_purchase_limit.is_some()
        || card.daily_cash_limit.is_some()
        || card.daily_ecom_limit.is_some()
        || card.daily_count_limit.is_some();
    let usage = if has_daily_limit {
        let business_date = host.settings.calendar.business_date(host.clock.now_ms());
        ledger::day_usage(tx, card.card_id, &business_date).await?
    } else {
        ledger::DayUsage::default()
    };
    let paid_in_points = req.vpos.as_ref().map_or(0, |l| l.point_amount);
    let code = amount_limits_funds(card, product, req, usage, room, paid_in_points);
    if code != rc::APPROVED {
        return Ok(Plan::declined(code, amount));
    }
    let points_spent = if paid_in_points > 0 {
        let Some(points) = points_for_minor(paid_in_points, product.currency.exponent()) else {
            return Ok(Plan::declined(rc::INVALID_AMOUNT, amount));
        };
        let held =
            ledger::balance_for_update(tx, host.db.engine(), &points_ledger(&card.account_no))
                .await?
                .map_or(0, |b| b.balance);
        if held < points {
            return Ok(Plan::declined(rc::INSUFFICIENT_FUNDS, amount));
        }
        points
    } else {
        0
    };
    let currency = i64::from(product.currency.numeric());
    let account = card_ledger(&card.account_no);
    let mut plan = Plan {
        code,
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
        // The target's account is added by `authorize` once the target is checked.
        plan.entries = vec![(account, -amount, currency)];
    } else {
        // A sale paid partly with points: the points part of the money comes
        // from PointsFunding, the rest from the card.
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
    Ok(plan)
}

async fn original_of(
    tx: &mut Tx,
    card: &CardRow,
    req: &TxRequest,
) -> Result<Option<CardTxRow>, ServiceError> {
    let Some(pid) = req.original else {
        return Ok(None);
    };
    let row = ledger::card_tx(tx, pid).await?;
    Ok(row.filter(|r| r.card_id == card.card_id || r.account_no == card.account_no))
}

/// Refund, reversal and completion all act on an earlier approved transaction.
async fn decide_follow_up(
    tx: &mut Tx,
    host: &Host,
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
) -> Result<Plan, ServiceError> {
    let requested = req.amount.unwrap_or(0);
    let Some(original) = original_of(tx, card, req).await? else {
        return Ok(Plan::declined(rc::INVALID_TRANSACTION, requested));
    };
    if original.response_code != rc::APPROVED {
        return Ok(Plan::declined(rc::INVALID_TRANSACTION, requested));
    }
    if req.currency.is_some_and(|c| c != product.currency) {
        return Ok(Plan::declined(rc::INVALID_TRANSACTION, requested));
    }
    let currency = i64::from(product.currency.numeric());
    let account = card_ledger(&card.account_no);
    let approved = |amount: i64, entries: Vec<(String, i64, i64)>| Plan {
        code: rc::APPROVED,
        status: "Approved",
        amount,
        entries,
        new_hold: None,
        close_hold: None,
        original_status: None,
        points: 0,
        points_spent: 0,
    };
    match req.kind {
        TxKind::Refund => {
            let refundable = matches!(
                original.transaction_type.as_str(),
                "Purchase" | "Completion"
            ) && matches!(original.status.as_str(), "Approved" | "Refunded");
            if !refundable {
                return Ok(Plan::declined(rc::INVALID_TRANSACTION, requested));
            }
            let done = ledger::refunded_total(tx, original.process_id).await?;
            let amount = req.amount.unwrap_or(original.amount - done);
            if amount <= 0 || done + amount > original.amount {
                return Ok(Plan::declined(rc::INVALID_AMOUNT, amount));
            }
            let mut plan = approved(
                amount,
                vec![
                    (host_ledger("OnUsClearing", currency), -amount, currency),
                    (account, amount, currency),
                ],
            );
            if done + amount == original.amount {
                plan.original_status = Some((original.process_id, "Refunded"));
            }
            Ok(plan)
        }
        TxKind::Reversal => {
            let reversible = !matches!(original.transaction_type.as_str(), "Reversal" | "Refund")
                && matches!(original.status.as_str(), "Approved" | "Held");
            if !reversible || req.amount.is_some_and(|a| a != original.amount) {
                let code = if reversible {
                    rc::INVALID_AMOUNT
                } else {
                    rc::INVALID_TRANSACTION
                };
                return Ok(Plan::declined(code, requested));
            }
            // A partly refunded transaction is not reversed: the refund already
            // returned part of it.
            if ledger::refunded_total(tx, original.process_id).await? > 0 {
                return Ok(Plan::declined(rc::INVALID_TRANSACTION, requested));
            }
            if original.transaction_type == "PreAuthorization" {
                let hold =
                    ledger::hold_for_update(tx, host.db.engine(), original.process_id).await?;
                let Some(hold) = hold.filter(|h| h.status == "Open") else {
                    return Ok(Plan::declined(rc::INVALID_TRANSACTION, requested));
                };
                let mut plan = approved(original.amount, Vec::new());
                plan.close_hold = Some((hold, 0));
                plan.original_status = Some((original.process_id, "Reversed"));
                return Ok(plan);
            }
            let entries = ledger::entries_of_process(tx, original.process_id).await?;
            let reversed = entries
                .into_iter()
                .map(|(a, amount, c)| (a, -amount, c))
                .collect();
            let mut plan = approved(original.amount, reversed);
            plan.original_status = Some((original.process_id, "Reversed"));
            Ok(plan)
        }
        TxKind::Completion => {
            if original.transaction_type != "PreAuthorization" || original.status != "Held" {
                return Ok(Plan::declined(rc::INVALID_TRANSACTION, requested));
            }
            let hold = ledger::hold_for_update(tx, host.db.engine(), original.process_id).await?;
            let Some(hold) = hold.filter(|h| h.status == "Open") else {
                return Ok(Plan::declined(rc::INVALID_TRANSACTION, requested));
            };
            let amount = req.amount.unwrap_or(hold.amount);
            if amount <= 0 || amount > hold.amount {
                return Ok(Plan::declined(rc::INVALID_AMOUNT, amount));
            }
            let mut plan = approved(
                amount,
                vec![
                    (account, -amount, currency),
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
            plan.close_hold = Some((hold, amount));
            plan.original_status = Some((original.process_id, "Captured"));
            Ok(plan)
        }
        _ => Ok(Plan::declined(rc::INVALID_TRANSACTION, requested)),
    }
}

/// A load, or on a credit card a repayment: prepaid cards keep their maximum
/// balance and monthly load limit.
async fn decide_load(
    tx: &mut Tx,
    host: &Host,
    card: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
    balance: Balance,
) -> Result<Plan, ServiceError> {
    let amount = req.amount.unwrap_or(0);
    let status = effective_status(host, card);
    if let Some(code) = status_code(status).filter(|_| status != CardStatus::NotActivated) {
        return Ok(Plan::declined(code, amount));
    }
    if amount <= 0 {
        return Ok(Plan::declined(rc::INVALID_AMOUNT, amount));
    }
    if req.currency != Some(product.currency) {
        return Ok(Plan::declined(rc::INVALID_TRANSACTION, amount));
    }
    if product
        .max_balance
        .is_some_and(|max| balance.balance + amount > max.get())
    {
        return Ok(Plan::declined(rc::EXCEEDS_AMOUNT_LIMIT, amount));
    }
    if let Some(limit) = product
        .monthly_load_limit
        .filter(|_| req.kind == TxKind::Load)
    {
        let month_start = host.settings.calendar.month_start_ms(host.clock.now_ms());
        let loaded = ledger::loaded_since(tx, &card.account_no, month_start).await?;
        if loaded + amount > limit.get() {
            return Ok(Plan::declined(rc::EXCEEDS_AMOUNT_LIMIT, amount));
        }
    }
    let currency = i64::from(product.currency.numeric());
    Ok(Plan {
        code: rc::APPROVED,
        status: "Approved",
        amount,
        entries: vec![
            (host_ledger("IssuerFunding", currency), -amount, currency),
            (card_ledger(&card.account_no), amount, currency),
        ],
        new_hold: None,
        close_hold: None,
        original_status: None,
        points: 0,
        points_spent: 0,
    })
}

fn auth_code() -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    (0..6)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}

/// Decides and posts one request inside the batch transaction.
pub async fn authorize(
    tx: &mut Tx,
    host: &Host,
    req: &TxRequest,
    ids: &mut (dyn Ids + Send),
) -> Result<TxOutcome, ServiceError> {
    let prior = match &req.vpos {
        Some(leg) => order::prior(tx, leg, &req.digest)
            .await?
            .map(|t| t.process_id.to_string()),
        None => idempotency::prior(tx, &req.call, &req.reference, &req.digest).await?,
    };
    if let Some(outcome) = prior {
        let pid: i64 = outcome
            .parse()
            .map_err(|_| ServiceError::Internal("idempotency outcome".into()))?;
        let vpos_tx = match &req.vpos {
            Some(_) => cardhost_store::vpos::tx(&mut **tx, pid).await?,
            None => None,
        };
        let row = ledger::card_tx(tx, pid)
            .await?
            .ok_or_else(|| ServiceError::Internal("repeated transaction missing".into()))?;
        let card = cards::by_id_for_update(tx, host.db.engine(), row.card_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("card".into()))?;
        let currency = u16::try_from(row.currency)
            .ok()
            .and_then(Currency::from_numeric)
            .unwrap_or(Currency::TRY);
        let target_masked_pan = match ledger::transfer_target(tx, row.process_id).await? {
            Some(target_id) => cards::by_id_for_update(tx, host.db.engine(), target_id)
                .await?
                .map(|c| c.masked_pan),
            None => None,
        };
        return Ok(TxOutcome {
            masked_pan: card.masked_pan,
            currency,
            row,
            repeated: true,
            target_masked_pan,
            vpos: vpos_tx,
        });
    }
    // Both cards of a transfer are locked in card-id order, so two opposite
    // transfers on PostgreSQL cannot deadlock.
    if let Some(first) = req.target_card_id.filter(|t| *t < req.card_id) {
        card_ref::lock(host, tx, first).await?;
    }
    let mut card = card_ref::lock(host, tx, req.card_id).await?;
    let product = card_ref::product_of(host, &card)?.clone();

    let counters_before = (
        card.cvv2_retry_count,
        card.pin_retry_count,
        card.status.clone(),
    );
    let funds_now = funds(tx, host, &card, product.card_type, product.currency).await?;
    let plan = match req.kind {
        k if k.spends() => decide_spend(tx, host, &mut card, &product, req, funds_now.room).await?,
        TxKind::Load | TxKind::MoneySend => {
            decide_load(tx, host, &card, &product, req, funds_now.balance).await?
        }
        _ => decide_follow_up(tx, host, &card, &product, req).await?,
    };

    let mut plan = plan;
    let mut target: Option<CardRow> = None;
    if req.kind == TxKind::Transfer && plan.code == rc::APPROVED {
        let (code, credited) = credit_leg(tx, host, &card, &product, req).await?;
        if code == rc::APPROVED {
            if let Some(t) = &credited {
                plan.entries.push((
                    card_ledger(&t.account_no),
                    plan.amount,
                    i64::from(product.currency.numeric()),
                ));
            }
            target = credited;
        } else {
            plan = Plan::declined(code, plan.amount);
        }
    }

    // The order's and batch's own checks, under their locks, before any write.
    let order_locks = match &req.vpos {
        Some(leg) => Some(order::lock_for(tx, host, leg, plan.amount).await?),
        None => None,
    };

    // Writes from here on: only database errors can stop them.
    let now = host.clock.now_ms();
    let process_id = ids.next_process_id();
    let currency = i64::from(product.currency.numeric());
    let account = card_ledger(&card.account_no);
    if counters_before
        != (
            card.cvv2_retry_count,
            card.pin_retry_count,
            card.status.clone(),
        )
    {
        cards::update(tx, &card).await?;
    }
    let mut entries = plan.entries.clone();
    if plan.points_spent > 0 {
        let points = points_ledger(&card.account_no);
        let funding = host_ledger("PointsFunding", POINTS_CURRENCY);
        ledger::ensure_account(tx, &host_ledger("PointsFunding", currency), currency, now).await?;
        ledger::ensure_account(tx, &funding, POINTS_CURRENCY, now).await?;
        entries.push((points, -plan.points_spent, POINTS_CURRENCY));
        entries.push((funding, plan.points_spent, POINTS_CURRENCY));
    }
    if plan.points > 0 {
        let points = points_ledger(&card.account_no);
        let funding = host_ledger("PointsFunding", POINTS_CURRENCY);
        ledger::ensure_account(tx, &points, POINTS_CURRENCY, now).await?;
        ledger::ensure_account(tx, &funding, POINTS_CURRENCY, now).await?;
        entries.push((points, plan.points, POINTS_CURRENCY));
        entries.push((funding, -plan.points, POINTS_CURRENCY));
    }

    if !entries.is_empty() {
        let refs: Vec<(&str, i64, i64)> = entries
            .iter()
            .map(|(a, m, c)| (a.as_str(), *m, *c))
            .collect();
        ledger::post_transfer(
            tx,
            ids.next_transfer_id(),
            process_id,
            req.kind.name(),
            &refs,
            now,
        )
        .await?;
    }
    if let Some(amount) = plan.new_hold {
        let hold = HoldRow {
            process_id,
            ledger_account: account.clone(),
            amount,
            captured: 0,
            released: 0,
            status: "Open".into(),
            created_at: now,
            closed_at: None,
        };
        ledger::insert_hold(tx, &hold).await?;
        ledger::add_blocked(tx, &account, amount).await?;
    }
    if let Some((hold, captured)) = &plan.close_hold {
        ledger::close_hold(tx, hold.process_id, *captured, hold.amount - captured, now).await?;
        ledger::add_blocked(tx, &hold.ledger_account, -hold.amount).await?;
    }
    if let Some((pid, status)) = plan.original_status {
        ledger::set_tx_status(tx, pid, status).await?;
    }
    let balance_delta: i64 = entries
        .iter()
        .filter(|(a, _, _)| *a == account)
        .map(|(_, m, _)| m)
        .sum();
    let blocked_delta = plan.new_hold.unwrap_or(0)
        - plan
            .close_hold
            .as_ref()
            .filter(|(h, _)| h.ledger_account == account)
            .map_or(0, |(h, _)| h.amount);
    let after_room = funds_now.room_after(balance_delta, blocked_delta);
    let approved = plan.code == rc::APPROVED;
    let row = CardTxRow {
        process_id,
        card_id: card.card_id,
        account_no: card.account_no.clone(),
        client_id: req.call.caller.client_id.clone(),
        reference: req.reference.clone(),
        transaction_type: req.kind.name().to_owned(),
        amount: plan.amount,
        currency,
        channel: req.channel.name().to_owned(),
        mcc: req.mcc.clone(),
        merchant_name: req.merchant_name.clone(),
        merchant_country: req.merchant_country.clone(),
        response_code: plan.code.to_owned(),
        auth_code: if approved { auth_code() } else { String::new() },
        rrn: if approved {
            format!("{:012}", process_id % 1_000_000_000_000)
        } else {
            String::new()
        },
        status: plan.status.to_owned(),
        original_process_id: req.original,
        installment_count: req.vpos.as_ref().map_or(1, |l| l.installments),
        point_amount: req.vpos.as_ref().map_or(0, |l| l.point_amount),
        points_earned: plan.points,
        available_after: after_room,

        business_date: host.settings.calendar.business_date(now),
        created_at: now,
    };
    ledger::insert_card_tx(tx, &row).await?;
    let mut vpos_tx = None;
    match (&req.vpos, order_locks) {
        (Some(leg), Some((order_row, terminal))) => {
            let t = OrderTxRow {
                process_id,
                amount: plan.amount,
                currency,
                response_code: row.response_code.clone(),
                auth_code: row.auth_code.clone(),
                rrn: row.rrn.clone(),
                masked_card_no: card.masked_pan.clone(),
                network: Network::OnUs.name().to_owned(),
                created_at: now,
                ..leg.tx(&req.call.caller.client_id, &req.digest)
            };
            let order_card = order::OrderCard {
                card_id: Some(card.card_id),
                card_type: product.card_type.name().to_owned(),
                network: Network::OnUs.name().to_owned(),
            };
            vpos_tx = Some(order::record(tx, leg, order_row, &terminal, t, &order_card).await?);
        }
        _ => {
            idempotency::record(
                tx,
                &req.call,
                &req.reference,
                &req.digest,
                &process_id.to_string(),
                now,
            )
            .await?;
        }
    }
    if let Some(t) = &target {
        let target_after = funds(tx, host, t, card_type_of(host, t), product.currency).await?;
        let incoming = CardTxRow {
            process_id: ids.next_process_id(),
            card_id: t.card_id,
            account_no: t.account_no.clone(),
            transaction_type: "TransferIn".into(),
            original_process_id: Some(process_id),
            available_after: target_after.room,
            ..row.clone()
        };
        ledger::insert_card_tx(tx, &incoming).await?;
    }
    let result = if approved { 0 } else { 8 };
    audit::record_in(tx, host, &req.call, &card.masked_pan, result, plan.code).await?;
    Ok(TxOutcome {
        row,
        masked_pan: card.masked_pan,
        currency: product.currency,
        repeated: false,
        target_masked_pan: target.map(|t| t.masked_pan),
        vpos: vpos_tx,
    })
}

fn card_type_of(host: &Host, card: &CardRow) -> CardType {
    host.settings
        .product(&card.product_code)
        .map_or(CardType::Debit, |p| p.card_type)
}

/// The credit leg of a card-to-card transfer: the target must take money in
/// the source's currency and, if prepaid, stay within its maximum balance.
async fn credit_leg(
    tx: &mut Tx,
    host: &Host,
    source: &CardRow,
    product: &CardProduct,
    req: &TxRequest,
) -> Result<(&'static str, Option<CardRow>), ServiceError> {
    let Some(target_id) = req.target_card_id else {
        return Ok((rc::INVALID_CARD, None));
    };
    if target_id == source.card_id {
        return Ok((rc::INVALID_TRANSACTION, None));
    }
    let target = card_ref::lock(host, tx, target_id).await?;
    let Some(target_product) = host.settings.product(&target.product_code) else {
        return Ok((rc::INVALID_CARD, None));
    };
    let status = effective_status(host, &target);
    if let Some(code) = status_code(status).filter(|_| status != CardStatus::NotActivated) {
        return Ok((code, None));
    }
    if target_product.currency != product.currency {
        return Ok((rc::INVALID_TRANSACTION, None));
    }
    let balance = funds(
        tx,
        host,
        &target,
        target_product.card_type,
        target_product.currency,
    )
    .await?
    .balance;
    if target_product
        .max_balance
        .is_some_and(|max| balance.balance + req.amount.unwrap_or(0) > max.get())
    {
        return Ok((rc::EXCEEDS_AMOUNT_LIMIT, None));
    }
    Ok((rc::APPROVED, Some(target)))
}
