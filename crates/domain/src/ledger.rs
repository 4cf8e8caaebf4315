//! Balance rules of spec ledger.md, "What the host reports".

use crate::product::CardType;

/// What a card account can spend now.
///
/// Debit and prepaid: `balance − blocked`. Credit: the smaller of the card's
/// room (`card_limit − used`) and the customer's room (`customer_limit −
/// customer_used`, no cap when the customer limit is 0), never below 0, where
/// `used = blocked − balance`.
pub fn available(
    card_type: CardType,
    balance: i64,
    blocked: i64,
    card_limit: i64,
    customer_limit: i64,
    customer_used: i64,
) -> i64 {
    match card_type {
        CardType::Debit | CardType::Prepaid => balance - blocked,
        CardType::Credit => {
            let used = blocked - balance;
            let card_room = card_limit - used;
            let customer_room = if customer_limit > 0 {
                customer_limit - customer_used
            } else {
                i64::MAX
            };
            card_room.min(customer_room).max(0)
        }
    }
}

/// Points a credit purchase earns: `points_per_hundred` for every whole 100.00
/// of the amount (`exponent` is the currency's minor digits).
pub fn points_earned(amount_minor: i64, exponent: u8, points_per_hundred: u32) -> i64 {
    let hundred = 100 * 10i64.pow(u32::from(exponent));
    (amount_minor / hundred) * i64::from(points_per_hundred)
}

/// Points worth `amount_minor` (1 point is 0.01 of the currency), or `None`
/// when the amount is not a whole number of points.
pub fn points_for_minor(amount_minor: i64, exponent: u8) -> Option<i64> {
    let scaled = amount_minor.checked_mul(100)?;
    let unit = 10i64.pow(u32::from(exponent));
    (scaled % unit == 0).then_some(scaled / unit)
}

/// What `points` are worth in minor units, rounded down.
pub fn minor_for_points(points: i64, exponent: u8) -> i64 {
    points.saturating_mul(10i64.pow(u32::from(exponent))) / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_hundredths_of_the_currency() {
        assert_eq!(points_for_minor(1_250, 2), Some(1_250));
        assert_eq!(points_for_minor(7, 0), Some(700));
        assert_eq!(points_for_minor(15, 3), None);
        assert_eq!(points_for_minor(20, 3), Some(2));
        assert_eq!(minor_for_points(1_250, 2), 1_250);
        assert_eq!(minor_for_points(150, 0), 1);
    }

    #[test]
    fn debit_is_balance_less_holds() {
        assert_eq!(available(CardType::Debit, 50_000, 10_000, 0, 0, 0), 40_000);
        assert_eq!(available(CardType::Prepaid, 0, 0, 0, 0, 0), 0);
    }

    #[test]
    fn credit_takes_the_tighter_room() {
        // Card limit 1,000.00, 300.00 spent, 100.00 held: 600.00 left on the card.
        assert_eq!(
            available(CardType::Credit, -30_000, 10_000, 100_000, 0, 40_000),
            60_000
        );
        // The customer's 2,000.00 limit with 1,700.00 used elsewhere leaves 300.00.
        assert_eq!(
            available(CardType::Credit, -30_000, 10_000, 100_000, 200_000, 170_000),
            30_000
        );
        // Never negative.
        assert_eq!(available(CardType::Credit, -120_000, 0, 100_000, 0, 0), 0);
        // A repayment beyond the debt raises the room above the limit.
        assert_eq!(
            available(CardType::Credit, 5_000, 0, 100_000, 0, 0),
            105_000
        );
    }

    #[test]
    fn points() {
        assert_eq!(points_earned(25_099, 2, 1), 2);
        assert_eq!(points_earned(9_999, 2, 1), 0);
        assert_eq!(points_earned(30_000, 2, 2), 6);
        assert_eq!(points_earned(300, 0, 1), 3);
    }
}
