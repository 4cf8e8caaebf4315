//! QR payments (spec vpos.md, "QR payments"): `CreateQr` presents an order
//! as an EMV merchant-presented QR; `PayQr`, from the payer's wallet at this
//! host's issuer, pays it once with one of the host's cards.

use cardhost_crypto::secret;
use cardhost_domain::money::{format_major, MajorAmount};
use cardhost_domain::qr::QrPayload;
use cardhost_domain::status::OrderStatus;
use cardhost_domain::FieldErrors;
use cardhost_store::qr::{self as store, QrRow};
use cardhost_store::table;
use cardhost_store::vpos::{self, OrderRow};
use cardhost_store::StoreError;

use super::early::{as_merchant, check_free, created, merchant_for, order_fields, reused};
use super::payments::{self, required, PaymentRequest};
use super::{Entry, VposOp, VposOutcome};
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::issuer::card_ref::{self, CardKey};
use crate::ServiceError;

const EXPIRE_SECONDS_DEFAULT: i64 = 300;
const EXPIRE_SECONDS_MAX: i64 = 86_400;
/// EMV's reference label takes at most 25 characters.
const TOKEN_LEN: usize = 20;

/// `CreateQr` as the API received it.
#[derive(Debug, Clone, Default)]
pub struct CreateQrRequest {
    pub merchant_no: Option<String>,
    pub terminal_no: Option<String>,
    pub order_id: Option<String>,
    pub amount: Option<MajorAmount>,
    pub currency: Option<i64>,
    pub expire_seconds: Option<i64>,
}

/// `CreateQr`: the order, `Created`, and its QR. The same request again
/// answers the same QR.
pub async fn create(host: &Host, call: &Call, r: CreateQrRequest) -> Result<QrRow, ServiceError> {
    let mut row = validate(host, &r)?;
    let (merchant, _) =
        merchant_for(host, call, &row.merchant_no, &row.terminal_no, row.currency).await?;
    let _one_at_a_time = host.order_locks.lock(&row.merchant_no, &row.order_id).await;
    let mut tx = host.db.begin().await?;
    if let Some(earlier) = store::by_order(&mut tx, &row.merchant_no, &row.order_id).await? {
        let same = earlier.amount == row.amount && earlier.terminal_no == row.terminal_no;
        return if same {
            Ok(earlier)
        } else {
            Err(reused(&row.order_id))
        };
    }
    check_free(&mut tx, host, &row.merchant_no, &row.order_id).await?;
    let currency = row.currency;
    row.qr_token = secret::random_secret(TOKEN_LEN);
    row.qr_data = QrPayload {
        mcc: merchant.mcc.clone(),
        currency: format!("{:03}", row.currency),
        amount: format_major(row.amount, currency.exponent()),
        country: merchant.country.clone(),
        merchant_name: merchant.merchant_name.clone(),
        city: merchant
            .city
            .clone()
            .unwrap_or_else(|| merchant.country.clone()),
        reference: row.qr_token.clone(),
    }
    .encode()
    .map_err(|e| ServiceError::Internal(e.to_string()))?;
    table::insert(&mut tx, &order_of(&row)).await?;
    table::insert(&mut tx, &row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

fn validate(host: &Host, r: &CreateQrRequest) -> Result<QrRow, ServiceError> {
    let mut errors = FieldErrors::new();
    let keys = (&r.merchant_no, &r.terminal_no, &r.order_id);
    let f = order_fields(&mut errors, keys, r.currency, &r.amount);
    let seconds = r.expire_seconds.unwrap_or(EXPIRE_SECONDS_DEFAULT);
    errors.in_range("ExpireSeconds", seconds, 1..=EXPIRE_SECONDS_MAX);
    let (Some(currency), Some(amount)) = (f.currency, f.amount) else {
        return Err(ServiceError::Validation(errors));
    };
    errors.finish(())?;
    let now = host.clock.now_ms();
    Ok(QrRow {
        merchant_no: f.merchant_no,
        order_id: f.order_id,
        terminal_no: f.terminal_no,
        amount,
        currency,
        expires_at: now + seconds * 1_000,
        created_at: now,
        qr_token: String::new(),
        qr_data: String::new(),
        paid_reference: None,
    })
}

fn order_of(row: &QrRow) -> OrderRow {
    let keys = (
        row.merchant_no.as_str(),
        row.terminal_no.as_str(),
        row.order_id.as_str(),
    );
    let money = (row.amount, row.currency);
    created(keys, money, Some(&row.qr_token), None, row.created_at)
}

/// `PayQr` as the API received it.
#[derive(Debug, Clone, Default)]
pub struct PayQrRequest {
    pub qr_data: Option<String>,
    pub qr_token: Option<String>,
    pub card: CardKey,
    pub reference: Option<String>,
}

/// `PayQr` (scope `issuer`): pays the QR's order with one of this host's
/// cards, once. The same `Reference` again answers the first outcome; a QR
/// paid under another reference, or expired, is `Result` 4.
pub async fn pay(host: &Host, call: &Call, r: PayQrRequest) -> Result<VposOutcome, ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let mut errors = FieldErrors::new();
    let reference = required(&mut errors, "Reference", &r.reference, 64);
    let token = token_of(&mut errors, &r);
    if r.card.card_no.is_none() && r.card.card_token.as_deref().is_none_or(str::is_empty) {
        errors.push("CardNo", "CardNo or CardToken is required");
    }
    errors.finish(())?;
    let qr = store::by_token(host.db.reader(), &token)
        .await?
        .ok_or_else(|| ServiceError::NotFound("No QR has that token.".into()))?;
    let order = vpos::order(host.db.reader(), &qr.merchant_no, &qr.order_id).await?;
    let open = order.is_some_and(|o| o.status == OrderStatus::Created);
    let ours = qr.paid_reference.as_deref() == Some(reference.as_str());
    if !open && !ours {
        return Err(ServiceError::NotAllowed("The QR is already paid.".into()));
    }
    if open && host.clock.now_ms() > qr.expires_at {
        return Err(ServiceError::NotAllowed("The QR has expired.".into()));
    }
    // The wallet pays with a card of this host, as a stored card: no CVV2.
    let card = card_ref::find(host, &r.card).await?;
    if !store::claim(host.db.writer(), &qr.qr_token, &reference).await? {
        return Err(ServiceError::NotAllowed("The QR is already paid.".into()));
    }
    let request = PaymentRequest {
        merchant_no: Some(qr.merchant_no.clone()),
        terminal_no: Some(qr.terminal_no.clone()),
        order_id: Some(qr.order_id.clone()),
        amount: Some(MajorAmount::from_json_number_text(&format_major(
            qr.amount,
            qr.currency.exponent(),
        ))),
        currency: Some(i64::from(qr.currency)),
        card: CardKey {
            card_no: None,
            card_token: Some(card.card_token),
        },
        ..PaymentRequest::default()
    };
    payments::pay(
        host,
        &merchant_call(&qr, call),
        VposOp::Sale,
        request,
        Entry::Qr,
    )
    .await
}

/// The QR's token from `QrToken`, or from `QrData` once its CRC checks.
fn token_of(errors: &mut FieldErrors, r: &PayQrRequest) -> String {
    if let Some(token) = r.qr_token.as_deref().filter(|t| !t.is_empty()) {
        return token.to_owned();
    }
    match r.qr_data.as_deref().map(QrPayload::decode) {
        Some(Ok(payload)) => payload.reference,
        Some(Err(e)) => {
            errors.push("QrData", e.to_string());
            String::new()
        }
        None => {
            errors.push("QrToken", "QrData or QrToken is required");
            String::new()
        }
    }
}

/// The sale is the merchant's: it runs as the merchant's own VPOS client,
/// under the wallet's client and request id.
fn merchant_call(qr: &QrRow, wallet: &Call) -> Call {
    as_merchant(
        &qr.merchant_no,
        &wallet.caller.client_id,
        wallet.operation,
        &wallet.request_id,
    )
}
