//! Business days: limits reset at midnight in the host's business time zone
//! (configuration `business_timezone`, default `Europe/Istanbul`).

use cardhost_domain::date::format_date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

#[derive(Debug, Clone)]
pub struct Calendar {
    name: String,
    tz: TimeZone,
}

impl Calendar {
    /// The calendar of an IANA zone name, read from the system's zoneinfo.
    pub fn new(name: &str) -> Result<Calendar, String> {
        let tz =
            TimeZone::get(name).map_err(|e| format!("unknown business time zone '{name}': {e}"))?;
        Ok(Calendar {
            name: name.to_owned(),
            tz,
        })
    }

    pub fn utc() -> Calendar {
        Calendar {
            name: "UTC".into(),
            tz: TimeZone::UTC,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The business day of an instant.
    pub fn business_day(&self, at_ms: i64) -> chrono::NaiveDate {
        // The host's clock never leaves jiff's years -9999..=9999; saturating
        // keeps every caller free of an error that cannot happen.
        let ts = Timestamp::from_millisecond(at_ms).unwrap_or(if at_ms < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        });
        let day = ts.to_zoned_datetime(self.tz.clone()).date();
        chrono::NaiveDate::from_ymd_opt(
            i32::from(day.year()),
            u32::from(day.month().unsigned_abs()),
            u32::from(day.day().unsigned_abs()),
        )
        .expect("a jiff civil date is a chrono date")
    }

    /// The business date (`yyyyMMdd`) of an instant.
    pub fn business_date(&self, at_ms: i64) -> String {
        format_date(self.business_day(at_ms))
    }

    /// The instant the business day `yyyyMMdd` starts.
    pub fn day_start_ms(&self, date: chrono::NaiveDate) -> i64 {
        use chrono::Datelike;
        let day = jiff::civil::date(date.year() as i16, date.month() as i8, date.day() as i8);
        day.to_zoned_datetime(self.tz.clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    }

    /// The instant the calendar month holding `at_ms` starts.
    pub fn month_start_ms(&self, at_ms: i64) -> i64 {
        let Ok(ts) = Timestamp::from_millisecond(at_ms) else {
            return 0;
        };
        let zoned = ts.to_zoned_datetime(self.tz.clone());
        let first = jiff::civil::date(zoned.year(), zoned.month(), 1);
        first
            .to_zoned_datetime(self.tz.clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn istanbul_days_start_at_21_utc() {
        let cal = Calendar::new("Europe/Istanbul").unwrap();
        // 2026-03-02 20:59:59 UTC is 23:59:59 in Istanbul; a second later it is the 3rd.
        let before = chrono::DateTime::parse_from_rfc3339("2026-03-02T20:59:59Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(cal.business_date(before), "20260302");
        assert_eq!(cal.business_date(before + 1000), "20260303");
        let start = cal.day_start_ms(chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap());
        assert_eq!(start, before + 1000);
        assert_eq!(
            cal.month_start_ms(before + 1000),
            chrono::DateTime::parse_from_rfc3339("2026-02-28T21:00:00Z")
                .unwrap()
                .timestamp_millis()
        );
        assert!(Calendar::new("Mars/Olympus").is_err());
    }
}
