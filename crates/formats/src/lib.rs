//! spearmint-formats: pure parsers of bank files and provider answers (OFX/QFX 1.x and 2.x, QIF,
//! CSV with a column mapping, CAMT.053, SimpleFIN's `/accounts` JSON) into core's [`Statement`].
//!
//! It does no IO: every parser takes bytes and returns a statement or a [`FormatError`] that
//! names the problem and where it is. It must not depend on tokio, SQL, HTTP or the filesystem
//! (a tidy test checks); reading files and talking to banks belong to `spearmint-engine`.
//!
//! No input makes a parser panic: untrusted data is never indexed or unwrapped, nesting is
//! bounded, and the fuzz tests in `tests/formats/robustness.rs` hold it to that.

#![forbid(unsafe_code)]

pub mod camt053;
pub mod csv;
mod date;
mod error;
pub mod ofx;
pub mod qif;
pub mod seedlog;
pub mod simplefin;
pub mod text;
mod tree;
mod xml;

use serde::{Deserialize, Serialize};
pub use spearmint_core::{
    AccountKind, Currency, DecimalMark, Money, Statement, StatementAccount, StatementSplit, StatementTransaction,
};

pub use error::{FormatError, FormatErrorKind};

/// The file formats Spearmint reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// OFX 1.x (SGML) and 2.x (XML), and QFX (Quicken's OFX).
    Ofx,
    Qif,
    Csv,
    Camt053,
    /// A SimpleFIN `/accounts` answer.
    SimpleFin,
    /// The seed design's transaction log (`user<TAB>timestamp<TAB>seller<TAB>amount`), read for
    /// one user ([`ImportOptions::log_user`]).
    SeedLog,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ofx => "ofx",
            Format::Qif => "qif",
            Format::Csv => "csv",
            Format::Camt053 => "camt053",
            Format::SimpleFin => "simplefin",
            Format::SeedLog => "log",
        }
    }
}

/// What the caller knows that the file may not say.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// The currency of amounts when the file states none (QIF never does; CSV rarely does).
    pub currency: Currency,
    /// The column mapping for a CSV file (saved per account); sniffed when absent.
    pub csv: Option<csv::CsvMapping>,
    /// How to read a QIF file's ambiguous dates (`01/02/2024`) when no date in it settles the
    /// order; month first when absent.
    pub date_order: Option<qif::DateOrder>,
    /// Whose transactions to read from a seed log: a log is read only for a chosen user.
    pub log_user: Option<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { currency: Currency::USD, csv: None, date_order: None, log_user: None }
    }
}

/// Recognizes a file's format: by content first (an OFX header or `<OFX>`, a QIF `!Type:`
/// line, a CAMT.053 `<Document>`, SimpleFIN JSON), then by the file name's extension, and for a
/// nameless file last by whether it reads as delimited text.
pub fn detect(bytes: &[u8], file_name: Option<&str>) -> Option<Format> {
    let text = text::decode(bytes).ok()?;
    if let Some(format) = detect_content(&text) {
        return Some(format);
    }
    if let Some(name) = file_name {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");
        return match ext {
            "ofx" | "qfx" => Some(Format::Ofx),
            "qif" => Some(Format::Qif),
            "csv" | "tsv" => Some(Format::Csv),
            "xml" => Some(Format::Camt053),
            "json" => Some(Format::SimpleFin),
            _ => None,
        };
    }
    csv::sniff(bytes, Currency::USD).ok().map(|_| Format::Csv)
}

fn detect_content(text: &str) -> Option<Format> {
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let head: String = start.chars().take(4096).collect::<String>().to_ascii_uppercase();
    if head.starts_with("OFXHEADER")
        || head.contains("<?OFX")
        || head.contains("<OFX>")
        || head.starts_with("DATA:OFXSGML")
        || head.contains("\nOFXHEADER:")
    {
        return Some(Format::Ofx);
    }
    if qif::looks_like_qif(start) {
        return Some(Format::Qif);
    }
    if opens_element(&head, "Document") && head.contains("CAMT.053") {
        return Some(Format::Camt053);
    }
    if start.starts_with('{') && head.contains("\"ACCOUNTS\"") {
        return Some(Format::SimpleFin);
    }
    if seedlog::looks_like_log(start) {
        return Some(Format::SeedLog);
    }
    None
}

/// Whether `head` has a start tag whose local name is `local` (any case), with or without a
/// namespace prefix: ISO 20022 files open with `<Document xmlns=...>` or, from some banks,
/// `<c53:Document xmlns:c53=...>`.
fn opens_element(head: &str, local: &str) -> bool {
    head.match_indices('<').any(|(at, _)| {
        let rest = &head[at + 1..];
        // A tag name ends at ASCII (so at a char boundary), within a few dozen bytes.
        let end = rest.bytes().take(64).position(|b| b.is_ascii_whitespace() || b == b'>' || b == b'/');
        let Some(name) = end.and_then(|end| rest.get(..end)) else { return false };
        let name = name.rsplit_once(':').map_or(name, |(_, local)| local);
        name.eq_ignore_ascii_case(local)
    })
}

/// Recognizes files that are plainly not something we read, so the user is told what they hold
/// rather than that nothing matched.
fn recognise_unsupported(bytes: &[u8]) -> Option<FormatError> {
    let unsupported = |m: &str| Some(FormatError::new(FormatErrorKind::Unsupported, m));
    if bytes.starts_with(b"%PDF") {
        return unsupported(
            "PDF statements cannot be imported: download the statement as OFX, QFX, QIF, CSV or CAMT.053",
        );
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return unsupported("this is a spreadsheet or archive (XLS, XLSX or ZIP): save it as CSV and import that");
    }
    let text = text::decode(bytes).ok()?;
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let head: String = start.chars().take(4096).collect::<String>().to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        return unsupported(
            "this is a web page (HTML), not a bank file: the server probably refused access or showed an error page",
        );
    }
    if is_mt940(start) {
        return unsupported(
            "MT940 (SWIFT) statements are not supported: export the statement as CAMT.053, OFX or CSV instead",
        );
    }
    if opens_element(&head, "Document") {
        for (kind, what) in [
            ("camt.052", "camt.052 intraday reports"),
            ("camt.054", "camt.054 debit/credit notifications"),
            ("pacs.", "pacs payment messages"),
            ("pain.", "pain payment initiation messages"),
        ] {
            if head.contains(kind) && !head.contains("camt.053") {
                return Some(FormatError::new(
                    FormatErrorKind::Unsupported,
                    format!("{what} are not supported: export the account statement as CAMT.053"),
                ));
            }
        }
    }
    None
}

/// An MT940 file: SWIFT tags at line starts, a statement reference (`:20:`) and an opening
/// balance (`:60F:` or `:60M:`).
fn is_mt940(text: &str) -> bool {
    let mut reference = false;
    let mut opening = false;
    for line in text.lines().take(200) {
        let line = line.trim_start_matches(['{', '}']).trim_start();
        reference |= line.starts_with(":20:");
        opening |= line.starts_with(":60F:") || line.starts_with(":60M:");
    }
    reference && opening
}

/// Reads a file of any supported format: recognizes it ([`detect`]) and calls its parser. A CSV
/// file uses `options.csv` when given and a sniffed mapping otherwise.
pub fn parse(bytes: &[u8], file_name: Option<&str>, options: &ImportOptions) -> Result<Statement, FormatError> {
    let blank =
        text::decode(bytes).is_ok_and(|t| t.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').is_empty());
    if blank {
        return Err(FormatError::new(FormatErrorKind::Empty, "the file is empty"));
    }
    if let Some(err) = recognise_unsupported(bytes) {
        return Err(err);
    }
    // A user chosen from a log says what the file is: its bad lines are then named as a log's.
    let format = if options.log_user.is_some() { Some(Format::SeedLog) } else { detect(bytes, file_name) };
    match format {
        Some(Format::Ofx) => ofx::parse_with_currency(bytes, options.currency),
        Some(Format::Qif) => qif::parse(bytes, options.currency, options.date_order),
        Some(Format::Csv) => match &options.csv {
            Some(mapping) => csv::parse(bytes, mapping),
            None => csv::sniff_and_parse(bytes, options.currency).map(|(_, statement)| statement),
        },
        Some(Format::Camt053) => camt053::parse(bytes),
        Some(Format::SimpleFin) => simplefin::parse_accounts(bytes),
        Some(Format::SeedLog) => {
            let text = text::decode(bytes)?;
            match &options.log_user {
                Some(user) => seedlog::parse(&text, user, options.currency),
                None => Err(FormatError::new(
                    FormatErrorKind::Unsupported,
                    format!(
                        "this is a transaction log of one or more users (user, time, seller, amount; the first are: {}): choose whose \
                         transactions to import",
                        seedlog::users(&text, 5).join(", ")
                    ),
                )),
            }
        }
        None => Err(FormatError::new(
            FormatErrorKind::Unsupported,
            "this file is not in a format Spearmint reads: import OFX, QFX, QIF, CSV, CAMT.053 or SimpleFIN JSON",
        )),
    }
}
