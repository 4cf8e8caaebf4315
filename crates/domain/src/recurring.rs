//! When a recurring plan's payments fall due (spec vpos.md, "Recurring
//! payments"): every `interval` days, weeks or months from the start date. A
//! monthly plan keeps its start date's day, and in a month without that day
//! pays on the month's last day.

use chrono::{Days, Months, NaiveDate};

use crate::status::{Frequency, RecurringStatus};

/// The date of payment `sequence` (1 is the start date) of a plan started on
/// `start`; `None` past the calendar's end.
pub fn due_date(
    start: NaiveDate,
    frequency: Frequency,
    interval: u32,
    sequence: u32,
) -> Option<NaiveDate> {
    let steps = sequence.checked_sub(1)?.checked_mul(interval)?;
    match frequency {
        Frequency::Daily => start.checked_add_days(Days::new(u64::from(steps))),
        Frequency::Weekly => start.checked_add_days(Days::new(u64::from(steps) * 7)),
        // chrono clamps to the month's last day, always from the start date,
        // so a plan started on the 31st comes back to the 31st.
        Frequency::Monthly => start.checked_add_months(Months::new(steps)),
    }
}

/// The sequence number of the first payment due on or after `date`.
pub fn first_due_on_or_after(
    start: NaiveDate,
    frequency: Frequency,
    interval: u32,
    date: NaiveDate,
) -> Option<u32> {
    (1..=u32::MAX).find(|&n| due_date(start, frequency, interval, n).is_none_or(|d| d >= date))
}

/// Declines in a row after which a plan is suspended.
pub const MAX_DECLINES_IN_ROW: i64 = 3;

/// Where a plan stands after the charge of payment `sequence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub status: RecurringStatus,
    pub next_sequence: i64,
    pub declines_in_row: i64,
}

/// The plan after payment `sequence` of `number_of_payments` was approved or
/// declined: its last payment completes it, whatever the answer; the third
/// decline in a row suspends it.
pub fn after_charge(
    sequence: i64,
    number_of_payments: i64,
    declines_in_row: i64,
    approved: bool,
) -> Progress {
    let declines_in_row = if approved { 0 } else { declines_in_row + 1 };
    let status = if sequence >= number_of_payments {
        RecurringStatus::Completed
    } else if declines_in_row >= MAX_DECLINES_IN_ROW {
        RecurringStatus::Suspended
    } else {
        RecurringStatus::Active
    };
    Progress {
        status,
        next_sequence: sequence + 1,
        declines_in_row,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_monthly_plan_started_on_the_31st_pays_on_each_months_last_day_or_31st() {
        let dates: Vec<NaiveDate> = (1..=4)
            .map(|n| due_date(d(2026, 1, 31), Frequency::Monthly, 1, n).unwrap())
            .collect();
        assert_eq!(
            dates,
            [
                d(2026, 1, 31),
                d(2026, 2, 28),
                d(2026, 3, 31),
                d(2026, 4, 30)
            ]
        );
    }

    #[test]
    fn a_leap_february_pays_on_the_29th() {
        assert_eq!(
            due_date(d(2028, 1, 31), Frequency::Monthly, 1, 2),
            Some(d(2028, 2, 29))
        );
    }

    #[test]
    fn a_weekly_plan_with_interval_2_moves_two_weeks_at_a_time() {
        let dates: Vec<NaiveDate> = (1..=3)
            .map(|n| due_date(d(2026, 3, 2), Frequency::Weekly, 2, n).unwrap())
            .collect();
        assert_eq!(dates, [d(2026, 3, 2), d(2026, 3, 16), d(2026, 3, 30)]);
    }

    #[test]
    fn a_daily_plan_with_interval_3_moves_three_days_at_a_time() {
        assert_eq!(
            due_date(d(2026, 2, 27), Frequency::Daily, 3, 2),
            Some(d(2026, 3, 2))
        );
    }

    #[test]
    fn sequence_zero_has_no_date() {
        assert_eq!(due_date(d(2026, 3, 2), Frequency::Daily, 1, 0), None);
    }

    #[test]
    fn the_first_payment_due_on_or_after_a_date() {
        let start = d(2026, 1, 31);
        assert_eq!(
            first_due_on_or_after(start, Frequency::Monthly, 1, d(2026, 2, 1)),
            Some(2)
        );
        assert_eq!(
            first_due_on_or_after(start, Frequency::Monthly, 1, d(2026, 2, 28)),
            Some(2)
        );
        assert_eq!(
            first_due_on_or_after(start, Frequency::Monthly, 1, d(2026, 3, 1)),
            Some(3)
        );
    }

    #[test]
    fn the_third_decline_in_a_row_suspends_a_plan() {
        let second = after_charge(2, 12, 1, false);
        assert_eq!(second.status, RecurringStatus::Active);
        let third = after_charge(3, 12, second.declines_in_row, false);
        assert_eq!(third.status, RecurringStatus::Suspended);
        assert_eq!(third.next_sequence, 4);
    }

    #[test]
    fn an_approval_clears_the_declines() {
        assert_eq!(after_charge(3, 12, 2, true).declines_in_row, 0);
        assert_eq!(after_charge(3, 12, 2, true).status, RecurringStatus::Active);
    }

    #[test]
    fn the_last_payment_completes_a_plan_even_when_declined() {
        assert_eq!(
            after_charge(3, 3, 2, false).status,
            RecurringStatus::Completed
        );
    }
}
