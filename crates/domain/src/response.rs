//! ISO 8583 response codes the host answers with (spec README, Financial results).

pub const APPROVED: &str = "00";
pub const DO_NOT_HONOUR: &str = "05";
pub const INVALID_TRANSACTION: &str = "12";
pub const INVALID_AMOUNT: &str = "13";
pub const INVALID_CARD: &str = "14";
pub const FORMAT_ERROR: &str = "30";
pub const LOST_CARD: &str = "41";
pub const STOLEN_CARD: &str = "43";
pub const INSUFFICIENT_FUNDS: &str = "51";
pub const EXPIRED_CARD: &str = "54";
pub const INCORRECT_PIN: &str = "55";
pub const NOT_PERMITTED_CARDHOLDER: &str = "57";
pub const NOT_PERMITTED_TERMINAL: &str = "58";
pub const EXCEEDS_AMOUNT_LIMIT: &str = "61";
pub const RESTRICTED_CARD: &str = "62";
pub const EXCEEDS_FREQUENCY_LIMIT: &str = "65";
pub const PIN_TRIES_EXCEEDED: &str = "75";
pub const NOT_ACTIVATED: &str = "78";
pub const ISSUER_UNAVAILABLE: &str = "91";
pub const DUPLICATE: &str = "94";
pub const SYSTEM_MALFUNCTION: &str = "96";
pub const CVV2_MISMATCH: &str = "N7";

/// The text that goes with a response code.
pub fn message(code: &str) -> &'static str {
    match code {
        APPROVED => "Approved",
        DO_NOT_HONOUR => "Do not honour",
        INVALID_TRANSACTION => "Invalid transaction",
        INVALID_AMOUNT => "Invalid amount",
        INVALID_CARD => "Invalid card number",
        FORMAT_ERROR => "Format error",
        LOST_CARD => "Lost card",
        STOLEN_CARD => "Stolen card",
        INSUFFICIENT_FUNDS => "Insufficient funds",
        EXPIRED_CARD => "Expired card or wrong expiry date",
        INCORRECT_PIN => "Incorrect PIN",
        NOT_PERMITTED_CARDHOLDER => "Transaction not permitted to cardholder",
        NOT_PERMITTED_TERMINAL => "Transaction not permitted to terminal",
        EXCEEDS_AMOUNT_LIMIT => "Exceeds amount limit",
        RESTRICTED_CARD => "Restricted card",
        EXCEEDS_FREQUENCY_LIMIT => "Exceeds frequency limit",
        PIN_TRIES_EXCEEDED => "PIN tries exceeded",
        NOT_ACTIVATED => "Card not yet activated",
        ISSUER_UNAVAILABLE => "Issuer unavailable",
        DUPLICATE => "Duplicate transmission",
        SYSTEM_MALFUNCTION => "System malfunction",
        CVV2_MISMATCH => "CVV2 mismatch",
        _ => "Declined",
    }
}
