//! Each card's spend counters per business day (daily limits).

use sqlx::FromRow;

use crate::{Pending, Reads, Script};

/// Sum of approved amounts of a card on a business day, by kind, and their count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromRow)]
pub struct DayUsage {
    pub purchase: i64,
    pub cash: i64,
    pub ecom: i64,
    pub count: i64,
}

impl std::ops::AddAssign for DayUsage {
    fn add_assign(&mut self, other: Self) {
        self.purchase += other.purchase;
        self.cash += other.cash;
        self.ecom += other.ecom;
        self.count += other.count;
    }
}

impl std::ops::Neg for DayUsage {
    type Output = Self;
    fn neg(self) -> Self {
        Self {
            purchase: -self.purchase,
            cash: -self.cash,
            ecom: -self.ecom,
            count: -self.count,
        }
    }
}

/// [`DayUsage`] of these cards on one business day.
pub fn day_usages(
    reads: &mut Reads<'_>,
    card_ids: &[i64],
    business_date: &str,
) -> Pending<CardDayUsage> {
    let date = business_date.to_owned();
    reads.push_in(
        "SELECT card_id, purchase, cash, ecom, count FROM card_day_usage \
         WHERE business_date = $1 AND card_id IN ({in})",
        1,
        |q| q.bind(date),
        card_ids,
    )
}

/// A card's [`DayUsage`] as read.
#[derive(Debug, Clone, Copy, FromRow)]
pub struct CardDayUsage {
    pub card_id: i64,
    #[sqlx(flatten)]
    pub usage: DayUsage,
}

/// Adds to cards' day counters; each (card, day) at most once per call.
pub fn add_day_usages<'q>(script: &mut Script<'q>, rows: &'q [((i64, String), DayUsage)]) {
    script.insert(
        "card_day_usage",
        &[
            "card_id",
            "business_date",
            "purchase",
            "cash",
            "ecom",
            "count",
        ],
        " ON CONFLICT (card_id, business_date) DO UPDATE SET \
         purchase = card_day_usage.purchase + excluded.purchase, \
         cash = card_day_usage.cash + excluded.cash, \
         ecom = card_day_usage.ecom + excluded.ecom, \
         count = card_day_usage.count + excluded.count",
        rows,
        |q, ((card_id, day), u)| {
            q.bind(*card_id)
                .bind(day.as_str())
                .bind(u.purchase)
                .bind(u.cash)
                .bind(u.ecom)
                .bind(u.count)
        },
    );
}
