//! The security module interface and its software implementation.

use std::sync::RwLock;

use aes::cipher::generic_array::GenericArray;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine;
use cardhost_domain::card::Pan;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::des::TdesKey;
use crate::keys::KeyKind;
use crate::keystore::{KeyInfo, KeyStore};
use crate::pinblock::{self, Pin, PinBlockFormat};
use crate::secret::random_bytes;
use crate::{cvv, pvv, CryptoError};

const PAN_AAD: &[u8] = b"cardhost-pan";
const PIN_AAD: &[u8] = b"cardhost-pin";
const GCM_NONCE_LEN: usize = 12;

/// A key by name and, for data made under an older key, by version.
#[derive(Debug, Clone, Copy)]
pub struct KeyRef<'a> {
    pub name: &'a str,
    pub version: Option<u32>,
}

impl<'a> KeyRef<'a> {
    pub fn newest(name: &'a str) -> Self {
        KeyRef {
            name,
            version: None,
        }
    }
}

/// The PIN verification key pair and its index (PVKI) a card's PVV is made under.
#[derive(Debug, Clone, Copy)]
pub struct PvvKey<'a> {
    pub pvk: KeyRef<'a>,
    pub pvki: u8,
}

/// Every card-security computation the host needs, by key name, with key
/// material staying behind this interface (an HSM can implement it).
pub trait SecurityModule: Send + Sync {
    /// `"{version}:{base64(nonce ‖ ciphertext ‖ tag)}"` under the newest `pan` key.
    fn encrypt_pan(&self, pan: &Pan) -> Result<String, CryptoError>;
    fn decrypt_pan(&self, stored: &str) -> Result<Pan, CryptoError>;
    /// Keyed HMAC-SHA-256 of the PAN (hex), for look-ups by card number.
    fn fingerprint_pan(&self, pan: &Pan) -> Result<String, CryptoError>;
    /// A stable, opaque card token that reveals nothing about the PAN.
    fn card_token(&self, pan: &Pan) -> Result<String, CryptoError>;
    /// The version new PAN ciphertexts are written under.
    fn pan_key_version(&self) -> Result<u32, CryptoError>;
    /// The newest version of a named key (cards record their CVK/PVK versions).
    fn key_version(&self, name: &str) -> Result<u32, CryptoError>;
    /// Whether `name` is a zone PIN key usable for `format` (3DES for 0/1/3, AES for 4).
    fn is_zone_pin_key(&self, name: &str, format: PinBlockFormat) -> bool;
    /// Visa CVV for a service code (`000` CVV2, `999` iCVV), under a CVK pair.
    fn card_verification_value(
        &self,
        cvk: KeyRef<'_>,
        pan: &Pan,
        expiry_yymm: &str,
        service_code: &str,
    ) -> Result<String, CryptoError>;
    /// A new random PIN of `len` digits: its PVV and its `pin-storage` ciphertext.
    fn generate_pin(
        &self,
        key: PvvKey<'_>,
        pan: &Pan,
        len: usize,
    ) -> Result<(String, String), CryptoError>;
    /// Checks a PIN block against the card's PVV.
    fn verify_pin_block(
        &self,
        zpk: &str,
        format: PinBlockFormat,
        block: &str,
        pan: &Pan,
        key: PvvKey<'_>,
        pvv: &str,
    ) -> Result<bool, CryptoError>;
    /// Takes a new PIN from a block: its PVV and its `pin-storage` ciphertext.
    fn set_pin_from_block(
        &self,
        zpk: &str,
        format: PinBlockFormat,
        block: &str,
        pan: &Pan,
        key: PvvKey<'_>,
    ) -> Result<(String, String), CryptoError>;
    /// The stored PIN as a block of `format` under the zone PIN key `zpk`.
    fn pin_block_from_storage(
        &self,
        stored_pin: &str,
        zpk: &str,
        format: PinBlockFormat,
        pan: &Pan,
    ) -> Result<String, CryptoError>;
    /// Re-enciphers a PIN block from one zone key/format to another.
    fn translate_pin_block(
        &self,
        block: &str,
        from: (&str, PinBlockFormat),
        to: (&str, PinBlockFormat),
        pan: &Pan,
    ) -> Result<String, CryptoError>;
    /// The stored PIN in clear, for the SMS sender alone.
    fn reveal_pin_for_delivery(&self, stored_pin: &str) -> Result<Pin, CryptoError>;
    fn key_infos(&self) -> Vec<KeyInfo>;
    /// Encrypts a secret the host must read back later (a merchant's VPOS store
    /// key), under the data-at-rest key with `purpose` bound in.
    fn seal_secret(&self, purpose: &str, plain: &[u8]) -> Result<String, CryptoError>;
    fn open_secret(&self, purpose: &str, stored: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError>;
}

/// [`SecurityModule`] in software over the [`KeyStore`].
pub struct SoftwareModule {
    keys: RwLock<KeyStore>,
}

impl SoftwareModule {
    pub fn new(keys: KeyStore) -> Self {
        SoftwareModule {
            keys: RwLock::new(keys),
        }
    }

    fn with_keys<T>(
        &self,
        f: impl FnOnce(&KeyStore) -> Result<T, CryptoError>,
    ) -> Result<T, CryptoError> {
        // A poisoned lock only means another thread panicked mid-read; the store is
        // immutable while shared, so its data is still whole.
        let guard = self.keys.read().unwrap_or_else(|p| p.into_inner());
        f(&guard)
    }

    /// Like [`Self::with_keys`], but a key or version this process has not seen
    /// yet (rotated or imported by `cardhost keys` since start) makes it re-read
    /// the key store once and try again.
    fn with_fresh_keys<T>(
        &self,
        f: impl Fn(&KeyStore) -> Result<T, CryptoError>,
    ) -> Result<T, CryptoError> {
        match self.with_keys(&f) {
            Err(CryptoError::UnknownKey(_) | CryptoError::UnknownKeyVersion { .. }) => {
                self.keys
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .reload()?;
                self.with_keys(f)
            }
            other => other,
        }
    }

    fn hmac_hex(&self, key_name: &str, domain: &[u8], data: &[u8]) -> Result<String, CryptoError> {
        self.with_keys(|ks| {
            // Fingerprints and tokens must never change, so they use version 1.
            let key = ks.key(key_name, Some(1), &[KeyKind::Hmac])?;
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.material())
                .map_err(|_| CryptoError::MalformedKey(key_name.to_owned()))?;
            mac.update(domain);
            mac.update(data);
            Ok(hex::encode_upper(mac.finalize().into_bytes()))
        })
    }

    fn seal(&self, key_name: &str, aad: &[u8], plain: &[u8]) -> Result<String, CryptoError> {
        self.with_keys(|ks| {
            let key = ks.key(key_name, None, &[KeyKind::Aes256])?;
            let cipher = Aes256Gcm::new(GenericArray::from_slice(key.material()));
            let nonce = random_bytes(GCM_NONCE_LEN);
            let ct = cipher
                .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
                .map_err(|_| CryptoError::Decrypt)?;
            Ok(format!(
                "{}:{}",
                key.version,
                B64.encode([nonce, ct].concat())
            ))
        })
    }

    fn open(
        &self,
        key_name: &str,
        aad: &[u8],
        stored: &str,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (version, body) = stored.split_once(':').ok_or(CryptoError::Decrypt)?;
        let version: u32 = version.parse().map_err(|_| CryptoError::Decrypt)?;
        let raw = B64.decode(body).map_err(|_| CryptoError::Decrypt)?;
        if raw.len() <= GCM_NONCE_LEN {
            return Err(CryptoError::Decrypt);
        }
        self.with_fresh_keys(|ks| {
            let key = ks.key(key_name, Some(version), &[KeyKind::Aes256])?;
            let cipher = Aes256Gcm::new(GenericArray::from_slice(key.material()));
            let (nonce, ct) = raw.split_at(GCM_NONCE_LEN);
            cipher
                .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
                .map(Zeroizing::new)
                .map_err(|_| CryptoError::Decrypt)
        })
    }

    fn tdes(&self, key: KeyRef<'_>) -> Result<TdesKey, CryptoError> {
        self.with_keys(|ks| {
            TdesKey::from_slice(ks.key(key.name, key.version, &[KeyKind::Tdes])?.material())
        })
    }

    /// A zone PIN key's bytes, checked against the block format's algorithm.
    fn zpk(&self, name: &str, format: PinBlockFormat) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let kinds: &[KeyKind] = if format.is_aes() {
            &[KeyKind::Aes128, KeyKind::Aes256]
        } else {
            &[KeyKind::Tdes]
        };
        self.with_keys(|ks| {
            Ok(Zeroizing::new(
                ks.key(name, None, kinds)?.material().to_vec(),
            ))
        })
    }

    fn decode_block(
        &self,
        zpk: &str,
        format: PinBlockFormat,
        block: &str,
        pan: &Pan,
    ) -> Result<Pin, CryptoError> {
        let key = self.zpk(zpk, format)?;
        pinblock::decode(format, &key, block, pan.expose())
    }

    fn store_pin(&self, pin: &Pin) -> Result<String, CryptoError> {
        self.seal("pin-storage", PIN_AAD, pin.digits().as_bytes())
    }

    /// Re-encrypts a stored PAN under the newest `pan` key (for `keys reencrypt`).
    pub fn reencrypt_pan(&self, stored: &str) -> Result<String, CryptoError> {
        let pan = self.decrypt_pan(stored)?;
        self.encrypt_pan(&pan)
    }
}

impl SecurityModule for SoftwareModule {
    fn encrypt_pan(&self, pan: &Pan) -> Result<String, CryptoError> {
        self.seal("pan", PAN_AAD, pan.expose().as_bytes())
    }

    fn decrypt_pan(&self, stored: &str) -> Result<Pan, CryptoError> {
        let plain = self.open("pan", PAN_AAD, stored)?;
        let text = std::str::from_utf8(&plain).map_err(|_| CryptoError::Decrypt)?;
        Pan::parse(text).map_err(|_| CryptoError::Decrypt)
    }

    fn fingerprint_pan(&self, pan: &Pan) -> Result<String, CryptoError> {
        self.hmac_hex("pan-fingerprint", b"fp:", pan.expose().as_bytes())
    }

    fn card_token(&self, pan: &Pan) -> Result<String, CryptoError> {
        // 128 bits of a keyed MAC: stable per PAN, unlinkable to it without the key.
        let mac = self.hmac_hex("token", b"card-token:", pan.expose().as_bytes())?;
        Ok(mac[..32].to_owned())
    }

    fn pan_key_version(&self) -> Result<u32, CryptoError> {
        self.with_keys(|ks| Ok(ks.current("pan")?.version))
    }

    fn key_version(&self, name: &str) -> Result<u32, CryptoError> {
        self.with_fresh_keys(|ks| Ok(ks.current(name)?.version))
    }

    fn is_zone_pin_key(&self, name: &str, format: PinBlockFormat) -> bool {
        // Only keys named as zone PIN keys, so a caller cannot have a PIN
        // enciphered under, say, a CVK.
        name.starts_with("zpk") && self.zpk(name, format).is_ok()
    }

    fn card_verification_value(
        &self,
        cvk: KeyRef<'_>,
        pan: &Pan,
        expiry_yymm: &str,
        service_code: &str,
    ) -> Result<String, CryptoError> {
        cvv::visa_cvv(&self.tdes(cvk)?, pan.expose(), expiry_yymm, service_code)
    }

    fn generate_pin(
        &self,
        key: PvvKey<'_>,
        pan: &Pan,
        len: usize,
    ) -> Result<(String, String), CryptoError> {
        self.take_pin(key, pan, &Pin::random(len))
    }

    fn verify_pin_block(
        &self,
        zpk: &str,
        format: PinBlockFormat,
        block: &str,
        pan: &Pan,
        key: PvvKey<'_>,
        stored_pvv: &str,
    ) -> Result<bool, CryptoError> {
        let pin = self.decode_block(zpk, format, block, pan)?;
        pvv::verify_pvv(
            &self.tdes(key.pvk)?,
            pan.expose(),
            key.pvki,
            &pin,
            stored_pvv,
        )
    }

    fn set_pin_from_block(
        &self,
        zpk: &str,
        format: PinBlockFormat,
        block: &str,
        pan: &Pan,
        key: PvvKey<'_>,
    ) -> Result<(String, String), CryptoError> {
        let pin = self.decode_block(zpk, format, block, pan)?;
        self.take_pin(key, pan, &pin)
    }

    fn pin_block_from_storage(
        &self,
        stored_pin: &str,
        zpk: &str,
        format: PinBlockFormat,
        pan: &Pan,
    ) -> Result<String, CryptoError> {
        let pin = self.reveal_pin_for_delivery(stored_pin)?;
        let key = self.zpk(zpk, format)?;
        pinblock::encode(format, &key, &pin, pan.expose())
    }

    fn translate_pin_block(
        &self,
        block: &str,
        from: (&str, PinBlockFormat),
        to: (&str, PinBlockFormat),
        pan: &Pan,
    ) -> Result<String, CryptoError> {
        let pin = self.decode_block(from.0, from.1, block, pan)?;
        let key = self.zpk(to.0, to.1)?;
        pinblock::encode(to.1, &key, &pin, pan.expose())
    }

    fn reveal_pin_for_delivery(&self, stored_pin: &str) -> Result<Pin, CryptoError> {
        let plain = self.open("pin-storage", PIN_AAD, stored_pin)?;
        Pin::new(std::str::from_utf8(&plain).map_err(|_| CryptoError::Decrypt)?)
    }

    fn key_infos(&self) -> Vec<KeyInfo> {
        self.with_keys(|ks| Ok(ks.list())).unwrap_or_default()
    }

    fn seal_secret(&self, purpose: &str, plain: &[u8]) -> Result<String, CryptoError> {
        self.seal(
            "pan",
            format!("cardhost-secret:{purpose}").as_bytes(),
            plain,
        )
    }

    fn open_secret(&self, purpose: &str, stored: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.open(
            "pan",
            format!("cardhost-secret:{purpose}").as_bytes(),
            stored,
        )
    }
}

impl SoftwareModule {
    /// A card's new PIN: its PVV and its `pin-storage` ciphertext.
    fn take_pin(
        &self,
        key: PvvKey<'_>,
        pan: &Pan,
        pin: &Pin,
    ) -> Result<(String, String), CryptoError> {
        let pvv = pvv::visa_pvv(&self.tdes(key.pvk)?, pan.expose(), key.pvki, pin)?;
        Ok((pvv, self.store_pin(pin)?))
    }

    /// Adds a new version of a key (for `keys rotate` on a running module).
    pub fn rotate(&self, name: &str) -> Result<KeyInfo, CryptoError> {
        let mut guard = self.keys.write().unwrap_or_else(|p| p.into_inner());
        guard.rotate(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MasterKey;

    fn module() -> SoftwareModule {
        let dir =
            std::env::temp_dir().join(format!("cardhost-mod-{}", hex::encode(random_bytes(6))));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ks = KeyStore::create(&dir.join("k.json"), MasterKey::generate()).unwrap();
        ks.import("cvk", "0123456789ABCDEFFEDCBA9876543210", None, true)
            .unwrap();
        SoftwareModule::new(ks)
    }

    fn pan(s: &str) -> Pan {
        Pan::parse(s).unwrap()
    }

    #[test]
    fn pan_encryption_round_trips_and_survives_rotation() {
        let m = module();
        let p = pan("4111111111111111");
        let old = m.encrypt_pan(&p).unwrap();
        assert!(old.starts_with("1:"));
        assert!(!old.contains("4111111111111111"));
        assert_ne!(old, m.encrypt_pan(&p).unwrap(), "fresh nonce each time");
        m.rotate("pan").unwrap();
        let new = m.encrypt_pan(&p).unwrap();
        assert!(new.starts_with("2:"));
        assert_eq!(m.decrypt_pan(&old).unwrap(), p);
        assert_eq!(m.decrypt_pan(&new).unwrap(), p);
        assert_eq!(m.reencrypt_pan(&old).unwrap().split(':').next(), Some("2"));
        assert!(m.decrypt_pan("1:AAAA").is_err());
        assert!(m.decrypt_pan("garbage").is_err());
    }

    #[test]
    fn a_version_rotated_elsewhere_is_picked_up() {
        let dir =
            std::env::temp_dir().join(format!("cardhost-mod-{}", hex::encode(random_bytes(6))));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.json");
        let master = MasterKey::generate();
        let running = SoftwareModule::new(KeyStore::create(&path, master.clone()).unwrap());
        // Another process (the `keys rotate` command) adds version 2 to the file.
        let other = SoftwareModule::new(KeyStore::open(&path, master).unwrap());
        other.rotate("pan").unwrap();
        let p = pan("4111111111111111");
        let written_elsewhere = other.encrypt_pan(&p).unwrap();
        assert!(written_elsewhere.starts_with("2:"));
        assert_eq!(running.decrypt_pan(&written_elsewhere).unwrap(), p);
        assert_eq!(running.pan_key_version().unwrap(), 2, "reloaded");
    }

    #[test]
    fn fingerprints_and_tokens_are_stable_and_opaque() {
        let m = module();
        let a = pan("4111111111111111");
        let b = pan("5555555555554444");
        assert_eq!(
            m.fingerprint_pan(&a).unwrap(),
            m.fingerprint_pan(&a).unwrap()
        );
        assert_ne!(
            m.fingerprint_pan(&a).unwrap(),
            m.fingerprint_pan(&b).unwrap()
        );
        let t = m.card_token(&a).unwrap();
        assert_eq!(t.len(), 32);
        assert_eq!(t, m.card_token(&a).unwrap());
        assert_ne!(t, m.fingerprint_pan(&a).unwrap()[..32]);
        assert!(!t.contains("411111"));
    }

    #[test]
    fn cvv2_uses_the_imported_cvk() {
        let m = module();
        let cvk = KeyRef {
            name: "cvk",
            version: Some(2),
        };
        // The vector PANs are not Luhn-valid, so the module (which takes only real
        // PANs) is checked against the vector-verified algorithm under the same key.
        let raw = cvv::visa_cvv(
            &TdesKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap(),
            "4111111111111111",
            "2812",
            "000",
        )
        .unwrap();
        let v = m
            .card_verification_value(cvk, &pan("4111111111111111"), "2812", "000")
            .unwrap();
        assert_eq!(v, raw);
        let newest = m
            .card_verification_value(
                KeyRef::newest("cvk"),
                &pan("4111111111111111"),
                "2812",
                "000",
            )
            .unwrap();
        assert_eq!(newest, raw, "the import made version 2 the newest");
    }

    #[test]
    fn pin_lifecycle() {
        let m = module();
        let p = pan("4111111111111111");
        let pvk = PvvKey {
            pvk: KeyRef::newest("pvk"),
            pvki: 1,
        };
        let (pvv, stored) = m.generate_pin(pvk, &p, 4).unwrap();
        assert_eq!(pvv.len(), 4);
        for format in [
            PinBlockFormat::Iso0,
            PinBlockFormat::Iso1,
            PinBlockFormat::Iso3,
        ] {
            let block = m
                .pin_block_from_storage(&stored, "zpk", format, &p)
                .unwrap();
            assert!(m
                .verify_pin_block("zpk", format, &block, &p, pvk, &pvv)
                .unwrap());
        }
        let block4 = m
            .pin_block_from_storage(&stored, "zpk-aes", PinBlockFormat::Iso4, &p)
            .unwrap();
        assert!(m
            .verify_pin_block("zpk-aes", PinBlockFormat::Iso4, &block4, &p, pvk, &pvv)
            .unwrap());
        let block0 = m
            .translate_pin_block(
                &block4,
                ("zpk-aes", PinBlockFormat::Iso4),
                ("zpk", PinBlockFormat::Iso0),
                &p,
            )
            .unwrap();
        assert!(m
            .verify_pin_block("zpk", PinBlockFormat::Iso0, &block0, &p, pvk, &pvv)
            .unwrap());
        // A format-4 block under a 3DES key is refused by kind, not misread.
        assert!(m
            .pin_block_from_storage(&stored, "zpk", PinBlockFormat::Iso4, &p)
            .is_err());
        let new_block = pinblock::encode(
            PinBlockFormat::Iso0,
            &m.zpk("zpk", PinBlockFormat::Iso0).unwrap(),
            &Pin::new("4321").unwrap(),
            p.expose(),
        )
        .unwrap();
        let (pvv2, stored2) = m
            .set_pin_from_block("zpk", PinBlockFormat::Iso0, &new_block, &p, pvk)
            .unwrap();
        assert_eq!(
            m.reveal_pin_for_delivery(&stored2).unwrap().digits(),
            "4321"
        );
        assert!(m
            .verify_pin_block("zpk", PinBlockFormat::Iso0, &new_block, &p, pvk, &pvv2)
            .unwrap());
        assert!(!stored2.contains("4321"));
    }
}
