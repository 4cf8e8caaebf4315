//! Orders paid on the host's own payment page (spec vpos.md, "Orders and the
//! hosted payment page"): `CreateOrder` and `CreateOrder3D` make the order
//! and its token; the page takes a card once, through `PaymentSale`'s path
//! (after 3-D Secure for `CreateOrder3D`), and returns the browser to the
//! merchant with a signed form POST.

use cardhost_crypto::secret;
use cardhost_domain::money::{format_major, MajorAmount};
use cardhost_domain::secret::{CardNumber, Cvv2};
use cardhost_domain::status::OrderStatus;
use cardhost_domain::{Currency, FieldErrors};
use cardhost_store::hosted::{self as store, HostedRow};
use cardhost_store::table;
use cardhost_store::vpos::{self, OrderRow};
use cardhost_store::StoreError;

use super::early::{as_merchant, check_free, created, merchant_for, order_fields, reused};
use super::payments::{self, PaymentRequest};
use super::three_ds::{self, acs, callback_url, Started, ThreeDRequest};
use super::{Entry, VposOp, VposOutcome, INSTALLMENTS_MAX};
use crate::host::{Call, Host};
use crate::issuer::card_ref::CardKey;
use crate::ServiceError;

const EXPIRE_MINUTES_DEFAULT: i64 = 30;
const EXPIRE_MINUTES_MAX: i64 = 10_080;

/// `CreateOrder` and `CreateOrder3D` as the API received them.
#[derive(Debug, Clone, Default)]
pub struct CreateOrderRequest {
    pub merchant_no: Option<String>,
    pub terminal_no: Option<String>,
    pub order_id: Option<String>,
    pub amount: Option<MajorAmount>,
    pub currency: Option<i64>,
    pub description: Option<String>,
    pub success_url: Option<String>,
    pub fail_url: Option<String>,
    pub expire_minutes: Option<i64>,
    pub max_installment_count: Option<i64>,
}

/// `CreateOrder` (`three_d` false) and `CreateOrder3D`: the order, `Created`,
/// and its page. The same request again answers the same order.
pub async fn create(
    host: &Host,
    call: &Call,
    three_d: bool,
    r: CreateOrderRequest,
) -> Result<HostedRow, ServiceError> {
    let mut row = validate(host, three_d, &r)?;
    merchant_for(host, call, &row.merchant_no, &row.terminal_no, row.currency).await?;
    let _one_at_a_time = host.order_locks.lock(&row.merchant_no, &row.order_id).await;
    let mut tx = host.db.begin().await?;
    if let Some(earlier) = store::by_order(&mut tx, &row.merchant_no, &row.order_id).await? {
        let same = HostedRow {
            order_token: earlier.order_token.clone(),
            csrf_token: earlier.csrf_token.clone(),
            expires_at: earlier.expires_at,
            created_at: earlier.created_at,
            ..row.clone()
        };
        return if same == earlier {
            Ok(earlier)
        } else {
            Err(reused(&row.order_id))
        };
    }
    check_free(&mut tx, host, &row.merchant_no, &row.order_id).await?;
    row.order_token = secret::random_secret(32);
    row.csrf_token = secret::random_secret(32);
    table::insert(&mut tx, &order_of(&row)).await?;
    table::insert(&mut tx, &row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(row)
}

fn validate(host: &Host, three_d: bool, r: &CreateOrderRequest) -> Result<HostedRow, ServiceError> {
    let mut errors = FieldErrors::new();
    let keys = (&r.merchant_no, &r.terminal_no, &r.order_id);
    let f = order_fields(&mut errors, keys, r.currency, &r.amount);
    if r.description
        .as_deref()
        .is_some_and(|d| d.chars().count() > 256)
    {
        errors.push("Description", "must be at most 256 characters");
    }
    let success_url = callback_url(&mut errors, "SuccessUrl", &r.success_url);
    let fail_url = callback_url(&mut errors, "FailUrl", &r.fail_url);
    let minutes = r.expire_minutes.unwrap_or(EXPIRE_MINUTES_DEFAULT);
    errors.in_range("ExpireMinutes", minutes, 1..=EXPIRE_MINUTES_MAX);
    let max_installments = r.max_installment_count.unwrap_or(1);
    errors.in_range(
        "MaxInstallmentCount",
        max_installments,
        1..=INSTALLMENTS_MAX,
    );
    let (Some(currency), Some(amount)) = (f.currency, f.amount) else {
        return Err(ServiceError::Validation(errors));
    };
    errors.finish(())?;
    let now = host.clock.now_ms();
    Ok(HostedRow {
        merchant_no: f.merchant_no,
        order_id: f.order_id,
        terminal_no: f.terminal_no,
        amount,
        currency,
        description: r.description.clone(),
        success_url,
        fail_url,
        max_installments,
        three_d: i64::from(three_d),
        expires_at: now + minutes * 60_000,
        created_at: now,
        order_token: String::new(),
        csrf_token: String::new(),
    })
}

fn order_of(row: &HostedRow) -> OrderRow {
    let keys = (
        row.merchant_no.as_str(),
        row.terminal_no.as_str(),
        row.order_id.as_str(),
    );
    let money = (row.amount, row.currency);
    created(
        keys,
        money,
        Some(&row.order_token),
        row.description.clone(),
        row.created_at,
    )
}

/// Where the order of a page stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageState {
    /// Takes a card.
    Open,
    Paid,
    /// Its payment was declined: a new attempt needs a new order.
    Declined,
    Expired,
}

/// What the payment page shows.
#[derive(Debug, Clone)]
pub struct HostedPage {
    pub order: HostedRow,
    pub merchant_name: String,
    pub currency: Currency,
    pub state: PageState,
    /// After a payment: the form that returns the browser to the merchant.
    pub callback: Option<Callback>,
}

/// The signed form POST back to the merchant's site.
#[derive(Debug, Clone)]
pub struct Callback {
    pub url: String,
    pub response_code: String,
    pub process_id: String,
    /// Base64 HMAC-SHA256 under the store key over `OrderToken + OrderId + ResponseCode`.
    pub hash: String,
}

/// The page of `token`: not found when no order has it.
pub async fn page(host: &Host, token: &str) -> Result<HostedPage, ServiceError> {
    let order = store::by_token(host.db.reader(), token)
        .await?
        .ok_or_else(|| ServiceError::NotFound("No order has that token.".into()))?;
    view(host, order, None).await
}

async fn view(
    host: &Host,
    order: HostedRow,
    outcome: Option<&VposOutcome>,
) -> Result<HostedPage, ServiceError> {
    let merchant = crate::cache::merchant(host, &order.merchant_no)
        .await?
        .ok_or_else(|| {
            ServiceError::Internal(format!("merchant {} vanished", order.merchant_no))
        })?;
    let status = vpos::order(host.db.reader(), &order.merchant_no, &order.order_id)
        .await?
        .map(|o| o.status)
        .unwrap_or(OrderStatus::Created);
    let state = match status {
        OrderStatus::Created if host.clock.now_ms() > order.expires_at => PageState::Expired,
        OrderStatus::Created => PageState::Open,
        OrderStatus::Failed => PageState::Declined,
        OrderStatus::Expired => PageState::Expired,
        _ => PageState::Paid,
    };
    let callback = match outcome {
        Some(o) => Some(callback(
            host,
            &order,
            merchant.vpos_store_key.as_deref(),
            o,
        )?),
        None => None,
    };
    Ok(HostedPage {
        currency: order.currency,
        order,
        merchant_name: merchant.merchant_name.clone(),
        state,
        callback,
    })
}

fn callback(
    host: &Host,
    order: &HostedRow,
    store_key: Option<&str>,
    outcome: &VposOutcome,
) -> Result<Callback, ServiceError> {
    let code = outcome.payment.response_code.clone();
    let url = if code == cardhost_domain::response::APPROVED {
        &order.success_url
    } else {
        &order.fail_url
    };
    Ok(Callback {
        url: url.clone(),
        hash: acs::callback_hash(
            host,
            store_key,
            &[&order.order_token, &order.order_id, &code],
        )?,
        response_code: code,
        process_id: outcome.payment.process_id.to_string(),
    })
}

/// The card form as the page posted it.
#[derive(Debug, Clone, Default)]
pub struct CardForm {
    pub csrf: String,
    pub card_no: Option<CardNumber>,
    /// `MM/YY`, as the page asks for it.
    pub expiry: Option<String>,
    pub cvv2: Option<Cvv2>,
    pub holder: Option<String>,
    pub installments: Option<i64>,
}

/// What paying on the page leads to.
#[derive(Debug)]
pub enum Paid {
    /// The outcome, with the form back to the merchant.
    Page(Box<HostedPage>),
    /// `CreateOrder3D`: the browser goes to the ACS page first.
    Authenticate { acs_url: String },
}

/// Pays the page's order with the card of `form`, once.
pub async fn pay(host: &Host, token: &str, form: CardForm) -> Result<Paid, ServiceError> {
    let open = page(host, token).await?;
    if !secret::constant_time_eq(open.order.csrf_token.as_bytes(), form.csrf.as_bytes()) {
        return Err(ServiceError::Forbidden(
            "The form does not belong to this order.".into(),
        ));
    }
    if open.state != PageState::Open {
        return Ok(Paid::Page(Box::new(open)));
    }
    let order = open.order;
    let call = page_call(&order);
    let request = payment_request(&order, form)?;
    if order.three_d == 0 {
        let outcome = payments::pay(host, &call, VposOp::Sale, request, Entry::Direct).await?;
        return Ok(Paid::Page(Box::new(
            view(host, order, Some(&outcome)).await?,
        )));
    }
    let back = format!("{}/pay/{}/3ds", host.settings.public_url, order.order_token);
    let started = three_ds::start(
        host,
        &call,
        VposOp::Sale,
        ThreeDRequest {
            payment: request,
            success_url: Some(back.clone()),
            fail_url: Some(back),
        },
    )
    .await?;
    match started {
        Started::Session { session_id } => Ok(Paid::Authenticate {
            acs_url: format!("/acs/{session_id}"),
        }),
        Started::Refused(outcome) => Ok(Paid::Page(Box::new(
            view(host, order, Some(&outcome)).await?,
        ))),
    }
}

/// The browser back from the ACS page of a `CreateOrder3D` order: completes
/// the session's payment, once.
pub async fn after_3ds(
    host: &Host,
    token: &str,
    session_id: &str,
) -> Result<HostedPage, ServiceError> {
    let order = page(host, token).await?.order;
    let session = three_ds::session_of(host, &order.merchant_no, session_id).await?;
    if session.order_id != order.order_id {
        return Err(ServiceError::NotFound(
            "3-D Secure session not found.".into(),
        ));
    }
    let call = page_call(&order);
    let outcome =
        three_ds::complete(host, &call, Some(&order.merchant_no), Some(session_id)).await?;
    view(host, order, Some(&outcome)).await
}

/// The page acts for the order's merchant, as its own VPOS client would.
fn page_call(order: &HostedRow) -> Call {
    as_merchant(&order.merchant_no, "payment-page", "PaymentPage", "")
}

fn payment_request(order: &HostedRow, form: CardForm) -> Result<PaymentRequest, ServiceError> {
    let installments = form.installments.unwrap_or(1);
    if installments > order.max_installments {
        return Err(ServiceError::field(
            "InstallmentCount",
            format!("must be at most {}", order.max_installments),
        ));
    }
    Ok(PaymentRequest {
        merchant_no: Some(order.merchant_no.clone()),
        terminal_no: Some(order.terminal_no.clone()),
        order_id: Some(order.order_id.clone()),
        amount: Some(MajorAmount::from_json_number_text(&format_major(
            order.amount,
            order.currency.exponent(),
        ))),
        currency: Some(i64::from(order.currency)),
        installment_count: Some(installments),
        card: CardKey {
            card_no: form.card_no,
            card_token: None,
        },
        expiry_date: form.expiry.as_deref().map(yymm),
        cvv2: form.cvv2,
        card_holder_name: form.holder,
        description: order.description.clone(),
        ..PaymentRequest::default()
    })
}

/// `MM/YY` (or `MMYY`) as the API's `yyMM`; anything else is left for the
/// payment's own check to refuse.
fn yymm(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        4 => format!("{}{}", &digits[2..], &digits[..2]),
        _ => digits,
    }
}

#[cfg(test)]
mod tests {
    use super::yymm;

    #[test]
    fn expiry_as_typed_becomes_yymm() {
        assert_eq!(yymm("03/30"), "3003");
        assert_eq!(yymm("12 / 29"), "2912");
        assert_eq!(yymm("1/3"), "13");
    }
}
