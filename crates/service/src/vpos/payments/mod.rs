//! `PaymentSale`, `PaymentPreSale`, `PaymentPostSale`, `PaymentVoid`,
//! `PaymentRefund`, `BatchClose`: validate, check the merchant's rules, and
//! send on-us cards to the authorizer and other cards to the network.
//! New payments are in `new`, what follows an order's payment in `follow_up`.

mod follow_up;
mod new;

pub use follow_up::*;
pub use new::*;

use std::sync::Arc;

use crate::acquirer::merchants::{MERCHANT_NO_MAX_LEN, TERMINAL_NO_LEN};
use cardhost_domain::card::Pan;
use cardhost_domain::money::MajorAmount;
use cardhost_domain::product::CardProduct;
use cardhost_domain::secret::Cvv2;
use cardhost_domain::status::Channel;
use cardhost_domain::{Currency, FieldErrors};
use cardhost_store::cards;
use cardhost_store::merchants::{MerchantRow, TerminalRow};
use cardhost_store::vpos::{self, OrderTxRow};
use cardhost_store::{ledger, StoreError};

use super::check_access;
use super::order::{self, Charge};
use super::{VposLeg, VposOutcome};
use crate::cache::{self, CardOfPan};
use crate::host::{Call, Host};
use crate::issuer::card_ref::{self, CardKey};
use crate::money::decide::TxRequest;
use crate::ServiceError;

/// `PaymentSale` and `PaymentPreSale` as the API received them.
#[derive(Debug, Clone, Default)]
pub struct PaymentRequest {
    pub merchant_no: Option<String>,
    pub terminal_no: Option<String>,
    pub order_id: Option<String>,
    pub amount: Option<MajorAmount>,
    pub currency: Option<i64>,
    pub installment_count: Option<i64>,
    pub card: CardKey,
    pub expiry_date: Option<String>,
    pub cvv2: Option<Cvv2>,
    pub card_holder_name: Option<String>,
    pub point_amount: Option<MajorAmount>,
    pub customer_ip: Option<String>,
    pub description: Option<String>,
}

/// `PaymentPostSale`, `PaymentVoid` and `PaymentRefund` as the API received them.
#[derive(Debug, Clone, Default)]
pub struct FollowUpRequest {
    pub merchant_no: Option<String>,
    pub terminal_no: Option<String>,
    pub order_id: Option<String>,
    pub amount: Option<MajorAmount>,
    pub process_id: Option<String>,
    pub reference: Option<String>,
}

const DESCRIPTION_MAX: usize = 256;
const HOLDER_NAME_MAX: usize = 64;

/// The merchant and terminal numbers a VPOS request names, each required.
pub(crate) fn acceptor_numbers(
    errors: &mut FieldErrors,
    merchant_no: &Option<String>,
    terminal_no: &Option<String>,
) -> (String, String) {
    (
        required(errors, "MerchantNo", merchant_no, MERCHANT_NO_MAX_LEN),
        required(errors, "TerminalNo", terminal_no, TERMINAL_NO_LEN),
    )
}

pub(crate) fn required(
    errors: &mut FieldErrors,
    field: &str,
    value: &Option<String>,
    max: usize,
) -> String {
    match value {
        Some(v) if !v.is_empty() && v.chars().count() <= max => v.clone(),
        _ => {
            errors.push(field, format!("is required: 1 to {max} characters"));
            String::new()
        }
    }
}

pub(crate) fn currency_field(errors: &mut FieldErrors, currency: Option<i64>) -> Option<Currency> {
    match currency {
        Some(n) => errors.check("Currency", Currency::requested(n)),
        None => {
            errors.push("Currency", "is required");
            None
        }
    }
}

pub(crate) fn minor(
    errors: &mut FieldErrors,
    field: &str,
    amount: &Option<MajorAmount>,
    currency: Currency,
) -> Option<i64> {
    let value = errors
        .check(field, amount.as_ref()?.to_minor(currency))?
        .get();
    if value == 0 && field == "Amount" {
        errors.push(field, "must be more than 0");
        return None;
    }
    Some(value)
}

/// The merchant and terminal a VPOS request names: the caller must be allowed
/// the merchant (`Result` 6), and the terminal must be the merchant's.
pub(crate) async fn merchant_and_terminal(
    host: &Host,
    call: &Call,
    merchant_no: &str,
    terminal_no: &str,
) -> Result<(Arc<MerchantRow>, Arc<TerminalRow>), ServiceError> {
    check_access(call, merchant_no)?;
    let merchant = cache::merchant(host, merchant_no)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Merchant {merchant_no} not found.")))?;
    let terminal = cache::terminal(host, terminal_no)
        .await?
        .filter(|t| t.merchant_no == merchant_no)
        .ok_or_else(|| {
            ServiceError::NotFound(format!(
                "Terminal {terminal_no} of merchant {merchant_no} not found."
            ))
        })?;
    Ok((merchant, terminal))
}

/// The card a payment names: one of this host's (on-us) or another issuer's.
pub(crate) enum PaymentCard {
    /// With the clear number when the request carried one.
    Issued(CardOfPan, Option<Pan>),
    /// A card number in one of this host's BIN ranges that it never issued,
    /// or an unknown card token.
    NeverIssued(String),
    OtherIssuer(Pan),
}

pub(crate) async fn payment_card(host: &Host, key: &CardKey) -> Result<PaymentCard, ServiceError> {
    if let Some(no) = key
        .card_no
        .as_ref()
        .map(|n| n.expose())
        .filter(|n| !n.is_empty())
    {
        let pan = card_ref::parse_pan("CardNo", no)?;
        let ours = host
            .settings
            .products
            .iter()
            .any(|p| pan.expose().starts_with(&p.bin));
        if !ours {
            return Ok(PaymentCard::OtherIssuer(pan));
        }
        return Ok(match cache::card_of_pan(host, &pan).await? {
            Some(c) => PaymentCard::Issued(c, Some(pan)),
            None => PaymentCard::NeverIssued(pan.masked()),
        });
    }
    let token = key.card_token.as_deref().unwrap_or_default();
    Ok(match cards::by_token(host.db.reader(), token).await? {
        Some(c) => PaymentCard::Issued(
            CardOfPan {
                card_id: c.card_id,
                product_code: c.product_code.into(),
                masked_pan: c.masked_pan.into(),
            },
            None,
        ),
        None => PaymentCard::NeverIssued(String::new()),
    })
}

/// A repeat recognised before any work: the first outcome, or 4/7.
async fn repeated(
    host: &Host,
    leg: &VposLeg,
    digest: &str,
) -> Result<Option<VposOutcome>, ServiceError> {
    let found = vpos::tx_by_key(
        host.db.reader(),
        &leg.merchant_no,
        &leg.order_id,
        &leg.idem_key,
    )
    .await?;
    match found {
        None => Ok(None),
        Some(t) => {
            let t = order::check_repeat(t, leg, digest)?;
            Ok(Some(VposOutcome::new(t, true)))
        }
    }
}

/// Records a payment refused before any issuer or network saw it (`58`,
/// `57`, an unknown on-us card `14`): the order fails, no money moves.
async fn refuse(
    host: &Host,
    call: &Call,
    leg: &VposLeg,
    digest: &str,
    charge: Charge,
    code: &'static str,
) -> Result<VposOutcome, ServiceError> {
    let Charge {
        amount,
        currency,
        masked,
        card,
    } = charge;
    let process_id = ledger::reserve_ids(host.db.writer(), "process_id", 1).await?;
    let now = host.clock.now_ms();
    let mut tx = host.db.begin().await?;
    let (order_row, terminal) = order::lock_for(&mut tx, host, leg, amount).await?;
    let t = OrderTxRow {
        process_id,
        response_code: code.to_owned(),
        masked_card_no: masked,
        network: card.network,
        created_at: now,
        ..leg.tx(&call.caller.client_id, digest, (amount, currency))
    };
    let written = order::record(&mut tx, leg, order_row, &terminal, t, &card).await;
    let written = match written {
        Err(ServiceError::Internal(_)) | Ok(_) => written,
        Err(other) => return Err(other),
    };
    crate::audit::record_in(&mut tx, host, call, &leg.order_id, 8, code).await?;
    match written {
        Ok(t) => {
            tx.commit().await.map_err(StoreError::from)?;
            Ok(VposOutcome::new(t, false))
        }
        Err(err) => {
            drop(tx);
            // A concurrent request with the same key got there first.
            match repeated(host, leg, digest).await? {
                Some(outcome) => Ok(outcome),
                None => Err(err),
            }
        }
    }
}

/// An on-us payment through the authorizer.
/// An on-us payment or follow-up through the authorizer, as an e-commerce
/// transaction at `merchant`.
async fn on_us(
    host: &Host,
    merchant: &MerchantRow,
    leg: VposLeg,
    mut request: TxRequest,
) -> Result<VposOutcome, ServiceError> {
    request.channel = Channel::Ecom;
    request.mcc = Some(merchant.mcc.clone());
    request.merchant_name = Some(merchant.merchant_name.clone());
    request.merchant_country = Some(merchant.country.clone());
    request.vpos = Some(leg.clone());
    let outcome = host.authorizer.submit(request).await?;
    let tx = outcome.vpos.ok_or_else(|| {
        ServiceError::Internal(format!("order {} has no transaction", leg.order_id))
    })?;
    Ok(VposOutcome::new(tx, outcome.repeated))
}

fn product_of<'a>(host: &'a Host, card: &CardOfPan) -> Result<&'a CardProduct, ServiceError> {
    host.settings.card_product(&card.product_code, card.card_id)
}

/// The most installments the card's product offers (1 when it offers none).
fn product_installments(host: &Host, card: &CardOfPan) -> Result<i64, ServiceError> {
    let product = product_of(host, card)?;
    Ok(product
        .installments
        .iter()
        .map(|b| i64::from(b.to))
        .max()
        .unwrap_or(1))
}
