//! Importing files: OFX/QFX, QIF, CSV (with a column mapping, sniffed or given, saved per
//! account), CAMT.053. An import is one SQL transaction: all of it or nothing; importing the
//! same file again changes nothing; a dry run shows exactly what would change.

use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use serde::Serialize;
use spearmint_core::{AccountId, Currency, Money, Statement};
use spearmint_formats::csv::{AmountColumns, CsvMapping, DecimalSeparator};
use spearmint_formats::{Format, ImportOptions};

use super::apply::{self as extract, ApplySummary, Target};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Hint, Result};
use crate::vault::Table;

#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub bytes: Vec<u8>,
    pub file_name: Option<String>,
    /// The account the file belongs to; needed for formats that do not say (CSV, QIF).
    pub account: Option<AccountId>,
    /// The CSV column mapping; by default the account's saved one, else a sniffed one.
    pub mapping: Option<CsvMapping>,
    /// The currency for files that state none; by default the account's, else USD.
    pub currency: Option<Currency>,
    pub dry_run: bool,
    /// Whose transactions to import from a seed log (`user<TAB>timestamp<TAB>seller<TAB>amount`,
    /// the batch job's input); a log is never imported without this choice.
    pub log_user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRow {
    pub posted_on: String,
    pub payee: String,
    pub amount: Money,
    pub pending: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub format: String,
    pub dry_run: bool,
    /// Transactions in the file.
    pub transactions: u32,
    pub summary: ApplySummary,
    /// The CSV mapping used (saved for the account after a real import), as `--mapping` takes it.
    #[ts(type = "unknown")]
    pub mapping: Option<CsvMapping>,
    /// The same, as the app shows it to correct (None for other formats).
    pub columns: Option<ColumnMapping>,
    pub preview: Vec<PreviewRow>,
    pub warnings: Vec<String>,
}

/// Where an import is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportPhase {
    /// Detecting the format and reading the file (`total`: its size in bytes).
    Reading,
    /// Storing an account's new transactions: `done` of `total` so far.
    Storing,
    /// Finished (`total`: the transactions added).
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub phase: ImportPhase,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

/// A CSV file's columns, for mapping them by hand in the app when detection could not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CsvColumns {
    /// The character between the columns.
    pub delimiter: String,
    /// Whether the first row names the columns (then `columns` are those names).
    pub has_header: bool,
    /// The columns' names, or `Column 1`, `Column 2` ...
    pub columns: Vec<String>,
    /// The first rows after the header.
    pub rows: Vec<Vec<String>>,
    /// Per column, the date formats (strftime) that read all of its first rows.
    pub date_formats: Vec<Vec<String>>,
}

/// How to read a CSV file's columns, as the user mapped them (columns counted from 0), or as
/// detection read them (shown so the user can correct it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ColumnMapping {
    /// The character between the columns, as [`CsvColumns::delimiter`] gave it.
    pub delimiter: String,
    pub has_header: bool,
    /// Rows before the header (a bank's preamble).
    pub skip_rows: u32,
    pub date_column: u32,
    /// strftime, one of [`CsvColumns::date_formats`] for that column.
    pub date_format: String,
    pub amount: AmountMapping,
    pub payee_column: u32,
    pub memo_column: Option<u32>,
    /// The bank's own transaction id, when a column has one.
    pub id_column: Option<u32>,
    /// Amounts written `1.234,56`.
    pub decimal_comma: bool,
    /// ISO 4217, the account's.
    pub currency: String,
}

/// Where the amount is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AmountMapping {
    /// One column, negative for money out; `negate` when the file writes purchases as positive.
    Signed { column: u32, negate: bool },
    /// Money out in one column, money in in another.
    DebitCredit { debit: u32, credit: u32 },
}

impl ColumnMapping {
    /// How the parser's mapping reads, for the user to see and correct; None for an amount
    /// with an indicator column, which the app does not map by hand.
    pub fn from_csv_mapping(m: &CsvMapping) -> Option<ColumnMapping> {
        let col = |c: usize| u32::try_from(c).ok();
        Some(ColumnMapping {
            delimiter: char::from(m.delimiter).to_string(),
            has_header: m.has_header,
            skip_rows: col(m.skip_rows)?,
            date_column: col(m.date_column)?,
            date_format: m.date_format.clone(),
            amount: match m.amount {
                AmountColumns::Signed { column, negate } => AmountMapping::Signed { column: col(column)?, negate },
                AmountColumns::DebitCredit { debit, credit } => {
                    AmountMapping::DebitCredit { debit: col(debit)?, credit: col(credit)? }
                }
                AmountColumns::Indicator { .. } => return None,
            },
            payee_column: col(m.payee_column)?,
            memo_column: m.memo_column.and_then(col),
            id_column: m.id_column.and_then(col),
            decimal_comma: m.decimal_mark == DecimalSeparator::Comma,
            currency: m.currency.code().to_owned(),
        })
    }

    /// The parser's mapping, checked: a column the file does not have is refused by the parser
    /// with the row it fails on.
    pub fn to_csv_mapping(&self) -> Result<CsvMapping> {
        let delimiter = match self.delimiter.as_bytes() {
            [d] => *d,
            _ => {
                return Err(Error::new(
                    ErrorKind::Invalid,
                    format!("`{}` is not a column delimiter: use one character", self.delimiter),
                ));
            }
        };
        let currency = Currency::new(self.currency.trim()).map_err(|_| {
            Error::new(ErrorKind::Invalid, format!("`{}` is not a currency code such as USD or EUR", self.currency))
        })?;
        let col = |c: u32| usize::try_from(c).unwrap_or(usize::MAX);
        Ok(CsvMapping {
            delimiter,
            has_header: self.has_header,
            skip_rows: col(self.skip_rows),
            date_column: col(self.date_column),
            date_format: self.date_format.clone(),
            amount: match self.amount {
                AmountMapping::Signed { column, negate } => AmountColumns::Signed { column: col(column), negate },
                AmountMapping::DebitCredit { debit, credit } => {
                    AmountColumns::DebitCredit { debit: col(debit), credit: col(credit) }
                }
            },
            payee_column: col(self.payee_column),
            memo_column: self.memo_column.map(col),
            id_column: self.id_column.map(col),
            pending_column: None,
            decimal_mark: if self.decimal_comma { DecimalSeparator::Comma } else { DecimalSeparator::Point },
            currency,
        })
    }
}

/// A CSV file's columns and first rows, to map them by hand (needs no vault).
pub(crate) fn csv_columns(bytes: &[u8]) -> Result<CsvColumns> {
    check_size(bytes.len(), "the file")?;
    let layout = spearmint_formats::csv::layout(bytes, 10)
        .map_err(|e| Error::new(ErrorKind::Invalid, format!("the file: {e}")))?;
    Ok(CsvColumns {
        delimiter: char::from(layout.delimiter).to_string(),
        has_header: layout.has_header,
        columns: layout.columns,
        rows: layout.rows,
        date_formats: layout.date_formats,
    })
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Ofx => "ofx",
        Format::Qif => "qif",
        Format::Csv => "csv",
        Format::Camt053 => "camt.053",
        Format::SimpleFin => "simplefin",
        Format::SeedLog => "log",
    }
}

/// The largest file Spearmint imports: ten years of a busy account's statements, or a
/// million-row CSV export, are well under it.
pub const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

fn too_large(name: &str) -> Error {
    Error::new(
        ErrorKind::Invalid,
        format!(
            "{name} is larger than {} MiB, too large to be a bank's statement: export a shorter period from \
             the bank and import each file",
            MAX_IMPORT_BYTES / (1024 * 1024)
        ),
    )
}

/// Refuses bytes over [`MAX_IMPORT_BYTES`].
pub(crate) fn check_size(len: usize, name: &str) -> Result<()> {
    if len as u64 > MAX_IMPORT_BYTES { Err(too_large(name)) } else { Ok(()) }
}

/// A file to import, read from disk: refused by its size before a byte is read, and read no
/// further than the cap if it grows meanwhile.
pub(crate) fn read_import_file(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let name = path.file_name().map_or_else(|| "the file".to_owned(), |n| n.to_string_lossy().into_owned());
    let cannot = |e: std::io::Error| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound { ErrorKind::NotFound } else { ErrorKind::Invalid };
        Error::new(kind, format!("cannot read {name}: {e}; choose another file"))
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    if len > MAX_IMPORT_BYTES {
        return Err(too_large(&name));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(MAX_IMPORT_BYTES + 1).read_to_end(&mut bytes).map_err(cannot)?;
    check_size(bytes.len(), &name)?;
    Ok(bytes)
}

/// Imports a file, telling `progress` how far it has come: a million-row file takes seconds.
pub(crate) fn import_file_with_progress(
    engine: &Engine,
    req: ImportRequest,
    progress: &dyn Fn(&ImportProgress),
) -> Result<ImportReport> {
    let to_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    progress(&ImportProgress { phase: ImportPhase::Reading, done: 0, total: to_u64(req.bytes.len()) });
    let storing = |done: usize, total: usize| {
        progress(&ImportProgress { phase: ImportPhase::Storing, done: to_u64(done), total: to_u64(total) });
    };
    let name = req.file_name.clone().unwrap_or_else(|| "the file".into());
    check_size(req.bytes.len(), &name)?;
    // A log is read as one only for a chosen user; with a column mapping given, as the CSV the
    // user says it is.
    let detected = match (&req.log_user, &req.mapping) {
        (Some(_), _) => Some(Format::SeedLog),
        (None, mapping) => match spearmint_formats::detect(&req.bytes, req.file_name.as_deref()) {
            Some(Format::SeedLog) if mapping.is_some() => Some(Format::Csv),
            other => other,
        },
    };
    let Some(format) = detected else {
        // The parser knows why (MT940, PDF, a spreadsheet ...): let it say so.
        let options = ImportOptions { currency: Currency::USD, csv: None, date_order: None, log_user: None };
        return Err(match spearmint_formats::parse(&req.bytes, req.file_name.as_deref(), &options) {
            Err(e) => file_error(&name, &e),
            Ok(_) => Error::new(
                ErrorKind::Invalid,
                format!("{name}: not a file Spearmint can import (OFX/QFX, QIF, CSV, CAMT.053 or SimpleFIN JSON)"),
            ),
        });
    };
    // The account's currency and saved mapping, under the engine's lock for a moment; the file
    // is read without it, so a large or hostile file never holds the vault for the app's
    // other work; then the lock again to store what it says.
    let (currency, saved): (Option<String>, Option<String>) = engine.with_vault(|v| {
        Ok(match req.account {
            Some(a) => v
                .read()
                .query_row("SELECT currency, import_mapping FROM accounts WHERE id = ?1", [a.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?
                .map(|(c, m)| (Some(c), m))
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::NotFound,
                        format!("there is no account {a}: choose one from the account list"),
                    )
                    .with_hint(Hint::ListAccounts)
                })?,
            None => (None, None),
        })
    })?;
    let currency = match (req.currency, currency) {
        (Some(c), _) => c,
        (None, Some(c)) => Currency::new(&c).unwrap_or(Currency::USD),
        (None, None) => Currency::USD,
    };
    // Read the file on this core while another hashes and compresses the raw bytes.
    let read = || -> Result<(Option<CsvMapping>, Statement)> {
        let parse = |mapping: Option<CsvMapping>| {
            let options =
                ImportOptions { currency, csv: mapping.clone(), date_order: None, log_user: req.log_user.clone() };
            spearmint_formats::parse(&req.bytes, req.file_name.as_deref(), &options)
                .map(|statement| (mapping, statement))
                .map_err(|e| file_error(&name, &e))
        };
        match (format, &req.mapping) {
            (Format::Csv, Some(m)) => spearmint_formats::csv::parse(&req.bytes, m)
                .map(|statement| (Some(m.clone()), statement))
                .map_err(|e| file_error(&name, &e)),
            // A log of several people is never read on a guess of whose it is.
            (Format::SeedLog, _) if req.log_user.is_none() => Err(parse(None)
                .map_or_else(|e| e, |_| Error::new(ErrorKind::Invalid, format!("{name} is a transaction log")))
                .with_hint(Hint::ChooseLogUser)),
            (Format::Csv, None) => {
                // The account's saved mapping if this file reads with it (an export from
                // elsewhere may have other columns); else a freshly detected one.
                let with_saved = saved
                    .as_deref()
                    .and_then(|m| serde_json::from_str::<CsvMapping>(m).ok())
                    .and_then(|m| parse(Some(m)).ok())
                    .filter(|(_, s)| !s.accounts.is_empty());
                match with_saved {
                    Some(read) => Ok(read),
                    None => spearmint_formats::csv::sniff_and_parse(&req.bytes, currency)
                        .map(|(mapping, statement)| (Some(mapping), statement))
                        .map_err(|e| file_error(&name, &e)),
                }
            }
            _ => parse(None),
        }
    };
    let (raw, read) = std::thread::scope(|scope| {
        let raw = (!req.dry_run).then(|| scope.spawn(|| extract::RawPayload::compress(&req.bytes)));
        let read = read();
        let raw = raw.map(|worker| worker.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).transpose();
        (raw, read)
    });
    engine.with_vault(|v| {
        // The raw bytes are kept even when the file does not read.
        let raw_id = match raw? {
            Some(raw) => Some(raw.store(v, &format!("file:{}", format_name(format)), "application/octet-stream")?),
            None => None,
        };
        let (mapping, statement) = read?;
        let target = match req.account {
            Some(a) => Target::Account(a),
            None => Target::FileAccounts,
        };
        let transactions = statement.accounts.iter().map(|a| a.transactions.len() as u32).sum();
        let preview = statement
            .accounts
            .iter()
            .flat_map(|a| &a.transactions)
            .take(20)
            .map(|t| PreviewRow {
                posted_on: t.posted_on.to_string(),
                payee: t.payee.clone(),
                amount: t.amount,
                pending: t.pending,
            })
            .collect();
        let summary = if req.dry_run {
            v.dry_run(|w| extract::apply_in(w, &target, &statement, None, None, engine.dictionary(), &storing))?
        } else {
            v.write(|w| {
                let summary = extract::apply_in(w, &target, &statement, raw_id, None, engine.dictionary(), &storing)?;
                if let (Some(a), Some(m)) = (req.account, &mapping) {
                    let json = serde_json::to_string(m).map_err(|e| Error::internal("cannot save the mapping", e))?;
                    w.update(Table::ACCOUNTS, &a.to_string(), &[("import_mapping", Value::Text(json))])?;
                }
                Ok(summary)
            })?
        };
        let added = u64::from(summary.added);
        progress(&ImportProgress { phase: ImportPhase::Done, done: added, total: added });
        Ok(ImportReport {
            format: format_name(format).into(),
            dry_run: req.dry_run,
            transactions,
            summary,
            columns: mapping.as_ref().and_then(ColumnMapping::from_csv_mapping),
            mapping,
            preview,
            warnings: statement.warnings.clone(),
        })
    })
}

fn file_error(name: &str, e: &spearmint_formats::FormatError) -> Error {
    Error::new(ErrorKind::Invalid, format!("{name}: {e}"))
}
