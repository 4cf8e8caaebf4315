//! What a card and its request must pass before anything moves: status,
//! restrictions, amount limits, the day's counters, funds, CVV2 and PIN.

use cardhost_domain::card::CardStatus;
use cardhost_domain::ledger::{available, Account};
use cardhost_domain::product::{CardProduct, CardType};
use cardhost_domain::response as rc;
use cardhost_domain::status::{CardTxType, Channel};
use cardhost_store::cards::CardRow;
use cardhost_store::ledger;

use super::*;
use crate::issuer::card_security::{check_cvv2, check_pin_block};
use crate::money::state::BatchState;
use crate::ServiceError;

/// The decline a card in `status` gets for any payment.
pub fn status_code(status: CardStatus) -> Option<&'static str> {
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
pub(super) fn restricted(card: &CardRow, product: &CardProduct, req: &TxRequest) -> bool {
    let flag = |v: i64| v != 0;
    let listed = |list: &str, item: &str| list.split(',').any(|x| x == item);
    (req.channel == Channel::Ecom && !flag(card.ecommerce_allowed))
        || ((req.channel == Channel::Atm || req.kind == CardTxType::CashWithdrawal)
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
pub(super) fn amount_limits_funds(
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
    let purchase_like = matches!(
        req.kind,
        CardTxType::Purchase | CardTxType::PreAuthorization
    );
    if over(card.transaction_limit, 0)
        || (purchase_like && over(card.daily_purchase_limit, usage.purchase))
        || (req.kind == CardTxType::CashWithdrawal && over(card.daily_cash_limit, usage.cash))
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

pub(in crate::money) struct Funds {
    pub(in crate::money) balance: i64,
    pub(in crate::money) blocked: i64,
    pub(in crate::money) room: i64,
    pub(in crate::money) card_type: CardType,
    pub(in crate::money) card_limit: i64,
    pub(in crate::money) customer_limit: i64,
    pub(in crate::money) customer_used: i64,
}

impl Funds {
    /// The room after the balance and the blocked amount move by these deltas
    /// (for credit, the customer's use moves with the card's).
    pub(in crate::money) fn room_after(&self, balance_delta: i64, blocked_delta: i64) -> i64 {
        let used_delta = blocked_delta - balance_delta;
        available(
            self.card_type,
            self.balance + balance_delta,
            self.blocked + blocked_delta,
            self.card_limit,
            self.customer_limit,
            self.customer_used + used_delta,
        )
    }
}

/// The card's room before the request, from the batch's state.
pub(in crate::money) fn funds(state: &BatchState, card: &CardRow, card_type: CardType) -> Funds {
    let (balance, blocked) = state
        .balances
        .get(&Account::Card(&card.account_no).name())
        .map_or((0, 0), |b| (b.balance, b.blocked));
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
        balance,
        blocked,
        card.card_limit,
        customer_limit,
        customer_used,
    );
    Funds {
        balance,
        blocked,
        room,
        card_type,
        card_limit: card.card_limit,
        customer_limit,
        customer_used,
    }
}

/// Steps 4 and 5: CVV2 and PIN, against the clear PAN from the vault.
pub(super) fn card_checks(
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
