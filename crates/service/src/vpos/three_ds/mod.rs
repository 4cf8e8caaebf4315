//! 3-D Secure (spec vpos.md): `ThreeDSale` and `ThreeDPreSale` start a
//! session and authorize nothing; the cardholder answers on the host's ACS
//! page ([`acs`]); `ThreeDCompletePayment` authorizes the payment of an
//! authenticated session, once, through the same path as `PaymentSale`.

pub mod acs;

use cardhost_crypto::secret;
use cardhost_domain::card::Pan;
use cardhost_domain::response as rc;
use cardhost_domain::status::{Later, OrderStatus, ThreeDsMethod, ThreeDsStatus};
use cardhost_domain::FieldErrors;
use cardhost_store::table;
use cardhost_store::three_ds::{self as store, SessionRow};
use cardhost_store::vpos::{self, OrderRow};
use cardhost_store::{cards, StoreError};

use super::early::created;
use super::payments::{
    payment_card, prepare, refuse_prepared, settle, validate, CardSecrets, PaymentCard,
    PaymentRequest, Prepared, Valid,
};
use super::{check_access, Entry, VposOp, VposOutcome};
use crate::cache::CardOfPan;
use crate::host::{Call, Host};
use crate::issuer::card_security;
use crate::network::NetworkMessage;
use crate::{notify, ServiceError};

/// How long a session may wait for its cardholder and its completion.
pub const SESSION_MINUTES: i64 = 15;
/// Wrong answers that fail a session.
pub const MAX_TRIES: i64 = 3;
const URL_MAX: usize = 512;

/// `ThreeDSale` and `ThreeDPreSale` as the API received them.
#[derive(Debug, Clone, Default)]
pub struct ThreeDRequest {
    pub payment: PaymentRequest,
    pub success_url: Option<String>,
    pub fail_url: Option<String>,
}

/// What starting 3-D Secure answers.
#[derive(Debug)]
pub enum Started {
    /// The cardholder goes to the ACS page of the session.
    Session { session_id: String },
    /// Refused before any authentication (the merchant's rules, the card's
    /// expiry or CVV2): the order failed as `PaymentSale`'s would.
    Refused(Box<VposOutcome>),
}

/// `ThreeDSale` (op `Sale`) and `ThreeDPreSale` (op `PreSale`).
pub async fn start(
    host: &Host,
    call: &Call,
    op: VposOp,
    r: ThreeDRequest,
) -> Result<Started, ServiceError> {
    let (v, urls) = validate_start(op, &r)?;
    let card = payment_card(host, &r.payment.card).await?;
    let p = prepare(host, call, op, v, card, &r.payment, Entry::ThreeDs).await?;
    let refusal = match p.refusal {
        Some(code) => Some(code),
        None => card_secrets_refusal(host, call, &p, &r.payment).await?,
    };
    if let Some(code) = refusal {
        let outcome = refuse_prepared(host, call, p, code).await?;
        return Ok(Started::Refused(Box::new(outcome)));
    }
    let session = open_session(host, &p, urls, r.payment.expiry_date.clone()).await?;
    Ok(Started::Session {
        session_id: session.session_id,
    })
}

/// The payment's field checks and the callback URLs', all failures together.
fn validate_start(
    op: VposOp,
    r: &ThreeDRequest,
) -> Result<(Valid, (String, String)), ServiceError> {
    let mut errors = FieldErrors::new();
    let success = callback_url(&mut errors, "SuccessUrl", &r.success_url);
    let fail = callback_url(&mut errors, "FailUrl", &r.fail_url);
    match validate(op, &r.payment) {
        Ok(v) if errors.is_empty() => Ok((v, (success, fail))),
        Ok(_) => Err(ServiceError::Validation(errors)),
        Err(ServiceError::Validation(mut first)) => {
            first.append(errors);
            Err(ServiceError::Validation(first))
        }
        Err(other) => Err(other),
    }
}

pub(crate) fn callback_url(
    errors: &mut FieldErrors,
    field: &str,
    value: &Option<String>,
) -> String {
    match value.as_deref() {
        Some(u)
            if u.len() <= URL_MAX
                && (u.starts_with("https://") || u.starts_with("http://"))
                && !u.chars().any(|c| c.is_whitespace() || c == '"' || c == '<') =>
        {
            u.to_owned()
        }
        _ => {
            errors.push(
                field,
                format!("is required: an http(s) URL of at most {URL_MAX} characters"),
            );
            String::new()
        }
    }
}

/// An on-us card paid by number has its expiry and CVV2 checked as the
/// session starts, with the CVV2 retry lock: the session keeps neither.
async fn card_secrets_refusal(
    host: &Host,
    call: &Call,
    p: &Prepared,
    r: &PaymentRequest,
) -> Result<Option<&'static str>, ServiceError> {
    let (PaymentCard::Issued(card, Some(pan)), Some(expiry), Some(cvv2)) =
        (&p.card, r.expiry_date.as_deref(), r.cvv2.as_ref())
    else {
        return Ok(None);
    };
    let checked =
        card_security::check_card_secrets(host, call, card.card_id, pan, expiry, cvv2).await?;
    Ok(Some(checked.response_code).filter(|c| *c != rc::APPROVED))
}

/// Writes the session, and the order as `Created` so that `CheckByToken`
/// finds it; sends the one-time code when the card needs one.
async fn open_session(
    host: &Host,
    p: &Prepared,
    (success_url, fail_url): (String, String),
    expiry: Option<String>,
) -> Result<SessionRow, ServiceError> {
    let now = host.clock.now_ms();
    let (method, mobile, card_id, pan) = method_of(host, p).await?;
    let code = (method == ThreeDsMethod::Sms).then(|| secret::random_digits(6));
    let otp_hash = match &code {
        Some(code) => Some(hash_answer(code.clone()).await?),
        None => None,
    };
    let status = match method {
        ThreeDsMethod::Network => ThreeDsStatus::Authenticated,
        ThreeDsMethod::Unavailable => ThreeDsStatus::Failed,
        _ => ThreeDsStatus::Pending,
    };
    let session = SessionRow {
        session_id: secret::random_secret(32),
        merchant_no: p.v.merchant_no.clone(),
        terminal_no: p.v.terminal_no.clone(),
        order_id: p.v.order_id.clone(),
        op: p.leg.op,
        amount: p.v.amount,
        currency: p.v.currency,
        installment_count: p.v.installments,
        point_amount: p.v.points,
        description: p.leg.description.clone(),
        card_id,
        pan_ciphertext: pan.map(|pan| host.security.encrypt_pan(&pan)).transpose()?,
        expiry_date: expiry.filter(|_| p.v.with_card_no),
        masked_card_no: p.charge.masked.clone(),
        success_url,
        fail_url,
        method,
        otp_hash,
        tries: 0,
        status,
        csrf_token: secret::random_secret(32),
        created_at: now,
        updated_at: now,
    };
    let _one_at_a_time = host.order_locks.lock(&p.v.merchant_no, &p.v.order_id).await;
    let mut tx = host.db.begin().await?;
    match vpos::order_for_update(&mut tx, host.db.engine(), &p.v.merchant_no, &p.v.order_id).await?
    {
        Some(o) if o.status != OrderStatus::Created => {
            return Err(ServiceError::IdempotencyConflict(format!(
                "OrderId {} was used before with different content.",
                p.v.order_id
            )))
        }
        Some(_) => {}
        None => table::insert(&mut tx, &created_order(p, now)).await?,
    }
    table::insert(&mut tx, &session).await?;
    if let (Some(code), Some(mobile)) = (code, mobile) {
        let text = format!(
            "Your code for the payment of card {} is {{secret}}. Never share it.",
            session.masked_card_no
        );
        let sealed = notify::seal_code(host, &code)?;
        notify::queue_sms(&mut tx, host, &mobile, &text, Some(&sealed)).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    host.outbox_wakeup.notify_one();
    Ok(session)
}

/// How the card's holder is authenticated, the mobile a code goes to, and
/// how the session keeps the card: an on-us card by id, another issuer's
/// number encrypted.
async fn method_of(
    host: &Host,
    p: &Prepared,
) -> Result<(ThreeDsMethod, Option<String>, Option<i64>, Option<Pan>), ServiceError> {
    match &p.card {
        PaymentCard::Issued(c, _) => {
            let row = cards::by_id(host.db.reader(), c.card_id)
                .await?
                .ok_or_else(|| ServiceError::Internal(format!("card {} vanished", c.card_id)))?;
            if row.three_ds_password.is_some() {
                return Ok((ThreeDsMethod::Password, None, Some(c.card_id), None));
            }
            let mobile = card_security::customer_mobile(host, &row.customer_no).await?;
            let method = match mobile {
                Some(_) => ThreeDsMethod::Sms,
                None => ThreeDsMethod::Unavailable,
            };
            Ok((method, mobile, Some(c.card_id), None))
        }
        PaymentCard::OtherIssuer(pan) => {
            let message = NetworkMessage {
                process_id: 0,
                amount: p.v.amount,
                currency: p.v.currency,
            };
            let authenticated =
                crate::network::within(host, host.network.authenticate(pan, message))
                    .await
                    .unwrap_or(false);
            let method = if authenticated {
                ThreeDsMethod::Network
            } else {
                ThreeDsMethod::Unavailable
            };
            Ok((method, None, None, Some(pan.clone())))
        }
        PaymentCard::NeverIssued(_) => Err(ServiceError::Internal("refused before".into())),
    }
}

/// The order as `Created`, with the card known when the session starts.
fn created_order(p: &Prepared, now: i64) -> OrderRow {
    let keys = (
        p.v.merchant_no.as_str(),
        p.v.terminal_no.as_str(),
        p.v.order_id.as_str(),
    );
    let money = (p.v.amount, p.v.currency);
    OrderRow {
        installment_count: p.v.installments,
        point_amount: p.v.points,
        network: Later(Some(p.charge.card.network)),
        card_id: p.charge.card.card_id,
        masked_card_no: p.charge.masked.clone(),
        card_type: Later(Some(p.charge.card.card_type)),
        ..created(keys, money, None, p.leg.description.clone(), now)
    }
}

/// An Argon2id hash of a one-time code (hashing takes milliseconds: off the
/// async workers).
async fn hash_answer(code: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || secret::hash_secret(&code))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(ServiceError::from)
}

/// The session of `session_id` if it is `merchant_no`'s: another merchant's
/// is not found, with no hint that it exists.
pub async fn session_of(
    host: &Host,
    merchant_no: &str,
    session_id: &str,
) -> Result<SessionRow, ServiceError> {
    store::session(host.db.reader(), session_id)
        .await?
        .filter(|s| s.merchant_no == merchant_no)
        .ok_or_else(|| ServiceError::NotFound("3-D Secure session not found.".into()))
}

pub fn expired(host: &Host, s: &SessionRow) -> bool {
    host.clock.now_ms() > s.created_at + SESSION_MINUTES * 60_000
}

/// `ThreeDCompletePayment`: the payment of an authenticated session, once.
pub async fn complete(
    host: &Host,
    call: &Call,
    merchant_no: Option<&str>,
    session_id: Option<&str>,
) -> Result<VposOutcome, ServiceError> {
    let mut errors = FieldErrors::new();
    let merchant_no = merchant_no.unwrap_or_default();
    let session_id = session_id.unwrap_or_default();
    for (field, value) in [("MerchantNo", merchant_no), ("ThreeDSessionId", session_id)] {
        if value.is_empty() {
            errors.push(field, "is required");
        }
    }
    errors.finish(())?;
    check_access(call, merchant_no)?;
    let s = session_of(host, merchant_no, session_id).await?;
    let p = prepared_of(host, call, &s).await?;
    if let Some(first) = super::payments::first_outcome(host, &p).await? {
        return Ok(first);
    }
    match s.status {
        ThreeDsStatus::Failed => refuse_prepared(host, call, p, rc::DO_NOT_HONOUR).await,
        _ if expired(host, &s) => Err(ServiceError::NotAllowed(
            "The 3-D Secure session expired.".into(),
        )),
        ThreeDsStatus::Pending => Err(ServiceError::NotAllowed(
            "The cardholder has not been authenticated yet.".into(),
        )),
        ThreeDsStatus::Authenticated => settle(host, call, p, CardSecrets::default()).await,
    }
}

/// The session's payment prepared again, exactly as it started (its card
/// from the session; no CVV2: that was checked when it started).
async fn prepared_of(host: &Host, call: &Call, s: &SessionRow) -> Result<Prepared, ServiceError> {
    let op = s.op;
    let currency = s.currency;
    let card = match (&s.card_id, &s.pan_ciphertext) {
        (Some(card_id), _) => {
            let row = cards::by_id(host.db.reader(), *card_id)
                .await?
                .ok_or_else(|| ServiceError::Internal(format!("card {card_id} vanished")))?;
            PaymentCard::Issued(
                CardOfPan {
                    card_id: row.card_id,
                    product_code: row.product_code.into(),
                    masked_pan: row.masked_pan.into(),
                },
                None,
            )
        }
        (None, Some(ciphertext)) => {
            PaymentCard::OtherIssuer(host.security.decrypt_pan(ciphertext)?)
        }
        (None, None) => PaymentCard::NeverIssued(s.masked_card_no.clone()),
    };
    let v = Valid {
        merchant_no: s.merchant_no.clone(),
        terminal_no: s.terminal_no.clone(),
        order_id: s.order_id.clone(),
        currency,
        amount: s.amount,
        points: s.point_amount,
        installments: s.installment_count,
        with_card_no: false,
    };
    let r = PaymentRequest {
        expiry_date: s.expiry_date.clone(),
        description: s.description.clone(),
        ..PaymentRequest::default()
    };
    prepare(host, call, op, v, card, &r, Entry::ThreeDs).await
}
