//! Proposing a column mapping from the file itself: the delimiter that splits every row alike,
//! the preamble and header rows, the date column and its format (day/month order settled by
//! any day above 12 in the file), the amount as one signed column, a debit/credit pair or an
//! amount with an indicator column (by header names in English, German, Spanish, French and
//! Dutch, then by content), the decimal mark, the currency, and the payee, memo and id columns.

use std::collections::HashSet;
use std::sync::OnceLock;

use spearmint_core::{Currency, DecimalMark, Money};

use super::{AmountColumns, CsvMapping, DecimalSeparator, Record, decode, parse_date, records};
use crate::error::FormatError;

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many rows the column analysis reads; the date column is read whole.
const SAMPLE_ROWS: usize = 2000;

/// How many cells it reads at most: fewer rows of a file with more than 16 columns, so that a
/// wide file costs no more to sniff than a narrow one.
const SAMPLE_CELLS: usize = 16 * SAMPLE_ROWS;

/// The most columns a file may have: bank exports have a few dozen.
const MAX_COLUMNS: usize = 1024;

/// How many characters of a header cell are read as the column's name.
const MAX_NAME: usize = 256;

/// How many rows the column analysis reads of a file `width` columns wide.
fn sample_rows(width: usize) -> usize {
    (SAMPLE_CELLS / width.max(1)).clamp(1, SAMPLE_ROWS)
}

/// Date formats tried, year-first first; within a family month-first precedes day-first and the
/// order is flipped for files that look European (see [`sniff`]).
const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%:z",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%y",
    "%d/%m/%y",
    "%m-%d-%Y",
    "%d-%m-%Y",
    "%m-%d-%y",
    "%d-%m-%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%d.%m.%Y %H:%M",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%d %b %y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %B %Y",
];

fn day_first(format: &str) -> bool {
    format.starts_with("%d")
}

fn month_first(format: &str) -> bool {
    format.starts_with("%m")
}

/// The same format with day and month swapped, for the ambiguous pairs.
fn swapped(format: &str) -> Option<String> {
    if day_first(format) {
        Some(format.replacen("%d", "\u{1}", 1).replacen("%m", "%d", 1).replacen('\u{1}', "%m", 1))
    } else if month_first(format) {
        Some(format.replacen("%m", "\u{1}", 1).replacen("%d", "%m", 1).replacen('\u{1}', "%d", 1))
    } else {
        None
    }
}

/// A header cell folded for matching: lower case, accents removed, split into words.
#[derive(Debug, Clone, Default)]
struct Name {
    words: Vec<String>,
    compact: String,
}

impl Name {
    fn new(header: &str) -> Name {
        // A column's name is a few words: a longer cell is not read past them, so that matching
        // it costs what a name costs.
        let folded: String = header
            .chars()
            .take(MAX_NAME)
            .flat_map(|c| c.to_lowercase())
            .map(|c| match c {
                'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'í' | 'ì' | 'î' | 'ï' => 'i',
                'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
                'ú' | 'ù' | 'û' | 'ü' => 'u',
                'ñ' => 'n',
                'ç' => 'c',
                other => other,
            })
            .collect();
        let words: Vec<String> =
            folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect();
        let compact = words.concat();
        Name { words, compact }
    }

    /// Whether any of the terms names this header: as whole words, or (for terms of five
    /// letters or more) inside a run-together name such as `NetAmount`. Asked of every column
    /// several times, so its cost is that of the header's words, not of the terms.
    fn is(&self, terms: &Terms) -> bool {
        if self.words.is_empty() {
            return false;
        }
        let index = terms.index();
        self.words.iter().any(|w| index.words.contains(w.as_str()))
            || index
                .phrases
                .iter()
                .any(|p| self.words.windows(p.len()).any(|w| w.iter().map(String::as_str).eq(p.iter().copied())))
            || index.compact.iter().any(|t| self.compact.len() >= t.len() && self.compact.contains(t.as_str()))
    }

    fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// Words that name a kind of column in a header, in the languages banks export in; a term of
/// several words matches them in a row.
#[derive(Debug)]
struct Terms {
    list: &'static [&'static str],
    index: OnceLock<TermIndex>,
}

#[derive(Debug)]
struct TermIndex {
    /// The terms of one word.
    words: HashSet<&'static str>,
    /// The terms of several words, split.
    phrases: Vec<Vec<&'static str>>,
    /// The terms of five letters or more run together, found inside run-together names.
    compact: Vec<String>,
}

impl Terms {
    const fn new(list: &'static [&'static str]) -> Terms {
        Terms { list, index: OnceLock::new() }
    }

    fn index(&self) -> &TermIndex {
        self.index.get_or_init(|| TermIndex {
            words: self.list.iter().copied().filter(|t| !t.contains(' ')).collect(),
            phrases: self.list.iter().filter(|t| t.contains(' ')).map(|t| t.split(' ').collect()).collect(),
            compact: self.list.iter().map(|t| t.replace(' ', "")).filter(|t| t.len() >= 5).collect(),
        })
    }
}

static NOT_AMOUNT: Terms = Terms::new(&[
    "balance",
    "saldo",
    "kontostand",
    "solde",
    "running",
    "fee",
    "fees",
    "tax",
    "refund",
    "refunded",
    "converted",
    "original",
    "exchange",
    "rate",
    "kurs",
    "shipping",
    "gift",
    "limit",
    "available",
    "number",
    "nummer",
    "id",
]);
static DEBIT: Terms = Terms::new(&[
    "debit",
    "debits",
    "withdrawal",
    "withdrawals",
    "soll",
    "belastung",
    "ausgang",
    "ausgabe",
    "cargo",
    "cargos",
    "debito",
    "debe",
    "af",
    "uitgaven",
    "paid out",
    "money out",
    "out",
]);
static CREDIT: Terms = Terms::new(&[
    "credit",
    "credits",
    "deposit",
    "deposits",
    "haben",
    "gutschrift",
    "eingang",
    "einnahme",
    "abono",
    "abonos",
    "credito",
    "haber",
    "bij",
    "inkomsten",
    "paid in",
    "money in",
    "in",
]);
static SIGNED: Terms = Terms::new(&[
    "amount", "betrag", "umsatz", "importe", "montant", "bedrag", "valor", "cantidad", "value", "total", "sum",
    "summe", "net", "monto", "importo", "kwota", "belopp", "belob",
]);
static INDICATOR_HEADER: Terms = Terms::new(&[
    "transaction type",
    "type",
    "soll haben",
    "s h",
    "af bij",
    "debit credit",
    "dr cr",
    "cr dr",
    "d c",
    "sens",
]);
static POSTED_DATE: Terms = Terms::new(&[
    "posted",
    "post date",
    "posting",
    "booking",
    "buchungstag",
    "buchungsdatum",
    "boekdatum",
    "fecha contable",
    "date comptable",
    "date operation",
    "fecha operacion",
]);
static VALUE_DATE: Terms = Terms::new(&["value", "valuta", "wert", "wertstellung", "valeur", "valor"]);
static DATE: Terms = Terms::new(&["date", "datum", "fecha", "data", "created", "dag"]);
static PAYEE: Terms = Terms::new(&[
    "payee",
    "merchant",
    "name",
    "partner",
    "beneficiary",
    "counterparty",
    "empfanger",
    "auftraggeber",
    "begunstigter",
    "naam",
    "tegenpartij",
    "beneficiaire",
    "beneficiario",
    "destinatario",
    "ordenante",
    "recipient",
    "tiers",
]);
static NOT_PAYEE: Terms = Terms::new(&[
    "account",
    "bank",
    "iban",
    "bic",
    "number",
    "card",
    "currency",
    "category",
    "subcategory",
    "type",
    "status",
    "class",
    "image",
    "file",
    "konto",
    "compte",
    "cuenta",
    "rekening",
]);
static DESCRIPTION: Terms = Terms::new(&[
    "description",
    "desc",
    "details",
    "beschreibung",
    "buchungstext",
    "verwendungszweck",
    "libelle",
    "concepto",
    "descripcion",
    "omschrijving",
    "narrative",
    "particulars",
    "text",
    "items",
    "mededelingen",
]);
static MEMO: Terms = Terms::new(&[
    "memo",
    "notes",
    "note",
    "reference",
    "comments",
    "comment",
    "remarks",
    "mitteilung",
    "vwz1",
    "remittance",
    "purpose",
    "reason",
    "referencia",
]);
static ID: Terms = Terms::new(&[
    "id",
    "transactionid",
    "fitid",
    "transactionnumber",
    "transaktionsnummer",
    "ndetransaction",
    "notransaction",
    "transactionreference",
    "orderid",
    "bookingid",
    "buchungsid",
    "transaktionsid",
]);
static CURRENCY: Terms = Terms::new(&[
    "currency",
    "currency code",
    "wahrung",
    "waehrung",
    "monn",
    "devise",
    "moneda",
    "valuta",
    "ccy",
    "divisa",
]);

/// The sign an indicator cell gives: -1 for money out, 1 for money in.
pub(crate) fn indicator_sign(text: &str) -> Option<i64> {
    match text.trim().to_lowercase().as_str() {
        "debit" | "dr" | "d" | "db" | "s" | "soll" | "af" | "-" | "cargo" | "debe" | "débit" | "débito" | "debito"
        | "withdrawal" => Some(-1),
        "credit" | "cr" | "c" | "h" | "haben" | "bij" | "+" | "abono" | "haber" | "crédit" | "crédito" | "credito"
        | "deposit" => Some(1),
        _ => None,
    }
}

/// What one column holds, read over the sample rows.
#[derive(Debug, Default)]
struct Column {
    index: usize,
    name: Name,
    non_empty: usize,
    numeric: usize,
    negative: bool,
    total_len: usize,
    distinct: usize,
    indicator_words: usize,
    indicator_signs: (bool, bool),
    unique: bool,
    /// 1, 2, 3 ... : a row number, never an id or an amount.
    counter: bool,
}

impl Column {
    fn mostly(&self, count: usize) -> bool {
        self.non_empty > 0 && count * 10 >= self.non_empty * 6
    }

    fn is_numeric(&self) -> bool {
        self.mostly(self.numeric)
    }

    fn is_indicator(&self) -> bool {
        self.non_empty > 0
            && self.indicator_words == self.non_empty
            && ((self.indicator_signs.0 && self.indicator_signs.1) || self.name.is(&INDICATOR_HEADER))
    }

    fn constant(&self) -> bool {
        self.distinct <= 1
    }

    fn average_len(&self) -> usize {
        self.total_len.checked_div(self.non_empty).unwrap_or(0)
    }
}

/// Proposes a mapping for a CSV file. `currency` is used when the file names none (no currency
/// column, no `€`/`£` symbols, no `Amount (EUR)` header).
pub fn sniff(bytes: &[u8], currency: Currency) -> Result<CsvMapping, FormatError> {
    let text = decode(bytes)?;
    let (mapping, _) = sniff_text(&text, currency)?;
    Ok(mapping)
}

/// The mapping of a decoded file, and its records (split at the mapping's delimiter), which
/// reading the file through the mapping needs again.
pub(super) fn sniff_text(text: &str, currency: Currency) -> Result<(CsvMapping, Vec<Record>), FormatError> {
    if text.trim().is_empty() {
        return Err(FormatError::empty("the file is empty"));
    }
    let (delimiter, records, width) = choose_delimiter(text)?;
    let mapping = sniff_records(&records, delimiter, width, currency)?;
    Ok((mapping, records))
}

fn sniff_records(
    records: &[Record],
    delimiter: u8,
    width: usize,
    currency: Currency,
) -> Result<CsvMapping, FormatError> {
    let skip_rows = records.iter().position(|r| r.cells.len() >= 2 && r.cells.len() + 1 >= width).unwrap_or(0);
    let rows = records.get(skip_rows..).unwrap_or_default();
    let (first, rest) = rows.split_first().ok_or_else(|| FormatError::empty("this CSV file holds no rows"))?;
    let mark = decimal_mark(rows, sample_rows(width));
    let european = mark == DecimalSeparator::Comma || delimiter == b';';

    // Look for the dates below the first row, which may be a header.
    let sample = if rest.is_empty() { rows } else { rest };
    let found = find_dates(sample, width, None, european);
    let has_header = match &found {
        Some((column, format)) => {
            !rest.is_empty() && parse_date(first.cells.get(*column).unwrap_or(""), format).is_none()
        }
        None => true,
    };
    // Repeated header rows (some exports put one at the end) say nothing about the columns.
    // Copied without them only when there are any: a large file is read here in full.
    let header_again = |r: &Record| {
        r.cells.len() == first.cells.len()
            && r.cells.iter().zip(first.cells.iter()).all(|(a, b)| a.eq_ignore_ascii_case(b))
    };
    let data: std::borrow::Cow<'_, [Record]> = match has_header {
        true if rest.iter().any(header_again) => rest.iter().filter(|r| !header_again(r)).cloned().collect(),
        true => rest.into(),
        false => rows.into(),
    };
    let data = &*data;
    if data.is_empty() {
        return Err(FormatError::empty("this CSV file has a header but no rows"));
    }
    let names: Vec<Name> = match has_header {
        true => (0..width).map(|i| Name::new(first.cells.get(i).unwrap_or(""))).collect(),
        false => vec![Name::default(); width],
    };
    let (date_column, date_format) = find_dates(data, width, Some(&names), european).ok_or_else(|| {
        FormatError::invalid("no column of dates was found: map the columns by hand in the import preview")
    })?;

    let columns = analyze(data, names, mark);
    let amount = find_amount(&columns, date_column).ok_or_else(|| {
        FormatError::invalid("no column of amounts was found: map the columns by hand in the import preview")
    })?;
    let used: Vec<usize> = amount.columns().into_iter().chain([date_column]).collect();
    let payee_column = find_payee(&columns, &used);
    let memo_column = find_memo(&columns, &used, payee_column);
    let id_column = columns
        .iter()
        .filter(|c| !used.contains(&c.index) && c.index != payee_column)
        // Every sampled row has an id (columns are analyzed on the first `sample_rows` rows).
        .find(|c| {
            ID.list.contains(&c.name.compact.as_str())
                && c.unique
                && !c.counter
                && c.non_empty == data.len().min(sample_rows(width))
        })
        .map(|c| c.index);
    let pending_column = columns
        .iter()
        .filter(|c| !used.contains(&c.index) && c.index != payee_column && Some(c.index) != id_column)
        .find(|c| c.name.compact == "pending")
        .map(|c| c.index);
    let currency = find_currency(data, &columns, &amount, currency);
    Ok(CsvMapping {
        delimiter,
        has_header,
        skip_rows,
        date_column,
        date_format,
        amount,
        payee_column,
        memo_column,
        id_column,
        pending_column,
        decimal_mark: mark,
        currency,
    })
}

/// A CSV file's columns as a person maps them by hand, when [`sniff`] could not: the delimiter,
/// whether the first row names the columns, their names (`Column 1` ... without a header), the
/// first rows, and per column the date formats that read every one of its sampled cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvLayout {
    pub delimiter: u8,
    pub has_header: bool,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub date_formats: Vec<Vec<String>>,
}

/// The layout of a CSV file's first rows (`rows` of them, after the header if any).
pub fn layout(bytes: &[u8], rows: usize) -> Result<CsvLayout, FormatError> {
    let text = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(FormatError::empty("the file is empty"));
    }
    let head = match text.char_indices().nth(65_536) {
        Some((at, _)) => text.get(..at).and_then(|h| h.rfind('\n').and_then(|nl| h.get(..nl))).unwrap_or(&text),
        None => &text,
    };
    let (delimiter, records, width) = choose_delimiter(head)?;
    let (first, rest) = records.split_first().ok_or_else(|| FormatError::empty("this CSV file holds no rows"))?;
    let reads_as_date = |cell: &str| DATE_FORMATS.iter().any(|f| parse_date(cell, f).is_some());
    let has_header = !rest.is_empty() && !first.cells.iter().any(reads_as_date);
    let (columns, body) = if has_header {
        let names = (0..width).map(|i| first.cells.get(i).unwrap_or("").to_owned()).collect();
        (names, rest)
    } else {
        ((1..=width).map(|i| format!("Column {i}")).collect(), &records[..])
    };
    let sample = &body[..body.len().min(200).min(sample_rows(width))];
    let date_formats = by_column(sample, width)
        .into_iter()
        .map(|cells| {
            DATE_FORMATS
                .iter()
                .filter(|f| !cells.is_empty() && cells.iter().all(|c| parse_date(c, f).is_some()))
                .map(|f| (*f).to_owned())
                .collect()
        })
        .collect();
    let rows =
        body.iter().take(rows).map(|r| (0..width).map(|i| r.cells.get(i).unwrap_or("").to_owned()).collect()).collect();
    Ok(CsvLayout { delimiter, has_header, columns, rows, date_formats })
}

/// The delimiter that splits the most rows into the same number (two or more) of cells.
fn choose_delimiter(text: &str) -> Result<(u8, Vec<Record>, usize), FormatError> {
    // The first 64 KiB decide, cut at a line end.
    let head = match text.char_indices().nth(65_536) {
        Some((at, _)) => text.get(..at).and_then(|h| h.rfind('\n').and_then(|nl| h.get(..nl))).unwrap_or(text),
        None => text,
    };
    let mut best: Option<(usize, usize, u8)> = None;
    for delimiter in DELIMITERS {
        let Ok(records) = records(head, delimiter) else { continue };
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for record in records.iter().take(200) {
            let len = record.cells.len();
            match counts.iter_mut().find(|(l, _)| *l == len) {
                Some((_, n)) => *n += 1,
                None => counts.push((len, 1)),
            }
        }
        let Some(&(width, freq)) = counts.iter().max_by_key(|&&(len, n)| (n, len)) else { continue };
        if width < 2 {
            continue;
        }
        if best.is_none_or(|(f, w, _)| (freq, width) > (f, w)) {
            best = Some((freq, width, delimiter));
        }
    }
    let (_, width, delimiter) = best.ok_or_else(|| {
        FormatError::syntax("no columns were found: this is not a CSV file with , ; tab or | between columns")
    })?;
    if width > MAX_COLUMNS {
        return Err(FormatError::syntax(format!(
            "the rows have {width} columns, more than the {MAX_COLUMNS} a bank export could have: this is not a statement"
        )));
    }
    Ok((delimiter, records(text, delimiter)?, width))
}

/// Whether the amounts use a decimal comma: cells such as `-63,89` or `1.234,56` against
/// `-63.89` or `1,234.56`.
fn decimal_mark(rows: &[Record], sample: usize) -> DecimalSeparator {
    let (mut comma, mut point) = (0usize, 0usize);
    for cell in rows.iter().take(sample).flat_map(|r| r.cells.iter()) {
        let numeric = cell.chars().any(|c| c.is_ascii_digit())
            && cell.chars().all(|c| c.is_ascii_digit() || " ,.'+-()$€£¥\u{a0}".contains(c));
        if !numeric {
            continue;
        }
        let Some(last) = cell.rfind([',', '.']) else { continue };
        let decimals = cell.get(last + 1..).map_or(0, |d| d.chars().take_while(char::is_ascii_digit).count());
        if !(1..=2).contains(&decimals) {
            continue;
        }
        if cell.get(last..).is_some_and(|s| s.starts_with(',')) {
            comma += 1;
        } else {
            point += 1;
        }
    }
    if comma > point { DecimalSeparator::Comma } else { DecimalSeparator::Point }
}

/// The date column and its format: the column where one format reads the most cells (at least
/// 60% of those not empty), preferring a booking date over a value date when the header says.
fn find_dates(rows: &[Record], width: usize, names: Option<&[Name]>, european: bool) -> Option<(usize, String)> {
    let cells = |column: usize| rows.iter().map(move |r| r.cells.get(column).unwrap_or("")).filter(|c| !c.is_empty());
    let mut best: Option<(usize, usize, usize, &str)> = None; // (score, count, column, format)
    // The column and its format are chosen on a sample; only the chosen one is read in full.
    for (column, sample) in samples(rows, width).into_iter().enumerate() {
        if sample.is_empty() {
            continue;
        }
        let mut format_counts: Vec<(&str, usize)> = DATE_FORMATS
            .iter()
            .map(|f| (*f, sample.iter().filter(|c| parse_date(c, f).is_some()).count()))
            .filter(|(_, n)| *n > 0)
            .collect();
        // European-looking files read ambiguous dates day first.
        format_counts.sort_by_key(|(f, n)| {
            (std::cmp::Reverse(*n), usize::from(if european { !day_first(f) } else { day_first(f) }))
        });
        let Some(&(format, count)) = format_counts.first() else { continue };
        if count * 10 < sample.len() * 6 {
            continue;
        }
        let score = match names.and_then(|n| n.get(column)) {
            Some(name) if name.is(&VALUE_DATE) => 0,
            Some(name) if name.is(&POSTED_DATE) => 3,
            Some(name) if name.is(&DATE) => 2,
            _ => 1,
        };
        if best.as_ref().is_none_or(|(s, n, _, _)| (score, count) > (*s, *n)) {
            best = Some((score, count, column, format));
        }
    }
    let (_, _, column, format) = best?;
    // A day above 12 anywhere in the column settles the order.
    let Some(other) = swapped(format) else { return Some((column, format.to_owned())) };
    let (mut this_ok, mut other_ok) = (true, true);
    for cell in cells(column) {
        let (this, that) = (parse_date(cell, format).is_some(), parse_date(cell, &other).is_some());
        this_ok &= this || !that;
        other_ok &= that || !this;
        if !this_ok && !other_ok {
            break;
        }
    }
    Some((column, if other_ok && !this_ok { other } else { format.to_owned() }))
}

/// The cells of the first `width` columns in `rows` that are not empty, column by column, read
/// row by row so that a short row costs only its own cells.
fn by_column(rows: &[Record], width: usize) -> Vec<Vec<&str>> {
    let mut columns: Vec<Vec<&str>> = vec![Vec::new(); width];
    for row in rows {
        for (cell, column) in row.cells.iter().zip(columns.iter_mut()) {
            if !cell.is_empty() {
                column.push(cell);
            }
        }
    }
    columns
}

/// The first [`sample_rows`] cells that are not empty of each of the first `width` columns, in
/// one pass over the rows that ends once every column has its sample: searched column by column,
/// a column empty in most rows would cost the whole file once per column.
fn samples(rows: &[Record], width: usize) -> Vec<Vec<&str>> {
    let size = sample_rows(width);
    let mut samples: Vec<Vec<&str>> = vec![Vec::new(); width];
    let mut short = width;
    for row in rows {
        if short == 0 {
            break;
        }
        for (cell, sample) in row.cells.iter().zip(samples.iter_mut()) {
            if !cell.is_empty() && sample.len() < size {
                sample.push(cell);
                if sample.len() == size {
                    short -= 1;
                }
            }
        }
    }
    samples
}

fn analyze(rows: &[Record], names: Vec<Name>, mark: DecimalSeparator) -> Vec<Column> {
    // A currency with four decimals, so that reading numbers here never fails on precision.
    let wide = Currency::new("CLF").unwrap_or(Currency::USD);
    let mark = DecimalMark::from(mark);
    let sampled = by_column(rows.get(..rows.len().min(sample_rows(names.len()))).unwrap_or(rows), names.len());
    let mut columns = Vec::with_capacity(names.len());
    for (index, (name, cells)) in names.into_iter().zip(sampled).enumerate() {
        let mut column = Column { index, name, non_empty: cells.len(), ..Column::default() };
        let mut seen: HashSet<&str> = HashSet::new();
        let mut counter = true;
        for (i, cell) in cells.iter().enumerate() {
            if let Ok(m) = Money::parse_with(cell, wide, mark) {
                column.numeric += 1;
                column.negative |= m.is_negative();
            }
            counter &= cell.parse::<usize>().ok() == Some(i + 1);
            column.total_len += cell.chars().count();
            if let Some(sign) = indicator_sign(cell) {
                column.indicator_words += 1;
                if sign < 0 {
                    column.indicator_signs.0 = true;
                } else {
                    column.indicator_signs.1 = true;
                }
            }
            seen.insert(cell);
        }
        column.distinct = seen.len();
        column.unique = seen.len() == cells.len();
        column.counter = counter && !cells.is_empty();
        columns.push(column);
    }
    columns
}

fn find_amount(columns: &[Column], date_column: usize) -> Option<AmountColumns> {
    let candidates: Vec<&Column> = columns
        .iter()
        .filter(|c| c.index != date_column && !c.name.is(&NOT_AMOUNT) && (c.non_empty == 0 || c.is_numeric()))
        .collect();
    let named = |terms: &Terms| candidates.iter().find(|c| c.name.is(terms)).map(|c| c.index);
    let amount = match (named(&DEBIT), named(&CREDIT)) {
        (Some(debit), Some(credit)) if debit != credit => AmountColumns::DebitCredit { debit, credit },
        _ => {
            let signed = candidates
                .iter()
                .find(|c| c.name.is(&SIGNED) && c.non_empty > 0)
                .map(|c| c.index)
                .or_else(|| by_content(&candidates))?;
            return Some(with_indicator(columns, signed));
        }
    };
    Some(amount)
}

/// Without telling headers: the first column of numbers that is not a row counter. (A headerless
/// debit/credit layout cannot be told from two signed columns by content alone: the preview is
/// where the user says so.)
fn by_content(candidates: &[&Column]) -> Option<usize> {
    let numeric: Vec<&&Column> = candidates.iter().filter(|c| c.non_empty > 0 && !c.counter).collect();
    numeric.first().map(|c| c.index)
}

fn with_indicator(columns: &[Column], amount: usize) -> AmountColumns {
    let unsigned = columns.get(amount).is_some_and(|c| !c.negative);
    let indicator = columns.iter().find(|c| c.index != amount && c.is_indicator());
    match indicator {
        Some(indicator) if unsigned => AmountColumns::Indicator { column: amount, indicator: indicator.index },
        _ => AmountColumns::Signed { column: amount, negate: false },
    }
}

fn texty(column: &Column, used: &[usize]) -> bool {
    !used.contains(&column.index) && column.non_empty > 0 && !column.is_numeric() && !column.is_indicator()
}

/// The payee: a column named like one (payee, name, Empfänger ...), then one named like a
/// description, then the text column with the longest values.
fn find_payee(columns: &[Column], used: &[usize]) -> usize {
    let texts: Vec<&Column> = columns.iter().filter(|c| texty(c, used)).collect();
    let pick = |tier: &[&Column]| tier.iter().find(|c| !c.constant()).or_else(|| tier.first()).map(|c| c.index);
    let payees: Vec<&Column> = texts.iter().copied().filter(|c| c.name.is(&PAYEE) && !c.name.is(&NOT_PAYEE)).collect();
    let descriptions: Vec<&Column> =
        texts.iter().copied().filter(|c| c.name.is(&DESCRIPTION) && !c.name.is(&NOT_PAYEE)).collect();
    pick(&payees)
        .or_else(|| pick(&descriptions))
        .or_else(|| {
            let unnamed: Vec<&Column> = texts
                .iter()
                .copied()
                .filter(|c| c.name.is_empty() || !(c.name.is(&NOT_PAYEE) || c.name.is(&ID)))
                .collect();
            let varied =
                unnamed.iter().filter(|c| !c.constant()).max_by_key(|c| (c.average_len(), std::cmp::Reverse(c.index)));
            varied.or_else(|| unnamed.first()).map(|c| c.index)
        })
        .or_else(|| columns.iter().find(|c| !used.contains(&c.index)).map(|c| c.index))
        .unwrap_or(0)
}

fn find_memo(columns: &[Column], used: &[usize], payee: usize) -> Option<usize> {
    let texts: Vec<&Column> = columns.iter().filter(|c| c.index != payee && texty(c, used)).collect();
    let tier = |terms: &Terms| {
        let named: Vec<&&Column> = texts.iter().filter(|c| c.name.is(terms) && !c.name.is(&NOT_PAYEE)).collect();
        named.iter().find(|c| !c.constant()).or_else(|| named.first()).map(|c| c.index)
    };
    tier(&DESCRIPTION).or_else(|| tier(&MEMO))
}

fn find_currency(rows: &[Record], columns: &[Column], amount: &AmountColumns, default: Currency) -> Currency {
    // A currency column with one code throughout: the first code of each column named like
    // one, and whether every other code is the same, read in one pass over the rows.
    let named: Vec<usize> = columns.iter().filter(|c| c.name.is(&CURRENCY)).map(|c| c.index).collect();
    let mut codes: Vec<(Option<&str>, bool)> = vec![(None, true); named.len()];
    if !named.is_empty() {
        for row in rows {
            for (index, (first, same)) in named.iter().zip(codes.iter_mut()) {
                let Some(cell) = row.cells.get(*index) else { break };
                match *first {
                    _ if cell.is_empty() => {}
                    None => *first = Some(cell),
                    Some(code) => *same &= cell.eq_ignore_ascii_case(code),
                }
            }
        }
    }
    for (first, same) in codes {
        if let (Some(first), true) = (first, same)
            && let Ok(code) = Currency::new(first)
        {
            return code;
        }
    }
    // `Amount (EUR)`.
    for index in amount.columns() {
        let Some(column) = columns.get(index) else { continue };
        if let Some(code) = column.name.words.iter().find(|w| w.len() == 3 && Currency::new(w).is_ok_and(is_known))
            && let Ok(currency) = Currency::new(code)
        {
            return currency;
        }
    }
    // Symbols in the amounts.
    let cells = rows.iter().take(SAMPLE_ROWS).flat_map(|r| amount.columns().into_iter().filter_map(|i| r.cells.get(i)));
    for cell in cells {
        if cell.contains('€') {
            return Currency::EUR;
        }
        if cell.contains('£') {
            return Currency::GBP;
        }
        if cell.contains('¥') {
            return Currency::JPY;
        }
        if cell.contains("CHF") {
            return Currency::new("CHF").unwrap_or(default);
        }
        if cell.contains('$') {
            return if default.code().ends_with('D') { default } else { Currency::USD };
        }
    }
    default
}

/// Common currency codes, so that a three-letter word in a header (`net`, `sum`) is not taken
/// for one.
fn is_known(currency: Currency) -> bool {
    [
        "EUR", "USD", "GBP", "CHF", "JPY", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "BRL", "MXN",
        "INR", "CNY", "HKD", "SGD", "ZAR",
    ]
    .contains(&currency.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swapping_day_and_month() {
        assert_eq!(swapped("%m/%d/%Y").as_deref(), Some("%d/%m/%Y"));
        assert_eq!(swapped("%d.%m.%y").as_deref(), Some("%m.%d.%y"));
        assert_eq!(swapped("%Y-%m-%d"), None);
    }

    #[test]
    fn names_match_words_and_run_together_headers() {
        assert!(Name::new("NetAmount").is(&SIGNED));
        assert!(Name::new("Amount (EUR)").is(&SIGNED));
        assert!(Name::new("amount_refunded").is(&NOT_AMOUNT));
        assert!(!Name::new("Original Description").is(&SIGNED));
        assert!(Name::new("Auftraggeber/Empfänger").is(&PAYEE));
        assert!(Name::new("Débit").is(&DEBIT));
        assert!(!Name::new("Invoice").is(&CREDIT));
    }
}
