//! The sandbox in the open: which card and which amount give each answer, so
//! an integrator never needs a bank's changing test environment. The rows
//! come from the rules themselves (card statuses, the test network's amount
//! endings); `/docs` shows them as a table and the OpenAPI description as
//! Markdown.

use cardhost_domain::card::CardStatus;
use cardhost_domain::response::{self, CVV2_MISMATCH, ISSUER_UNAVAILABLE};
use cardhost_service::money::decide::status_code;
use cardhost_service::network::{TEST_AMOUNT_DECLINES, TEST_UNANSWERED_ENDING};

/// One way to get an answer: which cards, what to do, the `ResponseCode`.
pub struct Row {
    pub cards: &'static str,
    pub what: String,
    pub code: &'static str,
}

const ON_US: &str = "this host's cards";
const OFF_US: &str = "other issuers' cards";

/// Every row, on-us first.
pub fn rows() -> Vec<Row> {
    let mut rows: Vec<Row> = CardStatus::ALL
        .iter()
        .filter_map(|s| {
            status_code(*s).map(|code| Row {
                cards: ON_US,
                what: format!(
                    "the card's status is `{}` {} (`UpdateCardStatus`)",
                    s.code(),
                    s.name()
                ),
                code,
            })
        })
        .collect();
    let on_us = [
        ("an `ExpiryDate` other than the card's", response::EXPIRED_CARD),
        ("a `Cvv2` other than the card's", CVV2_MISMATCH),
        ("any `Cvv2`, even the right one, after three wrong ones in a row (until `ResetCvv2RetryCount`)", response::RESTRICTED_CARD),
        ("more than the card can spend (its balance, or its credit limit)", response::INSUFFICIENT_FUNDS),
        ("over the card's `TransactionLimit` or a daily limit (`UpdateCardLimit`)", response::EXCEEDS_AMOUNT_LIMIT),
        ("more payments in a day than `DailyTransactionCount`", response::EXCEEDS_FREQUENCY_LIMIT),
        ("e-commerce with `EcommerceAllowed` false, a merchant country or MCC the card blocks, or a foreign merchant without `InternationalAllowed` (`UpdateCardRestriction`)", response::NOT_PERMITTED_CARDHOLDER),
    ];
    rows.extend(on_us.into_iter().map(|(what, code)| Row {
        cards: ON_US,
        what: what.to_owned(),
        code,
    }));
    rows.extend(TEST_AMOUNT_DECLINES.iter().map(|(ending, code)| Row {
        cards: OFF_US,
        what: format!("an amount whose minor units end in `{ending:02}` (e.g. `10.{ending:02}`)"),
        code,
    }));
    rows.push(Row {
        cards: OFF_US,
        what: format!("an amount ending in `{TEST_UNANSWERED_ENDING}`: the network never answers; the host answers after its timeout and reverses the authorization until the network acknowledges it"),
        code: ISSUER_UNAVAILABLE,
    });
    rows.push(Row {
        cards: OFF_US,
        what: "any other amount, any Luhn-valid number outside this host's BINs (e.g. `4111111111111111`), any expiry and CVV2".into(),
        code: response::APPROVED,
    });
    rows
}

/// The rows as a Markdown table, for the OpenAPI description and the README.
pub fn markdown() -> String {
    let mut text = String::from("| cards | what you send | `ResponseCode` |\n|---|---|---|\n");
    for row in rows() {
        text.push_str(&format!(
            "| {} | {} | `{}` {} |\n",
            row.cards,
            row.what,
            row.code,
            response::message(row.code)
        ));
    }
    text
}

/// The rows as an HTML table, for `/docs`; `esc` escapes text and turns
/// backticks into `<code>`.
pub fn html(esc: impl Fn(&str) -> String) -> String {
    let mut html =
        String::from("<table><tr><th>Cards</th><th>What you send</th><th>ResponseCode</th></tr>");
    for row in rows() {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code> {}</td></tr>",
            esc(row.cards),
            esc(&row.what),
            esc(row.code),
            esc(response::message(row.code))
        ));
    }
    html.push_str("</table>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_lists_exactly_these_rows() {
        let readme = include_str!("../../../README.md");
        assert!(
            readme.contains(&markdown()),
            "README.md lacks:\n{}",
            markdown()
        );
    }

    #[test]
    fn every_card_status_but_active_has_its_row() {
        let statuses = rows()
            .iter()
            .filter(|r| r.what.contains("status is"))
            .count();
        assert_eq!(statuses, CardStatus::ALL.len() - 1);
    }
}
