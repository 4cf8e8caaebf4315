//! Card cryptography written again, independently of `cardhost-crypto`, from
//! the algorithms' public descriptions: the tests compare the host against it.

#![allow(deprecated)] // generic-array 0.14 behind the des crate's cipher 0.4

use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Visa CVV: E_A(block1) ⊕ block2, then 3DES; decimal digits first, then A–F as 0–5.
pub fn visa_cvv(cvk_hex: &str, pan: &str, expiry: &str, service_code: &str) -> String {
    let key = unhex(cvk_hex);
    let data = format!(
        "{pan}{expiry}{service_code}{}",
        "0".repeat(32 - pan.len() - 7)
    );
    let b1 = unhex(&data[..16]);
    let b2 = unhex(&data[16..32]);
    let mut block = GenericArray::clone_from_slice(&b1);
    Des::new(GenericArray::from_slice(&key[..8])).encrypt_block(&mut block);
    for (x, y) in block.iter_mut().zip(&b2) {
        *x ^= y;
    }
    TdesEde2::new(GenericArray::from_slice(&key)).encrypt_block(&mut block);
    let hexed: String = block.iter().map(|b| format!("{b:02X}")).collect();
    let digits = hexed.chars().filter(char::is_ascii_digit);
    let letters = hexed
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .map(|c| char::from(c as u8 - b'A' + b'0'));
    digits.chain(letters).take(3).collect()
}

/// An ISO 9564 format 0 PIN block under a double-length 3DES key, hex.
pub fn iso0_block(zpk_hex: &str, pin: &str, pan: &str) -> String {
    let pin_field = unhex(&format!(
        "0{}{pin}{}",
        pin.len(),
        "F".repeat(14 - pin.len())
    ));
    let body = &pan[..pan.len() - 1];
    let pan_field = unhex(&format!("0000{}", &body[body.len() - 12..]));
    let mut block = GenericArray::clone_from_slice(
        &pin_field
            .iter()
            .zip(&pan_field)
            .map(|(a, b)| a ^ b)
            .collect::<Vec<u8>>(),
    );
    TdesEde2::new(GenericArray::from_slice(&unhex(zpk_hex))).encrypt_block(&mut block);
    block.iter().map(|b| format!("{b:02X}")).collect()
}

/// The PIN inside a format 0 block (inverse of [`iso0_block`]).
pub fn iso0_pin(zpk_hex: &str, block_hex: &str, pan: &str) -> String {
    let mut block = GenericArray::clone_from_slice(&unhex(block_hex));
    TdesEde2::new(GenericArray::from_slice(&unhex(zpk_hex))).decrypt_block(&mut block);
    let body = &pan[..pan.len() - 1];
    let pan_field = unhex(&format!("0000{}", &body[body.len() - 12..]));
    let clear: String = block
        .iter()
        .zip(&pan_field)
        .map(|(a, b)| format!("{:02X}", a ^ b))
        .collect();
    let len = usize::from_str_radix(&clear[1..2], 16).unwrap();
    clear[2..2 + len].to_owned()
}

#[test]
fn independent_implementation_matches_published_vectors() {
    // shared/vectors.md: Visa CVV table and the ISO 0 cardutil vector.
    assert_eq!(
        visa_cvv(
            "0123456789ABCDEFFEDCBA9876543210",
            "4123456789012345",
            "8701",
            "101"
        ),
        "561"
    );
    assert_eq!(
        visa_cvv(
            "0123456789ABCDEFFEDCBA9876543210",
            "4123456789012345",
            "8701",
            "111"
        ),
        "856"
    );
    assert_eq!(
        iso0_block(
            "00000000000000000000000000000000",
            "1234",
            "1111222233334444"
        ),
        "4C0906D10308871A"
    );
    assert_eq!(
        iso0_pin(
            "00000000000000000000000000000000",
            "4C0906D10308871A",
            "1111222233334444"
        ),
        "1234"
    );
}

/// The signature of a callback (vpos.md, "Callback hashes"): base64 of
/// HMAC-SHA256 under the merchant's store key over the parts joined.
pub fn callback_hash(store_key: &str, parts: &[&str]) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(store_key.as_bytes()).unwrap();
    mac.update(parts.concat().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), table-free, as the EMV QR
/// specification uses it.
pub fn crc16_ccitt_false(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        for bit in (0..8).rev() {
            let top = (crc >> 15) & 1;
            let input = u16::from((byte >> bit) & 1);
            crc <<= 1;
            if top ^ input == 1 {
                crc ^= 0x1021;
            }
        }
    }
    crc
}
