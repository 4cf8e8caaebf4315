//! The ACS pages of 3-D Secure: where the cardholder answers the card's
//! password or a one-time code, then returns to the merchant's site with a
//! signed form POST. Server-rendered, no script, no third-party resource;
//! every form carries a token bound to its session.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use cardhost_domain::money::format_major;
use cardhost_domain::secret::{OneTimeCode, Password};
use cardhost_domain::status::ThreeDsMethod;
use cardhost_service::vpos::three_ds::acs::{self, AcsPage, Callback};
use cardhost_service::ServiceError;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use crate::pages::{layout, problem, secured};
use crate::state::AppState;

/// The form the page posts back: the card's `Password`, or the `Otp` sent.
#[derive(Deserialize)]
struct AnswerForm {
    csrf: Option<String>,
    #[serde(rename = "Password")]
    password: Option<Password>,
    #[serde(rename = "Otp")]
    otp: Option<OneTimeCode>,
}

pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match acs::page(&state.host, &id).await {
        Ok(page) => render(&page),
        Err(e) => problem(&e),
    }
}

pub async fn answer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(e) = crate::limits::check_form(&body, "Password") {
        return problem(&e);
    }
    let Ok(form) = serde_urlencoded::from_bytes::<AnswerForm>(&body) else {
        return problem(&ServiceError::field(
            "Password",
            "a form of csrf and Password or Otp",
        ));
    };
    let csrf = form.csrf.unwrap_or_default();
    let answer = match (&form.password, &form.otp) {
        (Some(password), _) => password.expose(),
        (None, Some(code)) => code.expose(),
        (None, None) => "",
    };
    match acs::answer(&state.host, &id, &csrf, answer).await {
        Ok(page) => render(&page),
        Err(e) => problem(&e),
    }
}

fn render(page: &AcsPage) -> Response {
    let form_action = match &page.callback {
        Some(c) => c.url.clone(),
        None => "'self'".to_owned(),
    };
    let body = layout(&page.merchant_name, body_of(page));
    secured(StatusCode::OK, body, &form_action)
}

fn body_of(page: &AcsPage) -> Markup {
    let amount = format_major(page.amount, page.currency.exponent());
    html! {
        h1 { "Confirm your payment" }
        dl {
            dt { "Merchant" } dd { (page.merchant_name) }
            dt { "Amount" } dd { (amount) " " (page.currency.alpha()) }
            dt { "Card" } dd { (page.masked_card_no) }
        }
        @match &page.callback {
            Some(callback) => (decided(callback, &page.merchant_name)),
            None => (challenge(page)),
        }
    }
}

fn challenge(page: &AcsPage) -> Markup {
    let (name, label, autocomplete, inputmode) = match page.method {
        ThreeDsMethod::Sms => (
            "Otp",
            "The 6-digit code we sent to your mobile",
            "one-time-code",
            "numeric",
        ),
        _ => (
            "Password",
            "Your card's 3-D Secure password",
            "current-password",
            "text",
        ),
    };
    html! {
        @if page.wrong_answer {
            p.error role="alert" { "That was not right. Tries left: " (page.tries_left) "." }
        }
        form method="post" action={ "/acs/" (page.session_id) } data-tries-left=(page.tries_left) {
            input type="hidden" name="csrf" value=(page.csrf_token);
            label for="answer" { (label) }
            input #answer type="password" name=(name) required autofocus
                autocomplete=(autocomplete) inputmode=(inputmode) maxlength="64";
            button type="submit" { "Confirm" }
        }
    }
}

fn decided(c: &Callback, merchant_name: &str) -> Markup {
    html! {
        @if c.md_status == "1" {
            p.ok { "You are authenticated." }
        } @else {
            p.error role="alert" { "Authentication failed." }
        }
        form method="post" action=(c.url) {
            input type="hidden" name="ThreeDSessionId" value=(c.session_id);
            input type="hidden" name="OrderId" value=(c.order_id);
            input type="hidden" name="MdStatus" value=(c.md_status);
            input type="hidden" name="Hash" value=(c.hash);
            button type="submit" { "Return to " (merchant_name) }
        }
    }
}

/// The `HtmlContent` of a started session: a page that sends the browser to
/// the ACS page (a refresh and a link: no script).
pub fn redirect_page(url: &str) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content={ "0;url=" (url) };
                title { "3-D Secure" }
            }
            body { p { a href=(url) { "Continue to 3-D Secure" } } }
        }
    }
    .into_string()
}
