//! CAMT.053, the ISO 20022 bank-to-customer statement (every version from `001.02` to `001.14`:
//! elements are matched by local name, whatever the namespace or prefix).
//!
//! Each `Stmt` is an account (`Acct/Id/IBAN`, or `Othr/Id`); each `Ntry` an entry whose sign
//! comes from `CdtDbtInd` alone (`DBIT` is money out, also for a reversal, whose indicator
//! already says which way the money went now). An entry that books several payments at once
//! (several `TxDtls`, each with its own amount adding up to the entry's) becomes one transaction
//! per payment, so each counterparty keeps its own row.

use std::fmt;

use chrono::NaiveDate;
use spearmint_core::{AccountKind, Currency, DecimalMark, Money, Statement, StatementAccount, StatementTransaction};

use crate::date::iso_date;
use crate::error::FormatError;
use crate::text::{self, clean, clean_opt};
use crate::xml::{Doc, XEl};

pub fn parse(bytes: &[u8]) -> Result<Statement, FormatError> {
    let text = text::decode(bytes)?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(FormatError::empty("the file is empty"));
    }
    if text.contains("{{") && text.contains("{%") {
        return Err(FormatError::invalid(
            "this is a template with `{{ }}` placeholders, not a filled-in statement: export the statement from the bank",
        ));
    }
    let doc = Doc::parse(text)?;
    let root = doc.root();
    let Some(report) = root.descendants("BkToCstmrStmt").into_iter().next() else {
        for (element, what) in [
            ("BkToCstmrAcctRpt", "camt.052 intraday reports"),
            ("BkToCstmrDbtCdtNtfctn", "camt.054 debit/credit notifications"),
        ] {
            if !root.descendants(element).is_empty() {
                return Err(FormatError::unsupported(format!(
                    "{what} are not supported: export the account statement as CAMT.053"
                )));
            }
        }
        return Err(FormatError::syntax("no <BkToCstmrStmt> element: this is not a CAMT.053 statement"));
    };
    let mut statement = Statement::default();
    for (s, stmt) in report.children_named("Stmt").enumerate() {
        statement.accounts.push(read_statement(stmt, s + 1, &mut statement.warnings)?);
    }
    if statement.accounts.is_empty() {
        return Err(FormatError::empty("the CAMT.053 file holds no statement (Stmt)"));
    }
    Ok(statement)
}

/// Where in the file a message is about: written out only when there is a message, since a
/// statement's label (its account number) may be long and its entries many.
#[derive(Debug, Clone, Copy)]
enum Place<'a> {
    ClosingBalance { label: &'a str },
    Entry { label: &'a str, number: usize },
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::ClosingBalance { label } => write!(f, "{label}, closing balance"),
            Place::Entry { label, number } => write!(f, "{label}, entry {number}"),
        }
    }
}

fn currency_of(code: &str, what: &dyn fmt::Display) -> Result<Currency, FormatError> {
    Currency::new(code).map_err(|e| FormatError::invalid(format!("{what}: {e}")))
}

/// `Dt/Dt` or `Dt/DtTm` (the date as written; a time zone never moves it).
fn date_of(el: Option<XEl<'_>>) -> Option<NaiveDate> {
    let el = el?;
    el.text_at(&["Dt"]).or_else(|| el.text_at(&["DtTm"])).or_else(|| el.text()).and_then(iso_date)
}

fn signed(amount: Money, indicator: Option<&str>, what: &dyn fmt::Display) -> Result<Money, FormatError> {
    match indicator.map(str::to_ascii_uppercase).as_deref() {
        Some("CRDT") => Ok(amount),
        Some("DBIT") => Ok(Money::from_minor(amount.minor().saturating_neg(), amount.currency())),
        Some(other) => Err(FormatError::invalid(format!("{what}: CdtDbtInd `{other}` is neither CRDT nor DBIT"))),
        None => Err(FormatError::invalid(format!("{what} has no credit/debit indicator (CdtDbtInd)"))),
    }
}

/// An `Amt` element (`<Amt Ccy="EUR">12.50</Amt>`) in its own currency.
fn amount_of(amt: XEl<'_>, fallback: Currency, what: &dyn fmt::Display) -> Result<Money, FormatError> {
    let currency = match amt.attr("Ccy") {
        Some(code) => currency_of(code, what)?,
        None => fallback,
    };
    let text = amt.text().ok_or_else(|| FormatError::invalid(format!("{what} has an empty amount (Amt)")))?;
    Money::parse_with(text, currency, DecimalMark::Point).map_err(|e| FormatError::invalid(format!("{what}: {e}")))
}

fn read_statement(stmt: XEl<'_>, number: usize, warnings: &mut Vec<String>) -> Result<StatementAccount, FormatError> {
    let acct = stmt.child("Acct");
    let account_id = acct
        .and_then(|a| a.text_at(&["Id", "IBAN"]).or_else(|| a.text_at(&["Id", "Othr", "Id"])))
        .map(|id| id.split_whitespace().collect::<String>())
        .unwrap_or_default();
    let label = if account_id.is_empty() {
        format!("statement {number}")
    } else {
        format!("account {}", crate::error::last_four(&account_id))
    };
    let stated = acct.and_then(|a| a.text_at(&["Ccy"]));
    let first_amount = stmt
        .children_named("Ntry")
        .chain(stmt.children_named("Bal"))
        .find_map(|e| e.child("Amt").and_then(|a| a.attr("Ccy")));
    let currency = match stated.or(first_amount) {
        Some(code) => currency_of(code, &label)?,
        None if stmt.child("Ntry").is_none() && stmt.child("Bal").is_none() => Currency::EUR,
        None => return Err(FormatError::invalid(format!("{label} states no currency (Acct/Ccy or Amt/@Ccy)"))),
    };

    let mut balance = None;
    let mut balance_on = None;
    for bal in stmt.children_named("Bal") {
        let code = bal.text_at(&["Tp", "CdOrPrtry", "Cd"]).or_else(|| bal.text_at(&["Tp", "CdOrPrtry", "Prtry"]));
        if code != Some("CLBD") {
            continue;
        }
        let what = Place::ClosingBalance { label: &label };
        let Some(amt) = bal.child("Amt") else { continue };
        balance = Some(signed(amount_of(amt, currency, &what)?, bal.text_at(&["CdtDbtInd"]), &what)?);
        balance_on = date_of(bal.child("Dt"));
    }

    let mut transactions = Vec::new();
    for (n, entry) in stmt.children_named("Ntry").enumerate() {
        let what = Place::Entry { label: &label, number: n + 1 };
        read_entry(entry, currency, &what, &mut transactions, warnings)?;
    }

    Ok(StatementAccount {
        provider_account_id: account_id,
        name: acct.and_then(|a| a.text_at(&["Nm"])).map(clean),
        kind: AccountKind::Checking,
        currency,
        institution: acct.and_then(|a| {
            a.text_at(&["Svcr", "FinInstnId", "Nm"])
                .or_else(|| a.text_at(&["Svcr", "FinInstnId", "BICFI"]))
                .or_else(|| a.text_at(&["Svcr", "FinInstnId", "BIC"]))
                .map(clean)
        }),
        balance,
        balance_on,
        transactions,
    })
}

fn read_entry(
    entry: XEl<'_>,
    currency: Currency,
    what: &dyn fmt::Display,
    out: &mut Vec<StatementTransaction>,
    warnings: &mut Vec<String>,
) -> Result<(), FormatError> {
    let status =
        entry.text_at(&["Sts", "Cd"]).or_else(|| entry.text_at(&["Sts"])).unwrap_or("BOOK").to_ascii_uppercase();
    if status == "INFO" {
        warnings.push(format!("{what} is marked information only (INFO) and was skipped"));
        return Ok(());
    }
    let amt = entry.child("Amt").ok_or_else(|| FormatError::invalid(format!("{what} has no amount (Amt)")))?;
    // Read once: each of an entry's payments may fall back on it.
    let indicator = entry.text_at(&["CdtDbtInd"]);
    let amount = signed(amount_of(amt, currency, what)?, indicator, what)?;
    if amount.currency() != currency {
        return Err(FormatError::invalid(format!(
            "{what} is in {} but the account is in {currency}",
            amount.currency()
        )));
    }
    let posted_on = date_of(entry.child("BookgDt"))
        .or_else(|| date_of(entry.child("ValDt")))
        .ok_or_else(|| FormatError::invalid(format!("{what} has no booking or value date (BookgDt, ValDt)")))?;
    let pending = status == "PDNG";
    let entry_ref = entry.text_at(&["AcctSvcrRef"]).or_else(|| entry.text_at(&["NtryRef"]));
    let entry_info = entry.text_at(&["AddtlNtryInf"]);
    let details: Vec<XEl<'_>> = entry.children_named("NtryDtls").flat_map(|d| d.children_named("TxDtls")).collect();

    // Several payments booked as one entry: one transaction each when their amounts add up.
    if details.len() > 1 {
        let mut parts = Vec::with_capacity(details.len());
        for tx in &details {
            let Some(amt) = tx.path(&["AmtDtls", "TxAmt", "Amt"]).or_else(|| tx.child("Amt")) else { break };
            let Ok(part) = amount_of(amt, currency, what) else { break };
            let Ok(part) = signed(part, tx.text_at(&["CdtDbtInd"]).or(indicator), what) else { break };
            if part.currency() != currency {
                break;
            }
            parts.push(part);
        }
        let sum = parts.iter().try_fold(Money::zero(currency), |s, p| s.checked_add(*p));
        if parts.len() == details.len() && sum.ok() == Some(amount) {
            for (i, (tx, part)) in details.iter().zip(parts).enumerate() {
                let id = tx_id(*tx).map(str::to_owned).or_else(|| entry_ref.map(|r| format!("{r}/{}", i + 1)));
                out.push(transaction(Some(*tx), entry_info, part, posted_on, pending, id));
            }
            return Ok(());
        }
    }
    let first = details.first().copied();
    let id = entry
        .text_at(&["AcctSvcrRef"])
        .or_else(|| first.and_then(tx_id))
        .or_else(|| entry.text_at(&["NtryRef"]))
        .map(str::to_owned);
    out.push(transaction(first, entry_info, amount, posted_on, pending, id));
    Ok(())
}

/// A payment's own reference: the bank's, else the end-to-end id the payer gave.
fn tx_id(tx: XEl<'_>) -> Option<&str> {
    let refs = tx.child("Refs")?;
    refs.text_at(&["AcctSvcrRef"])
        .or_else(|| refs.text_at(&["EndToEndId"]).filter(|id| !id.eq_ignore_ascii_case("NOTPROVIDED")))
        .or_else(|| refs.text_at(&["TxId"]))
}

fn party_name(parties: XEl<'_>, role: &str) -> Option<String> {
    let party = parties.child(role)?;
    clean_opt(party.text_at(&["Nm"]).or_else(|| party.text_at(&["Pty", "Nm"])))
}

fn transaction(
    tx: Option<XEl<'_>>,
    entry_info: Option<&str>,
    amount: Money,
    posted_on: NaiveDate,
    pending: bool,
    id: Option<String>,
) -> StatementTransaction {
    let parties = tx.and_then(|t| t.child("RltdPties"));
    // The counterparty: whom the money went to, or came from.
    let roles: &[&str] = if amount.is_negative() {
        &["Cdtr", "UltmtCdtr", "Dbtr", "UltmtDbtr"]
    } else {
        &["Dbtr", "UltmtDbtr", "Cdtr", "UltmtCdtr"]
    };
    let counterparty = parties.and_then(|p| roles.iter().find_map(|role| party_name(p, role)));
    let remittance = tx.and_then(|t| t.child("RmtInf")).map(|r| {
        let lines: Vec<&str> = r.children_named("Ustrd").filter_map(|u| u.text()).collect();
        clean(&lines.join(" "))
    });
    let remittance = remittance.filter(|r| !r.is_empty());
    let tx_info = clean_opt(tx.and_then(|t| t.text_at(&["AddtlTxInf"])));
    let entry_info = clean_opt(entry_info);
    let memo = remittance.or(tx_info).or_else(|| entry_info.clone());
    let (payee, memo) = match counterparty {
        Some(name) => (name, memo),
        None => match (memo, entry_info) {
            (Some(memo), Some(info)) if memo != info => (info, Some(memo)),
            (Some(memo), _) => (memo, None),
            (None, info) => (info.unwrap_or_default(), None),
        },
    };
    let mut t = StatementTransaction::new(posted_on, amount, payee);
    t.memo = memo;
    t.pending = pending;
    t.provider_id = id;
    t.check_number = tx.and_then(|t| t.text_at(&["Refs", "ChqNb"])).map(str::to_owned);
    t
}
