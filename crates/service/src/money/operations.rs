//! `SendTransaction` and `LoadCardBalance`: validate, find the card, and hand
//! the request to the authorizer.

use cardhost_domain::card::yymm;
use cardhost_domain::date::Timestamp;
use cardhost_domain::field::counting_number;
use cardhost_domain::money::MajorAmount;
use cardhost_domain::response as rc;
use cardhost_domain::secret::{Cvv2, PinBlock};
use cardhost_domain::status::{CardTxType, Channel};
use cardhost_domain::{Country, Currency, FieldErrors};

use super::decide::{PinInput, TxRequest};
use super::view::Transaction;
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::issuer::card_ref::{self, CardKey};
use crate::issuer::card_security::{check_block_shape, pin_format};
use crate::{idempotency, ServiceError};

/// A financial request as the API received it.
#[derive(Debug, Clone, Default)]
pub struct FinancialRequest {
    pub card: CardKey,
    pub reference: Option<String>,
    pub transaction_type: Option<String>,
    pub amount: Option<MajorAmount>,
    pub currency: Option<i64>,
    pub channel: Option<String>,
    pub mcc: Option<String>,
    pub merchant_name: Option<String>,
    pub merchant_country: Option<String>,
    pub expiry_date: Option<String>,
    pub cvv2: Option<Cvv2>,
    pub pin_block: Option<PinBlock>,
    pub pin_block_format: Option<i64>,
    pub key_name: Option<String>,
    pub original_process_id: Option<String>,
}

/// The answer to a financial request.
#[derive(Debug, Clone)]
pub enum Financial {
    Decided(Box<Transaction>),
    /// Declined before any card of this host was involved.
    Unprocessed(Unprocessed),
}

/// A decline recorded nowhere, since there is no card to record it on: not a
/// card of this host (`14`), or another issuer's that no connector reaches.
#[derive(Debug, Clone)]
pub struct Unprocessed {
    pub reference: String,
    pub amount: i64,
    pub currency: Option<Currency>,
    pub code: &'static str,
    pub at: Timestamp,
}

impl Unprocessed {
    fn of(host: &Host, c: &Checked, code: &'static str) -> Financial {
        Financial::Unprocessed(Unprocessed {
            reference: c.reference.clone(),
            amount: c.amount.unwrap_or(0),
            currency: c.currency,
            code,
            at: Timestamp::from_millis(host.clock.now_ms()),
        })
    }
}

/// Longest merchant name kept with a transaction.
const MERCHANT_NAME_MAX: usize = 100;

struct Checked {
    kind: CardTxType,
    reference: String,
    amount: Option<i64>,
    currency: Option<Currency>,
    channel: Channel,
    pin: Option<PinInput>,
    original: Option<i64>,
}

fn check(
    host: &Host,
    kind: Option<CardTxType>,
    r: &FinancialRequest,
    errors: &mut FieldErrors,
) -> Option<Checked> {
    let reference = match &r.reference {
        Some(x) if !x.is_empty() && x.chars().count() <= idempotency::REFERENCE_MAX_LEN => {
            Some(x.clone())
        }
        _ => {
            errors.push("Reference", "is required: 1 to 64 characters");
            None
        }
    };
    let (amount, currency) = check_amount(kind, r, errors);
    let channel = match r.channel.as_deref() {
        None => Channel::Pos,
        Some(text) => Channel::parse(text).unwrap_or_else(|_| {
            errors.push("Channel", format!("must be one of {}", Channel::names()));
            Channel::Pos
        }),
    };
    check_merchant_and_card(r, errors);
    let pin = check_pin(host, r, errors);
    let original = check_original(kind, r, errors);
    Some(Checked {
        kind: kind?,
        reference: reference?,
        amount,
        currency,
        channel,
        pin,
        original,
    })
}

/// The amount in minor units of the currency, each required where `kind` moves money.
fn check_amount(
    kind: Option<CardTxType>,
    r: &FinancialRequest,
    errors: &mut FieldErrors,
) -> (Option<i64>, Option<Currency>) {
    let currency = r
        .currency
        .and_then(|n| errors.check("Currency", Currency::requested(n)));
    let needs_amount = matches!(
        kind,
        Some(
            CardTxType::Purchase
                | CardTxType::CashWithdrawal
                | CardTxType::PreAuthorization
                | CardTxType::Load
                | CardTxType::TransferOut
                | CardTxType::MoneySend
        )
    );
    if needs_amount && r.amount.is_none() {
        errors.push("Amount", "is required");
    }
    if (r.amount.is_some() || needs_amount) && r.currency.is_none() {
        errors.push("Currency", "is required");
    }
    let amount = match (&r.amount, currency) {
        (Some(a), Some(c)) => errors.check("Amount", a.to_minor(c)).map(|m| m.get()),
        _ => None,
    };
    (amount, currency)
}

/// The acceptor's fields and the card's expiry and CVV2, when given.
fn check_merchant_and_card(r: &FinancialRequest, errors: &mut FieldErrors) {
    let digits = |text: &str, n: usize| text.len() == n && text.bytes().all(|b| b.is_ascii_digit());
    if r.mcc.as_deref().is_some_and(|m| !digits(m, 4)) {
        errors.push("Mcc", "must be 4 digits");
    }
    if let Some(country) = &r.merchant_country {
        errors.check("MerchantCountry", Country::parse(country));
    }
    if r.merchant_name
        .as_deref()
        .is_some_and(|n| n.chars().count() > MERCHANT_NAME_MAX)
    {
        errors.push("MerchantName", "must be at most 100 characters");
    }
    if r.expiry_date.as_deref().is_some_and(|e| yymm(e).is_none()) {
        errors.push("ExpiryDate", "must be yyMM");
    }
    if r.cvv2.as_ref().is_some_and(|c| !c.is_well_formed()) {
        errors.push("Cvv2", "must be 3 digits");
    }
}

/// The PIN block with its format and key, when one is given.
fn check_pin(host: &Host, r: &FinancialRequest, errors: &mut FieldErrors) -> Option<PinInput> {
    let block = r.pin_block.as_ref()?;
    let checked =
        pin_format(host, r.pin_block_format, r.key_name.as_deref()).and_then(|(format, zpk)| {
            check_block_shape("PinBlock", Some(block), format).map(|block| PinInput {
                block,
                format,
                zpk,
            })
        });
    match checked {
        Ok(pin) => Some(pin),
        Err(ServiceError::Validation(e)) => {
            for f in e.into_vec() {
                errors.push(f.field, f.message);
            }
            None
        }
        Err(_) => None,
    }
}

/// The earlier transaction a refund, reversal or completion acts on.
fn check_original(
    kind: Option<CardTxType>,
    r: &FinancialRequest,
    errors: &mut FieldErrors,
) -> Option<i64> {
    let needs_original = matches!(
        kind,
        Some(CardTxType::Refund | CardTxType::Reversal | CardTxType::Completion)
    );
    match &r.original_process_id {
        Some(p) => {
            let parsed = counting_number(p);
            if parsed.is_none() {
                errors.push(
                    "OriginalProcessId",
                    "must be the ProcessId of an earlier transaction",
                );
            }
            parsed
        }
        None if needs_original => {
            errors.push(
                "OriginalProcessId",
                "is required for Refund, Reversal and Completion",
            );
            None
        }
        None => None,
    }
}

/// Runs a financial request of `kind` (from `TransactionType` when `None`).
pub async fn financial(
    host: &Host,
    call: &Call,
    kind: Option<CardTxType>,
    r: FinancialRequest,
) -> Result<Financial, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let mut errors = FieldErrors::new();
    let kind = kind_of(kind, &r, &mut errors);
    let checked = check(host, kind, &r, &mut errors);
    errors.finish(())?;
    let Some(c) = checked else {
        return Err(ServiceError::Internal(
            "validation passed without a request".into(),
        ));
    };
    let card = match card_ref::find(host, &r.card).await {
        Ok(card) => card,
        Err(ServiceError::NotFound(_) | ServiceError::Validation(_)) => {
            return Ok(Unprocessed::of(host, &c, rc::INVALID_CARD))
        }
        Err(other) => return Err(other),
    };
    let digest = digest_of(card.card_id, &c, &r);
    let request = TxRequest {
        channel: c.channel,
        mcc: r.mcc,
        merchant_name: r.merchant_name,
        merchant_country: r.merchant_country,
        expiry: r.expiry_date,
        cvv2: r.cvv2,
        pin: c.pin,
        original: c.original,
        ..TxRequest::new(
            call,
            c.kind,
            card.card_id,
            c.reference,
            digest,
            c.amount,
            c.currency,
        )
    };
    decided(host, request).await
}

/// The request's transaction type (unless the operation fixes it), and that
/// it names a card.
fn kind_of(
    kind: Option<CardTxType>,
    r: &FinancialRequest,
    errors: &mut FieldErrors,
) -> Option<CardTxType> {
    let kind = kind.or_else(|| match r.transaction_type.as_deref() {
        Some(t) => CardTxType::parse_sendable(t).or_else(|| {
            errors.push("TransactionType", "must be Purchase, CashWithdrawal, Refund, Reversal, PreAuthorization or Completion");
            None
        }),
        None => {
            errors.push("TransactionType", "is required");
            None
        }
    });
    let card_no = r.card.card_no.as_ref().map_or("", |n| n.expose());
    if card_no.is_empty() && r.card.card_token.as_deref().unwrap_or("").is_empty() {
        errors.push("CardNo", "CardNo or CardToken is required");
    }
    kind
}

/// What a repeat of the reference must match.
fn digest_of(card_id: i64, c: &Checked, r: &FinancialRequest) -> String {
    idempotency::digest(&[
        &card_id.to_string(),
        c.kind.name(),
        &c.amount.map(|a| a.to_string()).unwrap_or_default(),
        &c.currency
            .map(|x| x.numeric().to_string())
            .unwrap_or_default(),
        c.channel.name(),
        r.mcc.as_deref().unwrap_or(""),
        r.merchant_name.as_deref().unwrap_or(""),
        r.merchant_country.as_deref().unwrap_or(""),
        r.expiry_date.as_deref().unwrap_or(""),
        &c.original.map(|o| o.to_string()).unwrap_or_default(),
    ])
}

/// `CardToCardBalanceTransfer`: the source's debit leg runs the issuer
/// decision; both legs post in one transfer or neither does.
pub async fn card_to_card(
    host: &Host,
    call: &Call,
    source: CardKey,
    target: CardKey,
    r: FinancialRequest,
) -> Result<Financial, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let mut errors = FieldErrors::new();
    let missing = |k: &CardKey| {
        k.card_no
            .as_ref()
            .map(|n| n.expose())
            .unwrap_or("")
            .is_empty()
            && k.card_token.as_deref().unwrap_or("").is_empty()
    };
    if missing(&source) {
        errors.push(
            "SourceCardNo",
            "SourceCardNo or SourceCardToken is required",
        );
    }
    if missing(&target) {
        errors.push(
            "TargetCardNo",
            "TargetCardNo or TargetCardToken is required",
        );
    }
    let checked = check(host, Some(CardTxType::TransferOut), &r, &mut errors);
    errors.finish(())?;
    let Some(c) = checked else {
        return Err(ServiceError::Internal(
            "validation passed without a request".into(),
        ));
    };
    let unknown = || Unprocessed::of(host, &c, rc::INVALID_CARD);
    let (Ok(from), Ok(to)) = (
        card_ref::find(host, &source).await,
        card_ref::find(host, &target).await,
    ) else {
        return Ok(unknown());
    };
    let digest = idempotency::digest(&[
        &from.card_id.to_string(),
        &to.card_id.to_string(),
        "Transfer",
        &c.amount.map(|a| a.to_string()).unwrap_or_default(),
        &c.currency
            .map(|x| x.numeric().to_string())
            .unwrap_or_default(),
    ]);
    let request = TxRequest {
        target_card_id: Some(to.card_id),
        ..TxRequest::new(
            call,
            CardTxType::TransferOut,
            from.card_id,
            c.reference,
            digest,
            c.amount,
            c.currency,
        )
    };
    decided(host, request).await
}

/// The answer of `MoneySend` to a receiver the host does not issue: no card
/// network connector reaches other issuers yet, so the receiver's issuer is
/// unavailable (`91`).
pub const OFF_US_UNAVAILABLE: &str = cardhost_domain::response::ISSUER_UNAVAILABLE;

/// `MoneySend`: a push credit to an on-us receiver card, funded by the issuer.
pub async fn money_send(
    host: &Host,
    call: &Call,
    receiver: CardKey,
    sender_name: Option<String>,
    r: FinancialRequest,
) -> Result<Financial, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let mut errors = FieldErrors::new();
    if receiver
        .card_no
        .as_ref()
        .map(|n| n.expose())
        .unwrap_or("")
        .is_empty()
        && receiver.card_token.as_deref().unwrap_or("").is_empty()
    {
        errors.push(
            "ReceiverCardNo",
            "ReceiverCardNo or ReceiverCardToken is required",
        );
    }
    if sender_name
        .as_deref()
        .is_some_and(|n| n.chars().count() > MERCHANT_NAME_MAX)
    {
        errors.push("SenderName", "must be at most 100 characters");
    }
    let checked = check(host, Some(CardTxType::MoneySend), &r, &mut errors);
    errors.finish(())?;
    let Some(c) = checked else {
        return Err(ServiceError::Internal(
            "validation passed without a request".into(),
        ));
    };
    let card = match card_ref::find(host, &receiver).await {
        Ok(card) => card,
        Err(ServiceError::NotFound(_) | ServiceError::Validation(_)) => {
            return Ok(not_ours(host, &receiver, c));
        }
        Err(other) => return Err(other),
    };
    let digest = idempotency::digest(&[
        &card.card_id.to_string(),
        CardTxType::MoneySend.name(),
        &c.amount.map(|a| a.to_string()).unwrap_or_default(),
        &c.currency
            .map(|x| x.numeric().to_string())
            .unwrap_or_default(),
        sender_name.as_deref().unwrap_or(""),
    ]);
    let request = TxRequest {
        merchant_name: sender_name,
        ..TxRequest::new(
            call,
            CardTxType::MoneySend,
            card.card_id,
            c.reference,
            digest,
            c.amount,
            c.currency,
        )
    };
    decided(host, request).await
}

/// A money send to a card this host does not hold: another issuer's (the
/// network is not connected for it yet), or no card at all.
fn not_ours(host: &Host, receiver: &CardKey, c: Checked) -> Financial {
    let card_no = receiver.card_no.as_ref().map(|n| n.expose());
    let on_us_bin = card_no.is_some_and(|no| {
        host.settings
            .products
            .iter()
            .any(|p| no.starts_with(&p.bin))
    });
    let luhn_ok = card_no.is_some_and(cardhost_domain::card::luhn_valid);
    let code = if luhn_ok && !on_us_bin {
        OFF_US_UNAVAILABLE
    } else {
        rc::INVALID_CARD
    };
    Unprocessed::of(host, &c, code)
}

/// The authorizer's decision on a request, recorded.
async fn decided(host: &Host, request: TxRequest) -> Result<Financial, ServiceError> {
    let transaction = host.authorizer.submit(request).await?;
    Ok(Financial::Decided(Box::new(transaction.into())))
}
