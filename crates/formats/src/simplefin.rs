//! SimpleFIN's `GET /accounts` answer: accounts with their balances and transactions, and an
//! `errors` list the Bridge uses to say a connection needs attention (kept as the statement's
//! warnings). Amounts are decimal strings; instants are Unix seconds, and a transaction's date
//! is the UTC date of its `posted` instant (or of `transacted_at` while it is pending).

use std::fmt;

use serde_json::Value;
use spearmint_core::{AccountKind, Currency, DecimalMark, Money, Statement, StatementAccount, StatementTransaction};

use crate::date::unix_date;
use crate::error::FormatError;
use crate::text::{self, clean, clean_opt};

pub fn parse_accounts(bytes: &[u8]) -> Result<Statement, FormatError> {
    let text = text::decode(bytes)?;
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return Err(FormatError::empty("the SimpleFIN answer is empty"));
    }
    if text.starts_with('<') {
        return Err(FormatError::syntax(
            "the SimpleFIN server answered with a web page (HTML) instead of JSON: access was probably refused",
        ));
    }
    let root: Value = serde_json::from_str(text).map_err(|e| {
        FormatError::syntax(format!(
            "the SimpleFIN answer is not valid JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })?;
    let root = root.as_object().ok_or_else(|| FormatError::syntax("the SimpleFIN answer is not a JSON object"))?;

    let mut statement = Statement::default();
    for key in ["errors", "errlist"] {
        for error in root.get(key).and_then(Value::as_array).into_iter().flatten() {
            let message = match error {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => {
                    o.get("msg").or_else(|| o.get("message")).and_then(Value::as_str).map(str::to_owned)
                }
                _ => None,
            };
            if let Some(message) = clean_opt(message.as_deref()) {
                statement.warnings.push(message);
            }
        }
    }
    let accounts = root
        .get("accounts")
        .and_then(Value::as_array)
        .ok_or_else(|| FormatError::syntax("the SimpleFIN answer has no `accounts` list"))?;
    for (n, account) in accounts.iter().enumerate() {
        if let Some(account) = read_account(account, n + 1, &mut statement.warnings)? {
            statement.accounts.push(account);
        }
    }
    Ok(statement)
}

/// A string field, or a number written without quotes.
fn string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn seconds(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn money(value: Option<&Value>, currency: Currency, what: &dyn fmt::Display) -> Result<Option<Money>, FormatError> {
    let Some(text) = string(value).filter(|s| !s.trim().is_empty()) else { return Ok(None) };
    Money::parse_with(&text, currency, DecimalMark::Point)
        .map(Some)
        .map_err(|e| FormatError::invalid(format!("{what}: {e}")))
}

fn kind_from(name: &str, has_holdings: bool) -> AccountKind {
    let name = name.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if has_holdings || has(&["brokerage", "401k", "401(k)", "ira", "invest", "portfolio"]) {
        AccountKind::Investment
    } else if has(&["card", "visa", "mastercard", "amex"]) {
        AccountKind::CreditCard
    } else if has(&["mortgage", "loan"]) {
        AccountKind::Loan
    } else if has(&["saving"]) {
        AccountKind::Savings
    } else if has(&["checking", "chequing", "current"]) {
        AccountKind::Checking
    } else {
        AccountKind::Other
    }
}

/// A transaction, as messages name it: written out only when there is a message, since the
/// account's label may be long and its transactions many.
struct Transaction<'a> {
    label: &'a str,
    id: Option<&'a str>,
    number: usize,
}

impl fmt::Display for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id {
            Some(id) => write!(f, "{}, transaction {id}", self.label),
            None => write!(f, "{}, transaction {}", self.label, self.number),
        }
    }
}

fn read_account(
    account: &Value,
    n: usize,
    warnings: &mut Vec<String>,
) -> Result<Option<StatementAccount>, FormatError> {
    let id = string(account.get("id")).filter(|id| !id.is_empty());
    let id = id.ok_or_else(|| FormatError::invalid(format!("SimpleFIN account {n} has no id")))?;
    let name = clean_opt(account.get("name").and_then(Value::as_str));
    let label = match name.as_deref() {
        Some(name) => format!("SimpleFIN account {name}"),
        None => format!("SimpleFIN account {}", crate::error::last_four(&id)),
    };
    let code = account.get("currency").and_then(Value::as_str).unwrap_or("").trim();
    let currency = if code.is_empty() {
        Currency::USD
    } else {
        match Currency::new(code) {
            Ok(currency) => currency,
            Err(_) => {
                warnings.push(format!("{label} counts in `{code}`, not a currency Spearmint knows; it was skipped"));
                return Ok(None);
            }
        }
    };
    let balance = money(account.get("balance"), currency, &format!("{label}, balance"))?;
    let balance_on = seconds(account.get("balance-date")).and_then(unix_date).filter(|_| balance.is_some());
    let org = account.get("org");
    let institution = clean_opt(org.and_then(|o| o.get("name")).and_then(Value::as_str))
        .or_else(|| clean_opt(org.and_then(|o| o.get("domain")).and_then(Value::as_str)));
    let has_holdings = account.get("holdings").and_then(Value::as_array).is_some_and(|h| !h.is_empty());

    let mut transactions = Vec::new();
    for (t, tx) in account.get("transactions").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let tx_id = string(tx.get("id")).filter(|id| !id.is_empty());
        let what = Transaction { label: &label, id: tx_id.as_deref(), number: t + 1 };
        let posted = seconds(tx.get("posted")).filter(|&s| s > 0);
        let transacted = seconds(tx.get("transacted_at")).filter(|&s| s > 0);
        let instant = posted
            .or(transacted)
            .ok_or_else(|| FormatError::invalid(format!("{what} has no date (posted or transacted_at)")))?;
        let posted_on = unix_date(instant)
            .ok_or_else(|| FormatError::invalid(format!("{what}: `{instant}` is not a time (Unix seconds)")))?;
        let amount = money(tx.get("amount"), currency, &what)?
            .ok_or_else(|| FormatError::invalid(format!("{what} has no amount")))?;
        let description = clean_opt(tx.get("description").and_then(Value::as_str));
        let payee_field = clean_opt(tx.get("payee").and_then(Value::as_str));
        let memo = clean_opt(tx.get("memo").and_then(Value::as_str));
        let payee = description.or(payee_field).unwrap_or_default();
        let pending = tx.get("pending").and_then(Value::as_bool).unwrap_or(false) || posted.is_none();
        let mcc = tx
            .get("extra")
            .and_then(|e| e.get("mcc").or_else(|| e.get("category_code")))
            .and_then(|m| string(Some(m)))
            .and_then(|m| m.trim().parse().ok());
        let mut transaction = StatementTransaction::new(posted_on, amount, payee);
        transaction.provider_id = tx_id;
        transaction.memo = memo;
        transaction.pending = pending;
        transaction.mcc = mcc;
        transactions.push(transaction);
    }

    Ok(Some(StatementAccount {
        provider_account_id: id,
        kind: kind_from(name.as_deref().unwrap_or(""), has_holdings),
        name: name.map(|n| clean(&n)),
        currency,
        institution,
        balance,
        balance_on,
        transactions,
    }))
}
