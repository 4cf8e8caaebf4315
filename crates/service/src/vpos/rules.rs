//! What a terminal may do (spec acquirer.md, POS authorization profile): a
//! payment outside its profile, or on a Passive or Closed merchant or
//! terminal, is declined `58`.

use cardhost_domain::status::{AcceptorStatus, AllowedType};
use std::sync::Arc;

use cardhost_domain::response as rc;
use cardhost_store::merchants::{MerchantRow, TerminalRow};
use cardhost_store::vpos;

use super::VposOp;
use crate::acquirer::profiles::{self, AuthorizationProfile};
use crate::host::Host;
use crate::ServiceError;

/// Installments allowed when neither the terminal nor its merchant has a profile.
pub const DEFAULT_MAX_INSTALLMENTS: i64 = 12;

/// How a new payment reached the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `PaymentSale`, `PaymentPreSale` or the hosted payment page.
    Direct,
    /// Completed after the cardholder authenticated by 3-D Secure.
    ThreeDs,
    /// A wallet paying a QR code (profile type `Qr`).
    Qr,
    /// A recurring plan's charge (profile type `Recurring`).
    Recurring,
}

/// The facts of one payment the profile is checked against.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub op: VposOp,
    pub amount: i64,
    pub installments: i64,
    pub with_points: bool,
    pub off_us: bool,
    /// The card's issuing country, when known (unknown counts as foreign).
    pub card_country: Option<&'a str>,
    /// Refunds: when the refunded sale was made.
    pub sale_at: Option<i64>,
    pub entry: Entry,
}

impl Attempt<'_> {
    /// A capture, void or refund: one installment, no points, no card country.
    pub fn follow_up(op: VposOp, amount: i64, off_us: bool) -> Attempt<'static> {
        Attempt {
            op,
            amount,
            installments: 1,
            with_points: false,
            off_us,
            card_country: None,
            sale_at: None,
            entry: Entry::Direct,
        }
    }
}

/// The terminal's authorization profile, else its merchant's, else none.
pub async fn profile_of(
    host: &Host,
    merchant: &MerchantRow,
    terminal: &TerminalRow,
) -> Result<Option<Arc<AuthorizationProfile>>, ServiceError> {
    let code = terminal
        .pos_authorization_profile_code
        .as_ref()
        .or(merchant.pos_authorization_profile_code.as_ref());
    match code {
        Some(code) => Ok(Some(profiles::authorization(host, code).await?)),
        None => Ok(None),
    }
}

/// The most installments the terminal takes.
pub fn max_installments(profile: Option<&AuthorizationProfile>) -> i64 {
    profile.map_or(DEFAULT_MAX_INSTALLMENTS, |p| {
        i64::from(p.max_installment_count)
    })
}

/// `Some(58)` when the payment is outside what the merchant and terminal may take.
pub async fn refusal(
    host: &Host,
    merchant: &MerchantRow,
    terminal: &TerminalRow,
    attempt: &Attempt<'_>,
) -> Result<Option<&'static str>, ServiceError> {
    if merchant.merchant_status != AcceptorStatus::Active
        || terminal.terminal_status != AcceptorStatus::Active
    {
        return Ok(Some(rc::NOT_PERMITTED_TERMINAL));
    }
    let profile = profile_of(host, merchant, terminal).await?;
    if attempt.installments > max_installments(profile.as_deref()) {
        return Ok(Some(rc::NOT_PERMITTED_TERMINAL));
    }
    let Some(p) = profile else {
        return Ok(None);
    };
    let allowed = |t: AllowedType| p.allowed_transaction_types.contains(&t);
    let opening = matches!(attempt.op, VposOp::Sale | VposOp::PreSale);
    let refused = !allowed(attempt.op.into())
        || (attempt.installments > 1 && !allowed(AllowedType::Installment))
        || (attempt.with_points && !allowed(AllowedType::Point))
        || (attempt.entry == Entry::Qr && !allowed(AllowedType::Qr))
        || (attempt.entry == Entry::Recurring && !allowed(AllowedType::Recurring))
        || (opening && p.require_3d_secure && attempt.entry != Entry::ThreeDs)
        || (opening && attempt.off_us && !p.allow_off_us_cards)
        || (opening
            && !p.allow_foreign_cards
            && attempt.card_country != Some(merchant.country.as_str()))
        || (opening
            && p.max_transaction_amount
                .is_some_and(|max| attempt.amount > max));
    if refused {
        return Ok(Some(rc::NOT_PERMITTED_TERMINAL));
    }
    if let (Some(days), Some(sale_at)) = (p.refund_day_limit, attempt.sale_at) {
        let limit_ms = i64::from(days) * 86_400_000;
        if attempt.op == VposOp::Refund && host.clock.now_ms() - sale_at > limit_ms {
            return Ok(Some(rc::NOT_PERMITTED_TERMINAL));
        }
    }
    if let Some(limit) = p.daily_amount_limit.filter(|_| opening) {
        let calendar = &host.settings.calendar;
        let today = calendar.business_day(host.clock.now_ms());
        let day_start = calendar.day_start_ms(today);
        let taken =
            vpos::terminal_taken_since(host.db.reader(), &terminal.terminal_no, day_start).await?;
        if taken + attempt.amount > limit {
            return Ok(Some(rc::NOT_PERMITTED_TERMINAL));
        }
    }
    Ok(None)
}
