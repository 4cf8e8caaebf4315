//! ISO 9564-1 PIN blocks: formats 0, 1 and 3 (8 bytes, under a 3DES zone PIN key)
//! and format 4 (16 bytes, under an AES zone PIN key).

use aes::cipher::consts::U16;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, BlockSizeUser, KeyInit};
use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

use crate::des::TdesKey;
use crate::CryptoError;

type AesBlock = GenericArray<u8, U16>;

/// A clear PIN of 4–12 digits, wiped on drop and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    pub fn new(digits: &str) -> Result<Pin, CryptoError> {
        if !(4..=12).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CryptoError::MalformedPin("a PIN is 4 to 12 digits"));
        }
        Ok(Pin(Zeroizing::new(digits.to_owned())))
    }

    /// A random PIN of `len` digits.
    pub fn random(len: usize) -> Pin {
        let mut rng = rand::rngs::OsRng;
        let digits: String = (0..len.clamp(4, 12))
            .map(|_| char::from(b'0' + (rng.next_u32() % 10) as u8))
            .collect();
        Pin(Zeroizing::new(digits))
    }

    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(****)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinBlockFormat {
    Iso0,
    Iso1,
    Iso3,
    Iso4,
}

impl PinBlockFormat {
    /// The wire's `PinBlockFormat` number.
    pub fn from_number(n: i64) -> Option<PinBlockFormat> {
        match n {
            0 => Some(Self::Iso0),
            1 => Some(Self::Iso1),
            3 => Some(Self::Iso3),
            4 => Some(Self::Iso4),
            _ => None,
        }
    }

    /// Format 4 is the AES one; the others are 8-byte DES blocks.
    pub fn is_aes(self) -> bool {
        matches!(self, Self::Iso4)
    }
}

fn nibbles_to_bytes<const N: usize>(nibbles: &[u8]) -> Zeroizing<[u8; N]> {
    let mut out = Zeroizing::new([0u8; N]);
    for (i, pair) in nibbles.chunks(2).enumerate() {
        out[i] = (pair[0] << 4) | pair[1];
    }
    out
}

fn bytes_to_nibbles(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(bytes.iter().flat_map(|b| [b >> 4, b & 0x0F]).collect())
}

fn pan_digits(pan: &str) -> Result<Vec<u8>, CryptoError> {
    if !(12..=19).contains(&pan.len()) || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CryptoError::MalformedCardData(
            "PAN must be 12 to 19 digits",
        ));
    }
    Ok(pan.bytes().map(|b| b - b'0').collect())
}

/// Formats 0 and 3: `0000` ‖ the 12 rightmost PAN digits without the check digit.
fn pan_field_8(pan: &str) -> Result<[u8; 8], CryptoError> {
    let d = pan_digits(pan)?;
    let body = &d[..d.len() - 1];
    let mut nibbles = vec![0u8; 4];
    nibbles.extend_from_slice(&body[body.len() - 12..]);
    Ok(*nibbles_to_bytes::<8>(&nibbles))
}

/// Format 4: (PAN length − 12) ‖ the PAN ‖ zero padding to 32 nibbles.
fn pan_field_16(pan: &str) -> Result<[u8; 16], CryptoError> {
    let d = pan_digits(pan)?;
    let mut nibbles = vec![(d.len() - 12) as u8];
    nibbles.extend_from_slice(&d);
    nibbles.resize(32, 0);
    Ok(*nibbles_to_bytes::<16>(&nibbles))
}

fn random_nibble(min: u8) -> u8 {
    min + (rand::rngs::OsRng.next_u32() % u32::from(16 - min)) as u8
}

/// The clear (not yet enciphered) 8-byte PIN block of formats 0, 1, 3.
pub fn clear_block_8(
    format: PinBlockFormat,
    pin: &Pin,
    pan: Option<&str>,
) -> Result<Zeroizing<[u8; 8]>, CryptoError> {
    let digits = pin.digits().as_bytes();
    let control = match format {
        PinBlockFormat::Iso0 => 0,
        PinBlockFormat::Iso1 => 1,
        PinBlockFormat::Iso3 => 3,
        PinBlockFormat::Iso4 => {
            return Err(CryptoError::MalformedPinBlock(
                "format 4 is a 16-byte AES block",
            ))
        }
    };
    let mut nibbles = Zeroizing::new(vec![control, digits.len() as u8]);
    nibbles.extend(digits.iter().map(|b| b - b'0'));
    while nibbles.len() < 16 {
        nibbles.push(match format {
            PinBlockFormat::Iso0 => 0xF,
            PinBlockFormat::Iso1 => random_nibble(0),
            _ => random_nibble(0xA),
        });
    }
    let mut block = nibbles_to_bytes::<8>(&nibbles);
    if format != PinBlockFormat::Iso1 {
        let pan = pan.ok_or(CryptoError::MalformedCardData(
            "this PIN block format needs the PAN",
        ))?;
        let field = pan_field_8(pan)?;
        for (b, p) in block.iter_mut().zip(field) {
            *b ^= p;
        }
    }
    Ok(block)
}

/// Reads the PIN out of a clear 8-byte block, checking every fill rule.
pub fn decode_block_8(
    format: PinBlockFormat,
    block: &[u8; 8],
    pan: Option<&str>,
) -> Result<Pin, CryptoError> {
    let mut clear = Zeroizing::new(*block);
    if format != PinBlockFormat::Iso1 {
        let pan = pan.ok_or(CryptoError::MalformedCardData(
            "this PIN block format needs the PAN",
        ))?;
        for (b, p) in clear.iter_mut().zip(pan_field_8(pan)?) {
            *b ^= p;
        }
    }
    let nibbles = bytes_to_nibbles(&clear[..]);
    let expected_control = match format {
        PinBlockFormat::Iso0 => 0,
        PinBlockFormat::Iso1 => 1,
        PinBlockFormat::Iso3 => 3,
        PinBlockFormat::Iso4 => {
            return Err(CryptoError::MalformedPinBlock(
                "format 4 is a 16-byte AES block",
            ))
        }
    };
    if nibbles[0] != expected_control {
        return Err(CryptoError::MalformedPinBlock(
            "control field does not match the format",
        ));
    }
    let len = usize::from(nibbles[1]);
    if !(4..=12).contains(&len) {
        return Err(CryptoError::MalformedPinBlock("PIN length must be 4 to 12"));
    }
    let pin_nibbles = &nibbles[2..2 + len];
    if pin_nibbles.iter().any(|&n| n > 9) {
        return Err(CryptoError::MalformedPinBlock("PIN digits must be 0-9"));
    }
    let fill = &nibbles[2 + len..];
    let fill_ok = match format {
        PinBlockFormat::Iso0 => fill.iter().all(|&n| n == 0xF),
        PinBlockFormat::Iso3 => fill.iter().all(|&n| n >= 0xA),
        _ => true,
    };
    if !fill_ok {
        return Err(CryptoError::MalformedPinBlock(
            "fill digits do not match the format",
        ));
    }
    let mut text: String = pin_nibbles.iter().map(|n| char::from(b'0' + n)).collect();
    let pin = Pin::new(&text);
    text.zeroize();
    pin
}

/// The 16-byte plain-text PIN field of format 4: `4` ‖ length ‖ PIN ‖ `A` fill to
/// 16 nibbles ‖ 16 random nibbles.
fn pin_field_16(pin: &Pin) -> Zeroizing<[u8; 16]> {
    let digits = pin.digits().as_bytes();
    let mut nibbles = Zeroizing::new(vec![4u8, digits.len() as u8]);
    nibbles.extend(digits.iter().map(|b| b - b'0'));
    nibbles.resize(16, 0xA);
    while nibbles.len() < 32 {
        nibbles.push(random_nibble(0));
    }
    nibbles_to_bytes::<16>(&nibbles)
}

/// Enciphers a format 4 block: E(K, E(K, PIN field) ⊕ PAN field).
pub fn encipher_iso4_with_field(
    key: &[u8],
    pin_field: &[u8; 16],
    pan: &str,
) -> Result<[u8; 16], CryptoError> {
    let pan_field = pan_field_16(pan)?;
    let mut block = GenericArray::clone_from_slice(pin_field);
    aes(key, &mut block, Aes::Encrypt)?;
    for (b, p) in block.iter_mut().zip(pan_field) {
        *b ^= p;
    }
    aes(key, &mut block, Aes::Encrypt)?;
    Ok(block.into())
}

pub fn encipher_iso4(key: &[u8], pin: &Pin, pan: &str) -> Result<[u8; 16], CryptoError> {
    encipher_iso4_with_field(key, &pin_field_16(pin), pan)
}

pub fn decipher_iso4(key: &[u8], block: &[u8; 16], pan: &str) -> Result<Pin, CryptoError> {
    let pan_field = pan_field_16(pan)?;
    let mut b = GenericArray::clone_from_slice(block);
    aes(key, &mut b, Aes::Decrypt)?;
    for (x, p) in b.iter_mut().zip(pan_field) {
        *x ^= p;
    }
    aes(key, &mut b, Aes::Decrypt)?;
    let nibbles = bytes_to_nibbles(&b);
    b.zeroize();
    if nibbles[0] != 4 {
        return Err(CryptoError::MalformedPinBlock(
            "control field does not match the format",
        ));
    }
    let len = usize::from(nibbles[1]);
    if !(4..=12).contains(&len) {
        return Err(CryptoError::MalformedPinBlock("PIN length must be 4 to 12"));
    }
    if nibbles[2..2 + len].iter().any(|&n| n > 9) {
        return Err(CryptoError::MalformedPinBlock("PIN digits must be 0-9"));
    }
    if nibbles[2 + len..16].iter().any(|&n| n != 0xA) {
        return Err(CryptoError::MalformedPinBlock(
            "fill digits do not match the format",
        ));
    }
    let mut text: String = nibbles[2..2 + len]
        .iter()
        .map(|n| char::from(b'0' + n))
        .collect();
    let pin = Pin::new(&text);
    text.zeroize();
    pin
}

/// Which way a block goes through AES.
#[derive(Clone, Copy)]
enum Aes {
    Encrypt,
    Decrypt,
}

/// One AES block in place, with a 128-, 192- or 256-bit key.
fn aes(key: &[u8], block: &mut AesBlock, way: Aes) -> Result<(), CryptoError> {
    fn run<C: KeyInit + BlockEncrypt + BlockDecrypt + BlockSizeUser<BlockSize = U16>>(
        key: &[u8],
        block: &mut AesBlock,
        way: Aes,
    ) -> Result<(), CryptoError> {
        let cipher =
            C::new_from_slice(key).map_err(|_| CryptoError::MalformedKey("AES key".into()))?;
        match way {
            Aes::Encrypt => cipher.encrypt_block(block),
            Aes::Decrypt => cipher.decrypt_block(block),
        }
        Ok(())
    }
    match key.len() {
        16 => run::<aes::Aes128>(key, block, way),
        24 => run::<aes::Aes192>(key, block, way),
        32 => run::<aes::Aes256>(key, block, way),
        _ => Err(CryptoError::MalformedKey(
            "an AES key is 16, 24 or 32 bytes".into(),
        )),
    }
}

/// Enciphers a PIN as a block of `format` under a zone PIN key (3DES for 0/1/3,
/// AES for 4); hex upper-case.
pub fn encode(
    format: PinBlockFormat,
    zpk: &[u8],
    pin: &Pin,
    pan: &str,
) -> Result<String, CryptoError> {
    if format.is_aes() {
        return Ok(hex::encode_upper(encipher_iso4(zpk, pin, pan)?));
    }
    let key = TdesKey::from_slice(zpk)?;
    let clear = clear_block_8(format, pin, Some(pan))?;
    Ok(hex::encode_upper(key.encrypt(*clear)))
}

/// Deciphers a hex PIN block of `format` under a zone PIN key and reads the PIN.
pub fn decode(
    format: PinBlockFormat,
    zpk: &[u8],
    block_hex: &str,
    pan: &str,
) -> Result<Pin, CryptoError> {
    let bytes = Zeroizing::new(
        hex::decode(block_hex).map_err(|_| CryptoError::MalformedPinBlock("not hexadecimal"))?,
    );
    if format.is_aes() {
        let block: [u8; 16] = bytes[..]
            .try_into()
            .map_err(|_| CryptoError::MalformedPinBlock("a format 4 block is 32 hex digits"))?;
        return decipher_iso4(zpk, &block, pan);
    }
    let block: [u8; 8] = bytes[..]
        .try_into()
        .map_err(|_| CryptoError::MalformedPinBlock("a format 0, 1 or 3 block is 16 hex digits"))?;
    let key = TdesKey::from_slice(zpk)?;
    let clear = Zeroizing::new(key.decrypt(block));
    decode_block_8(format, &clear, Some(pan))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(s: &str) -> Pin {
        Pin::new(s).unwrap()
    }

    fn hex8(s: &str) -> [u8; 8] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    // Source: ID TECH knowledge base (BP-Tools output), shared/vectors.md.
    #[test]
    fn format0_idtech() {
        let b = clear_block_8(
            PinBlockFormat::Iso0,
            &pin("1234"),
            Some("43219876543210987"),
        )
        .unwrap();
        assert_eq!(hex::encode_upper(*b), "0412AC89ABCDEF67");
    }

    // Source: moov-io/pinblock `formats/iso0_test.go`.
    #[test]
    fn format0_moov() {
        let b =
            clear_block_8(PinBlockFormat::Iso0, &pin("1234"), Some("5432101234567891")).unwrap();
        assert_eq!(hex::encode_upper(*b), "041215FEDCBA9876");
    }

    // Source: Thales payShield manual, format 01.
    #[test]
    fn format0_thales() {
        let b = clear_block_8(PinBlockFormat::Iso0, &pin("92389"), Some("4000001234562")).unwrap();
        assert_eq!(hex::encode_upper(*b), "0592789FFFEDCBA9");
    }

    // Source: cardutil tests (github.com/adelosa/cardutil).
    #[test]
    fn format0_cardutil_enciphered() {
        let b =
            clear_block_8(PinBlockFormat::Iso0, &pin("1234"), Some("1111222233334444")).unwrap();
        assert_eq!(hex::encode_upper(*b), "041226DDDCCCCBBB");
        assert_eq!(
            encode(
                PinBlockFormat::Iso0,
                &[0u8; 16],
                &pin("1234"),
                "1111222233334444"
            )
            .unwrap(),
            "4C0906D10308871A"
        );
        let back = decode(
            PinBlockFormat::Iso0,
            &[0u8; 16],
            "4C0906D10308871A",
            "1111222233334444",
        )
        .unwrap();
        assert_eq!(back.digits(), "1234");
    }

    // Source: openemv/pinblock `test/pinblock_format1_test.c`.
    #[test]
    fn format1_decodes() {
        let p = decode_block_8(PinBlockFormat::Iso1, &hex8("1512345EDCBA9876"), None).unwrap();
        assert_eq!(p.digits(), "12345");
    }

    // Source: moov-io/pinblock.
    #[test]
    fn format3_decodes() {
        let p = decode_block_8(
            PinBlockFormat::Iso3,
            &hex8("341215FEDCBA9876"),
            Some("5432101234567891"),
        )
        .unwrap();
        assert_eq!(p.digits(), "1234");
    }

    // Source: psec tests: a fill nibble below A must be rejected.
    #[test]
    fn format3_rejects_bad_fill() {
        let r = decode_block_8(
            PinBlockFormat::Iso3,
            &hex8("341261AAAAEDCBA2"),
            Some("5555555551234567"),
        );
        assert!(matches!(r, Err(CryptoError::MalformedPinBlock(_))));
    }

    // Source: ANSI X9.24-3:2017 supplement, as transcribed in openemv/dukpt
    // `test/dukpt_aes_test.c`.
    #[test]
    fn format4_vector() {
        let key = hex::decode("AF8CB133A78F8DC2D1359F18527593FB").unwrap();
        let field: [u8; 16] = hex::decode("441234AAAAAAAAAA2F69ADDE2E9E7ACE")
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(
            hex::encode(pan_field_16("4111111111111111").unwrap()),
            "44111111111111111000000000000000"
        );
        let block = encipher_iso4_with_field(&key, &field, "4111111111111111").unwrap();
        assert_eq!(hex::encode_upper(block), "A912150391AB65A67E52883D81CE2D15");
        let p = decipher_iso4(&key, &block, "4111111111111111").unwrap();
        assert_eq!(p.digits(), "1234");
    }

    #[test]
    fn round_trips_every_format() {
        let zpk = hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let aes = hex::decode("AF8CB133A78F8DC2D1359F18527593FB").unwrap();
        for pan in ["4111111111111111", "4000001234562", "5432101234567891234"] {
            for digits in ["1234", "0000", "987654321012"] {
                for (format, key) in [
                    (PinBlockFormat::Iso0, &zpk),
                    (PinBlockFormat::Iso1, &zpk),
                    (PinBlockFormat::Iso3, &zpk),
                    (PinBlockFormat::Iso4, &aes),
                ] {
                    let block = encode(format, key, &pin(digits), pan).unwrap();
                    assert_eq!(
                        decode(format, key, &block, pan).unwrap().digits(),
                        digits,
                        "{format:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn rejects_malformed_blocks_and_pins() {
        let zpk = hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap();
        assert!(decode(PinBlockFormat::Iso0, &zpk, "XYZ", "4111111111111111").is_err());
        assert!(decode(PinBlockFormat::Iso0, &zpk, "0412AC89", "4111111111111111").is_err());
        assert!(decode(
            PinBlockFormat::Iso4,
            &zpk[..16],
            "0412AC89ABCDEF67",
            "4111111111111111"
        )
        .is_err());
        // A block enciphered as format 0 is not a valid format 3 block.
        let block = encode(PinBlockFormat::Iso0, &zpk, &pin("1234"), "4111111111111111").unwrap();
        assert!(decode(PinBlockFormat::Iso3, &zpk, &block, "4111111111111111").is_err());
        assert!(Pin::new("123").is_err());
        assert!(Pin::new("12a4").is_err());
        assert!(decode(PinBlockFormat::Iso0, &zpk, &block, "41111").is_err());
    }

    #[test]
    fn pin_debug_hides_digits() {
        assert_eq!(format!("{:?}", pin("1234")), "Pin(****)");
    }
}
