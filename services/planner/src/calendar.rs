//! Working days: the unit of effort, and of the time left until a due date.
//!
//! Monday to Friday are working days. vpm knows no public holidays or team
//! calendars, so a plan may be a few days optimistic around holidays; the
//! documentation says so rather than guessing a country's calendar.

use chrono::{Datelike, NaiveDate};

/// Monday to Friday.
pub fn is_working_day(date: NaiveDate) -> bool {
    date.weekday().num_days_from_monday() < 5
}

/// Working days from `from` to `to`, both included, when `to` is not
/// before `from`; when it is, minus the working days strictly between them
/// (so a date that passed yesterday leaves 0, one that passed a week ago
/// about -4). Constant time, whatever the distance.
pub fn working_days(from: NaiveDate, to: NaiveDate) -> i64 {
    ordinal(to) - ordinal(from) + i64::from(is_working_day(from))
}

/// Calendar days from `from` to `to` (negative when `to` is earlier).
pub fn calendar_days(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// The number of working days from 0001-01-01 (a Monday in the proleptic
/// Gregorian calendar) up to and including `date`; negative before it.
/// Differences of ordinals count working days in half-open ranges.
fn ordinal(date: NaiveDate) -> i64 {
    let days = i64::from(date.num_days_from_ce()) - 1; // 0 on 0001-01-01
    5 * days.div_euclid(7) + (days.rem_euclid(7) + 1).min(5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_monday_to_friday_week_is_five_days() {
        // 2026-11-30 is a Monday.
        assert_eq!(working_days(date("2026-11-30"), date("2026-12-04")), 5);
        assert_eq!(working_days(date("2026-11-30"), date("2026-11-30")), 1);
        // Saturday to the next Monday: only the Monday.
        assert_eq!(working_days(date("2026-11-28"), date("2026-11-30")), 1);
        // Saturday to Sunday: none.
        assert_eq!(working_days(date("2026-11-28"), date("2026-11-29")), 0);
    }

    #[test]
    fn a_passed_date_leaves_nothing_or_less() {
        // Due the Friday before a Monday as-of date.
        assert_eq!(working_days(date("2026-11-30"), date("2026-11-27")), 0);
        // Due two Fridays back.
        assert_eq!(working_days(date("2026-11-30"), date("2026-11-20")), -5);
    }

    fn naive(from: NaiveDate, to: NaiveDate) -> i64 {
        if to >= from {
            from.iter_days()
                .take_while(|d| *d <= to)
                .filter(|d| is_working_day(*d))
                .count() as i64
        } else {
            -(to.iter_days()
                .skip(1)
                .take_while(|d| *d < from)
                .filter(|d| is_working_day(*d))
                .count() as i64)
        }
    }

    proptest! {
        #[test]
        fn agrees_with_counting_day_by_day(a in -800i64..800, b in -800i64..800) {
            let base = date("2026-06-15");
            let from = base + chrono::Duration::days(a);
            let to = base + chrono::Duration::days(b);
            prop_assert_eq!(working_days(from, to), naive(from, to));
        }
    }
}
