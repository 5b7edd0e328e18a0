//! OFX and QFX: bank (`STMTRS`) and credit card (`CCSTMTRS`) statements, account lists
//! (`ACCTINFORS`), and the status codes a Direct Connect server answers with. Both OFX 1.x
//! (SGML with unclosed leaves and a `KEY:VALUE` header) and 2.x (XML) are read by the same
//! forgiving reader (see [`sgml`]).

mod sgml;

use chrono::NaiveDate;
use spearmint_core::{
    AccountKind, Currency, DecimalMark, Money, MoneyError, Statement, StatementAccount, StatementTransaction,
};

use crate::date::ofx_date;
use crate::error::{FormatError, FormatErrorKind};
use crate::text::{self, clean, clean_opt};
use sgml::{El, Tree};

/// One account of an account-information reply (`ACCTINFORS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfxAccountInfo {
    pub acct_id: String,
    /// The routing number (`BANKID`) of a bank account; `None` for cards.
    pub bank_id: Option<String>,
    pub kind: AccountKind,
    /// The bank's name for the account (`DESC`).
    pub description: Option<String>,
}

/// Reads an OFX statement response. Amounts are in the statement's `CURDEF`; a file that states
/// none is taken as US dollars (see [`parse_with_currency`]).
pub fn parse(bytes: &[u8]) -> Result<Statement, FormatError> {
    parse_with_currency(bytes, Currency::USD)
}

/// [`parse`], with the currency to use when a statement states none.
pub fn parse_with_currency(bytes: &[u8], default_currency: Currency) -> Result<Statement, FormatError> {
    let tree = read(bytes)?;
    let ofx = ofx_root(&tree)?;
    check_sign_on(ofx)?;
    let institution = ofx.path(&["SIGNONMSGSRSV1", "SONRS", "FI", "ORG"]).and_then(|e| e.text()).map(clean);

    let mut statement = Statement::default();
    let mut investments = Vec::new();
    for set in ofx.children() {
        for trnrs in set.children() {
            match trnrs.name() {
                "STMTTRNRS" | "CCSTMTTRNRS" => {
                    check_status(trnrs, "statement")?;
                    for rs in trnrs.children().filter(|c| matches!(c.name(), "STMTRS" | "CCSTMTRS")) {
                        statement.accounts.push(read_statement(rs, institution.as_deref(), default_currency)?);
                    }
                }
                // A statement without its transaction wrapper, as a few exporters write it.
                "STMTRS" | "CCSTMTRS" => {
                    statement.accounts.push(read_statement(trnrs, institution.as_deref(), default_currency)?)
                }
                "INVSTMTTRNRS" | "INVSTMTRS" => {
                    let acct = trnrs
                        .descendants("INVACCTFROM")
                        .first()
                        .and_then(|a| a.leaf("ACCTID"))
                        .unwrap_or("?")
                        .to_owned();
                    investments.push(acct);
                }
                _ => {}
            }
        }
    }

    if statement.accounts.is_empty() {
        if !investments.is_empty() {
            return Err(FormatError::unsupported(
                "investment statements (INVSTMTRS) are not supported: export a bank or credit card statement",
            ));
        }
        if !ofx.descendants("ACCTINFORS").is_empty() {
            return Err(FormatError::empty(
                "this OFX file lists accounts (ACCTINFORS) but holds no statement: download a statement for one of them",
            ));
        }
        return Err(FormatError::empty("this OFX file holds no bank or credit card statement (STMTRS or CCSTMTRS)"));
    }
    for acct in investments {
        statement.warnings.push(format!(
            "the investment statement of account {} (INVSTMTRS) was skipped: investment statements are not supported",
            crate::error::last_four(&acct)
        ));
    }
    Ok(statement)
}

/// Reads an account-information reply (`ACCTINFORS`, the answer to `ACCTINFORQ`).
pub fn parse_account_info(bytes: &[u8]) -> Result<Vec<OfxAccountInfo>, FormatError> {
    let tree = read(bytes)?;
    let ofx = ofx_root(&tree)?;
    check_sign_on(ofx)?;
    for trnrs in ofx.descendants("ACCTINFOTRNRS") {
        check_status(trnrs, "account list")?;
    }
    let lists = ofx.descendants("ACCTINFORS");
    if lists.is_empty() {
        return Err(FormatError::empty("this OFX answer holds no account list (ACCTINFORS)"));
    }
    let mut accounts = Vec::new();
    for info in lists.iter().flat_map(|l| l.children_named("ACCTINFO")) {
        let description = clean_opt(info.leaf("DESC"));
        for child in info.children() {
            let (from, kind) = match child.name() {
                "BANKACCTINFO" => match child.child("BANKACCTFROM") {
                    Some(from) => (from, bank_kind(from.leaf("ACCTTYPE"))),
                    None => continue,
                },
                "CCACCTINFO" => match child.child("CCACCTFROM") {
                    Some(from) => (from, AccountKind::CreditCard),
                    None => continue,
                },
                "INVACCTINFO" => match child.child("INVACCTFROM") {
                    Some(from) => (from, AccountKind::Investment),
                    None => continue,
                },
                _ => continue,
            };
            let Some(acct_id) = from.leaf("ACCTID") else { continue };
            accounts.push(OfxAccountInfo {
                acct_id: acct_id.to_owned(),
                bank_id: from.leaf("BANKID").map(str::to_owned),
                kind,
                description: description.clone(),
            });
        }
    }
    Ok(accounts)
}

fn read(bytes: &[u8]) -> Result<Tree, FormatError> {
    let text = text::decode(bytes)?;
    // Unclosed leaf tags are normal in OFX 1.x, but the document itself must end: a file cut
    // off in transit would otherwise import the transactions before the cut and silently lose
    // the rest.
    if text.contains('<') && !text.to_ascii_uppercase().contains("</OFX>") {
        return Err(FormatError::syntax(
            "the OFX file ends before its closing </OFX>: it was cut off; download or export it again",
        ));
    }
    Tree::parse(&text)
}

fn ofx_root(tree: &Tree) -> Result<El<'_>, FormatError> {
    tree.root().child("OFX").ok_or_else(|| {
        if tree.root().children().next().is_none() {
            FormatError::empty("the OFX file holds no <OFX> element: it is empty or cut short")
        } else {
            FormatError::syntax("no <OFX> element: this is not an OFX file")
        }
    })
}

/// A status aggregate that reports failure: its code, and the bank's message.
fn failed_status(status: El<'_>) -> Option<(u32, Option<String>)> {
    let code_text = status.leaf("CODE")?;
    let code: u32 = code_text.parse().ok()?;
    let severity = status.leaf("SEVERITY").unwrap_or("").to_ascii_uppercase();
    let failed = match severity.as_str() {
        "ERROR" => code != 0,
        "INFO" | "WARN" => false,
        _ => code >= 2000,
    };
    failed.then(|| (code, clean_opt(status.leaf("MESSAGE"))))
}

fn bank_says(message: Option<String>) -> String {
    message.map(|m| format!(" (the bank says: {m})")).unwrap_or_default()
}

fn check_sign_on(ofx: El<'_>) -> Result<(), FormatError> {
    let Some(status) = ofx.path(&["SIGNONMSGSRSV1", "SONRS", "STATUS"]) else { return Ok(()) };
    let Some((code, message)) = failed_status(status) else { return Ok(()) };
    let meaning = match code {
        15500 => "the bank refused the user name or password",
        15501 => "the bank says this login is already in use",
        15502 => "the bank has locked this login: unlock it with the bank, then reconnect",
        15503 => "the bank could not change the password",
        15506 | 15507 => "the bank refused the sign-on request",
        15508 => "the bank did not authorize this app: allow Direct Connect (or Quicken access) in the bank's settings",
        15510 => "the bank refused this app's client id (CLIENTUID): authorize the new device with the bank",
        15511..=15513 => "the bank asks for extra verification that Spearmint cannot answer",
        2000 => "the bank's server had a general error",
        _ => "the bank refused the sign-on",
    };
    Err(FormatError::new(
        FormatErrorKind::SignOn { code },
        format!("OFX sign-on failed (code {code}): {meaning}{}", bank_says(message)),
    ))
}

fn check_status(trnrs: El<'_>, what: &str) -> Result<(), FormatError> {
    let Some(status) = trnrs.child("STATUS") else { return Ok(()) };
    let Some((code, message)) = failed_status(status) else { return Ok(()) };
    let meaning = match code {
        2000 => "general server error",
        2001 => "invalid account",
        2002 => "general account error",
        2003 => "account not found",
        2004 => "account closed",
        2005 => "account not authorized",
        2019 => "duplicate request",
        2020 | 2027 => "invalid date or date range",
        2028 => "requested element unknown",
        _ => "the server refused the request",
    };
    Err(FormatError::new(
        FormatErrorKind::ServerError { code },
        format!("the OFX {what} request failed (code {code}): {meaning}{}", bank_says(message)),
    ))
}

fn bank_kind(acct_type: Option<&str>) -> AccountKind {
    match acct_type.unwrap_or("").to_ascii_uppercase().as_str() {
        "CHECKING" => AccountKind::Checking,
        "SAVINGS" | "MONEYMRKT" | "CD" => AccountKind::Savings,
        "CREDITLINE" => AccountKind::Loan,
        _ => AccountKind::Other,
    }
}

fn read_statement(
    rs: El<'_>,
    institution: Option<&str>,
    default_currency: Currency,
) -> Result<StatementAccount, FormatError> {
    let (from, kind) = match rs.name() {
        "CCSTMTRS" => (rs.child("CCACCTFROM"), AccountKind::CreditCard),
        _ => {
            let from = rs.child("BANKACCTFROM");
            (from, bank_kind(from.and_then(|f| f.leaf("ACCTTYPE"))))
        }
    };
    let acct_id = from.and_then(|f| f.leaf("ACCTID")).map(clean).unwrap_or_default();
    let currency = rs
        .leaf("CURDEF")
        .and_then(|c| Currency::new(c).ok())
        .or_else(|| {
            // No CURDEF: the currency the transactions state, if they do.
            rs.descendants("CURSYM").iter().find_map(|c| c.text().and_then(|t| Currency::new(t).ok()))
        })
        .unwrap_or(default_currency);
    let where_ = |n: usize, fitid: Option<&str>| {
        let account = if acct_id.is_empty() {
            String::new()
        } else {
            format!(" of account {}", crate::error::last_four(&acct_id))
        };
        let fitid = fitid.map(|f| format!(" (FITID {f})")).unwrap_or_default();
        format!("transaction {n}{account}{fitid}")
    };

    let mut transactions = Vec::new();
    let lists = || rs.children().filter(|c| matches!(c.name(), "BANKTRANLIST" | "BANKTRANLISTP"));
    // The statement's own convention, from all of its amounts: one written `1.000` reads alike
    // either way, the statement's others tell which it is.
    let ledger = rs.child("LEDGERBAL");
    let texts: Vec<&str> =
        lists().flat_map(trns).filter_map(|t| t.leaf("TRNAMT")).chain(ledger.and_then(|l| l.leaf("BALAMT"))).collect();
    let mark = decimal_mark(&texts);
    for list in lists() {
        let pending = list.name() == "BANKTRANLISTP";
        for trn in trns(list) {
            let n = transactions.len() + 1;
            transactions.push(read_transaction(trn, currency, pending, mark).map_err(|e| FormatError {
                kind: e.kind,
                message: format!("OFX {}: {}", where_(n, trn.leaf("FITID")), e.message),
            })?);
        }
    }

    let balance = match ledger.and_then(|l| l.leaf("BALAMT")) {
        Some(text) => {
            Some(amount(text, currency, mark).map_err(|e| FormatError::invalid(format!("OFX LEDGERBAL: {e}")))?)
        }
        None => None,
    };
    let balance_on = ledger.and_then(|l| l.leaf("DTASOF")).and_then(ofx_date).filter(|_| balance.is_some());
    Ok(StatementAccount {
        provider_account_id: acct_id,
        name: None,
        kind,
        currency,
        institution: institution.map(str::to_owned),
        balance,
        balance_on,
        transactions,
    })
}

fn read_transaction(
    trn: El<'_>,
    currency: Currency,
    pending: bool,
    mark: DecimalMark,
) -> Result<StatementTransaction, FormatError> {
    let posted_on = posted_date(trn)?;
    let amount_text = trn.leaf("TRNAMT").ok_or_else(|| FormatError::invalid("it has no amount (TRNAMT)"))?;
    let amount = amount(amount_text, currency, mark).map_err(|e| FormatError::invalid(e.to_string()))?;
    let name = trn.leaf("NAME").or_else(|| trn.path(&["PAYEE", "NAME"]).and_then(|n| n.text()));
    let name = clean_opt(name);
    let memo = clean_opt(trn.leaf("MEMO"));
    let (payee, memo) = match name {
        Some(name) => (name, memo),
        None => (memo.unwrap_or_default(), None),
    };
    Ok(StatementTransaction {
        provider_id: trn.leaf("FITID").map(str::to_owned),
        posted_on,
        amount,
        payee,
        memo,
        pending,
        mcc: trn.leaf("SIC").and_then(|s| s.parse().ok()),
        check_number: trn.leaf("CHECKNUM").filter(|c| !c.chars().all(|ch| ch == '0')).map(str::to_owned),
        category_hint: None,
        splits: Vec::new(),
    })
}

fn posted_date(trn: El<'_>) -> Result<NaiveDate, FormatError> {
    let (field, text) = match (trn.leaf("DTPOSTED"), trn.leaf("DTUSER"), trn.leaf("DTTRAN")) {
        (Some(text), _, _) => ("DTPOSTED", text),
        (None, Some(text), _) => ("DTUSER", text),
        (None, None, Some(text)) => ("DTTRAN", text),
        (None, None, None) => return Err(FormatError::invalid("it has no posted date (DTPOSTED)")),
    };
    ofx_date(text)
        .ok_or_else(|| FormatError::invalid(format!("{field} `{text}` is not a date (OFX dates are YYYYMMDD...)")))
}

/// A transaction list's transactions.
fn trns(list: El<'_>) -> Vec<El<'_>> {
    list.children().filter(|c| matches!(c.name(), "STMTTRN" | "STMTTRNP")).collect()
}

/// Whether a statement writes dots for thousands and a comma for decimals (`1.234,56`, as some
/// Brazilian banks do): some amount shows it unmistakably, with a comma after a dot or with
/// two dots. Only then does an amount like `1.000` read as a thousand.
fn decimal_mark(texts: &[&str]) -> DecimalMark {
    let dotted_thousands = texts.iter().any(|t| match (t.rfind('.'), t.rfind(',')) {
        (Some(d), Some(c)) => c > d,
        (Some(_), None) => t.matches('.').count() > 1,
        _ => false,
    });
    if dotted_thousands { DecimalMark::Comma } else { DecimalMark::Point }
}

/// An OFX amount. OFX says `.` is the decimal mark, but servers write others: with both marks
/// the last is the decimal one; a lone comma is the decimal mark; dots alone are thousands
/// (`1.000`) only in a statement that writes them so ([`decimal_mark`]).
fn amount(text: &str, currency: Currency, statement: DecimalMark) -> Result<Money, MoneyError> {
    let text = text.trim();
    let mark = match (text.rfind('.'), text.rfind(',')) {
        (Some(d), Some(c)) if c > d => DecimalMark::Comma,
        (Some(_), Some(_)) => DecimalMark::Point,
        (None, Some(_)) => DecimalMark::Comma,
        (Some(_), None) if text.matches('.').count() > 1 => DecimalMark::Comma,
        // `1.000`: a thousand, or one with three decimals; the statement tells.
        (Some(d), None) if text[d + 1..].len() == 3 => statement,
        (Some(_), None) => DecimalMark::Point,
        (None, None) => DecimalMark::Point,
    };
    Money::parse_with(text, currency, mark)
}
