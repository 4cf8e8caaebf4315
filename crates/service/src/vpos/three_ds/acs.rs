//! The host's own access control server (ACS) for on-us cards: what the
//! page shows, how an answer is checked, and the signed callback the
//! browser carries back to the merchant.

use cardhost_crypto::{mac, secret};
use cardhost_domain::status::{ThreeDsMethod, ThreeDsStatus};
use cardhost_domain::Currency;
use cardhost_store::cards;
use cardhost_store::three_ds::{self as store, SessionRow};

use super::{expired, MAX_TRIES};
use crate::acquirer::merchants::STORE_KEY_PURPOSE;
use crate::host::Host;
use crate::ServiceError;

/// What the ACS page shows of a session.
#[derive(Debug, Clone)]
pub struct AcsPage {
    pub session_id: String,
    pub merchant_name: String,
    pub amount: i64,
    pub currency: Currency,
    pub masked_card_no: String,
    pub method: ThreeDsMethod,
    pub tries_left: i64,
    /// Binds the page's form to this session: a POST without it is refused.
    pub csrf_token: String,
    /// Set once the session is decided: the form the browser posts to the merchant.
    pub callback: Option<Callback>,
    /// The last answer was wrong.
    pub wrong_answer: bool,
}

/// The form POST that returns the cardholder to the merchant's site.
#[derive(Debug, Clone)]
pub struct Callback {
    pub url: String,
    pub session_id: String,
    pub order_id: String,
    /// `1` authenticated, `0` failed.
    pub md_status: &'static str,
    /// Base64 of HMAC-SHA256 under the merchant's store key over
    /// `ThreeDSessionId + OrderId + MdStatus`.
    pub hash: String,
}

/// The page of session `session_id`: not found when there is none.
pub async fn page(host: &Host, session_id: &str) -> Result<AcsPage, ServiceError> {
    let s = store::session(host.db.reader(), session_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("3-D Secure session not found.".into()))?;
    view(host, s, false).await
}

/// Checks the cardholder's answer (the card's password or the one-time
/// code); three wrong answers fail the session. A form whose token is not
/// the session's is refused (`Result` 6) and changes nothing.
pub async fn answer(
    host: &Host,
    session_id: &str,
    csrf_token: &str,
    answer: &str,
) -> Result<AcsPage, ServiceError> {
    let mut s = store::session(host.db.reader(), session_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("3-D Secure session not found.".into()))?;
    if !secret::constant_time_eq(s.csrf_token.as_bytes(), csrf_token.as_bytes()) {
        return Err(ServiceError::Forbidden(
            "The form does not belong to this session.".into(),
        ));
    }
    if s.status != ThreeDsStatus::Pending || expired(host, &s) {
        return view(host, s, false).await;
    }
    let right = check(host, &s, answer.to_owned()).await?;
    let seen = s.tries;
    if right {
        s.status = ThreeDsStatus::Authenticated;
    } else {
        s.tries += 1;
        if s.tries >= MAX_TRIES {
            s.status = ThreeDsStatus::Failed;
        }
    }
    if !store::record_answer(host.db.writer(), &s, seen, host.clock.now_ms()).await? {
        // Another answer was recorded first: show what it decided.
        return page(host, session_id).await;
    }
    view(host, s, !right).await
}

/// True when `answer` is the card's password or the session's code.
async fn check(host: &Host, s: &SessionRow, answer: String) -> Result<bool, ServiceError> {
    let hash = match s.method {
        ThreeDsMethod::Password => {
            // Only an on-us card has a static password, and its session keeps the card.
            let card_id = s.card_id.ok_or_else(|| {
                ServiceError::Internal("a password session stored no card".into())
            })?;
            cards::by_id(host.db.reader(), card_id)
                .await?
                .and_then(|c| c.three_ds_password)
        }
        ThreeDsMethod::Sms => s.otp_hash.clone(),
        ThreeDsMethod::Network | ThreeDsMethod::Unavailable => None,
    };
    let Some(hash) = hash else {
        return Ok(false);
    };
    // Argon2id takes milliseconds: off the async workers.
    tokio::task::spawn_blocking(move || secret::verify_secret(&answer, &hash))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

async fn view(host: &Host, s: SessionRow, wrong_answer: bool) -> Result<AcsPage, ServiceError> {
    let merchant = crate::cache::merchant(host, &s.merchant_no)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("merchant {} vanished", s.merchant_no)))?;
    let status = if s.status == ThreeDsStatus::Pending && expired(host, &s) {
        ThreeDsStatus::Failed
    } else {
        s.status
    };
    let callback = match status {
        ThreeDsStatus::Pending => None,
        decided => Some(callback(
            host,
            &s,
            merchant.vpos_store_key.as_deref(),
            decided,
        )?),
    };
    Ok(AcsPage {
        session_id: s.session_id,
        merchant_name: merchant.merchant_name.clone(),
        amount: s.amount,
        currency: s.currency,
        masked_card_no: s.masked_card_no,
        method: s.method,
        tries_left: MAX_TRIES - s.tries,
        csrf_token: s.csrf_token,
        callback,
        wrong_answer,
    })
}

fn callback(
    host: &Host,
    s: &SessionRow,
    sealed_store_key: Option<&str>,
    status: ThreeDsStatus,
) -> Result<Callback, ServiceError> {
    let (url, md_status) = match status {
        ThreeDsStatus::Authenticated => (&s.success_url, "1"),
        _ => (&s.fail_url, "0"),
    };
    Ok(Callback {
        url: url.clone(),
        session_id: s.session_id.clone(),
        order_id: s.order_id.clone(),
        md_status,
        hash: callback_hash(
            host,
            sealed_store_key,
            &[&s.session_id, &s.order_id, md_status],
        )?,
    })
}

/// Base64 of HMAC-SHA256 under the merchant's store key over `parts` joined.
pub fn callback_hash(
    host: &Host,
    sealed_store_key: Option<&str>,
    parts: &[&str],
) -> Result<String, ServiceError> {
    let sealed = sealed_store_key
        .ok_or_else(|| ServiceError::Internal("a VPOS merchant without a store key".into()))?;
    let key = host.security.open_secret(STORE_KEY_PURPOSE, sealed)?;
    Ok(mac::hmac_sha256_base64(&key, parts.concat().as_bytes()))
}
