//! Money as integer minor units plus an ISO 4217 currency. Never a float.
//!
//! Bank files write amounts in many ways (`-1,234.56`, `1.234,56`, `(12.00)`, `$120`,
//! `12.00-`); [`Money::parse`] reads all of them exactly, and refuses rather than rounds when
//! an amount has more decimals than its currency allows.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code: three ASCII capital letters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");
    pub const GBP: Currency = Currency(*b"GBP");
    pub const JPY: Currency = Currency(*b"JPY");

    /// Reads a currency code, case-insensitively (`usd` is `USD`).
    pub fn new(code: &str) -> Result<Currency, MoneyError> {
        let bytes = code.trim().as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_alphabetic) => {
                Ok(Currency([a.to_ascii_uppercase(), b.to_ascii_uppercase(), c.to_ascii_uppercase()]))
            }
            _ => Err(MoneyError::Currency(code.to_owned())),
        }
    }

    pub fn code(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// How many digits follow the decimal point in this currency's minor unit (ISO 4217).
    pub fn minor_digits(&self) -> u32 {
        match &self.0 {
            b"BIF" | b"CLP" | b"DJF" | b"GNF" | b"ISK" | b"JPY" | b"KMF" | b"KRW" | b"PYG" | b"RWF" | b"UGX"
            | b"UYI" | b"VND" | b"VUV" | b"XAF" | b"XOF" | b"XPF" => 0,
            b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => 3,
            b"CLF" | b"UYW" => 4,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::new(&s).map_err(serde::de::Error::custom)
    }
}

/// Which character separates the decimals, when the caller knows (a CSV mapping does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DecimalMark {
    /// Decide from the text: with both `.` and `,` the last one is the decimal mark; a lone
    /// `,` followed by exactly three digits is a thousands separator (`1,234`), otherwise a
    /// lone separator is the decimal mark.
    #[default]
    Auto,
    Point,
    Comma,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not an ISO 4217 currency code (three letters, such as USD)")]
    Currency(String),
    #[error("`{0}` is not an amount of money")]
    Syntax(String),
    #[error("`{amount}` has more decimals than {currency} allows ({digits})")]
    TooPrecise { amount: String, currency: Currency, digits: u32 },
    #[error("`{0}` is too large an amount")]
    Overflow(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
}

/// An exact amount: integer minor units (cents for USD) in one currency. Negative is money out.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// The largest amount, in minor units, any one transaction, balance or budget may have: a
    /// hundred billion of a currency with two decimals. Sums of a vault's amounts stay far from
    /// overflowing, and no real statement comes near it.
    pub const MAX_PLAUSIBLE_MINOR: i64 = 10_000_000_000_000;

    /// Whether this amount is within [`Money::MAX_PLAUSIBLE_MINOR`] either way.
    pub const fn is_plausible(&self) -> bool {
        self.minor >= -Self::MAX_PLAUSIBLE_MINOR && self.minor <= Self::MAX_PLAUSIBLE_MINOR
    }

    pub const fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money::from_minor(0, currency)
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor =
            self.minor.checked_add(other.minor).ok_or_else(|| MoneyError::Overflow(format!("{self} + {other}")))?;
        Ok(Money::from_minor(minor, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor =
            self.minor.checked_sub(other.minor).ok_or_else(|| MoneyError::Overflow(format!("{self} - {other}")))?;
        Ok(Money::from_minor(minor, self.currency))
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// The exact decimal value (`-1234.56`).
    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.minor, self.currency.minor_digits())
    }

    /// Converts exactly; an amount finer than the currency's minor unit is an error, never rounded.
    pub fn from_decimal(value: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let digits = currency.minor_digits();
        let normalized = value.normalize();
        if normalized.scale() > digits {
            return Err(MoneyError::TooPrecise { amount: value.to_string(), currency, digits });
        }
        let scaled = normalized
            .checked_mul(Decimal::from(10i64.pow(digits)))
            .ok_or_else(|| MoneyError::Overflow(value.to_string()))?;
        let minor = i64::try_from(scaled.trunc()).map_err(|_| MoneyError::Overflow(value.to_string()))?;
        Ok(Money::from_minor(minor, currency))
    }

    /// Reads an amount as banks write it, guessing the decimal mark (see [`DecimalMark::Auto`]).
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        Money::parse_with(text, currency, DecimalMark::Auto)
    }

    /// Reads an amount as banks write it: an optional sign (leading `-`/`+`, trailing `-`, or
    /// parentheses), currency symbols or codes around it, thousands separators (`,` `.` space
    /// `'`), and a decimal mark.
    pub fn parse_with(text: &str, currency: Currency, mark: DecimalMark) -> Result<Money, MoneyError> {
        let syntax = || MoneyError::Syntax(text.to_owned());
        let mut s = text.trim();
        let mut negative = false;
        if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            negative = true;
            s = inner.trim();
        }
        // Currency codes and symbols may sit on either side of the sign.
        s = strip_currency(s, currency);
        if let Some(rest) = s.strip_prefix('-') {
            negative = !negative;
            s = rest;
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest;
        } else if let Some(rest) = s.strip_suffix('-') {
            negative = !negative;
            s = rest;
        }
        s = strip_currency(s.trim(), currency);

        let body: String = s.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '’')).collect();
        if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') {
            return Err(syntax());
        }
        if !body.starts_with(|c: char| c.is_ascii_digit()) && !body.starts_with('.') && !body.starts_with(',') {
            return Err(syntax());
        }
        let decimal_mark = decide_mark(&body, mark).ok_or_else(syntax)?;
        let (int_part, frac_part) = match decimal_mark {
            Some(m) => {
                let at = body.rfind(m).ok_or_else(syntax)?;
                (&body[..at], &body[at + 1..])
            }
            None => (body.as_str(), ""),
        };
        if frac_part.contains(['.', ',']) {
            return Err(syntax());
        }
        let digits_int = ungroup(int_part).ok_or_else(syntax)?;
        if digits_int.is_empty() && frac_part.is_empty() {
            return Err(syntax());
        }

        let allowed = currency.minor_digits() as usize;
        let frac_trimmed = frac_part.trim_end_matches('0');
        if frac_trimmed.len() > allowed {
            return Err(MoneyError::TooPrecise { amount: text.to_owned(), currency, digits: allowed as u32 });
        }
        let mut minor: i64 = 0;
        let overflow = || MoneyError::Overflow(text.to_owned());
        for c in
            digits_int.chars().chain(frac_trimmed.chars()).chain(std::iter::repeat_n('0', allowed - frac_trimmed.len()))
        {
            let d = i64::from(c.to_digit(10).ok_or_else(syntax)?);
            minor = minor.checked_mul(10).and_then(|m| m.checked_add(d)).ok_or_else(overflow)?;
        }
        Ok(Money::from_minor(if negative { -minor } else { minor }, currency))
    }

    /// The plain machine form: `-1234.56` (no grouping, `.` as the mark).
    pub fn to_plain_string(&self) -> String {
        self.format(DecimalMark::Point, false)
    }

    /// Formats with the given decimal mark (`Auto` means `.`), optionally grouping thousands
    /// with the other separator: `-1,234.56` or `-1.234,56`.
    pub fn format(&self, mark: DecimalMark, group: bool) -> String {
        let (point, sep) = match mark {
            DecimalMark::Comma => (',', '.'),
            DecimalMark::Point | DecimalMark::Auto => ('.', ','),
        };
        let digits = self.currency.minor_digits() as usize;
        let abs = self.minor.unsigned_abs().to_string();
        let padded = format!("{abs:0>width$}", width = digits + 1);
        let (int_part, frac_part) = padded.split_at(padded.len() - digits);
        let mut out = String::new();
        if self.minor < 0 {
            out.push('-');
        }
        if group {
            for (i, c) in int_part.chars().enumerate() {
                if i > 0 && (int_part.len() - i) % 3 == 0 {
                    out.push(sep);
                }
                out.push(c);
            }
        } else {
            out.push_str(int_part);
        }
        if digits > 0 {
            out.push(point);
            out.push_str(frac_part);
        }
        out
    }
}

fn strip_currency(s: &str, currency: Currency) -> &str {
    let mut s = s.trim();
    for symbol in ["US$", "$", "€", "£", "¥", "₹", "₩", "CHF", "kr", currency.code()] {
        if let Some(rest) = s.strip_prefix(symbol) {
            s = rest.trim_start();
        }
        if let Some(rest) = s.strip_suffix(symbol) {
            s = rest.trim_end();
        }
    }
    s
}

/// Which character is the decimal mark: `Some(None)` when there is none, `None` when the text
/// cannot be read with the requested mark.
fn decide_mark(body: &str, mark: DecimalMark) -> Option<Option<char>> {
    let points = body.matches('.').count();
    let commas = body.matches(',').count();
    let pick = |m: char, other_count: usize, own_count: usize| -> Option<Option<char>> {
        // The mark appears at most once, and after every thousands separator.
        if own_count > 1 {
            return None;
        }
        if own_count == 0 {
            return Some(None);
        }
        let other = if m == '.' { ',' } else { '.' };
        if other_count > 0 && body.rfind(other) > body.rfind(m) {
            return None;
        }
        Some(Some(m))
    };
    match mark {
        DecimalMark::Point => pick('.', commas, points),
        DecimalMark::Comma => pick(',', points, commas),
        DecimalMark::Auto => match (points, commas) {
            (0, 0) => Some(None),
            (_, 0) if points > 1 => Some(None),
            (0, _) if commas > 1 => Some(None),
            (1, 0) => Some(Some('.')),
            (0, 1) => {
                let after = body.len() - body.rfind(',')? - 1;
                Some(if after == 3 { None } else { Some(',') })
            }
            _ => {
                let last = if body.rfind('.') > body.rfind(',') { '.' } else { ',' };
                pick(last, if last == '.' { commas } else { points }, if last == '.' { points } else { commas })
            }
        },
    }
}

/// Removes thousands separators, checking the groups: the first has 1 to 3 digits, the last
/// exactly 3, the ones between 2 or 3 (which also admits Indian grouping, `1,23,456`).
fn ungroup(int_part: &str) -> Option<String> {
    let groups: Vec<&str> = int_part.split([',', '.']).collect();
    if groups.len() == 1 {
        return Some(groups[0].to_owned());
    }
    let last = groups.len() - 1;
    for (i, g) in groups.iter().enumerate() {
        let ok = match i {
            0 => (1..=3).contains(&g.len()),
            i if i == last => g.len() == 3,
            _ => (2..=3).contains(&g.len()),
        };
        if !ok {
            return None;
        }
    }
    Some(groups.concat())
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_plain_string(), self.currency)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self})")
    }
}

/// On the wire money is a decimal string and a currency, so no client ever holds it in a
/// floating-point number (a JSON number would become a float in TypeScript).
#[derive(Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Money")]
struct MoneyWire {
    /// Exact decimal, `-1234.56`.
    amount: String,
    /// ISO 4217 code.
    currency: String,
}

impl ts_rs::TS for Money {
    type WithoutGenerics = Money;
    type OptionInnerType = Money;
    fn name(cfg: &ts_rs::Config) -> String {
        MoneyWire::name(cfg)
    }
    fn inline(cfg: &ts_rs::Config) -> String {
        MoneyWire::inline(cfg)
    }
    fn decl(cfg: &ts_rs::Config) -> String {
        MoneyWire::decl(cfg)
    }
    fn decl_concrete(cfg: &ts_rs::Config) -> String {
        MoneyWire::decl_concrete(cfg)
    }
    fn output_path() -> Option<std::path::PathBuf> {
        Some("Money.ts".into())
    }
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        MoneyWire { amount: self.to_plain_string(), currency: self.currency.code().to_owned() }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = MoneyWire::deserialize(d)?;
        let currency = Currency::new(&wire.currency).map_err(serde::de::Error::custom)?;
        Money::parse_with(&wire.amount, currency, DecimalMark::Point).map_err(serde::de::Error::custom)
    }
}
