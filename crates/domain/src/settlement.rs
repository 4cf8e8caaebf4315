//! A batch close's arithmetic (spec acquirer.md, ledger.md): each
//! transaction's commission, net and payment date, what each payment date
//! pays the merchant, and what the close moves out of the clearing accounts.
//! Pure: the service reads the batch, calls [`settle`], and writes the result.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::fees::{commission, match_rate, FeeRate};
use crate::product::CardType;
use crate::status::Network;

/// Value days when no fee profile row applies: paid the business day after the close.
pub const DEFAULT_VALUE_DAYS: u32 = 1;

/// One unvoided transaction of the batch being closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosingTx {
    pub amount: i64,
    pub refund: bool,
    pub card_type: CardType,
    pub network: Network,
    pub installments: u8,
}

/// What the close sets on one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub commission: i64,
    /// Signed: a refund's is negative.
    pub net: i64,
    pub pay_day: NaiveDate,
}

/// What one payment date pays, before and after commission.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayPayment {
    /// Signed: refunds count against it.
    pub gross: i64,
    pub commission: i64,
    pub count: i64,
}

/// The whole close: per transaction (in the order given), per payment date,
/// and the totals the close's journal transfer moves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settlement {
    pub txs: Vec<Settled>,
    pub payments: BTreeMap<NaiveDate, DayPayment>,
    pub sales: i64,
    pub commissions: i64,
    pub refunds: i64,
    /// What OnUsClearing gives up (on-us money the issuer side already moved there).
    pub on_us_net: i64,
    /// What NetworkClearing gives up (what the card network owes).
    pub off_us_net: i64,
}

impl Settlement {
    /// What the merchant is owed: sales less commission less refunds.
    pub fn payable(&self) -> i64 {
        self.sales - self.commissions - self.refunds
    }

    /// Whether the close moves any money.
    pub fn moves_money(&self) -> bool {
        self.sales > 0 || self.refunds > 0
    }
}

/// Settles `txs` closed on `close_day` under the fee profile's `rates`. A
/// sale pays its matching row's commission; a refund pays none and is
/// subtracted from its payment date.
pub fn settle(txs: &[ClosingTx], rates: &[FeeRate], close_day: NaiveDate) -> Settlement {
    let mut out = Settlement::default();
    for t in txs {
        let rate = match_rate(rates, t.card_type, t.network, t.installments);
        let value_days = rate.map_or(DEFAULT_VALUE_DAYS, |r| r.value_days);
        let pay_day = close_day + chrono::Duration::days(i64::from(value_days));
        let (fee, gross) = if t.refund {
            out.refunds += t.amount;
            (0, -t.amount)
        } else {
            let fee = rate.map_or(0, |r| commission(t.amount, r));
            out.sales += t.amount;
            out.commissions += fee;
            (fee, t.amount)
        };
        match t.network {
            Network::OffUs => out.off_us_net += gross,
            Network::OnUs => out.on_us_net += gross,
        }
        let day = out.payments.entry(pay_day).or_default();
        day.gross += gross;
        day.commission += fee;
        day.count += 1;
        out.txs.push(Settled {
            commission: fee,
            net: gross - fee,
            pay_day,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale(amount: i64, network: Network) -> ClosingTx {
        ClosingTx {
            amount,
            refund: false,
            card_type: CardType::Debit,
            network,
            installments: 1,
        }
    }

    fn day(text: &str) -> NaiveDate {
        crate::date::parse_date(text).unwrap()
    }

    fn rate(rate: i64, fixed_fee: i64, value_days: u32) -> FeeRate {
        FeeRate {
            card_type: None,
            network: None,
            installment_from: 1,
            installment_to: 12,
            rate,
            fixed_fee,
            value_days,
        }
    }

    #[test]
    fn a_sale_pays_its_rate_and_fixed_fee_on_its_value_day() {
        // 1.75 % of 100.00 is 1.75, plus 0.25 fixed.
        let s = settle(
            &[sale(10_000, Network::OnUs)],
            &[rate(17_500, 25, 2)],
            day("20261201"),
        );
        assert_eq!(
            s.txs,
            vec![Settled {
                commission: 200,
                net: 9_800,
                pay_day: day("20261203")
            }]
        );
        assert_eq!(s.payable(), 9_800);
        assert_eq!(s.on_us_net, 10_000);
    }

    #[test]
    fn a_refund_pays_no_commission_and_is_taken_off_its_day() {
        let refund = ClosingTx {
            refund: true,
            ..sale(3_000, Network::OffUs)
        };
        let s = settle(
            &[sale(10_000, Network::OffUs), refund],
            &[rate(10_000, 0, 1)],
            day("20261201"),
        );
        assert_eq!(s.txs[1].commission, 0);
        assert_eq!(s.txs[1].net, -3_000);
        let paid = s.payments[&day("20261202")];
        assert_eq!((paid.gross, paid.commission, paid.count), (7_000, 100, 2));
        assert_eq!((s.off_us_net, s.payable()), (7_000, 6_900));
    }

    #[test]
    fn without_a_matching_rate_a_sale_is_paid_in_full_the_next_day() {
        let s = settle(&[sale(500, Network::OnUs)], &[], day("20261231"));
        assert_eq!(s.txs[0].pay_day, day("20270101"));
        assert_eq!((s.commissions, s.payable()), (0, 500));
    }
}
