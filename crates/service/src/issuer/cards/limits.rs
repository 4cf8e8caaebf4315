//! Limits, fees and restrictions of a card.

use cardhost_domain::money::MajorAmount;
use cardhost_domain::product::CardType;
use cardhost_domain::status::FeeStatus;
use cardhost_domain::{AmountMinor, Country, FieldErrors};
use cardhost_store::cards::CardRow;

use super::issuing::money_field;
use super::{view, CardView};
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::issuer::card_ref::{self, CardKey};
use crate::ServiceError;

/// New values for `UpdateCardLimit`; absent ones keep theirs.
#[derive(Debug, Clone, Default)]
pub struct LimitChange {
    pub card_limit: Option<MajorAmount>,
    pub daily_purchase: Option<MajorAmount>,
    pub daily_cash: Option<MajorAmount>,
    pub daily_ecom: Option<MajorAmount>,
    pub per_transaction: Option<MajorAmount>,
    pub daily_count: Option<i64>,
}

pub async fn update_card_limit(
    host: &Host,
    call: &Call,
    key: &CardKey,
    change: LimitChange,
) -> Result<CardView, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let found = card_ref::find(host, key).await?;
    let currency = card_ref::product_of(host, &found)?.currency;
    let mut errors = FieldErrors::new();
    let card_limit = money_field(
        &mut errors,
        "CardLimit",
        change.card_limit.as_ref(),
        currency,
    );
    if card_limit.is_some() && found.card_type != CardType::Credit {
        errors.push("CardLimit", "only credit cards have a card limit");
    }
    let daily_purchase = money_field(
        &mut errors,
        "DailyPurchaseLimit",
        change.daily_purchase.as_ref(),
        currency,
    );
    let daily_cash = money_field(
        &mut errors,
        "DailyCashLimit",
        change.daily_cash.as_ref(),
        currency,
    );
    let daily_ecom = money_field(
        &mut errors,
        "DailyEcomLimit",
        change.daily_ecom.as_ref(),
        currency,
    );
    let per_transaction = money_field(
        &mut errors,
        "TransactionLimit",
        change.per_transaction.as_ref(),
        currency,
    );
    if let Some(n) = change.daily_count {
        errors.in_range("DailyTransactionCount", n, 0..=100_000);
    }
    errors.finish(())?;
    let ((), card) = card_ref::change_card(host, call, found.card_id, |card| {
        if let Some(l) = card_limit {
            card.card_limit = l.get();
        }
        let set = |slot: &mut Option<i64>, v: Option<AmountMinor>| {
            if let Some(v) = v {
                *slot = Some(v.get());
            }
        };
        set(&mut card.daily_purchase_limit, daily_purchase);
        set(&mut card.daily_cash_limit, daily_cash);
        set(&mut card.daily_ecom_limit, daily_ecom);
        set(&mut card.transaction_limit, per_transaction);
        if let Some(n) = change.daily_count {
            card.daily_count_limit = Some(n);
        }
        Ok(())
    })
    .await?;
    view(host, card, None)
}

pub async fn update_card_fee_status(
    host: &Host,
    call: &Call,
    key: &CardKey,
    fee_type: Option<&str>,
    fee_status: Option<&str>,
) -> Result<FeeStatus, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let mut errors = FieldErrors::new();
    if fee_type != Some("AnnualFee") {
        errors.push("FeeType", "must be AnnualFee");
    }
    let status = fee_status.and_then(|s| FeeStatus::parse(s).ok());
    if status.is_none() {
        errors.push("FeeStatus", "must be Active or Waived");
    }
    errors.finish(())?;
    let status = status.unwrap_or_default();
    let found = card_ref::find(host, key).await?;
    card_ref::change_card(host, call, found.card_id, |card| {
        card.annual_fee_status = status;
        Ok(())
    })
    .await?;
    Ok(status)
}

/// A card's restriction set (issuer.md, CardRestriction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restrictions {
    pub ecommerce_allowed: bool,
    pub international_allowed: bool,
    pub atm_allowed: bool,
    pub contactless_allowed: bool,
    pub moto_allowed: bool,
    pub blocked_mccs: Vec<String>,
    pub blocked_countries: Vec<String>,
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn restrictions_of(card: &CardRow) -> Restrictions {
    Restrictions {
        ecommerce_allowed: card.ecommerce_allowed != 0,
        international_allowed: card.international_allowed != 0,
        atm_allowed: card.atm_allowed != 0,
        contactless_allowed: card.contactless_allowed != 0,
        moto_allowed: card.moto_allowed != 0,
        blocked_mccs: split_list(&card.blocked_mccs),
        blocked_countries: split_list(&card.blocked_countries),
    }
}

#[derive(Debug, Clone, Default)]
pub struct RestrictionChange {
    pub ecommerce_allowed: Option<bool>,
    pub international_allowed: Option<bool>,
    pub atm_allowed: Option<bool>,
    pub contactless_allowed: Option<bool>,
    pub moto_allowed: Option<bool>,
    pub blocked_mccs: Option<Vec<String>>,
    pub blocked_countries: Option<Vec<String>>,
}

/// Largest blocked-MCC or blocked-country list a card keeps.
const MAX_BLOCKED_ENTRIES: usize = 200;

pub async fn get_restrictions(
    host: &Host,
    call: &Call,
    key: &CardKey,
) -> Result<Restrictions, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    Ok(restrictions_of(&card_ref::find(host, key).await?))
}

pub async fn set_restrictions(
    host: &Host,
    call: &Call,
    key: &CardKey,
    change: RestrictionChange,
) -> Result<Restrictions, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let mut errors = FieldErrors::new();
    let mut mccs = None;
    if let Some(list) = &change.blocked_mccs {
        if list.len() > MAX_BLOCKED_ENTRIES
            || list
                .iter()
                .any(|m| m.len() != 4 || !m.bytes().all(|b| b.is_ascii_digit()))
        {
            errors.push("BlockedMccs", "must be at most 200 MCCs of 4 digits");
        }
        let mut l = list.clone();
        l.sort();
        l.dedup();
        mccs = Some(l.join(","));
    }
    let mut countries = None;
    if let Some(list) = &change.blocked_countries {
        if list.len() > MAX_BLOCKED_ENTRIES || list.iter().any(|c| Country::parse(c).is_err()) {
            errors.push(
                "BlockedCountries",
                "must be at most 200 ISO 3166-1 alpha-2 codes",
            );
        }
        let mut l = list.clone();
        l.sort();
        l.dedup();
        countries = Some(l.join(","));
    }
    errors.finish(())?;
    let found = card_ref::find(host, key).await?;
    let ((), card) = card_ref::change_card(host, call, found.card_id, |card| {
        let flag = |slot: &mut i64, v: Option<bool>| {
            if let Some(v) = v {
                *slot = i64::from(v);
            }
        };
        flag(&mut card.ecommerce_allowed, change.ecommerce_allowed);
        flag(
            &mut card.international_allowed,
            change.international_allowed,
        );
        flag(&mut card.atm_allowed, change.atm_allowed);
        flag(&mut card.contactless_allowed, change.contactless_allowed);
        flag(&mut card.moto_allowed, change.moto_allowed);
        if let Some(m) = mccs {
            card.blocked_mccs = m;
        }
        if let Some(c) = countries {
            card.blocked_countries = c;
        }
        Ok(())
    })
    .await?;
    Ok(restrictions_of(&card))
}
