//! New payments: `PaymentSale` and `PaymentPreSale`.

use std::sync::Arc;

use cardhost_domain::card::{yymm, Pan};
use cardhost_domain::product::CardType;
use cardhost_domain::response as rc;
use cardhost_domain::secret::Cvv2;
use cardhost_domain::status::Network;
use cardhost_domain::{Currency, FieldErrors};
use cardhost_store::merchants::MerchantRow;

use super::{
    minor, on_us, payment_card, product_installments, product_of, refuse, repeated, PaymentCard,
    PaymentRequest, DESCRIPTION_MAX, HOLDER_NAME_MAX,
};
use crate::host::{Call, Host};
use crate::issuer::card_ref::CardKey;
use crate::money::decide::TxRequest;
use crate::vpos::early::{merchant_for, order_fields};
use crate::vpos::order::{Charge, OrderCard};
use crate::vpos::rules::{self, Attempt, Entry};
use crate::vpos::{lock_order, offus, VposLeg, VposOp, VposOutcome, INSTALLMENTS_MAX};
use crate::{idempotency, ServiceError};

/// A payment request that passed its field checks.
pub(crate) struct Valid {
    pub merchant_no: String,
    pub terminal_no: String,
    pub order_id: String,
    pub currency: Currency,
    pub amount: i64,
    pub points: i64,
    pub installments: i64,
    /// Paid with a card number (not a token): expiry and CVV2 come with it.
    pub with_card_no: bool,
}

/// `PaymentSale` (op `Sale`) and `PaymentPreSale` (op `PreSale`).
pub async fn pay(
    host: &Host,
    call: &Call,
    op: VposOp,
    r: PaymentRequest,
    entry: Entry,
) -> Result<VposOutcome, ServiceError> {
    let v = validate(op, &r)?;
    let card = payment_card(host, &r.card).await?;
    let p = prepare(host, call, op, v, card, &r, entry).await?;
    let secrets = CardSecrets {
        expiry: r.expiry_date.filter(|_| p.v.with_card_no),
        cvv2: r.cvv2.filter(|_| p.v.with_card_no),
    };
    settle(host, call, p, secrets).await
}

/// A new payment checked against the merchant's rules and the card, with
/// what a repeat must match; nothing written yet.
pub(crate) struct Prepared {
    pub v: Valid,
    merchant: Arc<MerchantRow>,
    pub card: PaymentCard,
    digest: String,
    pub leg: VposLeg,
    pub charge: Charge,
    /// Why the payment is refused before any issuer or network sees it.
    pub refusal: Option<&'static str>,
}

/// What the issuer checks beside the card number, when the request carried it.
#[derive(Default)]
pub(crate) struct CardSecrets {
    pub expiry: Option<String>,
    pub cvv2: Option<Cvv2>,
}

/// Checks the payment `v` with `card` against the merchant's terminal and
/// rules, as it reached the host by `entry`.
pub(crate) async fn prepare(
    host: &Host,
    call: &Call,
    op: VposOp,
    v: Valid,
    card: PaymentCard,
    r: &PaymentRequest,
    entry: Entry,
) -> Result<Prepared, ServiceError> {
    let (merchant, terminal) =
        merchant_for(host, call, &v.merchant_no, &v.terminal_no, v.currency).await?;
    let digest = digest_of(host, op, &v, r, &card)?;
    let leg = VposLeg {
        merchant_no: v.merchant_no.clone(),
        terminal_no: v.terminal_no.clone(),
        order_id: v.order_id.clone(),
        op,
        idem_key: "Payment".into(),
        installments: v.installments,
        point_amount: v.points,
        description: r.description.clone(),
        target: None,
    };
    let facts = card_facts(host, &card)?;
    let attempt = Attempt {
        op,
        amount: v.amount,
        installments: v.installments,
        with_points: v.points > 0,
        off_us: facts.off_us,
        card_country: facts.country.as_deref(),
        sale_at: None,
        entry,
    };
    let charge = charge_of(&v, &card, &facts);
    // The merchant's rules first, then what the card itself cannot do.
    let refusal = match rules::refusal(host, &merchant, &terminal, &attempt).await? {
        Some(code) => Some(code),
        None => card_refusal(host, &card, &v)?,
    };
    Ok(Prepared {
        v,
        merchant,
        card,
        digest,
        leg,
        charge,
        refusal,
    })
}

/// Runs a prepared payment: refused, sent to the network, or to the authorizer.
pub(crate) async fn settle(
    host: &Host,
    call: &Call,
    p: Prepared,
    secrets: CardSecrets,
) -> Result<VposOutcome, ServiceError> {
    let off_us = matches!(p.card, PaymentCard::OtherIssuer(_));
    let _one_at_a_time = lock_order(host, &p.v.merchant_no, &p.v.order_id, off_us).await?;
    // An on-us sale goes straight to the authorizer, which recognises a
    // repeat itself, in the same transaction as the rest of its batch.
    let to_authorizer = p.refusal.is_none() && matches!(p.card, PaymentCard::Issued(..));
    if !to_authorizer {
        if let Some(first) = repeated(host, &p.leg, &p.digest).await? {
            return Ok(first);
        }
    }
    if let Some(code) = p.refusal {
        return refuse(host, call, &p.leg, &p.digest, p.charge, code).await;
    }
    match p.card {
        PaymentCard::NeverIssued(_) => Err(ServiceError::Internal("refused above".into())),
        PaymentCard::OtherIssuer(pan) => {
            offus::pay(host, call, &p.leg, &p.digest, &pan, p.charge).await
        }
        PaymentCard::Issued(c, pan) => {
            let mut request = TxRequest::new(
                call,
                p.leg.op.into(),
                c.card_id,
                p.v.order_id.clone(),
                p.digest,
                Some(p.v.amount),
                Some(p.v.currency),
            );
            request.expiry = secrets.expiry;
            request.cvv2 = secrets.cvv2;
            request.pan = pan;
            on_us(host, &p.merchant, p.leg, request).await
        }
    }
}

/// The first outcome of the prepared payment, when it was made before.
pub(crate) async fn first_outcome(
    host: &Host,
    p: &Prepared,
) -> Result<Option<VposOutcome>, ServiceError> {
    repeated(host, &p.leg, &p.digest).await
}

/// A payment refused before it reaches an issuer: the order fails with `code`.
pub(crate) async fn refuse_prepared(
    host: &Host,
    call: &Call,
    p: Prepared,
    code: &'static str,
) -> Result<VposOutcome, ServiceError> {
    let _one_at_a_time = host.order_locks.lock(&p.v.merchant_no, &p.v.order_id).await;
    if let Some(first) = repeated(host, &p.leg, &p.digest).await? {
        return Ok(first);
    }
    refuse(host, call, &p.leg, &p.digest, p.charge, code).await
}

/// Every field check of a new payment, each failure naming its field.
pub(crate) fn validate(op: VposOp, r: &PaymentRequest) -> Result<Valid, ServiceError> {
    let mut errors = FieldErrors::new();
    let keys = (&r.merchant_no, &r.terminal_no, &r.order_id);
    let f = order_fields(&mut errors, keys, r.currency, &r.amount);
    let (currency, amount) = (f.currency, f.amount);
    let points = currency.and_then(|c| minor(&mut errors, "PointAmount", &r.point_amount, c));
    if op == VposOp::PreSale && points.is_some_and(|p| p > 0) {
        errors.push("PointAmount", "is taken by PaymentSale only");
    }
    if let (Some(p), Some(a)) = (points, amount) {
        if p > a {
            errors.push("PointAmount", "must not be more than Amount");
        }
    }
    let installments = r.installment_count.unwrap_or(1);
    errors.in_range("InstallmentCount", installments, 1..=INSTALLMENTS_MAX);
    let secrets = (r.expiry_date.as_deref(), r.cvv2.as_ref());
    let with_card_no = check_card_fields(&mut errors, &r.card, secrets, true);
    check_free_text(&mut errors, r);
    match (currency, amount) {
        (Some(currency), Some(amount)) if errors.is_empty() => Ok(Valid {
            merchant_no: f.merchant_no,
            terminal_no: f.terminal_no,
            order_id: f.order_id,
            currency,
            amount,
            points: points.unwrap_or(0),
            installments,
            with_card_no,
        }),
        _ => Err(ServiceError::Validation(errors)),
    }
}

/// The card number or token (one is `required`, else both may be absent),
/// and with a number its expiry and CVV2; whether the card is a number.
pub(crate) fn check_card_fields(
    errors: &mut FieldErrors,
    card: &CardKey,
    (expiry, cvv2): (Option<&str>, Option<&Cvv2>),
    required: bool,
) -> bool {
    let with_card_no = card
        .card_no
        .as_ref()
        .map(|n| n.expose())
        .is_some_and(|n| !n.is_empty());
    let with_token = card.card_token.as_deref().is_some_and(|t| !t.is_empty());
    if !with_card_no && !with_token && required {
        errors.push("CardNo", "CardNo or CardToken is required");
    }
    if with_card_no {
        if let Some(no) = &card.card_no {
            errors.check("CardNo", Pan::parse(no.expose()).map(|_| ()));
        }
        match expiry {
            Some(e) if yymm(e).is_some() => {}
            _ => errors.push("ExpiryDate", "is required with CardNo: yyMM"),
        }
        match cvv2 {
            Some(c) if c.is_well_formed() => {}
            _ => errors.push("Cvv2", "is required with CardNo: 3 digits"),
        }
    }
    with_card_no
}

/// A description of at most 256 characters.
pub(crate) fn check_description(errors: &mut FieldErrors, description: Option<&str>) {
    if description.is_some_and(|d| d.chars().count() > DESCRIPTION_MAX) {
        errors.push("Description", "must be at most 256 characters");
    }
}

fn check_free_text(errors: &mut FieldErrors, r: &PaymentRequest) {
    if r.card_holder_name
        .as_deref()
        .is_some_and(|n| n.chars().count() > HOLDER_NAME_MAX)
    {
        errors.push("CardHolderName", "must be at most 64 characters");
    }
    check_description(errors, r.description.as_deref());
    if r.customer_ip
        .as_deref()
        .is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_err())
    {
        errors.push("CustomerIp", "must be an IPv4 or IPv6 address");
    }
}

/// What a repeat of the payment must match: everything but the order id,
/// with the card as an identity that holds no card number.
fn digest_of(
    host: &Host,
    op: VposOp,
    v: &Valid,
    r: &PaymentRequest,
    card: &PaymentCard,
) -> Result<String, ServiceError> {
    let card_identity = match card {
        PaymentCard::Issued(c, _) => format!("card:{}", c.card_id),
        PaymentCard::NeverIssued(masked) => format!("unknown:{masked}"),
        PaymentCard::OtherIssuer(pan) => host
            .security
            .fingerprint_pan(pan)
            .map_err(|e| ServiceError::Internal(e.to_string()))?,
    };
    Ok(idempotency::digest(&[
        op.name(),
        &v.terminal_no,
        &v.amount.to_string(),
        &v.currency.numeric().to_string(),
        &v.installments.to_string(),
        &v.points.to_string(),
        &card_identity,
        r.expiry_date.as_deref().unwrap_or_default(),
        r.description.as_deref().unwrap_or_default(),
    ]))
}

/// What the merchant's rules and the order need to know of the card.
struct CardFacts {
    off_us: bool,
    country: Option<String>,
    card_type: CardType,
}

fn card_facts(host: &Host, card: &PaymentCard) -> Result<CardFacts, ServiceError> {
    Ok(match card {
        PaymentCard::Issued(c, _) => {
            let product = product_of(host, c)?;
            CardFacts {
                off_us: false,
                country: Some(product.country.as_str().to_owned()),
                card_type: product.card_type,
            }
        }
        PaymentCard::NeverIssued(_) => CardFacts {
            off_us: false,
            country: None,
            card_type: CardType::Debit,
        },
        PaymentCard::OtherIssuer(pan) => {
            let info = host.network.card_info(pan);
            CardFacts {
                off_us: true,
                country: info.country,
                card_type: info.card_type,
            }
        }
    })
}

/// What the order records of the payment, before any outcome.
fn charge_of(v: &Valid, card: &PaymentCard, facts: &CardFacts) -> Charge {
    let (masked, card_id) = match card {
        PaymentCard::Issued(c, _) => (c.masked_pan.to_string(), Some(c.card_id)),
        PaymentCard::NeverIssued(m) => (m.clone(), None),
        PaymentCard::OtherIssuer(pan) => (pan.masked(), None),
    };
    let network = if facts.off_us {
        Network::OffUs
    } else {
        Network::OnUs
    };
    Charge {
        amount: v.amount,
        currency: v.currency,
        masked,
        card: OrderCard {
            card_id,
            card_type: facts.card_type,
            network,
        },
    }
}

/// What the card itself cannot do, once the merchant's rules allowed it.
fn card_refusal(
    host: &Host,
    card: &PaymentCard,
    v: &Valid,
) -> Result<Option<&'static str>, ServiceError> {
    Ok(match card {
        PaymentCard::NeverIssued(_) => Some(rc::INVALID_CARD),
        PaymentCard::OtherIssuer(_) if v.installments > 1 || v.points > 0 => {
            Some(rc::NOT_PERMITTED_CARDHOLDER)
        }
        PaymentCard::Issued(c, _) if v.installments > product_installments(host, c)? => {
            Some(rc::NOT_PERMITTED_CARDHOLDER)
        }
        _ => None,
    })
}
