//! `PaymentSale`, `PaymentPreSale`, `PaymentPostSale`, `PaymentVoid`,
//! `PaymentRefund`, `BatchClose`: validate, check the merchant's rules, and
//! send on-us cards to the authorizer and other cards to the network.

use std::sync::Arc;

use cardhost_domain::card::Pan;
use cardhost_domain::fees::Network;
use cardhost_domain::money::MajorAmount;
use cardhost_domain::product::CardProduct;
use cardhost_domain::response as rc;
use cardhost_domain::secret::Cvv2;
use cardhost_domain::{Currency, FieldErrors};
use cardhost_store::cards;
use cardhost_store::merchants::{MerchantRow, TerminalRow};
use cardhost_store::vpos::{self, OrderRow, OrderTxRow};
use cardhost_store::{ledger, StoreError};

use super::check_access;
use super::order::{self, Charge, OrderCard};
use super::rules::{self, Attempt};
use super::{offus, VposLeg, VposOp, VposOutcome, INSTALLMENTS_MAX, ORDER_ID_MAX_LEN};
use crate::acquirer::batches::{self, BatchSummary};
use crate::cache::{self, CardOfPan};
use crate::host::{Call, Host};
use crate::issuer::card_ref::{self, CardKey};
use crate::money::decide::TxRequest;
use crate::money::Channel;
use crate::{idempotency, ServiceError};

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

fn required(errors: &mut FieldErrors, field: &str, value: &Option<String>, max: usize) -> String {
    match value {
        Some(v) if !v.is_empty() && v.chars().count() <= max => v.clone(),
        _ => {
            errors.push(field, format!("is required: 1 to {max} characters"));
            String::new()
        }
    }
}

fn currency_field(errors: &mut FieldErrors, currency: Option<i64>) -> Option<Currency> {
    match currency {
        Some(n) => {
            let c = u16::try_from(n).ok().and_then(Currency::from_numeric);
            if c.is_none() {
                errors.push("Currency", "is not a known ISO 4217 numeric currency code");
            }
            c
        }
        None => {
            errors.push("Currency", "is required");
            None
        }
    }
}

fn minor(
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
async fn merchant_and_terminal(
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
enum PaymentCard {
    /// With the clear number when the request carried one.
    Issued(CardOfPan, Option<Pan>),
    /// A card number in one of this host's BIN ranges that it never issued,
    /// or an unknown card token.
    NeverIssued(String),
    OtherIssuer(Pan),
}

async fn payment_card(host: &Host, key: &CardKey) -> Result<PaymentCard, ServiceError> {
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
            Ok(Some(VposOutcome {
                currency: super::currency_of(t.currency),
                tx: t,
                repeated: true,
            }))
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
        amount,
        currency: i64::from(currency.numeric()),
        response_code: code.to_owned(),
        masked_card_no: masked,
        network: card.network.clone(),
        created_at: now,
        ..leg.tx(&call.caller.client_id, digest)
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
            Ok(VposOutcome {
                tx: t,
                currency,
                repeated: false,
            })
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
async fn on_us(host: &Host, leg: VposLeg, request: TxRequest) -> Result<VposOutcome, ServiceError> {
    let outcome = host.authorizer.submit(request).await?;
    let tx = outcome.vpos.ok_or_else(|| {
        ServiceError::Internal(format!("order {} has no transaction", leg.order_id))
    })?;
    Ok(VposOutcome {
        tx,
        currency: outcome.currency,
        repeated: outcome.repeated,
    })
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

/// `PaymentSale` (op `Sale`) and `PaymentPreSale` (op `PreSale`).
pub async fn pay(
    host: &Host,
    call: &Call,
    op: VposOp,
    r: PaymentRequest,
) -> Result<VposOutcome, ServiceError> {
    let mut errors = FieldErrors::new();
    let merchant_no = required(&mut errors, "MerchantNo", &r.merchant_no, 15);
    let terminal_no = required(&mut errors, "TerminalNo", &r.terminal_no, 8);
    let order_id = required(&mut errors, "OrderId", &r.order_id, ORDER_ID_MAX_LEN);
    let currency = currency_field(&mut errors, r.currency);
    if r.amount.is_none() {
        errors.push("Amount", "is required");
    }
    let amount = currency.and_then(|c| minor(&mut errors, "Amount", &r.amount, c));
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
    if !(1..=INSTALLMENTS_MAX).contains(&installments) {
        errors.push(
            "InstallmentCount",
            format!("must be 1 to {INSTALLMENTS_MAX}"),
        );
    }
    let with_card_no = r
        .card
        .card_no
        .as_ref()
        .map(|n| n.expose())
        .is_some_and(|n| !n.is_empty());
    let with_token = r.card.card_token.as_deref().is_some_and(|t| !t.is_empty());
    if !with_card_no && !with_token {
        errors.push("CardNo", "CardNo or CardToken is required");
    }
    if with_card_no {
        if let Some(no) = &r.card.card_no {
            errors.check("CardNo", Pan::parse(no.expose()).map(|_| ()));
        }
        match r.expiry_date.as_deref() {
            Some(e) if e.len() == 4 && e.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => errors.push("ExpiryDate", "is required with CardNo: yyMM"),
        }
        match r.cvv2.as_ref() {
            Some(c) if c.is_well_formed() => {}
            _ => errors.push("Cvv2", "is required with CardNo: 3 digits"),
        }
    }
    if r.card_holder_name
        .as_deref()
        .is_some_and(|n| n.chars().count() > HOLDER_NAME_MAX)
    {
        errors.push("CardHolderName", "must be at most 64 characters");
    }
    if r.description
        .as_deref()
        .is_some_and(|d| d.chars().count() > DESCRIPTION_MAX)
    {
        errors.push("Description", "must be at most 256 characters");
    }
    if r.customer_ip
        .as_deref()
        .is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_err())
    {
        errors.push("CustomerIp", "must be an IPv4 or IPv6 address");
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let (Some(currency), Some(amount)) = (currency, amount) else {
        return Err(ServiceError::Validation(errors));
    };
    let points = points.unwrap_or(0);
    let (merchant, terminal) =
        merchant_and_terminal(host, call, &merchant_no, &terminal_no).await?;
    if terminal.terminal_type != "Vpos" {
        return Err(ServiceError::NotAllowed(format!(
            "Terminal {terminal_no} is a {} terminal; virtual POS payments need a Vpos terminal.",
            terminal.terminal_type
        )));
    }
    if i64::from(currency.numeric()) != merchant.currency {
        return Err(ServiceError::field(
            "Currency",
            format!("must be the merchant's currency ({})", merchant.currency),
        ));
    }
    let card = payment_card(host, &r.card).await?;
    let card_identity = match &card {
        PaymentCard::Issued(c, _) => format!("card:{}", c.card_id),
        PaymentCard::NeverIssued(masked) => format!("unknown:{masked}"),
        PaymentCard::OtherIssuer(pan) => host
            .security
            .fingerprint_pan(pan)
            .map_err(|e| ServiceError::Internal(e.to_string()))?,
    };
    let digest = idempotency::digest(&[
        op.name(),
        &terminal_no,
        &amount.to_string(),
        &currency.numeric().to_string(),
        &installments.to_string(),
        &points.to_string(),
        &card_identity,
        r.expiry_date.as_deref().unwrap_or_default(),
        r.description.as_deref().unwrap_or_default(),
    ]);
    let leg = VposLeg {
        merchant_no: merchant_no.clone(),
        terminal_no: terminal_no.clone(),
        order_id: order_id.clone(),
        op,
        idem_key: "Payment".into(),
        installments,
        point_amount: points,
        description: r.description.clone(),
        target: None,
    };
    let _one_at_a_time = host.order_locks.lock(&merchant_no, &order_id).await;
    let (off_us, card_country, card_type) = match &card {
        PaymentCard::Issued(c, _) => {
            let product = product_of(host, c)?;
            (
                false,
                Some(product.country.as_str().to_owned()),
                product.card_type,
            )
        }
        PaymentCard::NeverIssued(_) => (false, None, cardhost_domain::product::CardType::Debit),
        PaymentCard::OtherIssuer(pan) => {
            let info = host.network.card_info(pan);
            (true, info.country, info.card_type)
        }
    };
    let order_card = |card_id: Option<i64>| OrderCard {
        card_id,
        card_type: card_type.name().to_owned(),
        network: if off_us {
            Network::OffUs
        } else {
            Network::OnUs
        }
        .name()
        .to_owned(),
    };
    let attempt = Attempt {
        op,
        amount,
        installments,
        with_points: points > 0,
        off_us,
        card_country: card_country.as_deref(),
        sale_at: None,
    };
    let (masked, card_id) = match &card {
        PaymentCard::Issued(c, _) => (c.masked_pan.to_string(), Some(c.card_id)),
        PaymentCard::NeverIssued(m) => (m.clone(), None),
        PaymentCard::OtherIssuer(pan) => (pan.masked(), None),
    };
    let charge = Charge {
        amount,
        currency,
        masked,
        card: order_card(card_id),
    };
    // The merchant's rules first, then what the card itself cannot do.
    let refusal = match rules::refusal(host, &merchant, &terminal, &attempt).await? {
        Some(code) => Some(code),
        None => match &card {
            PaymentCard::NeverIssued(_) => Some(rc::INVALID_CARD),
            PaymentCard::OtherIssuer(_) if installments > 1 || points > 0 => {
                Some(rc::NOT_PERMITTED_CARDHOLDER)
            }
            PaymentCard::Issued(c, _) if installments > product_installments(host, c)? => {
                Some(rc::NOT_PERMITTED_CARDHOLDER)
            }
            _ => None,
        },
    };
    // An on-us sale goes straight to the authorizer, which recognises a
    // repeat itself, in the same transaction as the rest of its batch.
    let to_authorizer = refusal.is_none() && matches!(card, PaymentCard::Issued(..));
    if !to_authorizer {
        if let Some(first) = repeated(host, &leg, &digest).await? {
            return Ok(first);
        }
    }
    if let Some(code) = refusal {
        return refuse(host, call, &leg, &digest, charge, code).await;
    }
    match card {
        PaymentCard::NeverIssued(_) => Err(ServiceError::Internal("refused above".into())),
        PaymentCard::OtherIssuer(pan) => offus::pay(host, call, &leg, &digest, &pan, charge).await,
        PaymentCard::Issued(c, pan) => {
            let mut request = TxRequest::new(
                call,
                op.tx_kind(),
                c.card_id,
                order_id,
                digest,
                Some(amount),
                Some(currency),
            );
            request.channel = Channel::Ecom;
            request.mcc = Some(merchant.mcc.clone());
            request.merchant_name = Some(merchant.merchant_name.clone());
            request.merchant_country = Some(merchant.country.clone());
            request.expiry = r.expiry_date.filter(|_| with_card_no);
            request.cvv2 = r.cvv2.filter(|_| with_card_no);
            request.pan = pan;
            request.vpos = Some(leg.clone());
            on_us(host, leg, request).await
        }
    }
}

/// `PaymentPostSale` (op `PostSale`), `PaymentVoid` (`Void`), `PaymentRefund` (`Refund`).
pub async fn follow_up(
    host: &Host,
    call: &Call,
    op: VposOp,
    r: FollowUpRequest,
) -> Result<VposOutcome, ServiceError> {
    let mut errors = FieldErrors::new();
    let merchant_no = required(&mut errors, "MerchantNo", &r.merchant_no, 15);
    let terminal_no = required(&mut errors, "TerminalNo", &r.terminal_no, 8);
    let order_id = required(&mut errors, "OrderId", &r.order_id, ORDER_ID_MAX_LEN);
    let reference = if op == VposOp::Refund {
        required(
            &mut errors,
            "Reference",
            &r.reference,
            idempotency::REFERENCE_MAX_LEN,
        )
    } else {
        String::new()
    };
    let process_id = match r.process_id.as_deref() {
        Some(p) if op == VposOp::Void => match p.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.push("ProcessId", "must be the digits of a ProcessId");
                None
            }
        },
        _ => None,
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let (merchant, terminal) =
        merchant_and_terminal(host, call, &merchant_no, &terminal_no).await?;
    let _one_at_a_time = host.order_locks.lock(&merchant_no, &order_id).await;
    let order_row = vpos::order(host.db.reader(), &merchant_no, &order_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Order {order_id} not found.")))?;
    if order_row.terminal_no != terminal_no {
        return Err(ServiceError::NotAllowed(format!(
            "Order {order_id} was paid on terminal {}.",
            order_row.terminal_no
        )));
    }
    let currency = super::currency_of(order_row.currency);
    let requested = match &r.amount {
        Some(a) => Some(
            a.to_minor(currency)
                .map_err(|e| ServiceError::field("Amount", e.to_string()))?
                .get(),
        ),
        None => None,
    };
    if requested == Some(0) {
        return Err(ServiceError::field("Amount", "must be more than 0"));
    }
    // A repeat is the same request: the amount as asked for, not as resolved.
    let digest = idempotency::digest(&[
        op.name(),
        &terminal_no,
        &requested.map_or_else(|| "all".to_owned(), |a| a.to_string()),
    ]);
    let txs = vpos::txs_of_order(host.db.reader(), &merchant_no, &order_id).await?;
    let (target, amount, idem_key) = match op {
        VposOp::PostSale => {
            let target = order::capture_target(&order_row, &txs)?;
            let amount = requested.unwrap_or(order_row.authorized_amount);
            if amount > order_row.authorized_amount {
                return Err(ServiceError::NotAllowed(
                    "Amount is more than the pre-authorized amount.".into(),
                ));
            }
            (target, amount, "PostSale".to_owned())
        }
        VposOp::Void => {
            if !matches!(
                order_row.status.as_str(),
                "Paid" | "PreAuthorized" | "Captured"
            ) {
                return Err(ServiceError::NotAllowed(format!(
                    "Order {order_id} is {}; nothing to void.",
                    order_row.status
                )));
            }
            if order_row.refunded_amount > 0 {
                return Err(ServiceError::NotAllowed(
                    "A refunded order cannot be voided.".into(),
                ));
            }
            let target = order::void_target(&txs, process_id)?.clone();
            if requested.is_some_and(|a| a != target.amount) {
                return Err(ServiceError::field(
                    "Amount",
                    "a void undoes the whole transaction",
                ));
            }
            let amount = target.amount;
            let key = format!("Void:{}", target.process_id);
            (target, amount, key)
        }
        VposOp::Refund => {
            let left = order_row.captured_amount - order_row.refunded_amount;
            let amount = requested.unwrap_or(left);
            let key = format!("Refund:{reference}");
            let leg_probe = probe_leg(&order_row, op, &key, None);
            if let Some(first) = repeated(host, &leg_probe, &digest).await? {
                return Ok(first);
            }
            let target = order::refund_target(&order_row, &txs)?;
            if amount > left || amount <= 0 {
                return Err(ServiceError::NotAllowed(
                    "Refunds would exceed what was captured on the order.".into(),
                ));
            }
            (target, amount, key)
        }
        VposOp::Sale | VposOp::PreSale => {
            return Err(ServiceError::Internal("not a follow-up".into()))
        }
    };
    let mut leg = probe_leg(&order_row, op, &idem_key, Some(target.process_id));
    leg.terminal_no = terminal_no.clone();
    if let Some(first) = repeated(host, &leg, &digest).await? {
        return Ok(first);
    }
    let off_us = order_row.network == Network::OffUs.name();
    let attempt = Attempt {
        op,
        amount,
        installments: 1,
        with_points: false,
        off_us,
        card_country: None,
        sale_at: Some(target.created_at),
    };
    let card = OrderCard {
        card_id: order_row.card_id,
        card_type: order_row.card_type.clone(),
        network: order_row.network.clone(),
    };
    if let Some(code) = rules::refusal(host, &merchant, &terminal, &attempt).await? {
        return refuse(
            host,
            call,
            &leg,
            &digest,
            Charge {
                amount,
                currency,
                masked: order_row.masked_card_no.clone(),
                card,
            },
            code,
        )
        .await;
    }
    if off_us {
        let charge = Charge {
            amount,
            currency,
            masked: target.masked_card_no.clone(),
            card,
        };
        return offus::follow_up(host, call, &leg, &digest, &target, charge).await;
    }
    let card_id = order_row
        .card_id
        .ok_or_else(|| ServiceError::Internal(format!("on-us order {order_id} has no card")))?;
    let mut request = TxRequest::new(
        call,
        op.tx_kind(),
        card_id,
        order_id,
        digest,
        Some(amount),
        Some(currency),
    );
    request.channel = Channel::Ecom;
    request.original = Some(target.process_id);
    request.mcc = Some(merchant.mcc.clone());
    request.merchant_name = Some(merchant.merchant_name.clone());
    request.merchant_country = Some(merchant.country.clone());
    request.vpos = Some(leg.clone());
    on_us(host, leg, request).await
}

fn probe_leg(order: &OrderRow, op: VposOp, idem_key: &str, target: Option<i64>) -> VposLeg {
    VposLeg {
        merchant_no: order.merchant_no.clone(),
        terminal_no: order.terminal_no.clone(),
        order_id: order.order_id.clone(),
        op,
        idem_key: idem_key.to_owned(),
        installments: order.installment_count,
        point_amount: 0,
        description: None,
        target,
    }
}

/// `BatchClose`: `ClosePosBatch` for the merchant's own terminal.
pub async fn batch_close(
    host: &Host,
    call: &Call,
    merchant_no: Option<String>,
    terminal_no: Option<String>,
) -> Result<BatchSummary, ServiceError> {
    let mut errors = FieldErrors::new();
    let merchant_no = required(&mut errors, "MerchantNo", &merchant_no, 15);
    let terminal_no = required(&mut errors, "TerminalNo", &terminal_no, 8);
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    merchant_and_terminal(host, call, &merchant_no, &terminal_no).await?;
    batches::close(host, call, &terminal_no).await
}
