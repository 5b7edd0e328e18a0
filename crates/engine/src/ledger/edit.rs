//! The user's own edits of transactions: a category (which locks the row), a corrected date or
//! amount, splits, deletion. The monthly totals follow through the migrations' triggers, and
//! the budget check runs at the end of each write (`crate::alerts`).

use chrono::NaiveDate;
use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use spearmint_core::{CategoryId, Currency, Money, TransactionId};

use crate::error::{Error, ErrorKind, Result};
use crate::vault::{Reader, Table, Vault, Writer, now_rfc3339};

fn no_transaction(id: TransactionId) -> Error {
    Error::new(ErrorKind::NotFound, format!("there is no transaction {id}"))
}

fn require_category(r: Reader<'_>, category: &str) -> Result<()> {
    let known: Option<String> =
        r.query_row("SELECT id FROM categories WHERE id = ?1", [category], |row| row.get(0)).optional()?;
    match known {
        Some(_) => Ok(()),
        None => Err(Error::new(ErrorKind::Invalid, format!("there is no category `{category}`"))),
    }
}

/// The user sets a transaction's category: it is locked, and nothing automatic changes it.
pub(crate) fn set_category(v: &mut Vault, id: TransactionId, category: &str) -> Result<()> {
    require_category(v.read(), category)?;
    v.write(|w| {
        let found = w.update(
            Table::TRANSACTIONS,
            &id.to_string(),
            &[
                ("category_id", Value::Text(category.to_owned())),
                ("category_source", Value::Text("user".into())),
                ("category_locked", Value::Integer(1)),
                ("updated_at", Value::Text(now_rfc3339())),
            ],
        )?;
        if found { Ok(()) } else { Err(no_transaction(id)) }
    })
}

/// Corrects a transaction's date or amount (a manual fix of what the bank said).
pub(crate) fn edit_transaction(
    v: &mut Vault,
    id: TransactionId,
    posted_on: Option<NaiveDate>,
    amount: Option<Money>,
) -> Result<()> {
    let currency: Option<String> = v
        .read()
        .query_row("SELECT currency FROM transactions WHERE id = ?1", [id.to_string()], |r| r.get(0))
        .optional()?;
    let currency = currency.ok_or_else(|| no_transaction(id))?;
    let mut cells = vec![("updated_at", Value::Text(now_rfc3339()))];
    if let Some(d) = posted_on {
        cells.push(("posted_on", Value::Text(d.to_string())));
    }
    if let Some(m) = amount {
        if m.currency().code() != currency {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!("the transaction is in {currency}, not {}", m.currency()),
            ));
        }
        check_plausible(m)?;
        cells.push(("amount_minor", Value::Integer(m.minor())));
    }
    v.write(|w| w.update(Table::TRANSACTIONS, &id.to_string(), &cells).map(|_| ()))
}

/// The longest payee name or note the app keeps; longer ones are refused, not cut.
const MAX_TEXT: usize = 500;

/// What the user typed, trimmed; `None` when nothing is left.
fn user_text(what: &str, text: Option<&str>) -> Result<Option<String>> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = text {
        if t.chars().count() > MAX_TEXT {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!("the {what} is longer than {MAX_TEXT} characters: shorten it"),
            ));
        }
        if t.chars().any(char::is_control) {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!("the {what} holds a line break or a control character: type it on one line"),
            ));
        }
    }
    Ok(text.map(str::to_owned))
}

/// The user names the payee (`None`: show the seller's own name again) and writes a note
/// (`None`: no note). The bank's descriptor and memo stay as they were.
pub(crate) fn set_payee_and_note(
    v: &mut Vault,
    id: TransactionId,
    payee: Option<&str>,
    note: Option<&str>,
) -> Result<()> {
    let payee = user_text("payee name", payee)?;
    let note = user_text("note", note)?;
    let text = |t: Option<String>| t.map_or(Value::Null, Value::Text);
    v.write(|w| {
        let found = w.update(
            Table::TRANSACTIONS,
            &id.to_string(),
            &[("payee", text(payee)), ("note", text(note)), ("updated_at", Value::Text(now_rfc3339()))],
        )?;
        if found { Ok(()) } else { Err(no_transaction(id)) }
    })
}

/// Splits a transaction across categories. The parts must be in its currency and sum to its
/// amount exactly; splitting again replaces the parts. The monthly totals follow the parts.
pub(crate) fn split_transaction(
    v: &mut Vault,
    id: TransactionId,
    parts: &[(CategoryId, Money, Option<String>)],
) -> Result<()> {
    if parts.len() < 2 {
        return Err(Error::new(ErrorKind::Invalid, "a split has at least two parts"));
    }
    let found: Option<(i64, String)> = v
        .read()
        .query_row("SELECT amount_minor, currency FROM transactions WHERE id = ?1", [id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (minor, currency) = found.ok_or_else(|| no_transaction(id))?;
    let mut sum = 0i64;
    for (category, amount, _) in parts {
        check_plausible(*amount)?;
        if amount.currency().code() != currency {
            return Err(Error::new(ErrorKind::Invalid, format!("every part must be in {currency}")));
        }
        require_category(v.read(), category.as_str())?;
        sum =
            sum.checked_add(amount.minor()).ok_or_else(|| Error::new(ErrorKind::Invalid, "the parts are too large"))?;
    }
    if sum != minor {
        let total = Money::from_minor(minor, Currency::new(&currency).unwrap_or(Currency::USD));
        let got = Money::from_minor(sum, total.currency());
        return Err(Error::new(
            ErrorKind::Invalid,
            format!("the parts add up to {got}, not the transaction's {total}"),
        ));
    }
    v.write(|w| {
        let parts: Vec<(&str, i64, Option<&str>)> =
            parts.iter().map(|(c, a, m)| (c.as_str(), a.minor(), m.as_deref())).collect();
        write_splits(w, id, &parts)
    })
}

/// Makes a split transaction whole again, under its own category.
pub(crate) fn unsplit_transaction(v: &mut Vault, id: TransactionId) -> Result<()> {
    v.write(|w| {
        w.replace_children(Table::SPLITS, "transaction_id", &id.to_string(), &SPLIT_COLUMNS, &[])?;
        let found = w.update(Table::TRANSACTIONS, &id.to_string(), &[("is_split", Value::Integer(0))])?;
        if found { Ok(()) } else { Err(no_transaction(id)) }
    })
}

pub(crate) fn delete_transaction(v: &mut Vault, id: TransactionId) -> Result<()> {
    v.write(|w| if w.delete(Table::TRANSACTIONS, &id.to_string())? { Ok(()) } else { Err(no_transaction(id)) })
}

const SPLIT_COLUMNS: [&str; 4] = ["position", "category_id", "amount_minor", "memo"];

/// Replaces a transaction's parts with `parts` (category, amount in minor units, memo), checked
/// by the caller to sum to it, and marks it split; the triggers of 0007 move its monthly totals
/// from the whole to the parts. The parts sync as one row.
pub(crate) fn write_splits(w: &mut Writer<'_>, id: TransactionId, parts: &[(&str, i64, Option<&str>)]) -> Result<()> {
    let rows: Vec<Vec<Value>> = parts
        .iter()
        .enumerate()
        .map(|(position, (category, amount, memo))| {
            vec![
                Value::Integer(position as i64),
                Value::Text((*category).to_owned()),
                Value::Integer(*amount),
                memo.map_or(Value::Null, |m| Value::Text(m.to_owned())),
            ]
        })
        .collect();
    // Marked split before the parts go in: the update trigger of 0007 takes the whole out of
    // the totals and adds the parts it finds, so it must find none; each part then counts as
    // it is inserted.
    w.update(
        Table::TRANSACTIONS,
        &id.to_string(),
        &[("is_split", Value::Integer(1)), ("updated_at", Value::Text(now_rfc3339()))],
    )?;
    w.replace_children(Table::SPLITS, "transaction_id", &id.to_string(), &SPLIT_COLUMNS, &rows)
}

/// Refuses an amount larger than any account holds ([`Money::MAX_PLAUSIBLE_MINOR`]).
pub(crate) fn check_plausible(m: Money) -> Result<()> {
    if m.is_plausible() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Invalid,
        format!("{} is larger than any account holds: check the amount", m.to_plain_string()),
    ))
}
