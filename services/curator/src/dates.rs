//! Dates as the project folder writes them: ISO 8601 calendar dates,
//! `YYYY-MM-DD`, and nothing else.
//!
//! Strict on purpose: `2026-1-5`, `2026/01/05` and `05.01.2026` are each
//! read differently by different people, and a due date a person misreads
//! is worse than one the tool refuses.

use chrono::{Datelike, NaiveDate};

/// Parses `YYYY-MM-DD`, or says what is wrong in a sentence a person can act on.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let b = t.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        if b.len() > 10 && b.get(10).is_some_and(|&c| c == b'T' || c == b' ') {
            return Err(format!(
                "`{t}` is a timestamp; write just the date, `{}`",
                &t[..10.min(t.len())]
            ));
        }
        return Err(format!(
            "`{t}` is not a date in the form YYYY-MM-DD (for example 2026-11-23)"
        ));
    }
    // The shape check makes these ASCII-digit slices; parse cannot fail.
    let year: i32 = t[0..4].parse().map_err(|_| "bad year".to_owned())?;
    let month: u32 = t[5..7].parse().map_err(|_| "bad month".to_owned())?;
    let day: u32 = t[8..10].parse().map_err(|_| "bad day".to_owned())?;
    if !(1..=12).contains(&month) {
        return Err(format!(
            "`{t}` has month {month:02}; months run from 01 to 12"
        ));
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        let last = last_day_of_month(year, month);
        format!(
            "`{t}` is not a calendar date: {} {year} has {last} days",
            month_name(month)
        )
    })
}

/// The first `YYYY-MM-DD` in `name` that is a real date, and the first
/// shaped like one that is not (so a typo in a file name can be reported).
pub fn date_in_name(name: &str) -> (Option<NaiveDate>, Option<String>) {
    let b = name.as_bytes();
    let mut invalid = None;
    let mut i = 0;
    while i + 10 <= b.len() {
        let window = &b[i..i + 10];
        let shaped = window[4] == b'-'
            && window[7] == b'-'
            && window
                .iter()
                .enumerate()
                .all(|(k, c)| k == 4 || k == 7 || c.is_ascii_digit());
        let bounded = (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        if shaped && bounded {
            // `window` is ASCII, so this slice is on character boundaries.
            let candidate = &name[i..i + 10];
            match parse_date(candidate) {
                Ok(date) => return (Some(date), None),
                Err(_) if invalid.is_none() => invalid = Some(candidate.to_owned()),
                Err(_) => {}
            }
        }
        i += 1;
    }
    (None, invalid)
}

fn last_day_of_month(year: i32, month: u32) -> u32 {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .and_then(|d| d.pred_opt())
        .map_or(31, |d| d.day())
}

fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("that month")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_real_calendar_dates_in_iso_form() {
        assert_eq!(
            parse_date("2026-11-23"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
        );
        assert_eq!(
            parse_date("2028-02-29"),
            Ok(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap())
        );
        let feb = parse_date("2026-02-30").unwrap_err();
        assert!(feb.contains("February 2026 has 28 days"), "{feb}");
        assert!(parse_date("2026-13-01").unwrap_err().contains("month 13"));
        assert!(parse_date("2026-1-5").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("23.11.2026").is_err());
        assert!(
            parse_date("2026-11-23T10:00:00Z")
                .unwrap_err()
                .contains("timestamp")
        );
        assert!(parse_date("２０２６-11-23").is_err());
    }

    #[test]
    fn finds_dates_in_file_names() {
        assert_eq!(
            date_in_name("2026-11-16-weekly.md").0,
            NaiveDate::from_ymd_opt(2026, 11, 16)
        );
        assert_eq!(
            date_in_name("weekly_2026-11-23.md").0,
            NaiveDate::from_ymd_opt(2026, 11, 23)
        );
        assert_eq!(date_in_name("week-47.md"), (None, None));
        assert_eq!(
            date_in_name("2026-02-30.md"),
            (None, Some("2026-02-30".to_owned()))
        );
        assert_eq!(date_in_name("12026-11-16.md").0, None);
        assert_eq!(
            date_in_name("週報-2026-11-16.md").0,
            NaiveDate::from_ymd_opt(2026, 11, 16)
        );
    }
}
