//! Each card's spend counters per business day (daily limits).

use sqlx::FromRow;

use super::bind_all;
use crate::Script;
use crate::{StoreError, Tx};

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
pub async fn day_usages(
    tx: &mut Tx<'_>,
    card_ids: &[i64],
    business_date: &str,
) -> Result<Vec<(i64, DayUsage)>, StoreError> {
    if card_ids.is_empty() {
        return Ok(Vec::new());
    }
    let card_ids = &crate::sql::padded(card_ids)[..];
    let sql = format!(
        "SELECT card_id, purchase, cash, ecom, count FROM card_day_usage \
         WHERE business_date = $1 AND card_id IN ({})",
        crate::sql::placeholders(2, card_ids.len())
    );
    let sql = crate::sql::for_connection(tx, sql);
    let query = bind_all(
        sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(&sql).bind(business_date),
        card_ids,
    );
    let rows = query.fetch_all(&mut **tx).await?;
    Ok(rows
        .into_iter()
        .map(|(card, purchase, cash, ecom, count)| {
            (
                card,
                DayUsage {
                    purchase,
                    cash,
                    ecom,
                    count,
                },
            )
        })
        .collect())
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
