//! CSV exports, read through a column mapping ([`CsvMapping`]) that says which column holds the
//! date (and in which format), the amount (signed, split into debit and credit, or unsigned
//! with a debit/credit indicator), the payee, the memo and the bank's id. [`sniff`] proposes a
//! mapping from the file itself; the user confirms it on a [`preview`] and it is saved per
//! account.
//!
//! Rows without any amount (pending orders, cancelled items, footers) are skipped with a
//! warning; a repeated header row is skipped silently; a row whose date or amount cannot be read
//! is an error naming its line.

mod sniff;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use spearmint_core::{AccountKind, Currency, DecimalMark, Money, Statement, StatementAccount, StatementTransaction};

use crate::date::describe_format;
use crate::error::FormatError;
use crate::text::{self, clean, clean_opt};

pub use sniff::{CsvLayout, layout, sniff};

/// How to read one bank's CSV layout. Columns are counted from 0.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CsvMapping {
    /// `b','`, `b';'`, `b'\t'` or `b'|'`.
    pub delimiter: u8,
    /// Whether the first row after the skipped ones names the columns.
    pub has_header: bool,
    /// Rows before the header (or the first transaction): a bank's preamble. Blank lines are not
    /// counted.
    pub skip_rows: usize,
    pub date_column: usize,
    /// A chrono strftime format, such as `%m/%d/%Y` or `%d.%m.%Y`; a time after the date is
    /// allowed in the format (`%Y-%m-%d %H:%M`) and ignored.
    pub date_format: String,
    pub amount: AmountColumns,
    pub payee_column: usize,
    pub memo_column: Option<usize>,
    /// A column holding the bank's own transaction id, when it has one that stays the same
    /// across exports (never a row number).
    pub id_column: Option<usize>,
    /// A column saying whether the row is still pending (`true`/`false`, `yes`/`no`,
    /// `pending`/`posted`), as Spearmint's own export writes; without one every row is posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_column: Option<usize>,
    pub decimal_mark: DecimalSeparator,
    pub currency: Currency,
}

/// Where the amount is.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AmountColumns {
    /// One column, negative for money out; `negate` for exports that write purchases as
    /// positive numbers (many credit card exports).
    Signed { column: usize, negate: bool },
    /// Money out in one column and money in in another, one of them empty in each row.
    DebitCredit { debit: usize, credit: usize },
    /// An unsigned amount and a column saying which way it went (`debit`/`credit`, `S`/`H`,
    /// `Af`/`Bij`, `DR`/`CR`), as Mint, German and Dutch banks export.
    Indicator { column: usize, indicator: usize },
}

impl AmountColumns {
    fn columns(&self) -> Vec<usize> {
        match *self {
            AmountColumns::Signed { column, .. } => vec![column],
            AmountColumns::DebitCredit { debit, credit } => vec![debit, credit],
            AmountColumns::Indicator { column, indicator } => vec![column, indicator],
        }
    }
}

/// The decimal mark of a CSV file's amounts.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum DecimalSeparator {
    /// `1,234.56`
    Point,
    /// `1.234,56`
    Comma,
}

impl From<DecimalSeparator> for DecimalMark {
    fn from(value: DecimalSeparator) -> DecimalMark {
        match value {
            DecimalSeparator::Point => DecimalMark::Point,
            DecimalSeparator::Comma => DecimalMark::Comma,
        }
    }
}

/// The first rows of a file read through a mapping, for the user to check before importing.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct CsvPreview {
    /// The header's cells, or `Column 1`, `Column 2` ... for a file without one.
    pub headers: Vec<String>,
    pub rows: Vec<CsvPreviewRow>,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct CsvPreviewRow {
    /// The row's line in the file, from 1.
    pub line: u64,
    pub cells: Vec<String>,
    /// The transaction the row becomes; `None` when it is skipped or has a problem.
    pub transaction: Option<StatementTransaction>,
    /// Why the row is skipped or cannot be read.
    pub problem: Option<String>,
}

/// One record of the file, with the line it starts on.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) line: u64,
    /// One buffer for the whole row (not a `String` per cell): a million-row file is read twice,
    /// to sniff and to parse.
    pub(crate) cells: ::csv::StringRecord,
}

/// Reads every non-blank record, cells trimmed.
pub(crate) fn records(text: &str, delimiter: u8) -> Result<Vec<Record>, FormatError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for result in reader.records() {
        let record = result.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            FormatError::syntax(format!("line {line}: the CSV cannot be read: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        out.push(Record { line, cells: record });
    }
    Ok(out)
}

pub(crate) fn decode(bytes: &[u8]) -> Result<String, FormatError> {
    let text = text::decode(bytes)?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text))
}

/// What one row becomes.
enum Row {
    Transaction(StatementTransaction),
    /// Not a transaction, and nothing to say (a repeated header).
    Ignored,
    /// Not a transaction: the warning says why.
    Skipped(String),
    Problem(String),
}

/// The transactions and warnings of some rows, read in order.
#[derive(Default)]
struct Read {
    transactions: Vec<StatementTransaction>,
    warnings: Vec<String>,
}

/// Reads `rows` until the first problem, which is the error.
fn read_part(
    rows: &[Record],
    header: Option<&::csv::StringRecord>,
    mapping: &CsvMapping,
    capacity: usize,
) -> Result<Read, FormatError> {
    let mut read = Read { transactions: Vec::with_capacity(capacity), warnings: Vec::new() };
    for record in rows {
        match read_row(record, header, mapping) {
            Row::Transaction(t) => read.transactions.push(t),
            Row::Ignored => {}
            Row::Skipped(why) => read.warnings.push(why),
            Row::Problem(why) => return Err(FormatError::invalid(why)),
        }
    }
    Ok(read)
}

/// Reads `body`'s rows, in order, as one reader would. Each row reads on its own, so a large
/// file is read in one part per core (dates, amounts and text for a million rows take a good
/// part of a second); the first part is given room for every transaction, so the others join
/// it without the list being copied.
fn read_rows(body: &[Record], header: Option<&::csv::StringRecord>, mapping: &CsvMapping) -> Result<Read, FormatError> {
    let parts = spearmint_core::parts::in_parts(body.len(), |range| {
        let capacity = if range.start == 0 { body.len() } else { range.len() };
        read_part(body.get(range).unwrap_or_default(), header, mapping, capacity)
    });
    let mut parts = parts.into_iter();
    let mut read = parts.next().transpose()?.unwrap_or_default();
    for next in parts {
        let next = next?;
        read.transactions.extend(next.transactions);
        read.warnings.extend(next.warnings);
    }
    Ok(read)
}

fn read_row(record: &Record, header: Option<&::csv::StringRecord>, mapping: &CsvMapping) -> Row {
    let line = record.line;
    let cells = &record.cells;
    if let Some(header) = header
        && cells.len() == header.len()
        && cells.iter().zip(header).all(|(a, b)| a.eq_ignore_ascii_case(b))
    {
        return Row::Ignored;
    }
    let cell = |column: usize| cells.get(column).unwrap_or("");
    let needed = mapping.amount.columns().into_iter().chain([mapping.date_column]).max().unwrap_or(0);
    if cells.len() <= needed {
        return Row::Skipped(format!(
            "line {line}: the row has {} column(s), fewer than the mapping needs; it was skipped",
            cells.len()
        ));
    }
    let mark = DecimalMark::from(mapping.decimal_mark);
    let money = |column: usize| -> Result<Option<Money>, String> {
        let text = cell(column);
        if text.is_empty() {
            return Ok(None);
        }
        Money::parse_with(text, mapping.currency, mark)
            .map(Some)
            .map_err(|e| format!("line {line}, column {}: {e}", column + 1))
    };
    let amount = match mapping.amount {
        AmountColumns::Signed { column, negate } => match money(column) {
            Ok(Some(m)) if negate => Money::from_minor(m.minor().saturating_neg(), m.currency()),
            Ok(Some(m)) => m,
            Ok(None) => return Row::Skipped(format!("line {line}: the row has no amount; it was skipped")),
            Err(e) => return Row::Problem(e),
        },
        AmountColumns::DebitCredit { debit, credit } => match (money(debit), money(credit)) {
            (Err(e), _) | (_, Err(e)) => return Row::Problem(e),
            (Ok(None), Ok(None)) => {
                return Row::Skipped(format!("line {line}: the row has no amount; it was skipped"));
            }
            (Ok(d), Ok(c)) => {
                let out = d.map_or(0, |m| m.minor().saturating_abs());
                let into = c.map_or(0, |m| m.minor().saturating_abs());
                Money::from_minor(into.saturating_sub(out), mapping.currency)
            }
        },
        AmountColumns::Indicator { column, indicator } => {
            let m = match money(column) {
                Ok(Some(m)) => m.minor().saturating_abs(),
                Ok(None) => return Row::Skipped(format!("line {line}: the row has no amount; it was skipped")),
                Err(e) => return Row::Problem(e),
            };
            match sniff::indicator_sign(cell(indicator)) {
                Some(sign) => Money::from_minor(sign * m, mapping.currency),
                None => {
                    return Row::Problem(format!(
                        "line {line}, column {}: `{}` says neither debit nor credit",
                        indicator + 1,
                        cell(indicator)
                    ));
                }
            }
        }
    };
    let date_text = cell(mapping.date_column);
    if date_text.is_empty() {
        return Row::Problem(format!(
            "line {line}: the row has an amount but no date (column {})",
            mapping.date_column + 1
        ));
    }
    let posted_on = match parse_date(date_text, &mapping.date_format) {
        Some(date) => date,
        None => {
            let described = describe_format(&mapping.date_format);
            return Row::Problem(format!("line {line}: `{date_text}` is not a date in the format {described}"));
        }
    };
    let payee = clean(unquote_formula(cell(mapping.payee_column)));
    let memo = mapping.memo_column.and_then(|c| clean_opt(Some(unquote_formula(cell(c)))));
    let (payee, memo) = match (payee.is_empty(), memo) {
        (true, memo) => (memo.unwrap_or_default(), None),
        (false, Some(memo)) if memo == payee => (payee, None),
        (false, memo) => (payee, memo),
    };
    let mut transaction = StatementTransaction::new(posted_on, amount, payee);
    transaction.memo = memo;
    transaction.provider_id =
        mapping.id_column.map(|c| unquote_formula(cell(c)).to_owned()).filter(|id| !id.is_empty());
    transaction.pending = mapping
        .pending_column
        .is_some_and(|c| matches!(cell(c).to_ascii_lowercase().as_str(), "true" | "yes" | "y" | "1" | "pending"));
    Row::Transaction(transaction)
}

/// A text cell without the apostrophe that exports (Spearmint's among them) put before a
/// leading `=`, `+`, `-`, `@` or tab so that spreadsheets do not run it as a formula.
fn unquote_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// A date in a strftime format; years before 1900 are refused, since they come from reading a
/// two-digit year with `%Y`.
pub(crate) fn parse_date(text: &str, format: &str) -> Option<NaiveDate> {
    let text = text.trim();
    // The common case read directly: chrono reads its format string again for every cell.
    let date = match format {
        "%Y-%m-%d" => iso_date(text),
        _ => None,
    };
    date.or_else(|| NaiveDate::parse_from_str(text, format).ok()).filter(|d| (1900..=2200).contains(&d.year()))
}

/// `YYYY-MM-DD` exactly (four, two and two digits), as `%Y-%m-%d` reads it; `None` for
/// anything else, which is left to chrono.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    NaiveDate::from_ymd_opt(i32::try_from(number(0..4)?).ok()?, number(5..7)?, number(8..10)?)
}

/// The rows after the preamble and the header, and the header if there is one.
fn body<'a>(records: &'a [Record], mapping: &CsvMapping) -> (Option<&'a ::csv::StringRecord>, &'a [Record]) {
    let rest = records.get(mapping.skip_rows..).unwrap_or_default();
    if mapping.has_header {
        match rest.split_first() {
            Some((header, rows)) => (Some(&header.cells), rows),
            None => (None, rest),
        }
    } else {
        (None, rest)
    }
}

fn check_mapping(mapping: &CsvMapping) -> Result<(), FormatError> {
    if !matches!(mapping.delimiter, b',' | b';' | b'\t' | b'|' | b':' | b' ') {
        return Err(FormatError::invalid(format!(
            "`{}` is not a CSV delimiter Spearmint reads: use a comma, semicolon, tab or |",
            mapping.delimiter.escape_ascii()
        )));
    }
    if mapping.date_format.trim().is_empty() || !mapping.date_format.contains('%') {
        return Err(FormatError::invalid(format!(
            "`{}` is not a date format: write one such as %m/%d/%Y",
            mapping.date_format
        )));
    }
    Ok(())
}

/// Reads the first `rows` rows through `mapping`, each with the transaction it becomes or the
/// problem it has.
pub fn preview(bytes: &[u8], mapping: &CsvMapping, rows: usize) -> Result<CsvPreview, FormatError> {
    check_mapping(mapping)?;
    let text = decode(bytes)?;
    let records = records(&text, mapping.delimiter)?;
    let (header, body) = body(&records, mapping);
    let width = body.iter().map(|r| r.cells.len()).max().unwrap_or(0).max(header.map_or(0, ::csv::StringRecord::len));
    let headers = match header {
        Some(h) => h.iter().map(str::to_owned).collect(),
        None => (1..=width).map(|i| format!("Column {i}")).collect(),
    };
    let mut out = Vec::new();
    for record in body.iter().take(rows) {
        let (transaction, problem) = match read_row(record, header, mapping) {
            Row::Transaction(t) => (Some(t), None),
            Row::Ignored => (None, Some("a repeated header row; it is skipped".to_owned())),
            Row::Skipped(why) | Row::Problem(why) => (None, Some(why)),
        };
        out.push(CsvPreviewRow {
            line: record.line,
            cells: record.cells.iter().map(str::to_owned).collect(),
            transaction,
            problem,
        });
    }
    Ok(CsvPreview { headers, rows: out })
}

/// Reads a CSV file through `mapping` into one account (CSV files do not say which: the user
/// picks it).
pub fn parse(bytes: &[u8], mapping: &CsvMapping) -> Result<Statement, FormatError> {
    check_mapping(mapping)?;
    let text = decode(bytes)?;
    parse_records(&records(&text, mapping.delimiter)?, mapping)
}

/// [`sniff`] then [`parse`] with the mapping found, decoding and splitting the file once
/// instead of twice.
pub fn sniff_and_parse(bytes: &[u8], currency: Currency) -> Result<(CsvMapping, Statement), FormatError> {
    let text = decode(bytes)?;
    let (mapping, records) = sniff::sniff_text(&text, currency)?;
    check_mapping(&mapping)?;
    let statement = parse_records(&records, &mapping)?;
    Ok((mapping, statement))
}

/// Reads `records` (the file split at `mapping`'s delimiter) through `mapping`.
fn parse_records(records: &[Record], mapping: &CsvMapping) -> Result<Statement, FormatError> {
    let (header, body) = body(records, mapping);
    let Read { transactions, warnings } = read_rows(body, header, mapping)?;
    let mut statement = Statement { warnings, ..Statement::default() };
    if transactions.is_empty() {
        return Err(FormatError::empty(match statement.warnings.first() {
            // Every row was skipped: most likely the mapping does not fit the file.
            Some(first) => {
                format!("no row of this CSV file could be read as a transaction ({first}): check the column mapping")
            }
            None => "this CSV file holds no transactions".to_owned(),
        }));
    }
    statement.accounts.push(StatementAccount {
        provider_account_id: String::new(),
        name: None,
        kind: AccountKind::Other,
        currency: mapping.currency,
        institution: None,
        balance: None,
        balance_on: None,
        transactions,
    });
    Ok(statement)
}
