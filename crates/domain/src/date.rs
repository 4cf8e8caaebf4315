//! The wire's calendar formats: `yyyyMMdd` dates, `yyyyMMddHHmmss` UTC timestamps.

use chrono::{DateTime, NaiveDate, Utc};

pub const DATE_FORMAT: &str = "%Y%m%d";
pub const TIMESTAMP_FORMAT: &str = "%Y%m%d%H%M%S";

/// A real calendar date written `yyyyMMdd` (8 digits, no separators).
pub fn parse_date(text: &str) -> Result<NaiveDate, &'static str> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a date written yyyyMMdd");
    }
    NaiveDate::parse_from_str(text, DATE_FORMAT).map_err(|_| "is not a real calendar date")
}

pub fn format_date(date: NaiveDate) -> String {
    date.format(DATE_FORMAT).to_string()
}

pub fn format_timestamp(at: DateTime<Utc>) -> String {
    at.format(TIMESTAMP_FORMAT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_dates_only() {
        assert!(parse_date("20240423").is_ok());
        assert!(parse_date("20240229").is_ok());
        assert!(parse_date("20230229").is_err());
        assert!(parse_date("20241301").is_err());
        assert!(parse_date("2024-04-23").is_err());
        assert!(parse_date("240423").is_err());
    }
}
