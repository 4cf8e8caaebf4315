//! The Visa card verification value algorithm (CVV, CVV2 with service code `000`,
//! iCVV with `999`).

use crate::des::TdesKey;
use crate::CryptoError;

pub const SERVICE_CODE_CVV2: &str = "000";
pub const SERVICE_CODE_ICVV: &str = "999";

/// Computes the 3-digit value for `pan`, `expiry` (YYMM) and `service_code`
/// under the CVK pair (K1 = CVK A, K2 = CVK B).
pub fn visa_cvv(
    cvk: &TdesKey,
    pan: &str,
    expiry_yymm: &str,
    service_code: &str,
) -> Result<String, CryptoError> {
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(12..=19).contains(&pan.len()) || !digits_ok(pan) {
        return Err(CryptoError::MalformedCardData(
            "PAN must be 12 to 19 digits",
        ));
    }
    if expiry_yymm.len() != 4 || !digits_ok(expiry_yymm) {
        return Err(CryptoError::MalformedCardData(
            "expiry must be 4 digits YYMM",
        ));
    }
    if service_code.len() != 3 || !digits_ok(service_code) {
        return Err(CryptoError::MalformedCardData(
            "service code must be 3 digits",
        ));
    }
    let mut data = format!("{pan}{expiry_yymm}{service_code}");
    data.extend(std::iter::repeat_n('0', 32 - data.len()));
    let block1 = hex_block(&data[..16]);
    let block2 = hex_block(&data[16..]);
    let step1 = cvk.encrypt_left(block1);
    let mixed: [u8; 8] = std::array::from_fn(|i| step1[i] ^ block2[i]);
    let result = cvk.encrypt(mixed);
    Ok(decimalize(&hex::encode_upper(result), 3))
}

fn hex_block(text: &str) -> [u8; 8] {
    let mut out = [0u8; 8];
    // Callers pass 16 decimal digits, which are always valid hex.
    hex::decode_to_slice(text, &mut out).unwrap_or_default();
    out
}

/// Visa decimalization: the decimal digits left to right, then the letters A–F
/// as 0–5, until `count` digits are taken.
pub(crate) fn decimalize(hex_upper: &str, count: usize) -> String {
    let digits = hex_upper.bytes().filter(u8::is_ascii_digit).map(char::from);
    let letters = hex_upper
        .bytes()
        .filter(|b| (b'A'..=b'F').contains(b))
        .map(|b| char::from(b - b'A' + b'0'));
    digits.chain(letters).take(count).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cvv(key: &str, pan: &str, exp: &str, sc: &str) -> String {
        visa_cvv(&TdesKey::from_hex(key).unwrap(), pan, exp, sc).unwrap()
    }

    const K: &str = "0123456789ABCDEFFEDCBA9876543210";

    // Source: Visa "CVV test data" table (shared/vectors.md, reproduced at
    // fsou.com/html/text/chl/848/84828_4.html).
    #[test]
    fn visa_cvv_table() {
        assert_eq!(cvv(K, "4123456789012345", "8701", "101"), "561");
        assert_eq!(cvv(K, "4999988887777000", "9105", "111"), "245");
        assert_eq!(cvv(K, "4666655554444111", "9206", "120"), "664");
        assert_eq!(cvv(K, "4333322221111222", "9307", "141"), "382");
        assert_eq!(cvv(K, "4123456789012", "8701", "101"), "370");
    }

    // Source: worked example, topic.alibabacloud.com/a/algorithm-generation-7-cvn_8_8_31672247.html
    #[test]
    fn worked_example_856() {
        assert_eq!(cvv(K, "4123456789012345", "8701", "111"), "856");
    }

    // Source: psec `psec/cvv.py` docstring and `tests/test_cvv.py`
    // (github.com/knovichikhin/psec).
    #[test]
    fn psec_vectors() {
        assert_eq!(cvv(K, "1234567890123456", "9912", "220"), "170");
        assert_eq!(
            cvv(
                "99999999999999998888888888888888",
                "2222222222222222",
                "3333",
                "111"
            ),
            "361"
        );
    }

    #[test]
    fn rejects_malformed_input() {
        let key = TdesKey::from_hex(K).unwrap();
        assert!(visa_cvv(&key, "41234", "8701", "101").is_err());
        assert!(visa_cvv(&key, "4123456789012345", "870", "101").is_err());
        assert!(visa_cvv(&key, "4123456789012345", "8701", "1x1").is_err());
    }
}
