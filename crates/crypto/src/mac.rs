//! Signatures of what the host sends back to a merchant's site, under the
//! merchant's store key, so that the site can tell them from a forgery.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Base64 of HMAC-SHA256 over `data` under `key` (vpos.md, "Callback hashes").
pub fn hmac_sha256_base64(key: &[u8], data: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC takes a key of any length")
    };
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test case 2 (key "Jefe"), as base64.
    #[test]
    fn matches_rfc_4231_case_2() {
        let mac = hmac_sha256_base64(b"Jefe", b"what do ya want for nothing?");
        let hex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let expected = base64::engine::general_purpose::STANDARD.encode(hex::decode(hex).unwrap());
        assert_eq!(mac, expected);
    }
}
