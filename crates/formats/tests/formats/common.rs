//! What the crate's tests share: where the bank files are, the slow-test switch, and a CSV
//! mapping several tests start from.

use std::path::PathBuf;

use spearmint_formats::Currency;
use spearmint_formats::csv::{AmountColumns, CsvMapping, DecimalSeparator};

/// Whether the slow tests run in full (`SPEARMINT_SLOW_TESTS`, set by `cargo xtask test --slow`).
/// The only place the switch is read.
pub fn slow() -> bool {
    std::env::var_os("SPEARMINT_SLOW_TESTS").is_some()
}

/// The mapping of a comma-separated file of date, payee and signed amount, in that order, under
/// a header, in US dollars with a decimal point; change what differs with `..`.
pub fn date_payee_amount(date_format: &str) -> CsvMapping {
    CsvMapping {
        delimiter: b',',
        has_header: true,
        skip_rows: 0,
        date_column: 0,
        date_format: date_format.to_owned(),
        amount: AmountColumns::Signed { column: 2, negate: false },
        payee_column: 1,
        memo_column: None,
        id_column: None,
        pending_column: None,
        decimal_mark: DecimalSeparator::Point,
        currency: Currency::USD,
    }
}

/// The real bank files of the project's shared folder, beside the repository.
pub fn fixtures() -> PathBuf {
    manifest_dir().join("../../../shared/fixtures")
}

/// The bytes of the shared fixture at `path` (under `shared/fixtures/`).
pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The bytes of a file written for these tests, in `tests/data/`.
pub fn data(name: &str) -> Vec<u8> {
    std::fs::read(manifest_dir().join("tests/data").join(name)).unwrap()
}

/// This crate's directory, read at run time first: the target directory is shared by every
/// clone on the machine, so a path baked in at compile time could name another (or a deleted) one.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
}
