//! Installment plans (spec vpos.md, InstallmentInquiry): the interest of the
//! product's band for a count, and installments that add up exactly.

use crate::fees::div_round_half_even;
use crate::product::{CardProduct, CardType};

/// One row of an installment inquiry, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installment {
    pub count: u8,
    /// Every installment but the last.
    pub amount: i64,
    /// The last installment: the remainder, so they sum to `total`.
    pub last: i64,
    pub total: i64,
    /// Total interest in basis points (250 = 2.50 %).
    pub interest_bp: u32,
}

/// Splits `total` into `count` installments: each is `total / count` rounded
/// down to the minor unit, the last takes the remainder.
pub fn split(total: i64, count: u8, interest_bp: u32) -> Installment {
    let n = i64::from(count.max(1));
    let amount = total / n;
    Installment {
        count: count.max(1),
        amount,
        last: total - amount * (n - 1),
        total,
        interest_bp,
    }
}

/// The plans a card of `product` may take for `amount`: always one payment;
/// more only for credit cards, up to the smaller of the product's and the
/// merchant's maximum, with the product's interest (round half even).
pub fn plans(amount: i64, product: Option<&CardProduct>, merchant_max: u8) -> Vec<Installment> {
    let mut out = vec![split(amount, 1, 0)];
    let Some(product) = product.filter(|p| p.card_type == CardType::Credit) else {
        return out;
    };
    for band in &product.installments {
        for count in band.from.max(2)..=band.to.min(merchant_max) {
            let interest =
                div_round_half_even(i128::from(amount) * i128::from(band.interest_bp), 10_000);
            let total = amount + i64::try_from(interest).unwrap_or(i64::MAX - amount);
            out.push(split(total, count, band.interest_bp));
        }
    }
    out.sort_by_key(|i| i.count);
    out.dedup_by_key(|i| i.count);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::default_products;

    #[test]
    fn installments_sum_exactly_to_the_total() {
        for total in [1, 99, 100, 1_001, 12_345, 99_999_999] {
            for count in 1..=12u8 {
                let i = split(total, count, 0);
                assert_eq!(i.amount * (i64::from(count) - 1) + i.last, total);
                assert!(i.last >= i.amount && i.last - i.amount < i64::from(count));
            }
        }
        assert_eq!(
            split(10_000, 3, 0),
            Installment {
                count: 3,
                amount: 3_333,
                last: 3_334,
                total: 10_000,
                interest_bp: 0
            }
        );
    }

    #[test]
    fn credit_products_offer_their_bands_up_to_the_merchant() {
        let products = default_products();
        let credit = products.iter().find(|p| p.code == "CLASSIC-CREDIT");
        let debit = products.iter().find(|p| p.code == "STANDARD-DEBIT");
        assert_eq!(plans(10_000, debit, 12).len(), 1);
        let all = plans(10_000, credit, 12);
        assert_eq!(
            all.iter().map(|i| i.count).collect::<Vec<_>>(),
            (1..=12).collect::<Vec<u8>>()
        );
        // 4–6 carry 2.50 %: 100.00 → 102.50; 7–12 carry 5.00 % → 105.00.
        assert_eq!(all[3].total, 10_250);
        assert_eq!((all[3].amount, all[3].last), (2_562, 2_564));
        assert_eq!(all[11].total, 10_500);
        assert_eq!(plans(10_000, credit, 6).len(), 6);
        // 2.50 % of 0.10 = 0.25 minor units → 0 (half even of 0.25 is 0).
        assert_eq!(plans(10, credit, 4)[3].total, 10);
    }
}
