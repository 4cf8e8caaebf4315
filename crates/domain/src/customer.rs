//! Customer identity rules.

/// Longest customer number (spec issuer.md, Customers: 1–10 characters).
pub const CUSTOMER_NO_MAX_LEN: usize = 10;

/// A customer number: 1–10 letters, digits, `-` or `_`.
pub fn check_customer_no(text: &str) -> Result<(), &'static str> {
    if text.is_empty() || text.len() > CUSTOMER_NO_MAX_LEN {
        return Err("must be 1 to 10 characters");
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err("may hold only letters, digits, '-' and '_'");
    }
    Ok(())
}

/// The Turkish identity number checksum, applied only to 11-digit values
/// (spec: other values such as the reference example's `"string"` are kept as given).
pub fn check_tckn(text: &str) -> Result<(), &'static str> {
    if text.len() != 11 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    let d: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
    if d[0] == 0 {
        return Err("is not a valid TCKN: it cannot start with 0");
    }
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    let tenth = (odd * 7 + 10 * 10 - even) % 10;
    let eleventh = d[..10].iter().sum::<u32>() % 10;
    if d[9] != tenth || d[10] != eleventh {
        return Err("is not a valid TCKN: the check digits do not match");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tckn_checksum() {
        // 10000000146 is the well-known valid test TCKN.
        assert_eq!(check_tckn("10000000146"), Ok(()));
        assert!(check_tckn("10000000147").is_err());
        assert!(check_tckn("01234567890").is_err());
        assert_eq!(check_tckn("string"), Ok(()));
        assert_eq!(check_tckn("1234"), Ok(()));
    }

    #[test]
    fn customer_numbers() {
        assert!(check_customer_no("stringstri").is_ok());
        assert!(check_customer_no("1308590").is_ok());
        assert!(check_customer_no("").is_err());
        assert!(check_customer_no("12345678901").is_err());
        assert!(check_customer_no("a b").is_err());
    }
}
