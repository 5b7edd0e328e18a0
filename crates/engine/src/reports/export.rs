//! Exporting to CSV for power users: transactions (with the same filters as the list), monthly
//! spending and budgets. RFC 4180 (a header row, CRLF line ends, quotes only where needed),
//! UTF-8 without a BOM, amounts as exact decimal strings, never floats.
//!
//! Text cells a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return) get a leading apostrophe (OWASP, "CSV injection"); numbers are left alone
//! so `-12.50` stays a number. The CSV importer strips that apostrophe again.
//!
//! An exported transactions file of one account re-imports into that account as a no-op: the
//! `Transaction ID` column holds each row's identity key (the provider's id, or `hash:` and the
//! content hash it was stored under), so the matcher finds every row by identity; rows entered
//! by hand have no key, leave the cell empty and are found by the matcher's fuzzy pass.

use std::collections::HashMap;
use std::io::Write;

use spearmint_core::{AccountId, Currency, Money, TransactionId};

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::ledger::{self, TransactionCursor, TransactionQuery};
use crate::vault::Vault;

/// What the app's Settings can export to a file the user picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    Transactions,
    Spending,
    Budgets,
}

/// An export written to a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    #[ts(type = "number")]
    pub rows: u64,
    /// Where it went, as the user's system names it.
    pub file: String,
}

/// Runs `fill` into a temporary file beside `path` (mode 0600: an export is the vault's data
/// in plain text), syncs it and renames it over `path`.
pub(crate) fn to_file(path: &std::path::Path, fill: impl FnOnce(&mut dyn Write) -> Result<u64>) -> Result<u64> {
    let fail = |e: std::io::Error| {
        let advice = if e.kind() == std::io::ErrorKind::StorageFull {
            "free some space on the disk, then export again"
        } else {
            "choose another folder, then export again"
        };
        Error::new(ErrorKind::Storage, format!("cannot write {}: {advice}; nothing was written", path.display()))
            .with_source(e)
    };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let temp = tempfile::Builder::new().prefix(".spearmint-export").tempfile_in(dir).map_err(fail)?;
    let mut out = std::io::BufWriter::new(temp.as_file());
    let rows = fill(&mut out)?;
    out.flush().map_err(fail)?;
    drop(out);
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(rows)
}

/// Rows read from the vault at a time: the export never holds the whole table.
const PAGE: u32 = 5_000;

const TRANSACTION_HEADER: [&str; 9] =
    ["Date", "Description", "Amount", "Currency", "Account", "Memo", "Pending", "Transaction ID", "Category"];
const SPENDING_HEADER: [&str; 5] = ["Month", "Category", "Currency", "Amount", "Transactions"];
const BUDGET_HEADER: [&str; 5] = ["Category", "From month", "Currency", "Amount", "Rollover"];

/// One cell: text is neutralized against formulas, a number is written as it is.
enum Cell<'a> {
    Text(&'a str),
    Number(&'a str),
}

/// Writes RFC 4180 records to `out`, counting the data rows.
struct CsvOut<'w> {
    out: &'w mut dyn Write,
    rows: u64,
}

impl<'w> CsvOut<'w> {
    fn new(out: &'w mut dyn Write, header: &[&str]) -> Result<CsvOut<'w>> {
        let mut csv = CsvOut { out, rows: 0 };
        csv.record(&header.iter().map(|h| Cell::Text(h)).collect::<Vec<_>>())?;
        Ok(csv)
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        self.record(cells)?;
        self.rows += 1;
        Ok(())
    }

    fn record(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            let text = match cell {
                Cell::Text(t) if t.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{t}"),
                Cell::Text(t) | Cell::Number(t) => (*t).to_owned(),
            };
            if text.contains([',', '"', '\r', '\n']) {
                line.push('"');
                line.push_str(&text.replace('"', "\"\""));
                line.push('"');
            } else {
                line.push_str(&text);
            }
        }
        line.push_str("\r\n");
        self.out.write_all(line.as_bytes()).map_err(|e| Error::io("cannot write the export", e))
    }

    fn finish(self) -> Result<u64> {
        self.out.flush().map_err(|e| Error::io("cannot write the export", e))?;
        Ok(self.rows)
    }
}

/// Each category's name (`Coffee Shops`), as the app shows it.
fn category_names(vault: &Vault) -> Result<HashMap<String, String>> {
    let mut stmt = vault.read().prepare("SELECT id, name FROM categories")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

fn account_names(vault: &Vault) -> Result<HashMap<AccountId, String>> {
    let mut stmt = vault.read().prepare("SELECT id, name FROM accounts")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, name) = row?;
        let id = id.parse().map_err(|_| Error::new(ErrorKind::Corrupt, "an account has a malformed id"))?;
        out.insert(id, name);
    }
    Ok(out)
}

/// The key the matcher derives this row's id from (`TransactionId::for_provider`), so that a
/// re-import finds the row by identity; empty for rows entered by hand.
fn identity_key(vault: &Vault, id: TransactionId, account: AccountId) -> Result<String> {
    let (provider_id, hash): (Option<String>, Option<String>) = vault
        .read()
        .prepare_cached("SELECT provider_transaction_id, content_hash FROM transactions WHERE id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let candidates = [provider_id.map(|p| p.trim().to_owned()), hash.map(|h| format!("hash:{h}"))];
    Ok(candidates
        .into_iter()
        .flatten()
        .find(|key| !key.is_empty() && TransactionId::for_provider(account, key) == id)
        .unwrap_or_default())
}

fn money(minor: i64, currency: &str) -> Result<String> {
    let currency = Currency::new(currency).map_err(|_| {
        Error::new(
            ErrorKind::Corrupt,
            format!("a stored amount is in `{currency}`, which is not a currency: restore the vault from a backup"),
        )
    })?;
    Ok(Money::from_minor(minor, currency).to_plain_string())
}

/// Writes the transactions `query` selects (its `limit` and `before` are ignored: all of
/// them, newest first) as CSV to `out`; returns how many rows. Reads the vault a page at a
/// time, releasing it between pages.
pub(crate) fn export_transactions(engine: &Engine, query: &TransactionQuery, out: &mut dyn Write) -> Result<u64> {
    let names = engine.with_vault(|v| account_names(v))?;
    let categories = engine.with_vault(|v| category_names(v))?;
    let mut csv = CsvOut::new(out, &TRANSACTION_HEADER)?;
    let mut page_query = TransactionQuery { limit: Some(PAGE), before: None, ..query.clone() };
    loop {
        let page = engine.with_vault(|v| {
            ledger::query_transactions(v, &page_query)?
                .into_iter()
                .map(|t| {
                    let key = identity_key(v, t.id, t.account_id)?;
                    Ok((t, key))
                })
                .collect::<Result<Vec<_>>>()
        })?;
        for (t, key) in &page {
            let date = t.posted_on.format("%Y-%m-%d").to_string();
            let amount = t.amount.to_plain_string();
            let account = names.get(&t.account_id).map_or("", String::as_str);
            // A split row names its parts' categories, in order; an unknown id shows as itself.
            let name =
                |c: &spearmint_core::CategoryId| categories.get(c.as_str()).cloned().unwrap_or_else(|| c.to_string());
            let category = if t.parts.is_empty() {
                t.category.as_ref().map(name).unwrap_or_default()
            } else {
                t.parts.iter().map(|p| name(&p.category)).collect::<Vec<_>>().join("; ")
            };
            csv.row(&[
                Cell::Text(&date),
                Cell::Text(&t.seller),
                Cell::Number(&amount),
                Cell::Text(t.amount.currency().code()),
                Cell::Text(account),
                Cell::Text(t.memo.as_deref().unwrap_or("")),
                Cell::Text(if t.pending { "true" } else { "false" }),
                Cell::Text(key),
                Cell::Text(&category),
            ])?;
        }
        match page.last() {
            Some((last, _)) if page.len() == PAGE as usize => {
                page_query.before = Some(TransactionCursor { posted_on: last.posted_on, id: last.id });
            }
            _ => break,
        }
    }
    csv.finish()
}

/// The user id a seed log names a profile by when none is chosen: the vault's own id.
pub(crate) fn log_user(engine: &Engine) -> Result<String> {
    engine.with_vault(|v| {
        crate::vault::settings::vault_id(v.read())?.ok_or_else(|| {
            Error::new(ErrorKind::Corrupt, "the vault has no id: run `doctor`, or restore it from a backup")
        })
    })
}

/// Writes the transactions `query` selects (all of them, newest first, pending ones too, as
/// monthly spending counts them) as the seed's log, what `batch spending` reads:
/// `user<TAB>YYYY-MM-DDT00:00:00Z<TAB>descriptor<TAB>amount`, money out positive (spent), the
/// bank's own descriptor so the batch job categorizes what the bank wrote. The log has no
/// currency, so every row must be in one: otherwise it fails, naming the two, and the caller
/// writes nothing. Returns how many lines.
pub(crate) fn export_log(engine: &Engine, query: &TransactionQuery, user: &str, out: &mut dyn Write) -> Result<u64> {
    if user.is_empty() || user.contains(['\t', '\n', '\r']) {
        return Err(Error::new(ErrorKind::Invalid, "a log's user id must be one line without tabs: choose another"));
    }
    let mut page_query = TransactionQuery { limit: Some(PAGE), before: None, ..query.clone() };
    let mut currency: Option<Currency> = None;
    let mut lines = 0u64;
    let mut buf = String::new();
    loop {
        let page = engine.with_vault(|v| ledger::query_transactions(v, &page_query))?;
        buf.clear();
        for t in &page {
            let this = t.amount.currency();
            match currency {
                None => currency = Some(this),
                Some(c) if c != this => {
                    return Err(Error::new(
                        ErrorKind::Invalid,
                        format!(
                            "a log has no currency, and these transactions are in {} and {}: export one \
                             account (or one currency's accounts) at a time",
                            c.code(),
                            this.code()
                        ),
                    ));
                }
                Some(_) => {}
            }
            let spent = Money::zero(this)
                .checked_sub(t.amount)
                .map_err(|e| Error::new(ErrorKind::Corrupt, format!("a stored amount is out of range: {e}")))?;
            // A field holds no tab or line end: the seller's become spaces.
            let seller: String = t.seller.split_whitespace().collect::<Vec<_>>().join(" ");
            let seller = if seller.is_empty() { "UNKNOWN" } else { &seller };
            use std::fmt::Write as _;
            let _ = writeln!(
                buf,
                "{user}\t{}T00:00:00Z\t{seller}\t{}",
                t.posted_on.format("%Y-%m-%d"),
                spent.to_plain_string()
            );
            lines += 1;
        }
        out.write_all(buf.as_bytes()).map_err(|e| Error::io("cannot write the export", e))?;
        match page.last() {
            Some(last) if page.len() == PAGE as usize => {
                page_query.before = Some(TransactionCursor { posted_on: last.posted_on, id: last.id });
            }
            _ => break,
        }
    }
    out.flush().map_err(|e| Error::io("cannot write the export", e))?;
    Ok(lines)
}

/// Writes the monthly spending per category (what the Spending screen sums) as CSV.
pub(crate) fn export_spending(engine: &Engine, out: &mut dyn Write) -> Result<u64> {
    let rows = engine.with_vault(|v| {
        let mut stmt = v.read().prepare(
            "SELECT s.month, coalesce(c.name, s.category_id), s.currency, s.amount_minor, s.txn_count
             FROM monthly_spending s LEFT JOIN categories c ON c.id = s.category_id
             ORDER BY s.month, coalesce(c.name, s.category_id), s.currency",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    })?;
    let mut csv = CsvOut::new(out, &SPENDING_HEADER)?;
    for (month, category, currency, minor, count) in rows {
        let amount = money(minor, &currency)?;
        let count = count.to_string();
        csv.row(&[
            Cell::Text(&month),
            Cell::Text(&category),
            Cell::Text(&currency),
            Cell::Number(&amount),
            Cell::Number(&count),
        ])?;
    }
    csv.finish()
}

/// Writes the budgets the user set (overrides of the recommended ones) as CSV.
pub(crate) fn export_budgets(engine: &Engine, out: &mut dyn Write) -> Result<u64> {
    let rows = engine.with_vault(|v| {
        let mut stmt = v.read().prepare(
            "SELECT coalesce(c.name, b.category_id), b.effective_from, b.currency, b.amount_minor, b.rollover
             FROM budget_overrides b LEFT JOIN categories c ON c.id = b.category_id
             ORDER BY coalesce(c.name, b.category_id), b.effective_from",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, bool>(4)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    })?;
    let mut csv = CsvOut::new(out, &BUDGET_HEADER)?;
    for (category, from, currency, minor, rollover) in rows {
        let amount = money(minor, &currency)?;
        csv.row(&[
            Cell::Text(&category),
            Cell::Text(&from),
            Cell::Text(&currency),
            Cell::Number(&amount),
            Cell::Text(if rollover { "true" } else { "false" }),
        ])?;
    }
    csv.finish()
}
