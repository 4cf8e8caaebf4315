//! What a merchant may ask: its orders and their transactions, the
//! installments a card may take, and a card's loyalty points.

use cardhost_domain::field::counting_number;
use cardhost_domain::installments::{self, Installment};
use cardhost_domain::ledger::{minor_for_points, Account};
use cardhost_domain::money::MajorAmount;
use cardhost_domain::product::{CardProduct, CardType};
use cardhost_domain::{Currency, FieldErrors};
use cardhost_store::ledger;
use cardhost_store::merchants;
use cardhost_store::vpos;

use super::rules;
use super::{check_access, OrderView, Payment};
use crate::acquirer::profiles::{self, AuthorizationProfile, Kind};
use crate::host::{Call, Host};
use crate::issuer::card_ref::{self, CardKey};
use crate::ServiceError;

/// How an inquiry names its order.
#[derive(Debug, Clone, Copy)]
pub enum OrderKey<'a> {
    /// `CheckByOrderId`.
    OrderId(&'a str),
    /// `CheckByToken`: an `OrderToken`, `QrToken` or `ThreeDSessionId`.
    Token(&'a str),
}

/// `CheckByOrderId` and `CheckByToken`.
pub async fn order_view(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    by: OrderKey<'_>,
) -> Result<OrderView, ServiceError> {
    ServiceError::require("MerchantNo", merchant_no)?;
    let (field, value) = match by {
        OrderKey::OrderId(id) => ("OrderId", id),
        OrderKey::Token(token) => ("Token", token),
    };
    ServiceError::require(field, value)?;
    check_access(call, merchant_no)?;
    let order = match by {
        OrderKey::OrderId(id) => vpos::order(host.db.reader(), merchant_no, id).await?,
        OrderKey::Token(token) => {
            match vpos::order_by_token(host.db.reader(), merchant_no, token).await? {
                Some(order) => Some(order),
                None => order_of_session(host, merchant_no, token).await?,
            }
        }
    }
    .ok_or_else(|| ServiceError::NotFound(format!("No order has that {field}.")))?;
    let last = vpos::txs_of_order(host.db.reader(), &order.merchant_no, &order.order_id)
        .await?
        .pop();
    Ok(OrderView::of(order, last))
}

/// The order of the merchant's 3-D Secure session `session_id`, if any.
async fn order_of_session(
    host: &Host,
    merchant_no: &str,
    session_id: &str,
) -> Result<Option<vpos::OrderRow>, ServiceError> {
    let Some(s) = cardhost_store::three_ds::session(host.db.reader(), session_id).await? else {
        return Ok(None);
    };
    if s.merchant_no != merchant_no {
        return Ok(None);
    }
    Ok(vpos::order(host.db.reader(), merchant_no, &s.order_id).await?)
}

/// `CheckByProcessId`: one transaction of the merchant's.
pub async fn by_process(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    process_id: &str,
) -> Result<Payment, ServiceError> {
    ServiceError::require("MerchantNo", merchant_no)?;
    let pid = counting_number(process_id)
        .ok_or_else(|| ServiceError::field("ProcessId", "must be the digits of a ProcessId"))?;
    check_access(call, merchant_no)?;
    vpos::tx(host.db.reader(), pid)
        .await?
        .filter(|t| t.merchant_no == merchant_no)
        .map(Payment::from)
        .ok_or_else(|| ServiceError::NotFound(format!("Transaction {pid} not found.")))
}

/// `ListByOrderId`: every transaction of the order, oldest first.
pub async fn list(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    order_id: &str,
) -> Result<Vec<Payment>, ServiceError> {
    let seen = order_view(host, call, merchant_no, OrderKey::OrderId(order_id)).await?;
    let txs = vpos::txs_of_order(host.db.reader(), merchant_no, &seen.order_id).await?;
    Ok(txs.into_iter().map(Payment::from).collect())
}

/// The installment plans a card may take at a merchant.
#[derive(Debug, Clone)]
pub struct InstallmentOffer {
    /// None for a BIN of no product of this host.
    pub card_type: Option<CardType>,
    pub brand: String,
    pub currency: Currency,
    pub installments: Vec<Installment>,
}

/// The brand of a card number's BIN when no product of this host names it.
fn brand_of(bin: &str) -> &'static str {
    match bin.as_bytes().first() {
        _ if bin.starts_with("9792") => "Troy",
        Some(b'4') => "Visa",
        Some(b'2' | b'5') => "Mastercard",
        _ if bin.starts_with("34") || bin.starts_with("37") => "Amex",
        _ => "Other",
    }
}

/// The BIN asked about: the card number's, else the `Bin` given.
fn bin_of(errors: &mut FieldErrors, card: &CardKey, bin: Option<&str>) -> Option<String> {
    let card_no = card
        .card_no
        .as_ref()
        .map(|n| n.expose())
        .filter(|n| !n.is_empty());
    match (card_no, bin) {
        (Some(no), _) => errors
            .check(
                "CardNo",
                card_ref::parse_pan("CardNo", no).map_err(|_| "must be a valid card number"),
            )
            .map(|pan| pan.bin().to_owned()),
        (None, Some(b)) if (6..=8).contains(&b.len()) && b.bytes().all(|c| c.is_ascii_digit()) => {
            Some(b.to_owned())
        }
        (None, Some(_)) => {
            errors.push("Bin", "must be 6 to 8 digits");
            None
        }
        (None, None) => {
            errors.push("CardNo", "CardNo or Bin is required");
            None
        }
    }
}

/// `InstallmentInquiry`.
pub async fn installment_inquiry(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    amount: Option<&MajorAmount>,
    currency: Option<i64>,
    card: &CardKey,
    bin: Option<&str>,
) -> Result<InstallmentOffer, ServiceError> {
    let mut errors = FieldErrors::new();
    if merchant_no.is_empty() {
        errors.push("MerchantNo", "is required");
    }
    let currency = super::payments::currency_field(&mut errors, currency);
    let amount = match (amount, currency) {
        (Some(a), Some(c)) => errors.check("Amount", a.to_minor(c)).map(|m| m.get()),
        (None, _) => {
            errors.push("Amount", "is required");
            None
        }
        _ => None,
    };
    let bin = bin_of(&mut errors, card, bin);
    let (Some(currency), Some(amount), Some(bin)) = (currency, amount, bin) else {
        return Err(ServiceError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    check_access(call, merchant_no)?;
    let merchant = merchants::merchant(host.db.reader(), merchant_no)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Merchant {merchant_no} not found.")))?;
    let profile: Option<AuthorizationProfile> = match &merchant.pos_authorization_profile_code {
        Some(code) => Some(profiles::load(host, Kind::Authorization, code).await?),
        None => None,
    };
    let merchant_max = u8::try_from(rules::max_installments(profile.as_ref())).unwrap_or(u8::MAX);
    let product: Option<&CardProduct> = host
        .settings
        .products
        .iter()
        .find(|p| bin.starts_with(&p.bin) || p.bin.starts_with(&bin));
    let (card_type, brand) = match product {
        Some(p) => (Some(p.card_type), p.brand.clone()),
        None => (None, brand_of(&bin).to_owned()),
    };
    let product = product.filter(|p| p.currency == currency);
    Ok(InstallmentOffer {
        card_type,
        brand,
        currency,
        installments: installments::plans(amount, product, merchant_max),
    })
}

/// A card's loyalty points and what they are worth.
#[derive(Debug, Clone)]
pub struct PointBalance {
    pub points: i64,
    pub amount: i64,
    pub currency: Currency,
}

/// `PointInquiry`: on-us cards only (another issuer's points are not known here).
pub async fn point_inquiry(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    card: &CardKey,
    expiry: Option<&str>,
) -> Result<PointBalance, ServiceError> {
    ServiceError::require("MerchantNo", merchant_no)?;
    check_access(call, merchant_no)?;
    let found = card_ref::find(host, card).await?;
    if expiry.is_some_and(|e| e != found.expiry) {
        return Err(ServiceError::field("ExpiryDate", "does not match the card"));
    }
    let product = card_ref::product_of(host, &found)?;
    let points = ledger::balance(host.db.reader(), &Account::Points(&found.account_no).name())
        .await?
        .map_or(0, |b| b.balance);
    Ok(PointBalance {
        points,
        amount: minor_for_points(points, product.currency.exponent()),
        currency: product.currency,
    })
}
