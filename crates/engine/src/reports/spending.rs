//! Monthly spending by category, read from `monthly_spending` (kept current by the `Writer` and
//! by triggers, see migrations/0004_monthly_spending.sql), and `doctor`, which recomputes it
//! from the rows and reports any difference.

use chrono::NaiveDate;
use serde::Serialize;
use spearmint_core::{CategoryId, Currency, Money};

use crate::error::{Error, ErrorKind, Result};
use crate::vault::Vault;
use crate::vault::write::{ACCOUNT_RECOUNT, RECOUNT_ROWS};

/// One category's total in one month and currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CategorySpending {
    pub category: CategoryId,
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
    pub category: CategoryId,
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
    /// What SQLite's `PRAGMA integrity_check` found wrong in the file itself (nothing, when all
    /// is well). `repair` does not touch it: a damaged file is restored from a backup.
    pub integrity: Vec<String>,
}

impl DoctorReport {
    /// How many totals differ, and how many faults the file has.
    pub fn len(&self) -> usize {
        self.monthly_spending.len() + self.account_counts.len() + self.integrity.len()
    }

    /// Whether every maintained total matches its recount.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub(crate) fn month_of(text: &str) -> Result<String> {
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
            Some(x) => *x = x.checked_add(m).map_err(|e| Error::internal("the spending could not be totalled", e))?,
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
        categories.push(CategorySpending { category: category.into(), name, kind, amount, transactions });
    }
    Ok(MonthSpending { month: month.to_owned(), categories, spent, income })
}

/// Spending by category for one month (`YYYY-MM`).
pub(crate) fn month(v: &Vault, month: &str) -> Result<MonthSpending> {
    read_month(v, &month_of(month)?)
}

/// The last `months` months up to and including `until`, oldest first.
pub(crate) fn trend(v: &Vault, until: &str, months: u32) -> Result<Vec<MonthSpending>> {
    let until = month_of(until)?;
    let first = NaiveDate::parse_from_str(&format!("{until}-01"), "%Y-%m-%d").expect("checked");
    let mut list = Vec::new();
    for back in (0..months.clamp(1, 120)).rev() {
        let d = first.checked_sub_months(chrono::Months::new(back)).unwrap_or(first);
        list.push(d.format("%Y-%m").to_string());
    }
    list.iter().map(|m| read_month(v, m)).collect()
}

/// The sellers the most money went to in a month (transfers and income left out).
pub(crate) fn top_sellers(v: &Vault, month: &str, limit: u32) -> Result<Vec<SellerSpending>> {
    let month = month_of(month)?;
    let first = format!("{month}-01");
    let last = format!("{month}-31");
    {
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
    }
}

/// The newest month with any transaction, if any.
pub(crate) fn latest_month(v: &Vault) -> Result<Option<String>> {
    Ok(v.read().query_row("SELECT max(month) FROM monthly_spending", [], |r| r.get(0))?)
}

/// Recomputes monthly spending and each account's transaction count from the rows; returns
/// every difference from the maintained tables (none, when all is well). With `repair`,
/// replaces the tables that differ with their recount.
pub(crate) fn doctor(v: &mut Vault, repair: bool) -> Result<DoctorReport> {
    {
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
                    category: CategoryId::from(r.get::<_, String>(1)?),
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
            .query_map([], |r| {
                Ok(AccountCountDifference { account: r.get(0)?, stored: r.get(1)?, recounted: r.get(2)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        let integrity: Vec<String> = {
            let mut stmt = v.read().prepare("SELECT integrity_check FROM pragma_integrity_check")?;
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .filter(|line| line != "ok")
                .collect()
        };
        let report = DoctorReport { monthly_spending: diffs, account_counts: counts, integrity };
        if repair && !report.is_empty() {
            // The tables that differ are rebuilt from their recount, in one transaction.
            v.write(|w| {
                if !report.monthly_spending.is_empty() {
                    w.rebuild_monthly_spending()?;
                }
                if !report.account_counts.is_empty() {
                    w.rebuild_account_counts()?;
                }
                Ok(())
            })?;
        }
        Ok(report)
    }
}
