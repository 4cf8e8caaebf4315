//! Property tests of the parsers that read what callers send: exact money
//! text, card numbers, expiry dates and the EMV QR payload. Each must answer
//! every input with a value or an error, never a panic, and read back what
//! the host writes.

use cardhost_domain::card::{expiry_passed, luhn_check_digit, Pan};
use cardhost_domain::money::{format_major, AmountMinor, Currency, MAX_AMOUNT_MINOR};
use cardhost_domain::qr::QrPayload;
use proptest::prelude::*;

/// Currencies with 0, 2 and 3 decimals.
fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec![392u16, 949, 978, 840, 414])
        .prop_map(|n| Currency::from_numeric(n).expect("a known currency"))
}

proptest! {
    #[test]
    fn money_text_reads_back_exactly_what_the_host_writes(
        minor in 0..=MAX_AMOUNT_MINOR,
        currency in currency(),
    ) {
        let text = format_major(minor, currency.exponent());
        prop_assert_eq!(AmountMinor::parse_major(&text, currency).map(AmountMinor::get), Ok(minor));
    }

    #[test]
    fn money_text_in_exponent_form_reads_as_its_value(
        minor in 0..1_000_000i64,
        zeros in 0..6usize,
    ) {
        // 12345 kuruş = 123.45 lira = 12345e-2 = 1234500e-4
        let text = format!("{minor}{}e-{}", "0".repeat(zeros), 2 + zeros);
        prop_assert_eq!(AmountMinor::parse_major(&text, Currency::TRY).map(AmountMinor::get), Ok(minor));
    }

    #[test]
    fn any_money_text_is_a_value_or_an_error(text in ".{0,40}", currency in currency()) {
        let _ = AmountMinor::parse_major(&text, currency);
    }

    #[test]
    fn any_card_number_text_is_a_pan_or_an_error(text in ".{0,40}") {
        if let Ok(pan) = Pan::parse(&text) {
            prop_assert!(pan.expose().bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn a_luhn_valid_number_of_13_to_19_digits_is_a_pan_masked_to_its_ends(
        payload in "[1-9][0-9]{11,17}",
    ) {
        let check = luhn_check_digit(&payload).expect("digits");
        let number = format!("{payload}{check}");
        let pan = Pan::parse(&number).expect("a valid PAN");
        let masked = pan.masked();
        prop_assert_eq!(&masked[..6], &number[..6]);
        prop_assert_eq!(&masked[masked.len() - 4..], &number[number.len() - 4..]);
        prop_assert_eq!(masked.len(), number.len());
        prop_assert!(masked[6..masked.len() - 4].bytes().all(|b| b == b'*'));
    }

    #[test]
    fn any_expiry_text_is_judged_without_a_panic(text in ".{0,8}", year in 2000..2100i32, month in 1..=12u32) {
        let _ = expiry_passed(&text, year, month);
    }

    #[test]
    fn a_qr_payload_reads_back_as_it_was_written(
        mcc in "[0-9]{4}",
        amount in "[0-9]{1,9}\\.[0-9]{2}",
        name in "[ -~]{1,40}",
        city in "[ -~]{1,30}",
        reference in "[A-Za-z0-9]{1,32}",
    ) {
        let payload = QrPayload {
            mcc,
            currency: "949".into(),
            amount,
            country: "TR".into(),
            merchant_name: name.chars().take(25).collect(),
            city: city.chars().take(15).collect(),
            reference,
        };
        let text = payload.encode().expect("encodes");
        prop_assert_eq!(QrPayload::decode(&text), Ok(payload));
    }

    #[test]
    fn any_qr_text_is_a_payload_or_an_error(text in "\\PC{0,80}") {
        let _ = QrPayload::decode(&text);
    }

    #[test]
    fn a_qr_payload_with_one_character_changed_is_refused(
        reference in "[A-Za-z0-9]{8,32}",
        at in 0usize..40,
    ) {
        let payload = QrPayload {
            mcc: "5942".into(),
            currency: "949".into(),
            amount: "120.50".into(),
            country: "TR".into(),
            merchant_name: "Book Shop".into(),
            city: "Istanbul".into(),
            reference,
        };
        let text = payload.encode().expect("encodes");
        let mut bytes = text.into_bytes();
        let i = at % (bytes.len() - 8);
        bytes[i] = if bytes[i] == b'7' { b'8' } else { b'7' };
        let changed = String::from_utf8(bytes).expect("ASCII");
        prop_assert!(QrPayload::decode(&changed).is_err());
    }
}
