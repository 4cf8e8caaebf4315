//! Acquirer fees (spec acquirer.md, POS fee profile): which rate row applies
//! to a transaction, and the commission it yields.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::product::CardType;
use crate::status::{Named, Network, UnknownStatus};

/// A rate percentage held exactly, in units of 0.0001 % (`1.75` % → 17500).
pub const RATE_SCALE: i64 = 10_000;

/// One row of a fee profile; `None` card type or network means `Any`. Stored
/// in its profile's document as is; a stored card type or network that is
/// neither a variant nor `Any` is an error, never `Any`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRate {
    #[serde(with = "any")]
    pub card_type: Option<CardType>,
    #[serde(with = "any")]
    pub network: Option<Network>,
    pub installment_from: u8,
    pub installment_to: u8,
    /// Percent × [`RATE_SCALE`].
    pub rate: i64,
    /// Minor units of the profile's currency.
    pub fixed_fee: i64,
    pub value_days: u32,
}

/// What a rate row's card type or network is called when it matches every one.
pub const ANY: &str = "Any";

/// A rate row's card type or network from its name; `Any` is none.
pub fn parse_any<T: Named>(text: &str) -> Result<Option<T>, UnknownStatus> {
    if text == ANY {
        return Ok(None);
    }
    T::parse(text).map(Some)
}

mod any {
    use super::*;

    pub fn serialize<T: Named, S: Serializer>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value.map_or(ANY, T::name))
    }

    pub fn deserialize<'de, T: Named, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        parse_any(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// The most specific row matching the transaction: an exact card type beats
/// `Any`, then an exact network beats `Any`, then the narrower installment
/// range wins; remaining ties go to the row listed first.
pub fn match_rate(
    rates: &[FeeRate],
    card_type: CardType,
    network: Network,
    installments: u8,
) -> Option<&FeeRate> {
    rates
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.card_type.is_none_or(|t| t == card_type)
                && r.network.is_none_or(|n| n == network)
                && (r.installment_from..=r.installment_to).contains(&installments)
        })
        .min_by_key(|(i, r)| {
            (
                r.card_type.is_none(),
                r.network.is_none(),
                r.installment_to - r.installment_from,
                *i,
            )
        })
        .map(|(_, r)| r)
}

/// `numerator / denominator` rounded half to even (both non-negative).
pub fn div_round_half_even(numerator: i128, denominator: i128) -> i128 {
    let q = numerator / denominator;
    let r = numerator % denominator;
    match (2 * r).cmp(&denominator) {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
        std::cmp::Ordering::Less => q,
    }
}

/// round-half-even(gross × rate %) + fixed fee, in minor units.
pub fn commission(gross_minor: i64, rate: &FeeRate) -> i64 {
    let scaled = i128::from(gross_minor) * i128::from(rate.rate);
    let variable = div_round_half_even(scaled, 100 * i128::from(RATE_SCALE));
    i64::try_from(variable).unwrap_or(i64::MAX) + rate.fixed_fee
}

/// Parses a percentage given as exact decimal text (`"1.75"`) into the scaled
/// integer; at most 4 decimals, 0 to 100.
pub fn parse_rate(text: &str) -> Result<i64, &'static str> {
    let scaled = crate::money::parse_scaled(text, 4)
        .map_err(|_| "must be a percentage with at most 4 decimals")?;
    if !(0..=100 * RATE_SCALE).contains(&scaled) {
        return Err("must be between 0 and 100");
    }
    Ok(scaled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        card_type: Option<CardType>,
        network: Option<Network>,
        from: u8,
        to: u8,
        rate: i64,
    ) -> FeeRate {
        FeeRate {
            card_type,
            network,
            installment_from: from,
            installment_to: to,
            rate,
            fixed_fee: 0,
            value_days: 1,
        }
    }

    #[test]
    fn the_most_specific_row_wins() {
        use CardType::*;
        use Network::*;
        let rates = vec![
            row(None, None, 1, 99, 1),
            row(Some(Credit), None, 1, 99, 2),
            row(None, Some(OffUs), 1, 99, 3),
            row(Some(Credit), Some(OnUs), 1, 12, 4),
            row(Some(Credit), Some(OnUs), 2, 6, 5),
            row(Some(Debit), Some(OnUs), 1, 1, 6),
            row(Some(Credit), Some(OnUs), 2, 6, 7),
        ];
        let cases = [
            (Credit, OnUs, 1, 4), // exact type and network; only 1..12 covers 1
            (Credit, OnUs, 3, 5), // 2..6 is narrower than 1..12; the first of two equal rows
            (Credit, OnUs, 9, 4),
            (Credit, OffUs, 1, 2), // an exact card type beats an exact network
            (Debit, OnUs, 1, 6),
            (Debit, OnUs, 2, 1), // nothing specific covers 2 installments on debit
            (Debit, OffUs, 1, 3),
            (Prepaid, OnUs, 1, 1),
        ];
        for (t, n, inst, want) in cases {
            assert_eq!(
                match_rate(&rates, t, n, inst).map(|r| r.rate),
                Some(want),
                "{t:?} {n:?} {inst}"
            );
        }
        assert_eq!(match_rate(&rates[1..2], Debit, OnUs, 1), None);
    }

    #[test]
    fn commission_rounds_half_to_even() {
        let r = |rate| FeeRate {
            rate,
            ..row(None, None, 1, 99, 0)
        };
        // 1.50 % of 1.00 = 1.5 minor units → 2; of 3.00 = 4.5 → 4; of 1.70 = 2.55 → 3.
        assert_eq!(commission(100, &r(15_000)), 2);
        assert_eq!(commission(300, &r(15_000)), 4);
        assert_eq!(commission(170, &r(15_000)), 3);
        // 2.5 % of 0.20 = 0.5 → 0 (even), of 0.60 = 1.5 → 2.
        assert_eq!(commission(20, &r(25_000)), 0);
        assert_eq!(commission(60, &r(25_000)), 2);
        let with_fixed = FeeRate {
            fixed_fee: 25,
            ..r(17_500)
        };
        assert_eq!(commission(1_000_000, &with_fixed), 17_525);
        assert_eq!(div_round_half_even(5, 2), 2);
        assert_eq!(div_round_half_even(7, 2), 4);
    }

    #[test]
    fn rates_parse_exactly() {
        assert_eq!(parse_rate("1.75"), Ok(17_500));
        assert_eq!(parse_rate("0.0001"), Ok(1));
        assert_eq!(parse_rate("100"), Ok(1_000_000));
        assert!(parse_rate("1.00001").is_err());
        assert!(parse_rate("100.01").is_err());
        assert!(parse_rate("-1").is_err());
    }

    #[test]
    fn a_stored_row_keeps_any_as_any() {
        let row = row(Some(CardType::Credit), None, 1, 99, 17_500);
        let text = serde_json::to_string(&row).unwrap();
        assert!(
            text.contains(r#""card_type":"Credit","network":"Any""#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<FeeRate>(&text).unwrap(), row);
    }

    #[test]
    fn a_stored_network_that_is_no_network_is_an_error_never_any() {
        let text = r#"{"card_type":"Any","network":"Visa","installment_from":1,
            "installment_to":99,"rate":17500,"fixed_fee":0,"value_days":1}"#;
        let err = serde_json::from_str::<FeeRate>(text).unwrap_err();
        assert!(
            err.to_string().starts_with("'Visa' is not a network"),
            "{err}"
        );
    }
}
