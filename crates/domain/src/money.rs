//! Money: integer minor units of an ISO 4217 currency, parsed exactly from text.
//!
//! JSON numbers reach us as their literal text (serde_json `arbitrary_precision`),
//! so `125.50` is read digit by digit and never passes through a binary float.

use std::fmt;
use thiserror::Error;

/// Largest amount the wire accepts (spec README, Wire conventions).
pub const MAX_AMOUNT_MINOR: i64 = 999_999_999_999;

/// An ISO 4217 currency known to the host, by its numeric code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    numeric: u16,
    exponent: u8,
}

/// A stored currency code that is not an ISO 4217 currency with minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stored currency {0} is not an ISO 4217 currency with minor units")]
pub struct UnknownCurrency(pub i64);

/// A requested currency code that is not an ISO 4217 currency with minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("is not a known ISO 4217 numeric currency code")]
pub struct NotACurrency;

impl Currency {
    pub const TRY: Currency = Currency {
        numeric: 949,
        exponent: 2,
    };
    pub const EUR: Currency = Currency {
        numeric: 978,
        exponent: 2,
    };
    pub const USD: Currency = Currency {
        numeric: 840,
        exponent: 2,
    };

    /// The currency with this ISO 4217 numeric code, if it is an active one with
    /// minor units (funds codes and metals have no exponent and are refused).
    pub fn from_numeric(numeric: u16) -> Option<Currency> {
        let iso = iso_currency::Currency::from_numeric(numeric)?;
        let exponent = u8::try_from(iso.exponent()?).ok()?;
        Some(Currency { numeric, exponent })
    }

    pub fn numeric(self) -> u16 {
        self.numeric
    }

    /// The currency a request names by its numeric code; the error words a
    /// field's refusal, where a stored code's names the code.
    pub fn requested(numeric: i64) -> Result<Currency, NotACurrency> {
        Currency::try_from(numeric).map_err(|_| NotACurrency)
    }

    /// Digits after the decimal point (2 for TRY, 0 for JPY, 3 for KWD).
    pub fn exponent(self) -> u8 {
        self.exponent
    }

    pub fn alpha(self) -> &'static str {
        iso_currency::Currency::from_numeric(self.numeric)
            .map(|c| c.code())
            .unwrap_or("")
    }
}

/// A stored numeric code, as rows and documents decode it; one that is not a
/// currency is an error that says so, never a default.
impl TryFrom<i64> for Currency {
    type Error = UnknownCurrency;

    fn try_from(numeric: i64) -> Result<Currency, UnknownCurrency> {
        u16::try_from(numeric)
            .ok()
            .and_then(Currency::from_numeric)
            .ok_or(UnknownCurrency(numeric))
    }
}

/// The numeric code, as rows store it and ledger accounts name it.
impl From<Currency> for i64 {
    fn from(currency: Currency) -> i64 {
        i64::from(currency.numeric)
    }
}

/// Stored in documents (profiles) as its numeric code; one that is not a
/// currency does not load.
impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.numeric)
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let numeric = i64::deserialize(deserializer)?;
        Currency::try_from(numeric).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.numeric)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("must be a number")]
    NotANumber,
    #[error("must not be negative")]
    Negative,
    #[error("has more than {0} decimal digits for this currency")]
    TooManyDigits(u8),
    #[error("exceeds the maximum amount")]
    TooLarge,
    #[error("is not a known ISO 4217 currency")]
    UnknownCurrency,
}

/// A non-negative amount in minor units, never above [`MAX_AMOUNT_MINOR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AmountMinor(i64);

impl AmountMinor {
    pub const ZERO: AmountMinor = AmountMinor(0);

    pub fn new(minor: i64) -> Result<Self, MoneyError> {
        if minor < 0 {
            return Err(MoneyError::Negative);
        }
        if minor > MAX_AMOUNT_MINOR {
            return Err(MoneyError::TooLarge);
        }
        Ok(AmountMinor(minor))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// Parses a JSON number's literal text in major units for `currency`.
    pub fn parse_major(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let minor = parse_decimal(text, currency.exponent())?;
        AmountMinor::new(minor)
    }
}

/// Exact decimal text (`125.5`, `1.25e2`, `-0`) to an integer scaled by `exponent`.
fn parse_decimal(text: &str, exponent: u8) -> Result<i64, MoneyError> {
    let text = text.trim();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp10) = match body.find(['e', 'E']) {
        Some(pos) => {
            let exp: i32 = body[pos + 1..]
                .parse()
                .map_err(|_| MoneyError::NotANumber)?;
            (&body[..pos], exp)
        }
        None => (body, 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() || !all_digits(int_part) || !all_digits(frac_part) {
        return Err(MoneyError::NotANumber);
    }
    // Digits of the number without its point, and where the point stands after
    // applying the exponent: value = digits × 10^-(scale).
    let digits: String = format!("{int_part}{frac_part}");
    let scale =
        i64::try_from(frac_part.len()).map_err(|_| MoneyError::TooLarge)? - i64::from(exp10);
    let shift = i64::from(exponent) - scale;
    let digits = digits.trim_start_matches('0');
    let mut value: i128 = 0;
    if shift >= 0 {
        for b in digits.bytes() {
            value = value * 10 + i128::from(b - b'0');
            if value > i128::from(MAX_AMOUNT_MINOR) * 10 {
                return Err(MoneyError::TooLarge);
            }
        }
        // A zero stays zero however far it shifts; skipping avoids a 2^31-step loop.
        for _ in 0..if value == 0 { 0 } else { shift } {
            value *= 10;
            if value > i128::from(MAX_AMOUNT_MINOR) {
                return Err(MoneyError::TooLarge);
            }
        }
    } else {
        // More decimals than the currency has: allowed only when they are zeros.
        let cut = usize::try_from(-shift).map_err(|_| MoneyError::TooLarge)?;
        let keep = digits.len().saturating_sub(cut);
        if digits[keep..].bytes().any(|b| b != b'0') {
            return Err(MoneyError::TooManyDigits(exponent));
        }
        for b in digits[..keep].bytes() {
            value = value * 10 + i128::from(b - b'0');
            if value > i128::from(MAX_AMOUNT_MINOR) * 10 {
                return Err(MoneyError::TooLarge);
            }
        }
    }
    if value > i128::from(MAX_AMOUNT_MINOR) {
        return Err(MoneyError::TooLarge);
    }
    let value = i64::try_from(value).map_err(|_| MoneyError::TooLarge)?;
    if negative && value != 0 {
        return Err(MoneyError::Negative);
    }
    Ok(value)
}

/// Exact decimal text scaled by 10^`digits` (percentages, rates): the same
/// exact parser money uses, without the amount ceiling's meaning.
pub fn parse_scaled(text: &str, digits: u8) -> Result<i64, MoneyError> {
    parse_decimal(text, digits)
}

/// Adds `minor` to its currency's total, keeping the currencies in the order
/// they first came.
pub fn add_to_totals(totals: &mut Vec<(Currency, i64)>, currency: Currency, minor: i64) {
    match totals.iter_mut().find(|(c, _)| *c == currency) {
        Some((_, total)) => *total += minor,
        None => totals.push((currency, minor)),
    }
}

/// Minor units as major-unit text with exactly the currency's decimals
/// (`12550`, 2 → `"125.50"`; negative values keep their sign).
pub fn format_major(minor: i64, exponent: u8) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(u32::from(exponent));
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = usize::from(exponent)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_keeps_a_currency_as_its_numeric_code() {
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap(), "978");
        assert_eq!(
            serde_json::from_str::<Currency>("978").unwrap(),
            Currency::EUR
        );
    }

    #[test]
    fn a_document_in_an_unknown_currency_does_not_load() {
        let err = serde_json::from_str::<Currency>("999").unwrap_err();
        assert!(
            err.to_string().starts_with("stored currency 999 is not"),
            "{err}"
        );
    }

    #[test]
    fn a_row_keeps_a_currency_as_its_numeric_code() {
        assert_eq!(i64::from(Currency::USD), 840);
        assert_eq!(Currency::try_from(840), Ok(Currency::USD));
    }

    #[test]
    fn a_row_in_an_unknown_currency_does_not_decode() {
        assert_eq!(Currency::try_from(999), Err(UnknownCurrency(999)));
    }

    #[test]
    fn a_requested_funds_code_is_not_a_currency() {
        // XDR (960) is an ISO 4217 code without minor units.
        assert_eq!(Currency::requested(960), Err(NotACurrency));
        assert_eq!(Currency::requested(949), Ok(Currency::TRY));
    }

    fn parse(text: &str, exp: u8) -> Result<i64, MoneyError> {
        parse_decimal(text, exp)
    }

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(parse("125.50", 2), Ok(12550));
        assert_eq!(parse("125.5", 2), Ok(12550));
        assert_eq!(parse("125", 2), Ok(12500));
        assert_eq!(parse("0", 2), Ok(0));
        assert_eq!(parse("-0", 2), Ok(0));
        assert_eq!(parse("0.1", 2), Ok(10));
        assert_eq!(parse("1.2e2", 2), Ok(12000));
        assert_eq!(parse("12550e-2", 2), Ok(12550));
        assert_eq!(parse("1.230", 2), Ok(123));
        assert_eq!(parse("5", 0), Ok(5));
        assert_eq!(parse("1.234", 3), Ok(1234));
        assert_eq!(parse("9999999999.99", 2), Ok(MAX_AMOUNT_MINOR));
    }

    #[test]
    fn refuses_what_is_not_exact() {
        assert_eq!(parse("1.005", 2), Err(MoneyError::TooManyDigits(2)));
        assert_eq!(parse("0.5", 0), Err(MoneyError::TooManyDigits(0)));
        assert_eq!(parse("-1", 2), Err(MoneyError::Negative));
        assert_eq!(parse("10000000000.00", 2), Err(MoneyError::TooLarge));
        assert_eq!(parse("1e400", 2), Err(MoneyError::TooLarge));
        assert_eq!(parse("abc", 2), Err(MoneyError::NotANumber));
        assert_eq!(parse(".5", 2), Err(MoneyError::NotANumber));
        assert_eq!(parse("", 2), Err(MoneyError::NotANumber));
    }

    #[test]
    fn formats_with_the_currency_decimals() {
        assert_eq!(format_major(12550, 2), "125.50");
        assert_eq!(format_major(5, 2), "0.05");
        assert_eq!(format_major(0, 2), "0.00");
        assert_eq!(format_major(-150, 2), "-1.50");
        assert_eq!(format_major(7, 0), "7");
        assert_eq!(format_major(1234, 3), "1.234");
    }

    #[test]
    fn knows_iso_currencies() {
        assert_eq!(Currency::from_numeric(949), Some(Currency::TRY));
        assert_eq!(Currency::from_numeric(392).map(Currency::exponent), Some(0));
        assert_eq!(Currency::from_numeric(414).map(Currency::exponent), Some(3));
        assert_eq!(Currency::from_numeric(999), None);
        assert_eq!(Currency::from_numeric(1), None);
        assert_eq!(Currency::EUR.alpha(), "EUR");
    }
}

/// An amount as the caller wrote it (exact decimal text in major units), held
/// until the currency that fixes its minor digits is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MajorAmount(String);

impl MajorAmount {
    /// Accepts the literal text of a JSON number.
    pub fn from_json_number_text(text: &str) -> MajorAmount {
        MajorAmount(text.to_owned())
    }

    pub fn to_minor(&self, currency: Currency) -> Result<AmountMinor, MoneyError> {
        AmountMinor::parse_major(&self.0, currency)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
