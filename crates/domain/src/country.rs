//! ISO 3166-1 alpha-2 country codes.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country([u8; 2]);

impl Country {
    /// The default products' country.
    pub const TR: Country = Country(*b"TR");

    /// Accepts exactly two upper-case letters naming an assigned ISO 3166-1 country.
    pub fn parse(text: &str) -> Result<Country, &'static str> {
        let bytes = text.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err("must be an ISO 3166-1 alpha-2 code such as TR");
        }
        match iso_country::Country::from_str(text) {
            Ok(c) if c != iso_country::Country::Unspecified => Ok(Country([bytes[0], bytes[1]])),
            _ => Err("is not an assigned ISO 3166-1 alpha-2 code"),
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ever built from two ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_assigned_codes_only() {
        assert_eq!(Country::parse("TR").map(|c| c.to_string()), Ok("TR".into()));
        assert!(Country::parse("DE").is_ok());
        assert!(Country::parse("tr").is_err());
        assert!(Country::parse("TUR").is_err());
        assert!(Country::parse("XX").is_err());
        assert!(Country::parse("").is_err());
    }
}
