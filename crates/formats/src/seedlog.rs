//! The seed design's transaction log, the input of `spearmint batch`: one transaction a line,
//! `user_id<TAB>timestamp<TAB>seller<TAB>amount`, the timestamp ISO 8601 (`2024-03-07T14:05:09Z`
//! or a plain date), a positive amount money spent and a negative one a refund. A log holds
//! many users' transactions and no currency, so it is read for one chosen user into one
//! account (which the user picks, as for CSV and QIF), in the account's currency.
//!
//! A log is recognized by its shape ([`looks_like_log`]) but never imported on a guess: a bank's
//! headerless TSV could have the same four columns with the opposite sign, so reading one takes
//! the user's choice of a user id.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use spearmint_core::{AccountKind, Currency, DecimalMark, Money, Statement, StatementAccount, StatementTransaction};

use crate::error::FormatError;

/// How many lines [`looks_like_log`] reads.
const SNIFF_LINES: usize = 50;

/// One line's fields, without the user.
struct Line<'a> {
    user: &'a str,
    date: NaiveDate,
    seller: &'a str,
    amount: &'a str,
}

fn split(line: &str) -> Option<Line<'_>> {
    let mut fields = line.split('\t');
    let (user, timestamp, seller, amount) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || user.is_empty() {
        return None;
    }
    let day = timestamp.get(..10)?;
    let rest = &timestamp[10..];
    if !(rest.is_empty() || rest.starts_with(['T', ' '])) {
        return None;
    }
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    Some(Line { user, date, seller, amount })
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line.strip_suffix('\r').unwrap_or(line)))
        .filter(|(_, line)| !line.is_empty())
}

/// Whether the text reads as a seed log: its first lines all have the four fields, a date where
/// the timestamp is and a plain decimal amount.
pub fn looks_like_log(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut seen = 0;
    for (_, line) in lines(text).take(SNIFF_LINES) {
        let plain_amount = |a: &str| {
            let digits = a.strip_prefix('-').unwrap_or(a);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        };
        match split(line) {
            Some(l) if plain_amount(l.amount) => seen += 1,
            _ => return false,
        }
    }
    seen > 0
}

/// The distinct user ids of a log, in byte order (at most `limit`), for the user to choose from.
pub fn users(text: &str, limit: usize) -> Vec<String> {
    let mut users = BTreeSet::new();
    for (_, line) in lines(text) {
        if let Some(l) = split(line) {
            users.insert(l.user);
        }
    }
    users.into_iter().take(limit).map(str::to_owned).collect()
}

/// Reads `user`'s transactions from a log: money spent becomes money out of the account.
/// Any malformed line fails the whole file, naming the line; a user with no line is an error.
pub fn parse(text: &str, user: &str, currency: Currency) -> Result<Statement, FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut transactions = Vec::new();
    for (n, line) in lines(text) {
        let Some(l) = split(line) else {
            return Err(FormatError::syntax(format!(
                "line {n} is not `user<TAB>timestamp<TAB>seller<TAB>amount` with a YYYY-MM-DD timestamp: \
                 fix or remove that line"
            )));
        };
        if l.user != user {
            continue;
        }
        let spent = Money::parse_with(l.amount, currency, DecimalMark::Point)
            .map_err(|e| FormatError::invalid(format!("line {n}: {e}")))?;
        let payee = l.seller.split_whitespace().collect::<Vec<_>>().join(" ");
        if payee.is_empty() {
            return Err(FormatError::invalid(format!("line {n} has no seller: fix or remove that line")));
        }
        let amount =
            Money::zero(currency).checked_sub(spent).map_err(|e| FormatError::invalid(format!("line {n}: {e}")))?;
        transactions.push(StatementTransaction::new(l.date, amount, payee));
    }
    if transactions.is_empty() {
        let some = users(text, 5);
        let listed = if some.is_empty() { "none".to_owned() } else { some.join(", ") };
        return Err(FormatError::empty(format!(
            "the log has no transaction of user `{user}`: choose one of its users (the first are: {listed})"
        )));
    }
    Ok(Statement {
        accounts: vec![StatementAccount {
            provider_account_id: String::new(),
            name: None,
            kind: AccountKind::Checking,
            currency,
            institution: None,
            balance: None,
            balance_on: None,
            transactions,
        }],
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "1\t2024-03-07T14:05:09Z\tLerkmio Cafe #4157\t12.50\n\
                       2\t2024-03-07T15:00:00Z\tSafeway\t40.00\n\
                       1\t2024-03-31T23:59:59Z\tJoe's Diner\t-3.05\n";

    #[test]
    fn reads_one_users_lines_with_spending_as_money_out() {
        assert!(looks_like_log(LOG));
        let s = parse(LOG, "1", Currency::USD).unwrap();
        let t = &s.accounts[0].transactions;
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].posted_on.to_string(), t[0].amount.to_plain_string()), ("2024-03-07".into(), "-12.50".into()));
        assert_eq!((t[1].payee.as_str(), t[1].amount.to_plain_string()), ("Joe's Diner", "3.05".into()));
    }

    #[test]
    fn a_bad_line_or_an_absent_user_is_named() {
        let bad = format!("{LOG}1\tyesterday\tShop\t1.00\n");
        assert!(!looks_like_log("Date\tPayee\tAmount\n2024-01-01\tShop\t1.00\n"));
        assert!(parse(&bad, "1", Currency::USD).unwrap_err().message.contains("line 4"));
        let absent = parse(LOG, "9", Currency::USD).unwrap_err();
        assert!(absent.message.contains("first are: 1, 2"), "{absent}");
        let cents = parse("1\t2024-01-01\tShop\t1.005\n", "1", Currency::USD).unwrap_err();
        assert!(cents.message.starts_with("line 1"), "{cents}");
    }
}
