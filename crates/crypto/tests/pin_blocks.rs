//! Property tests of the PIN block formats (ISO 9564 0, 1, 3 and 4): every
//! PIN of 4 to 12 digits with any card number reads back from its block
//! under the same key, and any text offered as a block is a PIN or an error,
//! never a panic.

use cardhost_crypto::pinblock::{decode, encode, Pin, PinBlockFormat};
use proptest::prelude::*;

const ZPK_TDES: [u8; 16] = [
    0x89, 0xAB, 0xCD, 0xEF, 0x01, 0x23, 0x45, 0x67, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10,
];
const ZPK_AES: [u8; 16] = [
    0xAF, 0x8C, 0xB1, 0x33, 0xA7, 0x8F, 0x8D, 0xC2, 0xD1, 0x35, 0x9F, 0x18, 0x52, 0x75, 0x93, 0xFB,
];

fn format() -> impl Strategy<Value = PinBlockFormat> {
    prop::sample::select(vec![0i64, 1, 3, 4])
        .prop_map(|n| PinBlockFormat::from_number(n).expect("a supported format"))
}

fn key(format: PinBlockFormat) -> &'static [u8] {
    if format.is_aes() {
        &ZPK_AES
    } else {
        &ZPK_TDES
    }
}

proptest! {
    #[test]
    fn every_pin_reads_back_from_its_block(
        format in format(),
        digits in "[0-9]{4,12}",
        pan in "[0-9]{13,19}",
    ) {
        let pin = Pin::new(&digits).expect("4 to 12 digits");
        let block = encode(format, key(format), &pin, &pan).expect("encodes");
        let read = decode(format, key(format), &block, &pan).expect("decodes");
        prop_assert_eq!(read.digits(), digits.as_str());
    }

    #[test]
    fn any_text_as_a_block_is_a_pin_or_an_error(
        format in format(),
        block in "\\PC{0,40}",
        pan in "[0-9]{0,20}",
    ) {
        let _ = decode(format, key(format), &block, &pan);
    }

    #[test]
    fn any_hex_block_of_the_right_length_is_a_pin_or_an_error(
        format in format(),
        block in "[0-9A-F]{32}",
        pan in "[0-9]{13,19}",
    ) {
        let hex = if format.is_aes() { block } else { block[..16].to_owned() };
        if let Ok(pin) = decode(format, key(format), &hex, &pan) {
            prop_assert!((4..=12).contains(&pin.digits().len()));
        }
    }
}
