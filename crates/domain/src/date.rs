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

/// A moment as the host stores it (milliseconds since the Unix epoch) and as
/// the wire writes it (`yyyyMMddHHmmss`, UTC). A stored value too far out to
/// be a date fails to serialize, saying so, instead of becoming 1970.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// The wire's text, or why there is none.
    pub fn format(self) -> Result<String, String> {
        DateTime::from_timestamp_millis(self.0)
            .map(format_timestamp)
            .ok_or_else(|| format!("{} ms since 1970 is not a writable date", self.0))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.format().map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A UTC moment written yyyyMMddHHmmss."))
            .pattern(Some("^[0-9]{14}$"))
            .examples(["20261201143015"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Timestamp {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Timestamp")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_is_written_in_utc_to_the_second() {
        let at = Timestamp::from_millis(1_764_599_415_999);
        assert_eq!(serde_json::to_string(&at).unwrap(), "\"20251201143015\"");
    }

    #[test]
    fn a_timestamp_beyond_the_calendar_fails_to_serialize() {
        assert!(serde_json::to_string(&Timestamp::from_millis(i64::MAX)).is_err());
    }

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
