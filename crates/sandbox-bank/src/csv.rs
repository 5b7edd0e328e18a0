//! The bench and import load: many customers' posted transactions as one CSV, by date.

use std::io::{self, BufWriter, Write};

use chrono::{Datelike, Days, NaiveDate};
use spearmint_core::{Currency, Money};

use crate::ledger::{Persona, day_events, hash, label};

/// How many customers share the file: enough that `rows` fit in about two years of days (a
/// customer has two or three transactions a day, across their three accounts).
fn customers_for(rows: usize) -> u64 {
    u64::try_from(rows / (365 * 5)).unwrap_or(u64::MAX / 2) + 1
}

fn quoted(field: &str) -> std::borrow::Cow<'_, str> {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\"")).into()
    } else {
        field.into()
    }
}

pub(crate) fn write(out: &mut impl Write, rows: usize, seed: u64) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    out.write_all(b"Date,Description,Amount,Transaction ID\n")?;
    let customers: Vec<Persona> =
        (0..customers_for(rows)).map(|c| Persona::new(hash(&[seed, c, label("customer")]))).collect();
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date");
    let mut written = 0usize;
    let mut day = first;
    'days: while written < rows {
        let day_number = u64::try_from(day.num_days_from_ce()).unwrap_or_default();
        for (c, persona) in customers.iter().enumerate() {
            for event in day_events(persona, day, true) {
                if written == rows {
                    break 'days;
                }
                let amount = Money::from_minor(event.amount, Currency::USD).to_plain_string();
                let id = format!("C{c:05}-{:016X}", hash(&[seed, c as u64, day_number, event.seq.into()]));
                writeln!(out, "{},{},{amount},{id}", day.format("%Y-%m-%d"), quoted(&event.description))?;
                written += 1;
            }
        }
        day = day.checked_add_days(Days::new(1)).ok_or_else(|| io::Error::other("ran out of calendar"))?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_exactly_the_rows_asked_for() {
        let mut out = Vec::new();
        write(&mut out, 100, 7).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(text.lines().count(), 101);
        assert_eq!(text.lines().next(), Some("Date,Description,Amount,Transaction ID"));
    }
}
