//! Dates as banks write them. A posted date is the date the bank states: a time or a time zone
//! next to it never moves it to another day.

use chrono::{DateTime, NaiveDate};

/// An OFX date-time (`YYYYMMDD`, `YYYYMMDDHHMMSS.XXX[-5:EST]`, and broken variants such as
/// `20180804093914:014`): the first eight digits are the date, whatever follows.
pub(crate) fn ofx_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let digits = s.get(..8)?;
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        let year = digits.get(..4)?.parse().ok()?;
        let month = digits.get(4..6)?.parse().ok()?;
        let day = digits.get(6..8)?.parse().ok()?;
        return NaiveDate::from_ymd_opt(year, month, day);
    }
    // A few servers write ISO dates (`2013-05-25`) instead.
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// An ISO 8601 date or date-time (`2024-05-09`, `2024-05-09T10:00:00+02:00`): the date as
/// written.
pub(crate) fn iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim().get(..10)?, "%Y-%m-%d").ok()
}

/// The UTC date of a Unix instant.
pub(crate) fn unix_date(seconds: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(seconds, 0).map(|t| t.date_naive())
}

/// A strftime format as a person reads it: `%m/%d/%Y` is `MM/DD/YYYY`.
pub(crate) fn describe_format(format: &str) -> String {
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = chars.next();
        // Padding modifiers (`%-d`, `%_m`, `%0e`) do not change what a person writes.
        if matches!(spec, Some('-' | '_' | '0')) {
            spec = chars.next();
        }
        out.push_str(match spec {
            Some('Y') => "YYYY",
            Some('y') => "YY",
            Some('m') => "MM",
            Some('d' | 'e') => "DD",
            Some('b' | 'h') => "Mon",
            Some('B') => "Month",
            Some('H') => "hh",
            Some('I') => "hh",
            Some('M') => "mm",
            Some('S') => "ss",
            Some('p') => "AM/PM",
            Some('j') => "DDD",
            Some('%') => "%",
            Some(_) | None => "?",
        });
    }
    out
}
