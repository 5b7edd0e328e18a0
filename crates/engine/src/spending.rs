//! Monthly spending by category, read from `monthly_spending` (kept current by triggers, see
//! migrations/0004_monthly_spending.sql), and `doctor`, which recomputes it from the rows and
//! reports any difference. Also the user's own edits of transactions, which the totals follow.

use chrono::NaiveDate;
use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use serde::Serialize;
use spearmint_core::{Currency, Money, TransactionId};

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::vault::{Table, Vault, Writer, now_rfc3339};

/// One category's total in one month and currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CategorySpending {
    pub category: String,
    pub name: String,
    /// expense, income, transfer or uncategorized.
    pub kind: String,
    /// The exact sum: negative is money out.
    pub amount: Money,
    pub transactions: u32,
}

/// A month: every category's total, and what was spent and earned per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct MonthSpending {
    pub month: String,
    pub categories: Vec<CategorySpending>,
    /// Money out in expense (and uncategorized) categories, as a positive amount, per currency.
    pub spent: Vec<Money>,
    /// Money in, in income categories, per currency.
    pub income: Vec<Money>,
}

/// Where the money went: one seller's total in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SellerSpending {
    /// The normalized seller (`blue bottle coffee`).
    pub seller: String,
    /// Money out, as a positive amount.
    pub spent: Money,
    pub transactions: u32,
}

/// A difference between the maintained totals and a recount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpendingDifference {
    pub month: String,
    pub category: String,
    pub currency: String,
    pub stored_minor: i64,
    pub recounted_minor: i64,
    pub stored_count: u32,
    pub recounted_count: u32,
}

/// A difference between an account's maintained transaction count and a recount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountCountDifference {
    pub account: String,
    pub stored: i64,
    pub recounted: i64,
}

/// What `doctor` found: every maintained total that differs from a recount of the rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoctorReport {
    pub monthly_spending: Vec<SpendingDifference>,
    pub account_counts: Vec<AccountCountDifference>,
}

impl DoctorReport {
    /// How many totals differ.
    pub fn len(&self) -> usize {
        self.monthly_spending.len() + self.account_counts.len()
    }

    /// Whether every maintained total matches its recount.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What account_counts holds: each account's rows, counted.
const ACCOUNT_RECOUNT: &str = "SELECT account_id, count(*) FROM transactions GROUP BY account_id";

/// What monthly_spending sums, row by row: unsplit transactions as themselves, split ones
/// through their parts (in the transaction's month and currency).
const RECOUNT_ROWS: &str =
    "SELECT substr(posted_on, 1, 7) AS month, coalesce(category_id, 'UNCATEGORIZED') AS category_id,
            currency, amount_minor FROM transactions WHERE is_split = 0
     UNION ALL
     SELECT substr(t.posted_on, 1, 7), s.category_id, t.currency, s.amount_minor
            FROM splits s JOIN transactions t ON t.id = s.transaction_id WHERE t.is_split = 1";

fn month_of(text: &str) -> Result<String> {
    let ok = text.len() == 7 && NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").is_ok();
    if ok {
        Ok(text.to_owned())
    } else {
        Err(Error::new(ErrorKind::Invalid, format!("`{text}` is not a month: use YYYY-MM")))
    }
}

fn read_month(v: &Vault, month: &str) -> Result<MonthSpending> {
    let mut stmt = v.read().prepare_cached(
        "SELECT s.category_id, c.name, c.kind, s.currency, s.amount_minor, s.txn_count
         FROM monthly_spending s JOIN categories c ON c.id = s.category_id
         WHERE s.month = ?1 ORDER BY s.amount_minor, s.category_id",
    )?;
    let rows = stmt.query_map([month], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, u32>(5)?,
        ))
    })?;
    let mut categories = Vec::new();
    let mut spent: Vec<Money> = Vec::new();
    let mut income: Vec<Money> = Vec::new();
    let add = |list: &mut Vec<Money>, m: Money| -> Result<()> {
        match list.iter_mut().find(|x| x.currency() == m.currency()) {
            Some(x) => *x = x.checked_add(m).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?,
            None => list.push(m),
        }
        Ok(())
    };
    for row in rows {
        let (category, name, kind, currency, minor, transactions) = row?;
        let currency = Currency::new(&currency)
            .map_err(|_| Error::new(ErrorKind::Corrupt, "a malformed currency in monthly_spending"))?;
        let amount = Money::from_minor(minor, currency);
        match kind.as_str() {
            "expense" | "uncategorized" => add(&mut spent, Money::from_minor(-minor, currency))?,
            "income" => add(&mut income, amount)?,
            _ => {}
        }
        categories.push(CategorySpending { category, name, kind, amount, transactions });
    }
    Ok(MonthSpending { month: month.to_owned(), categories, spent, income })
}

impl Engine {
    /// Spending by category for one month (`YYYY-MM`).
    pub fn spending(&self, month: &str) -> Result<MonthSpending> {
        let month = month_of(month)?;
        self.with_vault(|v| read_month(v, &month))
    }

    /// The last `months` months up to and including `until`, oldest first.
    pub fn spending_trend(&self, until: &str, months: u32) -> Result<Vec<MonthSpending>> {
        let until = month_of(until)?;
        let first = NaiveDate::parse_from_str(&format!("{until}-01"), "%Y-%m-%d").expect("checked");
        let mut list = Vec::new();
        for back in (0..months.clamp(1, 120)).rev() {
            let d = first.checked_sub_months(chrono::Months::new(back)).unwrap_or(first);
            list.push(d.format("%Y-%m").to_string());
        }
        self.with_vault(|v| list.iter().map(|m| read_month(v, m)).collect())
    }

    /// The sellers the most money went to in a month (transfers and income left out).
    pub fn top_sellers(&self, month: &str, limit: u32) -> Result<Vec<SellerSpending>> {
        let month = month_of(month)?;
        let first = format!("{month}-01");
        let last = format!("{month}-31");
        self.with_vault(|v| {
            let mut stmt = v.read().prepare_cached(
                "SELECT coalesce(nullif(t.seller_normalized, ''), t.seller), t.currency, -sum(t.amount_minor), count(*)
                 FROM transactions t JOIN categories c ON c.id = coalesce(t.category_id, 'UNCATEGORIZED')
                 WHERE t.posted_on BETWEEN ?1 AND ?2 AND t.amount_minor < 0 AND c.kind IN ('expense', 'uncategorized')
                 GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT ?3",
            )?;
            let rows = stmt.query_map(rusqlite::params![first, last, limit], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, u32>(3)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (seller, currency, minor, transactions) = row?;
                let currency =
                    Currency::new(&currency).map_err(|_| Error::new(ErrorKind::Corrupt, "a malformed currency"))?;
                out.push(SellerSpending { seller, spent: Money::from_minor(minor, currency), transactions });
            }
            Ok(out)
        })
    }

    /// The newest month with any transaction, if any.
    pub fn latest_month(&self) -> Result<Option<String>> {
        self.with_vault(|v| Ok(v.read().query_row("SELECT max(month) FROM monthly_spending", [], |r| r.get(0))?))
    }

    /// Recomputes monthly spending and each account's transaction count from the rows; returns
    /// every difference from the maintained tables (none, when all is well). With `repair`,
    /// replaces the tables that differ with their recount.
    pub fn doctor(&self, repair: bool) -> Result<DoctorReport> {
        self.with_vault(|v| {
            let mut stmt = v.read().prepare(&String::from(
                "WITH recount AS (
                    SELECT month, category_id, currency, sum(amount_minor) AS amount_minor, count(*) AS txn_count
                    FROM (RECOUNT_ROWS) GROUP BY 1, 2, 3)
                 SELECT coalesce(s.month, r.month), coalesce(s.category_id, r.category_id), coalesce(s.currency, r.currency),
                        coalesce(s.amount_minor, 0), coalesce(r.amount_minor, 0), coalesce(s.txn_count, 0), coalesce(r.txn_count, 0)
                 FROM monthly_spending s FULL OUTER JOIN recount r
                   ON s.month = r.month AND s.category_id = r.category_id AND s.currency = r.currency
                 WHERE s.month IS NULL OR r.month IS NULL OR s.amount_minor != r.amount_minor OR s.txn_count != r.txn_count
                 ORDER BY 1, 2, 3"
            ).replace("RECOUNT_ROWS", RECOUNT_ROWS))?;
            let diffs: Vec<SpendingDifference> = stmt
                .query_map([], |r| {
                    Ok(SpendingDifference {
                        month: r.get(0)?,
                        category: r.get(1)?,
                        currency: r.get(2)?,
                        stored_minor: r.get(3)?,
                        recounted_minor: r.get(4)?,
                        stored_count: r.get(5)?,
                        recounted_count: r.get(6)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            drop(stmt);
            let mut stmt = v.read().prepare(&format!(
                "WITH recount (account_id, n) AS ({ACCOUNT_RECOUNT})
                 SELECT a.id, coalesce(c.txn_count, 0), coalesce(r.n, 0)
                 FROM accounts a
                 LEFT JOIN account_counts c ON c.account_id = a.id
                 LEFT JOIN recount r ON r.account_id = a.id
                 WHERE coalesce(c.txn_count, 0) != coalesce(r.n, 0)
                 ORDER BY a.id"
            ))?;
            let counts: Vec<AccountCountDifference> = stmt
                .query_map([], |r| Ok(AccountCountDifference { account: r.get(0)?, stored: r.get(1)?, recounted: r.get(2)? }))?
                .collect::<rusqlite::Result<_>>()?;
            drop(stmt);
            let report = DoctorReport { monthly_spending: diffs, account_counts: counts };
            if repair && !report.is_empty() {
                // The tables that differ are rebuilt from their recount, in one transaction.
                let mut sql = String::new();
                if !report.monthly_spending.is_empty() {
                    sql.push_str(&format!(
                        "DELETE FROM monthly_spending;
                         INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
                         SELECT month, category_id, currency, sum(amount_minor), count(*) FROM ({RECOUNT_ROWS}) GROUP BY 1, 2, 3;"
                    ));
                }
                if !report.account_counts.is_empty() {
                    sql.push_str(&format!(
                        "DELETE FROM account_counts; INSERT INTO account_counts (account_id, txn_count) {ACCOUNT_RECOUNT};"
                    ));
                }
                v.write(|w| Ok(w.sql().execute_batch(&sql)?))?;
            }
            Ok(report)
        })
    }

    /// The user sets a transaction's category: it is locked, and nothing automatic changes it.
    pub fn set_category(&self, id: TransactionId, category: &str) -> Result<()> {
        self.with_vault(|v| {
            let known: Option<String> =
                v.read().query_row("SELECT id FROM categories WHERE id = ?1", [category], |r| r.get(0)).optional()?;
            if known.is_none() {
                return Err(Error::new(ErrorKind::Invalid, format!("there is no category `{category}`")));
            }
            v.write(|w| {
                let found = w.update(
                    Table::TRANSACTIONS,
                    &id.to_string(),
                    &[
                        ("category_id", Value::Text(category.to_owned())),
                        ("category_source", Value::Text("user".into())),
                        ("category_locked", Value::Integer(1)),
                        ("updated_at", Value::Text(now_rfc3339())),
                    ],
                )?;
                if found {
                    Ok(())
                } else {
                    Err(Error::new(ErrorKind::NotFound, format!("there is no transaction {id}")))
                }
            })?;
            crate::budget::check_recent(v).map(|_| ())
        })
    }

    /// Corrects a transaction's date or amount (a manual fix of what the bank said).
    pub fn edit_transaction(
        &self,
        id: TransactionId,
        posted_on: Option<NaiveDate>,
        amount: Option<Money>,
    ) -> Result<()> {
        self.with_vault(|v| {
            let currency: Option<String> = v
                .read()
                .query_row("SELECT currency FROM transactions WHERE id = ?1", [id.to_string()], |r| r.get(0))
                .optional()?;
            let currency =
                currency.ok_or_else(|| Error::new(ErrorKind::NotFound, format!("there is no transaction {id}")))?;
            let mut cells = vec![("updated_at", Value::Text(now_rfc3339()))];
            if let Some(d) = posted_on {
                cells.push(("posted_on", Value::Text(d.to_string())));
            }
            if let Some(m) = amount {
                if m.currency().code() != currency {
                    return Err(Error::new(
                        ErrorKind::Invalid,
                        format!("the transaction is in {currency}, not {}", m.currency()),
                    ));
                }
                cells.push(("amount_minor", Value::Integer(m.minor())));
            }
            v.write(|w| w.update(Table::TRANSACTIONS, &id.to_string(), &cells).map(|_| ()))?;
            crate::budget::check_recent(v).map(|_| ())
        })
    }

    /// Splits a transaction across categories. The parts must be in its currency and sum to its
    /// amount exactly; splitting again replaces the parts. The monthly totals follow the parts.
    pub fn split_transaction(&self, id: TransactionId, parts: &[(String, Money, Option<String>)]) -> Result<()> {
        if parts.len() < 2 {
            return Err(Error::new(ErrorKind::Invalid, "a split has at least two parts"));
        }
        self.with_vault(|v| {
            let found: Option<(i64, String)> = v
                .read()
                .query_row("SELECT amount_minor, currency FROM transactions WHERE id = ?1", [id.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let (minor, currency) =
                found.ok_or_else(|| Error::new(ErrorKind::NotFound, format!("there is no transaction {id}")))?;
            let mut sum = 0i64;
            for (category, amount, _) in parts {
                if amount.currency().code() != currency {
                    return Err(Error::new(ErrorKind::Invalid, format!("every part must be in {currency}")));
                }
                let known: Option<String> = v
                    .read()
                    .query_row("SELECT id FROM categories WHERE id = ?1", [category], |r| r.get(0))
                    .optional()?;
                if known.is_none() {
                    return Err(Error::new(ErrorKind::Invalid, format!("there is no category `{category}`")));
                }
                sum = sum
                    .checked_add(amount.minor())
                    .ok_or_else(|| Error::new(ErrorKind::Invalid, "the parts are too large"))?;
            }
            if sum != minor {
                let total = Money::from_minor(minor, Currency::new(&currency).unwrap_or(Currency::USD));
                let got = Money::from_minor(sum, total.currency());
                return Err(Error::new(
                    ErrorKind::Invalid,
                    format!("the parts add up to {got}, not the transaction's {total}"),
                ));
            }
            v.write(|w| {
                let parts: Vec<(&str, i64, Option<&str>)> =
                    parts.iter().map(|(c, a, m)| (c.as_str(), a.minor(), m.as_deref())).collect();
                write_splits(w, id, &parts)
            })?;
            crate::budget::check_recent(v).map(|_| ())
        })
    }

    /// Makes a split transaction whole again, under its own category.
    pub fn unsplit_transaction(&self, id: TransactionId) -> Result<()> {
        self.with_vault(|v| {
            v.write(|w| {
                w.sql().execute("DELETE FROM splits WHERE transaction_id = ?1", [id.to_string()])?;
                let found = w.update(Table::TRANSACTIONS, &id.to_string(), &[("is_split", Value::Integer(0))])?;
                if !found {
                    return Err(Error::new(ErrorKind::NotFound, format!("there is no transaction {id}")));
                }
                w.record_row(Table::SPLITS, &id.to_string(), serde_json::json!([]))
            })?;
            crate::budget::check_recent(v).map(|_| ())
        })
    }

    pub fn delete_transaction(&self, id: TransactionId) -> Result<()> {
        self.with_vault(|v| {
            v.write(|w| {
                if w.delete(Table::TRANSACTIONS, &id.to_string())? {
                    Ok(())
                } else {
                    Err(Error::new(ErrorKind::NotFound, format!("there is no transaction {id}")))
                }
            })
        })
    }
}

/// Replaces a transaction's parts with `parts` (category, amount in minor units, memo), checked
/// by the caller to sum to it, and marks it split; the triggers of 0007 move its monthly totals
/// from the whole to the parts. The parts sync as one row.
pub(crate) fn write_splits(w: &mut Writer<'_>, id: TransactionId, parts: &[(&str, i64, Option<&str>)]) -> Result<()> {
    w.sql().execute("DELETE FROM splits WHERE transaction_id = ?1", [id.to_string()])?;
    w.update(
        Table::TRANSACTIONS,
        &id.to_string(),
        &[("is_split", Value::Integer(1)), ("updated_at", Value::Text(now_rfc3339()))],
    )?;
    for (position, (category, amount, memo)) in parts.iter().enumerate() {
        w.sql().execute(
            "INSERT INTO splits (transaction_id, position, category_id, amount_minor, memo) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![id.to_string(), position as i64, category, amount, memo],
        )?;
    }
    let cells = serde_json::json!(
        parts
            .iter()
            .map(|(c, a, m)| serde_json::json!({ "category_id": c, "amount_minor": a, "memo": m }))
            .collect::<Vec<_>>()
    );
    w.record_row(Table::SPLITS, &id.to_string(), cells)
}
