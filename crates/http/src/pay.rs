//! The hosted payment page (`/pay/{OrderToken}`): the merchant's order and
//! a card form; after paying, the outcome and a signed form POST back to the
//! merchant. `CreateOrder3D` orders pass through the ACS page first and come
//! back to `/pay/{OrderToken}/3ds`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use cardhost_domain::money::format_major;
use cardhost_domain::secret::{CardNumber, Cvv2};
use cardhost_service::vpos::hosted::{self, CardForm, HostedPage, PageState, Paid};
use cardhost_service::ServiceError;
use maud::{html, Markup};
use serde::Deserialize;

use crate::pages::{layout, problem, secured};
use crate::state::AppState;

/// The card form, field names as the spec gives them (browsers autofill them).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PayForm {
    #[serde(rename = "csrf")]
    csrf: Option<String>,
    card_no: Option<CardNumber>,
    expiry_date: Option<String>,
    cvv2: Option<Cvv2>,
    card_holder_name: Option<String>,
    installment_count: Option<String>,
}

/// What the ACS page posts back.
#[derive(Deserialize)]
struct ThreeDReturn {
    #[serde(rename = "ThreeDSessionId")]
    session_id: Option<String>,
}

pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match hosted::page(&state.host, &token).await {
        Ok(page) => render(&page),
        Err(e) => problem(&e),
    }
}

pub async fn pay(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(e) = crate::limits::check_form(&body, "CardNo") {
        return problem(&e);
    }
    let Ok(form) = serde_urlencoded::from_bytes::<PayForm>(&body) else {
        return problem(&ServiceError::field(
            "CardNo",
            "the card form could not be read",
        ));
    };
    let installments = match form.installment_count.as_deref().map(str::parse::<i64>) {
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            return problem(&ServiceError::field("InstallmentCount", "must be a number"))
        }
        None => None,
    };
    let card = CardForm {
        csrf: form.csrf.unwrap_or_default(),
        card_no: form.card_no,
        expiry: form.expiry_date,
        cvv2: form.cvv2,
        holder: form.card_holder_name,
        installments,
    };
    match hosted::pay(&state.host, &token, card).await {
        Ok(Paid::Page(page)) => render(&page),
        Ok(Paid::Authenticate { acs_url }) => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, acs_url)]).into_response()
        }
        Err(ServiceError::Validation(errors)) => match hosted::page(&state.host, &token).await {
            Ok(page) => render_with_errors(&page, &errors.into_vec()),
            Err(e) => problem(&e),
        },
        Err(e) => problem(&e),
    }
}

pub async fn after_3ds(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let session = serde_urlencoded::from_bytes::<ThreeDReturn>(&body)
        .ok()
        .and_then(|r| r.session_id)
        .unwrap_or_default();
    match hosted::after_3ds(&state.host, &token, &session).await {
        Ok(page) => render(&page),
        Err(e) => problem(&e),
    }
}

fn render(page: &HostedPage) -> Response {
    render_with_errors(page, &[])
}

fn render_with_errors(page: &HostedPage, errors: &[cardhost_domain::FieldError]) -> Response {
    let form_action = match &page.callback {
        Some(c) => c.url.clone(),
        None => "'self'".to_owned(),
    };
    let body = html! {
        h1 { "Pay " (page.merchant_name) }
        (summary(page))
        @if let Some(callback) = &page.callback {
            (returned(page, callback))
        } @else {
            @match page.state {
                PageState::Open => (card_form(page, errors)),
                PageState::Paid => p.ok { "This order is paid." },
                PageState::Declined => p.error { "This order's payment was declined." },
                PageState::Expired => p.error { "This order has expired." },
            }
        }
    };
    secured(
        StatusCode::OK,
        layout(&page.merchant_name, body),
        &form_action,
    )
}

fn summary(page: &HostedPage) -> Markup {
    let amount = format_major(page.order.amount, page.currency.exponent());
    html! {
        dl {
            dt { "Merchant" } dd { (page.merchant_name) }
            dt { "Amount" } dd { (amount) " " (page.currency.alpha()) }
            @if let Some(d) = &page.order.description { dt { "For" } dd { (d) } }
        }
    }
}

fn card_form(page: &HostedPage, errors: &[cardhost_domain::FieldError]) -> Markup {
    html! {
        @for e in errors {
            p.error role="alert" { (e.field) ": " (e.message) }
        }
        form method="post" action={ "/pay/" (page.order.order_token) } {
            input type="hidden" name="csrf" value=(page.order.csrf_token);
            label for="CardNo" { "Card number" }
            input #CardNo name="CardNo" autocomplete="cc-number" inputmode="numeric" required maxlength="23";
            label for="ExpiryDate" { "Expiry (MM/YY)" }
            input #ExpiryDate name="ExpiryDate" autocomplete="cc-exp" placeholder="MM/YY" required maxlength="7";
            label for="Cvv2" { "Security code (CVV2)" }
            input #Cvv2 name="Cvv2" autocomplete="cc-csc" inputmode="numeric" required maxlength="4";
            label for="CardHolderName" { "Name on the card" }
            input #CardHolderName name="CardHolderName" autocomplete="cc-name" maxlength="64";
            @if page.order.max_installments > 1 {
                label for="InstallmentCount" { "Installments" }
                select #InstallmentCount name="InstallmentCount" {
                    @for n in 1..=page.order.max_installments {
                        option value=(n) { @if n == 1 { "Single payment" } @else { (n) " installments" } }
                    }
                }
            }
            button type="submit" { "Pay" }
        }
    }
}

fn returned(page: &HostedPage, c: &hosted::Callback) -> Markup {
    html! {
        @if c.response_code == "00" {
            p.ok { "Payment approved." }
        } @else {
            p.error role="alert" { "Payment declined (" (c.response_code) ")." }
        }
        form method="post" action=(c.url) {
            input type="hidden" name="OrderId" value=(page.order.order_id);
            input type="hidden" name="OrderToken" value=(page.order.order_token);
            input type="hidden" name="ResponseCode" value=(c.response_code);
            input type="hidden" name="ProcessId" value=(c.process_id);
            input type="hidden" name="Hash" value=(c.hash);
            button type="submit" { "Return to " (page.merchant_name) }
        }
    }
}
