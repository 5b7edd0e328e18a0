//! What every provider and file parser produces: statements of accounts with their
//! transactions, as the source states them. Matching, categorizing and storing happen later,
//! in the engine; this is only the source's word, normalized into exact types.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Checking,
    Savings,
    CreditCard,
    Loan,
    Investment,
    Cash,
    Other,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Checking => "checking",
            AccountKind::Savings => "savings",
            AccountKind::CreditCard => "credit_card",
            AccountKind::Loan => "loan",
            AccountKind::Investment => "investment",
            AccountKind::Cash => "cash",
            AccountKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<AccountKind> {
        Some(match s {
            "checking" => AccountKind::Checking,
            "savings" => AccountKind::Savings,
            "credit_card" => AccountKind::CreditCard,
            "loan" => AccountKind::Loan,
            "investment" => AccountKind::Investment,
            "cash" => AccountKind::Cash,
            "other" => AccountKind::Other,
            _ => return None,
        })
    }
}

/// One source document (an OFX file, a SimpleFIN response, a CSV file): one or more accounts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Statement {
    pub accounts: Vec<StatementAccount>,
    /// Problems the source reported without failing (SimpleFIN's `errors` strings, for
    /// example): shown to the user as they are.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementAccount {
    /// The source's id for the account (OFX ACCTID, SimpleFIN account id). Files without one
    /// (CSV, QIF) leave it empty and the user picks the account.
    pub provider_account_id: String,
    pub name: Option<String>,
    pub kind: AccountKind,
    pub currency: Currency,
    pub institution: Option<String>,
    pub balance: Option<Money>,
    pub balance_on: Option<NaiveDate>,
    pub transactions: Vec<StatementTransaction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementTransaction {
    /// The source's id (OFX FITID, SimpleFIN id). `None` when absent or empty: the engine then
    /// identifies the row by a content hash.
    pub provider_id: Option<String>,
    /// The date the bank states, never shifted through time zones.
    pub posted_on: NaiveDate,
    /// Negative is money out.
    pub amount: Money,
    /// The payee or descriptor as the bank wrote it (trimmed, whitespace collapsed).
    pub payee: String,
    pub memo: Option<String>,
    pub pending: bool,
    /// ISO 18245 merchant category code, when the source gives one (OFX SIC, SimpleFIN extra).
    pub mcc: Option<u16>,
    pub check_number: Option<String>,
    /// A category the source suggests (a QIF `L` line), kept as a hint only.
    pub category_hint: Option<String>,
    /// QIF splits; their amounts sum to `amount` exactly (parsers check it).
    pub splits: Vec<StatementSplit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementSplit {
    pub category_hint: Option<String>,
    pub memo: Option<String>,
    pub amount: Money,
}

impl StatementTransaction {
    /// A transaction with just the essentials; the rest empty.
    pub fn new(posted_on: NaiveDate, amount: Money, payee: impl Into<String>) -> StatementTransaction {
        StatementTransaction {
            provider_id: None,
            posted_on,
            amount,
            payee: payee.into(),
            memo: None,
            pending: false,
            mcc: None,
            check_number: None,
            category_hint: None,
            splits: Vec::new(),
        }
    }
}
