//! ISO 13616 IBANs: country, check digits, and the mod-97 checksum.

/// Accepts an IBAN written with or without spaces; returns it compact and
/// upper-case when its checksum holds.
pub fn parse_iban(text: &str) -> Result<String, &'static str> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if !(15..=34).contains(&compact.len()) || !compact.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err("must be an IBAN of 15 to 34 letters and digits");
    }
    let (country, check) = (&compact[..2], &compact[2..4]);
    if !country.bytes().all(|b| b.is_ascii_uppercase())
        || !check.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("must start with a country code and two check digits");
    }
    if country == "TR" && compact.len() != 26 {
        return Err("a Turkish IBAN has 26 characters");
    }
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    let mut remainder: u32 = 0;
    for b in rearranged.bytes() {
        let value = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    if remainder != 1 {
        return Err("fails the IBAN checksum");
    }
    Ok(compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Examples from the ISO 13616 registry and the European Banking Authority's lists.
    #[test]
    fn checksums() {
        assert_eq!(
            parse_iban("GB82 WEST 1234 5698 7654 32"),
            Ok("GB82WEST12345698765432".into())
        );
        assert!(parse_iban("DE89370400440532013000").is_ok());
        assert!(parse_iban("TR330006100519786457841326").is_ok());
        assert!(parse_iban("TR330006100519786457841327").is_err());
        assert!(parse_iban("GB82WEST12345698765433").is_err());
        assert!(parse_iban("TR33000610051978645784132").is_err(), "length");
        assert!(parse_iban("12345").is_err());
    }
}
