//! Keys: what each kind is for and how long it is, the master key, check
//! values, and new key material.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncrypt, KeyInit};
use aes_gcm::Aes256Gcm;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::des::{has_odd_parity, TdesKey};
use crate::secret::random_bytes;
use crate::CryptoError;

/// What a key is for, which fixes its algorithm and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// Double-length triple-DES (CVK, PVK, ZPK pairs), 16 bytes, odd parity.
    Tdes,
    Aes128,
    Aes256,
    /// HMAC-SHA-256 key, 32 bytes.
    Hmac,
}

impl KeyKind {
    pub fn label(self) -> &'static str {
        match self {
            KeyKind::Tdes => "3des",
            KeyKind::Aes128 => "aes-128",
            KeyKind::Aes256 => "aes-256",
            KeyKind::Hmac => "hmac",
        }
    }

    pub(crate) fn len(self) -> usize {
        match self {
            KeyKind::Tdes | KeyKind::Aes128 => 16,
            KeyKind::Aes256 | KeyKind::Hmac => 32,
        }
    }

    /// The kind a default key name implies (security.md, Keys).
    pub fn for_default_name(name: &str) -> Option<KeyKind> {
        match name {
            "cvk" | "pvk" | "zpk" => Some(KeyKind::Tdes),
            "zpk-aes" => Some(KeyKind::Aes128),
            "pan" | "pin-storage" => Some(KeyKind::Aes256),
            "pan-fingerprint" | "token" => Some(KeyKind::Hmac),
            _ => None,
        }
    }

    /// `--kind des|aes|hmac` plus the key's length decide the kind of an import.
    pub fn from_flag(flag: &str, len: usize) -> Result<KeyKind, CryptoError> {
        match (flag, len) {
            ("des" | "3des" | "tdes", _) => Ok(KeyKind::Tdes),
            ("aes", 16) => Ok(KeyKind::Aes128),
            ("aes", 32) => Ok(KeyKind::Aes256),
            ("aes", _) => Err(CryptoError::MalformedKey(
                "an AES key is 32 or 64 hex digits".into(),
            )),
            ("hmac", _) => Ok(KeyKind::Hmac),
            _ => Err(CryptoError::MalformedKey(format!(
                "unknown key kind '{flag}' (des, aes, hmac)"
            ))),
        }
    }
}

/// Every key the host uses by default (security.md, Keys).
pub const DEFAULT_KEYS: [(&str, KeyKind); 8] = [
    ("pan", KeyKind::Aes256),
    ("pan-fingerprint", KeyKind::Hmac),
    ("token", KeyKind::Hmac),
    ("pin-storage", KeyKind::Aes256),
    ("cvk", KeyKind::Tdes),
    ("pvk", KeyKind::Tdes),
    ("zpk", KeyKind::Tdes),
    ("zpk-aes", KeyKind::Aes128),
];

/// The 256-bit key that wraps every data key.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    pub fn from_hex(text: &str) -> Result<MasterKey, CryptoError> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| {
            CryptoError::MalformedMasterKey("must be 64 hexadecimal digits".into())
        })?);
        let arr: [u8; 32] = bytes[..]
            .try_into()
            .map_err(|_| CryptoError::MalformedMasterKey("must be 64 hexadecimal digits".into()))?;
        Ok(MasterKey(Zeroizing::new(arr)))
    }

    pub fn generate() -> MasterKey {
        let mut arr = Zeroizing::new([0u8; 32]);
        arr.copy_from_slice(&random_bytes(32));
        MasterKey(arr)
    }

    /// The hex form, for writing a development master key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode_upper(&self.0[..]))
    }

    pub fn kcv(&self) -> String {
        aes_kcv(&self.0[..])
    }

    pub(crate) fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(GenericArray::from_slice(&self.0[..]))
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey(kcv {})", self.kcv())
    }
}

fn aes_kcv(key: &[u8]) -> String {
    let mut block = GenericArray::from([0u8; 16]);
    match key.len() {
        16 => aes::Aes128::new(GenericArray::from_slice(key)).encrypt_block(&mut block),
        32 => aes::Aes256::new(GenericArray::from_slice(key)).encrypt_block(&mut block),
        _ => return String::new(),
    }
    hex::encode_upper(&block[..3])
}

/// KCV as HSMs show it: first 3 bytes of encrypting a zero block; an HMAC key
/// has no cipher, so its check value is the first 3 bytes of its MAC of an empty message.
pub fn kcv(kind: KeyKind, material: &[u8]) -> String {
    match kind {
        KeyKind::Tdes => TdesKey::from_slice(material)
            .map(|k| k.kcv())
            .unwrap_or_default(),
        KeyKind::Aes128 | KeyKind::Aes256 => aes_kcv(material),
        KeyKind::Hmac => match <Hmac<Sha256> as Mac>::new_from_slice(material) {
            Ok(mac) => hex::encode_upper(&mac.finalize().into_bytes()[..3]),
            Err(_) => String::new(),
        },
    }
}

pub(crate) fn generate_material(kind: KeyKind) -> Zeroizing<Vec<u8>> {
    let mut bytes = Zeroizing::new(random_bytes(kind.len()));
    if kind == KeyKind::Tdes {
        for b in bytes.iter_mut() {
            // Keep the 7 key bits; set the low bit so the byte has odd parity.
            let high = *b & 0xFE;
            *b = high | u8::from(high.count_ones() % 2 == 0);
        }
    }
    bytes
}

pub(crate) fn check_material(kind: KeyKind, material: &[u8]) -> Result<(), CryptoError> {
    let ok_len = match kind {
        KeyKind::Hmac => (16..=64).contains(&material.len()),
        _ => material.len() == kind.len(),
    };
    if !ok_len {
        return Err(CryptoError::MalformedKey(format!(
            "a {} key is {} hex digits",
            kind.label(),
            kind.len() * 2
        )));
    }
    if kind == KeyKind::Tdes && !has_odd_parity(material) {
        return Err(CryptoError::MalformedKey(
            "a 3DES key must have odd parity in every byte".into(),
        ));
    }
    if kind == KeyKind::Tdes && material[..8] == material[8..] {
        return Err(CryptoError::MalformedKey(
            "the two halves of a 3DES key must differ".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_des_keys_have_odd_parity() {
        for _ in 0..50 {
            assert!(has_odd_parity(&generate_material(KeyKind::Tdes)));
        }
    }
}
