//! What several of this crate's test files share.

use spearmint_formats::Currency;
use spearmint_formats::csv::{AmountColumns, CsvMapping, DecimalSeparator};

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
