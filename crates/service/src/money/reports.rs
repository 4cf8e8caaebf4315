//! `GetHostBalance`, `GetCardTransactions`, `CheckLedger`.

use cardhost_domain::date::parse_date;
use cardhost_domain::field::counting_number;
use cardhost_domain::ledger::{available, Account};
use cardhost_domain::product::CardType;
use cardhost_domain::Currency;
use cardhost_store::customers;
use cardhost_store::ledger;

use super::view::Transaction;
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::issuer::card_ref::{self, CardKey};
use crate::ServiceError;

#[derive(Debug, Clone)]
pub struct HostBalance {
    pub currency: Currency,
    pub available: i64,
    pub ledger_balance: i64,
    pub blocked: i64,
    pub credit_limit: i64,
    pub debt: i64,
    pub points: i64,
}

/// A card account's balances as ledger.md defines them.
pub async fn host_balance(
    host: &Host,
    call: &Call,
    key: &CardKey,
) -> Result<HostBalance, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let card = card_ref::find(host, key).await?;
    let product = card_ref::product_of(host, &card)?;
    let pool = host.db.reader();
    let (balance, blocked) = ledger::balance(pool, &Account::Card(&card.account_no).name())
        .await?
        .map_or((0, 0), |b| (b.balance, b.blocked));
    let points = ledger::balance(pool, &Account::Points(&card.account_no).name())
        .await?
        .map_or(0, |b| b.balance);
    let (customer_limit, customer_used) = if product.card_type == CardType::Credit {
        let customer = customers::get(pool, &card.customer_no).await?;
        (
            customer.map_or(0, |c| c.credit_limit),
            ledger::customer_credit_used(pool, &card.customer_no).await?,
        )
    } else {
        (0, 0)
    };
    Ok(HostBalance {
        currency: product.currency,
        available: available(
            product.card_type,
            balance,
            blocked,
            card.card_limit,
            customer_limit,
            customer_used,
        ),
        ledger_balance: balance,
        blocked,
        credit_limit: if product.card_type == CardType::Credit {
            card.card_limit
        } else {
            0
        },
        debt: (-balance).max(0),
        points,
    })
}

/// Page sizes (spec README, Paging).
pub const DEFAULT_PAGE_SIZE: i64 = 20;
pub const MAX_PAGE_SIZE: i64 = 500;

pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub page_size: i64,
    pub total: i64,
}

impl<T> Page<T> {
    /// The same page with each item made into what `view` makes of it.
    pub fn map<U>(self, view: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(view).collect(),
            page: self.page,
            page_size: self.page_size,
            total: self.total,
        }
    }

    /// [`Page::map`] with a `view` that can fail.
    pub fn try_map<U, E>(self, view: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(view).collect::<Result<_, E>>()?,
            page: self.page,
            page_size: self.page_size,
            total: self.total,
        })
    }
}

/// A requested page: `Page` (from 1) and `PageSize`.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    pub page_size: i64,
}

impl Paging {
    /// Rows to skip before this page.
    pub fn offset(self) -> i64 {
        (self.page - 1) * self.page_size
    }

    /// The answer: this page's items out of `total`.
    pub fn of<T>(self, (items, total): (Vec<T>, i64)) -> Page<T> {
        Page {
            items,
            page: self.page,
            page_size: self.page_size,
            total,
        }
    }
}

/// Parses `Page` and `PageSize`.
pub fn paging(page: Option<&str>, size: Option<&str>) -> Result<Paging, ServiceError> {
    let page = match page {
        None | Some("") => 1,
        Some(p) => counting_number(p)
            .ok_or_else(|| ServiceError::field("Page", "must be a whole number from 1"))?,
    };
    let size = match size {
        None | Some("") => DEFAULT_PAGE_SIZE,
        Some(s) => counting_number(s)
            .filter(|n| *n <= MAX_PAGE_SIZE)
            .ok_or_else(|| ServiceError::field("PageSize", "must be 1 to 500"))?,
    };
    // A page whose first row lies past any offset the database takes is
    // refused, never computed: its offset would overflow.
    if (page - 1).checked_mul(size).is_none() {
        return Err(ServiceError::field(
            "Page",
            format!(
                "must be at most {} at PageSize {size}",
                (i64::MAX / size).saturating_add(1)
            ),
        ));
    }
    Ok(Paging {
        page,
        page_size: size,
    })
}

/// The card account's transactions, declines included, newest first, between
/// two business dates (inclusive; default: everything).
pub async fn card_transactions(
    host: &Host,
    call: &Call,
    key: &CardKey,
    start: Option<&str>,
    end: Option<&str>,
    paging: Paging,
) -> Result<Page<Transaction>, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let cal = &host.settings.calendar;
    let from = match start.filter(|s| !s.is_empty()) {
        Some(d) => {
            cal.day_start_ms(parse_date(d).map_err(|m| ServiceError::field("StartDate", m))?)
        }
        None => 0,
    };
    let to = match end.filter(|s| !s.is_empty()) {
        Some(d) => {
            let day = parse_date(d).map_err(|m| ServiceError::field("EndDate", m))?;
            cal.day_start_ms(day.succ_opt().unwrap_or(day))
        }
        None => i64::MAX,
    };
    if from > to {
        return Err(ServiceError::field("EndDate", "is before StartDate"));
    }
    let card = card_ref::find(host, key).await?;
    let found = ledger::card_txs(
        host.db.reader(),
        &card.account_no,
        from,
        to,
        paging.offset(),
        paging.page_size,
    )
    .await?;
    Ok(paging.of(found).map(Transaction::from))
}

#[derive(Debug, Clone)]
pub struct LedgerCheck {
    pub ok: bool,
    pub accounts: i64,
    pub entries: i64,
    pub violations: Vec<String>,
}

/// The invariants of ledger.md, evaluated now.
pub async fn check_ledger(host: &Host, call: &Call) -> Result<LedgerCheck, ServiceError> {
    call.caller.require(Scope::Admin)?;
    let (accounts, entries, violations) = ledger::check(host.db.reader()).await?;
    Ok(LedgerCheck {
        ok: violations.is_empty(),
        accounts,
        entries,
        violations,
    })
}

#[derive(Debug, Clone)]
pub struct LoadingLimit {
    pub currency: Currency,
    pub max_balance: Option<i64>,
    pub monthly_load_limit: Option<i64>,
    pub loaded_this_month: i64,
    pub remaining: Option<i64>,
}

/// `GetCardBalanceLoadingLimit` (deprecated): what may still be loaded this month.
pub async fn loading_limit(
    host: &Host,
    call: &Call,
    key: &CardKey,
) -> Result<LoadingLimit, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let card = card_ref::find(host, key).await?;
    let product = card_ref::product_of(host, &card)?;
    let month_start = host.settings.calendar.month_start_ms(host.clock.now_ms());
    let loaded = ledger::loaded_since(host.db.reader(), &card.account_no, month_start).await?;
    let balance = ledger::balance(host.db.reader(), &Account::Card(&card.account_no).name())
        .await?
        .map_or(0, |b| b.balance);
    let by_month = product
        .monthly_load_limit
        .map(|l| (l.get() - loaded).max(0));
    let by_balance = product.max_balance.map(|m| (m.get() - balance).max(0));
    let remaining = match (by_month, by_balance) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(LoadingLimit {
        currency: product.currency,
        max_balance: product.max_balance.map(|m| m.get()),
        monthly_load_limit: product.monthly_load_limit.map(|l| l.get()),
        loaded_this_month: loaded,
        remaining,
    })
}
