//! Accounts and transactions: the rows everything else is about.

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::types::Value as SqlValue;
use serde::{Deserialize, Serialize};
use spearmint_core::{AccountId, AccountKind, CategoryId, ConnectionId, Currency, Money, TransactionId};

use crate::error::{Error, ErrorKind, Result};
use crate::vault::{Table, Vault, now_rfc3339};

mod edit;
pub(crate) use edit::{
    delete_transaction, edit_transaction, set_category, set_payee_and_note, split_transaction, unsplit_transaction,
    write_splits,
};

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: String,
    pub kind: AccountKind,
    pub currency: Currency,
}

#[derive(Debug, Clone)]
pub struct NewTransaction {
    pub account: AccountId,
    pub posted_on: NaiveDate,
    pub amount: Money,
    pub seller: String,
    pub memo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    pub id: TransactionId,
    pub account_id: AccountId,
    #[ts(type = "string")]
    pub posted_on: NaiveDate,
    pub amount: Money,
    pub seller: String,
    pub memo: Option<String>,
    pub pending: bool,
    /// The category id, and which source decided it (user, rule, learned, dictionary, crowd,
    /// provider, default): the answer to "why is this Food?".
    pub category: Option<CategoryId>,
    pub category_source: Option<String>,
    /// Why, in the app's words (`"coffee" in the name`), where the source alone does not say.
    pub category_reason: Option<String>,
    /// Set when the user chose the category: nothing automatic changes it.
    pub category_locked: bool,
    /// The name a rule gave the payee, shown instead of `seller` when set.
    pub payee: Option<String>,
    /// What a list shows as the payee: the rule's name when there is one, else the seller
    /// cleaned of the bank's codes (`Safeway`, not `CHECKCARD 1202 SAFEWAY #1205`).
    pub name: String,
    /// The user's own note on the transaction (the bank's words are in `memo`).
    pub note: Option<String>,
    /// The parts of a split transaction, in order, adding up to its amount exactly; empty when
    /// it is not split (it then counts whole under `category`).
    pub parts: Vec<SplitPart>,
}

/// One part of a split transaction: a category, an amount in the transaction's currency, and
/// an optional memo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SplitPart {
    pub category: CategoryId,
    pub amount: Money,
    pub memo: Option<String>,
}

pub(crate) fn create_account(vault: &mut Vault, new: NewAccount) -> Result<AccountId> {
    if new.name.trim().is_empty() {
        return Err(Error::new(ErrorKind::Invalid, "an account needs a name"));
    }
    let id = AccountId::new();
    vault.write(|w| {
        w.insert(
            Table::ACCOUNTS,
            &id.to_string(),
            &[
                ("name", Value::Text(new.name.trim().to_owned())),
                ("kind", Value::Text(new.kind.as_str().to_owned())),
                ("currency", Value::Text(new.currency.code().to_owned())),
                ("provider", Value::Text("manual".into())),
                ("created_at", Value::Text(now_rfc3339())),
            ],
        )
    })?;
    Ok(id)
}

pub(crate) fn add_transaction(vault: &mut Vault, new: NewTransaction) -> Result<TransactionId> {
    let currency: Option<String> = vault
        .read()
        .query_row("SELECT currency FROM accounts WHERE id = ?1", [new.account.to_string()], |r| r.get(0))
        .map(Some)
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?;
    let currency =
        currency.ok_or_else(|| Error::new(ErrorKind::NotFound, format!("there is no account {}", new.account)))?;
    if currency != new.amount.currency().code() {
        return Err(Error::new(
            ErrorKind::Invalid,
            format!("the account is in {currency} but the amount is in {}", new.amount.currency()),
        ));
    }
    edit::check_plausible(new.amount)?;
    let id = TransactionId::new();
    let now = now_rfc3339();
    vault.write(|w| {
        w.insert(
            Table::TRANSACTIONS,
            &id.to_string(),
            &[
                ("account_id", Value::Text(new.account.to_string())),
                ("posted_on", Value::Text(new.posted_on.format("%Y-%m-%d").to_string())),
                ("amount_minor", Value::Integer(new.amount.minor())),
                ("currency", Value::Text(currency.clone())),
                ("seller", Value::Text(new.seller.clone())),
                ("memo", new.memo.clone().map_or(Value::Null, Value::Text)),
                ("created_at", Value::Text(now.clone())),
                ("updated_at", Value::Text(now.clone())),
            ],
        )
    })?;
    Ok(id)
}

/// Which transactions to list, newest first; every filter optional. Pages are keyset-based
/// (`before` the last row of the previous page), so any page is fast at millions of rows.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
pub struct TransactionQuery {
    #[ts(type = "string | null")]
    pub since: Option<NaiveDate>,
    #[ts(type = "string | null")]
    pub until: Option<NaiveDate>,
    pub account: Option<AccountId>,
    /// Case-insensitive substring of the descriptor, the payee a rule gave it, or the memo.
    pub search: Option<String>,
    /// Rows of this category (`UNCATEGORIZED`: rows without one), as a month's spending counts
    /// them per category; a split row counts under the category the row itself has, not its
    /// parts'.
    pub category: Option<CategoryId>,
    /// With `category`: its subcategories' rows too (a top-level category's whole spending).
    pub subcategories: bool,
    /// Rows whose amount is at least this, in its currency (money out is negative: purchases
    /// of 20 to 50 are `-50.00` to `-20.00`); rows in other currencies do not match.
    pub min_amount: Option<Money>,
    /// Rows whose amount is at most this, in its currency.
    pub max_amount: Option<Money>,
    pub limit: Option<u32>,
    pub before: Option<TransactionCursor>,
}

/// The position of a row in the newest-first order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TransactionCursor {
    #[ts(type = "string")]
    pub posted_on: NaiveDate,
    pub id: TransactionId,
}

/// An account as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    pub id: AccountId,
    pub name: String,
    pub kind: AccountKind,
    pub currency: String,
    pub provider: String,
    pub institution: Option<String>,
    /// ok, needs_attention or rate_limited.
    pub status: String,
    pub status_reason: Option<String>,
    pub balance: Option<Money>,
    pub transactions: u32,
    /// The linked bank it comes from; `None` for an account of the user's own.
    pub connection: Option<ConnectionId>,
}

pub(crate) fn list_accounts(vault: &Vault) -> Result<Vec<AccountSummary>> {
    let mut stmt = vault.read().prepare(
        "SELECT a.id, a.name, a.kind, a.currency, a.provider, a.institution, a.status, a.status_reason, a.balance_minor,
                coalesce(c.txn_count, 0), a.connection_id
         FROM accounts a LEFT JOIN account_counts c ON c.account_id = a.id
         WHERE a.closed = 0 ORDER BY a.created_at, a.name, a.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, Option<i64>>(8)?,
            r.get::<_, u32>(9)?,
            r.get::<_, Option<String>>(10)?,
        ))
    })?;
    let corrupt = |what: &str| Error::new(ErrorKind::Corrupt, format!("an account has a malformed {what}"));
    let mut out = Vec::new();
    for row in rows {
        let (id, name, kind, currency, provider, institution, status, status_reason, balance, transactions, connection) =
            row?;
        let cur = Currency::new(&currency).map_err(|_| corrupt("currency"))?;
        out.push(AccountSummary {
            id: id.parse().map_err(|_| corrupt("id"))?,
            name,
            kind: AccountKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
            currency,
            provider,
            institution,
            status,
            status_reason,
            balance: balance.map(|b| Money::from_minor(b, cur)),
            transactions,
            connection: connection.map(|c| c.parse()).transpose().map_err(|_| corrupt("connection"))?,
        });
    }
    Ok(out)
}

pub(crate) fn list_transactions(vault: &Vault, limit: u32) -> Result<Vec<Transaction>> {
    query_transactions(vault, &TransactionQuery { limit: Some(limit), ..TransactionQuery::default() })
}

/// What a listed transaction is read from; filters follow as ` AND ...`.
const SELECT_TRANSACTIONS: &str = "SELECT id, account_id, posted_on, amount_minor, currency, seller, memo, pending,
        category_id, category_source, category_locked, payee,
        -- The user's own choice needs no reason (the one it replaced is left behind).
        CASE WHEN category_source = 'user' THEN NULL ELSE category_reason END,
        note, is_split
 FROM transactions WHERE 1 = 1";

/// One transaction, as lists show it.
pub(crate) fn transaction(vault: &Vault, id: TransactionId) -> Result<Transaction> {
    let sql = format!("{SELECT_TRANSACTIONS} AND id = ?");
    read_transactions(vault, &sql, &[SqlValue::Text(id.to_string())])?
        .pop()
        .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("there is no transaction {id}")))
}

pub(crate) fn query_transactions(vault: &Vault, q: &TransactionQuery) -> Result<Vec<Transaction>> {
    let mut sql = String::from(SELECT_TRANSACTIONS);
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(d) = q.since {
        sql.push_str(" AND posted_on >= ?");
        args.push(SqlValue::Text(d.to_string()));
    }
    if let Some(d) = q.until {
        sql.push_str(" AND posted_on <= ?");
        args.push(SqlValue::Text(d.to_string()));
    }
    let search = q.search.as_deref().filter(|s| !s.is_empty());
    if let Some(a) = q.account {
        // A search reads the date index, which holds what it tests (migration 0011), and checks
        // the account only on the rows that match: the account index would fetch every row of
        // the account to test it.
        sql.push_str(if search.is_some() { " AND +account_id = ?" } else { " AND account_id = ?" });
        args.push(SqlValue::Text(a.to_string()));
    }
    if let Some(s) = search {
        // The descriptor, the payee a rule gave it (what the list shows), and the memo.
        sql.push_str(" AND (seller LIKE ? ESCAPE '\\' OR payee LIKE ? ESCAPE '\\' OR memo LIKE ? ESCAPE '\\')");
        let pattern = format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        args.extend(std::iter::repeat_n(SqlValue::Text(pattern), 3));
    }
    if let Some(c) = &q.category {
        if q.subcategories {
            sql.push_str(
                " AND coalesce(category_id, 'UNCATEGORIZED') IN (SELECT id FROM categories WHERE id = ? OR parent_id = ?)",
            );
            args.extend(std::iter::repeat_n(SqlValue::Text(c.as_str().to_owned()), 2));
        } else {
            sql.push_str(" AND coalesce(category_id, 'UNCATEGORIZED') = ?");
            args.push(SqlValue::Text(c.as_str().to_owned()));
        }
    }
    for (bound, op) in [(q.min_amount, ">="), (q.max_amount, "<=")] {
        if let Some(m) = bound {
            sql.push_str(&format!(" AND currency = ? AND amount_minor {op} ?"));
            args.push(SqlValue::Text(m.currency().code().to_owned()));
            args.push(SqlValue::Integer(m.minor()));
        }
    }
    if let Some(c) = q.before {
        sql.push_str(" AND (posted_on, id) < (?, ?)");
        args.push(SqlValue::Text(c.posted_on.to_string()));
        args.push(SqlValue::Text(c.id.to_string()));
    }
    sql.push_str(" ORDER BY posted_on DESC, id DESC LIMIT ?");
    args.push(SqlValue::Integer(i64::from(q.limit.unwrap_or(u32::MAX))));
    read_transactions(vault, &sql, &args)
}

fn read_transactions(vault: &Vault, sql: &str, args: &[SqlValue]) -> Result<Vec<Transaction>> {
    let mut stmt = vault.read().prepare(sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, bool>(7)?,
            (
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, bool>(10)?,
                r.get::<_, Option<String>>(11)?,
                r.get::<_, Option<String>>(12)?,
            ),
            (r.get::<_, Option<String>>(13)?, r.get::<_, bool>(14)?),
        ))
    })?;
    let corrupt = |what: &str| Error::new(ErrorKind::Corrupt, format!("a transaction has a malformed {what}"));
    let mut out = Vec::new();
    for row in rows {
        let (
            id,
            account,
            posted_on,
            minor,
            currency,
            seller,
            memo,
            pending,
            (category, category_source, category_locked, payee, category_reason),
            (note, is_split),
        ) = row?;
        let currency = Currency::new(&currency).map_err(|_| corrupt("currency"))?;
        let parts = if is_split { split_parts(vault, &id, currency)? } else { Vec::new() };
        out.push(Transaction {
            id: id.parse().map_err(|_| corrupt("id"))?,
            account_id: account.parse().map_err(|_| corrupt("account"))?,
            posted_on: NaiveDate::parse_from_str(&posted_on, "%Y-%m-%d").map_err(|_| corrupt("date"))?,
            amount: Money::from_minor(minor, currency),
            seller: seller.clone(),
            memo,
            pending,
            category: category.map(CategoryId::from),
            category_source,
            category_reason,
            category_locked,
            name: payee.clone().unwrap_or_else(|| spearmint_core::seller::display_name(&seller)),
            payee,
            note,
            parts,
        });
    }
    Ok(out)
}

/// A split transaction's parts, in order (only split rows read them: a page has few).
fn split_parts(vault: &Vault, id: &str, currency: Currency) -> Result<Vec<SplitPart>> {
    let mut stmt = vault.read().prepare_cached(
        "SELECT category_id, amount_minor, memo FROM splits WHERE transaction_id = ?1 ORDER BY position",
    )?;
    let parts = stmt
        .query_map([id], |r| {
            Ok(SplitPart {
                category: CategoryId::from(r.get::<_, String>(0)?),
                amount: Money::from_minor(r.get(1)?, currency),
                memo: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(parts)
}
