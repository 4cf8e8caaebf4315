//! Double-length triple-DES keys (K1‖K2, EDE with K1 again) as card schemes use them.

use cipher::generic_array::GenericArray;
use cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2};
use zeroize::Zeroizing;

use crate::CryptoError;

/// A 16-byte 3DES key; parity is checked where keys enter the store, not here,
/// so published vectors whose keys ignore parity still run.
pub struct TdesKey(Zeroizing<[u8; 16]>);

impl TdesKey {
    pub fn from_slice(bytes: &[u8]) -> Result<TdesKey, CryptoError> {
        let arr: [u8; 16] = bytes.try_into().map_err(|_| {
            CryptoError::MalformedKey("a 3DES key is 16 bytes (32 hex digits)".into())
        })?;
        Ok(TdesKey(Zeroizing::new(arr)))
    }

    pub fn from_hex(text: &str) -> Result<TdesKey, CryptoError> {
        let bytes = Zeroizing::new(
            hex::decode(text).map_err(|_| CryptoError::MalformedKey("not hexadecimal".into()))?,
        );
        TdesKey::from_slice(&bytes)
    }

    fn left(&self) -> Des {
        Des::new(GenericArray::from_slice(&self.0[..8]))
    }

    #[cfg(test)]
    fn right(&self) -> Des {
        Des::new(GenericArray::from_slice(&self.0[8..]))
    }

    /// Single DES under the left half (K1), as the CVV algorithm's first step uses.
    pub fn encrypt_left(&self, block: [u8; 8]) -> [u8; 8] {
        let mut b = GenericArray::from(block);
        self.left().encrypt_block(&mut b);
        b.into()
    }

    /// Full EDE: E(K1) D(K2) E(K1).
    pub fn encrypt(&self, block: [u8; 8]) -> [u8; 8] {
        let mut b = GenericArray::from(block);
        TdesEde2::new(GenericArray::from_slice(&self.0[..])).encrypt_block(&mut b);
        b.into()
    }

    pub fn decrypt(&self, block: [u8; 8]) -> [u8; 8] {
        let mut b = GenericArray::from(block);
        TdesEde2::new(GenericArray::from_slice(&self.0[..])).decrypt_block(&mut b);
        b.into()
    }

    /// The key check value: first 3 bytes of encrypting 8 zero bytes.
    pub fn kcv(&self) -> String {
        hex::encode_upper(&self.encrypt([0; 8])[..3])
    }

    #[cfg(test)]
    pub(crate) fn right_decrypt(&self, block: [u8; 8]) -> [u8; 8] {
        let mut b = GenericArray::from(block);
        self.right().decrypt_block(&mut b);
        b.into()
    }
}

/// True when every byte has an odd number of set bits, as DES keys must.
pub fn has_odd_parity(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.count_ones() % 2 == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Source: shared/vectors.md "Key check value".
    #[test]
    fn kcv_vector() {
        let key = TdesKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
        assert_eq!(key.kcv(), "08D7B4");
    }

    #[test]
    fn parity() {
        assert!(has_odd_parity(
            &hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap()
        ));
        assert!(!has_odd_parity(
            &hex::decode("0023456789ABCDEFFEDCBA9876543210").unwrap()
        ));
    }

    #[test]
    fn rejects_wrong_lengths() {
        assert!(TdesKey::from_hex("0123").is_err());
        assert!(TdesKey::from_hex("zz23456789ABCDEFFEDCBA9876543210").is_err());
    }

    #[test]
    fn halves_match_ede() {
        let key = TdesKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let block = *b"\x41\x23\x45\x67\x89\x01\x23\x45";
        let manual = key.encrypt_left(key.right_decrypt(key.encrypt_left(block)));
        assert_eq!(manual, key.encrypt(block));
    }
}
