//! QIF, Quicken's old interchange format: `!Type:Bank` (or `CCard`, `Cash`, `Oth A`, `Oth L`)
//! sections of records, one field a line (`D` date, `T`/`U` amount, `P` payee, `M` memo, `N`
//! number, `L` category, `S`/`E`/`$` splits), each record ended by `^`; `!Account` blocks name the
//! account the following transactions belong to, so one file may hold several accounts.
//!
//! QIF states no currency (the caller says which) and writes dates many ways (`1/ 2'24`,
//! `01/02/2024`, `2024-01-02`): the day/month order is settled per file, by any date whose day is
//! above 12, else by the caller's [`DateOrder`], else month first (Quicken US).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use spearmint_core::{AccountKind, Currency, Money, Statement, StatementAccount, StatementSplit, StatementTransaction};

use crate::error::FormatError;
use crate::text::{self, clean, clean_opt};

/// The order of day and month in dates such as `01/02/2024`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    MonthFirst,
    DayFirst,
    YearFirst,
}

/// Whether text starts like a QIF file: its first line that is not blank, a `#` comment or a
/// stray `^` is a `!Type:`, `!Account`, `!Option:` or `!Clear:` header.
pub(crate) fn looks_like_qif(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "^")
        .map(|l| l.to_ascii_lowercase())
        .is_some_and(|l| ["!type:", "!account", "!option:", "!clear:"].iter().any(|p| l.starts_with(p)))
}

/// Reads a QIF file. `currency` is the currency of every amount (QIF states none); `date_order`
/// settles dates such as `01/02/2024` when no date in the file does.
pub fn parse(bytes: &[u8], currency: Currency, date_order: Option<DateOrder>) -> Result<Statement, FormatError> {
    let text = text::decode(bytes)?;
    if text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').is_empty() {
        return Err(FormatError::empty("the file is empty"));
    }
    let mut reader = Reader::default();
    for (index, line) in text.split('\n').enumerate() {
        reader.line(index + 1, line.trim_end_matches('\r'))?;
    }
    reader.end_record()?;
    reader.finish(currency, date_order)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Before any header.
    None,
    Account,
    Transactions(AccountKind),
    Investment,
    /// Category, class, security, memorized-transaction and price lists: nothing to import.
    List,
}

#[derive(Debug)]
struct Field {
    line: usize,
    code: char,
    value: String,
}

#[derive(Debug, Default)]
struct AccountBuild {
    name: Option<String>,
    kind: Option<AccountKind>,
    transactions: Vec<RawTransaction>,
    investment: bool,
}

#[derive(Debug)]
struct RawTransaction {
    /// The line of the record's first field.
    line: usize,
    date: (usize, String),
    amount: Option<(usize, String)>,
    payee: Option<String>,
    memo: Option<String>,
    number: Option<String>,
    category: Option<String>,
    splits: Vec<RawSplit>,
}

#[derive(Debug, Default)]
struct RawSplit {
    category: Option<String>,
    memo: Option<String>,
    amount: Option<(usize, String)>,
}

#[derive(Debug)]
struct Reader {
    section: Section,
    record: Vec<Field>,
    accounts: Vec<AccountBuild>,
    /// Where each named account is in `accounts`: a file may list tens of thousands.
    by_name: HashMap<String, usize>,
    current: Option<usize>,
    auto_switch: bool,
    investment_records: usize,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            section: Section::None,
            record: Vec::new(),
            accounts: Vec::new(),
            by_name: HashMap::new(),
            current: None,
            auto_switch: false,
            investment_records: 0,
        }
    }
}

fn account_kind(type_name: &str) -> Option<AccountKind> {
    Some(match clean(type_name).to_ascii_lowercase().as_str() {
        "bank" => AccountKind::Checking,
        "ccard" | "credit card" => AccountKind::CreditCard,
        "cash" | "bar" => AccountKind::Cash,
        "oth a" | "oth s" => AccountKind::Other,
        "oth l" => AccountKind::Loan,
        "invst" | "port" | "401(k)/403(b)" | "mutual" | "invest" => AccountKind::Investment,
        _ => return None,
    })
}

impl Reader {
    fn line(&mut self, number: usize, line: &str) -> Result<(), FormatError> {
        let trimmed = line.trim_start_matches('\u{feff}').trim();
        if trimmed.is_empty() {
            return Ok(());
        }
        if let Some(header) = trimmed.strip_prefix('!') {
            self.end_record()?;
            return self.header(number, header);
        }
        if trimmed == "^" || (trimmed.starts_with('^') && trimmed.get(1..).is_some_and(|r| r.trim().is_empty())) {
            return self.end_record();
        }
        if trimmed.starts_with('#') {
            return Ok(());
        }
        let mut chars = trimmed.chars();
        let Some(code) = chars.next() else { return Ok(()) };
        if self.section == Section::None {
            let shown: String = trimmed.chars().take(40).collect();
            return Err(FormatError::syntax(format!(
                "line {number}: `{shown}` comes before any `!Type:` header: this is not a QIF file"
            )));
        }
        self.record.push(Field { line: number, code, value: chars.as_str().trim().to_owned() });
        Ok(())
    }

    fn header(&mut self, number: usize, header: &str) -> Result<(), FormatError> {
        let lower = header.trim().to_ascii_lowercase();
        if lower.starts_with("option:autoswitch") {
            self.auto_switch = true;
            return Ok(());
        }
        if lower.starts_with("clear:autoswitch") {
            self.auto_switch = false;
            return Ok(());
        }
        if lower.starts_with("account") {
            self.section = Section::Account;
            return Ok(());
        }
        let Some(type_name) = lower.strip_prefix("type:") else {
            // Other options (`!Option:MDY`) change nothing we read.
            return Ok(());
        };
        let type_name = clean(type_name);
        // Transactions outside any `!Account` go to an unnamed account per section.
        if self.current.and_then(|i| self.accounts.get(i)).is_some_and(|a| a.name.is_none()) {
            self.current = None;
        }
        self.section = match type_name.as_str() {
            "invst" | "port" => Section::Investment,
            "cat" | "class" | "memorized" | "security" | "prices" | "invitem" | "template" | "budget" => Section::List,
            other => match account_kind(other) {
                Some(kind) => Section::Transactions(kind),
                None => {
                    let original = clean(header.trim().get(5..).unwrap_or_default());
                    return Err(FormatError::unsupported(format!(
                        "line {number}: `!Type:{original}` is not a QIF section Spearmint reads (Bank, CCard, Cash, Oth A, Oth L)"
                    )));
                }
            },
        };
        Ok(())
    }

    fn end_record(&mut self) -> Result<(), FormatError> {
        let fields = std::mem::take(&mut self.record);
        if fields.is_empty() {
            return Ok(());
        }
        match self.section {
            Section::None | Section::List => Ok(()),
            Section::Account => {
                self.account_record(&fields);
                Ok(())
            }
            Section::Investment => {
                self.investment_records += 1;
                if let Some(account) = self.current.and_then(|i| self.accounts.get_mut(i)) {
                    account.investment = true;
                }
                Ok(())
            }
            Section::Transactions(kind) => self.transaction_record(kind, fields),
        }
    }

    fn account_record(&mut self, fields: &[Field]) {
        let name = clean_opt(fields.iter().find(|f| f.code == 'N').map(|f| f.value.as_str()));
        let kind = fields.iter().find(|f| f.code == 'T').and_then(|f| account_kind(&f.value));
        let existing = name.as_ref().and_then(|name| self.by_name.get(name)).copied();
        let index = match existing {
            Some(index) => index,
            None => {
                let index = self.accounts.len();
                if let Some(name) = &name {
                    self.by_name.insert(name.clone(), index);
                }
                self.accounts.push(AccountBuild { name, kind, ..AccountBuild::default() });
                index
            }
        };
        if let Some(account) = self.accounts.get_mut(index) {
            account.kind = account.kind.or(kind);
        }
        // In an AutoSwitch block `!Account` only lists accounts; otherwise it names the account
        // the next transactions belong to.
        self.current = if self.auto_switch { None } else { Some(index) };
    }

    fn transaction_record(&mut self, kind: AccountKind, fields: Vec<Field>) -> Result<(), FormatError> {
        let first_line = fields.first().map_or(0, |f| f.line);
        let mut date = None;
        let mut total = None;
        let mut total_u = None;
        let mut payee = None;
        let mut memo = None;
        let mut number = None;
        let mut category = None;
        let mut splits: Vec<RawSplit> = Vec::new();
        let mut meaningful = false;
        for field in fields {
            let value = field.value;
            let line = field.line;
            match field.code {
                // A second date inside a split (some exporters write one) does not move the
                // transaction.
                'D' => {
                    meaningful = true;
                    if date.is_none() && !value.is_empty() {
                        date = Some((line, value));
                    }
                }
                'T' => {
                    meaningful = true;
                    if !value.is_empty() {
                        total = Some((line, value));
                    }
                }
                'U' if !value.is_empty() => total_u = Some((line, value)),
                'P' => payee = Some(value),
                'M' => memo = Some(value),
                'N' => number = Some(value),
                'L' => category = Some(value),
                'S' => splits.push(RawSplit { category: Some(value), ..RawSplit::default() }),
                'E' => match splits.last_mut() {
                    Some(split) if split.memo.is_none() && split.amount.is_none() => split.memo = Some(value),
                    _ => splits.push(RawSplit { memo: Some(value), ..RawSplit::default() }),
                },
                '$' => match splits.last_mut() {
                    Some(split) if split.amount.is_none() => split.amount = Some((line, value)),
                    _ => splits.push(RawSplit { amount: Some((line, value)), ..RawSplit::default() }),
                },
                _ => {}
            }
        }
        if !meaningful && payee.is_none() && splits.is_empty() {
            // An empty record (`^` right after a header).
            return Ok(());
        }
        let Some(date) = date else {
            return Err(FormatError::invalid(format!("line {first_line}: the transaction has no date (D line)")));
        };
        let index = match self.current {
            Some(index) => index,
            None => {
                self.accounts.push(AccountBuild { kind: Some(kind), ..AccountBuild::default() });
                self.accounts.len() - 1
            }
        };
        self.current = Some(index);
        if let Some(account) = self.accounts.get_mut(index) {
            account.kind = account.kind.or(Some(kind));
            account.transactions.push(RawTransaction {
                line: first_line,
                date,
                amount: total.or(total_u),
                payee,
                memo,
                number,
                category,
                splits,
            });
        }
        Ok(())
    }

    fn finish(self, currency: Currency, date_order: Option<DateOrder>) -> Result<Statement, FormatError> {
        let order = resolve_order(
            self.accounts.iter().flat_map(|a| a.transactions.iter()).map(|t| (t.date.0, t.date.1.as_str())),
            date_order,
        )?;
        let mut statement = Statement::default();
        let mut skipped_investment = self.investment_records;
        for account in self.accounts {
            let kind = account.kind.unwrap_or(AccountKind::Other);
            if kind == AccountKind::Investment || (account.investment && account.transactions.is_empty()) {
                skipped_investment += account.transactions.len();
                continue;
            }
            if account.transactions.is_empty() {
                continue;
            }
            let mut transactions = Vec::with_capacity(account.transactions.len());
            for raw in account.transactions {
                transactions.push(build_transaction(raw, currency, order)?);
            }
            statement.accounts.push(StatementAccount {
                provider_account_id: String::new(),
                name: account.name,
                kind,
                currency,
                institution: None,
                balance: None,
                balance_on: None,
                transactions,
            });
        }
        if statement.accounts.is_empty() {
            if skipped_investment > 0 {
                return Err(FormatError::unsupported(
                    "investment transactions (!Type:Invst) are not supported: export a bank, cash or credit card account",
                ));
            }
            return Err(FormatError::empty(
                "this QIF file holds no bank, cash or credit card transactions (only account, category or other lists)",
            ));
        }
        if skipped_investment > 0 {
            statement.warnings.push(format!(
                "{skipped_investment} investment record(s) (!Type:Invst) were skipped: investment accounts are not supported"
            ));
        }
        Ok(statement)
    }
}

fn build_transaction(
    raw: RawTransaction,
    currency: Currency,
    order: DateOrder,
) -> Result<StatementTransaction, FormatError> {
    let (date_line, date_text) = &raw.date;
    let posted_on = to_date(date_text, order).ok_or_else(|| {
        FormatError::invalid(format!("line {date_line}: `{date_text}` is not a date (read as {})", describe(order)))
    })?;
    let money = |(line, text): &(usize, String)| {
        Money::parse(text, currency).map_err(|e| FormatError::invalid(format!("line {line}: {e}")))
    };
    let mut splits = Vec::with_capacity(raw.splits.len());
    for (i, split) in raw.splits.iter().enumerate() {
        let Some(amount) = &split.amount else {
            return Err(FormatError::invalid(format!(
                "the transaction at line {}: split {} has no amount ($ line)",
                raw.line,
                i + 1
            )));
        };
        splits.push(StatementSplit {
            category_hint: split.category.as_deref().and_then(category),
            memo: clean_opt(split.memo.as_deref()),
            amount: money(amount)?,
        });
    }
    let split_sum = splits.iter().try_fold(Money::zero(currency), |sum, s| sum.checked_add(s.amount));
    let split_sum =
        split_sum.map_err(|e| FormatError::invalid(format!("the transaction at line {}: {e}", raw.line)))?;
    let amount = match &raw.amount {
        Some(amount) => money(amount)?,
        None if !splits.is_empty() => split_sum,
        None => {
            return Err(FormatError::invalid(format!("line {}: the transaction has no amount (T line)", raw.line)));
        }
    };
    if !splits.is_empty() && split_sum != amount {
        return Err(FormatError::invalid(format!(
            "the transaction at line {} ({}): its splits add up to {} but its amount (T) is {}",
            raw.line,
            posted_on,
            split_sum.to_plain_string(),
            amount.to_plain_string()
        )));
    }
    let name = clean_opt(raw.payee.as_deref());
    let memo = clean_opt(raw.memo.as_deref());
    let (payee, memo) = match name {
        Some(name) => (name, memo),
        None => (memo.unwrap_or_default(), None),
    };
    Ok(StatementTransaction {
        provider_id: None,
        posted_on,
        amount,
        payee,
        memo,
        pending: false,
        mcc: None,
        check_number: clean_opt(raw.number.as_deref()),
        category_hint: if splits.is_empty() { raw.category.as_deref().and_then(category) } else { None },
        splits,
    })
}

/// A category from an `L` or `S` line: `Food:Groceries/Class` without its class; `--Split--`
/// is a marker, not a category.
fn category(value: &str) -> Option<String> {
    let without_class = match value.strip_prefix('[') {
        Some(_) => value.find(']').and_then(|end| value.get(..=end)).unwrap_or(value),
        None => value.split('/').next().unwrap_or(value),
    };
    clean_opt(Some(without_class)).filter(|c| c != "--Split--")
}

fn describe(order: DateOrder) -> &'static str {
    match order {
        DateOrder::MonthFirst => "month/day/year",
        DateOrder::DayFirst => "day/month/year",
        DateOrder::YearFirst => "year-month-day",
    }
}

/// A date split into its numbers: `(first, second, year)` for `M/D/Y` or `D/M/Y` forms, or a
/// date already complete for year-first forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parts {
    YearFirst(i32, u32, u32),
    YearLast(u32, u32, i32),
}

fn parts(text: &str) -> Option<Parts> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 8 && compact.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Parts::YearFirst(
            compact.get(..4)?.parse().ok()?,
            compact.get(4..6)?.parse().ok()?,
            compact.get(6..8)?.parse().ok()?,
        ));
    }
    let apostrophe = compact.contains('\'');
    let pieces: Vec<&str> = compact.split(['/', '-', '.', '\'']).collect();
    let [a, b, c] = pieces.as_slice() else { return None };
    if [a, b, c].iter().any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if a.len() == 4 {
        return Some(Parts::YearFirst(a.parse().ok()?, b.parse().ok()?, c.parse().ok()?));
    }
    if a.len() > 2 || b.len() > 2 || c.len() == 3 {
        return None;
    }
    let year_number: i32 = c.parse().ok()?;
    let year = if c.len() == 4 {
        year_number
    } else if apostrophe || year_number < 70 {
        2000 + year_number
    } else {
        1900 + year_number
    };
    Some(Parts::YearLast(a.parse().ok()?, b.parse().ok()?, year))
}

fn to_date(text: &str, order: DateOrder) -> Option<NaiveDate> {
    match parts(text)? {
        Parts::YearFirst(y, m, d) => NaiveDate::from_ymd_opt(y, m, d),
        Parts::YearLast(a, b, y) => match order {
            DateOrder::DayFirst => NaiveDate::from_ymd_opt(y, b, a),
            DateOrder::MonthFirst | DateOrder::YearFirst => NaiveDate::from_ymd_opt(y, a, b),
        },
    }
}

/// Settles day/month order for the whole file: a first number above 12 means day first, a
/// second above 12 means month first; a file showing both is refused rather than guessed.
fn resolve_order<'a>(
    dates: impl Iterator<Item = (usize, &'a str)>,
    preferred: Option<DateOrder>,
) -> Result<DateOrder, FormatError> {
    let mut day_first: Option<(usize, &str)> = None;
    let mut month_first: Option<(usize, &str)> = None;
    for (line, text) in dates {
        let Some(Parts::YearLast(a, b, _)) = parts(text) else { continue };
        if a > 12 && b <= 12 && day_first.is_none() {
            day_first = Some((line, text));
        }
        if b > 12 && a <= 12 && month_first.is_none() {
            month_first = Some((line, text));
        }
    }
    match (day_first, month_first) {
        (Some((l1, d1)), Some((l2, d2))) => Err(FormatError::invalid(format!(
            "the dates in this file disagree: line {l1} (`{d1}`) puts the day first, line {l2} (`{d2}`) the month first"
        ))),
        (Some(_), None) => Ok(DateOrder::DayFirst),
        (None, Some(_)) => Ok(DateOrder::MonthFirst),
        (None, None) => Ok(match preferred {
            Some(DateOrder::DayFirst) => DateOrder::DayFirst,
            _ => DateOrder::MonthFirst,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_parts() {
        assert_eq!(parts("1/ 1'00"), Some(Parts::YearLast(1, 1, 2000)));
        assert_eq!(parts("2/10'2020"), Some(Parts::YearLast(2, 10, 2020)));
        assert_eq!(parts("8/25/93"), Some(Parts::YearLast(8, 25, 1993)));
        assert_eq!(parts("2022-09-23"), Some(Parts::YearFirst(2022, 9, 23)));
        assert_eq!(parts("20220923"), Some(Parts::YearFirst(2022, 9, 23)));
        assert_eq!(parts("22.12.2017"), Some(Parts::YearLast(22, 12, 2017)));
        assert_eq!(parts("12/31/20x3"), None);
    }

    #[test]
    fn categories_lose_their_class() {
        assert_eq!(category("Bills:Cell Phone/Test class").as_deref(), Some("Bills:Cell Phone"));
        assert_eq!(category("[Savings]/Class").as_deref(), Some("[Savings]"));
        assert_eq!(category("--Split--"), None);
        assert_eq!(category(""), None);
    }
}
